"""Make feed and entry HTML safe for email, and turn HTML into the plain text of titles and summaries.

nh3 (Rust's ammonia) does the sanitising, with an allowlist that fits email
clients: no scripts, styles, forms, frames or event handlers, and only http(s)
and mailto links. URLs are made absolute while sanitising, since an email has
no base URL to resolve them against.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from urllib.parse import SplitResult, urljoin, urlsplit

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "li", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"lang", "dir"},
}
# Dropped with everything inside them, not just unwrapped: their text is not content.
DROPPED_WITH_CONTENT = {"script", "style", "noscript", "template", "iframe", "object", "embed",
                        "svg", "math", "form", "select", "textarea", "button", "title", "head"}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
TRACKER_HOSTS = (
    "feeds.feedburner.com",
    "pixel.wp.com",
    "stats.wordpress.com",
    "feedads.g.doubleclick.net",
)

# The footers WordPress's SEO plugins append to every item of a feed: Yoast's and Rank Math's
# default "The post %%POSTLINK%% appeared first on %%BLOGLINK%%.", the older "first appeared on",
# "This post … was first published on …" (Pelican's plugin: "… was first published in …"), and
# the RSS Footer plugin's "%%POSTLINK%% is a post from: %%BLOGLINK%%". In HTML it is a single
# top-level <p> at the very end whose post and site are both links: a story's own last
# paragraph that merely mentions a post has no such shape.
# Only the tail is searched (the patterns are lazy scans, slow on megabytes of hostile text),
# and never across another paragraph's tags, so what is cut is one whole element.
_FOOTER_TAIL = 4500
_SPACE = r"(?:\s|&nbsp;|&#160;|\xa0)"
_FIRST_SEEN = r"(?:first appeared|appeared first|was first published)\s(?:on|in)"
_LINK = r"<a\b[^<>]{0,2000}>(?:(?!</?(?:a|p)\b).){1,2000}?</a>"
_FOOTER_HTML = re.compile(
    rf"<p\b[^<>]{{0,200}}>{_SPACE}{{0,20}}(?:"
    rf"(?:The|This) post{_SPACE}+{_LINK}{_SPACE}+{_FIRST_SEEN}{_SPACE}+{_LINK}"
    rf"|{_LINK}{_SPACE}+is a post from:?{_SPACE}+{_LINK}"
    rf"){_SPACE}{{0,20}}\.?{_SPACE}{{0,20}}</p>\s{{0,20}}$",
    re.DOTALL | re.IGNORECASE,
)
# The same footers in plain text (a description without markup): the final sentence, only where
# it cannot be the story's own (see `_without_text_footer`). The text is one line, spaces collapsed.
_FOOTER_TEXT = re.compile(
    r"(?:^|(?<=\] )|(?<=[.!?…] ))(?:"
    rf"(?:The|This) post (?P<post>.{{1,300}}?) {_FIRST_SEEN} (?P<site>[^.!?]{{1,120}}?)"
    r"|(?P<post2>[^.!?]{1,300}?) is a post from:? (?P<site2>[^.!?]{1,120}?)"
    r")\.? ?$",
    re.IGNORECASE,
)
_AFTER_EXCERPT = re.compile(r"\[(?:…|\.\.\.|&hellip;)\] ?$")
# An <img> in nh3's output, where every tag name is in lower case and "<" begins only tags.
_SERIALISED_IMG = re.compile(r"<img\b[^>]*>")
# The innermost figure holding an image: no other <figure> opens inside the match, so in
# serialised (well-formed) HTML the first </figure> after it is its own, and cutting it out
# cannot leave a stray closing tag (a stray </td> would break the email's layout table).
_FIGURE = re.compile(r"<figure\b[^>]*>(?:(?!<figure\b).)*?</figure>", re.DOTALL)
_FIGCAPTION = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.DOTALL)
_EMPTY_WRAPPER = re.compile(r"<(p|a|div|span)>\s*</\1>|<a href=\"[^\"]*\">\s*</a>")
_ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')
_SPACES = re.compile(r"\s+")  # with str patterns, also NEL, U+2028/9 and the C0 separators
# Controls that are not spaces, and the bidi embeddings/overrides that can reorder a subject line.
_CONTROLS = re.compile(
    r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\ufffe\uffff\ud800-\udfff]"
)
# What XML cannot hold (the RSS of issues carries this HTML, and lxml refuses it) and HTML needs not.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
_TAG_LIKE = re.compile(r"<[!?/]?[A-Za-z]")
# Where a block ends, text runs on without a space once the tags are gone ("First.</p><p>Second").
_BLOCK_EDGE = re.compile(
    r"<(?=/?(?:p|div|br|li|dd|dt|h[1-6]|tr|td|th|blockquote|pre|table|figure|figcaption|hr)\b)",
    re.IGNORECASE,
)
_TAG_NAME = re.compile(r"<([A-Za-z][A-Za-z0-9:-]*)")
_KNOWN_TAGS = frozenset(ALLOWED_TAGS | DROPPED_WITH_CONTENT)  # kept or dropped: none unwrapped
_BAD_DIMENSION = re.compile(r'\s(?:width|height)="(?![0-9]{1,5}")[^"]*"')
_DECODING_ROUNDS = 4  # "&amp;amp;lt;b&amp;amp;gt;" is three levels deep; more is not a title
_READ_MORE = re.compile(r"\s*(\[(…|\.\.\.|&hellip;)\]|(…|\.\.\.)\s*$)")


_URL_BREAKS = re.compile(r"[\r\n\t\x00]")  # what a browser drops from a URL before reading it
# What urlsplit drops (tabs, line breaks) or takes apart in a host (brackets: IPv6).
_NOT_PLAIN_URL = re.compile(r"[\[\]\t\r\n]")


def web_url(url: str, base: str | None) -> str | None:
    """`url` resolved against `base`, or None unless it is an absolute http(s) URL (links, images)."""
    resolved = absolute_url(url, base)
    return None if resolved is None or resolved.startswith("mailto:") else resolved


def absolute_url(url: str, base: str | None) -> str | None:
    """`url` resolved against `base`, or None unless it is an http(s) or mailto URL."""
    url = url.strip()
    if not url:
        return None
    if not (url.isascii() and url.isprintable()):  # printable ASCII has neither: two scans saved
        if _URL_BREAKS.search(url):
            url = _URL_BREAKS.sub("", url)
        if _NOT_XML.search(url):
            return None
    if _plainly_absolute(url) and (not base or (base.isascii() and not _has_bracket(base))):
        return url  # what urljoin and urlsplit would give back, unchanged, without them
    resolved = urljoin(base, url) if base else url
    parts = urlsplit(resolved)
    if parts.scheme == "mailto":
        return resolved
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return resolved


def _has_bracket(url: str) -> bool:
    return "[" in url or "]" in url


def _plainly_absolute(url: str) -> bool:
    """An absolute http(s) URL that urljoin against any http(s) base, and urlsplit, give back
    as it is: ASCII (urlsplit's netloc check), a host, no brackets (IPv6, which urlsplit may
    refuse), no ";" (params), "#" or trailing "?" (which urlunparse would drop or move)."""
    if not url.startswith(("http://", "https://")) or not url.isascii():
        return False
    host_start = 7 if url[4] == ":" else 8
    if url[host_start : host_start + 1] in ("", "/", "?"):
        return False
    return (
        not _has_bracket(url)
        and ";" not in url
        and "#" not in url
        and (url.count("?") == 0 or (url.count("?") == 1 and not url.endswith("?")))
    )


def _is_tracking_pixel(width: int | None, height: int | None, src: str) -> bool:
    """Is an <img> of these dimensions (`_dimension`'s) and src, as nh3 wrote it, a tracking
    pixel, or no picture?"""
    if width is not None and height is not None and width <= 1 and height <= 1:
        return True
    if width == 0 or height == 0:
        return True
    if "&" in src:
        src = html.unescape(src)
    if not src.startswith(("http://", "https://")):  # a mailto: (or no) URL is nothing to show
        urlsplit(src)  # raises where it did when its host was read for every src
        return True
    # urlsplit's netloc (a feed's pictures share their site's, found without splitting again)
    return _is_tracker(_scheme_and_netloc(src)[1])


@lru_cache(maxsize=64)
def _is_tracker(netloc: str) -> bool:
    """Does the netloc name a tracker's host (as urlsplit reads the host out of it)?"""
    host = SplitResult("", netloc, "", "", "").hostname or ""
    return host.endswith(TRACKER_HOSTS)


def _dimension(value: str | None) -> int | None:
    """A plain number of one to five ASCII digits, else None."""
    if value is None or not 0 < len(value) <= 5 or not value.isascii() or not value.isdigit():
        return None
    return int(value)


_ALT = re.compile(r"\salt\s*=", re.IGNORECASE)


def _image(match: re.Match[str]) -> str:
    """An <img> as kept: tracking pixels gone, width and height only as plain numbers, and
    alt="" where the source gave none (decorative, so a screen reader skips it rather than
    reading out its URL)."""
    tag = match.group(0)
    attributes = dict(_ATTRIBUTE.findall(tag))
    width_text, height_text = attributes.get("width"), attributes.get("height")
    width, height = _dimension(width_text), _dimension(height_text)
    if _is_tracking_pixel(width, height, attributes.get("src", "")):
        return ""
    # _BAD_DIMENSION can match only at a width=" or height=": not when each is there only as
    # the attribute of its name, with a plain number.
    if (
        tag.count('width="') != (width_text is not None)
        or tag.count('height="') != (height_text is not None)
        or (width is None and width_text is not None)
        or (height is None and height_text is not None)
    ):
        tag = _BAD_DIMENSION.sub("", tag)
    elif "alt" in attributes:
        return tag  # the common case: as it came (its " alt=" is what _ALT finds)
    return tag if _ALT.search(tag) else tag[:4] + ' alt=""' + tag[4:]


# Lazy-loading themes and plugins (Jetpack, Smush, WP Rocket, lazysizes) put the image in
# data-src, data-lazy-src or a srcset and a placeholder in src: a data: URI or a 1x1 gif.
_RAW_IMG_TAG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*'){0,4000}>""", re.IGNORECASE)
_RAW_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_RAW_SRC = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']*))""", re.IGNORECASE)
_LAZY_SOURCES = ("data-lazy-src", "data-src", "data-original")
_LAZY_SRCSETS = ("data-lazy-srcset", "data-srcset", "srcset")
_PLACEHOLDER_NAME = re.compile(
    r"(?:1x1|blank|spacer|placeholder|lazy|trans(?:parent)?|pixel)[^/]*\.gif$"
)
_SRCSET_CANDIDATE = re.compile(r"\s*([^\s,]+)(?:\s+([0-9.]+)([wx]))?\s*(?:,|$)")


def _is_placeholder(src: str) -> bool:
    """A src that only holds the place of the image a script loads later."""
    src = src.strip().lower()
    return not src or src.startswith("data:") or bool(_PLACEHOLDER_NAME.search(src.split("?")[0]))


def _largest_in_srcset(srcset: str) -> str:
    """The srcset candidate with the largest width (or density); the first if none says."""
    best, best_size = "", -1.0
    for match in _SRCSET_CANDIDATE.finditer(srcset):
        url, size = match.group(1), float(match.group(2) or 0)
        if url and size > best_size:
            best, best_size = url, size
    return best


def _loaded_image(match: re.Match[str]) -> str:
    """A raw <img> as a browser shows it once the lazy loader ran: the real URL in src."""
    tag = match.group(0)
    src = _RAW_SRC.search(tag)
    if src and not _is_placeholder(html.unescape(next(v for v in src.groups() if v is not None))):
        return tag  # the common case, a real src (WordPress adds a srcset to every image)
    attributes = {
        name.lower(): html.unescape(next((v for v in values if v is not None), "") or "")
        for name, *values in _RAW_ATTRIBUTE.findall(tag[4:-1])
    }
    if not _is_placeholder(attributes.get("src", "")):
        return tag
    real = next(
        (attributes[name] for name in _LAZY_SOURCES if attributes.get(name, "").strip()), ""
    )
    for name in _LAZY_SRCSETS:
        if not real and attributes.get(name, "").strip():
            real = _largest_in_srcset(attributes[name])
    if not real or _is_placeholder(real):
        return tag
    kept = {
        name: value
        for name, value in attributes.items()
        if name in ("alt", "title", "width", "height")
        and not (name in ("width", "height") and value == "1")
    }
    kept["src"] = real
    return "<img" + "".join(f' {name}="{html.escape(value)}"' for name, value in kept.items()) + ">"


def _with_lazy_images_loaded(fragment: str) -> str:
    # One scan for what every lazy loader writes; an image with a real src is left as it was.
    if "data-" not in fragment and "srcset" not in fragment:
        return fragment
    return _RAW_IMG_TAG.sub(_loaded_image, fragment)


def sanitize_html(fragment: str, base: str | None = None, *, from_xml: bool = False) -> str:
    """Email-safe HTML: allowlisted tags, absolute http(s) URLs, no tracking pixels or WordPress footer.

    `from_xml`: the fragment is text an XML parser gave (the fast reader's), which cannot hold
    a character XML forbids, so the scan that removes them is skipped (a tenth of the time)."""
    if not fragment or not fragment.strip():
        return ""
    if not from_xml:
        fragment = _NOT_XML.sub("", fragment)
    fragment = _with_lazy_images_loaded(fragment)
    cleaner, cleaned = _cleaned(fragment, base)
    if "&#" in fragment:  # a character reference can spell what the raw text had removed: "&#1;"
        cleaned = _NOT_XML.sub("", cleaned)
    names = set(_TAG_NAME.findall(fragment))  # in lower case as a rule: lowered only if need be
    unwrapped = not names <= _KNOWN_TAGS and bool({name.lower() for name in names} - _KNOWN_TAGS)
    marks = _MARKS.findall(cleaned)
    if "img" in marks:
        cleaned = _SERIALISED_IMG.sub(_image, cleaned)
    if "a>" in marks:  # a bare <a>, which goes: count the links of what is left
        cleaned = _without_empty_links(cleaned)
        marks = _MARKS.findall(cleaned)
    settle = unwrapped or "pre" in marks or "table" in marks or _link_in_link(marks)
    for _ in range(2 if settle else 0):
        # Unwrapping a disallowed element can leave a tree no parser builds ("<p><marquee><p>"
        # becomes a <p> in a <p>), which the next parse reshapes: settle it now, not in the client.
        # So can a comment or a pixel gone from a <pre>: the line break after it now opens the
        # <pre>, and a parser drops that one. And a table keeps what it holds apart from the
        # element around it ("<li><table><li>"), which the next parse takes out of the table.
        settled = cleaner.clean(cleaned)
        if settled == cleaned:
            break
        cleaned = settled
    return without_footer(cleaned).strip()


_LINK_TAG = re.compile(r"<(/?)a[\s>]", re.IGNORECASE)
# What the steps after nh3 look for in its output (well formed, tag names in lower case), in
# one scan: "a " or "a>" (an opening <a>, bare or not), "/a>", "img", "pre", "table".
_MARKS = re.compile(r"<(/?a[\s>]|img\b|pre\b|table\b)")


def _link_in_link(marks: list[str]) -> bool:
    """A link inside a link: a tree a parser builds ("<a><table><a>" keeps the table's link inside
    the first), but one that the next parse splits in two; nh3's output is well formed, so a
    depth count over its <a> tags (`marks`, of _MARKS) tells."""
    depth = 0
    for mark in marks:
        if mark[0] == "a":
            depth += 1
            if depth > 1:  # only an opening tag can take it above 1
                return True
        elif mark[0] == "/":
            depth -= 1
    return False


def _without_empty_links(html: str) -> str:
    """Links that lost their target (a javascript: or relative URL with no base, an <a name>
    anchor) unwrapped to their text: a link that goes nowhere is no link to a reader."""
    if "<a>" not in html:
        return html
    kept: list[str] = []
    position = 0
    bare: list[bool] = []  # for each open <a>, whether it has no attributes
    for match in _LINK_TAG.finditer(html):
        start = match.start()
        if match.group(1):  # </a>
            if bare and bare.pop():
                kept.append(html[position:start])
                position = html.index(">", start) + 1
            continue
        bare.append(html.startswith("<a>", start))
        if bare[-1]:
            kept.append(html[position:start])
            position = start + 3
    kept.append(html[position:])
    return "".join(kept)


# The base of a body is split twice (is it a web URL? which site?): once is enough.
_split = lru_cache(maxsize=8)(urlsplit)


def _scheme_and_netloc(url: str) -> tuple[str, str]:
    """urlsplit(url)'s scheme and netloc; of a plainly absolute URL without tab or line break
    (which urlsplit would drop), the text up to the path or query, without urlsplit (each body
    has a base of its own: 10,000 splits of a large feed; tests/test_ingest_paths.py holds it).

    A feed's entries share their site: a URL that begins with the last such URL's
    "scheme://netloc/" has its scheme and netloc (urlsplit reads them from there alone)."""
    site, scheme, netloc = _last_site
    if site and url.startswith(site):
        return scheme, netloc
    if _plainly_absolute(url) and not _NOT_PLAIN_URL.search(url):
        host_start = 7 if url[4] == ":" else 8
        ends = [at for at in (url.find("/", host_start), url.find("?", host_start)) if at != -1]
        end = min(ends, default=len(url))
        scheme, netloc = url[: host_start - 3], url[host_start:end]
        if url.startswith("/", end):
            _last_site[:] = url[: end + 1], scheme, netloc
        return scheme, netloc
    parts = _split(url)
    return parts.scheme, parts.netloc


# The "scheme://netloc/", scheme and netloc of the last plainly absolute URL split with a path.
_last_site = ["", "", ""]


# A probe base for a site: "https://site/" and _PROBE_DEPTH directories named _PROBE. A URL
# that resolves against its site alone ("/path", "//host/path", absolute) comes out of it as
# out of the site's own root; any other (a path, "../x", "?query", "#anchor", "") keeps at least
# one "/_PROBE/" of it, as it would keep part of the entry's own base.
_PROBE = "digest-base-probe"
_PROBE_DEPTH = 32


def _cleaned(fragment: str, base: str | None) -> tuple[nh3.Cleaner, str]:
    """(the nh3 cleaner for a fragment, its output): relative URLs resolved against `base` if
    it is a web URL, or dropped without one.

    nh3 resolves URLs itself (Rust's url crate, WHATWG's rules). Preparing a cleaner costs
    nearly as much as cleaning a body, and each entry has a base of its own; but most bodies'
    URLs depend only on the site. So a body is cleaned against its site's probe base first:
    when no probe directory is left in the output, no URL used the base's path, and the output
    is what the entry's own base gives (a ".." pops a directory of either base, and the probe
    has more than the entry's, which is checked). Otherwise (a probe's name in the text itself
    included) it is cleaned again with its own.
    tests/test_sanitise.py holds the two equal."""
    scheme, netloc = _scheme_and_netloc(base) if base else ("", "")
    if not base or scheme not in ("http", "https") or not netloc:
        cleaner = _site_cleaner(None)
        return cleaner, cleaner.clean(fragment)
    if base.count("/") + base.count("\\") <= _PROBE_DEPTH:
        probe = _site_cleaner(f"{scheme}://{netloc}/" + f"{_PROBE}/" * _PROBE_DEPTH)
        cleaned = probe.clean(fragment)
        if f"/{_PROBE}/" not in cleaned:
            return probe, cleaned
    own = _new_cleaner(base)
    return own, own.clean(fragment)


def _new_cleaner(base: str | None) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags=DROPPED_WITH_CONTENT,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel=None,
        url_relative=("rewrite_with_base", base) if base else "deny",
    )


