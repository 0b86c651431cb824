"""The ingest's fast paths give what the plain ones give, on any input hypothesis finds.

A fast path may skip work only where it provably changes nothing: these properties hold
each one to the path it stands in for, byte for byte.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree

from digest.archive import _json, entry_to_json
from digest.ingest import clean
from digest.ingest.clean import _NOT_XML, sanitize_html
from digest.model import Entry, Event, Image


def _plain_json(value: Any) -> str:
    """The archive's JSON as json writes it: the reference orjson must match."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# Any text: controls, quotes, backslashes, non-ASCII, lone surrogates, U+2028.
ANY_TEXT = st.text(
    st.characters(blacklist_categories=()) | st.sampled_from('"\\\n\r\t\x00\x1f\x7f\u2028<&'),
    max_size=40,
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | ANY_TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(JSON_VALUES)
@settings(max_examples=300)
def test_archive_json_is_the_same_text_json_writes(value: Any) -> None:
    assert _json(value) == _plain_json(value)


@given(ANY_TEXT, ANY_TEXT, ANY_TEXT, st.lists(ANY_TEXT, max_size=3), st.booleans())
@settings(max_examples=200)
def test_an_entry_is_archived_as_the_same_json(
    title: str, html: str, link: str, categories: list[str], event: bool
) -> None:
    published = datetime(2025, 10, 6, 9, 30, 15, 123, tzinfo=UTC)
    entry = Entry(
        id=f"https://site.example/?p={title[:5]}",
        source="Site",
        title=title,
        published=published,
        updated=published + timedelta(hours=2),
        html=html,
        link=link or None,
        summary=html[:10],
        section="News",
        image=Image(link, title, html, "", 1024, 683),
        categories=tuple(categories),
        event=Event(published, None, title, True) if event else None,
    )
    text = entry_to_json(entry)
    assert text == _plain_json(json.loads(text))


AFTER_NH3_PIECES = st.sampled_from(
    ["<p>", "</p>", "<a>", "<a name=x>", "<A HREF=/up>", '<a href="/x">', "</a>", "<table><tr><td>",
     "</table>", "<pre>", "\n", "<!-- c -->", "<marquee>", "<abbr>", "<img src=/i.jpg>", "<img src=/p.gif width=1 height=1>",
     "<li>", "<b>", "text", " ", "<br>", "<IMG SRC=/u.jpg>", "<Marquee>"]
)  # fmt: skip


IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)  # an <img> in any HTML, in any case


def _settled_the_long_way(fragment: str) -> str:
    """sanitize_html's steps after nh3 as they were before the one scan of its output (_MARKS):
    a substitution for images, the empty links' pass, two finds and a depth count of links."""
    cleaner, cleaned = clean._cleaned(fragment, "https://site.example/a/")
    unwrapped = (
        {name.lower() for name in clean._TAG_NAME.findall(fragment)}
        - clean.ALLOWED_TAGS
        - clean.DROPPED_WITH_CONTENT
    )
    cleaned = clean._without_empty_links(IMG_TAG.sub(clean._image, cleaned))
    depth, nested = 0, False
    for closing in clean._LINK_TAG.findall(cleaned):
        depth += -1 if closing else 1
        nested = nested or depth > 1
    settle = unwrapped or "<pre" in cleaned or "<table" in cleaned or nested
    for _ in range(2 if settle else 0):
        settled = cleaner.clean(cleaned)
        if settled == cleaned:
            break
        cleaned = settled
    return clean.without_footer(cleaned).strip()


@given(st.lists(AFTER_NH3_PIECES, max_size=14).map("".join))
@example("<pre><img src=/p.gif width=1 height=1>\nx</pre>")  # the pixel's going opens the <pre>
@example("<pre><!-- c -->\nx</pre>")
@example("<a href=/x><marquee><a href=/y>in</a></marquee></a>")
@settings(max_examples=300)
def test_nh3_output_is_settled_as_the_long_way_settles_it(fragment: str) -> None:
    assert sanitize_html(fragment, "https://site.example/a/") == _settled_the_long_way(fragment)


