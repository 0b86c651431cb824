"""Feed bytes -> Entry values: feedparser for the formats, our own rules for ids, dates and HTML.

feedparser's sanitiser and relative-URI resolver are switched off: nh3 does both
faster and with an allowlist made for email (see clean.py).

The bytes come from servers nobody here controls, so they are prepared before
feedparser sees them (see `_prepare`): decoded to UTF-8 by fixed rules, their
DOCTYPE removed (feedparser would expand the entities it declares, a billion
laughs or a gigabyte-sized title), and refused when an element carries so many
attributes that the XML parser would take hours.
"""

from __future__ import annotations

import calendar
import codecs
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from email.utils import parsedate_to_datetime
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
from digest.model import Entry, Event, Image

# A date this far ahead of the fetch is a broken clock, not a scheduled post.
FUTURE_TOLERANCE = timedelta(days=2)
# A date before this is an unset clock, not a story: Go's zero time (the year 1), Unix's 0 (1970),
# a two-digit year read as the year 99. Feeds are younger.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# Python's SAX reader looks each attribute up by a linear scan: time grows with the square of
# an element's attributes (20,000 of them: half a minute). Real feeds have a few dozen at most.
MAX_ATTRIBUTES = 100

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARATION = re.compile(
    rb"""\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']"""
)
_XML_DECLARATION = re.compile(r"<\?xml[^>]{0,300}?\?>")
_UTF8_DECLARED = re.compile(r"""\bencoding\s*=\s*["']utf-?8["']""", re.IGNORECASE)
# WHATWG's rule: what is labelled Latin-1 or ASCII is read as windows-1252, its superset.
_ENCODING_ALIASES = {
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
}
_NOT_DECLARABLE = ("utf-16", "utf-32", "utf-7", "unicode-escape", "raw-unicode-escape")
# Anchored at a tag's start, so the search tries once per tag, not once per space (10x faster).
_ATTRIBUTE_RUN = re.compile(
    rb"""<[A-Za-z_:][^\s<>/]*(?:\s+[^\s=<>/"']+\s*=\s*(?:"[^"]*"|'[^']*')){%d}"""
    % (MAX_ATTRIBUTES + 1)
)
_PROLOG_ELEMENT = re.compile(r"<[A-Za-z0-9_]")  # feedparser's own idea of where the prolog ends
_DECLARATION_IN_PROLOG = re.compile(r"<(!(?:DOCTYPE|ENTITY))", re.IGNORECASE)
# What may come before the first element; an unclosed comment or PI runs to the end.
_PROLOG_TOKEN = re.compile(
    r"<\?.*?(?:\?>|\Z)|<!--.*?(?:-->|\Z)|<!DOCTYPE|<[A-Za-z0-9_]", re.DOTALL | re.IGNORECASE
)
_DOCTYPE_TOKEN = re.compile(
    r"\"[^\"]*(?:\"|\Z)|'[^']*(?:'|\Z)|<!--.*?(?:-->|\Z)|[\[\]>]", re.DOTALL
)


@dataclass(frozen=True)
class ParsedFeed:
    """What one feed yielded: its entries, and one-line warnings about what was odd."""

    entries: tuple[Entry, ...]
    warnings: tuple[str, ...]
    title: str = ""


class FeedUnreadable(Exception):
    """The bytes are not a feed at all (HTML page, garbage, empty)."""


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
    document, warnings = _prepare(data)
    # A source's own event elements are named as feedparser names them: such a source takes it.
    # Items with the RSS Event module's elements step aside from the fast reader by themselves.
    fast = reader == "auto" and source.events is None
    read = fastfeed.read(document) if fast else None
    feed, items = read if read is not None else _read_with_feedparser(data, document)
    feed_link = web_url(feed.get("link", ""), base_url) or base_url
    feed_title = title_text(feed.get("title", ""))
    entries: list[Entry] = []
    seen_ids: set[str] = set()
    for position, item in enumerate(items):
        entry = _entry(
            item, source, config, fetched_at, (feed_link, feed_title), warnings, position
        )
        if entry is None:
            continue
        if entry.id in seen_ids:
            warnings.append(f"item {position + 1}: duplicate id {entry.id!r}; kept the first")
            continue
        seen_ids.add(entry.id)
        entries.append(entry)
    return ParsedFeed(tuple(entries), tuple(warnings), feed_title)