_site_cleaner = lru_cache(maxsize=64)(_new_cleaner)


# Plain text needs no per-entry setting, so one prepared cleaner serves every call
# (preparing nh3's configuration costs twice the cleaning of a summary).
_TEXT_CLEANER = nh3.Cleaner(tags=set(), clean_content_tags=DROPPED_WITH_CONTENT)


def without_footer(fragment: str) -> str:
    """HTML without the closing "The post … appeared first on …" paragraph of an SEO plugin.

    No part of a footer's match but its start can hold a `<p\\b` (its links' text may not), so
    only the tail's last "<p" can begin one: it is tried alone, found from the end, unless a
    word goes on after it ("<pre"), when an earlier one may (tests/test_ingest_paths.py holds
    the two equal)."""
    start = max(0, len(fragment) - _FOOTER_TAIL)
    last = fragment.rfind("<p", start)
    upper = fragment.rfind("<P", max(last, start))  # after the last "<p" only: a short search
    last = max(last, upper)
    if last == -1:
        return fragment
    if _is_word_character(fragment[last + 2 : last + 3]):
        return fragment[:start] + _FOOTER_HTML.sub("", fragment[start:])
    footer = _FOOTER_HTML.match(fragment, last)
    return fragment[:last] + fragment[footer.end() :] if footer else fragment


