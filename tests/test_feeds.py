"""Feed items become normalised entries: ids, dates, plain titles, safe HTML, images, sections."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.config import Config
from digest.ingest.feeds import FeedUnreadable, entry_from, parse_feed, stable_id
from digest.ingest.prepare import prepare
from digest.ingest.raw import Enclosure, Media, RawItem
from tests.conftest import NOW, Publication, rss

SOURCE = """
[[sources]]
name = "ICR news"
url = "https://icr.test/feed/"
section = "News"
categories = { "Publication" = "Publications", "award" = "Awards" }
"""


@pytest.fixture
def config(publication: Publication) -> Config:
    return publication.load(SOURCE)


def parse(config: Config, document: str):
    return parse_feed(document.encode(), config.sources[0], config, NOW, "https://icr.test/feed/")


def test_wordpress_item_is_cleaned_for_email(config: Config) -> None:
    document = rss(
        """<item>
          <title>Olweus &amp;amp; co. in &lt;i&gt;Nature Reviews Cancer&lt;/i&gt;</title>
          <link>/news/olweus?utm_source=rss</link>
          <guid isPermaLink="false">https://icr.test/?p=42</guid>
          <pubDate>Thu, 02 Oct 2025 10:00:00 +0200</pubDate>
          <category>Publication</category>
          <description><![CDATA[The article has been published [&#8230;] The post Olweus first appeared on ICR.]]></description>
          <content:encoded><![CDATA[<p onclick="steal()">The article <a href="/papers/1">Targeting the roots</a>.</p>
            <img src="/img/olweus.jpg" alt="Johanna Olweus">
            <img src="https://pixel.wp.com/g.gif" width="1" height="1">
            <script>alert(1)</script><iframe src="https://evil.test"></iframe>
            <a href="javascript:alert(1)">click</a>
            <p>The post <a href="https://icr.test/news/olweus">Olweus</a> first appeared on <a href="https://icr.test">ICR</a>.</p>]]></content:encoded>
        </item>""",
        link="https://icr.test/",
    )
    [entry] = parse(config, document).entries
    assert entry.id == "https://icr.test/?p=42"
    assert entry.title == "Olweus & co. in Nature Reviews Cancer"
    assert entry.link == "https://icr.test/news/olweus?utm_source=rss"
    assert entry.published == datetime(2025, 10, 2, 8, 0, tzinfo=UTC)
    assert entry.section == "Publications"
    assert entry.summary == "The article has been published"
    assert entry.image is not None and entry.image.url == "https://icr.test/img/olweus.jpg"
    assert entry.image.alt == "Johanna Olweus"
    for gone in ("onclick", "<script", "<iframe", "javascript:", "pixel.wp.com", "first appeared on", "olweus.jpg"):
        assert gone not in entry.html
    assert '<a href="https://icr.test/papers/1">Targeting the roots</a>' in entry.html


def test_media_content_and_enclosures_give_the_lead_image(config: Config) -> None:
    document = rss(
        """<item><title>A</title><link>https://icr.test/a</link>
             <media:content url="https://icr.test/a.jpg" medium="image"><media:description>Lab</media:description></media:content></item>
           <item><title>B</title><link>https://icr.test/b</link>
             <enclosure url="https://icr.test/b.png" type="image/png" length="1"/></item>"""
    )
    first, second = parse(config, document).entries
    assert first.image is not None and (first.image.url, first.image.alt) == ("https://icr.test/a.jpg", "")
    assert second.image is not None and second.image.url == "https://icr.test/b.png"


def test_atom_feed_with_xml_base_and_categories(config: Config) -> None:
    document = """<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://icr.test/">
      <title>ICR</title><id>urn:icr</id><updated>2025-10-01T00:00:00Z</updated>
      <entry><title type="html">Prize to &lt;b&gt;Anette Weyergang&lt;/b&gt;</title>
        <id>tag:icr.test,2024:weyergang</id>
        <link href="news/weyergang"/>
        <published>2024-12-11T12:00:00+01:00</published>
        <category term="Award"/>
        <content type="html">&lt;p&gt;&lt;img src="img/w.jpg" alt="Anette Weyergang"&gt;Researcher of the Year.&lt;/p&gt;</content>
      </entry>
    </feed>"""
    [entry] = parse(config, document).entries
    assert entry.title == "Prize to Anette Weyergang"
    assert entry.link == "https://icr.test/news/weyergang"
    assert entry.section == "Awards"  # category mapping ignores case
    assert entry.image is not None and entry.image.url == "https://icr.test/img/w.jpg"
    assert entry.published == datetime(2024, 12, 11, 11, 0, tzinfo=UTC)


def test_items_without_guid_or_date_are_kept_not_missed(config: Config) -> None:
    document = rss(
        """<item><title>With link</title><link>https://icr.test/x</link></item>
           <item><title>Bare</title><description>No link, no guid, no date.</description></item>
           <item><title>Numbered</title><guid isPermaLink="false">42</guid><pubDate>Mon, 06 Oct 2025 08:00:00 GMT</pubDate></item>"""
    )
    parsed = parse(config, document)
    with_link, bare, numbered = parsed.entries
    assert with_link.id == "https://icr.test/x"
    assert with_link.published == NOW  # dated when first seen
    assert bare.id.startswith("sha1:")
    assert numbered.id == "ICR news:42"  # a bare guid only means something within its source
    assert sum("no date" in warning for warning in parsed.warnings) == 2


def test_ids_are_stable_across_parses(config: Config) -> None:
    document = rss("<item><title>Bare</title><description>Same</description></item>")
    assert parse(config, document).entries[0].id == parse(config, document).entries[0].id
    assert stable_id("S", None, None, "T", None) != stable_id("S", None, None, "U", None)


def test_future_dates_and_duplicate_guids_are_warned_about(config: Config) -> None:
    document = rss(
        """<item><title>Future</title><guid>https://icr.test/f</guid><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
           <item><title>Again</title><guid>https://icr.test/f</guid></item>"""
    )
    parsed = parse(config, document)
    [entry] = parsed.entries
    assert entry.published == NOW
    assert any("dated in the future" in w for w in parsed.warnings)
    assert any("duplicate id" in w for w in parsed.warnings)


def test_html_page_is_not_a_feed(config: Config) -> None:
    with pytest.raises(FeedUnreadable):
        parse(config, "<html><body><h1>Welcome</h1></body></html>")


def test_a_plain_utf8_feed_goes_to_the_reader_as_it_came_and_others_become_utf8() -> None:
    """Megabytes are not copied and re-encoded when nothing needs changing."""
    plain = rss("<item><title>Høivik</title></item>").encode()
    assert prepare(plain)[0] is plain
    undeclared = plain.replace(b' encoding="utf-8"', b"")
    assert prepare(undeclared)[0] is undeclared
    latin = plain.replace(b"utf-8", b"iso-8859-1").replace("ø".encode(), "ø".encode("latin-1"))
    prepared, _ = prepare(latin)
    assert prepared.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert "Høivik".encode() in prepared
    doctype = plain.replace(b"<rss", b'<!DOCTYPE rss [<!ENTITY x "y">]><rss', 1)
    prepared, warnings = prepare(doctype)
    assert b"DOCTYPE" not in prepared and warnings


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_a_wide_feed_without_bom_or_declaration_is_read(config: Config, encoding: str) -> None:
    """All ASCII, so the parser cannot tell UTF-16 from the text: it must be given UTF-8."""
    document = '<rss version="2.0">\n<channel><title>Wide</title>\n<item><title>Plain words</title>'
    document += "<link>https://icr.test/1</link></item></channel></rss>\n"
    parsed = parse_feed(
        document.encode(encoding), config.sources[0], config, NOW, "https://icr.test/feed/"
    )
    assert [entry.title for entry in parsed.entries] == ["Plain words"]


def test_an_unset_clock_is_dated_when_first_seen_and_is_no_event_time(config: Config) -> None:
    """Go's zero time and a year read as 0100 made week keys and events no build could handle."""
    items = "".join(
        f"<item><title>Item {number}</title><link>https://icr.test/{number}</link>"
        f"<pubDate>{when}</pubDate><ev:startdate>{start}</ev:startdate></item>"
        for number, (when, start) in enumerate(
            [
                ("Mon, 01 Jan 0001 00:00:00 GMT", "0001-01-01T00:00:00Z"),
                ("Thu, 01 Jan 0100 00:00:01 +0100", "9999-12-31"),
            ]
        )
    )
    document = rss(items).replace("<rss ", '<rss xmlns:ev="http://purl.org/rss/1.0/modules/event/" ', 1)
    parsed = parse(config, document)
    assert [(entry.published, entry.event) for entry in parsed.entries] == [(NOW, None), (NOW, None)]
    assert sum("dated before 1990" in warning for warning in parsed.warnings) == 2
    assert sum("cannot read the event start" in warning for warning in parsed.warnings) == 2


def test_an_item_is_normalised_by_the_same_rules_whichever_reader_found_it(config: Config) -> None:
    """Normalisation reads a RawItem, never a reader's own shape: one made by hand is an entry too."""
    item = RawItem(
        title="&lt;em&gt;Nature&lt;/em&gt; paper",
        link="/news/nature",
        guid="42",
        updated=datetime(2025, 10, 1, 8, tzinfo=UTC),
        summary="<p>Short.</p>",
        content="<p>The whole story.</p>",
        categories=("publication",),
        enclosures=(Enclosure("https://icr.test/poster.jpg", "image/jpeg", "The poster"),),
        media=(Media("https://icr.test/clip.mp4", type="video/mp4"),),
    )
    warnings: list[str] = []
    feed = ("https://icr.test/", "ICR")
    entry = entry_from(item, config.sources[0], config, NOW, feed, warnings, 0)
    assert entry is not None and warnings == []
    assert (entry.id, entry.title, entry.link) == ("ICR news:42", "Nature paper", "https://icr.test/news/nature")
    assert entry.published == entry.updated == datetime(2025, 10, 1, 8, tzinfo=UTC)
    assert entry.section == "Publications" and entry.summary == "Short."
    assert entry.image is not None and (entry.image.url, entry.image.alt) == ("https://icr.test/poster.jpg", "The poster")
    assert "The whole story." in entry.html
