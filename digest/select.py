"""Turn archived entries into issues: periods, deduplication, sections, caps, editorial
decisions merged, and highlight ranking: every rule of what goes in, and in what order.

Pure functions of their arguments: the caller queries the archive and passes the
entries in, so every rule here is tested without a database. What an editor decided
(`Editorial`) is passed in apart from the entries and attached to them by `with_editorial`,
the one place the two meet; the archive's queries apply no editorial rule. Given a `Decisions`,
the same functions also note why they left each entry out, for `digest explain`:
one code path both builds the issue and explains it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from digest.config import Config
from digest.links import canonical_link, story_link
from digest.model import (
    Editorial,
    Entry,
    EntryDecision,
    Image,
    Issue,
    IssueEditorial,
    Period,
    Section,
)

EVENTS_SECTION = "Upcoming events"
HIGHLIGHTS_SECTION = "Highlights"


@dataclass(frozen=True)
class Duplicate:
    """An entry set aside as another copy of `kept`: the same id, or the same canonical link."""

    entry: Entry
    kept: Entry
    rule: Literal["same-id", "same-link"]


@dataclass(frozen=True)
class AlreadySent:
    """A feed's copy of a story dated in an earlier week: `sent` had it in the issue of `week`."""

    entry: Entry
    sent: Entry
    week: str


@dataclass(frozen=True)
class Capped:
    """An entry over its source's `max_items` or its section's `section_cap` (None: not exceeded)."""

    entry: Entry
    source_cap: int | None
    section_cap: int | None


@dataclass
class Decisions:
    """What the select stage was given and why it left entries out; filled in when passed in."""

    considered: list[Entry] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    already_sent: list[AlreadySent] = field(default_factory=list)
    capped: list[Capped] = field(default_factory=list)
    ranked: list[Entry] = field(default_factory=list)  # yearly: every candidate, best first
    editorial: dict[str, Editorial] = field(default_factory=dict)  # the decisions it was given
    # from the issue's decision file: where each decision is written, 'feeds/issues/2025-W40.toml:7'
    left_out: dict[str, str] = field(default_factory=dict)  # entry id -> where it was left out
    moved: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (from section, where)
    lead: dict[str, str] = field(default_factory=dict)  # the lead story's id -> where
    picked: dict[str, tuple[int, str]] = field(default_factory=dict)  # id -> (number, where)


def week_period(key: str, zone: ZoneInfo) -> Period:
    """The ISO week "2025-W42" as a Period in the publication's time zone; ValueError if malformed."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", key)
    if not match:
        raise ValueError(f"expected a week like 2025-W42, got {key!r}")
    year, week = int(match.group(1)), int(match.group(2))
    monday = date.fromisocalendar(year, week, 1)  # raises ValueError for week 53 of a 52-week year
    start = datetime.combine(monday, time(), zone)
    return Period(
        "weekly",
        f"{year:04d}-W{week:02d}",
        start,
        datetime.combine(monday + timedelta(days=7), time(), zone),
    )


def year_period(year: int, zone: ZoneInfo) -> Period:
    start = datetime.combine(date(year, 1, 1), time(), zone)
    return Period("yearly", str(year), start, datetime.combine(date(year + 1, 1, 1), time(), zone))


def week_of(moment: datetime, zone: ZoneInfo) -> Period:
    year, week, _ = moment.astimezone(zone).isocalendar()
    return week_period(f"{year:04d}-W{week:02d}", zone)


def last_complete_week(now: datetime, zone: ZoneInfo) -> Period:
    """The most recent ISO week that has ended by `now` in the publication's time zone."""
    return week_of(week_of(now, zone).start - timedelta(days=1), zone)


def weeks_of(moments: Iterable[datetime], zone: ZoneInfo) -> list[Period]:
    """Every ISO week in which at least one of `moments` falls, oldest first."""
    keys = set()
    for moment in moments:
        try:
            year, week, _ = moment.astimezone(zone).isocalendar()
        except OverflowError:  # the year 1 in a zone behind UTC: archived before ingest refused it
            continue
        keys.add(f"{year:04d}-W{week:02d}")  # the year 99 too: "0099-W53", as week_period reads it
    return [week_period(key, zone) for key in sorted(keys)]


def with_editorial(entries: Iterable[Entry], editorial: Mapping[str, Editorial]) -> list[Entry]:
    """The entries, each with what an editor decided about it attached (by entry id)."""
    return [
        replace(entry, editorial=editorial[entry.id]) if entry.id in editorial else entry
        for entry in entries
    ]


