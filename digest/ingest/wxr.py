"""A WordPress export file (WXR, from Tools → Export) as the RawItems of the site's feed.

A WXR file is RSS 2.0 with WordPress's own elements (`wp:`, namespace
http://wordpress.org/export/1.x/): every post, page, attachment and menu item with its
status. Only published posts are taken (drafts, pending, scheduled, private and
password-protected posts, pages and the rest are counted and left out), each as its feed
item would be: the same guid (`https://site/?p=123`) and permalink, so the archive gives it
the same id, its categories and tags, its content and excerpt, its date (`wp:post_date_gmt`),
and its featured image (the attachment its `_thumbnail_id` names, with its alt text) as an
image enclosure. Normalisation (`feeds.entry_from`) is then the same as for a feed.

The file is untrusted input like any feed: read with lxml's iterparse (memory stays flat on
a big export), entities not resolved, no network, no DTD, no huge text nodes.
"""

from __future__ import annotations

import mimetypes
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from digest.ingest.raw import Enclosure, RawItem

WP = "http://wordpress.org/export/"  # then the WXR version: 1.0/, 1.1/, 1.2/
CONTENT = "http://purl.org/rss/1.0/modules/content/"
ZERO_DATE = "0000-00-00 00:00:00"  # WordPress's "no date" (a draft never published)


class ExportUnreadable(Exception):
    """The file is not a WordPress export digest can read: the message says why; `line`, where."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Export:
    """The site's title and link, its published posts as RawItems in the file's order, and
    how many items were left out, by what they are (`draft post(s)`, `page(s)`, …)."""

    title: str
    link: str
    items: tuple[RawItem, ...]
    left_out: dict[str, int] = field(default_factory=dict)


@dataclass
class _Post:
    """One <item> as read, before its featured image is known (attachments may come after)."""

    fields: dict[str, Any]
    categories: list[str]
    meta: dict[str, str]


def read_export(path: Path, zone: tzinfo) -> Export:
    """The published posts of the WXR file at `path`; `zone` dates a post that has only its
    local `wp:post_date`. Raises ExportUnreadable for a file that is no WordPress export."""
    from lxml import etree

    posts: list[_Post] = []
    attachments: dict[str, tuple[str, str]] = {}  # post id -> (URL, alt text)
    left_out: Counter[str] = Counter()
    channel: dict[str, str] = {}
    saw_wordpress = False
    try:
        events = etree.iterparse(
            str(path),
            events=("end",),
            tag=("item", "title", "link", "{*}wxr_version"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )
        for _, element in events:
            parent = element.getparent()
            if parent is None or parent.tag != "channel":
                continue
            if element.tag != "item":
                if element.tag.startswith("{" + WP):
                    saw_wordpress = True
                else:
                    channel.setdefault(element.tag, (element.text or "").strip())
                continue
            post = _read_item(element)
            kind, status = post.fields.get("post_type", ""), post.fields.get("status", "")
            if kind == "attachment":
                url = post.fields.get("attachment_url", "")
                if url:
                    alt = post.meta.get("_wp_attachment_image_alt", "")
                    attachments[post.fields.get("post_id", "")] = (url, alt)
            elif kind != "post":
                left_out[f"{kind}(s)" if kind else "item(s) without a type"] += 1
            elif status != "publish":
                left_out[f"{status} post(s)" if status else "post(s) without a status"] += 1
            elif post.fields.get("post_password"):
                left_out["password-protected post(s)"] += 1
            else:
                posts.append(post)
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
    except OSError as error:
        raise ExportUnreadable(f"cannot read it: {error.strerror or error}") from None
    except etree.XMLSyntaxError as error:
        raise ExportUnreadable(f"not well-formed XML: {error.msg}", error.lineno) from None
    if not saw_wordpress:
        raise ExportUnreadable(
            "not a WordPress export (no wp:wxr_version); make one in WordPress under Tools → Export"
        )
    items = tuple(_raw_item(post, attachments, zone) for post in posts)
    return Export(channel.get("title", ""), channel.get("link", ""), items, dict(left_out))


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _read_item(item: Any) -> _Post:
    """An <item>'s own children (not its comments'): the fields digest uses, its categories
    and tags in order, its post meta."""
    found: dict[str, Any] = {}
    categories: list[str] = []
    meta: dict[str, str] = {}
    for child in item:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            continue
        namespace, local = _split(child.tag)
        text = child.text or ""
        if not namespace:
            if local == "category":
                if child.get("domain", "category") in ("category", "post_tag"):
                    categories.append(text.strip())
            else:
                found.setdefault(local, text)
        elif namespace == CONTENT and local == "encoded":
            found["content"] = text
        elif namespace.startswith(WP) and namespace.endswith("/excerpt/"):
            found["excerpt"] = text
        elif namespace.startswith(WP):
            if local == "postmeta":
                key = child.findtext("{*}meta_key") or ""
                meta.setdefault(key.strip(), (child.findtext("{*}meta_value") or "").strip())
            else:
                found.setdefault(local, text.strip())
    return _Post(found, categories, meta)


def _date(post: _Post, zone: tzinfo) -> datetime | None:
    """When the post was published, in UTC: wp:post_date_gmt, else pubDate, else wp:post_date
    in the publication's time zone (a site's own zone is not in its export)."""
    gmt = post.fields.get("post_date_gmt", "")
    if gmt and gmt != ZERO_DATE:
        try:
            return datetime.fromisoformat(gmt).replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        moment = parsedate_to_datetime(post.fields.get("pubDate", "").strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        moment = None
    if moment is not None and moment.year > 1:  # WordPress writes "-0001" for no date
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    local = post.fields.get("post_date", "")
    if local and local != ZERO_DATE:
        try:
            return datetime.fromisoformat(local).replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            pass
    return None


def _raw_item(post: _Post, attachments: dict[str, tuple[str, str]], zone: tzinfo) -> RawItem:
    """A published post as the RawItem its feed item would be, with its featured image."""
    enclosures: tuple[Enclosure, ...] = ()
    featured = attachments.get(post.meta.get("_thumbnail_id", ""))
    if featured:
        url, alt = featured
        kind = mimetypes.guess_type(url.split("?", 1)[0])[0] or ""
        enclosures = (Enclosure(url, kind if kind.startswith("image/") else "image/", alt),)
    published = _date(post, zone)
    fields = post.fields
    return RawItem(
        title=fields.get("title", ""),
        link=fields.get("link", "").strip(),
        guid=fields.get("guid", "").strip(),
        published=published.replace(microsecond=0) if published else None,
        summary=fields.get("excerpt", ""),
        content=fields.get("content", ""),
        categories=tuple(name for name in post.categories if name),
        enclosures=enclosures,
    )
