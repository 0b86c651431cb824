"""The VTIMEZONE of an .ics file (RFC 5545 3.6.5), from the IANA zone's own rule.

Calendars that do not know a TZID read the offsets from this component, and RFC 5545
says how: an observance's DTSTART is the local time of the change in the offset in
force before it (TZOFFSETFROM). icalendar's `Timezone.from_tzinfo` writes the local
time after the change for spring (03:00 in Oslo, not 02:00), so readers that take the
component literally put the change an hour late.

The zone's current rule is the POSIX TZ string at the end of its TZif file (tzdata's,
as `zoneinfo` reads): "CET-1CEST,M3.5.0,M10.5.0/3". It becomes a DAYLIGHT and a STANDARD
observance with a yearly RRULE from 1970, the form tzurl.org and Outlook write, which
every common reader (libical, dateutil's tzical, vobject, Outlook, Google) follows.
The rule is checked against the zone database at every event time; when it does not
hold there (an event in a year of older rules) or cannot be written as an RRULE, the
component lists the real transitions of the events' years instead (icalendar's, with
DTSTART corrected to the local time before each change).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

RULE_START = 1970  # the first year of the RRULE form, as tzurl.org and Outlook write it
WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX counts from Sunday
# std offset [dst [offset] ,start[/time],end[/time]]; names are letters or <+03>-style
_NAME = r"(?:<[^>]+>|[A-Za-z]{3,})"
_OFFSET = r"[+-]?\d{1,3}(?::\d{1,2}){0,2}"
_POSIX = re.compile(
    rf"^(?P<std>{_NAME})(?P<std_offset>{_OFFSET})"
    rf"(?:(?P<dst>{_NAME})(?P<dst_offset>{_OFFSET})?"
    rf",M(?P<start>\d{{1,2}}\.\d\.\d)(?:/(?P<start_time>{_OFFSET}))?"
    rf",M(?P<end>\d{{1,2}}\.\d\.\d)(?:/(?P<end_time>{_OFFSET}))?)?$"
)


@dataclass(frozen=True)
class _Change:
    """One yearly change of a POSIX rule: month, week (5 = last), weekday, local time."""

    month: int
    week: int
    weekday: int  # 0 = Sunday
    at: timedelta  # local time in the offset before the change

    def on(self, year: int) -> datetime:
        """The local date and time of the change in `year` (naive)."""
        first = date(year, self.month, 1)
        day = first + timedelta(days=(self.weekday - (first.isoweekday() % 7)) % 7)
        day += timedelta(weeks=self.week - 1)
        while day.month != self.month:  # week 5 means the last such weekday
            day -= timedelta(weeks=1)
        return datetime.combine(day, time()) + self.at

    def rrule(self) -> dict[str, object]:
        week = -1 if self.week == 5 else self.week
        return {"FREQ": "YEARLY", "BYMONTH": self.month, "BYDAY": f"{week}{WEEKDAYS[self.weekday]}"}


@dataclass(frozen=True)
class _Rule:
    """A zone's current rule: standard offset and name, and daylight time if it has one."""

    standard: timedelta
    standard_name: str
    daylight: timedelta | None = None
    daylight_name: str = ""
    start: _Change | None = None  # the change to daylight time
    end: _Change | None = None  # the change back

    def offset(self, moment: datetime) -> timedelta:
        """The UTC offset this rule gives at an aware moment."""
        if self.daylight is None or self.start is None or self.end is None:
            return self.standard
        naive_utc = moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
        year = naive_utc.year
        on = self.start.on(year) - self.standard  # UTC instants of this year's changes
        off = self.end.on(year) - self.daylight
        in_daylight = on <= naive_utc < off if on < off else not off <= naive_utc < on
        return self.daylight if in_daylight else self.standard


def _seconds(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    parts = [int(part) for part in text.lstrip("+-").split(":")] + [0, 0]
    return sign * timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])


def _change(spec: str, at: str | None) -> _Change | None:
    month, week, weekday = (int(part) for part in spec.split("."))
    moment = _seconds(at) if at else timedelta(hours=2)
    if not (1 <= month <= 12 and 1 <= week <= 5 and 0 <= weekday <= 6):
        return None
    if not timedelta(0) <= moment < timedelta(days=1):
        return None  # "/26", "/-1": a change on another weekday than the rule's, not an RRULE
    return _Change(month, week, weekday, moment)


def parse_posix_rule(text: str) -> _Rule | None:
    """The rule of a POSIX TZ string, or None for one an RRULE cannot express."""
    match = _POSIX.match(text.strip())
    if not match:
        return None
    # POSIX offsets are west of Greenwich: "CET-1" is UTC+1.
    standard = -_seconds(match["std_offset"])
    standard_name = match["std"].strip("<>")
    if not match["dst"]:
        return _Rule(standard, standard_name)
    daylight = (
        -_seconds(match["dst_offset"]) if match["dst_offset"] else standard + timedelta(hours=1)
    )
    start = _change(match["start"], match["start_time"])
    end = _change(match["end"], match["end_time"])
    if start is None or end is None:
        return None
    return _Rule(standard, standard_name, daylight, match["dst"].strip("<>"), start, end)


