"""Upcoming events as .ics files and "Add to calendar" links: RFC 5545 that calendars read back."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import lxml.html
import pytest
import vobject
from dateutil import tz
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from digest import select
from digest.cli import main
from digest.config import Config
from digest.errors import ConfigError
from digest.ingest import fastfeed
from digest.ingest.feeds import parse_feed
from digest.ingest.local import read_entries
from digest.ingest.prepare import prepare
from digest.model import Entry, Event, Issue, Section
from digest.render.calendar import (
    calendar_files,
    event_file_name,
    event_uid,
    google_calendar_url,
    issue_calendar,
)
from tests.conftest import REPO, Publication, rss

OSLO = ZoneInfo("Europe/Oslo")
TRICKY = "Høivik; Børresen-Dale, Oslo\nRom 3"


@pytest.fixture
def config(publication: Publication) -> Config:
    return publication.load()


def oslo(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=OSLO)


def event_entry(name: str, event: Event | None, **fields: object) -> Entry:
    values: dict = {
        "id": f"entry:2026/{name}",
        "source": "Local",
        "title": name,
        "published": datetime(2026, 1, 5, 9, tzinfo=UTC),
        "section": "News",
        "link": f"https://news.test/{name}/",
        "summary": f"About {name}.",
        "event": event,
    }
    values.update(fields)
    return Entry(**values)  # type: ignore[arg-type]


def issue_of(*entries: Entry) -> Issue:
    period = select.week_period("2026-W02", OSLO)
    news = Section("News", (event_entry("story", None),))
    return Issue(period, "Week 2, 2026", (news, Section("Upcoming events", entries, kind="events")), period.end)


def parsed(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def only_event(data: bytes) -> CalendarEvent:
    events = parsed(data).events
    assert len(events) == 1
    return events[0]


def test_each_event_gets_its_file_and_the_issue_a_calendar_of_all(config: Config) -> None:
    first = event_entry("seminar", Event(oslo("2026-01-20T12:00"), oslo("2026-01-20T13:00"), "Room 1"))
    second = event_entry("conference", Event(oslo("2026-02-03T00:00"), all_day=True))
    files = calendar_files(issue_of(first, second), config)
    assert set(files) == {"events.ics", event_file_name(first), event_file_name(second)}
    assert event_file_name(first).startswith("events/seminar-") and event_file_name(first).endswith(".ics")
    for name, data in files.items():
        calendar = parsed(data)
        assert calendar["VERSION"] == "2.0" and calendar["METHOD"] == "PUBLISH"
        assert str(calendar["PRODID"]).startswith("-//digest//")
        assert calendar["X-WR-CALNAME"]
        for event in calendar.events:
            assert event["UID"].endswith("@digest.test") and event["DTSTAMP"] and event["DTSTART"]
        assert len(calendar.events) == (2 if name == "events.ics" else 1)
    whole = parsed(files["events.ics"])
    assert [str(e["SUMMARY"]) for e in whole.events] == ["seminar", "conference"]
    assert str(whole["X-WR-CALNAME"]) == str(whole.calendar_name) == "Test Digest: Week 2, 2026"


def test_uid_and_file_name_follow_the_entry_id_not_its_title(config: Config) -> None:
    entry = event_entry("seminar", Event(oslo("2026-01-20T12:00")))
    renamed = event_entry("seminar", Event(oslo("2026-01-20T12:00")), title="Seminar, new title")
    assert event_uid(entry, config) == event_uid(renamed, config)
    assert event_file_name(entry) == event_file_name(renamed)
    other = event_entry("seminar-2", Event(oslo("2026-01-20T12:00")))
    assert event_uid(other, config) != event_uid(entry, config)
    assert event_file_name(event_entry("x", Event(oslo("2026-01-20T12:00")), id="https://a.test/ø/")) == (
        event_file_name(event_entry("y", Event(oslo("2026-01-20T12:00")), id="https://a.test/ø/"))
    )


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        ("2026-03-29T01:30", "2026-03-29T04:00", 1.5),  # last Sunday of March: 02:00 becomes 03:00
        ("2026-10-25T01:30", "2026-10-25T03:30", 3.0),  # last Sunday of October: 03:00 becomes 02:00
        ("2026-03-28T20:00", "2026-03-29T10:00", 13.0),  # overnight, across the switch
    ],
)
def test_times_keep_their_instant_across_daylight_saving_changes(
    config: Config, start: str, end: str, hours: float
) -> None:
    entry = event_entry("night", Event(oslo(start), oslo(end)))
    data = calendar_files(issue_of(entry), config)[event_file_name(entry)]
    assert b"DTSTART;TZID=Europe/Oslo:" + start.replace("-", "").replace(":", "").encode() in data
    event = only_event(data)
    assert event.start.astimezone(UTC) == oslo(start).astimezone(UTC)
    assert event.end.astimezone(UTC) == oslo(end).astimezone(UTC)
    assert event.end.astimezone(UTC) - event.start.astimezone(UTC) == timedelta(hours=hours)
    # The VTIMEZONE written into the file (what a calendar without a zone database uses) agrees.
    (timezone,) = parsed(data).timezones
    assert timezone["TZID"] == "Europe/Oslo"
    written = timezone.to_tz()
    for moment in (oslo(start), oslo(end)):
        naive = moment.replace(tzinfo=None)
        assert naive.replace(tzinfo=written).utcoffset() == moment.utcoffset()


def test_all_day_events_are_dates_with_an_exclusive_end(publication: Publication) -> None:
    publication.entry("day.md", """
        ---
        title: Open day
        date: 2026-01-05
        start: 2026-05-17
        location: Oslo
        ---
        Body.
    """)
    publication.entry("days.md", """
        ---
        title: Summer school
        date: 2026-01-05
        start: 2026-06-10
        end: 2026-06-12
        ---
        Body.
    """)
    config = publication.load()
    entries = {e.title: e for e in read_entries(config).entries}
    assert all(entry.event and entry.event.all_day for entry in entries.values())
    files = calendar_files(issue_of(entries["Open day"], entries["Summer school"]), config)
    day = only_event(files[event_file_name(entries["Open day"])])
    assert b"DTSTART;VALUE=DATE:20260517" in files[event_file_name(entries["Open day"])]
    assert (day.start, day.end) == (date(2026, 5, 17), date(2026, 5, 18))
    days = only_event(files[event_file_name(entries["Summer school"])])
    assert (days.start, days.end) == (date(2026, 6, 10), date(2026, 6, 13))  # the 12th included
    assert not parsed(files["events.ics"]).timezones  # dates need no time zone


def test_punctuation_line_breaks_and_non_ascii_round_trip_exactly(config: Config) -> None:
    entry = event_entry(
        "tricky",
        Event(oslo("2026-02-10T18:00"), oslo("2026-02-10T20:00"), TRICKY),
        title=TRICKY,
        summary="Kaffe, kaker; og «foredrag»\\ – velkommen! " * 4,
    )
    data = calendar_files(issue_of(entry), config)[event_file_name(entry)]
    event = only_event(data)
    assert str(event["SUMMARY"]) == TRICKY
    assert str(event["LOCATION"]) == TRICKY
    assert str(event["DESCRIPTION"]) == f"{entry.summary}\n\n{entry.link}"
    assert str(event["URL"]) == entry.link
    assert b"SUMMARY:H\xc3\xb8ivik\\; B\xc3\xb8rresen-Dale\\, Oslo\\nRom 3" in data
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # folded, in octets
    data.decode("utf-8")  # folding never splits a character


def test_rebuild_is_byte_identical_and_dtstamp_comes_from_the_entry(config: Config) -> None:
    def make() -> dict[str, bytes]:
        updated = datetime(2026, 1, 7, 8, 30, tzinfo=UTC)
        entry = event_entry("seminar", Event(oslo("2026-01-20T12:00"), oslo("2026-01-20T13:00")), updated=updated)
        return calendar_files(issue_of(entry), config)

    first = make()
    assert make() == first
    event = only_event(next(data for name, data in first.items() if name != "events.ics"))
    assert event["DTSTAMP"].dt == datetime(2026, 1, 7, 8, 30, tzinfo=UTC)
    published_only = event_entry("other", Event(oslo("2026-01-20T12:00")))
    data = calendar_files(issue_of(published_only), config)[event_file_name(published_only)]
    assert only_event(data)["DTSTAMP"].dt == published_only.published


def test_google_calendar_link_for_a_timed_and_an_all_day_event(config: Config) -> None:
    timed = event_entry("talk", Event(oslo("2026-03-10T18:00"), oslo("2026-03-10T19:30"), TRICKY), title=TRICKY)
    url = urlsplit(google_calendar_url(timed, config))
    assert (url.scheme, url.netloc, url.path) == ("https", "calendar.google.com", "/calendar/render")
    query = parse_qs(url.query)
    assert query == {
        "action": ["TEMPLATE"],
        "text": [TRICKY],
        "dates": ["20260310T170000Z/20260310T183000Z"],
        "details": ["About talk.\n\nhttps://news.test/talk/"],
        "location": [TRICKY],
        "ctz": ["Europe/Oslo"],
    }
    assert "+" not in url.query and " " not in url.query  # spaces as %20, which every client reads
    all_day = event_entry("fair", Event(oslo("2026-06-10T00:00"), oslo("2026-06-13T00:00"), all_day=True))
    assert parse_qs(urlsplit(google_calendar_url(all_day, config)).query)["dates"] == ["20260610/20260613"]
    open_ended = event_entry("open", Event(oslo("2026-03-10T18:00")))
    assert parse_qs(urlsplit(google_calendar_url(open_ended, config)).query)["dates"] == [
        "20260310T170000Z/20260310T180000Z"
    ]


def test_links_point_at_the_issue_folder_on_the_web(config: Config) -> None:
    entry = event_entry("seminar", Event(oslo("2026-01-20T12:00")))
    calendar = issue_calendar(issue_of(entry), config)
    assert calendar is not None
    assert calendar.url == "https://digest.test/weekly/2026-W02/events.ics"
    assert calendar.events[entry.id].ics == f"https://digest.test/weekly/2026-W02/{event_file_name(entry)}"
    period = select.week_period("2026-W02", OSLO)
    no_events = Issue(period, "Week 2", (Section("News", (event_entry("story", None),)),), period.end)
    assert issue_calendar(no_events, config) is None and calendar_files(no_events, config) == {}


def test_a_passed_event_moves_out_of_upcoming_events(config: Config) -> None:
    meeting = event_entry("meeting", Event(oslo("2025-10-14T17:00"), oslo("2025-10-14T19:30")), published=datetime(2025, 9, 30, 8, tzinfo=UTC))
    later = event_entry("conference", Event(oslo("2025-10-22T08:00"), oslo("2025-10-22T17:00")), published=datetime(2025, 9, 30, 8, tzinfo=UTC))

    def upcoming(week: str) -> list[str]:
        period = select.week_period(week, OSLO)
        story = event_entry("story", None, id=f"story-{week}", published=period.start + timedelta(days=1))
        issue = select.weekly_issue([story], [later, meeting], period, config)
        assert issue is not None
        return [e.title for s in issue.sections if s.kind == "events" for e in s.entries]

    assert upcoming("2025-W40") == ["meeting", "conference"]  # sorted by start
    assert upcoming("2025-W42") == ["conference"]  # the meeting ended on the 14th
    assert upcoming("2025-W43") == []


EVENT_FEED = rss(
    """<item><title>Seminar: Høivik &amp; co</title><link>https://news.test/seminar</link>
    <guid>https://news.test/seminar</guid><pubDate>Mon, 02 Mar 2026 10:00:00 +0100</pubDate>
    <description>Seminar.</description>
    <ev:startdate>2026-03-10T18:00:00+01:00</ev:startdate><ev:enddate>2026-03-10T19:30:00+01:00</ev:enddate>
    <ev:location>Rom 3, Oslo</ev:location></item>
    <item><title>Fair</title><link>https://news.test/fair</link><pubDate>Mon, 02 Mar 2026 11:00:00 +0100</pubDate>
    <description>Fair.</description>
    <ev:startdate>2026-06-10</ev:startdate><ev:enddate>2026-06-12</ev:enddate></item>
    <item><title>Plain news</title><link>https://news.test/news</link><pubDate>Mon, 02 Mar 2026 12:00:00 +0100</pubDate>
    <description>News.</description></item>"""
).replace("<rss ", '<rss xmlns:ev="http://purl.org/rss/1.0/modules/event/" ', 1).encode()
FETCHED = datetime(2026, 3, 3, tzinfo=UTC)


@pytest.fixture
def feed_config(publication: Publication) -> Config:
    return publication.load('[[sources]]\nname = "S"\nurl = "https://news.test/feed/"\n')


def test_rss_event_module_items_become_events_through_both_readers(feed_config: Config) -> None:
    config, source = feed_config, feed_config.sources[0]
    fast = parse_feed(EVENT_FEED, source, config, FETCHED, "https://news.test/feed/")
    slow = parse_feed(EVENT_FEED, source, config, FETCHED, "https://news.test/feed/", reader="feedparser")
    assert fast == slow
    seminar, fair, news = fast.entries
    assert seminar.event == Event(oslo("2026-03-10T18:00"), oslo("2026-03-10T19:30"), "Rom 3, Oslo")
    assert fair.event == Event(oslo("2026-06-10T00:00"), oslo("2026-06-13T00:00"), "", all_day=True)
    assert news.event is None
    document, _ = prepare(EVENT_FEED)
    assert fastfeed.read(document) is None  # the fast reader steps aside for the event module


def test_a_source_can_name_its_own_event_elements(publication: Publication) -> None:
    feed = rss(
        """<item><title>Concert</title><link>https://news.test/concert</link>
        <pubDate>Mon, 02 Mar 2026 10:00:00 +0100</pubDate><description>Music.</description>
        <tribe:event_start_date>2026-03-20 19:00:00</tribe:event_start_date>
        <tribe:event_end_date>2026-03-20 21:00:00</tribe:event_end_date>
        <tribe:venue>Aula</tribe:venue></item>"""
    ).replace("<rss ", '<rss xmlns:tribe="https://tribe.test/ns" ', 1).encode()
    config = publication.load("""
        [[sources]]
        name = "Events"
        url = "https://news.test/events/feed/"
        [sources.events]
        start = "tribe:event_start_date"
        end = "tribe:event_end_date"
        location = "tribe:venue"
    """)
    source = config.sources[0]
    fast = parse_feed(feed, source, config, FETCHED, "https://news.test/feed/")
    assert fast == parse_feed(feed, source, config, FETCHED, "https://news.test/feed/", reader="feedparser")
    (concert,) = fast.entries
    assert concert.event == Event(oslo("2026-03-20T19:00"), oslo("2026-03-20T21:00"), "Aula")


def test_unreadable_event_dates_are_warnings_not_events(feed_config: Config) -> None:
    config = feed_config
    feed = EVENT_FEED.replace(b"2026-03-10T18:00:00+01:00", b"next tuesday").replace(b"2026-06-12", b"2026-06-01")
    parsed_feed = parse_feed(feed, config.sources[0], config, FETCHED, "https://news.test/feed/")
    seminar, fair, _ = parsed_feed.entries
    assert seminar.event is None and fair.event is not None and fair.event.end is None
    assert any("cannot read the event start 'next tuesday'" in w for w in parsed_feed.warnings)
    assert any("ends before it starts" in w for w in parsed_feed.warnings)


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('start = "ev start"', "sources[0] (Events).events.start: expected an element name as the feed writes it"),
        ('end = "ev:enddate"', "sources[0] (Events).events.start: missing (required)"),
        ('start = "pubDate"', "sources[0] (Events).events.start: 'pubDate' is a standard item element"),
        ('start = "ev:startdate"\nwhen = "x"', "sources[0] (Events).events.when: unknown key"),
    ],
)
def test_event_mapping_problems_name_the_file_and_key(publication: Publication, table: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        publication.load(f'[[sources]]\nname = "Events"\nurl = "https://news.test/feed/"\n[sources.events]\n{table}\n')
    assert f"digest.toml: {problem}" in str(raised.value)


def test_built_sample_links_every_calendar_file_absolutely(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "sample"
    root.mkdir()
    (root / "digest.toml").write_bytes((REPO / "digest.toml").read_bytes())
    subprocess.run(["cp", "-r", str(REPO / "feeds"), str(root / "feeds")], check=True)
    assert main(["build", "--config", str(root / "digest.toml"), "--quiet", "--week", "2025-W40"]) == 0
    out = root / "out"
    site = "https://digest.example.org/"
    written = sorted((out / "weekly" / "2025-W40").rglob("*.ics"))
    assert len(written) == 3  # events.ics and the two upcoming events
    for path in written:
        assert parsed(path.read_bytes()).events
    for name in ("email.html", "index.html"):
        document = lxml.html.document_fromstring((out / "weekly" / "2025-W40" / name).read_bytes())
        ics = [a.get("href") for a in document.iter("a") if a.get("href", "").endswith(".ics")]
        assert len(ics) == 3
        for href in ics:
            assert href.startswith(site)
            assert (out / href.removeprefix(site)).is_file()
        google = [a.get("href") for a in document.iter("a") if "calendar.google.com" in a.get("href", "")]
        assert len(google) == 2
    text = (out / "weekly" / "2025-W40" / "email.txt").read_text()
    assert text.count("Add to calendar: https://digest.example.org/weekly/2025-W40/events/") == 2
    capsys.readouterr()
    assert main(["check", "--config", str(root / "digest.toml")]) == 0
    assert "0 error(s)" in capsys.readouterr().out



def test_each_calendar_link_is_named_for_a_screen_reader_by_the_event_it_adds(
    tmp_path: Path,
) -> None:
    """Every event shows "Add to calendar · Google Calendar": in a list of links a screen reader
    reads, each must say which event it adds (WCAG 2.4.4), starting with the words shown (2.5.3).
    The names are Chromium's own, as its accessibility tree gives them to a screen reader."""
    from playwright.sync_api import sync_playwright

    from tests.browser_pages import CHROMIUM, CHROMIUM_ARGS

    root = tmp_path / "sample"
    root.mkdir()
    (root / "digest.toml").write_bytes((REPO / "digest.toml").read_bytes())
    subprocess.run(["cp", "-r", str(REPO / "feeds"), str(root / "feeds")], check=True)
    assert main(["build", "--config", str(root), "--quiet", "--offline", "--week", "2025-W40"]) == 0
    week = root / "out" / "weekly" / "2025-W40"
    titles = sorted(
        str(only_event(path.read_bytes())["SUMMARY"]) for path in (week / "events").glob("*.ics")
    )
    assert len(titles) == 2
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.route("**/*", lambda route: route.abort())  # the pages' pictures: not needed here
        for name in ("email.html", "index.html"):
            page.set_content((week / name).read_text(encoding="utf-8"))
            for title in titles:
                for shown in ("Add to calendar", "Google Calendar"):
                    named = page.get_by_role("link", name=f"{shown}: {title}", exact=True)
                    assert named.count() == 1, f"{name}: no one link named {shown!r}: {title!r}"
                    assert named.inner_text() == shown  # what a sighted reader sees is unchanged
            for bare in ("Add to calendar", "Google Calendar"):  # no link named only the words
                assert page.get_by_role("link", name=bare, exact=True).count() == 0, name
        browser.close()
    # The text part has no link names: each event's calendar lines are in its own block, under
    # its title, and each URL names the event (its file, Google's text=), so no line repeats it.
    blocks = (week / "email.txt").read_text(encoding="utf-8").split("\n\n")
    for title in titles:
        [block] = [block for block in blocks if block.startswith(title)]
        assert block.count("Add to calendar: https://") == 1
        assert block.count("Google Calendar: https://") == 1