def _names_a_post(text: str, start: int) -> bool:
    """Does text[start:] say "post", as every footer's wording does? Three finds, no generator."""
    found = text.find("post", start) != -1 or text.find("Post", start) != -1
    return found or text.find("POST", start) != -1


def _same(first: str, second: str) -> bool:
    return bool(first) and first.casefold().strip(" .:") == second.casefold().strip(" .:")


def _without_text_footer(text: str, title: str, site: str) -> str:
    """`text` without a footer sentence that is surely one: it follows the excerpt's "[…]", or
    names the entry's own title or the feed's own site."""
    position = max(0, len(text) - _FOOTER_TAIL)
    if not _names_a_post(text, position):
        return text  # every wording names a post: most summaries need no regular expression
    # Each sentence that could begin a footer, leftmost first: "The post office closed. The post
    # X appeared first on Y." is a footer from its second sentence on.
    while match := _FOOTER_TEXT.search(text, position):
        post = match["post"] or match["post2"] or ""
        site_named = match["site"] or match["site2"] or ""
        before = text[: match.start()]
        if _AFTER_EXCERPT.search(before) or _same(post, title) or _same(site_named, site):
            return before.rstrip()
        position = match.start() + 1
    return text


def plain_text(fragment: str, *, from_xml: bool = False) -> str:
    """Text of an HTML fragment or an entity-encoded title: tags gone, entities decoded, one line.

    Double-encoded feeds ("&amp;amp;", "&lt;b&gt;") are common: as long as decoding leaves
    entities or tags, they are decoded and stripped again, so no markup ever reaches a title.
    `from_xml`: the fragment holds no character XML forbids, as an XML parser's text and
    sanitize_html's output do not (see `_has_control`).
    """
    return _text_of(fragment, keep_non_elements=False, from_xml=from_xml)


