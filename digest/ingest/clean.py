"""Make feed and entry HTML safe for email, and turn HTML into the plain text of titles and summaries.

nh3 (Rust's ammonia) does the sanitising, with an allowlist that fits email
clients: no scripts, styles, forms, frames or event handlers, and only http(s)
and mailto links. URLs are made absolute while sanitising, since an email has
no base URL to resolve them against.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

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

_WORDPRESS_FOOTER_HTML = re.compile(
    r"<p>\s*The post\s.{0,2000}?\sfirst appeared on\s.{0,2000}?</p>\s*$", re.DOTALL | re.IGNORECASE
)
_WORDPRESS_FOOTER_TEXT = re.compile(
    r"\s*The post\s.{0,2000}?\sfirst appeared on\s.{0,500}?\.?\s*$", re.DOTALL | re.IGNORECASE
)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_FIGURE = re.compile(r"<figure>.*?</figure>", re.DOTALL)
_FIGCAPTION = re.compile(r"<figcaption>(.*?)</figcaption>", re.DOTALL)
_EMPTY_WRAPPER = re.compile(r"<(p|a|div|span)>\s*</\1>|<a href=\"[^\"]*\">\s*</a>")
_ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')
_SPACES = re.compile(r"\s+")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_READ_MORE = re.compile(r"\s*(\[(…|\.\.\.|&hellip;)\]|(…|\.\.\.)\s*$)")


def absolute_url(url: str, base: str | None) -> str | None:
    """`url` resolved against `base`, or None unless it is an http(s) or mailto URL."""
    url = url.strip()
    if not url:
        return None
    if any(ch in url for ch in "\r\n\t\x00"):
        url = re.sub(r"[\r\n\t\x00]", "", url)
    resolved = urljoin(base, url) if base else url
    parts = urlsplit(resolved)
    if parts.scheme == "mailto":
        return resolved
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return resolved


def _attribute_filter(base: str | None) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src"):
            return absolute_url(value, base)
        if attribute in ("width", "height"):
            return value if value.isdigit() else None
        return value

    return keep


def _is_tracking_pixel(tag: str) -> bool:
    attributes = dict(_ATTRIBUTE.findall(tag))
    width, height = attributes.get("width"), attributes.get("height")
    if width is not None and height is not None and int(width) <= 1 and int(height) <= 1:
        return True
    if "0" in (width, height):
        return True
    host = urlsplit(html.unescape(attributes.get("src", ""))).hostname or ""
    return not attributes.get("src") or host.endswith(TRACKER_HOSTS)


def sanitize_html(fragment: str, base: str | None = None) -> str:
    """Email-safe HTML: allowlisted tags, absolute http(s) URLs, no tracking pixels or WordPress footer."""
    if not fragment or not fragment.strip():
        return ""
    cleaned = nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags=DROPPED_WITH_CONTENT,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel=None,
        attribute_filter=_attribute_filter(base),
    )
    cleaned = _IMG_TAG.sub(lambda m: "" if _is_tracking_pixel(m.group(0)) else m.group(0), cleaned)
    return _WORDPRESS_FOOTER_HTML.sub("", cleaned).strip()


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment or an entity-encoded title: tags gone, entities decoded, one line."""
    if not fragment:
        return ""
    if "<" in fragment:
        fragment = nh3.clean(fragment, tags=set(), clean_content_tags=DROPPED_WITH_CONTENT)
    text = html.unescape(fragment)
    if _ENTITY.search(text):  # double-encoded feeds ("&amp;amp;") are common; decode once more
        text = html.unescape(text)
    return _SPACES.sub(" ", text).strip()


def summarize(text: str, limit: int = 320) -> str:
    """A plain-text summary of at most `limit` characters, cut at a word, without WordPress's footer."""
    text = _WORDPRESS_FOOTER_TEXT.sub("", text)
    text = _READ_MORE.sub("", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return cut + "…"


@dataclass(frozen=True)
class FoundImage:
    """An <img> found in sanitised HTML."""

    src: str
    alt: str
    width: int | None
    height: int | None


def first_image(fragment: str) -> FoundImage | None:
    """The first image in sanitised HTML, for entries whose feed names no image."""
    match = _IMG_TAG.search(fragment)
    if not match:
        return None
    attributes = {name: html.unescape(value) for name, value in _ATTRIBUTE.findall(match.group(0))}
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


def remove_image(fragment: str, src: str) -> tuple[str, str]:
    """(fragment without the image, the caption of its <figure>): it is shown as the lead image instead."""
    marker = f'src="{html.escape(src, quote=True)}"'
    for figure in _FIGURE.finditer(fragment):
        if marker in figure.group(0):
            caption = _FIGCAPTION.search(figure.group(0))
            rest = fragment[: figure.start()] + fragment[figure.end() :]
            return rest.strip(), plain_text(caption.group(1)) if caption else ""
    without = _IMG_TAG.sub(lambda m: "" if marker in m.group(0) else m.group(0), fragment, count=1)
    return _EMPTY_WRAPPER.sub("", without).strip(), ""
