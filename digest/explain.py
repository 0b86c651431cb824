"""Why each entry is in an issue or not, as plain data: for `digest explain`, for people and tools.

Nothing here selects: the select stage records its decisions (`select.Decisions`) while
it builds the issue, and this module only reads them, with the issue as selected and as
sent (after the size budget), and turns them into one `Explanation` per entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from digest import select
from digest.config import Config
from digest.model import Editorial, Entry, Issue, Period

# The reason codes, stable for tools; the words after each are what people read.
IN_REASONS = {
    "section": "in its section",
    "event": "upcoming event",
    "highlight": "a highlight",
    "lead": "the editor's lead story, shown first",
}
OUT_REASONS = {
    "left-out": "left out by the editor, in the issue's decision file",
    "duplicate": "another copy of a story that is kept",
    "already-sent": "a copy of a story an earlier weekly issue had",
    "source-cap": "over its source's max_items: a headline link in 'Also in this issue'",
    "section-cap": "over weekly.section_cap: a headline link in 'Also in this issue'",
    "size-budget": "moved to a headline link to keep the email under its size budget",
    "not-picked": "ranked below the highlights that got in",
    "outside-period": "dated outside the period",
    "no-issue": "the week has no new entries, so no issue is built",
    "unplaced": "its section is not one of publication.sections",
    "unreadable": "its entry file cannot be read: digest build stops until it is fixed",
    "source-failed": "the source's last fetch failed; its archived entries still serve",
    "undatable": "dated outside the calendar of the publication's time zone: no issue can hold it",
}


@dataclass(frozen=True)
class Explanation:
    """One entry (or an unreadable entry file, or a failed source) and why it is in or out."""

    status: Literal["in", "out"]
    reason: str  # a code of IN_REASONS or OUT_REASONS
    entry: Entry | None  # None for an unreadable file or a failed source
    details: dict[str, Any] = field(default_factory=dict)  # JSON values: str, int, None, dict


def _key(entry: Entry) -> tuple[str, str]:
    return entry.source, entry.id


def _in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` in the publication's time zone; in UTC where that zone's calendar has no such
    day (the year 1 behind UTC, 9999 ahead of it: archived before ingest refused such dates)."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment


def _week_of(moment: datetime, zone: ZoneInfo) -> Period | None:
    """The ISO week of `moment` in the publication's time zone; None where there is none."""
    try:
        return select.week_of(moment, zone)
    except OverflowError:  # the day, or the Monday after its week, is outside year 1 to 9999
        return None


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return _in_zone(moment, zone).isoformat(timespec="seconds")


def _brief(entry: Entry) -> dict[str, str]:
    return {"id": entry.id, "title": entry.title, "source": entry.source}