def _read_with_feedparser(data: bytes, document: bytes) -> tuple[Any, list[Any]]:
    """(feed, items) from feedparser, which copes with anything; FeedUnreadable if it finds no feed."""
    import feedparser  # imported here: an unchanged or plain feed never pays for it

    # Its SAX reader looks attributes up in quadratic time (20,000 took half a minute);
    # lxml, which reads plain feeds, does not, so only this path needs the check.
    if _ATTRIBUTE_RUN.search(document):
        raise FeedUnreadable(f"an element has more than {MAX_ATTRIBUTES} attributes; not parsed")
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
        raise FeedUnreadable(_what_it_is(data, document, parsed.get("bozo_exception")))
    return parsed.feed, parsed.entries


def _prepare(data: bytes) -> tuple[bytes, list[str]]:
    """(the document as UTF-8 without DOCTYPE, warnings); FeedUnreadable for what must not be parsed."""
    if not data.strip():
        raise FeedUnreadable("the document is empty")
    decoded, encoding = _decode(data)
    text = decoded.lstrip()
    # A UTF-8 document that needs no change is passed on as the bytes it came in: copying
    # and re-encoding megabytes cost a tenth of a large feed's ingest.
    unchanged = encoding == "utf-8" and text is decoded
    declaration = _XML_DECLARATION.match(text)
    says_utf8 = declaration and (
        _UTF8_DECLARED.search(declaration.group(0)) or "encoding" not in declaration.group(0)
    )
    if declaration and not (unchanged and says_utf8):
        # expat must not decode again what is now UTF-8
        text = '<?xml version="1.0" encoding="utf-8"?>' + text[declaration.end() :]
    prepared, declared = _without_doctype(text)
    warnings = ["removed the DOCTYPE and the entities it declares (never expanded)"][:declared]
    # UTF-16 and -32 bytes stay wide: without a BOM or declaration, a parser reads them as UTF-8.
    if prepared is decoded and not encoding.startswith(("utf-16", "utf-32")):
        return data, warnings
    return prepared.encode("utf-8", "replace"), warnings


