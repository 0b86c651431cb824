"""The plain data that flows between stages: entries in, issues out.

Nothing here knows about feeds, SQLite, HTML or files. Every stage takes and
returns these frozen values, so each stage can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from digest.paths import IssueKind, issue_folder


@dataclass(frozen=True)
class Image:
    """An image shown with an entry; `url` is absolute once an entry leaves ingest."""

    url: str
    alt: str = ""
    caption: str = ""
    credit: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class CallToAction:
    """The "get in touch / register / read more" line that closes a highlight."""

    text: str
    url: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class Event:
    """When and where an entry takes place; an entry with an Event is an event."""

    start: datetime  # timezone-aware
    end: datetime | None = None  # exclusive: an all-day event ends at midnight after its last day
    location: str = ""
    all_day: bool = False  # shown and written to calendars as dates, without times


@dataclass(frozen=True)
class Editorial:
    """What an editor decided about one entry, kept apart from what its source said.

    Stored in the archive beside the entries, never in them: a re-fetch of the source never
    touches it, and an entry that left its feed keeps it. The select stage attaches it to its
    entry (`select.with_editorial`) for ranking and rendering.
    """

    highlight: bool = False  # a candidate for the year's highlights, ranked before the rest
    weight: int = 0  # higher ranks first among highlights
    kicker: str = ""  # the small label above a headline
    call_to_action: CallToAction | None = None
    comment: str = ""  # an editor's comment shown with the entry (from an issue's decision file)

    @property
    def decides_anything(self) -> bool:
        """Whether this differs from no decision at all (only such decisions are stored)."""
        return self != NO_EDITORIAL


NO_EDITORIAL = Editorial()


@dataclass(frozen=True)
class Entry:
    """One news item, from a feed or a local Markdown file, normalised for email: what the source said.

    `editorial` is empty until the select stage attaches the editor's decisions to it.
    """

    id: str  # stable across rebuilds: guid, else link, else a hash
    source: str  # the configured source name
    title: str  # plain text, never HTML
    published: datetime  # timezone-aware, UTC
    section: str
    link: str | None = None  # absolute http(s) URL
    summary: str = ""  # plain text, short
    html: str = ""  # body, sanitised for email, URLs absolute
    image: Image | None = None
    categories: tuple[str, ...] = ()
    event: Event | None = None
    updated: datetime | None = None  # when the source last changed it, UTC
    editorial: Editorial = NO_EDITORIAL  # attached at selection time; never archived with it

    # The editorial fields templates read as `entry.kicker` and `entry.call_to_action`
    @property
    def kicker(self) -> str:
        return self.editorial.kicker

    @property
    def call_to_action(self) -> CallToAction | None:
        return self.editorial.call_to_action

    @property
    def comment(self) -> str:
        return self.editorial.comment


@dataclass(frozen=True)
class EntryDecision:
    """What an issue's decision file says about one entry of that issue (`[[entries]]`)."""

    id: str
    line: int  # where its id is written in the decision file
    omit: bool = False
    section: str | None = None  # moved to this section
    order: int | None = None  # its place within its section, 1 first
    kicker: str | None = None
    title: str | None = None
    summary: str | None = None
    image: str | None = None  # an http(s) URL replacing the entry's image
    comment: str = ""


@dataclass(frozen=True)
class HighlightPick:
    """One of the year's highlights an editor picked (`[[highlights]]`), in the file's order."""

    id: str
    line: int
    caption: str | None = None
    credit: str | None = None
    call_to_action: CallToAction | None = None


@dataclass(frozen=True)
class IssueEditorial:
    """An editor's decisions about one issue, read from its file (`feeds/issues/2025-W40.toml`).

    Kept apart from the entries: applied at selection time, never written into the archive."""

    file: str  # the decision file as named in messages, relative to digest.toml
    intro_html: str = ""  # the editor's note, Markdown made safe HTML
    in_this_issue: str = ""  # the "In this issue" line; empty: made from the lead stories
    subject: str = ""
    preheader: str = ""
    lead: str | None = None  # the lead story's entry id
    lead_line: int = 0
    entries: tuple[EntryDecision, ...] = ()
    highlights: tuple[HighlightPick, ...] = ()


@dataclass(frozen=True)
class Period:
    """A span of time an issue covers: [start, end) in the publication's time zone."""

    kind: IssueKind
    key: str  # "2025-W42" or "2022": also the issue's folder name
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()


@dataclass(frozen=True)
class Section:
    """A titled group of entries in display order."""

    title: str
    entries: tuple[Entry, ...]
    kind: Literal["news", "events", "highlights", "lead"] = "news"  # lead: the editor's lead story


@dataclass(frozen=True)
class Issue:
    """One digest: a period's entries, grouped into sections, ready to render."""

    period: Period
    title: str  # e.g. "Week 42, 2025" or "10 highlights from 2022"
    sections: tuple[Section, ...]
    date: datetime  # when the issue is dated (end of its period), UTC; used in Date and pubDate
    intro: str = ""
    dropped: tuple[Entry, ...] = field(default=())  # over a cap: shown as headline links only
    # From the issue's decision file (digest/editorial.py); empty: digest's defaults
    intro_html: str = ""  # the editor's note, safe HTML
    in_this_issue: str = ""  # the "In this issue" line at the top
    subject: str = ""  # replaces email.subject
    preheader: str = ""  # replaces the preheader made from the first titles

    @property
    def kind(self) -> str:
        return self.period.kind

    @property
    def key(self) -> str:
        return self.period.key

    @property
    def path(self) -> str:
        """Folder of the issue below out/, and the tail of its web URL."""
        return issue_folder(self.period.kind, self.period.key)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(entry for section in self.sections for entry in section.entries)
