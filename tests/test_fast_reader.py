"""The fast lxml reader gives exactly what feedparser gives, or steps aside for feedparser."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from benchmarks import inputs
from digest.config import Config
from digest.ingest import fastfeed
from digest.ingest.fastfeed import ATOM
from digest.ingest.feeds import FeedUnreadable, parse_feed, read_with_feedparser
from digest.ingest.prepare import prepare
from tests.conftest import NOW, REPO, Publication

FEEDS = sorted(path for path in (REPO / "tests" / "feeds").rglob("*") if path.is_file()) + sorted(
    (REPO / "feeds" / "saved").iterdir()
)


@pytest.fixture
def config(publication: Publication) -> Config:
    return publication.load('[[sources]]\nname = "S"\nurl = "https://news.test/feed/"\ncategories = { "People" = "Awards" }\n')


def both(data: bytes, config: Config):
    source = config.sources[0]
    fast = parse_feed(data, source, config, NOW, "https://news.test/feed/")
    slow = parse_feed(data, source, config, NOW, "https://news.test/feed/", reader="feedparser")
    return fast, slow


@pytest.mark.parametrize("path", FEEDS, ids=lambda path: path.name)
def test_fast_reader_agrees_with_feedparser(path: Path, config: Config) -> None:
    data = path.read_bytes()
    try:
        fast, slow = both(data, config)
    except FeedUnreadable:
        return  # not a feed either way: the corpus tests cover what is said about it
    assert fast.entries == slow.entries
    assert fast.warnings == slow.warnings
    assert fast.title == slow.title


@pytest.mark.parametrize("make", [inputs.rss_feed, inputs.atom_feed], ids=["rss", "atom"])
def test_generated_wordpress_feeds_take_the_fast_path_and_agree(make, config: Config) -> None:
    data = make(random.Random(7), 40, datetime(2025, 10, 7, tzinfo=UTC))
    document, _ = prepare(data)
    assert fastfeed.read(document) is not None
    fast, slow = both(data, config)
    assert len(fast.entries) == 40 and fast.entries == slow.entries


def test_the_sample_feeds_take_the_fast_path() -> None:
    for path in sorted((REPO / "feeds" / "saved").iterdir()):
        document, _ = prepare(path.read_bytes())
        assert fastfeed.read(document) is not None, path.name


def test_what_the_fast_reader_does_not_know_goes_to_feedparser() -> None:
    for name in ("rss-1.0-rdf.xml", "rss-0.91.xml", "atom-xhtml-content.xml", "illformed-unclosed-tags.xml"):
        document, _ = prepare((REPO / "tests" / "feeds" / name).read_bytes())
        assert fastfeed.read(document) is None, name


def _item(title: str) -> str:
    return f"<item><title>{title}</title><link>https://news.test/{title}</link></item>"


ATOM_ENTRY = "<entry><title>{0}</title><link href='https://news.test/{0}'/><id>{0}</id></entry>"
ATOM_FEED = "<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>{0}</feed>"


@pytest.mark.parametrize(
    "document",
    [
        f"<rss version='2.0'>{_item('outside')}<channel><title>t</title>{_item('a')}{_item('b')}</channel></rss>",
        f"<rss version='2.0'><channel>{_item('a')}</channel><channel>{_item('second')}</channel></rss>",
        f"<rss version='2.0'><channel>{_item('a')}<x>{_item('deeper')}</x>{_item('b')}</channel></rss>",
        f"<rss version='2.0'><x><channel>{_item('not-the-channel')}</channel></x><channel>{_item('a')}</channel></rss>",
        "<rss version='2.0'><channel><title>t</title><entry xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>e</title></entry>{_item('a')}</channel></rss>",
        ATOM_FEED.format(ATOM_ENTRY.format("a") + f"<x>{ATOM_ENTRY.format('deeper')}</x>" + _item("rss")),
    ],
)
def test_items_are_the_ones_the_whole_tree_has_where_each_format_keeps_them(document: str) -> None:
    """The reader reads each item as the parser finishes it: only those an RSS channel (the
    first) or an Atom feed holds itself count, as a lookup in the whole tree finds them."""
    root = etree.fromstring(document.encode())
    holder = root.find("channel") if root.tag == "rss" else root
    wanted = [
        child.findtext("title") or child.findtext(f"{ATOM}title")
        for child in holder
        if child.tag in ("item", f"{ATOM}entry") and (root.tag == "rss") == (child.tag == "item")
    ]
    feed = fastfeed.read(document.encode())
    assert feed is not None
    assert [item.title for item in feed.items] == wanted


@pytest.mark.parametrize(
    "document",
    [
        f"<rss version='2.0'><channel>{_item('a')}{_item('b')}</channel><broken></rss>",  # after the items
        f"<rss version='2.0'>{_item('a')}</rss>",  # no channel
        f"<rss version='2.0'><channel><item><title>a</title>{_item('inner')}</item></channel></rss>",
        f"<rdf>{_item('a')}</rdf>",
        ATOM_FEED.format("<entry><title>a</title><link href='https://news.test/a'/>"
                         + ATOM_ENTRY.format("inner") + "</entry>"),
    ],
)
def test_a_feed_the_reader_cannot_take_whole_goes_to_feedparser(document: str) -> None:
    """An error after the items were read, or an item it does not know, fails the whole feed."""
    assert fastfeed.read(document.encode()) is None


@pytest.mark.parametrize("c1", ["&#150;", "&#x85;", "&#X9F;", "\u0085"])
def test_c1_controls_go_to_feedparser_which_repairs_them(c1: str) -> None:
    """windows-1252 dashes and quotes written as C1 controls: feedparser's own rules repair them."""
    item = f"<item><title>Oslo {c1} Bergen</title><link>https://news.test/1</link></item>"
    document = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{item}</channel></rss>'
    assert fastfeed.read(document.encode()) is None
    assert fastfeed.read(document.replace(c1, "&#8211;").encode()) is not None


def test_both_readers_give_the_same_items_with_aware_utc_dates() -> None:
    """The fast reader dates items itself, as feedparser's dates become: UTC, whole seconds."""
    compared, dated = 0, 0
    for path in FEEDS:
        try:
            document, _ = prepare(path.read_bytes())
        except FeedUnreadable:
            continue
        fast = fastfeed.read(document)
        if fast is None:
            continue
        slow = read_with_feedparser(document)
        assert [(i.guid, i.link, i.title) for i in fast.items] == [
            (i.guid, i.link, i.title) for i in slow.items
        ], path.name
        dates = [(i.published, i.updated) for i in fast.items]
        assert dates == [(i.published, i.updated) for i in slow.items], path.name
        moments = [moment for pair in dates for moment in pair if moment is not None]
        assert all(m.tzinfo is UTC and m.microsecond == 0 for m in moments), path.name
        compared, dated = compared + 1, dated + len(moments)
    assert compared >= 10 and dated >= 50
