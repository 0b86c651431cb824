"""Builds through the command line from small hostile inputs: each once broke a whole build."""

from __future__ import annotations

import feedparser

from digest.cli import main
from tests.conftest import Publication


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
