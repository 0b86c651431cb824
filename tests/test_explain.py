"""`digest explain`: why each entry is in its issue or not, told by the build's own decisions."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest import paths, select
from digest.archive import Archive
from digest.cli import main
from digest.model import Entry
from tests.conftest import Publication, rss
from tests.test_select import OSLO, news


def item(title: str, day: str, link: str, category: str = "") -> str:
    tag = f"<category>{category}</category>" if category else ""
    return f"<item><title>{title}</title><link>{link}</link><pubDate>{day}</pubDate>{tag}</item>"


def explain(
    publication: Publication, capsys: pytest.CaptureFixture[str], *arguments: str
) -> tuple[int, str, str]:
    code = main(["explain", "--config", str(publication.root), *arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def line_of(output: str, title: str) -> str:
    [line] = [line for line in output.splitlines() if f'"{title}"' in line]
    return line


@pytest.fixture
def week_40(publication: Publication, capsys: pytest.CaptureFixture[str]) -> Publication:
    """A week with an entry in each situation, archived by `digest fetch`."""
    partner = "".join(
        item(
            f"Partner story {day}",
            f"Thu, 0{day} Oct 2025 10:00:00 GMT",
            f"https://partner.test/{day}",
        )
        for day in (1, 2, 3)
    ) + item(
        "Partner copy of the prize",
        "Thu, 02 Oct 2025 12:00:00 GMT",
        "http://www.icr.test/prize/?utm_source=rss",
    )
    publication.file("feeds/saved/partner.xml", rss(partner))
    icr = (
        item("Monday morning story", "Sun, 05 Oct 2025 22:30:00 GMT", "https://icr.test/monday")
        + item("Paper one", "Tue, 30 Sep 2025 08:00:00 GMT", "https://icr.test/p1", "Publication")
        + item("Paper two", "Wed, 01 Oct 2025 08:00:00 GMT", "https://icr.test/p2", "Publication")
        + item("Paper three", "Thu, 02 Oct 2025 08:00:00 GMT", "https://icr.test/p3", "Publication")
    )
    publication.file("feeds/saved/icr.xml", rss(icr))
    publication.entry(
        "prize.md",
        "---\ntitle: Prize for the lab\ndate: 2025-10-01T09:00\nlink: https://icr.test/prize\n---\nText.\n",
    )
    publication.entry(
        "seminar.md",
        "---\ntitle: Autumn seminar\ndate: 2025-09-01\nstart: 2025-10-14T10:00\n---\nCome.\n",
    )
    publication.config_text += textwrap.dedent(
        """
        [weekly]
        section_cap = 2

        [entries]
        source = "ICR communications"

        [[sources]]
        name = "ICR"
        path = "feeds/saved/icr.xml"
        categories = { "Publication" = "Publications" }

        [[sources]]
        name = "Partner"
        path = "feeds/saved/partner.xml"
        max_items = 1
        """
    )
    publication.configure()
    assert main(["fetch", "--config", str(publication.root), "--quiet"]) == 0
    capsys.readouterr()
    return publication


def test_each_entry_of_the_week_says_where_it_is_or_why_not(
    week_40: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = explain(week_40, capsys, "--week", "2025-W40")
    assert code == 0
    assert out.splitlines()[0] == "weekly 2025-W40: 29 Sep 2025 – 05 Oct 2025"
    assert line_of(out, "Partner story 3").startswith("IN   News #1 ")
    assert line_of(out, "Paper three").startswith("IN   Publications #1 ")
    assert line_of(out, "Paper two").startswith("IN   Publications #2 ")
    assert line_of(out, "Prize for the lab").startswith("IN   News #2 ")
    assert line_of(out, "Autumn seminar").startswith("IN   Upcoming events #1 ")
    assert "takes place 14 Oct 2025 10:00" in line_of(out, "Autumn seminar")
    source_cap = line_of(out, "Partner story 1")
    assert source_cap.startswith("OUT  source cap ")
    assert "over max_items = 1 of 'Partner'; a headline link in 'Also in this issue'" in source_cap
    section_cap = line_of(out, "Paper one")
    assert (
        section_cap.startswith("OUT  section cap ")
        and "section_cap = 2 in Publications" in section_cap
    )
    duplicate = line_of(out, "Partner copy of the prize")
    assert duplicate.startswith("OUT  duplicate ")
    assert (
        "the same link as 'Prize for the lab' (ICR communications), which is preferred: a staff entry wins over feed copies"
        in duplicate
    )
    outside = line_of(out, "Monday morning story")  # Sunday 22:30 UTC is Monday 00:30 in Oslo
    assert outside.startswith("OUT  outside period ")
    assert "dated 6 Oct 2025 00:30 (Europe/Oslo), in week 2025-W41" in outside
    assert out.splitlines()[-1] == "5 in, 5 out"


def test_json_gives_tools_one_object_per_entry_with_a_reason_code(
    week_40: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = explain(week_40, capsys, "--week", "2025-W40", "--json")
    assert code == 0
    found = {item["title"]: item for item in json.loads(out)}
    assert {item["reason"] for item in found.values()} == {
        "section",
        "event",
        "source-cap",
        "section-cap",
        "duplicate",
        "outside-period",
    }
    paper = found["Paper three"]
    assert set(paper) == {
        "id",
        "title",
        "source",
        "published",
        "status",
        "reason",
        "message",
        "details",
        "period",
    }
    assert paper["period"] == "weekly/2025-W40"
    assert paper["status"] == "in" and paper["details"] == {
        "section": "Publications",
        "position": 1,
    }
    assert paper["message"] == "in Publications #1"
    assert found["Partner story 1"]["details"] == {"source": "Partner", "max_items": 1}
    copy = found["Partner copy of the prize"]
    assert copy["status"] == "out" and copy["details"]["rule"] == "same-link"
    assert copy["details"]["kept"]["source"] == "ICR communications"
    monday = found["Monday morning story"]
    assert (
        monday["published"] == "2025-10-06T00:30:00+02:00"
        and monday["details"]["week"] == "2025-W41"
    )


def test_a_query_finds_the_entry_by_text_or_id_anywhere_in_the_archive(
    week_40: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = explain(week_40, capsys, "--week", "2025-W39", "PAPER ONE")
    assert code == 0
    [line] = [line for line in out.splitlines() if line.startswith(("IN", "OUT"))]
    assert line.startswith("OUT  outside period ") and "in week 2025-W40" in line
    code, out, _ = explain(week_40, capsys, "--week", "2025-W40", "--json", "https://icr.test/p1")
    assert code == 0 and [item["reason"] for item in json.loads(out)] == ["section-cap"]


def test_a_query_that_matches_nothing_says_so_and_exits_1(
    week_40: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = explain(week_40, capsys, "--week", "2025-W40", "no such story")
    assert code == 1 and out == ""
    assert err == "error: no archived entry, entry file or source matches 'no such story'\n"


def test_an_unreadable_entry_file_and_a_failed_source_are_listed(
    week_40: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    week_40.file("feeds/saved/moved.xml", "<html><body>This page has moved</body></html>")
    week_40.config_text += '[[sources]]\nname = "Moved"\npath = "feeds/saved/moved.xml"\n'
    week_40.configure()
    assert main(["fetch", "--config", str(week_40.root), "--quiet"]) == 1  # the source failed
    week_40.entry("broken.md", "---\ntitle: Broken\ndate: someday\n---\n")  # and a file breaks
    capsys.readouterr()
    code, out, _ = explain(week_40, capsys, "--week", "2025-W40")
    assert code == 0
    assert "OUT  unreadable           feeds/entries/broken.md:3: cannot read date 'someday'" in out
    [moved] = [line for line in out.splitlines() if "'Moved'" in line]
    assert moved.startswith("OUT  source failed        source 'Moved': last fetch (")
    assert "an HTML page, not RSS or Atom" in moved and moved.endswith(
        "its archived entries still serve"
    )
    code, out, _ = explain(week_40, capsys, "--week", "2025-W40", "--json", "broken")
    [problem] = json.loads(out)
    assert (
        problem["reason"] == "unreadable"
        and problem["details"]["file"] == "feeds/entries/broken.md"
    )


def test_yearly_entries_below_the_count_show_their_rank(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    for rank, weight in enumerate((30, 20, 10), start=1):
        publication.entry(
            f"h{rank}.md",
            f"---\ntitle: Highlight {rank}\ndate: 2022-0{rank}-01\nhighlight: true\nweight: {weight}\n---\n",
        )
    publication.configure("[highlights]\ncount = 2\n")
    assert main(["fetch", "--config", str(publication.root), "--quiet"]) == 0
    capsys.readouterr()
    code, out, _ = explain(publication, capsys, "--year", "2022")
    assert code == 0
    assert line_of(out, "Highlight 2").startswith("IN   Highlights #2 ")
    third = line_of(out, "Highlight 3")
    assert third.startswith("OUT  not picked ")
    assert third.endswith("ranked 3 (marked highlight, weight 10); the last rank in is 2")


def test_a_highlight_below_the_candidates_keeps_its_decision_in_the_explanation(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    for rank, weight in enumerate((40, 30, 20, 10), start=1):
        publication.entry(
            f"h{rank}.md",
            f"---\ntitle: Highlight {rank}\ndate: 2022-0{rank}-01\nhighlight: true\nweight: {weight}\n---\n",
        )
    publication.configure("[highlights]\ncount = 1\n")  # three candidates: the fourth is none
    assert main(["fetch", "--config", str(publication.root), "--quiet"]) == 0
    capsys.readouterr()
    code, out, _ = explain(publication, capsys, "--year", "2022", "--json", "Highlight 4")
    [fourth] = json.loads(out)
    assert code == 0 and fourth["reason"] == "not-picked"
    assert fourth["details"] | {"candidates": 3, "rank": None, "highlight": True, "weight": 10} == fourth["details"]


def test_entries_moved_for_the_size_budget_are_named(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    publication.configure("[email]\nsize_budget_kb = 20\n")
    for number in range(16):
        publication.entry(
            f"s{number:02d}.md",
            f"---\ntitle: Story {number:02d}\ndate: 2025-10-01T{6 + number:02d}:00\n"
            f"summary: {'A long summary sentence about membrane homeostasis. ' * 5}\n---\n",
        )
    assert main(["fetch", "--config", str(publication.root), "--quiet"]) == 0
    capsys.readouterr()
    code, out, _ = explain(publication, capsys, "--week", "2025-W40", "--json")
    assert code == 0
    reasons = {item["title"]: item["reason"] for item in json.loads(out)}
    assert reasons["Story 15"] == "section" and reasons["Story 00"] == "size-budget"
    moved = [title for title, reason in reasons.items() if reason == "size-budget"]
    assert 0 < len(moved) < 16
    # the same entries the build shows as headline links
    assert (
        main(
            [
                "build",
                "--config",
                str(publication.root),
                "--week",
                "2025-W40",
                "--offline",
                "--quiet",
            ]
        )
        == 0
    )
    html = (publication.root / "out/weekly/2025-W40/email.html").read_text(encoding="utf-8")
    also = html.index("Also in this issue")
    assert all(html.index(title) > also for title in moved)


def test_deduplicate_records_which_entry_each_copy_lost_to_and_by_which_rule() -> None:
    ours = news(
        "ours", "2025-10-01T10:00", source="ICR communications", link="https://icr.test/story/"
    )
    same_id = news("ours", "2025-10-01T11:00", source="Partner", link=None)
    same_link = news(
        "theirs",
        "2025-10-01T09:00",
        source="Partner",
        link="http://www.icr.test/story?utm_medium=x",
    )
    decisions = select.Decisions()
    assert select.deduplicate([ours, same_id, same_link], decisions) == [ours]
    assert [(d.entry, d.kept, d.rule) for d in decisions.duplicates] == [
        (same_id, ours, "same-id"),
        (same_link, ours, "same-link"),
    ]


def test_recording_decisions_does_not_change_the_issue(publication: Publication) -> None:
    config = publication.load(
        '[weekly]\nsection_cap = 1\n[[sources]]\nname = "ICR news"\nurl = "https://icr.test/feed"\n'
    )
    week = select.week_period("2025-W40", OSLO)
    entries: list[Entry] = [news(f"n{day}", f"2025-10-0{day}T10:00") for day in (1, 2, 3)]
    decisions = select.Decisions()
    assert select.weekly_issue(entries, [], week, config, decisions) == select.weekly_issue(
        entries, [], week, config
    )
    assert [(c.entry.title, c.source_cap, c.section_cap) for c in decisions.capped] == [
        ("n2", None, 1),
        ("n1", None, 1),
    ]


def test_an_entry_written_since_the_last_build_is_explained(
    week_40: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    """explain takes in the files on disk first, as `digest build --offline` would."""
    week_40.entry(
        "new.md", "---\ntitle: Written a minute ago\ndate: 2025-10-03T15:00\n---\nNews.\n"
    )
    code, out, _ = explain(week_40, capsys, "--week", "2025-W40", "written a minute")
    assert code == 0 and out.splitlines()[1].startswith("IN   News #1")


def test_no_archive_yet_means_the_files_on_disk(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    publication.configure()
    publication.entry(
        "first.md", "---\ntitle: The very first story\ndate: 2025-10-01T09:00\n---\nText.\n"
    )
    code, out, _ = explain(publication, capsys, "--week", "2025-W40")
    assert code == 0 and '"The very first story"' in out


# --- a query without a period: the whole archive, each entry in its own issues ------------------


def test_a_query_without_a_period_finds_each_entry_in_its_own_week(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["explain", "--config", str(sample), "Lynch"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert (
        out[0]
        == "matching 'Lynch' in the whole archive: each entry in the issues of its week and year"
    )
    assert out[1:] == [
        'IN   weekly 2025-W40  News #2              "Bringing Europe together to tackle Lynch syndrome" (ICR news, 29 Sep 2025)',
        'IN   weekly 2025-W40  Upcoming events #1   "Lynch Syndrome – Information and Networking Meeting" '
        "(ICR communications, 30 Sep 2025): takes place 14 Oct 2025 17:00",
        "2 in, 0 out",
    ]


def test_a_query_without_a_period_gives_the_highlights_reason_of_the_year(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "--config", str(sample), "gold label"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith(("IN", "OUT"))]
    assert [line.split('"')[0].split() for line in lines] == [
        ["IN", "weekly", "2022-W50", "News", "#1"],
        ["IN", "weekly", "2022-W50", "News", "#2"],
        ["IN", "yearly", "2022", "Highlights", "#9"],
        ["OUT", "yearly", "2022", "not", "picked"],
    ]
    assert lines[2].endswith(
        '"Gold Label renewed with a score of 94%" (ICR communications, 14 Dec 2022): marked highlight, weight 20'
    )
    assert lines[3].endswith(
        '"Gold Label certificate renewed for Oslo Cancer Cluster" (Oslo Cancer Cluster, 14 Dec 2022): '
        "ranked 11 (not marked highlight, weight 0); the last rank in is 10"
    )
    assert main(["explain", "--config", str(sample), "gold label", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(item["period"], item["reason"], item["source"]) for item in found] == [
        ("weekly/2022-W50", "section", "Oslo Cancer Cluster"),
        ("weekly/2022-W50", "section", "ICR communications"),
        ("yearly/2022", "highlight", "ICR communications"),
        ("yearly/2022", "not-picked", "Oslo Cancer Cluster"),
    ]
    assert found[3]["details"]["rank"] == 11


def test_a_nonsense_query_without_a_period_exits_1_with_one_line(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "--config", str(sample), "xyzzy plugh"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "error: no archived entry, entry file or source matches 'xyzzy plugh'\n"


def test_an_event_is_found_in_every_issue_that_lists_it(
    week_40: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dated in 2025-W36, it is news there; it takes place in W42, so the issues of W40 and
    W41 list it as upcoming (the weeks between have no issue)."""
    code, out, _ = explain(week_40, capsys, "autumn seminar")
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith(("IN", "OUT"))]
    assert [line.split('"')[0].split() for line in lines] == [
        ["IN", "weekly", "2025-W36", "News", "#1"],
        ["IN", "weekly", "2025-W40", "Upcoming", "events", "#1"],
        ["IN", "weekly", "2025-W41", "Upcoming", "events", "#1"],
    ]