def highlight_years(decided: Iterable[tuple[datetime, bool]], zone: ZoneInfo) -> set[int]:
    """The years that have a highlights issue: those with an entry an editor marked a highlight.

    `decided` are (date, highlight) of the entries an editor decided about."""
    return {moment.astimezone(zone).year for moment, highlight in decided if highlight}


def _rank(
    highlight: bool, weight: int, published: datetime, entry_id: str
) -> tuple[bool, int, float, str]:
    """The highlights order: marked highlights first, then by weight, then newest."""
    return (not highlight, -weight, -published.timestamp(), entry_id)


# The same order for the archive to answer in (SQL over the editorial and entries columns), so
# that the year's best decided entries come without reading all of the year's decisions.
HIGHLIGHT_ORDER = "editorial.highlight DESC, editorial.weight DESC, published DESC, id"


def _highlight_rank(entry: Entry) -> tuple[bool, int, float, str]:
    return _rank(entry.editorial.highlight, entry.editorial.weight, entry.published, entry.id)


def highlight_candidate_count(config: Config) -> int:
    """How many of the year's best-ranked entries the highlights are chosen from: more than
    the count, so that duplicates can be dropped."""
    return config.highlights.count * 3


def highlight_candidates(
    decided: Iterable[tuple[str, datetime, bool, int]],
    undecided: Iterable[tuple[str, datetime]],
    config: Config,
) -> list[str]:
    """The ids of the year's candidates for its highlights, best first.

    `decided` are (id, date, highlight, weight) of every entry of the year an editor decided about,
    `undecided` (id, date) of the newest others, at least `highlight_candidate_count` of them
    when the year has so many: together they hold the year's best-ranked entries.
    """
    ranked = sorted(
        [
            _rank(marked, weight, published, entry_id)
            for entry_id, published, marked, weight in decided
        ]
        + [_rank(False, 0, published, entry_id) for entry_id, published in undecided]
    )
    return [key[-1] for key in ranked[: highlight_candidate_count(config)]]


def _where(decided: IssueEditorial, line: int) -> str:
    return f"{decided.file}:{line}" if line else decided.file


def _with_decision(entry: Entry, decision: EntryDecision) -> Entry:
    """The entry as the editor wants it shown in this issue; the archive's entry is untouched."""
    editorial = entry.editorial
    if decision.kicker is not None or decision.comment:
        editorial = replace(
            editorial,
            kicker=editorial.kicker if decision.kicker is None else decision.kicker,
            comment=decision.comment,
        )
    image = entry.image
    if decision.image is not None:
        image = replace(entry.image, url=decision.image) if entry.image else Image(decision.image)
    return replace(
        entry,
        title=entry.title if decision.title is None else decision.title,
        summary=entry.summary if decision.summary is None else decision.summary,
        section=entry.section if decision.section is None else decision.section,
        image=image,
        editorial=editorial,
    )


def entry_decisions(
    decided: IssueEditorial | None,
    known: set[str],
    config: Config,
    warnings: list[str] | None = None,
) -> dict[str, EntryDecision]:
    """An issue's `[[entries]]` decisions by id, for the entries of `known` ids.

    An id that names none of them, or a section that is not configured, is a warning
    naming the file and line; the decision (or its section) is then ignored."""
    by_id: dict[str, EntryDecision] = {}
    for decision in decided.entries if decided else ():
        assert decided is not None
        where = _where(decided, decision.line)
        if decision.id not in known:
            _warn(
                warnings,
                f"{where}: entry {decision.id!r} is not among this issue's entries; "
                "check the id with 'digest explain --json'",
            )
            continue
        if decision.section is not None and decision.section not in config.publication.sections:
            _warn(
                warnings,
                f"{where}: section {decision.section!r} is not one of "
                "publication.sections; the entry stays in its own",
            )
            decision = replace(decision, section=None)
        by_id[decision.id] = decision
    return by_id


def apply_entry_decisions(
    entries: Iterable[Entry],
    by_id: Mapping[str, EntryDecision],
    decided: IssueEditorial | None,
    decisions: Decisions | None = None,
) -> list[Entry]:
    """The entries with their issue's decisions applied: left out, moved, reworded."""
    kept = []
    for entry in entries:
        decision = by_id.get(entry.id)
        if decision is None or decided is None:
            kept.append(entry)
            continue
        where = _where(decided, decision.line)
        if decision.omit:
            if decisions is not None:
                decisions.left_out[entry.id] = where
            continue
        if decisions is not None and decision.section and decision.section != entry.section:
            decisions.moved[entry.id] = (entry.section, where)
        kept.append(_with_decision(entry, decision))
    return kept


def _warn(warnings: list[str] | None, line: str) -> None:
    if warnings is not None:
        warnings.append(line)


