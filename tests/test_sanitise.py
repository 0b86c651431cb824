"""The sanitiser against random and classic hostile HTML: what comes out is safe in an email.

Invariants, checked by parsing the output with lxml.html: no forbidden element, no
event handler or style attribute, only absolute http(s) (or mailto) URLs, no invisible
images; sanitising again changes nothing; and the output, put in a table cell, cannot
close that cell, its row or its table. Titles (plain_text) carry no markup, no control
characters or line breaks, and entities decoded once.
"""

from __future__ import annotations

import html

import lxml.html
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from digest.ingest.clean import html_elements, plain_text, remove_image, sanitize_html, title_text
from tests.safe_html import problems, text_problems

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BASES = st.sampled_from([None, "https://base.test/news/item"])

TAGS = [
    "p", "a", "img", "b", "i", "div", "span", "table", "tbody", "tr", "td", "th", "caption",
    "colgroup", "col", "ul", "li", "figure", "figcaption", "blockquote", "pre", "code",
    "script", "style", "iframe", "object", "embed", "form", "input", "button", "select",
    "textarea", "svg", "math", "mtext", "mglyph", "noscript", "template", "xmp", "title",
    "link", "meta", "base", "frameset", "applet", "video", "audio", "source", "marquee",
    "noembed", "plaintext", "foreignObject", "annotation-xml", "desc",
]  # fmt: skip
HANDLERS = ["onclick", "onerror", "onload", "ONMOUSEOVER", "onfocus", "OnAnimationStart", "onbegin"]
URL_ATTRIBUTES = ["href", "src", "action", "formaction", "background", "srcset", "xlink:href", "data", "poster", "lowsrc"]  # fmt: skip
OTHER_ATTRIBUTES = ["alt", "title", "class", "id", "lang", "dir", "name", "xmlns", "rel", "target", "colspan"]  # fmt: skip
SCHEMES = [
    "javascript:", "JaVaScRiPt:", " javascript:", "java\tscript:", "java&#x09;script:", "jav&#x0A;ascript:",
    "&#106;avascript:", "&#x6A;avascript:", "javascript&colon;", "\x01javascript:", "vbscript:",
    "VBScript:", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==,", "data:image/svg+xml,",
    "livescript:", "feed:javascript:", "https://ok.test/", "http://ok.test/a?b=1&c=2", "//evil.test/",
    "/relative/", "relative/", "mailto:a@ok.test?", "https://pixel.wp.com/", "", "#",
]  # fmt: skip
CSS = ["expression(alert(1))", "x:expr/**/ession(alert(1))", "background:url(javascript:alert(1))",
       "behavior:url(x.htc)", "-moz-binding:url(http://evil.test/x.xml#x)", "@import 'http://evil.test/x.css'",
       "width:\\65xpression(alert(1))", "position:absolute;top:0;left:0;width:100%;height:100%"]  # fmt: skip
SIZES = ["0", "1", "00", "1px", "²", "100", "-1", " 1", "0.5", "99999999"]
TEXT = [
    "text", "More words", "&amp;", "&lt;script&gt;alert(1)&lt;/script&gt;", "<!-- comment -->",
    "<!--><script>alert(1)</script>-->", "<![CDATA[<script>alert(1)</script>]]>", "</td>", "</tr>",
    "</table>", "</tbody>", "<td>", "<tr>", "<table>", "</p>", "<caption>", "</caption>", "<col>",
    "</div>", "</a>", "</figure>", "&", "<", ">", '"', "'", "`", "\u2028", "\x00", "\r\n",
    "</noscript>", "</style>", "</script>", "</title>", "</textarea>", "<?php echo 1 ?>", "<!DOCTYPE html>",
    "The post <a href='https://x.test/'>X</a> first appeared on <a href='https://x.test/'>Y</a>.",
]  # fmt: skip


def quoted(value: str) -> st.SearchStrategy[str]:
    return st.sampled_from([f'"{value}"', f"'{value}'", value.replace(" ", ""), f"`{value}`"])


