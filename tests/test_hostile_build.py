"""Builds through the command line from small hostile inputs: each once broke a whole build."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser

from digest.catalog import IssueSummary
from digest.cli import main
from digest.render.feed import render_feed
from tests.conftest import Publication, rss


def test_a_highlight_whose_body_spells_a_control_character_builds_the_issue_feed(
    publication: Publication,
) -> None:
    """Raw HTML spelling "&#1;" became U+0001 in the sanitised body, which lxml refused in feed.xml."""
    publication.configure()
    publication.entry(
        "a.md", "---\ntitle: Highlight\ndate: 2024-03-01\nhighlight: true\n---\n<p>&#1;Story</p>\n"
    )
    config = str(publication.root / "digest.toml")
    assert main(["build", "--config", config, "--quiet", "--year", "2024"]) == 0
    feed = feedparser.parse((publication.root / "out/feed.xml").read_bytes())
    assert not feed.bozo and "<p>Story</p>" in feed.entries[0].content[0].value


def test_an_issue_summary_written_before_that_still_renders_the_feed(
    publication: Publication,
) -> None:
    """An issue.json (or archived body) from before the fix may hold U+0001: the feed drops it."""
    summary = IssueSummary(
        path="yearly/2024", kind="yearly", key="2024", title="Highlights\x0b", subject="s",
        date=datetime(2024, 12, 31, tzinfo=UTC), preheader="One\x0c story",
        feed_html="<p>\x01Story\ufffe</p>",
    )  # fmt: skip
    feed = feedparser.parse(render_feed([summary], publication.load()))
    [item] = feed.entries
    assert not feed.bozo and item.title == "Highlights" and item.description == "One story"
    assert item.content[0].value == "<p>Story</p>"


def test_a_feed_item_of_go_zero_time_builds_in_a_zone_behind_utc(publication: Publication) -> None:
    """The year 1 once overflowed when put in New York time, and a year 0100 made no week key."""
    publication.config_text = publication.config_text.replace("Europe/Oslo", "America/New_York")
    items = "".join(
        f"<item><title>Story {number}</title><link>https://icr.test/{number}</link>"
        f"<pubDate>{when}</pubDate></item>"
        for number, when in enumerate(
            ["Mon, 01 Jan 0001 00:00:00 GMT", "Thu, 01 Jan 0100 00:00:01 +0100", "Wed, 01 Oct 2025 10:00:00 GMT"]
        )
    )
    publication.file("feeds/saved/a.xml", rss(items))
    publication.configure('[[sources]]\nname = "A"\npath = "feeds/saved/a.xml"\n')
    config = str(publication.root / "digest.toml")
    assert main(["build", "--config", config, "--quiet", "--offline", "--all"]) == 0
    assert (publication.root / "out/weekly/2025-W40/email.html").is_file()
