"""Selecting issues: ISO weeks in the publication's zone, dedup, sections, caps, events, highlights."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from digest import select
from digest.config import Config
from digest.model import CallToAction, Editorial, Entry, Event
from tests.conftest import Publication

OSLO = ZoneInfo("Europe/Oslo")


def at(text: str) -> datetime:
    """A moment given in Oslo time, as UTC (how entries carry it)."""
    return datetime.fromisoformat(text).replace(tzinfo=OSLO).astimezone(UTC)


def news(key: str, when: str, **changes) -> Entry:
    return replace(Entry(id=f"id:{key}", source="ICR news", title=key, published=at(when), section="News", link=f"https://icr.test/{key}"), **changes)


@pytest.fixture
def config(publication: Publication) -> Config:
    publication.file("feeds/saved/a.xml", "<rss/>")
    return publication.load(
        """
        [weekly]
        upcoming_weeks = 4

        [[sources]]
        name = "ICR news"
        url = "https://icr.test/feed/"

        [[sources]]
        name = "Partner"
        url = "https://partner.test/feed/"
        max_items = 2
        """
    )


def test_week_boundaries_are_in_the_publication_time_zone() -> None:
    week = select.week_period("2025-W42", OSLO)
    assert week.start == datetime(2025, 10, 13, tzinfo=OSLO)
    assert week.contains(at("2025-10-19T23:59"))  # Sunday night in Oslo is still week 42 ...
    assert not week.contains(at("2025-10-20T00:00"))
    assert at("2025-10-19T23:30").hour == 21  # ... though it is 21:30 UTC


def test_last_complete_week_and_year_edges() -> None:
    monday_morning = datetime(2025, 10, 20, 0, 30, tzinfo=OSLO)
    assert select.last_complete_week(monday_morning, OSLO).key == "2025-W42"
    assert select.last_complete_week(datetime(2025, 10, 19, 23, 0, tzinfo=OSLO), OSLO).key == "2025-W41"
    assert select.week_of(datetime(2021, 1, 3, 12, tzinfo=OSLO), OSLO).key == "2020-W53"
    with pytest.raises(ValueError):
        select.week_period("2025-W53", OSLO)


def test_weekly_issue_groups_sections_in_configured_order_newest_first(config: Config) -> None:
    week = select.week_period("2025-W40", OSLO)
    entries = [
        news("older", "2025-09-30T10:00"),
        news("paper", "2025-10-02T10:00", section="Publications"),
        news("newer", "2025-10-03T10:00"),
        news("last week", "2025-09-28T23:59"),
    ]
    issue = select.weekly_issue(entries, [], week, config)
    assert issue is not None
    assert issue.title == "Week 40, 2025"
    assert [(s.title, [e.title for e in s.entries]) for s in issue.sections] == [
        ("News", ["newer", "older"]),
        ("Publications", ["paper"]),
    ]
    assert issue.date == datetime(2025, 10, 6, tzinfo=OSLO).astimezone(UTC)


def test_same_story_from_two_sources_appears_once(config: Config) -> None:
    week = select.week_period("2025-W40", OSLO)
    ours = news("ours", "2025-10-01T10:00", link="https://www.icr.test/news/story/")
    theirs = news("theirs", "2025-10-01T09:00", source="Partner", link="http://icr.test/news/story?utm_source=partner&fbclid=x")
    same_guid = news("ours", "2025-10-02T10:00", source="Partner", title="copy with same id", link=None)
    issue = select.weekly_issue([theirs, same_guid, ours], [], week, config)
    assert issue is not None
    assert [e.title for e in issue.entries] == ["ours"]


def test_canonical_link_keeps_what_identifies_the_page() -> None:
    assert select.canonical_link("https://www.a.test/x/?utm_medium=rss&id=3") == select.canonical_link("http://a.test/x?id=3")
    assert select.canonical_link("https://a.test/x?id=3") != select.canonical_link("https://a.test/x?id=4")


@pytest.mark.parametrize(
    ("copy", "original"),
    [
        ("http://site.test/2025/10/grant/", "https://site.test/2025/10/grant"),  # scheme, trailing slash
        ("https://WWW.Site.TEST:443/2025/10/grant", "https://site.test/2025/10/grant"),  # host case, www., port
        ("http://site.test:80/2025/10/grant#comments", "https://site.test/2025/10/grant"),  # port, fragment
        ("https://site.test/a?utm_source=rss&utm_medium=feed&fbclid=1&gclid=2&mc_cid=3&mc_eid=4", "https://site.test/a"),
        ("https://site.test/a?b=2&utm_campaign=x&a=1", "https://site.test/a?a=1&b=2"),  # other parameters kept, any order
        ("https://site.test/nyheter/sk%C3%A5nland", "https://site.test/nyheter/skånland"),  # percent-encoding
    ],
)
def test_canonical_link_treats_copies_of_one_page_as_one(copy: str, original: str) -> None:
    assert select.canonical_link(copy) == select.canonical_link(original)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://site.test/?p=123", "https://site.test/2025/10/grant/"),  # WordPress's two names for a post
        ("https://site.test/?p=123", "https://site.test/?p=124"),
        ("https://site.test/a", "https://site.test/A"),  # paths are case-sensitive
        ("https://site.test:8443/a", "https://site.test/a"),
        ("https://site.test/a", "https://news.site.test/a"),
    ],
)
def test_canonical_link_keeps_different_pages_apart(one: str, other: str) -> None:
    assert select.canonical_link(one) != select.canonical_link(other)


def test_a_story_sent_in_an_earlier_week_is_not_sent_again_from_a_partner(config: Config) -> None:
    week_41 = select.week_period("2025-W41", OSLO)
    sent = news("Grant awarded", "2025-10-01T10:00", link="https://icr.test/2025/10/grant/")
    partner_copy = news("Partner on the grant", "2025-10-08T10:00", source="Partner", link="http://www.icr.test/2025/10/grant?utm_source=partner")
    fresh = news("Fresh story", "2025-10-09T10:00")
    decisions = select.Decisions()
    issue = select.weekly_issue([partner_copy, fresh], [], week_41, config, decisions, earlier=[sent])
    assert issue is not None
    assert [e.title for e in issue.entries] == ["Fresh story"]
    [record] = decisions.already_sent
    assert (record.entry.title, record.week, record.sent.title) == ("Partner on the grant", "2025-W40", "Grant awarded")


def test_a_week_of_only_already_sent_copies_builds_nothing(config: Config) -> None:
    sent = news("Grant awarded", "2025-10-01T10:00", link="https://icr.test/grant")
    partner_copy = news("Partner on the grant", "2025-10-08T10:00", source="Partner", link="https://icr.test/grant")
    assert select.weekly_issue([partner_copy], [], select.week_period("2025-W41", OSLO), config, earlier=[sent]) is None


def test_the_earliest_copy_decides_the_week_and_its_preferred_copy_is_named(config: Config) -> None:
    link = "https://icr.test/grant"
    partner_first = news("Partner scoop", "2025-09-30T08:00", source="Partner", link=link)
    ours_same_week = news("Grant awarded", "2025-10-02T10:00", link=link)  # ICR news comes first in digest.toml
    ours_later = news("Grant: the follow-up", "2025-10-08T10:00", link=link)
    late_copy = news("Partner again", "2025-10-15T10:00", source="Partner", link=link)
    decisions = select.Decisions()
    week_42 = select.week_period("2025-W42", OSLO)
    select.weekly_issue([late_copy, news("x", "2025-10-14T10:00")], [], week_42, config, decisions, earlier=[ours_later, ours_same_week, partner_first])
    [record] = decisions.already_sent
    assert (record.week, record.sent.title) == ("2025-W40", "Grant awarded")


def test_staff_entries_and_front_page_links_are_never_already_sent(config: Config) -> None:
    week_41 = select.week_period("2025-W41", OSLO)
    earlier = [
        news("Partner post", "2025-10-01T10:00", source="Partner", link="https://partner.test/roundup"),
        news("Partner home", "2025-10-01T11:00", source="Partner", link="https://partner.test/"),
    ]
    staff = news("Our take on the roundup", "2025-10-08T10:00", source="Local", link="https://partner.test/roundup")
    homepage = news("Another story linked to the home page", "2025-10-09T10:00", link="https://www.partner.test/?utm_source=x")
    issue = select.weekly_issue([staff, homepage], [], week_41, config, earlier=earlier)
    assert issue is not None
    assert sorted(e.title for e in issue.entries) == ["Another story linked to the home page", "Our take on the roundup"]


def test_a_link_several_staff_entries_share_sends_nothing_of_a_partners_post(config: Config) -> None:
    """The year's highlights all link to the highlights post: the post itself is still news."""
    post = "https://partner.test/news/10-highlights-2022/"
    earlier = [news(f"Highlight {n}", f"2025-0{n}-10T10:00", source="Local", link=post) for n in (1, 2)]
    partner_post = news("10 highlights from 2022", "2025-10-08T10:00", source="Partner", link=post)
    issue = select.weekly_issue([partner_post], [], select.week_period("2025-W41", OSLO), config, earlier=earlier)
    assert issue is not None
    assert [e.title for e in issue.entries] == ["10 highlights from 2022"]
    alone = select.weekly_issue([partner_post], [], select.week_period("2025-W41", OSLO), config, earlier=earlier[:1])
    assert alone is None  # one staff entry with that link was the story, sent in its week