@st.composite
def attribute(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["handler", "url", "style", "size", "other"]))
    if kind == "handler":
        name, value = draw(st.sampled_from(HANDLERS)), "alert(1)"
    elif kind == "url":
        name = draw(st.sampled_from(URL_ATTRIBUTES))
        value = draw(st.sampled_from(SCHEMES)) + draw(
            st.sampled_from(["alert(1)", "x.png", "page.html"])
        )
    elif kind == "style":
        name, value = draw(st.sampled_from(["style", "STYLE"])), draw(st.sampled_from(CSS))
    elif kind == "size":
        name, value = draw(st.sampled_from(["width", "height"])), draw(st.sampled_from(SIZES))
    else:
        name, value = draw(st.sampled_from(OTHER_ATTRIBUTES)), draw(st.sampled_from(TEXT))
    separator = draw(st.sampled_from([" ", "/", "\n", " \t"]))
    return f"{separator}{name}={draw(quoted(value))}"


def element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    @st.composite
    def build(draw: st.DrawFn) -> str:
        tag = draw(st.sampled_from(TAGS))
        tag = draw(st.sampled_from([tag, tag.upper()]))
        attributes = "".join(draw(st.lists(attribute(), max_size=4)))
        inner = "".join(draw(st.lists(children, max_size=4)))
        closing = draw(st.sampled_from([f"</{tag}>", "", f"</{draw(st.sampled_from(TAGS))}>"]))
        return f"<{tag}{attributes}>{inner}{closing}"

    return build()


HOSTILE_HTML = st.recursive(st.sampled_from(TEXT) | st.text(max_size=8), element, max_leaves=25)
FRAGMENTS = st.lists(HOSTILE_HTML, min_size=1, max_size=5).map("".join)


def embedding_problems(fragment: str) -> list[str]:
    """What goes wrong when `fragment` is put in the one cell of a layout table."""
    page = (
        f'<html><body><table id="outer"><tr><td id="cell">{fragment}<span id="end">END</span>'
        '</td></tr></table><p id="after">after</p></body></html>'
    )
    root = lxml.html.document_fromstring(page)
    found = []
    [outer] = root.xpath('//table[@id="outer"]') or [None]
    if outer is None:
        return ["the outer table is gone"]
    rows = outer.xpath("./tr | ./tbody/tr | ./thead/tr | ./tfoot/tr")
    cells = [cell for row in rows for cell in row.xpath("./td | ./th")]
    if len(rows) != 1 or len(cells) != 1 or cells[0].get("id") != "cell":
        found.append(f"outer table has {len(rows)} rows and {len(cells)} cells")
    end = root.xpath('//span[@id="end"]')
    if not end or not any(ancestor.get("id") == "cell" for ancestor in end[0].iterancestors()):
        found.append("what follows the fragment left its cell")
    after = root.xpath('//p[@id="after"]')
    if not after or any(ancestor.tag == "table" for ancestor in after[0].iterancestors()):
        found.append("the paragraph after the table ended up inside a table")
    fragment_text = "".join(
        lxml.html.fragment_fromstring(fragment or " ", create_parent="div").text_content().split()
    )
    if cells and fragment_text not in "".join(cells[0].text_content().split()):
        found.append("the fragment's text is not all inside the cell")
    return found


def assert_safe(fragment: str, base: str | None = None) -> str:
    cleaned = sanitize_html(fragment, base)
    assert not problems(cleaned), (fragment, cleaned, problems(cleaned))
    assert sanitize_html(cleaned, base) == cleaned, (fragment, cleaned)
    assert not embedding_problems(cleaned), (fragment, cleaned, embedding_problems(cleaned))
    return cleaned


@SETTINGS
@given(FRAGMENTS, BASES)
def test_random_hostile_html_comes_out_safe(fragment: str, base: str | None) -> None:
    assert_safe(fragment, base)


