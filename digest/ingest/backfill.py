"""A source's history: the older pages of its feed, read page by page until a date or the end.

Feeds carry their last 10-20 items. Two kinds of site offer more:

- RFC 5005 feeds link their next page: `<link rel="next">` (a paged feed) or
  `<link rel="prev-archive">` (an archived feed), in Atom or as `atom:link` in RSS.
- WordPress answers `?paged=2`, `?paged=3`, … on its feed URL, and a 404 past the last page.

A page's items become entries by the rules of any feed item (`feeds.entry_from`: the same ids,
the same sanitising), and each page is stored as it is read, so a walk that stops halfway (a
failing page, Ctrl-C) keeps what it read, and the next walk adds the rest with no duplicates.
An item without a date it can be trusted with is left out: dated today, it would land in this
week's issue. Next links are fetched by the rules of a normal fetch, and only on the source's
own site (the same host, `www.` or not, over http or https).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from digest.config import Config, Source
from digest.ingest import fastfeed
from digest.ingest.clean import title_text, web_url
from digest.ingest.feeds import EARLIEST, FUTURE_TOLERANCE, entry_from, read_with_feedparser
from digest.ingest.fetch import fetch_page
from digest.ingest.prepare import FeedUnreadable, prepare
from digest.ingest.raw import RawItem
from digest.model import Entry

if TYPE_CHECKING:
    import httpx

DEFAULT_MAX_PAGES = 50
# RFC 5005: a paged feed's next page, an archived feed's older one
HISTORY_RELS = ("next", "prev-archive")
ATOM = "{http://www.w3.org/2005/Atom}"

# Store one page's entries in the archive: (new, updated).
Store = Callable[[list[Entry]], tuple[int, int]]


@dataclass(frozen=True)
class Page:
    """One page of a feed's history: its entries, what was left out, and its link onwards."""

    entries: tuple[Entry, ...]
    items: int  # items on the page, left out or not
    undated: int  # items without a date to trust: left out
    older: int  # items older than --since: left out
    next_url: str | None  # its RFC 5005 next or prev-archive link, absolute
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Walk:
    """What one source's history walk did: pages read, entries new and updated, and why it
    stopped; `failed` when a page could not be read (what came before it is kept)."""

    source: str
    pages: int
    new: int
    updated: int
    stopped: str
    failed: bool = False
    no_history: bool = False
    undated: int = 0


def in_range(item: RawItem, now: datetime) -> bool:
    """Has the item a date it can be archived under (not missing, not before 1990, not ahead)?"""
    published = item.published or item.updated
    return published is not None and EARLIEST <= published <= now + FUTURE_TOLERANCE


def read_page(
    body: bytes, source: Source, config: Config, url: str, now: datetime, since: datetime | None
) -> Page:
    """A page's bytes as entries and its next link; FeedUnreadable when it is no feed."""
    document, warnings = prepare(body)
    feed = fastfeed.read(document) if source.events is None else None
    if feed is None:
        feed = read_with_feedparser(document, source)
    base = web_url(feed.link, url) or url
    site = (base, title_text(feed.title))
    entries: dict[str, Entry] = {}
    undated = older = 0
    for position, item in enumerate(feed.items):
        if not in_range(item, now):
            undated += 1
            continue
        entry = entry_from(item, source, config, now, site, warnings, position)
        if entry is None:
            continue
        if since is not None and entry.published < since:
            older += 1
            continue
        entries.setdefault(entry.id, entry)
    return Page(
        tuple(entries.values()),
        len(feed.items),
        undated,
        older,
        next_link(document, url),
        tuple(warnings),
    )