def _editor_order(decided: IssueEditorial | None) -> dict[str, int]:
    return {d.id: d.order for d in decided.entries if d.order is not None} if decided else {}


def _in_this_issue(sections: list[Section]) -> str:
    """The default "In this issue" line: the lead story and each news section's first story;
    in a yearly issue, the first three highlights."""
    titles = [s.entries[0].title for s in sections if s.kind in ("lead", "news") and s.entries]
    titles += [e.title for s in sections if s.kind == "highlights" for e in s.entries[:3]]
    return " · ".join(titles[:4])


def _with_issue_decisions(
    issue: Issue,
    decided: IssueEditorial | None,
    decisions: Decisions | None,
    warnings: list[str] | None,
) -> Issue:
    """The issue with its decision file's intro, subject, preheader and lead story applied."""
    if decided is None:
        return issue
    sections = list(issue.sections)
    if decided.lead:
        where = _where(decided, decided.lead_line)
        found = [e for s in sections if s.kind == "news" for e in s.entries if e.id == decided.lead]
        if found:
            lead = found[0]
            sections = [
                replace(s, entries=tuple(e for e in s.entries if e.id != lead.id)) for s in sections
            ]
            sections = [
                Section(lead.section, (lead,), kind="lead"),
                *(s for s in sections if s.entries),
            ]
            if decisions is not None:
                decisions.lead[lead.id] = where
        else:
            _warn(
                warnings,
                f"{where}: lead {decided.lead!r} is not a story of this issue (left out, over a cap, "
                "an event, or not dated in it); "
                "check the id with 'digest explain --json'",
            )
    return replace(
        issue,
        sections=tuple(sections),
        intro_html=decided.intro_html,
        in_this_issue=decided.in_this_issue or _in_this_issue(sections),
        subject=decided.subject,
        preheader=decided.preheader,
    )


def deduplicate(entries: Iterable[Entry], decisions: Decisions | None = None) -> list[Entry]:
    """Keep the first of entries that share an id, or a canonical link across different sources.

    Callers order entries by preference. Within one source a shared link is deliberate
    (several highlights pointing at one yearly post), so only other sources' copies go.
    """
    kept: list[Entry] = []
    by_id: dict[str, Entry] = {}
    first_with_link: dict[str, Entry] = {}
    for entry in entries:
        link = canonical_link(entry.link) if entry.link else None
        linked = first_with_link.get(link) if link else None
        if entry.id in by_id or (linked and linked.source != entry.source):
            if decisions is not None:
                same_id = entry.id in by_id
                winner = by_id[entry.id] if same_id else linked
                assert winner is not None
                rule: Literal["same-id", "same-link"] = "same-id" if same_id else "same-link"
                decisions.duplicates.append(Duplicate(entry, winner, rule))
            continue
        by_id[entry.id] = entry
        if link:
            first_with_link.setdefault(link, entry)
        kept.append(entry)
    return kept


def already_sent(
    dated: Iterable[Entry],
    earlier: Iterable[Entry],
    period: Period,
    config: Config,
    decisions: Decisions | None = None,
) -> list[Entry]:
    """`dated` without the feed copies of stories that an earlier week's issue already had.

    `earlier` are entries dated before the period that share a story link with some of
    `dated`. The earliest-dated copy of a story decides its week, and the copy that week
    preferred is the one named; staff entries are never left out this way, and a link that
    several staff entries share is no earlier copy.
    """
    copies: dict[str, list[Entry]] = {}
    for entry in earlier:
        key = story_link(entry.link)
        if key and entry.published < period.start:
            copies.setdefault(key, []).append(entry)
    for key, found in copies.items():
        # staff entries may share a link on purpose (the year's highlights all pointing at one
        # post): such a link names no single story, so their copies send nothing of it
        staff = [copy for copy in found if copy.source == config.entries.source]
        if len(staff) > 1:
            copies[key] = [copy for copy in found if copy.source != config.entries.source]
    kept = []
    for entry in dated:
        key = story_link(entry.link) if entry.source != config.entries.source else None
        found = [copy for copy in copies.get(key, ()) if copy.id != entry.id] if key else []
        if not found:
            kept.append(entry)
            continue
        week = week_of(min(copy.published for copy in found), config.publication.zone)
        if decisions is not None:
            sent = _by_preference((c for c in found if week.contains(c.published)), config)[0]
            decisions.already_sent.append(AlreadySent(entry, sent, week.key))
    return kept


