"""Case 8, xml-attacks: parse_feed on hostile XML, beside parse_feed on a plain feed of the same size.

tests/test_xml_attacks.py checks that nothing expands (by memory and by what the feed gives);
this case times it. Once the DOCTYPE is removed, prepare writes the references to what it declared
as text ("&amp;a;"), so the attacks are read by the fast reader; the baseline is feedparser's way
with a plain feed of the same number of bytes all the same. An attack is denser in markup (20,000
references, each looked at by the title's entity decoding), hence the allowance; expanded, the
blow-ups would be a gigabyte and take minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from measure import Row, Table, interleaved, milliseconds, times
from publication import write_config

from digest.config import load
from digest.ingest.feeds import FeedUnreadable, parse_feed

FEED_URL = "https://attack.example.org/feed"
FETCHED_AT = datetime(2025, 10, 7, 6, 0, tzinfo=UTC)
TARGET = 10.0  # an attack at most this many times a plain feed of its size
ITEM = (
    "<item><title>{title}</title><link>https://attack.example.org/1</link>"
    "<description>{body}</description></item>"
)


def document(doctype: str, title: str, body: str = "", item_attributes: str = "") -> bytes:
    item = ITEM.format(title=title, body=body)
    if item_attributes:
        item = item.replace("<item>", f"<item {item_attributes}>")
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n'
        '<rss version="2.0"><channel><title>Attack</title><link>https://attack.example.org/</link>'
        f"{item}</channel></rss>"
    ).encode()


def billion_laughs() -> bytes:
    """Each entity ten of the one before: &lol9; would be 10^9 "lol"s."""
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">'
        for level in range(1, 10)
    ]
    return document(f"<!DOCTYPE rss [\n{chr(10).join(entities)}\n]>", "&lol9;", "&lol5;")


def quadratic_blowup() -> bytes:
    """A 50 KB entity referenced 20,000 times: a gigabyte once expanded."""
    doctype = f'<!DOCTYPE rss [\n<!ENTITY a "{"A" * 50_000}">\n]>'
    return document(doctype, "&a;" * 20_000, "&a;" * 20)


def entities_in_a_comment() -> bytes:
    """The same, with the entity inside a prolog comment, where feedparser's patterns look too."""
    prolog = f'<!--\n<!DOCTYPE rss>\n<!ENTITY b "{"B" * 50_000}">\n-->'
    return document(prolog, "x" + "&b;" * 20_000)


def many_attributes() -> bytes:
    """20,000 attributes on one element: feedparser's SAX reader is quadratic in them."""
    attributes = " ".join(f'a{number}=">"' for number in range(20_000))
    return document("", "Attributes", item_attributes=attributes)


def plain_feed(size: int) -> bytes:
    """A well-formed feed of one ordinary item, its text padded to `size` bytes in all."""
    words = "A plain story about research news. "
    short = document("", "Plain", "")
    body = (words * (size // len(words) + 1))[: max(0, size - len(short))]
    return document("", "Plain", body)


ATTACKS: tuple[tuple[str, Callable[[], bytes], Literal["auto", "feedparser"]], ...] = (
    ("billion laughs", billion_laughs, "auto"),
    ("quadratic blow-up (50 KB × 20,000)", quadratic_blowup, "auto"),
    ("entities in a prolog comment", entities_in_a_comment, "auto"),
    ("20,000 attributes, fast reader", many_attributes, "auto"),
    ("20,000 attributes, feedparser's way", many_attributes, "feedparser"),
)


def run(workspace: Path, runs: int) -> Table:
    config = load(write_config(workspace / "xml-attacks", [("Attack", FEED_URL)]))
    source = config.sources[0]

    def parse(data: bytes, reader: Literal["auto", "feedparser"]) -> Callable[[], object]:
        def once() -> object:
            try:
                return parse_feed(data, source, config, FETCHED_AT, FEED_URL, reader=reader)
            except FeedUnreadable as error:  # the attribute guard's answer: also an outcome
                return error

        return once

    table = Table(
        f"8. xml-attacks: parse_feed on hostile feeds, wall time, median of {runs} runs, "
        "beside a plain feed of the same size"
    )
    for name, make, reader in ATTACKS:
        attack = make()
        plain = plain_feed(len(attack))
        timing = interleaved(
            {"attack": parse(attack, reader), "plain": parse(plain, "feedparser")}, max(runs, 3)
        )
        ratio = timing["attack"].wall / timing["plain"].wall
        table.add(
            Row(
                f"{name} ({len(attack) / 1000:.0f} KB)",
                milliseconds(timing["attack"].wall),
                f"plain feed {milliseconds(timing['plain'].wall)}",
                times(ratio),
                f"≤ {TARGET:.0f}×",
                ratio <= TARGET,
            )
        )
    return table
