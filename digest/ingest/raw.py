"""What a feed reader found, before normalisation: the same typed record from either reader.

feedparser's dictionaries stop at `feeds.py`, and the fast lxml reader (fastfeed.py) builds
these directly; normalisation (`feeds.entry_from`) reads only these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True)
class Media:
    """One Media RSS media:content, with the attributes that tell a picture from a video."""

    url: str
    medium: str = ""
    type: str = ""
    width: str = ""
    height: str = ""


@dataclass(frozen=True)
class Enclosure:
    """An RSS enclosure or an Atom link rel="enclosure"."""

    url: str
    type: str = ""
    title: str = ""


class RawItem(NamedTuple):
    """One item as the feed gave it: text and HTML unsanitised, entities as the reader left them.

    A named tuple, not a frozen dataclass: as immutable, and made in a fifth of the time (a
    frozen dataclass sets each of its 17 fields through object.__setattr__), once per item
    of every feed read."""

    title: str = ""  # text or HTML, however often the feed escaped it
    link: str = ""  # as written: maybe relative
    guid: str = ""
    published: datetime | None = None  # aware, UTC, whole seconds
    updated: datetime | None = None
    summary: str = ""  # the description or Atom summary, HTML
    summary_base: str = ""  # its xml:base, if any
    content: str = ""  # content:encoded or Atom content (the fullest of several), HTML
    content_base: str = ""
    categories: tuple[str, ...] = ()  # term (else label) of each category, as written
    enclosures: tuple[Enclosure, ...] = ()
    media: tuple[Media, ...] = ()  # media:content, in document order, at any depth
    thumbnails: tuple[str, ...] = ()  # media:thumbnail URLs, a video's poster too
    credit: str = ""  # the first media:credit
    event_start: str = ""  # the text of the elements a source's events are kept in
    event_end: str = ""
    event_location: str = ""


@dataclass(frozen=True)
class RawFeed:
    """A feed's own title and link (as written), and its items in document order."""

    title: str
    link: str
    items: tuple[RawItem, ...]