def test_a_query_without_a_period_lists_a_matching_broken_file_too(
    week_40: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    week_40.entry("broken.md", "---\ntitle: Broken\ndate: someday\n---\n")
    code, out, _ = explain(week_40, capsys, "broken")
    assert code == 0
    [line] = [line for line in out.splitlines() if line.startswith(("IN", "OUT"))]
    assert line.startswith(
        "OUT                   unreadable           feeds/entries/broken.md:3: cannot read date 'someday'"
    )


# --- an archived date no week of the time zone holds -------------------------------------------


@pytest.fixture
def year_one(publication: Publication) -> Publication:
    """New York, with a partner story archived as dated the year 1 (an archive from before
    ingest refused such dates): in New York that is 31 December of the year 0, a day no
    calendar has; and a staff entry of 1900 beside it."""
    publication.config_text = publication.config_text.replace("Europe/Oslo", "America/New_York")
    publication.config_text += '\n[[sources]]\nname = "Partner"\nurl = "https://p.test/"\n'
    config = publication.load()
    publication.entry("old.md", "---\ntitle: Old story\ndate: 1900-01-01\n---\nText.\n")
    ancient = Entry(
        id="https://p.test/ancient",
        source="Partner",
        title="Ancient story",
        published=datetime(1, 1, 1, tzinfo=UTC),
        html="<p>Text.</p>",
        link="https://p.test/ancient",
        section="News",
    )
    with Archive(paths.archive_path(config)) as archive:
        archive.store([ancient], datetime(2026, 11, 30, tzinfo=UTC))
    return publication


UNDATABLE = (
    '"Ancient story" (Partner, 1 Jan 1): dated 0001-01-01 00:00 UTC, which no week of the'
    " years 1 to 9999 holds in America/New_York: no issue can list it"
)


def test_an_entry_dated_before_the_calendar_is_one_line_and_the_rest_is_explained(
    year_one: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = explain(year_one, capsys, "story")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [
        'IN   weekly 1900-W01  News #1              "Old story" (Local, 1 Jan 1900)',
        f"OUT                   undatable            {UNDATABLE}",
        "1 in, 1 out",
    ]


def test_an_entry_dated_before_the_calendar_against_a_period_and_in_json(
    year_one: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = explain(year_one, capsys, "--week", "1900-W01", "story")
    assert (code, err) == (0, "")
    assert f"OUT  undatable            {UNDATABLE}" in out.splitlines()
    assert '"Old story"' in line_of(out, "Old story") and "IN   News #1" in out
    code, out, _ = explain(year_one, capsys, "--json", "ancient")
    [found] = json.loads(out)
    assert (found["reason"], found["published"], found["period"]) == (
        "undatable",
        "0001-01-01T00:00:00+00:00",
        None,
    )


@pytest.mark.parametrize(
    "period", [("--week", "0001-W01"), ("--week", "9999-W52"), ("--year", "9999")]
)
def test_a_period_outside_the_years_entries_have_is_one_line(
    year_one: Publication, capsys: pytest.CaptureFixture[str], period: tuple[str, str]
) -> None:
    """The year 1 has no days before it to look for near entries in, 9999 none after it."""
    with pytest.raises(SystemExit) as exited:
        explain(year_one, capsys, *period)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"digest explain: error: argument {period[0]}: '{period[1]}' is out of range"
        " (use a year from 1900 to 2999)"
    )
