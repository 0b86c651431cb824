"""`digest explain`: why each archived entry near a period is in its issue or not.

First the archive takes in the files on disk, as `digest build --offline` does (local
entries and saved feeds; nothing is fetched from the web), so a story written a minute
ago is explained too. Then it asks the pipeline, on the path a build takes: `periods`,
`select_issue` with a `Decisions` record, and `as_sent` for what the size budget moved. Entry files that would
stop a build are listed with their problems, and the archive explains the rest as it was.

With a text or id and no period, every matching entry is explained in its own week, in the
later weeks that list it as an upcoming event, and in its year's highlights issue when it
was a candidate there: wherever it is, or why it is in none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from digest import paths, select
from digest.archive import Archive
from digest.config import Config
from digest.errors import EntryError
from digest.explain import (
    Explanation,
    as_json,
    as_line,
    explain_failed_sources,
    explain_issue,
    explain_problems,
    undatable,
)
from digest.model import Entry, Period
from digest.pipeline import Target, as_sent, periods, select_issue, update_archive
from digest.report import Reporter
from digest.write import locked

# Entries dated this close outside the period are listed too: they are the ones people miss
# by a time zone or a weekend.
NEAR = timedelta(days=3)


@dataclass(frozen=True)
class Found:
    """One explanation, and the period whose issue it was explained in (None: an entry file
    or a source, which belong to no period)."""

    period: Period | None
    explanation: Explanation


@dataclass(frozen=True)
class Explained:
    """The period asked about (None: the whole archive was searched), and what was found."""

    period: Period | None
    found: list[Found]

    @property
    def explanations(self) -> list[Explanation]:
        return [item.explanation for item in self.found]


def explain(
    config: Config, target: Target, query: str | None, now: datetime, reporter: Reporter
) -> Explained:
    """Explain the period of `target` (default: the last complete week), or what `query` names.

    `query` is an entry id, or text found in titles (ignoring case), entry file problems
    or source names. With a period, matching entries are looked for in the whole archive
    and explained against that period; without one, each in the issues it belongs to.
    """
    archive_path = paths.archive_path(config)
    problems: tuple[str, ...] = ()
    everywhere = bool(query) and not (target.week or target.year)
    period: Period | None = None
    with locked(archive_path.parent), Archive(archive_path) as archive:
        try:
            update_archive(config, archive, reporter, offline=True, now=now)
        except EntryError as error:
            problems = error.problems
        if query and everywhere:
            others = archive.matching(query)
            found = _everywhere(others, config, archive, now)
        else:
            period = periods(target, config, archive, now)[0]
            others = archive.matching(query) if query else _near(period, archive)
            found = [Found(period, item) for item in _in_period(period, config, archive, others)]
        failed = archive.failed_sources()
    found += [Found(None, item) for item in explain_problems(problems)]
    found += [Found(None, item) for item in explain_failed_sources(failed, config)]
    if query:
        wanted = {_key(entry) for entry in others}
        found = [item for item in found if _matches(item.explanation, query, wanted)]
    return Explained(period, found)


def _key(entry: Entry) -> tuple[str, str]:
    return entry.source, entry.id


def _in_period(
    period: Period, config: Config, archive: Archive, others: Iterable[Entry]
) -> list[Explanation]:
    """The select stage's own account of `period`, and of `others` against it, with what the
    size budget moved (stories, and then the upcoming events furthest ahead)."""
    decisions = select.Decisions()
    selected = select_issue(period, config, archive, decisions)
    as_built = as_sent(selected, config) if selected else None
    return explain_issue(period, config, decisions, selected, as_built, others)


def _everywhere(
    matches: list[Entry], config: Config, archive: Archive, now: datetime
) -> list[Found]:
    """Each entry in its own week; in later weeks that list it as an upcoming event; and in
    its year's highlights issue (one `digest build --all` builds) if it is in it or ranked for it."""
    zone = config.publication.zone
    own_weeks: dict[Period, list[Entry]] = {}
    later_weeks: dict[Period, list[Entry]] = {}
    # an entry in no week of the zone (the year 1 behind UTC) is in no issue: said once, on its own
    outside_calendar = [item for entry in matches if (item := undatable(entry, config))]
    in_no_week = {id(item.entry) for item in outside_calendar}
    matches = [entry for entry in matches if id(entry) not in in_no_week]
    for entry in matches:
        week = select.week_of(entry.published, zone)
        own_weeks.setdefault(week, []).append(entry)
        for later in _weeks_listing_events(entry, week, zone, now):
            later_weeks.setdefault(later, []).append(entry)
    years = {
        period.key: period
        for period in periods(Target(everything=True), config, archive, now)
        if period.kind == "yearly"
    }
    own_years: dict[Period, list[Entry]] = {}
    for entry in matches:
        year = years.get(str(entry.published.astimezone(zone).year))
        if year:
            own_years.setdefault(year, []).append(entry)

    issues: list[Found] = []
    for week, entries in own_weeks.items():
        issues += _only(week, entries, _in_period(week, config, archive, entries))
    for week, entries in later_weeks.items():
        explained = _in_period(week, config, archive, entries)
        issues += [item for item in _only(week, entries, explained) if _listed_event(item)]
    for year, entries in own_years.items():
        explained = _in_period(year, config, archive, entries)
        issues += [item for item in _only(year, entries, explained) if _ranked(item)]
    return sorted(issues, key=_period_order) + [Found(None, item) for item in outside_calendar]