def test_a_deleted_calendar_file_comes_back_and_a_dropped_event_loses_its_file(sample: Path) -> None:
    week = sample / "out" / "weekly" / "2025-W40"

    def build() -> None:
        assert main(["build", "--config", str(sample), "--quiet", "--week", "2025-W40"]) == 0

    build()
    events = sorted(path.relative_to(week).as_posix() for path in week.rglob("*.ics"))
    assert len(events) == 3
    (week / "events.ics").unlink()
    build()
    assert (week / "events.ics").is_file()
    # one event is moved before the issue's week ends: it is no longer upcoming
    entry = sample / "feeds/entries/2025/science-impact-2025.md"
    text = entry.read_text(encoding="utf-8").replace("2025-10-22T", "2025-09-22T")
    entry.write_text(text, encoding="utf-8")
    build()
    left = sorted(path.relative_to(week).as_posix() for path in week.rglob("*.ics"))
    assert len(left) == 2 and "events.ics" in left
    assert set(left) < set(events)


# The VTIMEZONE, as calendars that do not know the TZID read it (RFC 5545 3.6.5).

SUMMER_AND_WINTER = [
    ("2026-07-15T12:00", timedelta(hours=2)),
    ("2026-01-15T12:00", timedelta(hours=1)),
    ("2026-03-29T01:59", timedelta(hours=1)),  # a minute before the spring change
    ("2026-03-29T03:00", timedelta(hours=2)),
    ("2026-10-25T01:30", timedelta(hours=2)),
    ("2026-10-25T03:00", timedelta(hours=1)),
]