def title_text(fragment: str, *, from_xml: bool = False) -> str:
    """A feed title's text: as `plain_text`, but what only looks like a tag ("R&D <news>",
    "<Oslo>") is kept as the words it is; only real HTML elements ("<em>Nature</em>") go."""
    return _text_of(fragment, keep_non_elements=True, from_xml=from_xml)


def _has_control(text: str, from_xml: bool) -> bool:
    """Does the text hold one of _CONTROLS? Of them, XML allows only DEL below U+0080, so ASCII
    text without what XML forbids (`from_xml`) is searched for it alone, by a find: the
    pattern's scan was a quarter of a summary's time."""
    if from_xml and text.isascii():
        return "\x7f" in text
    return _CONTROLS.search(text) is not None


@cache
def html_elements() -> frozenset[str]:
    """HTML's elements, lxml's list and the few it lacks; a title's "<news>" names none of them.
    Made when a title first holds a tag: lxml.html is a tenth of the ingest's imports."""
    from lxml.html import defs as lxml_html_defs

    return frozenset(
        lxml_html_defs.tags
        | ALLOWED_TAGS
        | DROPPED_WITH_CONTENT
        | {"bdi", "data", "dialog", "frame", "image", "listing", "main", "menuitem", "nobr",
           "noembed", "noframes", "picture", "plaintext", "portal", "rb", "rtc", "search", "slot",
           "template", "xmp"}
    )  # fmt: skip