def explain_issue(
    period: Period,
    config: Config,
    decisions: select.Decisions,
    selected: Issue | None,
    sent: Issue | None,
    others: Iterable[Entry] = (),
) -> list[Explanation]:
    """Why each entry the select stage was given, and each of `others`, is in or out.

    `selected` is the issue as select made it (with `decisions` filled in), `sent` the
    same issue after the size budget; `others` are entries select never saw (dated elsewhere).
    In issue order first, then headline links, then the rest by date.
    """
    placed: list[Explanation] = []
    for section in sent.sections if sent else ():
        for position, entry in enumerate(section.entries, start=1):
            details: dict[str, Any] = {"section": section.title, "position": position}
            kinds = {"events": "event", "highlights": "highlight", "lead": "lead"}
            reason = kinds.get(section.kind, "section")
            if reason == "highlight":
                details |= _decided(entry.editorial)
                if entry.id in decisions.picked:
                    number, where = decisions.picked[entry.id]
                    details |= {"picked": number, "decided_in": where}
            if reason == "lead":
                details["decided_in"] = decisions.lead.get(entry.id)
            if entry.id in decisions.moved:
                moved_from, where = decisions.moved[entry.id]
                details |= {"moved_from": moved_from, "moved_in": where}
            placed.append(Explanation("in", reason, entry, details))
    capped = {_key(record.entry): record for record in decisions.capped}
    duplicates: dict[tuple[str, str], select.Duplicate] = {}
    for duplicate in decisions.duplicates:
        duplicates.setdefault(_key(duplicate.entry), duplicate)
    sent_before = {_key(record.entry): record for record in decisions.already_sent}
    ranks = {_key(entry): rank for rank, entry in enumerate(decisions.ranked, start=1)}
    considered = {_key(entry) for entry in decisions.considered}

    headline_links = (
        [_headline_link(entry, capped.get(_key(entry)), config) for entry in sent.dropped]
        if sent
        else []
    )
    done = {_key(item.entry) for item in placed + headline_links if item.entry}
    rest: list[Explanation] = []
    for entry in [*decisions.considered, *others]:
        if _key(entry) in done:
            continue
        done.add(_key(entry))
        if entry.id in decisions.left_out:
            rest.append(_left_out(entry, decisions.left_out[entry.id]))
        elif _key(entry) in sent_before:
            rest.append(_already_sent(sent_before[_key(entry)]))
        elif _key(entry) in duplicates:
            rest.append(_duplicate(duplicates[_key(entry)], config))
        elif _key(entry) in ranks:
            rest.append(_not_picked(entry, ranks[_key(entry)], config, decisions))
        elif _key(entry) in considered and period.kind == "weekly" and selected is None:
            rest.append(Explanation("out", "no-issue", entry, {"week": period.key}))
        elif _key(entry) in considered and period.kind == "weekly":
            rest.append(Explanation("out", "unplaced", entry, {"section": entry.section}))
        elif period.kind == "yearly" and period.contains(entry.published):
            rest.append(_not_picked(entry, None, config, decisions))
        else:
            rest.append(_outside(entry, period, config))
    rest.sort(key=_rest_order)
    return placed + headline_links + rest


def _left_out(entry: Entry, where: str) -> Explanation:
    file, _, line = where.rpartition(":")
    details: dict[str, Any] = (
        {"file": file, "line": int(line)} if line.isdigit() else {"file": where}
    )
    return Explanation("out", "left-out", entry, details)


_REST_ORDER = (
    "left-out",
    "already-sent",
    "duplicate",
    "not-picked",
    "no-issue",
    "unplaced",
    "outside-period",
    "undatable",
)


def _rest_order(item: Explanation) -> tuple[int, int, float]:
    rank = item.details.get("rank", 0)
    if rank is None:
        rank = 1 << 30  # not even a candidate: after every ranked one
    published = item.entry.published.timestamp() if item.entry else 0.0
    return _REST_ORDER.index(item.reason), rank, published


def _headline_link(entry: Entry, capped: select.Capped | None, config: Config) -> Explanation:
    if capped and capped.source_cap is not None:
        details = {"source": entry.source, "max_items": capped.source_cap}
        return Explanation("out", "source-cap", entry, details)
    if capped:
        details = {"section": entry.section, "section_cap": capped.section_cap}
        return Explanation("out", "section-cap", entry, details)
    details = {"size_budget_kb": config.email.size_budget_kb}
    return Explanation("out", "size-budget", entry, details)


def _duplicate(duplicate: select.Duplicate, config: Config) -> Explanation:
    kept, entry = duplicate.kept, duplicate.entry
    preference = select.source_preference(config)
    if kept.source == entry.source:
        why = "the earlier of two with one id"
    elif kept.source == config.entries.source:
        why = "a staff entry wins over feed copies"
    elif preference.get(kept.source, len(preference)) < preference.get(
        entry.source, len(preference)
    ):
        why = f"source {kept.source!r} comes before {entry.source!r} in digest.toml"
    else:
        why = "the earlier of the copies"
    details = {"rule": duplicate.rule, "kept": _brief(kept), "why_kept": why}
    if duplicate.rule == "same-link" and entry.link:
        details["link"] = entry.link
    return Explanation("out", "duplicate", entry, details)


def _already_sent(record: select.AlreadySent) -> Explanation:
    details = {"week": record.week, "sent": _brief(record.sent), "link": record.entry.link}
    return Explanation("out", "already-sent", record.entry, details)


