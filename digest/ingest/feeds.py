"""Feed bytes -> Entry values: a reader finds RawItems, normalisation makes them Entries.

prepare.py makes the bytes safe to parse. Plain, well-formed RSS 2.0 and Atom take the
fast lxml reader (fastfeed.py); everything else feedparser, whose dictionaries become
RawItems in one place here (`_from_feedparser`) and go no further. `entry_from` then
applies our own rules for ids, dates and HTML, knowing neither reader.

feedparser's sanitiser and relative-URI resolver are switched off: nh3 does both
faster and with an allowlist made for email (see clean.py).
"""

from __future__ import annotations

import calendar
import gc
import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlsplit

from digest.config import Config, Source
from digest.ingest import fastfeed
from digest.ingest.clean import (
    absolute_url,
    first_image,
    plain_text,
    remove_image,
    sanitize_html,
    summarize,
    title_text,
    web_url,
    without_footer,
)
from digest.ingest.prepare import FeedUnreadable, prepare, refuse_attribute_runs, what_it_is
from digest.ingest.raw import Enclosure, Media, RawFeed, RawItem
from digest.model import Entry, Event, Image

__all__ = [
    "FeedUnreadable",
    "ParsedFeed",
    "entry_from",
    "parse_feed",
    "read_with_feedparser",
    "stable_id",
]

# A date this far ahead of the fetch is a broken clock, not a scheduled post.
FUTURE_TOLERANCE = timedelta(days=2)
# A date before this is an unset clock, not a story: Go's zero time (the year 1), Unix's 0 (1970),
# a two-digit year read as the year 99. Feeds are younger.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ParsedFeed:
    """What one feed yielded: its entries, and one-line warnings about what was odd."""

    entries: tuple[Entry, ...]
    warnings: tuple[str, ...]
    title: str = ""


def parse_feed(
    data: bytes,
    source: Source,
    config: Config,
    fetched_at: datetime,
    base_url: str,
    *,
    reader: Literal["auto", "feedparser"] = "auto",
) -> ParsedFeed:
    """Parse a feed's bytes into normalised entries; raise FeedUnreadable when there is no feed.

    Plain, well-formed RSS 2.0 and Atom take the fast lxml reader; everything else feedparser.
    """
    with paused_collector():
        return _parse_feed(data, source, config, fetched_at, base_url, reader)


@contextmanager
def paused_collector() -> Iterator[None]:
    """Python's cycle collector paused: reading and normalising a feed makes thousands of
    objects and frees them by their reference counts, so the collector, which ran every 700 new
    objects and went through the young ones (and now and then all of them), found nothing to
    free: 0.05 s CPU of a 10,000-item feed. Resumed after, if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse_feed(
    data: bytes,
    source: Source,
    config: Config,
    fetched_at: datetime,
    base_url: str,
    reader: Literal["auto", "feedparser"],
) -> ParsedFeed:
    document, warnings = prepare(data)
    # A source's own event elements are named as feedparser names them: such a source takes it.
    # Items with the RSS Event module's elements step aside from the fast reader by themselves.
    fast = reader == "auto" and source.events is None
    feed = fastfeed.read(document) if fast else None
    from_xml = feed is not None  # lxml's text holds no character XML forbids
    if feed is None:
        feed = read_with_feedparser(document, source)
    feed_link = web_url(feed.link, base_url) or base_url
    feed_title = title_text(feed.title)
    # Each item is let go once it is an entry: the feed's raw HTML and its sanitised HTML are
    # not held at once (a tenth of a large feed's peak memory, and the pages it first touches).
    pending = list(reversed(feed.items))
    del feed
    entries: list[Entry] = []
    seen_ids: set[str] = set()
    for position in range(len(pending)):
        item = pending.pop()
        entry = entry_from(
            item,
            source,
            config,
            fetched_at,
            (feed_link, feed_title),
            warnings,
            position,
            from_xml=from_xml,
        )
        if entry is None:
            continue
        if entry.id in seen_ids:
            warnings.append(f"item {position + 1}: duplicate id {entry.id!r}; kept the first")
            continue
        seen_ids.add(entry.id)
        entries.append(entry)
    return ParsedFeed(tuple(entries), tuple(warnings), feed_title)


# The RSS Event module (http://purl.org/rss/1.0/modules/event/), as feedparser names its elements.
_EVENT_MODULE = ("ev_startdate", "ev_enddate", "ev_location")


def _event_keys(source: Source | None) -> tuple[str, str | None, str | None]:
    """feedparser's keys for the elements holding start, end and location: 'ev:startdate' -> 'ev_startdate'."""
    fields = source.events if source else None
    if fields is None:
        return _EVENT_MODULE

    def key(name: str | None) -> str | None:
        return name.replace(":", "_").lower() if name else None

    return fields.start.replace(":", "_").lower(), key(fields.end), key(fields.location)