def ics_of(config: Config, *starts: str) -> bytes:
    entries = [event_entry(f"event-{n}", Event(oslo(start))) for n, start in enumerate(starts)]
    return calendar_files(issue_of(*entries), config)["events.ics"]


def test_vtimezone_changes_at_the_local_time_before_each_change(config: Config) -> None:
    data = ics_of(config, "2026-07-15T12:00", "2026-01-15T12:00")
    (timezone,) = parsed(data).timezones
    daylight, standard = timezone.walk("DAYLIGHT"), timezone.walk("STANDARD")
    assert len(daylight) == len(standard) == 1
    # 02:00 in spring is the wall time before the change (CET), 03:00 in autumn before it (CEST)
    assert b"BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in data
    assert b"BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in data
    assert daylight[0]["TZOFFSETFROM"].td == timedelta(hours=1) == standard[0]["TZOFFSETTO"].td
    assert daylight[0]["TZOFFSETTO"].td == timedelta(hours=2) == standard[0]["TZOFFSETFROM"].td
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
    # the same VTIMEZONE whatever the events' dates: the rule, not a list of their years
    assert ics_of(config, "2026-01-15T12:00").split(b"BEGIN:VEVENT")[0] == data.split(b"BEGIN:VEVENT")[0]


@pytest.mark.parametrize(("local", "offset"), SUMMER_AND_WINTER)
def test_dateutil_and_vobject_read_the_offsets_of_summer_and_winter(config: Config, local: str, offset: timedelta) -> None:
    data = ics_of(config, local)
    naive = datetime.fromisoformat(local)
    written = tz.tzical(io.StringIO(data.decode())).get("Europe/Oslo")
    assert naive.replace(tzinfo=written).utcoffset() == offset
    event = vobject.readOne(data.decode()).vevent
    assert event.dtstart.value.replace(tzinfo=None) == naive
    assert event.dtstart.value.utcoffset() == offset