def _weeks_listing_events(
    entry: Entry, own: Period, zone: ZoneInfo, now: datetime
) -> Iterable[Period]:
    """The weeks after an event's own week, up to its end, that have begun by `now`: the
    select stage decides which of them list it."""
    if entry.event is None:
        return
    last = entry.event.end or entry.event.start
    week = select.week_of(own.end, zone)
    while week.end <= last + timedelta(weeks=1) and week.start <= now:
        yield week
        week = select.week_of(week.end, zone)


def _only(period: Period, entries: list[Entry], explained: list[Explanation]) -> list[Found]:
    """The explanations of `entries` (not of the period's other entries)."""
    keys = {_key(entry) for entry in entries}
    return [Found(period, item) for item in explained if item.entry and _key(item.entry) in keys]


def _listed_event(item: Found) -> bool:
    """Listed in a later week's upcoming events: in full, or as a headline link there."""
    return item.explanation.reason in ("event", "size-budget")


def _ranked(item: Found) -> bool:
    """In the highlights, or a candidate for them: not an entry the year never considered."""
    explanation = item.explanation
    if explanation.reason != "not-picked":
        return True
    return explanation.details.get("rank") is not None or bool(explanation.details["highlight"])


def _period_order(item: Found) -> tuple[datetime, bool]:
    """Issues in date order; a year's highlights after its last week."""
    assert item.period is not None
    return item.period.end, item.period.kind == "yearly"


def _near(period: Period, archive: Archive) -> list[Entry]:
    """Entries dated just before or just after the period."""
    before = archive.published_between(period.start - NEAR, period.start)
    return before + archive.published_between(period.end, period.end + NEAR)


def _matches(item: Explanation, query: str, wanted: set[tuple[str, str]]) -> bool:
    """Entries the archive matched; files and sources whose warning or name holds the text."""
    if item.entry:
        return _key(item.entry) in wanted
    text = str(item.details.get("warning") or item.details.get("source") or "")
    named_source = any(source == item.details.get("source") for source, _ in wanted)
    return query.casefold() in text.casefold() or named_source


def issue_of(item: Found) -> str | None:
    """The issue an explanation is about, as `digest build` names its folder: weekly/2025-W40."""
    return f"{item.period.kind}/{item.period.key}" if item.period else None


def located_line(item: Found, config: Config) -> str:
    """`IN   weekly 2025-W40  News #2   "Title" (ICR news, 1 Oct 2025)`: the line of
    `as_line`, with the issue it is about after the status."""
    status, rest = as_line(item.explanation, config).split(maxsplit=1)
    where = f"{item.period.kind} {item.period.key}" if item.period else ""
    return f"{status:<4} {where:<16} {rest}"


def located_json(item: Found, config: Config) -> dict[str, Any]:
    """The object of `as_json`, with the issue it is about (`period`; null for files and sources)."""
    return as_json(item.explanation, config) | {"period": issue_of(item)}
