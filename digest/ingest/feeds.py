"""Feed bytes -> Entry values: feedparser for the formats, our own rules for ids, dates and HTML.

feedparser's sanitiser and relative-URI resolver are switched off: nh3 does both
faster and with an allowlist made for email (see clean.py).
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from digest.config import Config, Source
from digest.ingest.clean import (
    absolute_url,
    first_image,
    plain_text,
    remove_image,
    sanitize_html,
    summarize,
)
from digest.model import Entry, Image

# A date this far ahead of the fetch is a broken clock, not a scheduled post.
FUTURE_TOLERANCE = timedelta(days=2)


@dataclass(frozen=True)
class ParsedFeed:
    """What one feed yielded: its entries, and one-line warnings about what was odd."""

    entries: tuple[Entry, ...]
    warnings: tuple[str, ...]
    title: str = ""


class FeedUnreadable(Exception):
    """The bytes are not a feed at all (HTML page, garbage, empty)."""


def parse_feed(
    data: bytes, source: Source, config: Config, fetched_at: datetime, base_url: str
) -> ParsedFeed:
    """Parse a feed's bytes into normalised entries; raise FeedUnreadable when there is no feed."""
    import feedparser  # imported here: an unchanged feed is never parsed, so never pays for it

    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom feed found"
        raise FeedUnreadable(str(reason).splitlines()[0] if str(reason) else "no feed found")
    feed_link = absolute_url(parsed.feed.get("link", ""), base_url) or base_url
    warnings: list[str] = []
    entries: list[Entry] = []
    seen_ids: set[str] = set()
    for position, item in enumerate(parsed.entries):
        entry = _entry(item, source, config, fetched_at, feed_link, warnings, position)
        if entry is None:
            continue
        if entry.id in seen_ids:
            warnings.append(f"item {position + 1}: duplicate id {entry.id!r}; kept the first")
            continue
        seen_ids.add(entry.id)
        entries.append(entry)
    return ParsedFeed(tuple(entries), tuple(warnings), plain_text(parsed.feed.get("title", "")))


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


def _body(item: Any) -> tuple[str, str]:
    """(HTML of the fullest content, its xml:base): content:encoded or Atom content, else summary."""
    contents = item.get("content") or []
    best = max(contents, key=lambda c: len(c.get("value", "")), default=None)
    if best and best.get("value"):
        return best["value"], best.get("base", "")
    detail = item.get("summary_detail") or {}
    return item.get("summary", ""), detail.get("base", "")


def _lead_image(item: Any, html: str, base: str) -> tuple[Image | None, str]:
    """The entry's lead image from media:content, media:thumbnail or enclosures, else its first <img>.

    An image found in the body is taken out of it (with its <figure>, whose caption it keeps),
    so the email does not show it twice.
    """
    credit = plain_text(
        dict.get(item, "media_credit", [{}])[0].get("content", "")
        if item.get("media_credit")
        else ""
    )
    candidates: list[tuple[str, str]] = []
    for media in item.get("media_content", []):
        if media.get("medium") == "image" or str(media.get("type", "")).startswith("image/"):
            candidates.append((media.get("url", ""), ""))
    candidates += [(thumb.get("url", ""), "") for thumb in item.get("media_thumbnail", [])]
    for link in item.get("links", []):
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            candidates.append((link.get("href", ""), plain_text(link.get("title", ""))))
    for url, alt in candidates:
        absolute = absolute_url(url, base)
        if absolute and not absolute.startswith("mailto:"):
            return Image(url=absolute, alt=alt, credit=credit), html
    found = first_image(html)
    if found is None:
        return None, html
    html, caption = remove_image(html, found.src)
    return Image(found.src, found.alt, caption, credit, found.width, found.height), html


def _entry(
    item: Any,
    source: Source,
    config: Config,
    fetched_at: datetime,
    base: str,
    warnings: list[str],
    position: int,
) -> Entry | None:
    where = f"item {position + 1}"
    title = plain_text(item.get("title", ""))
    link = absolute_url(item.get("link", ""), base)
    if link and link.startswith("mailto:"):
        link = None
    published = _date(item, "published_parsed", "created_parsed", "updated_parsed")
    updated = _date(item, "updated_parsed")
    raw_html, html_base = _body(item)
    html = sanitize_html(raw_html, absolute_url(html_base, base) if html_base else (link or base))
    text = plain_text(item.get("summary", "")) or plain_text(html)
    if not title:
        if not text and not link:
            warnings.append(f"{where}: no title, text or link; skipped")
            return None
        title = summarize(text, 80) or link or ""
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
    image, html = _lead_image(item, html, link or base)
    return Entry(
        id=entry_id,
        source=source.name,
        title=title,
        published=published,
        updated=updated,
        section=_section(item, source, config),
        link=link,
        summary=summarize(text),
        html=html,
        image=image,
        categories=_categories(item),
    )