def test_an_event_in_a_year_of_older_rules_gets_that_years_changes(config: Config) -> None:
    """Until 1995 summer time in Norway ended in September: the rule of today would be wrong."""
    data = ics_of(config, "1990-10-10T12:00", "1990-07-01T12:00")
    assert b"RRULE" not in data
    assert b"DTSTART:19900325T020000" in data or b"RDATE:19900325T020000" in data
    written = tz.tzical(io.StringIO(data.decode())).get("Europe/Oslo")
    assert datetime(1990, 10, 10, 12, tzinfo=written).utcoffset() == timedelta(hours=1)
    assert datetime(1990, 7, 1, 12, tzinfo=written).utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    ("zone", "summer", "winter", "rules"),
    [
        ("Australia/Sydney", ("2026-01-15T12:00", 11), ("2026-07-15T12:00", 10), [b"DTSTART:19701004T020000", b"DTSTART:19700405T030000"]),
        ("America/New_York", ("2026-07-15T12:00", -4), ("2026-01-15T12:00", -5), [b"DTSTART:19700308T020000", b"DTSTART:19701101T020000"]),
        ("Asia/Tokyo", ("2026-07-15T12:00", 9), ("2026-01-15T12:00", 9), [b"DTSTART:19700101T000000"]),
        ("Asia/Jerusalem", ("2026-07-15T12:00", 3), ("2026-01-15T12:00", 2), [b"RDATE:20260327T020000"]),  # the Friday before the last Sunday: no RRULE
    ],
)
def test_other_zones_read_back_right(publication: Publication, zone: str, summer: tuple[str, int], winter: tuple[str, int], rules: list[bytes]) -> None:
    publication.config_text = publication.config_text.replace("Europe/Oslo", zone)
    config = publication.load()
    local = ZoneInfo(zone)
    entries = [event_entry(f"e{n}", Event(datetime.fromisoformat(t).replace(tzinfo=local))) for n, (t, _) in enumerate((summer, winter))]
    data = calendar_files(issue_of(*entries), config)["events.ics"]
    for rule in rules:
        assert rule in data
    written = tz.tzical(io.StringIO(data.decode())).get(zone)
    for text, hours in (summer, winter):
        assert datetime.fromisoformat(text).replace(tzinfo=written).utcoffset() == timedelta(hours=hours)