URL_FORMS = st.sampled_from(
    ["/news/x", "//cdn.test/y", "rel/z", "../up", "?q=1", "#frag", "", " /spaced", "&#47;x",
     "https://abs.test/a", "mailto:a@b.test", "HTTPS://ABS.TEST", "javascript:alert(1)", "\\back",
     "../../../../../x", "a/" + "../" * 40 + "deep", "%2e%2e/%2E%2e/y", "..\\..\\z",
     "x/digest-base-probe/y", "https://abs.test/digest-base-probe/"]
)  # fmt: skip
LINKS = st.lists(
    st.tuples(st.sampled_from(['<a href="{}">l</a>', "<img src='{}' alt=i>", "<a href={}>u</a>", "<img src>"]), URL_FORMS)
    .map(lambda pair: pair[0].format(pair[1])),
    max_size=6,
).map("".join)
OWN_BASES = st.sampled_from(
    ["https://site.test/2025/10/story/", "http://site.test/a?b=c", "https://site.test/p#f",
     "https://site.test/" + "d/" * 31, "https://site.test/" + "d/" * 40, "https://u:p@Site.Test:8443/a/b/",
     "https://site.test/a\\b\\c/", None]
)  # fmt: skip


@SETTINGS
@given(LINKS, OWN_BASES)
@example('<a href="a/' + "../" * 40 + 'deep">l</a>', "https://site.test/" + "d/" * 40)
@example('<a href="a/' + "../" * 40 + 'deep">l</a>', "https://site.test/" + "d/" * 31)
@example('<a href="../../../../../x">l</a>', "https://site.test/2025/10/story/")
def test_a_shared_site_cleaner_resolves_exactly_as_the_entrys_own(fragment: str, base: str | None) -> None:
    """Fragments whose URLs resolve against the site alone share a cleaner per site (the probe
    base, tried first): the same result as the entry's own base, ".." past either's root too."""
    from digest.ingest import clean

    assert clean._cleaned(fragment, base)[1] == clean._new_cleaner(base).clean(fragment)


@SETTINGS
@given(FRAGMENTS)
def test_removing_the_lead_image_keeps_the_html_safe(fragment: str) -> None:
    figure = '<figure><img src="https://ok.test/lead.jpg" alt="Lead"><figcaption>Cap</figcaption></figure>'
    cleaned = sanitize_html(f"<table><tr><td>{figure}{fragment}</td></tr></table>{fragment}")
    rest, _ = remove_image(cleaned, "https://ok.test/lead.jpg")
    assert not problems(rest) and not embedding_problems(rest), (cleaned, rest)


def test_nested_figures_cannot_leave_a_stray_closing_tag() -> None:
    """Cutting "<figure>...</figure>" lazily took the outer figure's start to the inner one's end."""
    cleaned = sanitize_html(
        '<figure><table><tr><td><figure><img src="https://ok.test/a.jpg" alt="A"></figure>'
        "</td></tr></table>caption</figure><p>after</p>"
    )
    rest, _ = remove_image(cleaned, "https://ok.test/a.jpg")
    assert "a.jpg" not in rest
    assert not embedding_problems(rest), rest


def test_wordpress_footer_inside_a_cell_is_not_cut_across_the_table() -> None:
    fragment = (
        "<table><tr><td><p>The post starts here</p></td></tr></table><p>x first appeared on y</p>"
    )
    cleaned = sanitize_html(fragment)
    assert not embedding_problems(cleaned), cleaned
    footer = sanitize_html(
        '<p>Body.</p><p>The post <a href="https://x.test/">X</a> first appeared on <a href="https://x.test/">Y</a>.</p>'
    )
    assert footer == "<p>Body.</p>"


@pytest.mark.parametrize(
    "fragment",
    [
        "<p><marquee></p>x",
        "<a><applet><a>x</a></applet></a>",
        "<p><applet><table><tr><td>x",
        "<a><table><a></a>",  # a link the table keeps inside a link: split on the next parse
        "<li><table><li></li></table></li>",  # the same for a list item
    ],
)
def test_unwrapping_leaves_html_that_parses_the_same_again(fragment: str) -> None:
    assert_safe(fragment)