def _decode(data: bytes) -> tuple[str, str]:
    """(text of the document, the encoding it was read in): by its BOM, else its declared
    encoding, else UTF-8, else windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace"), f"{encoding} with BOM"
    head = data[:4]
    if len(head) == 4 and head.count(0) in (
        2,
        3,
    ):  # UTF-16 or -32 without a BOM: "\0<\0r", "<\0r\0"
        nulls = [byte == 0 for byte in head]
        width = 4 if head.count(0) == 3 else 2
        big_endian = nulls[0]
        encoding = f"utf-{width * 8}-{'be' if big_endian else 'le'}"
        return data.decode(encoding, "replace"), encoding
    candidates = ["utf-8", "cp1252"]
    declared = _DECLARATION.match(data)
    if declared:
        try:
            name = codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            name = ""
        name = _ENCODING_ALIASES.get(name, name)
        if name and not name.startswith(_NOT_DECLARABLE):
            candidates.insert(0, name)
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1"), "latin-1"  # every byte is a character: the last resort never fails


def _without_doctype(text: str) -> tuple[str, int]:
    """`text` without DOCTYPE or ENTITY declarations before its first element; and how many it had.

    Declarations are removed where expat would read them, and defused where feedparser's own
    regular expressions would find them (they also look inside comments of the prolog).
    """
    kept: list[str] = []
    position, found = 0, 0
    while (token := _PROLOG_TOKEN.search(text, position)) and token.group(0)[1] in "?!":
        if token.group(0).upper() == "<!DOCTYPE":
            end = _declaration_end(text, token.end())
            found += bool(_DECLARATION_IN_PROLOG.search(text, token.end(), end))
            kept.append(text[position : token.start()])
            position = end
        else:  # a comment or processing instruction, kept as it is
            kept.append(text[position : token.end()])
            position = token.end()
    prolog_end = token.start() if token else len(text)
    kept.append(text[position:prolog_end])
    prolog, leftovers = _DECLARATION_IN_PROLOG.subn(r"&lt;\1", "".join(kept))
    if not found and not leftovers and len(prolog) == prolog_end:
        return text, 0  # nothing declared: the text as it is, not a copy
    return prolog + text[prolog_end:], found + leftovers


def _declaration_end(text: str, position: int) -> int:
    """Index just past the DOCTYPE whose body starts at `position`: quotes, comments, [...] skipped."""
    depth = 0
    for token in _DOCTYPE_TOKEN.finditer(text, position):
        mark = token.group(0)
        if mark == "[":
            depth += 1
        elif mark == "]":
            depth = max(0, depth - 1)
        elif mark == ">" and depth == 0:
            return token.end()
    return len(text)  # never closed: all of it goes, and what is left is not a feed


def _what_it_is(data: bytes, document: bytes, error: object) -> str:
    """Why bytes that yielded no feed are not one, for the line that reports the source."""
    head = document[:2048].lower()
    if sum(byte < 9 for byte in document[:1024]) > 8:
        return "binary data, not RSS or Atom"
    if head.lstrip().startswith((b"{", b"[")):
        return "JSON, not RSS or Atom"
    if b"<html" in head or b"<!doctype html" in head or b"<body" in head:
        return "an HTML page, not RSS or Atom (is the url the site's page rather than its feed?)"
    reason = " ".join(str(error or "").split())
    return (
        f"no RSS or Atom element found (XML error: {reason})"
        if reason
        else "no RSS or Atom element found"
    )


def _date(item: Any, *keys: str) -> datetime | None:
    for key in keys:
        value = dict.get(item, key)  # plain dict access: feedparser's aliasing warns and guesses
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


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


def _section(item: Any, source: Source, config: Config) -> str:
    mapping = {key.casefold(): value for key, value in source.categories.items()}
    for category in _categories(item):
        if category.casefold() in mapping:
            return mapping[category.casefold()]
    return source.section or config.default_section


def _categories(item: Any) -> tuple[str, ...]:
    names = [plain_text(tag.get("term") or tag.get("label") or "") for tag in item.get("tags", [])]
    return tuple(dict.fromkeys(name for name in names if name))


def _body(item: Any) -> tuple[str, str, bool]:
    """(HTML of the fullest content, its xml:base, whether it is the content rather than the
    summary): content:encoded or Atom content, else summary."""
    contents = item.get("content") or []
    best = max(contents, key=lambda c: len(c.get("value", "")), default=None)
    if best and best.get("value"):
        return best["value"], best.get("base", ""), True
    detail = item.get("summary_detail") or {}
    return item.get("summary", ""), detail.get("base", ""), False


# What a Media RSS or enclosure URL ends with when it is a picture (before any query).
_IMAGE_EXTENSION = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)$", re.IGNORECASE)


def _is_image(media: Any) -> bool:
    """Is a media:content a picture? By medium or type when it says; else by the URL's extension
    or by dimensions (a video or a podcast says so, a bare CDN image URL often does not)."""
    medium, kind = str(media.get("medium", "")).strip(), str(media.get("type", "")).strip()
    if medium or kind:
        return medium == "image" or kind.startswith("image/")
    path = urlsplit(str(media.get("url", "")).strip()).path
    return bool(_IMAGE_EXTENSION.search(path)) or bool(media.get("width") or media.get("height"))


def _lead_image(item: Any, html: str, base: str, from_content: bool) -> tuple[Image | None, str]:
    """The entry's lead image from media:content, media:thumbnail or enclosures, else the body's
    first <img>, else the description's when the body is the item's content.

    An image found in the body is taken out of it (with its <figure>, whose caption it keeps),
    so the email does not show it twice.
    """
    credit = plain_text(
        dict.get(item, "media_credit", [{}])[0].get("content", "")
        if item.get("media_credit")
        else ""
    )
    candidates: list[tuple[str, str]] = [
        (media.get("url", ""), "") for media in item.get("media_content", []) if _is_image(media)
    ]
    candidates += [(thumb.get("url", ""), "") for thumb in item.get("media_thumbnail", [])]
    for link in item.get("links", []):
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            candidates.append((link.get("href", ""), plain_text(link.get("title", ""))))
    for url, alt in candidates:
        absolute = web_url(url or "", base)
        if absolute:
            return Image(url=absolute, alt=alt, credit=credit), html
    found = first_image(html)
    if found is None:
        summary = item.get("summary", "") if from_content else ""
        # WordPress's "featured image in feeds" plugins put it in the excerpt, before its text.
        beside = first_image(sanitize_html(summary, base)) if "<img" in summary.lower() else None
        if beside is None:
            return None, html
        return Image(beside.src, beside.alt, "", credit, beside.width, beside.height), html
    html, caption = remove_image(html, found.src)
    return Image(found.src, found.alt, caption, credit, found.width, found.height), html


def _entry(
    item: Any,
    source: Source,
    config: Config,
    fetched_at: datetime,
    feed: tuple[str, str],
    warnings: list[str],
    position: int,
) -> Entry | None:
    """One item as an Entry; `feed` is the feed's (link, title). None for an item with nothing."""
    base, site = feed
    where = f"item {position + 1}"
    title = title_text(item.get("title", ""))
    link = web_url(item.get("link") or "", base)
    published = _date(item, "published_parsed", "created_parsed", "updated_parsed")
    updated = _date(item, "updated_parsed")
    raw_html, html_base, from_content = _body(item)
    body_base = absolute_url(html_base, base) if html_base else (link or base)
    html = sanitize_html(raw_html, body_base)
    # The summary's footer goes while it is still HTML, where its links tell it from a story.
    text = plain_text(without_footer(item.get("summary", ""))) or plain_text(html)
    if not title:
        if not text and not link:
            warnings.append(f"{where}: no title, text or link; skipped")
            return None
        title = summarize(text, 80) or text[:80].strip() or link or ""
        warnings.append(f"{where}: no title; used {title[:40]!r}")
    entry_id = stable_id(source.name, item.get("id"), link, title, published)
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
    event = _event(item, source, config.publication.zone, f"{where} ({title[:40]})", warnings)
    return Entry(
        id=entry_id,
        source=source.name,
        title=title,
        published=published,
        updated=updated,
        section=_section(item, source, config),
        link=link,
        summary=summarize(text, title=title, site=site),
        html=html,
        image=image,
        categories=_categories(item),
        event=event,
    )