def _decided(editorial: Editorial) -> dict[str, Any]:
    return {"highlight": editorial.highlight, "weight": editorial.weight}


def _not_picked(
    entry: Entry, rank: int | None, config: Config, decisions: select.Decisions
) -> Explanation:
    details: dict[str, Any] = {"rank": rank, "last_rank_in": config.highlights.count}
    if rank is None:
        details["candidates"] = select.highlight_candidate_count(config)  # what the build ranks
    # an entry select never saw (found by a query) has no decisions attached: select was given them
    details |= _decided(decisions.editorial.get(entry.id, entry.editorial))
    return Explanation("out", "not-picked", entry, details)


def undatable(entry: Entry, config: Config) -> Explanation | None:
    """Out, when no week of the publication's time zone holds the entry's date; else None."""
    if _week_of(entry.published, config.publication.zone):
        return None
    return _undatable(entry)


def _undatable(entry: Entry) -> Explanation:
    details = {"date": entry.published.isoformat(timespec="seconds")}  # UTC, as archived
    return Explanation("out", "undatable", entry, details)


def _outside(entry: Entry, period: Period, config: Config) -> Explanation:
    zone = config.publication.zone
    week = _week_of(entry.published, zone)
    if week is None:
        return _undatable(entry)
    details: dict[str, Any] = {"date": _local(entry.published, zone)}
    if period.kind == "weekly":
        details["week"] = week.key
        if entry.event:
            window_start, window_end = select.upcoming_window(period, config)
            details["event_start"] = _local(entry.event.start, zone)
            if (entry.event.end or entry.event.start) < window_start:
                details["event"] = "over before the week ended"
            elif entry.event.start >= window_end:
                details["event"] = (
                    f"starts after the {config.weekly.upcoming_weeks} weeks looked ahead"
                )
    else:
        details["year"] = _in_zone(entry.published, zone).year
    return Explanation("out", "outside-period", entry, details)


_PROBLEM = re.compile(r"(?P<file>.+?):(?P<line>\d+): (?P<problem>.*)")


def explain_problems(problems: Iterable[str]) -> list[Explanation]:
    """Each `file:line: problem` line of the local entry files, as an explanation."""
    found = []
    for problem in problems:
        match = _PROBLEM.fullmatch(problem)
        details: dict[str, Any] = {"warning": problem}
        if match:
            details |= {"file": match["file"], "line": int(match["line"])}
        found.append(Explanation("out", "unreadable", None, details))
    return found


def explain_failed_sources(
    failed: dict[str, tuple[datetime, str]], config: Config
) -> list[Explanation]:
    """The configured sources whose last fetch failed, as the archive recorded it."""
    zone = config.publication.zone
    return [
        Explanation(
            "out",
            "source-failed",
            None,
            {
                "source": source.name,
                "checked_at": _local(failed[source.name][0], zone),
                "error": failed[source.name][1],
            },
        )
        for source in config.sources
        if source.name in failed
    ]


def _day(moment: datetime, zone: ZoneInfo, with_time: bool = False) -> str:
    local = _in_zone(moment, zone)
    return f"{local.day} {local:%b %Y}" + (f" {local:%H:%M}" if with_time else "")


def _ranking(details: dict[str, Any]) -> str:
    marked = "marked highlight" if details["highlight"] else "not marked highlight"
    return f"{marked}, weight {details['weight']}"


def label(explanation: Explanation) -> str:
    """The short column people scan: 'News #2', 'duplicate', 'source cap'."""
    details = explanation.details
    if explanation.reason == "lead":
        return f"{details['section']} lead"
    if explanation.status == "in":
        return f"{details['section']} #{details['position']}"
    return explanation.reason.replace("-", " ")


