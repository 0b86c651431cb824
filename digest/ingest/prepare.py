"""A feed's raw bytes -> a document a parser may read: decoded by fixed rules, no DOCTYPE.

The bytes come from servers nobody here controls, so they are prepared before any
parser sees them: decoded to UTF-8 by fixed rules, their DOCTYPE removed (feedparser
would expand the entities it declares, a billion laughs or a gigabyte-sized title) and
each reference to an entity it declared written as the text it is, never expanded,
and, for feedparser, refused when an element carries so many attributes that its
XML reader would take hours.
"""

from __future__ import annotations

import codecs
import re
from html.entities import name2codepoint

# Python's SAX reader looks each attribute up by a linear scan: time grows with the square of
# an element's attributes (20,000 of them: half a minute). Real feeds have a few dozen at most.
MAX_ATTRIBUTES = 100

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARATION = re.compile(
    rb"""\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']"""
)
_XML_DECLARATION = re.compile(r"<\?xml[^>]{0,300}?\?>")
_UTF8_DECLARED = re.compile(r"""\bencoding\s*=\s*["']utf-?8["']""", re.IGNORECASE)
# WHATWG's rule: what is labelled Latin-1 or ASCII is read as windows-1252, its superset.
_ENCODING_ALIASES = {
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
}
_NOT_DECLARABLE = ("utf-16", "utf-32", "utf-7", "unicode-escape", "raw-unicode-escape")
# Anchored at a tag's start, so the search tries once per tag, not once per space (10x faster).
_ATTRIBUTE_RUN = re.compile(
    rb"""<[A-Za-z_:][^\s<>/]*(?:\s+[^\s=<>/"']+\s*=\s*(?:"[^"]*"|'[^']*')){%d}"""
    % (MAX_ATTRIBUTES + 1)
)
_DECLARATION_IN_PROLOG = re.compile(r"<(!(?:DOCTYPE|ENTITY))", re.IGNORECASE)
# What may come before the first element; an unclosed comment or PI runs to the end.
_PROLOG_TOKEN = re.compile(
    r"<\?.*?(?:\?>|\Z)|<!--.*?(?:-->|\Z)|<!DOCTYPE|<[A-Za-z0-9_]", re.DOTALL | re.IGNORECASE
)
_DOCTYPE_TOKEN = re.compile(
    r"\"[^\"]*(?:\"|\Z)|'[^']*(?:'|\Z)|<!--.*?(?:-->|\Z)|[\[\]>]", re.DOTALL
)
# The general entities a prolog declares, in its DOCTYPE or where feedparser's patterns also
# look (its comments); loosely, as more names only means more references kept as text.
_ENTITY_DECLARATION = re.compile(r"<!ENTITY\s+([^\s%\"'<>&;]+)", re.IGNORECASE)
# After the prolog: what XML reads as it is (CDATA, comments, processing instructions), and
# what may be an entity reference.
_UNPARSED = re.compile(r"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)|<\?.*?(?:\?>|\Z)", re.DOTALL)
_REFERENCE = re.compile(r"&([^\s&;<>\"']+);")
# Up to this many entities' references are written as text by str.replace, a pass for each
# (a tenth of a regular expression's time on 20,000 references); more by one pass of one.
_REPLACED_BY_NAME = 32
# Names every XML reader knows, and those feedparser reads as HTML's ("&eacute;"): not
# made text, so the document reads as it would without the declaration.
_KNOWN_ENTITIES = frozenset(name2codepoint) | {"amp", "lt", "gt", "quot", "apos"}


class FeedUnreadable(Exception):
    """The bytes are not a feed at all (HTML page, garbage, empty)."""


def prepare(data: bytes) -> tuple[bytes, list[str]]:
    """(the document as UTF-8 without DOCTYPE, warnings); FeedUnreadable for what must not be parsed."""
    if not data or data.isspace():  # not data.strip(), which copies a large feed
        raise FeedUnreadable("the document is empty")
    if _is_plain_utf8(data):
        return data, []
    return _prepared(data)


# How much of a document's start is decoded to look at its prolog; a longer prolog takes the
# whole path. And the pieces in which the rest is checked as UTF-8: small enough for malloc to
# reuse one piece's memory for the next (1 MB pieces were each new pages: 12,000 page faults
# for 25 MB, as many as decoding it whole), 0.005 s instead of 0.03 s for 25 MB.
_HEAD = 1 << 16
_CHUNK = 1 << 14