def test_source_cap_moves_the_oldest_to_headline_links(config: Config) -> None:
    week = select.week_period("2025-W40", OSLO)
    partner = [news(f"p{i}", f"2025-10-0{i}T10:00", source="Partner") for i in range(1, 5)]
    issue = select.weekly_issue(partner, [], week, config)
    assert issue is not None
    assert [e.title for e in issue.entries] == ["p4", "p3"]
    assert [e.title for e in issue.dropped] == ["p2", "p1"]


def test_upcoming_events_whatever_their_publish_date(config: Config) -> None:
    week = select.week_period("2025-W40", OSLO)
    announced_earlier = news("conference", "2025-09-01T10:00", event=Event(at("2025-10-22T08:00"), at("2025-10-22T17:00")))
    announced_now = news("meeting", "2025-10-01T10:00", event=Event(at("2025-10-14T17:00")))
    over = news("seminar", "2025-09-01T10:00", event=Event(at("2025-10-01T12:00"), at("2025-10-01T13:00")))
    issue = select.weekly_issue([news("story", "2025-10-02T10:00"), announced_now], [announced_earlier, announced_now, over], week, config)
    assert issue is not None
    events = [s for s in issue.sections if s.kind == "events"]
    assert [e.title for e in events[0].entries] == ["meeting", "conference"]  # by start time
    assert [e.title for e in issue.sections[0].entries] == ["story"]  # not listed twice