@cache  # read once per process: build --all writes a VTIMEZONE into every calendar file
def _posix_string(key: str) -> str:
    """The POSIX TZ string at the end of the zone's TZif file, found as `zoneinfo` finds it."""
    parts = key.split("/")
    for folder in zoneinfo.TZPATH:
        path = Path(folder, *parts)
        if path.is_file():
            data = path.read_bytes()
            break
    else:
        try:
            data = resources.files("tzdata").joinpath("zoneinfo", *parts).read_bytes()
        except (ModuleNotFoundError, FileNotFoundError, OSError):
            return ""
    if not data.startswith(b"TZif") or data[4:5] < b"2":
        return ""  # version 1 files have no footer
    return data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii", "replace")


def _observance(
    kind: type[TimezoneDaylight | TimezoneStandard],
    name: str,
    before: timedelta,
    after: timedelta,
    start: datetime,
) -> TimezoneDaylight | TimezoneStandard:
    observance = kind()
    observance.add("tzname", name)
    observance.add("tzoffsetfrom", before)
    observance.add("tzoffsetto", after)
    observance.add("dtstart", start)
    return observance


def _from_rule(key: str, rule: _Rule) -> Timezone:
    timezone = Timezone()
    timezone.add("tzid", key)
    if rule.daylight is None or rule.start is None or rule.end is None:
        onset = datetime(RULE_START, 1, 1)
        timezone.add_component(
            _observance(TimezoneStandard, rule.standard_name, rule.standard, rule.standard, onset)
        )
        return timezone
    daylight = _observance(
        TimezoneDaylight,
        rule.daylight_name,
        rule.standard,
        rule.daylight,
        rule.start.on(RULE_START),
    )
    daylight.add("rrule", rule.start.rrule())
    standard = _observance(
        TimezoneStandard, rule.standard_name, rule.daylight, rule.standard, rule.end.on(RULE_START)
    )
    standard.add("rrule", rule.end.rrule())
    # In the order of the year's changes, as tzurl.org writes them.
    first, second = (
        (daylight, standard) if rule.start.month < rule.end.month else (standard, daylight)
    )
    timezone.add_component(first)
    timezone.add_component(second)
    return timezone


def _rule_holds(rule: _Rule, zone: ZoneInfo, moments: Iterable[datetime]) -> bool:
    """Does the rule give the zone database's offset at every moment, and around the changes
    of their years?"""
    points = list(moments)
    if rule.start is not None and rule.end is not None and rule.daylight is not None:
        for year in {moment.year for moment in points}:
            for change, before in ((rule.start, rule.standard), (rule.end, rule.daylight)):
                utc = (change.on(year) - before).replace(tzinfo=ZoneInfo("UTC"))
                points += [utc - timedelta(hours=1), utc, utc + timedelta(hours=1)]
    return all(rule.offset(moment) == zone.utcoffset(moment.astimezone(zone)) for moment in points)


def _from_transitions(zone: ZoneInfo, years: Iterable[int]) -> Timezone:
    """icalendar's list of the years' transitions, each DTSTART moved to the local time before
    the change (icalendar writes the later wall time, which in spring is the one after)."""
    span = sorted(set(years))
    timezone = Timezone.from_tzinfo(
        zone, zone.key, date(span[0] - 1, 1, 1), date(span[-1] + 2, 1, 1)
    )
    for observance in timezone.subcomponents:
        offsets: tuple[Any, Any] = (observance["TZOFFSETFROM"], observance["TZOFFSETTO"])
        shift = offsets[1].td - offsets[0].td
        if shift <= timedelta(0):
            continue  # falling back: the later wall time is the one before, already right
        onset: Any = observance.pop("DTSTART")
        observance.add("dtstart", onset.dt - shift)
        listed: Any = observance.pop("RDATE", [])
        for rdate in listed if isinstance(listed, list) else [listed]:
            observance.add("rdate", [value.dt - shift for value in rdate.dts])
    return timezone


def vtimezone(zone: ZoneInfo, moments: Iterable[datetime]) -> Timezone:
    """The VTIMEZONE for events at `moments` (aware) in `zone`: its rule, else its transitions."""
    points = list(moments)
    rule = parse_posix_rule(_posix_string(zone.key))
    if rule is not None and _rule_holds(rule, zone, points):
        return _from_rule(zone.key, rule)
    return _from_transitions(zone, (moment.year for moment in points))