def source_preference(config: Config) -> dict[str, int]:
    """Staff-written entries win over feed copies of the same story; then sources in config order."""
    order = {config.entries.source: 0}
    for index, source in enumerate(config.sources, start=1):
        order.setdefault(source.name, index)
    return order


def _newest_first(entry: Entry) -> tuple[float, str]:
    return (-entry.published.timestamp(), entry.id)


def _apply_caps(
    entries: list[Entry],
    config: Config,
    decisions: Decisions | None = None,
    lead: str | None = None,
) -> tuple[list[Entry], list[Entry]]:
    """(kept, dropped): at most `max_items` per source and `section_cap` per section, newest
    kept; the editor's lead (`lead`) is kept before any other, as a lead never gives way to a cap."""
    caps = {source.name: source.max_items for source in config.sources if source.max_items}
    per_source: Counter[str] = Counter()
    per_section: Counter[str] = Counter()
    kept, dropped = [], []
    for entry in sorted(entries, key=lambda e: (e.id != lead, *_newest_first(e))):
        over_source = entry.source in caps and per_source[entry.source] >= caps[entry.source]
        over_section = (
            config.weekly.section_cap is not None
            and per_section[entry.section] >= config.weekly.section_cap
        )
        if over_source or over_section:
            dropped.append(entry)
            if decisions is not None:
                decisions.capped.append(
                    Capped(
                        entry,
                        caps[entry.source] if over_source else None,
                        config.weekly.section_cap if over_section else None,
                    )
                )
            continue
        per_source[entry.source] += 1
        per_section[entry.section] += 1
        kept.append(entry)
    return kept, dropped


def _by_preference(entries: Iterable[Entry], config: Config) -> list[Entry]:
    rank = source_preference(config)
    return sorted(entries, key=lambda e: (rank.get(e.source, len(rank)), e.published, e.id))


def weekly_issue(
    dated: Iterable[Entry],
    events: Iterable[Entry],
    period: Period,
    config: Config,
    decisions: Decisions | None = None,
    earlier: Iterable[Entry] = (),
    editorial: Mapping[str, Editorial] | None = None,
    decided: IssueEditorial | None = None,
    warnings: list[str] | None = None,
) -> Issue | None:
    """The issue for one week: entries dated in it, by section, plus upcoming events; None if empty.

    `dated` are the entries published in the week; `events` those that have not
    ended by the end of the week and start within the configured look-ahead; `earlier`
    the copies of `dated` stories dated before the week (see `already_sent`); `editorial`
    what an editor decided about them, by entry id; `decided` the issue's decision file,
    whose problems (an unknown id) go to `warnings`.
    """
    editorial = editorial or {}
    dated, events = with_editorial(dated, editorial), with_editorial(events, editorial)
    if decisions is not None:
        decisions.considered += [*dated, *events]
        decisions.editorial |= editorial
    by_id = entry_decisions(decided, {e.id for e in [*dated, *events]}, config, warnings)
    dated = apply_entry_decisions(dated, by_id, decided, decisions)
    events = apply_entry_decisions(events, by_id, decided, decisions)
    order = _editor_order(decided)
    in_week = [e for e in dated if period.contains(e.published)]
    unique = deduplicate(
        _by_preference(already_sent(in_week, earlier, period, config, decisions), config),
        decisions,
    )
    upcoming = deduplicate(
        _by_preference(
            [e for e in events if e.event and (e.event.end or e.event.start) >= period.end], config
        ),
        decisions,
    )
    upcoming_ids = {e.id for e in upcoming}
    news, dropped = _apply_caps(
        [e for e in unique if e.id not in upcoming_ids],
        config,
        decisions,
        decided.lead if decided else None,
    )
    sections = [
        Section(
            title,
            tuple(
                sorted(
                    (e for e in news if e.section == title),
                    key=lambda e: (order.get(e.id, 1 << 30), *_newest_first(e)),
                )
            ),
        )
        for title in config.publication.sections
    ]
    if upcoming:
        ordered = sorted(upcoming, key=lambda e: (e.event.start if e.event else e.published, e.id))
        sections.append(Section(EVENTS_SECTION, tuple(ordered), kind="events"))
    sections = [section for section in sections if section.entries]
    if not unique:
        return None  # events announced in earlier weeks alone do not make an issue
    year, week, _ = period.start.isocalendar()
    issue = Issue(
        period=period,
        title=f"Week {week}, {year}",
        sections=tuple(sections),
        date=period.end.astimezone(UTC),
        dropped=tuple(sorted(dropped, key=_newest_first)),
    )
    return _with_issue_decisions(issue, decided, decisions, warnings)


