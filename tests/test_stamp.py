"""The build stamp: a build with nothing changed answers at once, and any change is never missed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from digest import paths, stamp
from digest.cli import main
from tests.conftest import Publication

WEEK = "2025-W40"
ENTRY = """\
---
title: Nytt fra Høivik-gruppen
date: 2025-10-01 10:00
---
Body.
"""


def build(root: Path, *arguments: str) -> int:
    return main(["build", "--config", str(root), "--quiet", "--week", WEEK, *arguments])


def summary(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1]


@pytest.fixture
def built(publication: Publication, capsys: pytest.CaptureFixture[str]) -> Publication:
    publication.configure()
    publication.entry("2025/hoivik.md", ENTRY)
    assert build(publication.root) == 0
    assert summary(capsys).startswith(f"built weekly/{WEEK};")
    return publication


def email_text(publication: Publication) -> str:
    return (publication.root / f"out/weekly/{WEEK}/email.txt").read_text(encoding="utf-8")


def test_second_build_answers_from_the_stamp_without_loading_the_config(built: Publication) -> None:
    """Run as a user does, in a fresh interpreter: pydantic (digest.toml) and the entry readers stay unloaded."""
    probe = (
        "import sys; from digest.cli import main; "
        f"code = main(['build', '--config', {str(built.root)!r}, '--quiet', '--week', {WEEK!r}]); "
        "print(sorted(m for m in ('pydantic', 'yaml', 'markdown_it', 'PIL', 'lxml', 'jinja2') if m in sys.modules)); "
        "raise SystemExit(code)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    first, loaded = done.stdout.strip().splitlines()
    assert first.startswith("built no issue (1 unchanged); archive: 0 new, 0 updated; 0 source(s) failed; 0 file(s) written")
    assert loaded == "[]"


@pytest.mark.parametrize(
    "change",
    ["edit entry", "new entry in a new folder", "remove entry", "edit config", "own template", "delete output"],
)
def test_any_change_makes_the_next_build_run_in_full(built: Publication, change: str, capsys: pytest.CaptureFixture[str]) -> None:
    root = built.root
    entry = root / "feeds/entries/2025/hoivik.md"
    if change == "edit entry":
        entry.write_text(ENTRY.replace("Høivik-gruppen", "Høivik-laben"), encoding="utf-8")
    elif change == "new entry in a new folder":
        built.entry("2025/10/taskén.md", ENTRY.replace("Nytt fra Høivik-gruppen", "Kjetil Taskén"))
    elif change == "remove entry":
        built.entry("2025/second.md", ENTRY.replace("Nytt fra Høivik-gruppen", "Second story"))
        assert build(root) == 0
        (root / "feeds/entries/2025/second.md").unlink()
    elif change == "edit config":
        built.configure('[highlights]\ncount = 5\n[email]\nsubject = "{issue} | {title}"\n')
    elif change == "own template":
        template = built.file("templates/email.txt.j2", "Own plain text: {{ issue.title }}\n")
        os.utime(template)
    elif change == "delete output":
        (root / f"out/weekly/{WEEK}/email.txt").unlink()
    capsys.readouterr()
    assert build(root) == 0
    assert summary(capsys).startswith(f"built weekly/{WEEK};")
    text = email_text(built)
    expected = {
        "edit entry": "Høivik-laben",
        "new entry in a new folder": "Kjetil Taskén",
        "edit config": "Nytt fra Høivik-gruppen",
        "own template": "Own plain text",
        "delete output": "Nytt fra Høivik-gruppen",
    }.get(change)
    if expected:
        assert expected in text
    if change == "remove entry":
        assert "Second story" not in text


def test_a_build_with_a_warning_leaves_no_stamp_so_the_warning_repeats(publication: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    publication.configure('[[sources]]\nname = "Partner"\nurl = "http://127.0.0.1:9/feed"\n')
    publication.entry("2025/hoivik.md", ENTRY)
    for _ in range(2):
        assert build(publication.root) == 1
        assert "warning: source 'Partner'" in capsys.readouterr().err


def test_web_sources_are_asked_again_unless_offline(publication: Publication, capsys: pytest.CaptureFixture[str], threaded_server: HTTPServer) -> None:
    threaded_server.expect_request("/feed").respond_with_data("", status=304)
    publication.configure(f'[[sources]]\nname = "Partner"\nurl = "{threaded_server.url_for("/feed")}"\n')
    publication.entry("2025/hoivik.md", ENTRY)
    for _ in range(2):
        assert build(publication.root) == 0
    assert len(threaded_server.log) == 2  # both builds asked the server
    assert build(publication.root, "--offline") == 0
    capsys.readouterr()
    assert build(publication.root, "--offline") == 0
    assert summary(capsys).startswith("built no issue (1 unchanged)")
    assert len(threaded_server.log) == 2


def test_the_stamp_expires_when_the_week_turns(built: Publication) -> None:
    path = built.root / paths.STAMP_FILE
    [key] = json.loads(path.read_bytes())
    assert stamp.is_fresh(path, key, datetime.now(UTC)) == 1
    assert stamp.is_fresh(path, key, datetime.now(UTC) + timedelta(days=8)) is None


def test_a_damaged_stamp_means_a_full_build(built: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    (built.root / paths.STAMP_FILE).write_bytes(b"\x00not json")
    (built.root / f"out/weekly/{WEEK}/email.txt").unlink()
    capsys.readouterr()
    assert build(built.root) == 0
    assert "Nytt fra Høivik-gruppen" in email_text(built)