def test_unicode_digit_sizes_do_not_crash() -> None:
    """str.isdigit() accepts "²", which int() rejects: the size check used to raise."""
    assert (
        sanitize_html('<img src="https://ok.test/a.png" alt="A" width="²" height="5">')
        == '<img src="https://ok.test/a.png" alt="A" height="5">'
    )
    assert sanitize_html('<img src="https://ok.test/a.png" width="00" height="50">') == ""


def test_images_from_mailto_are_dropped_but_mail_links_stay() -> None:
    assert sanitize_html('<img src="mailto:a@ok.test">') == ""
    assert (
        sanitize_html('<a href="mailto:a@ok.test">mail</a>')
        == '<a href="mailto:a@ok.test">mail</a>'
    )


PAYLOADS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=http://xss.test/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="http://xss.test/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=http://xss.test/xss.js?< B >",
    "<iframe src=http://xss.test/scriptlet.html <",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\"><IMG LOWSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<svg/onload=alert('XSS')>",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TD BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">x</DIV>",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">x</DIV>",
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.test/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+" type="image/svg+xml">',
    '<a href="&#1;javascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="  JaVaScRiPt:alert(1)">x</a>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    "<table><tr><td>a</td></tr></table></td></tr></table><script>alert(1)</script>",
    "</td></tr></table><table><tr><td>",
    "<p>ok</p><caption>cap</caption><tr><td>stray</td>",
    '<img src="https://pixel.test/t.gif" width="1" height="1">',
    '<img src="https://pixel.test/t.gif" width="0" height="100">',
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<div style="x:\\65xpression(alert(1))">x</div>',
    "<xmp><script>alert(1)</script></xmp>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '"><script>alert(1)</script>',
    '<a href="https://ok.test/" target=_blank rel=opener onclick=alert(1)>ok</a>',
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("base", [None, "https://base.test/news/item"])
def test_classic_payload_comes_out_safe(payload: str, base: str | None) -> None:
    assert_safe(payload, base)
    assert not text_problems(plain_text(payload)), plain_text(payload)


def test_hostile_description_loses_script_but_keeps_text() -> None:
    cleaned = sanitize_html('<p onclick="steal()">Kept <script>alert(1)</script>text</p>')
    assert cleaned == "<p>Kept text</p>"


# Titles: plain text, one line.

TITLE_PIECES = [
    "AT&T", "&amp;", "&amp;amp;", "&lt;b&gt;", "&lt;script&gt;x&lt;/script&gt;", "&#60;i&#62;", "&#x3C;",
    "&nbsp;", "&eacute;", "<b>", "</b>", "<br>", "<script>alert(1)</script>", "<!-- c -->", "<", ">",
    "\r", "\n", "\u2028", "\u2029", "\x85", "\x00", "\x1b[31m", "\t", "\u202e", " ", "word", "Tromsø",
]  # fmt: skip


@SETTINGS
@given(st.lists(st.sampled_from(TITLE_PIECES) | st.text(max_size=5), max_size=12).map("".join))
def test_titles_are_one_clean_line(fragment: str) -> None:
    text = plain_text(fragment)
    assert not text_problems(text), (fragment, text, text_problems(text))


PRINTABLE = st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="&<")


@SETTINGS
@given(st.text(alphabet=PRINTABLE))
def test_entities_are_decoded_exactly_once(text: str) -> None:
    """Text escaped once comes back as it was, with its spaces collapsed."""
    assert plain_text(html.escape(text, quote=False)) == " ".join(text.split())


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("AT&amp;T", "AT&T"),
        ("&amp;amp;", "&"),
        ("R&amp;amp;D", "R&D"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Safe", "Safe"),
        ("<b>Bold</b> claim", "Bold claim"),
        ("Line\nbreak\r\nand\u2028separators\u2029and\x85NEL", "Line break and separators and NEL"),
        ("Escape \x1b[31mred", "Escape [31mred"),
        ("1 &lt; 2", "1 < 2"),
        ("<p>First.</p><p>Second.</p>", "First. Second."),
    ],
)
def test_title_examples(fragment: str, expected: str) -> None:
    assert plain_text(fragment) == expected