def yearly_issue(
    candidates: Iterable[Entry],
    period: Period,
    config: Config,
    decisions: Decisions | None = None,
    editorial: Mapping[str, Editorial] | None = None,
    decided: IssueEditorial | None = None,
    warnings: list[str] | None = None,
) -> Issue | None:
    """The highlights of a year: the editor's picks in their order, then marked highlights,
    then by weight, then newest; None if empty.

    `candidates` should hold more than the count (`highlight_candidates`), so duplicates can
    be dropped, and every picked entry; `editorial` is what an editor decided about the year's
    entries, by entry id; `decided` the year's decision file (`[[highlights]]`, `[[entries]]`).
    """
    editorial = editorial or {}
    candidates = with_editorial(candidates, editorial)
    if decisions is not None:
        decisions.considered += candidates
        decisions.editorial |= editorial
    by_id = entry_decisions(decided, {entry.id for entry in candidates}, config, warnings)
    candidates = apply_entry_decisions(candidates, by_id, decided, decisions)
    in_year = [e for e in candidates if period.contains(e.published)]
    picks = _picked(in_year, decided, decisions, warnings)
    picked_ids = {entry.id for entry in picks}
    others = [entry for entry in in_year if entry.id not in picked_ids]
    unique = deduplicate([*picks, *_by_preference(others, config)], decisions)
    ranked = sorted((e for e in unique if e.id not in picked_ids), key=_highlight_rank)
    if decisions is not None:
        decisions.ranked += [*picks, *ranked]
    chosen = tuple([*picks, *ranked][: max(config.highlights.count, len(picks))])
    if not chosen:
        return None
    title = config.highlights.title.format(count=len(chosen), year=period.key)
    issue = Issue(
        period=period,
        title=title,
        sections=(Section(HIGHLIGHTS_SECTION, chosen, kind="highlights"),),
        date=period.end.astimezone(UTC),
        intro=config.highlights.intro,
    )
    return _with_issue_decisions(issue, decided, decisions, warnings)


def _picked(
    in_year: list[Entry],
    decided: IssueEditorial | None,
    decisions: Decisions | None,
    warnings: list[str] | None,
) -> list[Entry]:
    """The editor's picked highlights, in the file's order, with their captions, credits and
    calls to action; an id that names no entry of the year is a warning."""
    if decided is None:
        return []
    by_id = {entry.id: entry for entry in in_year}
    picks: list[Entry] = []
    for pick in decided.highlights:
        where = _where(decided, pick.line)
        entry = by_id.get(pick.id)
        if entry is None or any(chosen.id == pick.id for chosen in picks):
            reason = "picked twice" if entry else "is not an entry archived in this year"
            _warn(
                warnings,
                f"{where}: highlight {pick.id!r} {reason}; "
                "check the id with 'digest explain --year … --json'",
            )
            continue
        image = entry.image
        if image and (pick.caption is not None or pick.credit is not None):
            image = replace(
                image,
                caption=image.caption if pick.caption is None else pick.caption,
                credit=image.credit if pick.credit is None else pick.credit,
            )
        chosen = replace(
            entry,
            image=image,
            editorial=replace(entry.editorial, call_to_action=pick.call_to_action)
            if pick.call_to_action
            else entry.editorial,
        )
        picks.append(chosen)
        if decisions is not None:
            decisions.picked[entry.id] = (len(picks), where)
    return picks


def upcoming_window(period: Period, config: Config) -> tuple[datetime, datetime]:
    """The span in which an event must take place to be listed as upcoming in a weekly issue."""
    return period.end, period.end + timedelta(weeks=config.weekly.upcoming_weeks)


def move_to_headlines(issue: Issue, count: int) -> Issue:
    """The issue with its `count` lowest-ranked entries shown only as headline links.

    Lowest-ranked: the oldest entries of the last sections (highlights: the last ranks), and
    only once every story but one is a headline, the upcoming events furthest ahead (a
    later issue lists them again). Keeps an email under its size budget, not clipped by Gmail.
    """
    stories = [e for section in issue.sections if section.kind != "events" for e in section.entries]
    events = [e for section in issue.sections if section.kind == "events" for e in section.entries]
    ranked = [*stories[:1], *events, *stories[1:]]  # kept the longest first, moved from the end
    moving = {entry.id for entry in ranked[len(ranked) - count :]} if count > 0 else set()
    sections = tuple(
        replace(section, entries=tuple(e for e in section.entries if e.id not in moving))
        for section in issue.sections
    )
    moved = tuple(entry for entry in ranked if entry.id in moving)
    return replace(
        issue,
        sections=tuple(section for section in sections if section.entries),
        dropped=tuple(sorted((*issue.dropped, *moved), key=_newest_first)),
    )