# Text an XML parser can give: every character XML 1.0 allows.
XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)).filter(lambda ch: not _NOT_XML.match(ch)),
    max_size=60,
)
HTML_PIECES = st.sampled_from(
    [
        "<p>",
        "</p>",
        '<a href="/x">',
        '<a href="page?x=1">',
        "</a>",
        '<img src="https://pixel.wp.com/g.gif" width="1" height="1">',
        '<img data-src="/real.jpg" src="data:image/gif;base64,R0lGOD">',
        '<figure><img src="/a.jpg"><figcaption>Caption</figcaption></figure>',
        "<script>alert(1)</script>",
        "<table><tr><td>",
        "&#1;",
        "&#xFFFE;",
        "&amp;",
        "<pre>\n",
        "<marquee>",
        "The post <a href='/p'>P</a> appeared first on <a href='/'>Site</a>.</p>",
    ]
)
XML_HTML = st.lists(HTML_PIECES | XML_TEXT, max_size=12).map("".join)


@given(XML_HTML, st.sampled_from([None, "https://site.example/2025/10/post/", "http://x.example"]))
@settings(max_examples=300)
def test_text_from_xml_is_sanitised_as_any_text(fragment: str, base: str | None) -> None:
    """sanitize_html(from_xml=True) skips the removal of what XML forbids: on text XML holds,
    that removal has nothing to remove, so both give the same HTML."""
    assert sanitize_html(fragment, base, from_xml=True) == sanitize_html(fragment, base)


