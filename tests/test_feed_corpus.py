"""Every feed file in tests/feeds/ parses into clean entries, or fails as FeedUnreadable.

The files are small, written for this project, each about one way feeds go wrong:
broken XML, lying encodings, odd dates and zones, missing or hostile titles and
links, old and mixed formats, and things that are not feeds at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.config import Config
from digest.ingest.clean import sanitize_html
from digest.ingest.feeds import FeedUnreadable, ParsedFeed, parse_feed
from tests.conftest import NOW, Publication
from tests.safe_html import problems, text_problems

FEEDS = Path(__file__).parent / "feeds"
BASE_URL = "https://feeds.test/feed/"


@dataclass(frozen=True)
class Expected:
    """What one file must yield; None means "not checked"."""

    titles: tuple[str, ...] | None = None
    ids: tuple[str, ...] | None = None
    links: tuple[str | None, ...] | None = None
    dates: tuple[datetime, ...] | None = None
    warning: str | None = None  # a part of one of the warnings
    unreadable: str | None = None  # a part of FeedUnreadable's message


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 10, day, hour, minute, tzinfo=UTC)


EXPECTED = {
    "illformed-unclosed-tags.xml": Expected(
        titles=("First item survives", "Second item has no end tag"),
        links=("https://unclosed.test/first", "https://unclosed.test/second"),
    ),
    "illformed-bad-entities.xml": Expected(
        ids=("S:entities-1",), links=("https://entities.test/rd?a=1&b=2",)
    ),
    "declared-utf8-bytes-latin1.xml": Expected(titles=("Café Østby in Tromsø",)),
    "undeclared-windows-1252.xml": Expected(titles=("“Smart quotes” cost €5 – really",)),
    "utf16le-bom.xml": Expected(titles=("Ünïcödé — 日本語 — ελληνικά",)),
    "utf16be-no-bom.xml": Expected(titles=("Ünïcödé — 日本語 — ελληνικά",)),
    "mixed-rss-atom.xml": Expected(
        titles=("Atom title inside RSS", "Plain RSS title"),
        ids=("tag:mixed.test,2025:1", "https://mixed.test/rss-link"),
        links=("https://mixed.test/atom-link", "https://mixed.test/rss-link"),
        dates=(utc(13, 9), utc(14, 9)),
    ),
    "dates.xml": Expected(
        # none, 2100, +1345, EST, no zone (taken as UTC), garbage, year 9999 with zone -9999
        dates=(NOW, NOW, utc(14, 8), utc(13, 12), utc(15, 6, 30), NOW, NOW),
        warning="dated in the future (2100-01-01)",
    ),
    "missing-titles.xml": Expected(
        titles=(
            "The description stands in for the missing title when there is one.",
            "https://untitled.test/only-link",
            "https://untitled.test/markup-only",
        ),
        warning="no title, text or link; skipped",
    ),
    "missing-links.xml": Expected(
        titles=(
            "No link",
            "Script link",
            "Mail link",
            "Data link",
            "Spaced-out scheme",
            "Permalink guid",
        ),
        links=(None, None, None, None, None, "https://links.test/from-guid"),
    ),
    "relative-links-xml-base.xml": Expected(
        links=(
            "https://base.test/news/one.html",
            "https://other.test/blog/two.html",
            "https://base.test/news/three.html",  # a javascript: xml:base is ignored
        ),
    ),
    "relative-links-no-base.xml": Expected(links=("https://feeds.test/news/relative",)),
    "duplicate-guids.xml": Expected(
        titles=("First copy", "Bare guid", "Same link, no guid"),
        ids=("https://dupes.test/story", "S:42", "https://dupes.test/same"),
        warning="duplicate id",
    ),
    "html-in-titles.xml": Expected(
        titles=(
            "AT&T and R&D",
            "Bold claim",
            "Safe title",
            "Double encoded italics",
            "Café “quoted” été",
            "Line breaks and separators…here too",
            "Image title",
            "1 < 2 && 3 > 2",
        ),
    ),
    "rss-0.91.xml": Expected(titles=("Items in 0.91 have no dates",), dates=(NOW,)),
    "rss-1.0-rdf.xml": Expected(
        titles=("An RDF item",), ids=("https://rdf.test/one",), dates=(utc(13, 8),)
    ),
    "atom-xhtml-content.xml": Expected(titles=("An XHTML title",), ids=("tag:xhtml.test,2025:1",)),
    "doctype-internal-entities.xml": Expected(
        links=("https://doctype.test/1",), warning="removed the DOCTYPE"
    ),
    "whitespace-before-declaration.xml": Expected(titles=("Whitespace before the declaration",)),
    "unclosed-cdata.xml": Expected(titles=("Before the broken item", "Broken")),
    "empty-feed.xml": Expected(titles=()),
    "empty-document.xml": Expected(unreadable="the document is empty"),
    "not-a-feed.html": Expected(unreadable="an HTML page"),
    "not-a-feed.json": Expected(unreadable="JSON"),
    "not-a-feed.bin": Expected(unreadable="binary data"),
}


@pytest.fixture
def config(publication: Publication) -> Config:
    return publication.load('[[sources]]\nname = "S"\nurl = "https://feeds.test/feed/"\n')


def parse(config: Config, name: str) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes(), config.sources[0], config, NOW, BASE_URL)


def test_every_file_in_the_folder_has_expectations() -> None:
    # (folders, such as wordpress/, hold feeds that other tests name themselves)
    assert sorted(path.name for path in FEEDS.iterdir() if path.is_file()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_feed_file_yields_clean_entries_or_is_unreadable(config: Config, name: str) -> None:
    expected = EXPECTED[name]
    if expected.unreadable is not None:
        with pytest.raises(FeedUnreadable, match=expected.unreadable) as failure:
            parse(config, name)
        assert "\n" not in str(failure.value)
        return
    parsed = parse(config, name)
    for entry in parsed.entries:
        assert entry.title and not text_problems(entry.title), (
            entry.title,
            text_problems(entry.title),
        )
        assert not text_problems(entry.summary), entry.summary
        assert entry.published.tzinfo is UTC
        assert entry.link is None or entry.link.startswith(("http://", "https://")), entry.link
        assert entry.image is None or entry.image.url.startswith(("http://", "https://"))
        assert not problems(entry.html), problems(entry.html)
        assert sanitize_html(entry.html) == entry.html  # already as clean as it gets
    assert all("\n" not in warning for warning in parsed.warnings)
    entries = parsed.entries
    if expected.titles is not None:
        assert tuple(entry.title for entry in entries) == expected.titles
    if expected.ids is not None:
        assert tuple(entry.id for entry in entries) == expected.ids
    if expected.links is not None:
        assert tuple(entry.link for entry in entries) == expected.links
    if expected.dates is not None:
        assert tuple(entry.published for entry in entries) == expected.dates
    if expected.warning is not None:
        assert any(expected.warning in warning for warning in parsed.warnings), parsed.warnings


def test_feed_html_loses_script_and_handlers_but_keeps_text(config: Config) -> None:
    [entry] = parse(config, "atom-xhtml-content.xml").entries
    assert (
        entry.html
        == '<p>Real <strong>markup</strong>.</p>js<a href="https://xhtml.test/more">more</a>'
    )


def test_relative_urls_in_content_are_made_absolute(config: Config) -> None:
    first, second, _ = parse(config, "relative-links-xml-base.xml").entries
    assert '<a href="https://base.test/about/">About</a>' in first.html
    assert first.image is not None and first.image.url == "https://base.test/news/img/one.jpg"
    assert second.html == '<p><a href="https://other.test/root">Root</a></p>'
    [entry] = parse(config, "relative-links-no-base.xml").entries
    assert 'href="https://feeds.test/news/page.html"' in entry.html
    assert 'href="https://cdn.test/x"' in entry.html


def test_entities_of_a_doctype_are_never_expanded(config: Config) -> None:
    [entry] = parse(config, "doctype-internal-entities.xml").entries
    assert "Institute for Cancer Research" not in entry.title
    assert "ABCDEFGHIJ" not in entry.html