def test_a_week_with_nothing_new_builds_nothing(config: Config) -> None:
    week = select.week_period("2025-W40", OSLO)
    upcoming = news("conference", "2025-09-01T10:00", event=Event(at("2025-10-22T08:00")))
    assert select.weekly_issue([], [upcoming], week, config) is None


def test_highlights_rank_marked_then_weight_then_date(config: Config) -> None:
    year = select.year_period(2022, OSLO)
    candidates = [
        news("plain new", "2022-12-20T10:00"),
        news("weighted", "2022-03-01T10:00"),
        news("top", "2022-01-10T10:00"),
        news("marked light", "2022-06-01T10:00"),
        news("plain old", "2022-02-01T10:00"),
        news("other year", "2023-01-01T10:00"),
    ]
    editorial = {
        "id:weighted": Editorial(highlight=True, weight=50),
        "id:top": Editorial(highlight=True, weight=100),
        "id:marked light": Editorial(highlight=True),
        "id:other year": Editorial(highlight=True, weight=999),
    }
    issue = select.yearly_issue(candidates, year, replace_count(config, 4), editorial=editorial)
    assert issue is not None
    assert [e.title for e in issue.entries] == ["top", "weighted", "marked light", "plain new"]
    assert issue.title == "4 highlights from 2022"
    assert issue.sections[0].kind == "highlights"