# The RSS Event module (http://purl.org/rss/1.0/modules/event/), as feedparser names its elements.
_EVENT_MODULE = ("ev_startdate", "ev_enddate", "ev_location")


def _event_keys(source: Source) -> tuple[str, str | None, str | None]:
    """feedparser's keys for the elements holding start, end and location: 'ev:startdate' -> 'ev_startdate'."""
    fields = source.events
    if fields is None:
        return _EVENT_MODULE

    def key(name: str | None) -> str | None:
        return name.replace(":", "_").lower() if name else None

    return fields.start.replace(":", "_").lower(), key(fields.end), key(fields.location)


def _event(
    item: Any, source: Source, zone: tzinfo, where: str, warnings: list[str]
) -> Event | None:
    """The item's event, when it names a start; a date without a time makes an all-day event."""
    start_key, end_key, location_key = _event_keys(source)
    start_text = _item_text(item, start_key)
    if not start_text:
        return None
    start = _event_moment(start_text, zone)
    if start is None:
        warnings.append(f"{where}: cannot read the event start {start_text[:40]!r}; not an event")
        return None
    moment, all_day = start
    end_text = _item_text(item, end_key)
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
    location = plain_text(_item_text(item, location_key)) if location_key else ""
    return Event(moment, end_moment, location, all_day)


def _item_text(item: Any, key: str | None) -> str:
    value = dict.get(item, key) if key else None  # plain dict access, as in _date
    return value.strip() if isinstance(value, str) else ""


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