def read_with_feedparser(document: bytes, source: Source | None = None) -> RawFeed:
    """A prepared document as feedparser reads it, which copes with anything; FeedUnreadable
    if it finds no feed. The event fields are the source's own elements, else the RSS Event module's."""
    import feedparser  # imported here: an unchanged or plain feed never pays for it

    refuse_attribute_runs(document)
    try:
        # Bytes go in as a stream: given bytes, feedparser first tries them as a file name,
        # so a body of "/etc/hostname" would be read from this machine's disk.
        parsed = feedparser.parse(
            io.BytesIO(document), sanitize_html=False, resolve_relative_uris=False
        )
    except (
        Exception
    ) as error:  # the library's failure on hostile bytes is this source's, not the build's
        raise FeedUnreadable(f"the feed parser failed ({type(error).__name__})") from error
    if not parsed.get("version") and not parsed.entries:
        raise FeedUnreadable(what_it_is(document, parsed.get("bozo_exception")))
    return _from_feedparser(parsed, _event_keys(source))


def _from_feedparser(parsed: Any, event_keys: tuple[str, str | None, str | None]) -> RawFeed:
    """feedparser's result as a RawFeed: the one place that knows feedparser's shape."""
    feed = parsed.feed
    items = tuple(_raw_item(item, event_keys) for item in parsed.entries)
    return RawFeed(_string(feed, "title"), _string(feed, "link"), items)


def _raw_item(item: Any, event_keys: tuple[str, str | None, str | None]) -> RawItem:
    contents = item.get("content") or []
    best = max(contents, key=lambda c: len(c.get("value", "")), default=None)
    credits = dict.get(item, "media_credit") or []
    start_key, end_key, location_key = event_keys
    return RawItem(
        title=_string(item, "title"),
        link=item.get("link") or "",
        guid=_string(item, "id"),
        # feedparser's published, else its created; normalisation falls back on updated
        published=_date(item, "published_parsed", "created_parsed"),
        updated=_date(item, "updated_parsed"),
        summary=_string(item, "summary"),
        summary_base=_string(item.get("summary_detail") or {}, "base"),
        content=_string(best, "value") if best else "",
        content_base=_string(best, "base") if best else "",
        categories=tuple(tag.get("term") or tag.get("label") or "" for tag in item.get("tags", [])),
        enclosures=tuple(
            Enclosure(_string(link, "href"), _string(link, "type"), _string(link, "title"))
            for link in item.get("links", [])
            if link.get("rel") == "enclosure"
        ),
        media=tuple(
            Media(*(_string(media, key) for key in ("url", "medium", "type", "width", "height")))
            for media in item.get("media_content", [])
        ),
        thumbnails=tuple(_string(thumb, "url") for thumb in item.get("media_thumbnail", [])),
        credit=_string(credits[0], "content") if credits else "",
        event_start=_item_text(item, start_key),
        event_end=_item_text(item, end_key),
        event_location=_item_text(item, location_key),
    )


def _string(mapping: Any, key: str) -> str:
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def _date(item: Any, *keys: str) -> datetime | None:
    for key in keys:
        value = dict.get(item, key)  # plain dict access: feedparser's aliasing warns and guesses
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _item_text(item: Any, key: str | None) -> str:
    value = dict.get(item, key) if key else None  # plain dict access, as in _date
    return value.strip() if isinstance(value, str) else ""