def test_the_candidates_are_the_years_best_ranked_decided_or_not(config: Config) -> None:
    decided = [
        ("id:light", at("2022-05-01T10:00"), False, 5),
        ("id:marked", at("2022-02-01T10:00"), True, 1),
        ("id:sunk", at("2022-12-30T10:00"), False, -1),  # below every undecided entry
        ("id:kicker only", at("2022-11-01T10:00"), False, 0),  # a kicker only: ranks by its date
    ]
    undecided = [("id:newest", at("2022-12-01T10:00")), ("id:older", at("2022-10-01T10:00"))]
    ids = select.highlight_candidates(decided, undecided, replace_count(config, 1))
    assert ids == ["id:marked", "id:light", "id:newest"]  # three times the count
    ids = select.highlight_candidates(decided, undecided, replace_count(config, 2))
    assert ids == ["id:marked", "id:light", "id:newest", "id:kicker only", "id:older", "id:sunk"]


def test_only_years_with_a_marked_highlight_have_a_highlights_issue() -> None:
    decided = [
        (at("2021-12-31T23:30"), True),  # 2021 in Oslo, 2021 in UTC too
        (at("2023-01-01T00:30"), True),  # 2023 in Oslo, 2022 in UTC
        (at("2024-06-01T10:00"), False),  # weighted or with a kicker, not marked
    ]
    assert select.highlight_years(decided, OSLO) == {2021, 2023}


def test_editorial_decisions_reach_the_issue_that_renders_them(config: Config) -> None:
    week = select.week_period("2025-W40", OSLO)
    action = CallToAction("Register", "https://icr.test/register")
    dated = [news("prize", "2025-10-01T10:00"), news("other", "2025-10-02T10:00")]
    editorial = {"id:prize": Editorial(kicker="Award", call_to_action=action)}
    issue = select.weekly_issue(dated, [], week, config, editorial=editorial)
    assert issue is not None
    by_title = {entry.title: entry for entry in issue.entries}
    assert (by_title["prize"].kicker, by_title["prize"].call_to_action) == ("Award", action)
    assert (by_title["other"].kicker, by_title["other"].call_to_action) == ("", None)


def replace_count(config: Config, count: int) -> Config:
    return config.model_copy(update={"highlights": config.highlights.model_copy(update={"count": count})})


def test_weeks_of_lists_each_week_once_in_order() -> None:
    moments = [at("2025-10-02T10:00"), at("2025-09-30T10:00"), at("2024-12-31T10:00")]
    assert [p.key for p in select.weeks_of(moments, OSLO)] == ["2025-W01", "2025-W40"]


def test_week_with_a_daylight_saving_change_is_seven_local_days() -> None:
    week = select.week_period("2025-W43", OSLO)  # clocks go back on Sunday 26 October
    assert week.end.astimezone(UTC) - week.start.astimezone(UTC) == timedelta(days=7, hours=1)
    assert week.contains(at("2025-10-26T23:30")) and not week.contains(at("2025-10-27T00:00"))


def test_weeks_of_a_year_before_1000_read_back_and_the_year_1_behind_utc_is_skipped() -> None:
    """An archive may hold such dates from before ingest refused them: the build must go on."""
    zone = ZoneInfo("America/New_York")
    moments = [datetime(99, 12, 31, 23, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC), at("2025-10-01T10:00")]
    assert [week.key for week in select.weeks_of(moments, zone)] == ["0099-W53", "2025-W40"]
