"""CSS in a built email that major mail clients do not support, judged by caniemail.com's data.

A browser preview shows none of this: Outlook on Windows renders with Word and
Gmail rewrites styles, so CSS that looks fine in the preview can vanish in the
inboxes most subscribers use. The support tables are caniemail.com's, shipped in
digest/data/caniemail-css.json (see digest/data/README.md) and refreshed with
scripts/update_caniemail.py, not a hand-kept list that goes stale.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Literal

import cssutils
import lxml.etree
import lxml.html

Severity = Literal["error", "warning"]

DATA_FILE = "caniemail-css.json"

# Features MJML's own output (and the sample templates' progressive enhancements)
# rely on. Each degrades gracefully where unsupported, so a finding would show up
# on every issue and teach readers to ignore the check.
ALLOWED: dict[str, str] = {
    # MJML's responsive column widths. Without media queries a client keeps the
    # desktop layout; Outlook (Windows) gets fixed-width tables from MJML's
    # conditional comments instead.
    "css-at-media": "MJML responsive layout",
    # Dark-mode colours (templates/email.mjml.j2): without it the light design shows.
    "css-at-media-prefers-color-scheme": "optional dark mode",
    # MJML's web-font import (mj-font, or its default Ubuntu); without it the
    # fallback fonts of the font-family are used.
    "css-at-import": "MJML web fonts",
    # MJML writes border-spacing:0 next to cellspacing="0", which Outlook honours.
    "css-border-spacing": "MJML table reset",
    # mj-button's rounded corners; Outlook (Windows) draws them square.
    "css-border-radius": "MJML button corners",
    # mj-button's cursor:auto, which is the default anyway.
    "css-cursor": "MJML button reset",
    # Yahoo turns height into min-height: the same for MJML's image and spacer heights.
    "css-height": "MJML image and spacer heights",
    # MJML's reset `img { outline: none }` only removes focus outlines.
    "css-outline": "MJML image reset",
    # MJML's `table.mj-full-width-mobile` in a phone-only media query; where
    # ignored, images keep their set width, as on desktop.
    "css-selector-chaining": "MJML full-width images on phones",
    # MJML's word-break:break-word on text cells; where ignored, long words and
    # URLs are merely not force-wrapped.
    "css-word-break": "MJML text cells",
    # MJML's word-spacing:normal on <body>, which is the default anyway.
    "css-word-spacing": "MJML body reset",
    # The link resets of templates/email.mjml.j2 (a `digest check` rule asks for them): Apple's
    # a[x-apple-data-detectors] and Gmail's `u + #body a`. A client that cannot read the selector
    # makes no such links either, so nothing is lost.
    "css-selector-attribute": "Apple Mail's data-detector link reset",
    "css-selector-adjacent-sibling": "Gmail's data-detector link reset",
    # :root { color-scheme: light dark } beside the dark-mode rules: Apple Mail then keeps the
    # design's own dark colours; elsewhere the light design shows, or the client darkens it.
    "css-color-scheme": "declared colour schemes for dark mode",
}

# Pseudo-elements that CSS 2 wrote with one colon, still common in email CSS.
_LEGACY_PSEUDO_ELEMENTS = {"after", "before", "first-letter", "first-line"}
_QUOTED_OR_URL = re.compile(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|url\([^)]*\)", re.IGNORECASE)
_FUNCTION = re.compile(r"(-?[a-zA-Z_][\w-]*)\(")
_DIMENSION = re.compile(r"(?<![\w#.-])[+-]?(?:\d+\.?\d*|\.\d+)(%|[a-zA-Z]+)")
_IDENTIFIER = re.compile(r"(?<![\w#.-])-?[a-zA-Z_][\w-]*")
_MEDIA_FEATURE = re.compile(r"\(\s*(-?[a-zA-Z][\w-]*)")
_PSEUDO = re.compile(r"(::?)(-?[a-zA-Z][\w-]*)")
_SIMPLE_SELECTOR = re.compile(r"^\*|^-?[a-zA-Z][\w-]*|\.-?[\w-]+|#-?[\w-]+|\[\]")


@dataclass(frozen=True)
class CssFinding:
    """One CSS feature in an email that at least one major client family drops."""

    feature: str  # caniemail's slug, e.g. "css-display-flex"
    clients: tuple[str, ...]  # e.g. ("Outlook (Windows)", "Gmail")
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


@dataclass(frozen=True)
class _Support:
    """The data file, indexed for lookups while walking a stylesheet."""

    titles: dict[str, str]
    unsupported: dict[str, frozenset[str]]  # slug -> client ids ("gmail.android") marked "n"
    families: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # name, ((client id, label), ...)
    index: dict[tuple[str, str], tuple[str, ...]]  # ("property", "display") -> slugs
    values: dict[str, frozenset[str]]  # slug -> the value identifiers it needs, if any
    clients: frozenset[str]  # every client id the data covers


@cache
def _raw() -> dict[str, Any]:
    """The JSON, read once per process from the installed package's data folder."""
    raw: dict[str, Any] = json.loads(
        files("digest.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    )
    return raw


@cache
def _support() -> _Support:
    """The JSON indexed by what each feature matches."""
    raw = _raw()
    families = tuple(
        (
            family["name"],
            tuple(
                (f"{family['family']}.{platform}", label) for platform, label in family["platforms"]
            ),
        )
        for family in raw["clients"]
    )
    index: dict[tuple[str, str], list[str]] = {}
    titles: dict[str, str] = {}
    unsupported: dict[str, frozenset[str]] = {}
    values: dict[str, frozenset[str]] = {}
    kinds = {
        "properties": "property",
        "at_rules": "at_rule",
        "media_features": "media_feature",
        "selectors": "selector",
        "functions": "function",
        "units": "unit",
        "keywords": "keyword",
    }
    for slug, feature in raw["features"].items():
        titles[slug] = feature["title"]
        unsupported[slug] = frozenset(
            f"{family}.{platform}"
            for family, platforms in feature["support"].items()
            for platform, letter in platforms.items()
            if letter == "n"
        )
        match = feature["match"]
        if match.get("values"):
            values[slug] = frozenset(match["values"])
        for key, kind in kinds.items():
            for name in match.get(key, ()):
                index.setdefault((kind, name), []).append(slug)
    return _Support(
        titles=titles,
        unsupported=unsupported,
        families=families,
        index={key: tuple(slugs) for key, slugs in index.items()},
        values=values,
        clients=frozenset(client for _, members in families for client, _ in members),
    )


def data_header() -> dict[str, Any]:
    """Where the support data came from (package, version, licence, date), for reports."""
    return dict(_raw()["header"])


class _Uses:
    """Which features the CSS uses, and which clients get to see each use."""

    def __init__(self, support: _Support) -> None:
        self.support = support
        self.seen: dict[str, set[str]] = {}

    def add(self, kind: str, name: str, hidden: frozenset[str], words: Iterable[str] = ()) -> None:
        """Record a use; features that need a value (display:flex) only if it is there."""
        slugs = self.support.index.get((kind, name.lower()), ())
        if not slugs:
            return
        present = {word.lower() for word in words}
        for slug in slugs:
            needed = self.support.values.get(slug)
            if needed is not None and not needed & present:
                continue
            self.seen.setdefault(slug, set()).update(self.support.clients - hidden)

    def hidden_by(self, slugs: Iterable[str]) -> frozenset[str]:
        """Clients that drop an at-rule never see what is inside it."""
        return frozenset().union(
            *(self.support.unsupported.get(slug, frozenset()) for slug in slugs)
        )


@contextmanager
def _quiet_cssutils() -> Iterator[None]:
    """cssutils logs every unknown at-rule and mso- quirk; email CSS is full of them."""
    logger = logging.getLogger("CSSUTILS")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _no_fetch(url: str) -> tuple[None, str]:
    """Never fetch @import targets: the check reads the email, not the network."""
    return None, ""


def _parser() -> Any:
    return cssutils.CSSParser(validate=False, fetcher=_no_fetch, parseComments=True)


def _declarations(style: Any, uses: _Uses, hidden: frozenset[str], *, inline: bool) -> None:
    properties = list(style.getProperties(all=True))
    if inline and any(
        p.name == "display" and p.value.strip().lower() == "none" for p in properties
    ):
        # A hidden element's other declarations (opacity:0, max-height:0 in MJML's
        # preheader) are fallbacks for hiding it, not styling anyone sees.
        properties = [p for p in properties if p.name == "display"]
    for prop in properties:
        name = prop.name.lower()
        value = _QUOTED_OR_URL.sub(" ", prop.value or "")
        identifiers = _IDENTIFIER.findall(value)
        if name.startswith("--"):
            uses.add("keyword", "--", hidden)
        else:
            uses.add("property", name, hidden, identifiers)
        if prop.priority:
            uses.add("keyword", "!important", hidden)
        for function in _FUNCTION.findall(value):
            uses.add("function", function, hidden)
        for unit in _DIMENSION.findall(value):
            uses.add("unit", unit, hidden)
        for identifier in identifiers:
            uses.add("keyword", identifier, hidden)


def _selectors(text: str) -> set[str]:
    """Pseudo-classes (":hover"), pseudo-elements ("::before") and selector kinds
    ("child", "attribute", "chaining", ...) as caniemail names them."""
    found: set[str] = set()
    text = re.sub(r"\"[^\"]*\"|'[^']*'", "", text)
    if "[" in text:
        found.add("attribute")
    text = re.sub(r"\[[^\]]*\]", "[]", text)
    for colons, name in _PSEUDO.findall(text):
        name = name.lower()
        found.add(("::" if colons == "::" or name in _LEGACY_PSEUDO_ELEMENTS else ":") + name)
    while (stripped := re.sub(r"\([^()]*\)", "", text)) != text:
        text = stripped  # arguments of :not(), :nth-child(2n+1) are not combinators
    groups = [group.strip() for group in text.split(",") if group.strip()]
    if len(groups) > 1:
        found.add("grouping")
    for group in groups:
        for symbol, kind in ((">", "child"), ("+", "adjacent-sibling"), ("~", "general-sibling")):
            if symbol in group:
                found.add(kind)
        if re.search(r"[^\s>+~]\s+(?=[^\s>+~])", group):
            found.add("descendant")
        for compound in re.split(r"\s*[>+~]\s*|\s+", group):
            simple = _SIMPLE_SELECTOR.findall(_PSEUDO.sub("", compound))
            for part in simple:
                kind = {"*": "universal", ".": "class", "#": "id", "[": "attribute"}.get(
                    part[0], "type"
                )
                found.add(kind)
            if len(simple) > 1:
                found.add("chaining")
    return found


def _rules(rules: Iterable[Any], uses: _Uses, hidden: frozenset[str]) -> None:
    for rule in rules:
        if rule.type == rule.COMMENT:
            uses.add("keyword", "/*", hidden)
        elif rule.type == rule.STYLE_RULE:
            for selector in _selectors(rule.selectorText):
                uses.add("selector", selector, hidden)
            _declarations(rule.style, uses, hidden, inline=False)
        elif rule.type == rule.MEDIA_RULE:
            uses.add("at_rule", "media", hidden)
            features = [name.lower() for name in _MEDIA_FEATURE.findall(rule.media.mediaText)]
            for feature in features:
                uses.add("media_feature", feature, hidden)
            enclosing = ["css-at-media"]
            for feature in features:
                enclosing.extend(uses.support.index.get(("media_feature", feature), ()))
            _rules(rule.cssRules, uses, hidden | uses.hidden_by(enclosing))
        elif rule.type == rule.IMPORT_RULE:
            uses.add("at_rule", "import", hidden)
        elif rule.type == rule.FONT_FACE_RULE:
            uses.add("at_rule", "font-face", hidden)  # its descriptors are not properties
        elif rule.type == rule.UNKNOWN_RULE and rule.atkeyword:
            name = re.sub(r"^@(-(webkit|moz|ms|o)-)?", "", rule.atkeyword.lower())
            uses.add("at_rule", name, hidden)  # @supports, @keyframes: body not parsed


def _labels(clients: set[str], support: _Support) -> tuple[str, ...]:
    """Client names for a message: "Gmail" when all its apps drop it, else "Gmail (Android)"."""
    labels: list[str] = []
    for name, members in support.families:
        affected = [(client, label) for client, label in members if client in clients]
        if affected and len(affected) == len(members):
            labels.append(name)
        else:
            labels.extend(
                label if label.startswith(name) else f"{name} ({label})" for _, label in affected
            )
    return tuple(labels)


def unsupported_css(html: str) -> list[CssFinding]:
    """One warning per CSS feature in the email's <style> blocks and style="" attributes
    that a major client family does not support, naming those clients.

    CSS inside a media query is not held against clients that ignore the media
    query, and features in ALLOWED are never reported.
    """
    if not html.strip():
        return []
    support = _support()
    uses = _Uses(support)
    document = lxml.html.document_fromstring(html)
    parser = _parser()
    nobody: frozenset[str] = frozenset()
    seen_styles: set[str] = set()  # MJML repeats the same style="" hundreds of times: parse each once
    with _quiet_cssutils():
        for element in document.iter(lxml.etree.Element):
            if element.tag == "style":
                sheet = parser.parseString("".join(element.itertext()))
                _rules(sheet.cssRules, uses, nobody)
            if (attribute := element.get("style")) and attribute not in seen_styles:
                seen_styles.add(attribute)
                _declarations(parser.parseStyle(attribute), uses, nobody, inline=True)
    findings: list[CssFinding] = []
    for slug in sorted(uses.seen):
        affected = uses.seen[slug] & support.unsupported[slug]
        if slug in ALLOWED or not affected:
            continue
        clients = _labels(affected, support)
        title = support.titles[slug]
        subject = title if title.lower().startswith("css ") else f"CSS {title}"
        message = f"{subject} is not supported by {', '.join(clients)}"
        findings.append(CssFinding(slug, clients, "warning", message))
    return findings