def stable_id(
    source: str, guid: str | None, link: str | None, title: str, date: datetime | None
) -> str:
    """guid, else link, else a hash; a bare guid like "42" is prefixed with the source's name."""
    guid = (guid or "").strip()
    if guid:
        return guid if ":" in guid else f"{source}:{guid}"
    if link:
        return link
    stamp = date.isoformat() if date else ""
    return "sha1:" + hashlib.sha1(f"{source}\x1f{title}\x1f{stamp}".encode()).hexdigest()


def _section(categories: tuple[str, ...], source: Source, config: Config) -> str:
    """The section of the first category the source maps, else the source's, else the default."""
    mapping = source.sections_by_category
    for category in categories:
        if category.casefold() in mapping:
            return mapping[category.casefold()]
    return source.section or config.default_section


def _categories(item: RawItem, from_xml: bool) -> tuple[str, ...]:
    names = [
        _short_category_text(category, from_xml)
        if len(category) <= _SHORT_CATEGORY
        else plain_text(category, from_xml=from_xml)
        for category in item.categories
    ]
    return tuple(dict.fromkeys(name for name in names if name))


_SHORT_CATEGORY = 120  # characters: what is remembered stays small, whatever a feed holds


@lru_cache(maxsize=4096)  # a feed names the same few categories on item after item
def _short_category_text(category: str, from_xml: bool) -> str:
    return plain_text(category, from_xml=from_xml)


def _body(item: RawItem) -> tuple[str, str, bool]:
    """(HTML of the body, its xml:base, whether it is the content rather than the summary):
    content:encoded or Atom content, else summary."""
    if item.content:
        return item.content, item.content_base, True
    return item.summary, item.summary_base, False


# What a Media RSS or enclosure URL ends with when it is a picture (before any query).
_IMAGE_EXTENSION = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)$", re.IGNORECASE)


def _is_image(media: Media) -> bool:
    """Is a media:content a picture? By medium or type when it says; else by the URL's extension
    or by dimensions (a video or a podcast says so, a bare CDN image URL often does not)."""
    medium, kind = media.medium.strip(), media.type.strip()
    if medium or kind:
        return medium == "image" or kind.startswith("image/")
    path = urlsplit(media.url.strip()).path
    return bool(_IMAGE_EXTENSION.search(path)) or bool(media.width or media.height)


def _lead_image(
    item: RawItem, html: str, base: str, from_content: bool
) -> tuple[Image | None, str]:
    """The entry's lead image from media:content, media:thumbnail or enclosures, else the body's
    first <img>, else the description's when the body is the item's content.

    An image found in the body is taken out of it (with its <figure>, whose caption it keeps),
    so the email does not show it twice.
    """
    credit = plain_text(item.credit) if item.credit else ""
    if item.media or item.thumbnails or item.enclosures:  # most items have none of them
        candidates = [(media.url, "") for media in item.media if _is_image(media)]
        candidates += [(url, "") for url in item.thumbnails]
        candidates += [
            (enclosure.url, plain_text(enclosure.title))
            for enclosure in item.enclosures
            if enclosure.type.startswith("image/")
        ]
        for url, alt in candidates:
            absolute = web_url(url, base)
            if absolute:
                return Image(url=absolute, alt=alt, credit=credit), html
    found = first_image(html)
    if found is None:
        summary = item.summary if from_content else ""
        # WordPress's "featured image in feeds" plugins put it in the excerpt, before its text.
        beside = first_image(sanitize_html(summary, base)) if "<img" in summary.lower() else None
        if beside is None:
            return None, html
        return Image(beside.src, beside.alt, "", credit, beside.width, beside.height), html
    html, caption = remove_image(html, found.src)
    return Image(found.src, found.alt, caption, credit, found.width, found.height), html