_TEXT_LT = "\ue000"  # stands for a "<" that is text while the rounds strip the tags
_TAG_START = re.compile(r"<(?=/?([A-Za-z][A-Za-z0-9-]*)(?:[\s/>]|$))")


def _keep_non_elements(text: str) -> str:
    """`text` with the "<" of every tag-like that names no HTML element set aside as text."""
    elements = html_elements()
    return _TAG_START.sub(lambda tag: "<" if tag.group(1).lower() in elements else _TEXT_LT, text)


def _text_of(fragment: str, *, keep_non_elements: bool, from_xml: bool = False) -> str:
    text = fragment or ""
    if "<" not in text and "&" not in text and not _has_control(text, from_xml):
        return _one_spaced(text)  # the common case: nothing to decode or strip
    if keep_non_elements and _TEXT_LT in text:
        text = text.replace(_TEXT_LT, "")  # only ours may stand for "<"
    simple = _simple_text(text, from_xml)
    if simple is not None:
        return simple
    for _ in range(_DECODING_ROUNDS):
        text = _CONTROLS.sub("", text)  # first: "<\u202eb>" must not become a tag later
        if "<" in text:
            if keep_non_elements:
                text = _keep_non_elements(text)
            text = _TEXT_CLEANER.clean(_BLOCK_EDGE.sub(" <", text))
        decoded = _ENTITY.sub(_decoded, text)
        settled = decoded == text or not (_ENTITY.search(decoded) or _TAG_LIKE.search(decoded))
        text = decoded
        if settled:
            break
    text = _CONTROLS.sub("", text)
    text = _TAG_LIKE.sub(_text_lt, text)  # only past the rounds
    return _one_spaced(text.replace(_TEXT_LT, "<"))