def _is_plain_utf8(data: bytes) -> bool:
    """Would `_prepared` give back the bytes as they are, without a warning? A UTF-8 document
    without BOM, leading space, DOCTYPE or other declared encoding: most feeds. Told from the
    decoded head and a UTF-8 check of the rest in small pieces, instead of decoding the whole
    document into one string (25 MB of feed: a 50 MB string, and its page faults) that
    `_prepared` then drops (tests/test_ingest_paths.py holds the two paths equal)."""
    if data.startswith(tuple(bom for bom, _ in _BOMS)) or (
        len(data) >= 4 and data[:4].count(0) in (2, 3)
    ):
        return False
    if _declared_encoding(data) not in ("", "utf-8"):
        return False  # read in the encoding it declares
    head = data[:_HEAD].decode("utf-8", "ignore")  # only a character cut at the end is ignored
    if not head or head[0].isspace():
        return False
    declaration = _XML_DECLARATION.match(head)
    if declaration and not (
        _UTF8_DECLARED.search(declaration.group(0)) or "encoding" not in declaration.group(0)
    ):
        return False
    prolog, prolog_end, declared_count, ended = _prolog(head)
    if declared_count or len(prolog) != prolog_end or not ended:
        return False  # a DOCTYPE or declaration to remove, or a prolog longer than the head
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), _CHUNK):
            decoder.decode(data[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False  # read as windows-1252
    return True


def _prepared(data: bytes) -> tuple[bytes, list[str]]:
    """prepare's whole path: the document decoded, its declaration and DOCTYPE looked at."""
    decoded, encoding = _decode(data)
    text = decoded.lstrip()
    # A UTF-8 document that needs no change is passed on as the bytes it came in: copying
    # and re-encoding megabytes cost a tenth of a large feed's ingest.
    unchanged = encoding == "utf-8" and text is decoded
    declaration = _XML_DECLARATION.match(text)
    says_utf8 = declaration and (
        _UTF8_DECLARED.search(declaration.group(0)) or "encoding" not in declaration.group(0)
    )
    if declaration and not (unchanged and says_utf8):
        # expat must not decode again what is now UTF-8
        text = '<?xml version="1.0" encoding="utf-8"?>' + text[declaration.end() :]
    prepared, declared = _without_doctype(text)
    warnings = ["removed the DOCTYPE and the entities it declares (never expanded)"][:declared]
    # UTF-16 and -32 bytes stay wide: without a BOM or declaration, a parser reads them as UTF-8.
    if prepared is decoded and not encoding.startswith(("utf-16", "utf-32")):
        return data, warnings
    return prepared.encode("utf-8", "replace"), warnings


def refuse_attribute_runs(document: bytes) -> None:
    """FeedUnreadable when an element has more attributes than feedparser's SAX reader can bear.

    It looks attributes up in quadratic time (20,000 took half a minute); lxml, which reads
    plain feeds, does not, so only documents bound for feedparser need the check.
    """
    if _ATTRIBUTE_RUN.search(document):
        raise FeedUnreadable(f"an element has more than {MAX_ATTRIBUTES} attributes; not parsed")


def what_it_is(document: bytes, error: object) -> str:
    """Why bytes that yielded no feed are not one, for the line that reports the source."""
    head = document[:2048].lower()
    if sum(byte < 9 for byte in document[:1024]) > 8:
        return "binary data, not RSS or Atom"
    if head.lstrip().startswith((b"{", b"[")):
        return "JSON, not RSS or Atom"
    if b"<html" in head or b"<!doctype html" in head or b"<body" in head:
        return "an HTML page, not RSS or Atom (is the url the site's page rather than its feed?)"
    reason = " ".join(str(error or "").split())
    return (
        f"no RSS or Atom element found (XML error: {reason})"
        if reason
        else "no RSS or Atom element found"
    )


def _declared_encoding(data: bytes) -> str:
    """The encoding the XML declaration names, by codecs' name, when it is one a declaration
    may name (not UTF-16/32, UTF-7 or an escape codec); '' otherwise."""
    declared = _DECLARATION.match(data)
    if not declared:
        return ""
    try:
        name = codecs.lookup(declared.group(1).decode("ascii")).name
    except LookupError:
        return ""
    name = _ENCODING_ALIASES.get(name, name)
    return "" if name.startswith(_NOT_DECLARABLE) else name


def _decode(data: bytes) -> tuple[str, str]:
    """(text of the document, the encoding it was read in): by its BOM, else its declared
    encoding, else UTF-8, else windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace"), f"{encoding} with BOM"
    head = data[:4]
    if len(head) == 4 and head.count(0) in (
        2,
        3,
    ):  # UTF-16 or -32 without a BOM: "\0<\0r", "<\0r\0"
        nulls = [byte == 0 for byte in head]
        width = 4 if head.count(0) == 3 else 2
        big_endian = nulls[0]
        encoding = f"utf-{width * 8}-{'be' if big_endian else 'le'}"
        return data.decode(encoding, "replace"), encoding
    candidates = ["utf-8", "cp1252"]
    declared = _declared_encoding(data)
    if declared:
        candidates.insert(0, declared)
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(
        "latin-1"
    ), "latin-1"  # every byte is a character: the last resort never fails


def _without_doctype(text: str) -> tuple[str, int]:
    """`text` without DOCTYPE or ENTITY declarations before its first element; and how many it had.

    Declarations are removed where expat would read them, and defused where feedparser's own
    regular expressions would find them (they also look inside comments of the prolog). The
    references to what they declared become text ("&amp;a;") when that makes the document XML.
    """
    prolog, prolog_end, declared, _ = _prolog(text)
    if not declared and len(prolog) == prolog_end:
        return text, 0  # nothing declared: the text as it is, not a copy
    body = text[prolog_end:]
    names = set(_ENTITY_DECLARATION.findall(text, 0, prolog_end)) - _KNOWN_ENTITIES
    body_as_text = _as_text(body, names)
    # A document that is not XML even so goes to feedparser's loose parser, which would show
    # "&a;" of an id as "&amp;a;" once it is written "&amp;a;": it is given what it read before.
    if body_as_text is not body and _well_formed(document := prolog + body_as_text):
        return document, declared
    return prolog + body, declared


def _as_text(body: str, names: set[str]) -> str:
    """`body` with each reference to an entity of `names` ("&a;") written as the text it is
    ("&amp;a;"): what feedparser shows of an entity it does not know, and with no reference
    left undeclared, a document lxml's fast reader can read (feedparser's way with 20,000
    references took fifteen times a plain feed's). CDATA, comments and PIs stay as they are."""
    if len(names) <= _REPLACED_BY_NAME:
        names = {name for name in names if f"&{name};" in body}
    if not names:
        return body
    pieces, position = [], 0
    for unparsed in _UNPARSED.finditer(body):
        pieces += [_references_as_text(body[position : unparsed.start()], names), unparsed[0]]
        position = unparsed.end()
    pieces.append(_references_as_text(body[position:], names))
    return "".join(pieces)


def _references_as_text(text: str, names: set[str]) -> str:
    """`text`, parsed text of the body, with its references to `names` as text."""
    if len(names) > _REPLACED_BY_NAME:
        return _REFERENCE.sub(
            lambda reference: f"&amp;{reference[1]};" if reference[1] in names else reference[0],
            text,
        )
    for name in names:  # "&a;" -> "&amp;a;" makes no reference to another name: any order
        text = text.replace(f"&{name};", f"&amp;{name};")
    return text


def _well_formed(text: str) -> bool:
    """Does lxml read `text` as XML, with the fast reader's settings (nothing loaded or expanded)?"""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        etree.fromstring(text.encode("utf-8", "replace"), parser)
    except etree.XMLSyntaxError:
        return False
    return True


def _prolog(text: str) -> tuple[str, int, int, bool]:
    """(the prolog without DOCTYPE, defused; where it ends in `text`; how many declarations it
    had; whether an element ends it, rather than the end of `text`)."""
    kept: list[str] = []
    position, found = 0, 0
    while (token := _PROLOG_TOKEN.search(text, position)) and token.group(0)[1] in "?!":
        if token.group(0).upper() == "<!DOCTYPE":
            end = _declaration_end(text, token.end())
            found += bool(_DECLARATION_IN_PROLOG.search(text, token.end(), end))
            kept.append(text[position : token.start()])
            position = end
        else:  # a comment or processing instruction, kept as it is
            kept.append(text[position : token.end()])
            position = token.end()
    prolog_end = token.start() if token else len(text)
    kept.append(text[position:prolog_end])
    prolog, leftovers = _DECLARATION_IN_PROLOG.subn(r"&lt;\1", "".join(kept))
    return prolog, prolog_end, found + leftovers, token is not None


def _declaration_end(text: str, position: int) -> int:
    """Index just past the DOCTYPE whose body starts at `position`: quotes, comments, [...] skipped."""
    depth = 0
    for token in _DOCTYPE_TOKEN.finditer(text, position):
        mark = token.group(0)
        if mark == "[":
            depth += 1
        elif mark == "]":
            depth = max(0, depth - 1)
        elif mark == ">" and depth == 0:
            return token.end()
    return len(text)  # never closed: all of it goes, and what is left is not a feed