def entry_from(
    item: RawItem,
    source: Source,
    config: Config,
    fetched_at: datetime,
    feed: tuple[str, str],
    warnings: list[str],
    position: int,
    *,
    from_xml: bool = False,
) -> Entry | None:
    """One item as an Entry, by our rules whichever reader found it; `feed` is the feed's
    (link, title), `warnings` gets what was odd. None for an item with nothing. `from_xml`:
    its text is an XML parser's (see sanitize_html)."""
    base, site = feed
    where = f"item {position + 1}"
    title = title_text(item.title, from_xml=from_xml)
    link = web_url(item.link, base)
    published = item.published or item.updated
    updated = item.updated
    raw_html, html_base, from_content = _body(item)
    body_base = absolute_url(html_base, base) if html_base else (link or base)
    html = sanitize_html(raw_html, body_base, from_xml=from_xml)
    # The summary's footer goes while it is still HTML, where its links tell it from a story.
    text = plain_text(without_footer(item.summary), from_xml=from_xml) or plain_text(
        html, from_xml=True
    )
    if not title:
        if not text and not link:
            warnings.append(f"{where}: no title, text or link; skipped")
            return None
        title = summarize(text, 80) or text[:80].strip() or link or ""
        warnings.append(f"{where}: no title; used {title[:40]!r}")
    entry_id = stable_id(source.name, item.guid, link, title, published)
    if published is None:
        warnings.append(f"{where} ({title[:40]}): no date; dated when first seen")
        published = fetched_at
    elif published > fetched_at + FUTURE_TOLERANCE:
        warnings.append(
            f"{where} ({title[:40]}): dated in the future ({published:%Y-%m-%d}); dated when first seen"
        )
        published = fetched_at
    elif published < EARLIEST:
        warnings.append(
            f"{where} ({title[:40]}): dated before 1990 ({published:%Y-%m-%d}); dated when first seen"
        )
        published = fetched_at
    image, html = _lead_image(item, html, link or base, from_content)
    event = (
        _event(item, config.publication.zone, f"{where} ({title[:40]})", warnings)
        if item.event_start
        else None
    )
    categories = _categories(item, from_xml)
    return Entry(
        id=entry_id,
        source=source.name,
        title=title,
        published=published,
        updated=updated,
        section=_section(categories, source, config),
        link=link,
        summary=summarize(text, title=title, site=site),
        html=html,
        image=image,
        categories=categories,
        event=event,
    )


def _event(item: RawItem, zone: tzinfo, where: str, warnings: list[str]) -> Event | None:
    """The item's event, when it names a start; a date without a time makes an all-day event."""
    start_text = item.event_start
    if not start_text:
        return None
    start = _event_moment(start_text, zone)
    if start is None:
        warnings.append(f"{where}: cannot read the event start {start_text[:40]!r}; not an event")
        return None
    moment, all_day = start
    end_text = item.event_end
    end = _event_moment(end_text, zone) if end_text else None
    end_moment: datetime | None = None
    if end_text and end is None:
        warnings.append(f"{where}: cannot read the event end {end_text[:40]!r}; left out")
    elif end is not None:
        end_moment, end_is_date = end
        if end_is_date and not all_day:
            warnings.append(f"{where}: the event end {end_text[:40]!r} has no time; left out")
            end_moment = None
        elif end_is_date:
            end_moment += timedelta(days=1)  # the last day, inclusive: the model's end is exclusive
        if end_moment is not None and end_moment < moment:
            warnings.append(f"{where}: the event ends before it starts; its end is left out")
            end_moment = None
    return Event(moment, end_moment, plain_text(item.event_location), all_day)


def _event_moment(text: str, zone: tzinfo) -> tuple[datetime, bool] | None:
    """(aware datetime, date-only?) of ISO 8601 or RFC 822 text; a time without offset is in `zone`."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        if not EARLIEST.year <= day.year < 9999:
            return None
        return datetime.combine(day, time(), zone), True
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not EARLIEST.year <= moment.year < 9999:  # an unset clock; the year 9999 has no day after
        return None
    return (moment.replace(tzinfo=zone) if moment.tzinfo is None else moment), False
