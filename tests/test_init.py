"""`digest init`: a newcomer's publication that builds at once, offline; and every command's --help."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

from digest.cli import _parser, main
from digest.config import load


def init(folder: Path, *arguments: str) -> int:
    return main(["init", str(folder), *arguments])


def example_week(folder: Path) -> str:
    """The ISO week of the example entry init wrote, read from its file name."""
    [entry] = (folder / "feeds" / "entries").rglob("*.md")
    iso = date.fromisoformat(entry.name[:10]).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def test_init_makes_a_publication_that_builds_an_issue_offline_with_no_check_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "news"
    assert init(folder) == 0
    said = capsys.readouterr().out
    week = example_week(folder)
    assert "created digest.toml, feeds/entries/" in said and f"digest build --week {week}" in said
    config = load(folder / "digest.toml")
    assert config.sources == [] and config.publication.logo is None  # nothing to fetch, no file missing
    assert main(["build", "--all", "--config", str(folder)]) == 0
    built = capsys.readouterr().out
    assert f"built weekly/{week};" in built and "check: 0 error(s)" in built
    text = (folder / "out" / "weekly" / week / "email.txt").read_text(encoding="utf-8")
    assert "Welcome to Our News Digest" in text
    assert main(["check", "--config", str(folder)]) == 0
    assert "checked 1 issue(s): 0 error(s)" in capsys.readouterr().out


def test_the_week_init_names_builds_and_the_sources_are_commented_examples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init(tmp_path) == 0
    capsys.readouterr()
    week = example_week(tmp_path)
    assert main(["build", "--week", week, "--config", str(tmp_path)]) == 0
    assert (tmp_path / "out" / "weekly" / week / "index.html").exists()
    written = (tmp_path / "digest.toml").read_text(encoding="utf-8")
    assert "# [[sources]]" in written and '# url = "https://' in written
    assert "sources" not in tomllib.loads(written)


def test_what_a_build_leaves_in_the_folder_is_ignored_by_the_gitignore_init_wrote(tmp_path: Path) -> None:
    """Only the publication's own sources (digest.toml, feeds/) are left for git to see."""
    import fnmatch

    folder = tmp_path / "news"
    assert init(folder) == 0
    sources = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    assert main(["build", "--all", "--config", str(folder), "--quiet"]) == 0
    patterns = [line for line in (folder / ".gitignore").read_text().splitlines() if line and not line.startswith("#")]
    left = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()} - sources
    assert left, "the build wrote nothing"
    unignored = [
        name
        for name in left
        if not any(fnmatch.fnmatch(name, pattern) or name.startswith(pattern) for pattern in patterns)
    ]
    assert unignored == []


def test_init_refuses_to_overwrite_a_digest_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "digest.toml").write_text("# mine\n", encoding="utf-8")
    assert init(tmp_path) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: ") and "digest.toml: already exists" in line
    assert (tmp_path / "digest.toml").read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / "feeds").exists()


def test_title_and_time_zone_are_written_as_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init(tmp_path, "--title", 'The "Lab" \\ News', "--timezone", "America/New_York") == 0
    config = load(tmp_path)
    assert config.publication.title == 'The "Lab" \\ News' and config.publication.timezone == "America/New_York"
    assert main(["build", "--all", "--config", str(tmp_path), "--quiet"]) == 0
    assert 'Welcome to The "Lab" \\ News' in (tmp_path / "out" / "weekly" / example_week(tmp_path) / "email.txt").read_text(encoding="utf-8")


def test_an_unknown_time_zone_is_one_line_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init(tmp_path / "news", "--timezone", "Europe/Olso") == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "--timezone 'Europe/Olso': not an IANA time zone name" in line
    assert not (tmp_path / "news").exists()


def test_python_dash_m_digest_init_then_build_in_that_folder(tmp_path: Path) -> None:
    made = subprocess.run([sys.executable, "-m", "digest", "init"], capture_output=True, text=True, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "next: digest build --week" in made.stdout  # already in the folder: no cd
    built = subprocess.run([sys.executable, "-m", "digest", "build"], capture_output=True, text=True, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert f"built weekly/{example_week(tmp_path)};" in built.stdout and "Traceback" not in built.stderr


def commands() -> list[str]:
    [subparsers] = [action for action in _parser()._actions if isinstance(action, argparse._SubParsersAction)]
    return list(subparsers.choices)


@pytest.mark.parametrize("command", commands())
def test_every_command_help_has_a_description_and_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    description = shown.split("\n\n")[1]  # after the usage lines
    assert description[0].isupper() and description.rstrip().endswith(".") and "\n\n" not in description
    assert re.search(rf"^examples:\n  digest {command}\b", shown, re.MULTILINE)
