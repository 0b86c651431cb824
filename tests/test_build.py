"""End-to-end builds of the sample publication and of small ones, through the real command line."""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from digest import paths
from digest.cli import main
from digest.config import load
from digest.pipeline import Target
from digest.pipeline import build as build_issues
from digest.report import Reporter
from tests.conftest import Publication, rss

GMAIL_CLIP_BYTES = 102 * 1024


def build(root: Path, *arguments: str) -> int:
    return main(["build", "--config", str(root / "digest.toml"), "--quiet", *arguments])


def tree(out: Path) -> dict[str, str]:
    """Every file below out/ with its hash (the lock file aside)."""
    return {
        str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


class Links(HTMLParser):
    """Collects every link and image of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes)
        for name in ("href", "src"):
            if attributes.get(name) is not None and tag in ("a", "img", "link"):
                self.urls.append(attributes[name] or "")


def links_of(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample publication built once with --all, as the README's first command does."""
    from tests.conftest import REPO

    root = tmp_path_factory.mktemp("sample")
    (root / "digest.toml").write_bytes((REPO / "digest.toml").read_bytes())
    subprocess.run(["cp", "-r", str(REPO / "feeds"), str(root / "feeds")], check=True)
    assert build(root, "--all") == 0
    return root


def test_sample_builds_a_weekly_issue_and_the_2022_highlights(built_sample: Path) -> None:
    out = built_sample / "out"
    for issue in ("weekly/2025-W40", "yearly/2022"):
        for name in ("email.html", "email.txt", "message.eml", "index.html"):
            assert (out / issue / name).stat().st_size > 1000, f"{issue}/{name}"
    assert (out / "feed.xml").exists() and (out / "index.html").exists()
    assert list((out / "media").glob("*-logo.png"))


def test_week_40_has_its_sections_and_upcoming_events(built_sample: Path) -> None:
    text = (built_sample / "out/weekly/2025-W40/email.txt").read_text(encoding="utf-8")
    for expected in ("Week 40, 2025", "PREDI-LYNCH", "Nature Reviews Cancer", "Upcoming events", "Science Impact 2025"):
        assert expected in text
    assert text.index("News") < text.index("Publications") < text.index("Upcoming events")


def test_yearly_issue_lists_ten_ranked_highlights(built_sample: Path) -> None:
    text = (built_sample / "out/yearly/2022/email.txt").read_text(encoding="utf-8")
    assert "10 highlights from 2022" in text
    assert text.index("Growing our community") < text.index("Arranging popular meeting places") < text.index("Strengthening the team")
    assert "first appeared on" not in text


def test_every_link_and_image_is_absolute_with_alt_text(built_sample: Path) -> None:
    """Emails: absolute URLs only. Web versions: absolute, except their images in media/ and
    their links to the site index, the feed and the previous and next issue, which are relative
    so that out/ works from disk."""
    out = built_sample / "out"
    pages = list(out.glob("*/*/*.html"))
    assert len(pages) >= 10
    for page in pages:
        parsed = links_of(page)
        for url in parsed.urls:
            if page.name == "index.html" and url.startswith("../../"):
                assert re.fullmatch(r"\.\./\.\./(media/[^/]+|index\.html|feed\.xml|(weekly|yearly)/[^/]+/index\.html)", url), url
                assert (page.parent / url).resolve().is_file(), f"{page}: {url} is not in out/"
                continue
            assert re.match(r"(https?|mailto):", url), f"{page.name}: relative or unsafe URL {url!r}"
        for image in parsed.images:
            assert image.get("alt") is not None, f"{page}: <img> without alt: {image}"


def test_site_index_links_every_issue_and_the_logo_relatively(built_sample: Path) -> None:
    """out/index.html opened from disk: each issue's index.html and the logo resolve in out/."""
    out = built_sample / "out"
    parsed = links_of(out / "index.html")
    issues = sorted(str(path.parent.relative_to(out)) for path in out.glob("*/*/issue.json"))
    assert sorted(url.removesuffix("/index.html") for url in parsed.urls if url.endswith("/index.html")) == issues
    [logo] = [image["src"] for image in parsed.images]
    assert logo and logo.startswith("media/") and (out / logo).is_file()
    assert all((out / url).is_file() for url in parsed.urls if not re.match(r"(https?|mailto):", url))


def test_email_stays_under_gmail_clipping_limit(built_sample: Path) -> None:
    for path in (built_sample / "out").rglob("email.html"):
        assert path.stat().st_size < GMAIL_CLIP_BYTES, path


def test_feed_parses_back_with_one_item_per_issue(built_sample: Path) -> None:
    out = built_sample / "out"
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    issues = sorted(str(p.parent.relative_to(out)) for p in out.glob("*/*/issue.json"))
    assert len(feed.entries) == len(issues)
    links = {entry.link for entry in feed.entries}
    assert "https://digest.example.org/weekly/2025-W40/" in links and "https://digest.example.org/yearly/2022/" in links
    dates = [entry.published_parsed for entry in feed.entries]
    assert dates == sorted(dates, reverse=True)
    assert all(entry.get("content") for entry in feed.entries)
    for entry in feed.entries:
        parser = Links()
        parser.feed(entry.content[0].value)
        assert parser.urls and all(re.match(r"(https?|mailto):", url) for url in parser.urls)


def test_message_has_both_parts_and_headers(built_sample: Path) -> None:
    raw = (built_sample / "out/weekly/2025-W40/message.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "ICR News Digest: Week 40, 2025"
    assert message["From"].addresses[0].addr_spec == "news@digest.example.org"
    assert message["Message-ID"] and message["Date"]
    assert "List-Unsubscribe" in message
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "PREDI-LYNCH" in text.get_content()
    assert html is not None and "PREDI-LYNCH" in html.get_content()


def test_two_builds_are_byte_identical_and_the_second_rewrites_nothing(built_sample: Path, tmp_path: Path) -> None:
    out = built_sample / "out"
    before = tree(out)
    times = {path: path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()}
    (built_sample / ".digest-stamp.json").unlink()  # the whole pipeline, not the stamp's shortcut
    assert build(built_sample, "--all") == 0
    assert tree(out) == before
    assert {path: path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()} == times
    # and a build from scratch elsewhere gives the same bytes
    fresh = tmp_path / "fresh"
    subprocess.run(["cp", "-r", str(built_sample), str(fresh)], check=True)
    for leftover in ("out", "archive.sqlite", "archive.sqlite-wal", "archive.sqlite-shm", ".digest-stamp.json"):
        subprocess.run(["rm", "-rf", str(fresh / leftover)], check=True)
    assert build(fresh, "--all") == 0
    assert tree(fresh / "out") == before


def test_malformed_entry_stops_the_build_and_leaves_out_untouched(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build(sample, "--week", "2025-W40") == 0
    before = tree(sample / "out")
    broken = sample / "feeds/entries/2025/broken.md"
    broken.write_text("---\ntitle: Broken\ndate: someday\n---\n", encoding="utf-8")
    assert build(sample, "--week", "2025-W40") == 3
    assert "error: feeds/entries/2025/broken.md:3: cannot read date 'someday'" in capsys.readouterr().err
    assert tree(sample / "out") == before


def test_empty_week_builds_nothing_and_says_so(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--config", str(sample / "digest.toml"), "--week", "2025-W30"]) == 0
    output = capsys.readouterr().out
    assert "weekly 2025-W30: no entries dated 21 Jul 2025 – 27 Jul 2025; nothing built" in output
    assert not (sample / "out" / "weekly").exists()


def test_failing_source_warns_and_the_archive_still_serves(publication: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    feed = rss("<item><title>Kept story</title><link>https://icr.test/kept</link><pubDate>Wed, 01 Oct 2025 10:00:00 GMT</pubDate></item>")
    saved = publication.file("feeds/saved/icr.xml", feed)
    config = '[[sources]]\nname = "ICR"\npath = "feeds/saved/icr.xml"\n[[sources]]\nname = "Partner"\nurl = "http://127.0.0.1:9/feed"\n'
    publication.configure(config)
    assert build(publication.root, "--week", "2025-W40") == 1  # the partner is down
    assert "warning: source 'Partner': http://127.0.0.1:9/feed:" in capsys.readouterr().err
    saved.write_text(rss(""), encoding="utf-8")  # the item falls out of the feed
    (publication.root / "out" / "weekly").rename(publication.root / "old-out")
    assert build(publication.root, "--week", "2025-W40", "--offline") == 0
    assert "Kept story" in (publication.root / "out/weekly/2025-W40/email.txt").read_text(encoding="utf-8")


def test_new_scaffolds_an_entry_that_builds(publication: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    publication.configure()
    assert main(["new", "--config", str(publication.root), "Kari Aalrust Berger Employee of the Year"]) == 0
    created = capsys.readouterr().out.strip().removeprefix("created ")
    assert (publication.root / created).read_text(encoding="utf-8").startswith('---\ntitle: "Kari Aalrust Berger Employee of the Year"\n')


def test_bad_config_is_exit_3_with_one_line(publication: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    publication.config_text = publication.config_text.replace('timezone = "Europe/Oslo"', 'timezone = "Mars/Olympus"')
    publication.configure()
    assert build(publication.root) == 3
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: ") and "publication.timezone" in line


def test_python_dash_m_and_the_console_script(tmp_path: Path) -> None:
    version = subprocess.run([sys.executable, "-m", "digest", "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("digest ")
    script = Path(sys.executable).parent / "digest"
    assert script.exists() and os.access(script, os.X_OK)
    usage = subprocess.run([str(script), "build", "--week", "2025-W99"], capture_output=True, text=True, cwd=tmp_path)
    assert usage.returncode == 2 and "2025 has no week 99" in usage.stderr and "Traceback" not in usage.stderr


def test_fetch_updates_the_archive_only_and_out_can_be_elsewhere(sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fetch", "--config", str(sample)]) == 0
    assert "archive: 34 new, 0 updated, 34 in all" in capsys.readouterr().out
    assert (sample / "archive.sqlite").exists() and not (sample / "out").exists()
    elsewhere = tmp_path / "published"
    assert main(["build", "--config", str(sample), "--offline", "--year", "2022", "--out", str(elsewhere)]) == 0
    assert (elsewhere / "yearly/2022/email.html").exists() and not (sample / "out").exists()
    assert "archive: 0 new, 0 updated" in capsys.readouterr().out


def test_over_budget_issue_shows_the_lowest_ranked_entries_as_headline_links(publication: Publication) -> None:
    publication.configure("[email]\nsize_budget_kb = 40\n")
    for day in range(1, 6):
        for number in range(12):
            publication.entry(
                f"2025-10-0{day}-{number}.md",
                f"---\ntitle: Story {day}-{number} about lysosomes\ndate: 2025-10-0{day}T{8 + number:02d}:00\n"
                f"summary: {'A long summary sentence about membrane homeostasis. ' * 5}\n---\n",
            )
    assert build(publication.root, "--week", "2025-W40") == 0
    out = publication.root / "out/weekly/2025-W40"
    html = (out / "email.html").read_text(encoding="utf-8")
    assert len(html.encode()) <= 40 * 1024
    assert "Also in this issue" in html
    text = (out / "email.txt").read_text(encoding="utf-8")
    assert all(f"Story {day}-{number} about lysosomes" in text for day in range(1, 6) for number in range(12))
    assert html.index("Story 5-11") < html.index("Also in this issue") < html.index("Story 1-0")  # newest kept in full


def test_a_week_of_many_upcoming_events_stays_under_gmails_clipping_limit(publication: Publication) -> None:
    """Stories become headline links first; then the events furthest ahead (the next issues
    list them again), so the email is never clipped; the soonest event stays in full."""
    publication.configure("[weekly]\nupcoming_weeks = 6\n")
    publication.entry("story.md", "---\ntitle: The one story of the week\ndate: 2025-10-01T09:00\n---\nText.\n")
    publication.entry("second.md", "---\ntitle: An older story\ndate: 2025-09-30T09:00\n---\nText.\n")
    for number in range(80):
        day = date(2025, 10, 6) + timedelta(days=number // 2)
        publication.entry(
            f"event-{number:03d}.md",
            f"---\ntitle: Seminar {number:03d} on membrane biology\ndate: 2025-10-01T10:00\n"
            f"start: {day}T{9 + number % 2:02d}:00\nlocation: Auditorium {number}, Oslo\n"
            f"summary: {'A talk about lysosomes and the cells that keep them. ' * 4}\n---\n",
        )
    assert build(publication.root, "--week", "2025-W40") == 0  # no check error: not clipped
    html = (publication.root / "out/weekly/2025-W40/email.html").read_text(encoding="utf-8")
    assert len(html.encode()) <= 95 * 1024
    also = html.index("Also in this issue")
    assert html.index("The one story of the week") < also < html.index("An older story")
    assert html.index("Seminar 000 on membrane biology") < also < html.index("Seminar 079 on membrane biology")
    text = (publication.root / "out/weekly/2025-W40/email.txt").read_text(encoding="utf-8")
    assert all(f"Seminar {number:03d}" in text for number in range(80))  # each still named


def test_feed_descriptions_are_text_not_markup(publication: Publication) -> None:
    publication.configure()
    publication.entry("a.md", '---\ntitle: "Why 1 < 2 & <b>bold</b> claims matter"\ndate: 2025-10-01\n---\n')
    assert build(publication.root, "--week", "2025-W40") == 0
    feed = feedparser.parse((publication.root / "out/feed.xml").read_bytes(), sanitize_html=False)
    [item] = feed.entries
    assert item.description == "Why 1 &lt; 2 &amp; bold claims matter"  # HTML that shows the text


# Every file of the site (paths.SITE_FILES), the media the issues show, and every file an issue
# lists in its issue.json: those every issue has, and an issue's calendar files.
RESTORED = [
    *paths.SITE_FILES,
    "media/*-logo.png",  # every issue shows the logo
    "media/*-2022-01-community.jpg",  # a staff entry's own image, in the highlights of 2022
    *(f"weekly/2025-W40/{name}" for name in paths.ISSUE_FILES),
    "weekly/2025-W40/events.ics",
    "weekly/2025-W40/events/*.ics",
]


@pytest.mark.parametrize("stamp", ["with the stamp", "without the stamp"])
@pytest.mark.parametrize("name", RESTORED)
def test_a_deleted_site_file_comes_back_on_the_next_build(sample: Path, name: str, stamp: str) -> None:
    target = ["--year", "2022"] if "2022" in name else ["--week", "2025-W40"]
    assert build(sample, *target) == 0
    assert (sample / ".digest-stamp.json").is_file()  # a clean build: the next may answer from it
    out = sample / "out"
    before = tree(out)
    if name.startswith("weekly/"):  # this test covers every file the issue lists
        listed = json.loads((out / "weekly/2025-W40/issue.json").read_bytes())["files"]
        assert all(any(fnmatch(f"weekly/2025-W40/{file}", pattern) for pattern in RESTORED) for file in listed)
    deleted = sorted(out.glob(name))[0]
    deleted.unlink()
    if stamp == "without the stamp":
        (sample / ".digest-stamp.json").unlink()
    assert build(sample, *target) == 0
    assert deleted.is_file()
    assert tree(out) == before  # back, byte for byte, and nothing else changed


WEEK_IN_PROGRESS = datetime(2025, 10, 22, 12, 0, tzinfo=UTC)  # Wednesday of 2025-W43


def build_at(publication: Publication, now: datetime, week: str | None = None) -> str:
    """Build as digest build [--week] does at `now`; returns what it printed as warnings."""
    errors = io.StringIO()
    config = load(publication.root / "digest.toml")
    reporter = Reporter(quiet=True, err=errors)
    build_issues(config, publication.root / "out", Target(week=week), reporter, offline=True, now=now)
    return errors.getvalue()


def site_and_feed(publication: Publication) -> str:
    out = publication.root / "out"
    return (out / "index.html").read_text(encoding="utf-8") + (out / "feed.xml").read_text(encoding="utf-8")


def test_the_week_in_progress_is_built_for_proofs_but_published_only_once_it_has_ended(publication: Publication) -> None:
    publication.configure()
    publication.entry("2025/last-week.md", "---\ntitle: Last week's story\ndate: 2025-10-14\n---\nDone.\n")
    publication.entry("2025/this-week.md", "---\ntitle: Friday proof story\ndate: 2025-10-21\n---\nNearly done.\n")
    assert build_at(publication, WEEK_IN_PROGRESS) == ""  # the last complete week: no warning
    warnings = build_at(publication, WEEK_IN_PROGRESS, "2025-W43")
    assert warnings == (
        "warning: weekly/2025-W43: the week is still in progress (until 26 Oct 2025); "
        "built for proofs, and left out of index.html and feed.xml until it has ended\n"
    )
    out = publication.root / "out"
    assert "Friday proof story" in (out / "weekly/2025-W43/index.html").read_text(encoding="utf-8")
    assert "weekly/2025-W42" in site_and_feed(publication)
    assert "2025-W43" not in site_and_feed(publication)
    # Monday: digest build builds the week just ended, unchanged since the proof, and publishes it
    assert build_at(publication, WEEK_IN_PROGRESS + timedelta(days=5)) == ""
    assert "weekly/2025-W43/index.html" in (out / "index.html").read_text(encoding="utf-8")
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert [entry.link for entry in feed.entries] == [
        "https://digest.test/weekly/2025-W43/",
        "https://digest.test/weekly/2025-W42/",
    ]


def test_an_entry_still_holding_the_placeholder_is_named_in_a_warning(publication: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    publication.configure()
    assert main(["new", "--config", str(publication.root), "Kjetil Taskén elected to the Academy"]) == 0
    created = capsys.readouterr().out.strip().removeprefix("created ")
    week = "{}-W{:02d}".format(*date.today().isocalendar()[:2])
    assert build(publication.root, "--week", week) == 0  # a proof of this week still builds
    warnings = capsys.readouterr().err.splitlines()
    assert f"warning: weekly/{week}: {created}: the story is still digest new's placeholder ('Write the story here, in Markdown.'); write it, or delete the file" in warnings
    assert (publication.root / "out/weekly" / week / "email.html").is_file()
    assert not (publication.root / ".digest-stamp.json").exists()  # so the next build warns again
