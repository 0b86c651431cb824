"""What an editor types into the desk is held to the rule of a decision file written by hand:
no control character, no bidi override, and a one-line field (kicker, subject) on one line.
Refused before it reaches the file, and a file that holds one anyway stops the build with one
line naming the file, the line and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from digest import desk, editorial
from digest.cli import main
from digest.config import Config, load
from digest.errors import EntryError
from tests.conftest import REPO

WEEK = "2025-W40"
OLWEUS = "tag:icr.example.org,2025:news/olweus-nature-reviews-cancer"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A copy of the sample publication, with its decision files."""
    root = tmp_path / "sample"
    root.mkdir()
    shutil.copy(REPO / "digest.toml", root / "digest.toml")
    shutil.copytree(REPO / "feeds", root / "feeds")
    return load(root / "digest.toml")


def decision_file(config: Config) -> Path:
    return config.root / "feeds" / "issues" / f"{WEEK}.toml"


@pytest.mark.parametrize(
    ("kicker", "problem"),
    [
        ("Bell\x07", "contains the invisible character U+0007, which feeds and email cannot carry; remove it"),
        ("Nul\x00 byte", "contains the invisible character U+0000, which feeds and email cannot carry; remove it"),
        ("Prize \u202eezirp", "contains the invisible character U+202E RIGHT-TO-LEFT OVERRIDE, which reorders the text around it; remove it"),
        ("Two\u2028lines", "must be a single line (no line breaks), but has one (U+2028 LINE SEPARATOR); write it on one line"),
        ("Two\x85lines", "must be a single line (no line breaks), but has one (U+0085); write it on one line"),
    ],
)  # fmt: skip
def test_a_kicker_with_a_control_character_or_line_separator_is_refused(
    config: Config, kicker: str, problem: str
) -> None:
    before = decision_file(config).read_bytes()
    with pytest.raises(EntryError) as refused:
        desk.set_words(config, WEEK, OLWEUS, kicker, "", editorial.version_of(config, WEEK))
    assert refused.value.problems == (f"the edit was not saved: the kicker {problem}",)
    assert decision_file(config).read_bytes() == before


def test_a_summary_keeps_its_line_breaks_but_not_an_escape_sequence(config: Config) -> None:
    desk.set_words(config, WEEK, OLWEUS, "", "Two\nlines.", editorial.version_of(config, WEEK))
    assert 'summary = """Two\nlines.\n"""' in decision_file(config).read_text(encoding="utf-8")
    before = decision_file(config).read_bytes()
    with pytest.raises(EntryError) as refused:
        desk.set_words(
            config, WEEK, OLWEUS, "", "\x1b[31mRed\x1b[0m", editorial.version_of(config, WEEK)
        )
    assert refused.value.problems == (
        "the edit was not saved: the summary contains the invisible character U+001B, which"
        " feeds and email cannot carry; remove it",
    )
    assert decision_file(config).read_bytes() == before


def test_a_subject_on_two_lines_by_a_paragraph_separator_is_refused(config: Config) -> None:
    before = decision_file(config).read_bytes()
    with pytest.raises(EntryError, match=r"the subject must be a single line .*U\+2029"):
        desk.set_issue_fields(config, WEEK, "One\u2029two", "", editorial.version_of(config, WEEK))
    assert decision_file(config).read_bytes() == before


def test_a_decision_file_edited_by_hand_with_a_control_character_stops_the_build(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same rule as the desk's: the kicker would otherwise reach the email's heading."""
    path = decision_file(config)
    text = path.read_text(encoding="utf-8")
    assert 'kicker = "Nature Reviews Cancer"' in text
    path.write_text(
        text.replace('"Nature Reviews Cancer"', '"Nature\\u0007 \u202eReviews"'), encoding="utf-8"
    )
    line = text.splitlines().index('kicker = "Nature Reviews Cancer"') + 1
    code = main(["build", "--config", str(config.root), "--offline", "--quiet", "--week", WEEK])
    assert code == 3
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"error: feeds/issues/{WEEK}.toml:{line}: entries[0].kicker: contains the invisible"
        " character U+0007, which feeds and email cannot carry; remove it"
    ]
    assert not (config.root / "out" / "weekly" / WEEK / "email.html").exists()


def test_an_editors_comment_with_a_bidi_override_stops_the_build(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    """The comment is shown under the story, in the email: held to the same rule."""
    path = decision_file(config)
    text = path.read_text(encoding="utf-8")
    [comment] = [line for line in text.splitlines() if line.startswith("comment = ")]
    path.write_text(text.replace(comment, 'comment = "Second \u202ereview"'), encoding="utf-8")
    line = text.splitlines().index(comment) + 1
    code = main(["build", "--config", str(config.root), "--offline", "--quiet", "--week", WEEK])
    assert code == 3
    assert capsys.readouterr().err.splitlines() == [
        f"error: feeds/issues/{WEEK}.toml:{line}: entries[0].comment: contains the invisible"
        " character U+202E RIGHT-TO-LEFT OVERRIDE, which reorders the text around it; remove it"
    ]