def because(explanation: Explanation, config: Config) -> str:
    """Why, in words, with the names and numbers that make it checkable."""
    zone, details = config.publication.zone, explanation.details
    reason = explanation.reason
    if reason == "event" and explanation.entry and explanation.entry.event:
        return f"takes place {_day(explanation.entry.event.start, zone, with_time=True)}"
    if reason == "highlight" and "picked" in details:
        return f"picked as highlight #{details['picked']} in {details['decided_in']}"
    if reason == "highlight":
        return _ranking(details)
    if reason == "lead":
        return f"the editor's lead story, in {details['decided_in']}"
    if "moved_from" in details:
        return f"moved from {details['moved_from']} by the editor, in {details['moved_in']}"
    if explanation.status == "in":
        return ""
    if reason == "left-out":
        where = f"{details['file']}:{details['line']}" if "line" in details else details["file"]
        return f"left out by the editor, in {where}"
    if reason == "duplicate":
        kept = details["kept"]
        rule = "the same id" if details["rule"] == "same-id" else "the same link"
        return f"{rule} as {kept['title']!r} ({kept['source']}), which is preferred: {details['why_kept']}"
    if reason == "already-sent":
        sent = details["sent"]
        return f'in weekly {details["week"]} as "{sent["title"]}" ({sent["source"]})'
    if reason == "source-cap":
        return f"over max_items = {details['max_items']} of {details['source']!r}; a headline link in 'Also in this issue'"
    if reason == "section-cap":
        return f"over weekly.section_cap = {details['section_cap']} in {details['section']}; a headline link in 'Also in this issue'"
    if reason == "size-budget":
        return f"the email was over {details['size_budget_kb']} KB; a headline link in 'Also in this issue'"
    if reason == "not-picked":
        if details["rank"] is None:
            return f"ranks below the {details['candidates']} candidates the build considers; {details['last_rank_in']} get in"
        return f"ranked {details['rank']} ({_ranking(details)}); the last rank in is {details['last_rank_in']}"
    if reason == "outside-period":
        date = _day(datetime.fromisoformat(details["date"]), zone, with_time=True)
        where = f"week {details['week']}" if "week" in details else str(details["year"])
        event = (
            f"; an event on {_day(datetime.fromisoformat(details['event_start']), zone)}, {details['event']}"
            if details.get("event")
            else ""
        )
        return f"dated {date} ({zone.key}), in {where}{event}"
    if reason == "undatable":
        when = datetime.fromisoformat(details["date"]).replace(tzinfo=None)
        return (
            f"dated {when.isoformat(sep=' ', timespec='minutes')} UTC, which no week of the"
            f" years 1 to 9999 holds in {zone.key}: no issue can list it"
        )
    if reason == "no-issue":
        return f"{details['week']} has no new entries, so no issue is built"
    if reason == "unplaced":
        return f"its section {details['section']!r} is not in publication.sections"
    if reason == "unreadable":
        return f"{details['warning']}; digest build stops until it is fixed"
    if reason == "source-failed":
        checked = _day(datetime.fromisoformat(details["checked_at"]), zone, with_time=True)
        return (
            f"last fetch ({checked}) failed: {details['error']}; its archived entries still serve"
        )
    return OUT_REASONS.get(reason, reason)


def as_line(explanation: Explanation, config: Config) -> str:
    """One line for a terminal: `IN   News #2              "Title" (ICR news, 14 Oct 2025)`."""
    entry, why = explanation.entry, because(explanation, config)
    if entry:
        what = f'"{entry.title}" ({entry.source}, {_day(entry.published, config.publication.zone)})'
    elif explanation.reason == "source-failed":
        what = f"source {explanation.details['source']!r}"
    else:
        what = ""  # the warning names the file
    text = f"{explanation.status.upper():<4} {label(explanation):<20} {what}"
    return (f"{text}: {why}" if what and why else text + why).rstrip()


def as_json(explanation: Explanation, config: Config) -> dict[str, Any]:
    """The explanation as a JSON object with the same keys for every reason."""
    entry = explanation.entry
    return {
        "id": entry.id if entry else None,
        "title": entry.title if entry else None,
        "source": entry.source if entry else explanation.details.get("source"),
        "published": _local(entry.published, config.publication.zone) if entry else None,
        "status": explanation.status,
        "reason": explanation.reason,
        "message": because(explanation, config) or f"in {label(explanation)}",
        "details": explanation.details,
    }