@given(st.lists(st.integers(min_value=0, max_value=0x10FFFF), max_size=8), XML_TEXT)
@settings(max_examples=300)
def test_lxml_never_gives_a_character_xml_forbids(references: list[int], text: str) -> None:
    """What the fast reader hands on as text holds none of what _NOT_XML removes, whether it
    came as characters or as character references: lxml refuses the document instead."""
    body = "".join(f"&#{code};" for code in references) + text.replace("&", "&amp;").replace(
        "<", "&lt;"
    )
    document = f"<rss><item><description>{body}</description></item></rss>".encode(
        "utf-8", "surrogatepass"
    )
    try:
        root = etree.fromstring(document, etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return  # the fast reader returns None and feedparser's path takes the document
    found = root.findtext("item/description") or ""
    assert not _NOT_XML.search(found)


FIGURE_PIECES = st.sampled_from(
    ["<figure>", '<figure class="wp-block-image">', "</figure>", "<figures>", "<figure_x>",
     "<figure", ">", '<img src="/a.jpg">', "<figcaption>c</figcaption>", "text", "\n", "</figure >",
     "<FIGURE>", "<figure\u00e9>"]
)  # fmt: skip


@given(st.lists(FIGURE_PIECES, max_size=14).map("".join))
@settings(max_examples=300)
def test_figures_are_found_where_the_regular_expression_finds_them(fragment: str) -> None:
    expected = [(match.start(), match.end()) for match in clean._FIGURE.finditer(fragment)]
    assert list(clean._figures(fragment)) == expected


FOOTER_PIECES = st.sampled_from(
    ["<p>", "<P>", '<p class="x">', "<pre>", "<param>", "<p\u00e9>", "</p>", "</P>", "The post ",
     "This post ", "THE POST ", "The pOsT ", '<a href="/p">', "<A HREF=/>", "<a>", "</a>", "Story",
     " first appeared on ", " appeared first on ", " was first published in ", " is a post from: ",
     ".", "\n", " ", "&nbsp;", "\xa0", "text"]
)  # fmt: skip


@given(st.lists(FOOTER_PIECES, max_size=16).map("".join), st.sampled_from([0, 4480, 4500]))
@example(
    '<p>The post <a href="/p">P</a> first appeared on <a href="/">Site</a>.</p>' + "\n" * 22, 0
)
@example("<p>x</p><P>The post <a>P</a> first appeared on <a>S</a>.</P>", 0)
@example('<p>The post <a href="/p">P<pre>x</a> first appeared on <a href="/">Site</a>.</p>', 0)
@settings(max_examples=500)
def test_footers_go_as_the_regular_expression_takes_them(fragment: str, padding: int) -> None:
    fragment = "x" * padding + fragment  # the footer's search begins _FOOTER_TAIL from the end
    start = max(0, len(fragment) - clean._FOOTER_TAIL)
    expected = fragment[:start] + clean._FOOTER_HTML.sub("", fragment[start:])
    assert clean.without_footer(fragment) == expected


def _tracking_pixel_by_urlsplit(tag: str) -> bool:
    """clean._is_tracking_pixel as it was: the host always from urlsplit."""
    attributes = dict(clean._ATTRIBUTE.findall(tag))
    width, height = (
        int(value)
        if (value := attributes.get(name)) is not None and re.fullmatch(r"[0-9]{1,5}", value)
        else None
        for name in ("width", "height")
    )
    if width is not None and height is not None and width <= 1 and height <= 1:
        return True
    if 0 in (width, height):
        return True
    src = html.unescape(attributes.get("src", ""))
    host = urlsplit(src).hostname or ""
    return not src.startswith(("http://", "https://")) or host.endswith(clean.TRACKER_HOSTS)


def _tracking_pixel_of(tag: str) -> bool:
    """clean._is_tracking_pixel of an <img> tag, as _image asks it."""
    attributes = dict(clean._ATTRIBUTE.findall(tag))
    width, height = (clean._dimension(attributes.get(name)) for name in ("width", "height"))
    return clean._is_tracking_pixel(width, height, attributes.get("src", ""))


URL_PIECES = st.sampled_from(
    ["http://", "https://", "pixel.wp.com", "PIXEL.WP.COM", "stats.wordpress.com", "news.example.org",
     "user@", ":8080", "/g.gif", "?blog=1", "&amp;", "&#10;", "&#9;", "\t", "\n", "[", "]", "::1",
     "x", ".", "é", "\uff0f", "feeds.feedburner.com.evil.example", "mailto:"]
)  # fmt: skip


@given(
    st.lists(URL_PIECES, max_size=8).map("".join),
    st.sampled_from(["", ' width="1" height="1"', ' width="600"', ' height="0"']),
)
@settings(max_examples=300)
def test_tracking_pixels_are_told_as_urlsplit_tells_them(src: str, size: str) -> None:
    tag = f'<img src="{src}"{size}>'
    try:
        expected: bool | type[Exception] = _tracking_pixel_by_urlsplit(tag)
    except ValueError:
        expected = ValueError
    try:
        found: bool | type[Exception] = _tracking_pixel_of(tag)
    except ValueError:
        found = ValueError
    assert found == expected


def _image_the_long_way(match: re.Match[str]) -> str:
    """clean._image as it was: every tag through _BAD_DIMENSION and _ALT."""
    tag = match.group(0)
    if _tracking_pixel_of(tag):
        return ""
    tag = clean._BAD_DIMENSION.sub("", tag)
    return tag if clean._ALT.search(tag) else tag[:4] + ' alt=""' + tag[4:]


IMG_ATTRIBUTE_PIECES = st.sampled_from(
    [' src="https://a.example/p.jpg"', ' alt="A"', ' alt=""', ' ALT="a"', ' width="800"',
     ' height="533"', ' width="1"', ' height="0"', ' width="123456"', ' width=""', ' width="12x"',
     ' height="7"', ' title="a width="', ' title="x alt=y"', ' title="b height="', ' alt="c width="',
     ' data-width="9"', ' width="42"']
)  # fmt: skip


@given(st.lists(IMG_ATTRIBUTE_PIECES, max_size=7).map(lambda pieces: "<img" + "".join(pieces) + ">"))
@example('<img src="https://a.example/p.jpg" title="a width=" alt="b">')
@settings(max_examples=500)
def test_images_are_kept_as_the_long_way_keeps_them(tag: str) -> None:
    match = IMG_TAG.search(tag)
    assert match is not None
    assert clean._image(match) == _image_the_long_way(match)


def _absolute_url_by_urljoin(url: str, base: str | None) -> str | None:
    """clean.absolute_url as it was: every URL through urljoin and urlsplit."""
    url = url.strip()
    if not url:
        return None
    if any(ch in url for ch in "\r\n\t\x00"):
        url = re.sub(r"[\r\n\t\x00]", "", url)
    if clean._NOT_XML.search(url):
        return None
    resolved = urljoin(base, url) if base else url
    parts = urlsplit(resolved)
    if parts.scheme == "mailto":
        return resolved
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return resolved


LINK_PIECES = st.sampled_from(
    ["http://", "https://", "HTTP://", "ftp://", "mailto:", "//", "/", "news.example.org", "x", ":80",
     "user@", "?", "?a=1", "#", "#top", ";p", "[", "]", "[::1]", "..", "./", " ", "\t", "\n", "é",
     "%20", "\\", "&amp;", "\x01", "\u3002"]
)  # fmt: skip
BASES = st.sampled_from(
    [None, "", "https://news.example.org/2025/10/post/", "http://news.example.org", "https://[::1]/",
     "https://[bad/", "https://h\u00e9.example/", "ftp://files.example/"]
)  # fmt: skip


@given(st.lists(LINK_PIECES, max_size=8).map("".join), BASES)
@settings(max_examples=300)
def test_links_resolve_as_urljoin_resolves_them(url: str, base: str | None) -> None:
    try:
        expected: str | type[Exception] | None = _absolute_url_by_urljoin(url, base)
    except ValueError:
        expected = ValueError
    try:
        found: str | type[Exception] | None = clean.absolute_url(url, base)
    except ValueError:
        found = ValueError
    assert found == expected


@given(st.text(st.characters() | st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000")))
@settings(max_examples=300)
def test_spaces_collapse_as_the_regular_expression_collapses_them(text: str) -> None:
    assert clean._one_spaced(text) == clean._SPACES.sub(" ", text).strip()


READ_MORE_PIECES = st.sampled_from(
    ["word", " ", "  ", "\n", "\t", "[", "]", "…", "...", ".", "..", "&hellip;", "[…]", "[...]",
     "[&hellip;]", "\u2028", "x.", "Read more"]
)  # fmt: skip


@given(st.lists(READ_MORE_PIECES, max_size=12).map("".join))
@settings(max_examples=300)
def test_read_more_marks_go_as_the_regular_expression_takes_them(text: str) -> None:
    assert clean._without_read_more(text) == clean._READ_MORE.sub("", text)


TEXT_PIECES = st.sampled_from(
    ["<p>", "</p>", "<P >", "<br/>", "<BR>", "<b>", "</i>", "<em>", "</strong>", "<span>",
     "<a href='x'>", "<!-- c -->", "<script>x</script>", "<p class=x>", "<", ">", "<news>",
     "&amp;", "&amp;lt;", "&lt;b&gt;", "&hellip;", "&am", "p;", "&notit;", "&not", "&#11;",
     "&#x41;", "&#x202e;", "&#xe000;", "&#1;", "&#8220;", "&lt;", "&nbsp;", "&", ";", "amp", "#", "\r\n", "\r", "\x00", "\x0b", "\u202e",
     "\ue000", "x", " ", "é"]
)  # fmt: skip


def _text_by_the_parser(fragment: str, keep_non_elements: bool) -> str:
    """clean._text_of as it was before its parser-free path: nh3 takes out every tag."""
    text = fragment
    if "<" not in text and "&" not in text and not clean._CONTROLS.search(text):
        return clean._one_spaced(text)
    for _ in range(clean._DECODING_ROUNDS):
        text = clean._CONTROLS.sub("", text)
        if "<" in text:
            if keep_non_elements:
                text = clean._keep_non_elements(text)
            text = clean._TEXT_CLEANER.clean(clean._BLOCK_EDGE.sub(" <", text))
        decoded = clean._ENTITY.sub(lambda entity: html.unescape(entity.group(0)), text)
        settled = decoded == text or not (
            clean._ENTITY.search(decoded) or clean._TAG_LIKE.search(decoded)
        )
        text = decoded
        if settled:
            break
    text = clean._CONTROLS.sub("", text)
    text = clean._TAG_LIKE.sub(lambda tag: tag.group(0).replace("<", "‹"), text)
    return clean._one_spaced(text.replace(clean._TEXT_LT, "<"))


@given(st.lists(TEXT_PIECES, max_size=14).map("".join), st.booleans())
@example("<p>Gene  data [&hellip;]</p>", False)  # WordPress's excerpt
@example("<p>&amp;lt;b&amp;gt; &not &notit;</p>", False)
@example("<p>\ue000</p>", True)
@settings(max_examples=500)
def test_simple_markup_is_taken_out_as_the_parser_takes_it_out(
    fragment: str, keep_non_elements: bool
) -> None:
    if keep_non_elements:
        fragment = fragment.replace(clean._TEXT_LT, "")  # as _text_of does first
    expected = _text_by_the_parser(fragment, keep_non_elements)
    assert clean._text_of(fragment, keep_non_elements=keep_non_elements) == expected


@given(
    st.lists(TEXT_PIECES | XML_TEXT | st.just("\x7f"), max_size=14)
    .map("".join)
    .filter(lambda text: not _NOT_XML.search(text)),  # what an XML parser can give
    st.booleans(),
)
@example("\x7f&amp;", False)
@settings(max_examples=500)
def test_text_from_xml_is_read_as_any_text(fragment: str, keep_non_elements: bool) -> None:
    """The controls' search is shortened for an XML parser's text: never to another result."""
    expected = clean._text_of(fragment, keep_non_elements=keep_non_elements)
    assert clean._text_of(fragment, keep_non_elements=keep_non_elements, from_xml=True) == expected


STORY_LINK_PIECES = st.sampled_from(
    ["http://", "https://", "HTTPS://", "www.", "WWW.", "News.Example.org", "x", "xn--bcher-kva",
     "XN--", "a-", "-", ".", "..", "/", "//", "/.", "/..", "./", "post-1", "~u", "_", "2025",
     ":443", ":8080", ":x", "user@", "?", "?utm_source=rss", "?b=2&a=1", "#top", ";p", "[::1]",
     "%41", "%7e", "é", " ", "\n", "\t", "a" * 64, "+", "!", "'", "\\", "\x00"]
)  # fmt: skip


@given(st.lists(STORY_LINK_PIECES, max_size=10).map("".join))
@settings(max_examples=300)
def test_story_links_are_canonical_as_w3lib_makes_them(url: str) -> None:
    from digest import links

    try:
        expected: str | type[Exception] = links._canonical_link(url)
    except ValueError:
        expected = ValueError
    try:
        found: str | type[Exception] = links.canonical_link(url)
    except ValueError:
        found = ValueError
    assert found == expected


@given(
    st.sampled_from(["http://", "https://"]),
    st.lists(st.sampled_from(["www.", "a", "B", "0", "-", ".", "xn--p"]), min_size=1, max_size=8),
    st.lists(st.sampled_from(["/", "a", "Z", "9", ".", "-", "_", "~", ".."]), max_size=12),
)
@settings(max_examples=300)
def test_plain_story_links_are_canonical_as_w3lib_makes_them(
    scheme: str, host: list[str], path: list[str]
) -> None:
    """Links close to the fast path's edge: plain hosts and paths of unreserved characters."""
    from digest import links

    url = scheme + "".join(host) + "".join(path)
    try:
        expected: str | type[Exception] = links._canonical_link(url)
    except ValueError:
        expected = ValueError
    assert links.canonical_link(url) == expected


DOCUMENT_PIECES = st.sampled_from(
    [b"\xef\xbb\xbf", b"\xff\xfe", b"\x00<\x00r", b" ", b"\n", b"\xc2\x85", b"\xe3\x80\x80",
     b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="utf-8"?>',
     b"<?xml version='1.0' encoding='UTF8'?>", b'<?xml version="1.0" encoding="iso-8859-1"?>',
     b'<?xml version="1.0" encoding="utf-16"?>', b'<?xml version="1.0" encoding="bogus"?>',
     b'<?xml version="1.0" encoding="windows-1252"?>', b"<?pi x?>", b"<?pi", b"<!-- c -->",
     b"<!--", b"-->", b"?>", b"<!DOCTYPE rss>", b'<!DOCTYPE r [<!ENTITY a "b">]>',
     b"<!ENTITY a 'x'>", b"<rss>", b"<feed>", b"</rss>", b"<item>\xc3\xa9</item>",
     b"\xe2\x80\x99", b"\xe9", b"\xf0\x9f\x98\x80", b"\x80", b"\xc3", b"\x00", b"text", b"&amp;"]
)  # fmt: skip


# Mostly a prolog, an element and a body, so that many documents come near the fast path's edges.
DOCUMENTS = st.one_of(
    st.lists(DOCUMENT_PIECES, max_size=10).map(b"".join),
    st.tuples(
        st.sampled_from([b"", b"", b"", b"\xef\xbb\xbf", b" "]),
        st.sampled_from([b"", b"<?xml version='1.0'?>"])
        | st.sampled_from(
            ["utf-8", "UTF8", "utf-16", "bogus", "iso-8859-1", "ascii", "cp1252"]
        ).map(lambda name: f'<?xml version="1.0" encoding="{name}"?>'.encode()),
        st.lists(
            st.sampled_from([b"<?pi x?>", b"<!-- c -->", b"<!--", b"\n", b"<!DOCTYPE rss>"]),
            max_size=2,
        ).map(b"".join),
        st.sampled_from([b"<rss>", b"<feed>"]),
        st.lists(
            st.sampled_from(
                [b"text", b"\xe9", b"\x80", b"\xc3", b"\xe2\x80\x99", b"\xf0\x9f\x98\x80"]
            ),
            max_size=3,
        ).map(b"".join),
    ).map(b"".join),
)


@given(DOCUMENTS, st.sampled_from([3, 9, 40, 65536]))
@settings(max_examples=300)
def test_plain_utf8_documents_are_prepared_as_the_whole_path_prepares_them(
    data: bytes, head: int
) -> None:
    from digest.ingest import prepare

    def outcome(work: Any) -> Any:
        try:
            return work(data)
        except prepare.FeedUnreadable as error:
            return ("unreadable", str(error))

    expected = outcome(lambda document: prepare._prepared(document))
    saved_head, saved_chunk = prepare._HEAD, prepare._CHUNK
    prepare._HEAD, prepare._CHUNK = head, max(1, head // 2)  # the head and pieces cut anywhere
    try:
        found = outcome(prepare.prepare)
    finally:
        prepare._HEAD, prepare._CHUNK = saved_head, saved_chunk
    if data and not data.isspace():
        assert found == expected


@given(
    st.sampled_from(["Mon", "Sun", "Xyz", "mon"]),
    st.integers(1, 28) | st.integers(0, 32),
    st.sampled_from(["Jan", "Feb", "Jun", "Dec", "jan", "Foo"]),
    st.integers(1990, 2030) | st.integers(0, 999) | st.integers(0, 10000),
    st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
    | st.tuples(st.integers(0, 25), st.integers(0, 61), st.integers(0, 61)),
    st.sampled_from(["+", "-"]),
    st.sampled_from([0, 100, 130, 530, 1200, 1400, 2359, 2400]) | st.integers(0, 9999),
    st.sampled_from(["{:02d}", "{:02d}", "{:d}", "{:04d}"]),
    st.sampled_from(["{:04d}", "{:04d}", "{:d}", "{:02d}"]),
)
@settings(max_examples=300)
def test_plain_rfc822_dates_are_read_as_email_utils_reads_them(
    weekday: str,
    day: int,
    month: str,
    year: int,
    clock: tuple[int, int, int],
    sign: str,
    zone: int,
    style: str,
    year_style: str,
) -> None:
    from email.utils import parsedate_to_datetime

    from digest.ingest import fastfeed

    text = (
        f"{weekday}, {style.format(day)} {month} {year_style.format(year)} "
        f"{clock[0]:02d}:{clock[1]:02d}:{clock[2]:02d} {sign}{zone:04d}"
    )

    def outcome(read: Any) -> Any:
        try:
            moment = read(text)
        except fastfeed._Unsupported:
            return "unsupported"
        return moment, moment.tzinfo

    def by_email_utils(value: str) -> datetime:
        try:
            return fastfeed._utc(parsedate_to_datetime(value))
        except (TypeError, ValueError, IndexError, OverflowError):
            raise fastfeed._Unsupported from None

    assert outcome(fastfeed._rfc822) == outcome(by_email_utils)


BASE_URLS = st.lists(LINK_PIECES, max_size=8).map("".join) | st.tuples(
    st.sampled_from(["http://", "https://", "HTTPS://", ""]),
    st.lists(
        st.sampled_from(["news.example.org", "x", ":80", "user@", "\t", "\n", " ", "é"]), max_size=3
    ),
    st.lists(
        st.sampled_from(["/", "/post/", "?", "?a=1", "#top", ";p", "\t", "?b=2/c"]), max_size=3
    ),
).map(lambda parts: parts[0] + "".join(parts[1]) + "".join(parts[2]))


@given(BASE_URLS, BASE_URLS)
@example("https://news.example.org/a/", "https://news.example.org/b\t/é?x#y")
@example("https://news.example.org/a/", "https://news.example.org:80/b")
@example("https://x", "https://x.example/")  # a site ends at its "/"
@example("https://x?a", "https://x?a.example/")
@settings(max_examples=300)
def test_a_base_is_split_as_urlsplit_splits_it(earlier: str, url: str) -> None:
    with contextlib.suppress(ValueError):
        clean._scheme_and_netloc(earlier)  # the site it remembers
    try:
        parts = urlsplit(url)
        expected: tuple[str, str] | type[Exception] = (parts.scheme, parts.netloc)
    except ValueError:
        expected = ValueError
    try:
        found: tuple[str, str] | type[Exception] = clean._scheme_and_netloc(url)
    except ValueError:
        found = ValueError
    assert found == expected


def _json_by_plain_values(value: Any) -> str:
    """The archive's JSON as made before orjson walked the dataclasses: _plain's values."""
    import orjson

    from digest.archive import _plain

    plain = _plain(value)
    try:
        return orjson.dumps(plain, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:
        return _plain_json(plain)


MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
) | st.datetimes(timezones=st.sampled_from([UTC]))


@given(ANY_TEXT, ANY_TEXT, MOMENTS, st.none() | MOMENTS, st.none() | MOMENTS, st.booleans())
@settings(max_examples=300)
def test_an_entry_is_written_as_its_plain_values_are(
    title: str,
    html: str,
    published: datetime,
    updated: datetime | None,
    event_start: datetime | None,
    with_image: bool,
) -> None:
    from digest.model import CallToAction, Editorial

    entry = Entry(
        id=f"id:{title[:5]}",
        source="Site",
        title=title,
        published=published,
        updated=updated,
        html=html,
        link=html or None,
        summary=title[:10],
        section="News",
        image=Image(html, title, html, "", 2**70 if title[:1] == "x" else 1024, None)
        if with_image
        else None,
        categories=(title, html),
        event=Event(event_start, updated, title, True) if event_start else None,
        editorial=Editorial(kicker=title, call_to_action=CallToAction(title, html)),
    )
    assert entry_to_json(entry) == _json_by_plain_values(entry)  # without its editorial
    editorial = Editorial(with_image, 3, title, CallToAction(html, title), comment=html)
    assert _json(editorial) == _json_by_plain_values(editorial)
