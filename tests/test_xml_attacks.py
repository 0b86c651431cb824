"""XML attacks in a feed expand nothing, read nothing and contact nothing.

feedparser expands the "safe" entities of a DOCTYPE itself (in its loose parser), so
a 50 KB entity referenced 20,000 times used to become a gigabyte-long title.
parse_feed removes the DOCTYPE before a reader sees the bytes (with a warning), and
the references to what it declared become the text they are ("&a;"), never expanded.
"Nothing expands" is checked by memory (tracemalloc's peak) and by what the feed gives;
how fast each attack is read, beside a plain feed of the same size, is the xml-attacks
case of benchmarks/run.py.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from pytest_httpserver import HTTPServer

from digest.config import Config
from digest.ingest import fastfeed
from digest.ingest.feeds import FeedUnreadable, ParsedFeed, parse_feed
from digest.ingest.prepare import prepare
from tests.conftest import NOW, Publication

SECRET = "TOP-SECRET-7f3a9c"
ITEM = "<item><title>{title}</title><link>https://attack.test/1</link><description>{body}</description></item>"


def document(doctype: str, title: str, body: str = "", encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{doctype}\n'
        f'<rss version="2.0"><channel><title>Attack</title><link>https://attack.test/</link>'
        f"{ITEM.format(title=title, body=body)}</channel></rss>"
    ).encode(encoding)


def laughs(levels: int = 10, separator: str = "\n") -> str:
    """The billion laughs: each entity is ten of the one before; &lol9; is 10^9 "lol"s."""
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">'
        for level in range(1, levels)
    ]
    return f"<!DOCTYPE rss [{separator}{separator.join(entities)}{separator}]>"


@pytest.fixture
def config(publication: Publication) -> Config:
    return publication.load('[[sources]]\nname = "S"\nurl = "https://attack.test/feed"\n')


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.fixture
def watched_server(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    """A local server offering an evil DTD and entity; the test checks nobody asked for them."""
    httpserver.expect_request("/evil.dtd").respond_with_data(
        f'<!ENTITY stolen "{SECRET}">', content_type="application/xml-dtd"
    )
    httpserver.expect_request("/entity.txt").respond_with_data(SECRET)
    yield httpserver
    assert httpserver.log == [], "the parser contacted the network"


def parse_guarded(
    config: Config, data: bytes, reader: Literal["auto", "feedparser"] = "auto"
) -> ParsedFeed | FeedUnreadable:
    """Parse within 20 MB of memory; the feed, or the FeedUnreadable it raised."""
    tracemalloc.start()
    try:
        return parse_feed(
            data, config.sources[0], config, NOW, "https://attack.test/feed", reader=reader
        )
    except FeedUnreadable as error:
        return error
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def everything_said(parsed: ParsedFeed) -> str:
    """All text a feed gave, for looking for what must not be there."""
    parts = [parsed.title, *parsed.warnings]
    for entry in parsed.entries:
        parts += [
            entry.id,
            entry.title,
            entry.summary,
            entry.html,
            entry.link or "",
            *entry.categories,
        ]
    return "\n".join(parts)


@pytest.mark.parametrize("separator", ["\n", ""], ids=["lines", "one-line"])
def test_billion_laughs_expands_nothing(config: Config, separator: str) -> None:
    parsed = parse_guarded(config, document(laughs(separator=separator), "&lol9;", "&lol5;"))
    assert isinstance(parsed, ParsedFeed)
    assert "lollol" not in everything_said(parsed)
    assert any("removed the DOCTYPE" in warning for warning in parsed.warnings)


def test_billion_laughs_in_utf16_expands_nothing(config: Config) -> None:
    data = document(laughs(), "&lol9;", encoding="utf-16")
    assert data.startswith(b"\xff\xfe")  # a BOM: the DOCTYPE is not found by looking at bytes
    parsed = parse_guarded(config, data)
    assert isinstance(parsed, ParsedFeed) and "lollol" not in everything_said(parsed)


def test_quadratic_blowup_expands_nothing(config: Config) -> None:
    big = "A" * 50_000
    parsed = parse_guarded(
        config, document(f'<!DOCTYPE rss [\n<!ENTITY a "{big}">\n]>', "&a;" * 20_000, "&a;" * 20)
    )
    assert isinstance(parsed, ParsedFeed) and "AAAAAAAAAA" not in everything_said(parsed)


def test_entities_hidden_in_a_prolog_comment_are_not_expanded(config: Config) -> None:
    """feedparser's regular expressions look for <!ENTITY lines in comments too."""
    big = "B" * 50_000
    prolog = f'<!--\n<!DOCTYPE rss>\n<!ENTITY b "{big}">\n-->'
    parsed = parse_guarded(config, document(prolog, "x" + "&b;" * 20_000))
    assert isinstance(parsed, ParsedFeed) and "BBBBBBBBBB" not in everything_said(parsed)