def next_link(document: bytes, url: str) -> str | None:
    """The feed's RFC 5005 link to its next (older) page: rel="next", else rel="prev-archive"."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
    )
    try:
        root = etree.fromstring(document, parser)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    holder: Any = root if root.tag == f"{ATOM}feed" else root.find("channel")
    if holder is None:
        return None
    found: dict[str, str] = {}
    for link in holder.iterchildren(f"{ATOM}link", "link"):
        rel = (link.get("rel") or "").strip().lower()
        href = (link.get("href") or "").strip()
        if rel in HISTORY_RELS and href:
            found.setdefault(rel, href)
    for rel in HISTORY_RELS:
        if rel in found:
            return urljoin(url, found[rel])
    return None


def wordpress_page(url: str, number: int) -> str:
    """The feed URL of WordPress's page `number`: `https://site/feed/?paged=2`."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "paged"]
    query.append(("paged", str(number)))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def same_site(url: str, home: str) -> bool:
    """Is `url` on the site of `home`: http(s), the same host with or without `www.`?"""
    target, own = urlsplit(url), urlsplit(home)
    if target.scheme not in ("http", "https"):
        return False

    def host(parts: Any) -> str:
        name = (parts.hostname or "").lower()
        return name.removeprefix("www.")

    return host(target) == host(own) and target.port == own.port


def walk(
    source: Source,
    config: Config,
    client: httpx.Client,
    store: Store,
    now: datetime,
    *,
    since: datetime | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    advance: Callable[[str], None] = lambda what: None,
    warn: Callable[[str], None] = lambda line: None,
) -> Walk:
    """Read a web source's feed and its older pages, storing each page as it is read, until the
    end of its history, `since`, `max_pages`, a loop, another site's link or a failing page."""
    home = source.url or ""
    url, number, wordpress = home, 1, False
    seen_urls: dict[str, int] = {}
    seen_ids: set[str] = set()
    new = updated = pages = undated = 0

    def done(stopped: str, failed: bool = False) -> Walk:
        lonely = pages == 1 and wordpress and not failed  # page 1 linked none, ?paged=2 gave none
        return Walk(source.name, pages, new, updated, stopped, failed, lonely, undated)

    while True:
        key = url.split("#", 1)[0]
        if key in seen_urls:
            return done(f"page {number} is page {seen_urls[key]} again ({url}): a loop")
        seen_urls[key] = number
        result = fetch_page(client, source, url, config)
        advance(f"page {number}")
        if result.error:
            if wordpress and result.error.startswith(f"{url}: HTTP 404"):
                return done(f"page {number} is not found (HTTP 404): the end of its history")
            return done(
                f"page {number}: {result.error}; the {pages} page(s) before it are kept; "
                "run it again to go on",
                failed=True,
            )
        try:
            page = read_page(result.body or b"", source, config, url, now, since)
        except FeedUnreadable as error:
            if wordpress:  # a site that answers ?paged with a web page has no feed pages
                return done(f"page {number} ({url}) is not a feed: {error}: the end of its history")
            return done(f"page {number} ({url}): not a feed: {error}", failed=True)
        for line in page.warnings if number > 1 else ():  # page 1's: the fetch before said them
            warn(f"page {number}: {line}")
        ids = {entry.id for entry in page.entries}
        if wordpress and ids and ids <= seen_ids:
            return done(f"page {number} repeats items already read: the end of its history")
        if page.items == 0:
            return done(f"page {number} has no items: the end of its history")
        pages += 1
        undated += page.undated
        seen_ids |= ids
        added, changed = store(list(page.entries))
        new, updated = new + added, updated + changed
        if since is not None and page.older and not page.entries and not page.undated:
            return done(f"page {number} is all older than {since:%Y-%m-%d}: reached --since")
        if pages >= max_pages:
            return done(f"read the page limit ({max_pages}); more with --max-pages")
        number += 1
        if page.next_url and not wordpress:
            if not same_site(page.next_url, home):
                return done(
                    f"page {number - 1} links to another site ({page.next_url}); not followed"
                )
            url = page.next_url
        elif number == 2 or wordpress:
            wordpress = True
            url = wordpress_page(home, number)
        else:
            return done(f"page {number - 1} links no next page: the end of its history")