# The markup of most summaries ("<p>…[&hellip;]</p>"): tags without attributes whose text a
# parser leaves in order (no table, no raw text), so taking them out needs no parser.
_SIMPLE_TAG = re.compile(r"</?(?:p|br|b|i|em|strong)\s*/?>", re.IGNORECASE)


def _simple_text(fragment: str, from_xml: bool = False) -> str | None:
    """What _text_of gives, for a fragment whose every tag is a _SIMPLE_TAG and whose text,
    once decoded, has no tag or reference left (most summaries and titles); None for any
    other. Without nh3's parse and the rounds: half of a summary's time
    (tests/test_ingest_paths.py holds the two equal).

    With tags, each run of text between them is decoded as the parser decodes it
    (html.unescape follows HTML's rules and list; a run ends at a tag, so "&am<b>p;" is no
    "&amp;"), and numeric references go the long way: html.unescape drops some (a control)
    that the parser keeps. Without tags, only whole references are decoded, as on the long way."""
    if _TEXT_LT in fragment or _has_control(fragment, from_xml):
        return None
    if "<" in fragment:
        if "&#" in fragment:
            return None
        inner = fragment[3:-4]
        if fragment.startswith("<p>") and fragment.endswith("</p>") and "<" not in inner:
            # WordPress's excerpt, "<p>…</p>": the one run between the tags, spaced at both ends
            text = f" {_run_text(inner) if '&' in inner else inner} "
        else:
            runs = _SIMPLE_TAG.split(_BLOCK_EDGE.sub(" <", fragment))
            for run in runs:
                if "<" in run:
                    return None
            text = "".join([_run_text(run) if "&" in run else run for run in runs])
    else:
        text = _ENTITY.sub(_decoded, fragment)
        if text == fragment:  # nothing decoded: the rounds would settle at once on the same text
            return _one_spaced(text)
    if ("&" in text and _ENTITY.search(text)) or ("<" in text and _TAG_LIKE.search(text)):
        return None  # "&amp;lt;b&amp;gt;": encoded twice, decoded again by the rounds
    if "&#" in fragment:  # what a numeric reference may have made: a control, or our "<"
        if _TEXT_LT in text:
            return None
        text = _CONTROLS.sub("", text)
        if "<" in text:
            text = _TAG_LIKE.sub(_text_lt, text)
    return _one_spaced(text)


