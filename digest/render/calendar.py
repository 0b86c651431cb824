"""An issue's upcoming events as iCalendar files (RFC 5545), and its "Add to calendar" links.

Every event gets its own `events/<name>.ics` in the issue's folder and a place in the
issue's `events.ics`, with the VTIMEZONE its times use (vtimezone.py). The bytes depend
only on the entries and the config, never on the clock, so a rebuild writes the same
files: UID and file name come from the entry id, DTSTAMP from when the entry last changed. Escaping and line folding are icalendar's.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from urllib.parse import quote, urlencode

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from digest.config import Config
from digest.model import Entry, Event, Issue
from digest.paths import CALENDAR, event_file, issue_file, web_url
from digest.render.vtimezone import vtimezone

PRODID = "-//digest//Event calendar//EN"
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
# Google Calendar needs an end; for an event without one, it gets Google's own default length.
GOOGLE_DEFAULT_LENGTH = timedelta(hours=1)


@dataclass(frozen=True)
class CalendarLinks:
    """Where a reader adds one event to a calendar: its .ics file on the web, or Google Calendar."""

    ics: str
    google: str


@dataclass(frozen=True)
class IssueCalendar:
    """The issue's events.ics URL and every event's links, by entry id."""

    url: str
    events: dict[str, CalendarLinks]


def calendar_entries(issue: Issue) -> tuple[Entry, ...]:
    """The entries an issue lists as upcoming events, in the issue's order."""
    return tuple(
        entry
        for section in issue.sections
        if section.kind == "events"
        for entry in section.entries
        if entry.event
    )


def event_file_name(entry: Entry) -> str:
    """`events/<slug>-<hash>.ics`: readable, and stable for as long as the entry id is."""
    tail = re.split(r"[/:]", entry.id.rstrip("/"))[-1]
    ascii_tail = unicodedata.normalize("NFKD", tail).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_tail.lower()).strip("-")[:40].strip("-")
    digest = hashlib.sha256(entry.id.encode()).hexdigest()[:8]
    return event_file(f"{slug}-{digest}" if slug else digest)


def event_uid(entry: Entry, config: Config) -> str:
    """A globally unique, stable UID: a hash of the entry id at the publication's host."""
    return f"{hashlib.sha256(entry.id.encode()).hexdigest()[:32]}@{config.publication.host}"


def calendar_files(issue: Issue, config: Config) -> dict[str, bytes]:
    """events.ics and one .ics per event, by path within the issue's folder; none without events."""
    entries = calendar_entries(issue)
    if not entries:
        return {}
    files = {
        CALENDAR: render_calendar(entries, config, f"{config.publication.title}: {issue.title}")
    }
    for entry in entries:
        files[event_file_name(entry)] = _event_calendar(entry, config)
    return files


_EVENT_CALENDARS: dict[tuple[Entry, str, str], bytes] = {}
_EVENT_CALENDARS_KEPT = 1024


def _event_calendar(entry: Entry, config: Config) -> bytes:
    """One event's own .ics, made once per process: an event is in every issue of the weeks
    before it (build --all renders it up to `upcoming_weeks` times), and its file depends only
    on the entry and the publication's zone and host."""
    key = (entry, config.publication.timezone, config.publication.host)
    found = _EVENT_CALENDARS.get(key)
    if found is None:
        if len(_EVENT_CALENDARS) >= _EVENT_CALENDARS_KEPT:
            _EVENT_CALENDARS.clear()
        found = _EVENT_CALENDARS[key] = render_calendar((entry,), config, entry.title)
    return found


def issue_calendar(issue: Issue, config: Config) -> IssueCalendar | None:
    """The links the email, the text and the web version show; None for an issue without events."""
    entries = calendar_entries(issue)
    if not entries:
        return None
    site_url = config.publication.url
    return IssueCalendar(
        url=web_url(site_url, issue_file(issue.path, CALENDAR)),
        events={
            entry.id: CalendarLinks(
                web_url(site_url, issue_file(issue.path, event_file_name(entry))),
                google_calendar_url(entry, config),
            )
            for entry in entries
        },
    )


def render_calendar(entries: Iterable[Entry], config: Config, name: str) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH) of the entries' events, with the VTIMEZONE their times use."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.calendar_name = " ".join(name.split())  # NAME and X-WR-CALNAME, on one line
    calendar.add("x-wr-timezone", config.publication.timezone)
    times: list[datetime] = []
    for entry in entries:
        assert entry.event is not None
        calendar.add_component(_vevent(entry, entry.event, config))
        if not entry.event.all_day:
            times += [entry.event.start, entry.event.end or entry.event.start]
    if times:
        # Before the events, as RFC 5545 asks of a VTIMEZONE that a TZID refers to.
        calendar.subcomponents.insert(0, vtimezone(config.publication.zone, times))
    return calendar.to_ical()


def _vevent(entry: Entry, event: Event, config: Config) -> CalendarEvent:
    zone = config.publication.zone
    start: date | datetime
    end: date | datetime | None
    if event.all_day:
        start, end = all_day_dates(event, zone)
    else:
        start = event.start.astimezone(zone)
        end = event.end.astimezone(zone) if event.end else None
    description = _description(entry)
    vevent = CalendarEvent.new(
        uid=event_uid(entry, config),
        stamp=(entry.updated or entry.published).astimezone(UTC),
        start=start,
        end=end,
        summary=entry.title,
        location=event.location or None,
        description=description or None,
        url=entry.link,
    )
    return vevent


def all_day_dates(event: Event, zone: tzinfo) -> tuple[date, date]:
    """(first day, the day after the last): an all-day event's DATE values, end exclusive.

    An end at midnight after the first day is already exclusive (the model's convention);
    any other end means the event runs through that day.
    """
    first = event.start.astimezone(zone).date()
    if event.end is None:
        return first, first + timedelta(days=1)
    end = event.end.astimezone(zone)
    if end.time() == time(0) and end.date() > first:
        return first, end.date()
    return first, max(end.date(), first) + timedelta(days=1)


def google_calendar_url(entry: Entry, config: Config) -> str:
    """Google Calendar's "new event" page, filled in: UTC times (or dates), the publication's zone."""
    event = entry.event
    assert event is not None
    if event.all_day:
        first, after = all_day_dates(event, config.publication.zone)
        dates = f"{first:%Y%m%d}/{after:%Y%m%d}"
    else:
        end = event.end or event.start + GOOGLE_DEFAULT_LENGTH
        dates = f"{_utc_stamp(event.start)}/{_utc_stamp(end)}"
    details = _description(entry)
    parameters = [("action", "TEMPLATE"), ("text", entry.title), ("dates", dates)]
    parameters += [("details", details)] if details else []
    parameters += [("location", event.location)] if event.location else []
    parameters.append(("ctz", config.publication.timezone))
    return f"{GOOGLE_CALENDAR}?{urlencode(parameters, quote_via=quote, safe='/:')}"


def _description(entry: Entry) -> str:
    """What a calendar shows of the event besides its title and place: summary, then link."""
    return "\n\n".join(part for part in (entry.summary, entry.link or "") if part)


def _utc_stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"
