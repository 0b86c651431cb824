"""`digest new`: an entry file named by a transliterated slug, dated and in a section, never overwriting."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from digest.cli import main
from digest.ingest.local import PLACEHOLDER_BODY, read_entries
from tests.conftest import Publication


def new(publication: Publication, *arguments: str) -> int:
    return main(["new", "--config", str(publication.root), *arguments])


def created(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.strip().removeprefix("created ")


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Kjetil Taskén – «prisen»", "kjetil-tasken-prisen"),
        ("Årets forsker", "arets-forsker"),
        ('New group leader: "Jørgen Wesche"', "new-group-leader-jorgen-wesche"),
        ("«»", "entry"),
    ],
)
def test_file_name_is_a_transliterated_slug_of_the_title(publication: Publication, capsys: pytest.CaptureFixture[str], title: str, name: str) -> None:
    publication.configure()
    assert new(publication, title, "--date", "2026-11-23") == 0
    assert created(capsys) == f"feeds/entries/2026/2026-11-23-{name}.md"
    [entry] = read_entries(publication.load()).entries
    assert entry.title == title


def test_default_date_is_today_in_the_publication_time_zone(publication: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    publication.configure()
    before = datetime.now(ZoneInfo("Europe/Oslo")).date()
    assert new(publication, "Seminar") == 0
    after = datetime.now(ZoneInfo("Europe/Oslo")).date()
    path = created(capsys)
    assert path in {f"feeds/entries/{day:%Y}/{day:%Y-%m-%d}-seminar.md" for day in (before, after)}


def test_section_and_date_put_the_entry_in_that_week_and_section(publication: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    publication.configure()
    assert new(publication, "Årets forsker", "--date", "2026-11-23", "--section", "awards") == 0
    text = (publication.root / created(capsys)).read_text(encoding="utf-8")
    assert "\ndate: 2026-11-23\nsection: Awards\n" in text  # the configured spelling
    assert text.endswith(f"---\n\n{PLACEHOLDER_BODY}\n")
    assert main(["build", "--config", str(publication.root), "--week", "2026-W48", "--quiet"]) == 0
    email_text = (publication.root / "out/weekly/2026-W48/email.txt").read_text(encoding="utf-8")
    assert "AWARDS" in email_text.upper() and "Årets forsker" in email_text


def test_an_unknown_section_is_one_line_naming_the_configured_ones(publication: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    publication.configure()
    assert new(publication, "Football", "--section", "Sport") == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == "error: --section 'Sport': not a configured section; publication.sections has News, Publications, Awards"
    assert not any((publication.root / "feeds" / "entries").rglob("*.md"))


def test_a_date_that_is_not_one_is_a_usage_error(publication: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    publication.configure()
    with pytest.raises(SystemExit) as exited:
        new(publication, "Seminar", "--date", "23.11.2026")
    assert exited.value.code == 2
    assert "expected a date like 2026-11-23, got '23.11.2026'" in capsys.readouterr().err


def test_the_same_title_twice_never_overwrites(publication: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    publication.configure()
    assert new(publication, "Årets forsker", "--date", "2026-11-23") == 0
    first = publication.root / created(capsys)
    first.write_text(first.read_text(encoding="utf-8").replace(PLACEHOLDER_BODY, "Edited by hand."), encoding="utf-8")
    assert new(publication, "Årets forsker", "--date", "2026-11-23") == 0
    assert created(capsys) == "feeds/entries/2026/2026-11-23-arets-forsker-2.md"
    assert "Edited by hand." in first.read_text(encoding="utf-8")


def test_placeholder_body_is_the_sentence_staff_replace() -> None:
    assert PLACEHOLDER_BODY == "Write the story here, in Markdown."
