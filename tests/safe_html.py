"""What "safe for email" means, checked by parsing HTML with lxml rather than by regular expressions.

Shared by the sanitiser's property tests and the feed corpus tests.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import lxml.html

FORBIDDEN_ELEMENTS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "select", "textarea", "svg", "math", "meta", "link", "base", "noscript",
    "template", "video", "audio", "source", "xmp", "plaintext", "noembed", "noframes",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "poster", "srcset", "xlink:href", "data", "lowsrc", "dynsrc"}  # fmt: skip
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TAG_LIKE = re.compile(r"<[!?/]?[A-Za-z]")
UNDECODED = re.compile(r"&(amp|lt|gt|quot|apos|nbsp|#[0-9]+|#[xX][0-9a-fA-F]+);")


def elements(fragment: str) -> list[lxml.html.HtmlElement]:
    """Every element of `fragment` as an HTML parser sees it (the wrapper <div> excluded)."""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    return [element for element in root.iter() if element is not root]


def problems(fragment: str) -> list[str]:
    """Why `fragment` is not safe for email; empty when it is."""
    found = []
    for element in elements(fragment):
        tag = element.tag if isinstance(element.tag, str) else "<comment>"
        if tag.lower() in FORBIDDEN_ELEMENTS or ":" in tag:
            found.append(f"forbidden element <{tag}>")
        if tag == "<comment>":
            found.append("comment")
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith("on"):
                found.append(f"event handler {name}= on <{tag}>")
            if name == "style":
                found.append(f"style attribute on <{tag}>")
            if name in URL_ATTRIBUTES and not _safe_url(value, images=name == "src"):
                found.append(f"{name}={value!r} on <{tag}>")
        if tag == "img" and _is_invisible(element):
            found.append(f"invisible image {dict(element.attrib)}")
    return found


def _safe_url(value: str, images: bool) -> bool:
    parts = urlsplit(value)
    if parts.scheme == "mailto" and not images:
        return True
    return parts.scheme in ("http", "https") and bool(parts.netloc) and value == value.strip()


def _is_invisible(image: lxml.html.HtmlElement) -> bool:
    sizes = [image.get(name) for name in ("width", "height")]
    numbers = [int(size) for size in sizes if size is not None and size.isdigit()]
    return 0 in numbers or (len(numbers) == 2 and max(numbers) <= 1)


def text_problems(text: str) -> list[str]:
    """Why `text` is not a clean one-line plain-text title or summary; empty when it is."""
    found = []
    if TAG_LIKE.search(text):
        found.append("markup")
    if UNDECODED.search(text):
        found.append("undecoded entity")
    if CONTROLS.search(text):
        found.append("control character or line break")
    if text != text.strip():
        found.append("leading or trailing space")
    return found
