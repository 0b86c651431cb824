"""The same story once: a WordPress feed that renames its items, and a partner that re-posts them.

Feeds shaped like WordPress's own RSS 2.0 (`tests/feeds/wordpress/`) go through `digest fetch`
and `digest build` as a user runs them: version 1 of the institute's feed is archived and week
40 built; then version 2, in which WordPress names the grant post by its permalink instead of
`?p=123` (and its title was edited), and the guid-less post's link moved from http to https.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from digest.archive import Archive
from digest.cli import main
from tests.conftest import Publication

FEEDS = Path(__file__).parent / "feeds" / "wordpress"
GRANT_V1 = "Research council grant for the lymphoma group"
GRANT_V2 = "Four-year research council grant for the lymphoma group"
LAB = "A new lab for single-cell sequencing"
PARTNER_COPY = "ICR: research council grant for the lymphoma group"


def use_feed(publication: Publication, name: str, version: str) -> None:
    shutil.copy(FEEDS / version, publication.root / "feeds" / "saved" / name)


def run(publication: Publication, capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    code = main([arguments[0], "--config", str(publication.root), *arguments[1:]])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def text_part(publication: Publication, week: str) -> str:
    return (publication.root / "out" / "weekly" / week / "email.txt").read_text(encoding="utf-8")


@pytest.fixture
def institute(publication: Publication, capsys: pytest.CaptureFixture[str]) -> Publication:
    """Version 1 of the institute's feed fetched, and week 40 built from it."""
    (publication.root / "feeds" / "saved").mkdir(parents=True)
    use_feed(publication, "icr.xml", "icr-v1.xml")
    use_feed(publication, "partner.xml", "partner.xml")
    publication.configure(
        """
        [[sources]]
        name = "ICR news"
        path = "feeds/saved/icr.xml"

        [[sources]]
        name = "Partner"
        path = "feeds/saved/partner.xml"
        """
    )
    run(publication, capsys, "build", "--week", "2025-W40", "--quiet")
    week_40 = text_part(publication, "2025-W40")
    assert GRANT_V1 in week_40 and LAB in week_40
    return publication


def archived_titles(publication: Publication) -> list[str]:
    with Archive(publication.root / "archive.sqlite") as archive:
        return sorted(entry.title for entry in archive.matching("") if entry.source == "ICR news")


def test_a_renamed_wordpress_post_is_one_entry_and_stays_in_its_week(
    institute: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    use_feed(institute, "icr.xml", "icr-v2.xml")
    run(institute, capsys, "fetch", "--quiet")
    assert archived_titles(institute) == [
        LAB,
        GRANT_V2,  # the edited title, in the entry first archived
        "Open day at the institute on 25 October",
        "Seminar series resumes after the summer",  # its guid changed too
    ]

    run(institute, capsys, "build", "--week", "2025-W40", "--quiet")
    week_40 = text_part(institute, "2025-W40")
    assert week_40.count(GRANT_V2) == 1 and GRANT_V1 not in week_40
    assert week_40.count(LAB) == 1  # its link moved from http to https
    assert "https://icr.example/2025/10/02/single-cell-lab/" in week_40

    run(institute, capsys, "build", "--week", "2025-W41", "--quiet")
    week_41 = text_part(institute, "2025-W41")
    assert "Open day at the institute" in week_41
    for story in (GRANT_V2, LAB, "Seminar series"):
        assert story not in week_41  # WordPress dated the edit 8 October: not sent again


def test_a_partner_reposting_a_story_a_week_later_is_not_sent_again(
    institute: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    run(institute, capsys, "build", "--week", "2025-W41", "--quiet")
    week_41 = text_part(institute, "2025-W41")
    assert "Member news: ICR lymphoma group wins research council funding" in week_41
    assert PARTNER_COPY not in week_41  # the same link, behind www., http and utm_ parameters

    explained = run(institute, capsys, "explain", "--week", "2025-W41", "lymphoma")
    [line] = [line for line in explained.splitlines() if PARTNER_COPY in line]
    assert line == (
        f'OUT  already sent         "{PARTNER_COPY}" (Partner, 8 Oct 2025): '
        f'in weekly 2025-W40 as "{GRANT_V1}" (ICR news)'
    )


def test_explain_json_names_the_issue_that_had_the_story(
    institute: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    explained = json.loads(run(institute, capsys, "explain", "--week", "2025-W41", "--json"))
    [copy] = [item for item in explained if item["title"] == PARTNER_COPY]
    assert (copy["status"], copy["reason"]) == ("out", "already-sent")
    assert copy["details"]["week"] == "2025-W40"
    assert copy["details"]["sent"]["title"] == GRANT_V1