# Lazy-loaded images: the URL a loader would put in src passes the same rules as any src.

LAZY_ATTRIBUTES = ["data-src", "data-lazy-src", "data-srcset", "data-lazy-srcset", "srcset", "data-original"]
PLACEHOLDERS = ["data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==", "/1x1.trans.gif", "", "x.jpg"]


@st.composite
def lazy_image(draw: st.DrawFn) -> str:
    lazy = "".join(
        f" {draw(st.sampled_from(LAZY_ATTRIBUTES))}={draw(quoted(draw(st.sampled_from(SCHEMES)) + draw(st.sampled_from(['x.png', 'alert(1)', 'a.jpg 300w, b.jpg 1024w']))))}"
        for _ in range(draw(st.integers(1, 3)))
    )
    src = draw(st.sampled_from(PLACEHOLDERS))
    return f'<img src="{src}"{lazy}{"".join(draw(st.lists(attribute(), max_size=3)))}>'


@SETTINGS
@given(st.lists(lazy_image() | HOSTILE_HTML, min_size=1, max_size=4).map("".join), BASES)
def test_lazy_images_come_out_as_safe_as_any_image(fragment: str, base: str | None) -> None:
    assert_safe(fragment, base)  # among the rules: every src an absolute http(s) URL


@SETTINGS
@given(st.lists(st.sampled_from([*TITLE_PIECES, "&lt;news&gt;", "<news>", "&amp;lt;Oslo&amp;gt;"]) | st.text(max_size=5), max_size=12).map("".join))
def test_title_text_keeps_words_in_brackets_but_never_an_html_element(fragment: str) -> None:
    text = title_text(fragment)
    problems_left = [p for p in text_problems(text) if p != "markup"]
    assert not problems_left, (fragment, text, problems_left)
    for tag in lxml.html.fragment_fromstring(f"<div>{text}</div>").iter():
        if isinstance(tag.tag, str):  # "<!" reads back as a comment, which is no element
            assert tag.tag == "div" or tag.tag.lower() not in html_elements(), (fragment, text)


@pytest.mark.parametrize(
    "fragment",
    ["&#1;<b>Kept</b>", "<p>a&#x0B;b&#12;c</p>", "x&#xFFFE;y", '<img src="https://img.test/a.jpg" alt="&#1;">',
     '<a href="https://ok.test/&#2;">link</a>'],
)  # fmt: skip
def test_character_references_cannot_bring_back_what_xml_cannot_hold(fragment: str) -> None:
    """The issue feed (RSS, XML) carries this HTML, and lxml refuses a control character."""
    cleaned = sanitize_html(fragment)
    assert not any((ord(c) < 32 and c not in "\t\n\r") or c in "\ufffe\uffff" for c in cleaned)
    assert sanitize_html(cleaned) == cleaned


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<p>See <a href="javascript:alert(1)">this</a>.</p>', "<p>See this.</p>"),
        ('<a name="more">Read <b>on</b></a> or <a href="https://x.test/">go</a>', 'Read <b>on</b> or <a href="https://x.test/">go</a>'),
        ('<p><a href="relative/page">no base</a></p>', "<p>no base</p>"),
        ('<img src="https://x.test/a.png">', '<img alt="" src="https://x.test/a.png">'),
    ],
)
def test_a_link_to_nowhere_is_text_and_an_image_without_alt_is_decorative(fragment: str, expected: str) -> None:
    """What digest check calls an error in an email (a link without a target, an image
    without alt) never comes out of the sanitiser, whatever the feed wrote."""
    assert assert_safe(fragment) == expected