def _run_text(run: str) -> str:
    """html.unescape(run); WordPress's excerpt mark ("[&hellip;]"), in nearly every summary,
    by a replace when it is the run's only reference."""
    if run.count("&") == run.count("&hellip;"):
        return run.replace("&hellip;", "…")
    return html.unescape(run)


def _text_lt(tag: re.Match[str]) -> str:
    """A tag-like that stays text, its "<" shown as "‹" (no client then reads it as a tag)."""
    return tag.group(0).replace("<", "‹")


@lru_cache(maxsize=4096)  # bounded: a feed may hold any number of distinct references
def _unescaped(reference: str) -> str:
    return html.unescape(reference)


def _decoded(entity: re.Match[str]) -> str:
    return _unescaped(entity.group(0))


def one_line(text: str) -> str:
    """`text` without control characters, its whitespace (line breaks too) collapsed to single spaces."""
    return _one_spaced(_CONTROLS.sub("", text))


def _one_spaced(text: str) -> str:
    """`_SPACES.sub(" ", text).strip()`: str.split knows the same whitespace as \\s, and
    joining its words costs a fifth of substituting every space of a summary. Printable text
    has no whitespace but the space (Unicode's separators are not printable): without two in a
    row, only one at either end can go, and no split is needed."""
    if "  " not in text and text.isprintable():
        return text.strip(" ")
    return " ".join(text.split())