def test_external_entity_reads_no_local_file(config: Config, secret_file: Path) -> None:
    for doctype in (
        f'<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file://{secret_file}">\n]>',
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret_file}">]>',
    ):
        parsed = parse_guarded(config, document(doctype, "Title &xxe;", "&xxe;"))
        assert isinstance(parsed, ParsedFeed)
        assert SECRET not in everything_said(parsed)


def test_external_dtd_and_parameter_entities_are_not_fetched(
    config: Config, secret_file: Path, watched_server: HTTPServer
) -> None:
    dtd, entity = watched_server.url_for("/evil.dtd"), watched_server.url_for("/entity.txt")
    for doctype in (
        f'<!DOCTYPE rss SYSTEM "{dtd}">',
        f'<!DOCTYPE rss [\n<!ENTITY % remote SYSTEM "{dtd}">\n%remote;\n]>',
        f'<!DOCTYPE rss [\n<!ENTITY % local SYSTEM "file://{secret_file}">\n%local;\n]>',
        f'<!DOCTYPE rss [\n<!ENTITY stolen SYSTEM "{entity}">\n]>',
        f'<!DOCTYPE rss PUBLIC "-//Evil//DTD//EN" "{dtd}">',
    ):
        parsed = parse_guarded(config, document(doctype, "Title &stolen;", "&stolen;"))
        assert not isinstance(parsed, ParsedFeed) or SECRET not in everything_said(parsed)


def test_xinclude_is_not_processed(config: Config, secret_file: Path) -> None:
    body = f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{secret_file}" parse="text"/>'
    data = document("", "XInclude", "").replace(b"</item>", body.encode() + b"</item>")
    parsed = parse_guarded(config, data)
    assert isinstance(parsed, ParsedFeed) and SECRET not in everything_said(parsed)


def test_body_naming_a_local_file_is_not_opened(config: Config, tmp_path: Path) -> None:
    """Given bytes, feedparser tries them as a file name first: a body "/etc/..." was read."""
    local_feed = tmp_path / "local.xml"
    local_feed.write_text(document("", SECRET).decode(), encoding="utf-8")
    result = parse_guarded(config, str(local_feed).encode())
    assert isinstance(result, FeedUnreadable)
    assert SECRET not in str(result)


@pytest.mark.parametrize("reader", ["auto", "feedparser"])
def test_element_with_thousands_of_attributes_never_reaches_the_quadratic_reader(
    config: Config, reader: Literal["auto", "feedparser"]
) -> None:
    """feedparser's SAX reader looks attributes up in quadratic time: 20,000 took half a minute.
    The fast reader (lxml) takes them in linear time; the way to feedparser is closed to them
    (the benchmark's xml-attacks case times both readers)."""
    attributes = " ".join(f'a{number}=">"' for number in range(20_000))  # ">" in values too
    data = document("", "Attributes").replace(b"<item>", f"<item {attributes}>".encode())
    result = parse_guarded(config, data, reader)
    if reader == "feedparser":
        assert isinstance(result, FeedUnreadable) and "more than 100 attributes" in str(result)
    else:
        assert isinstance(result, ParsedFeed) and [e.title for e in result.entries] == [
            "Attributes"
        ]


def test_unterminated_doctype_leaves_nothing_to_parse(config: Config) -> None:
    data = b'<?xml version="1.0"?>\n<!DOCTYPE rss [ <!ENTITY a "never closed \n<rss><channel><item><title>x</title></item></channel></rss>'
    assert isinstance(parse_guarded(config, data), FeedUnreadable)


# The DOCTYPE gone, a reference to an entity it declared is the text it is ("&a;"), so that
# lxml's fast reader reads the document instead of feedparser's loose parser, which is slow
# on 20,000 of them; what a reader sees is what feedparser showed of them: the reference.
QUADRATIC = (f'<!DOCTYPE rss [\n<!ENTITY a "{"A" * 50_000}">\n]>', "&a;" * 20_000, "&a;" * 20)
IN_A_COMMENT = (
    f'<!--\n<!DOCTYPE rss>\n<!ENTITY b "{"B" * 50_000}">\n-->',
    "x" + "&b;" * 20_000,
    "",
)


