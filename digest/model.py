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
class Entry:
    """One news item, from a feed or a local Markdown file, normalised for email."""

    id: str  # stable across rebuilds: guid, else link, else a hash
    source: str  # the configured source name
    title: str  # plain text, never HTML
    published: datetime  # timezone-aware, UTC
    section: str
    link: str | None = None  # absolute http(s) URL
    summary: str = ""  # plain text, short
    html: str = ""  # body, sanitised for email, URLs absolute
    kicker: str = ""  # the small label above a headline
    image: Image | None = None
    categories: tuple[str, ...] = ()
    highlight: bool = False
    weight: int = 0
    call_to_action: CallToAction | None = None
    event: Event | None = None
    updated: datetime | None = None  # when the source last changed it, UTC


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
    kind: Literal["news", "events", "highlights"] = "news"


@dataclass(frozen=True)
class Issue:
    """One digest: a period's entries, grouped into sections, ready to render."""

    period: Period
    title: str  # e.g. "Week 42, 2025" or "10 highlights from 2022"
    sections: tuple[Section, ...]
    date: datetime  # when the issue is dated (end of its period), UTC; used in Date and pubDate
    intro: str = ""
    dropped: tuple[Entry, ...] = field(default=())  # over a cap: shown as headline links only

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