def summarize(text: str, limit: int = 320, *, title: str = "", site: str = "") -> str:
    """A plain-text summary of at most `limit` characters, cut at a word, without an SEO plugin's
    footer (told from a story's own last sentence by the entry's `title` and the feed's `site`)."""
    text = _without_text_footer(text, title, site)
    text = _without_read_more(text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return cut + "…"


def _without_read_more(text: str) -> str:
    """`_READ_MORE.sub("", text)`, tried only from where a match can begin: every match holds
    "…", "..." or "&hellip;", and begins at the whitespace before it (or its "["), so the
    words before the first of them, nearly all of a summary, are not scanned position by position."""
    found = [at for at in (text.find("…"), text.find("..."), text.find("&hellip;")) if at != -1]
    if not found:
        return text
    start = min(found)
    if start and text[start - 1] == "[":
        start -= 1
    while start and text[start - 1].isspace():
        start -= 1
    return text[:start] + _READ_MORE.sub("", text[start:])


@dataclass(frozen=True)
class FoundImage:
    """An <img> found in sanitised HTML."""

    src: str
    alt: str
    width: int | None
    height: int | None


def first_image(fragment: str) -> FoundImage | None:
    """The first image in sanitised HTML, for entries whose feed names no image."""
    match = _SERIALISED_IMG.search(fragment)
    if not match:
        return None
    attributes = {
        name: html.unescape(value) if "&" in value else value
        for name, value in _ATTRIBUTE.findall(match.group(0))
    }
    src = attributes.get("src")
    if not src:
        return None
    width, height = attributes.get("width", ""), attributes.get("height", "")
    return FoundImage(
        src,
        attributes.get("alt", ""),
        int(width) if width else None,
        int(height) if height else None,
    )


def _figures(fragment: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each match of _FIGURE in `fragment`, in order, found by str.find: the
    pattern's tempered dot tested every character of every body (tests/test_ingest_paths.py
    holds the two equal)."""
    position = 0
    while (start := fragment.find("<figure", position)) != -1:
        position = start + 1  # where the scan goes on when there is no match here
        if _is_word_character(fragment[start + 7 : start + 8]):
            continue  # "<figures": no word boundary after "<figure"
        tag_end = fragment.find(">", start + 7)
        close = fragment.find("</figure>", tag_end + 1) if tag_end != -1 else -1
        if close == -1:
            return  # no later "<figure" finds a ">" and a "</figure>" after it either
        if _figure_opens(fragment, tag_end + 1, close):
            continue  # the innermost figure is matched from its own "<figure"
        yield start, close + 9
        position = close + 9


def _is_word_character(character: str) -> bool:
    """Is it what the regular expressions' \\w matches (so no \\b before it)?"""
    return character.isalnum() or character == "_"


def _figure_opens(fragment: str, start: int, end: int) -> bool:
    """Does a "<figure" tag (with a word boundary after it) begin in fragment[start:end]?"""
    while (found := fragment.find("<figure", start, end)) != -1:
        if not _is_word_character(fragment[found + 7 : found + 8]):
            return True
        start = found + 1
    return False


def remove_image(fragment: str, src: str) -> tuple[str, str]:
    """(fragment without the image, the caption of its <figure>): it is shown as the lead image instead."""
    escaped = src.replace("&", "&amp;").replace('"', "&quot;").replace("\xa0", "&nbsp;")
    escaped = escaped.replace("<", "&lt;").replace(">", "&gt;")  # as nh3 serialises attributes
    marker = f'src="{escaped}"'
    for start, end in _figures(fragment):
        figure = fragment[start:end]
        if marker in figure:
            caption = _FIGCAPTION.search(figure)
            rest = fragment[:start] + fragment[end:]
            return rest.strip(), plain_text(caption.group(1), from_xml=True) if caption else ""
    without = _SERIALISED_IMG.sub(
        lambda m: "" if marker in m.group(0) else m.group(0), fragment, count=1
    )
    return _EMPTY_WRAPPER.sub("", without).strip(), ""