@pytest.mark.parametrize(
    ("attack", "title", "summary"),
    [(QUADRATIC, "&a;" * 20_000, "&a;" * 20), (IN_A_COMMENT, "x" + "&b;" * 20_000, "")],
    ids=["quadratic", "in-a-comment"],
)
def test_an_attack_is_read_by_the_fast_reader_showing_its_references_as_text(
    config: Config, attack: tuple[str, str, str], title: str, summary: str
) -> None:
    data = document(*attack)
    assert fastfeed.read(prepare(data)[0]) is not None
    parsed = parse_guarded(config, data)
    assert isinstance(parsed, ParsedFeed)
    assert [(entry.title, entry.summary) for entry in parsed.entries] == [(title, summary)]
    assert parsed.warnings[0] == "removed the DOCTYPE and the entities it declares (never expanded)"
    assert parsed.warnings[1].endswith("no date; dated when first seen")
    by_feedparser = parse_guarded(config, data, "feedparser")
    assert isinstance(by_feedparser, ParsedFeed)
    assert by_feedparser.entries == parsed.entries and by_feedparser.warnings == parsed.warnings


def test_billion_laughs_is_read_by_the_fast_reader_and_expands_nothing(config: Config) -> None:
    data = document(laughs(), "Laughs &lol9;", "&lol5; &amp; more")
    assert fastfeed.read(prepare(data)[0]) is not None
    parsed = parse_guarded(config, data)
    assert isinstance(parsed, ParsedFeed)
    assert [(entry.title, entry.summary) for entry in parsed.entries] == [
        ("Laughs &lol9;", "&lol5; & more")
    ]


def test_references_in_cdata_and_attributes_read_as_the_feed_wrote_them(config: Config) -> None:
    """In CDATA a reference was never one: "&a;" stays the text it is, not "&amp;a;"."""
    item = (
        "<item><title>R&amp;D &a;</title><link>https://attack.test/1?q=&a;</link>"
        '<guid isPermaLink="false"><![CDATA[urn:&a;:1]]></guid>'
        '<enclosure url="https://attack.test/p.jpg?&a;" type="image/jpeg" length="1"/>'
        "<description><![CDATA[<p>Fish &amp; chips &a;</p>]]> &a;</description></item>"
    )
    data = document('<!DOCTYPE rss [<!ENTITY a "AAAA">]>', "", "").replace(
        ITEM.format(title="", body="").encode(), item.encode()
    )
    assert fastfeed.read(prepare(data)[0]) is not None
    parsed = parse_guarded(config, data)
    assert isinstance(parsed, ParsedFeed) and "AAAA" not in everything_said(parsed)
    (entry,) = parsed.entries
    assert (entry.id, entry.title, entry.summary) == (
        "urn:&a;:1",
        "R&D &a;",
        "Fish & chips &a; &a;",
    )
    assert entry.image is not None and entry.image.url == "https://attack.test/p.jpg?&a;"


def test_many_declared_entities_are_all_shown_as_references(config: Config) -> None:
    entities = "".join(f'<!ENTITY e{number} "{"E" * 1000}">' for number in range(40))
    data = document(f"<!DOCTYPE rss [{entities}]>", "&e0; and &e39;", "&e7;&e20;")
    assert fastfeed.read(prepare(data)[0]) is not None
    parsed = parse_guarded(config, data)
    assert isinstance(parsed, ParsedFeed) and "EEEE" not in everything_said(parsed)
    assert [(entry.title, entry.summary) for entry in parsed.entries] == [
        ("&e0; and &e39;", "&e7;&e20;")
    ]


def test_a_feed_that_stays_feedparsers_is_given_what_it_was_given_before(config: Config) -> None:
    """An HTML entity (&nbsp;) keeps the document from being XML: feedparser's loose parser reads
    it, with the declared references as they were, so an id keeps its "&a;" (not "&amp;a;")."""
    data = document('<!DOCTYPE rss [<!ENTITY a "AAAA">]>', "Caf&eacute;&nbsp;&a;", "&a;").replace(
        b"</link><desc", b'</link><guid isPermaLink="false">urn:&a;:1</guid><desc'
    )
    prepared, warnings = prepare(data)
    assert b"&a;" in prepared and b"&amp;a;" not in prepared and b"DOCTYPE" not in prepared
    assert fastfeed.read(prepared) is None and warnings
    parsed = parse_guarded(config, data)
    assert isinstance(parsed, ParsedFeed) and "AAAA" not in everything_said(parsed)
    assert [(entry.id, entry.title) for entry in parsed.entries] == [("urn:&a;:1", "Café &a;")]


def test_references_to_nothing_declared_are_left_to_feedparser_as_before(config: Config) -> None:
    data = document("", "Undeclared &a; &copy;", "&doesnotexist;")
    assert prepare(data)[0] is data
    parsed = parse_guarded(config, data)
    assert isinstance(parsed, ParsedFeed) and not any("DOCTYPE" in w for w in parsed.warnings)
    assert [(entry.title, entry.summary) for entry in parsed.entries] == [
        ("Undeclared &a; ©", "&doesnotexist;")
    ]
