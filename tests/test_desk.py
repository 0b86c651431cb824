"""The editor's desk: each control writes the decision file a person would write, and `digest
serve` takes edits only from its own pages.

The desk functions (digest/desk.py) are tested on a copy of the sample's decision files; the
browser tests drive the real preview of the sample in Chromium, with the week 40 in progress,
and read the decision file and the rebuilt email back.
"""

from __future__ import annotations

import http.client
import json
import shutil
import threading
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from digest import desk, editorial
from digest.config import Config, load
from digest.editorial import StaleEdit
from digest.errors import EntryError
from digest.preview.desk_http import MAX_BODY
from digest.preview.server import PreviewServer
from tests import stress_publication
from tests.browser_pages import CHROMIUM, CHROMIUM_ARGS, email_frame, preview_context, previewing
from tests.conftest import REPO

IN_W40 = datetime(2025, 10, 2, 12, 0, tzinfo=UTC)  # Thursday of 2025-W40: the sample's busy week
WEEK = "2025-W40"
LEAD = "tag:icr.example.org,2025:news/radulovic-stenmark-lysosome-review"
OLWEUS = "tag:icr.example.org,2025:news/olweus-nature-reviews-cancer"
LIVE_TIMEOUT_MS = 10_000
LYNCH_TITLE = "Bringing Europe together to tackle Lynch syndrome"
NVA_TITLE = "National Research Archive (NVA) Now Available for OUS Researchers"


def _copy_sample(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "digest.toml", root / "digest.toml")
    shutil.copytree(REPO / "feeds", root / "feeds")
    return root / "digest.toml"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load(_copy_sample(tmp_path / "sample"))


def decision_text(config: Config, key: str = WEEK) -> str:
    return (config.root / "feeds" / "issues" / f"{key}.toml").read_text(encoding="utf-8")


def decisions(config: Config, key: str = WEEK) -> dict[str, object]:
    return tomllib.loads(decision_text(config, key))


def entry_table(config: Config, entry_id: str, key: str = WEEK) -> dict[str, object]:
    found = [e for e in decisions(config, key).get("entries", []) if e["id"] == entry_id]  # type: ignore[attr-defined]
    return found[0] if found else {}


# --- the desk's functions, on the sample's decision files ------------------------------------


def test_lead_is_written_with_the_comments_kept(config: Config) -> None:
    version = editorial.version_of(config, WEEK)
    desk.set_lead(config, WEEK, OLWEUS, version)
    text = decision_text(config)
    assert f'lead = "{OLWEUS}"' in text
    assert "# A lead story is shown first and large, above the sections:" in text
    assert text.startswith("# The editor's decisions for the weekly issue of week 40")
    assert editorial.read_decisions(config, WEEK).lead == OLWEUS  # type: ignore[union-attr]


def test_move_writes_the_whole_order_of_the_section(config: Config) -> None:
    shown = ["a:first", OLWEUS, "a:third"]
    desk.move(config, WEEK, "a:third", -1, shown, editorial.version_of(config, WEEK))
    assert [entry_table(config, entry_id).get("order") for entry_id in shown] == [1, 3, 2]
    assert entry_table(config, OLWEUS)["kicker"] == "Nature Reviews Cancer"  # kept beside it


def test_leave_out_and_put_back(config: Config) -> None:
    desk.omit(config, WEEK, "a:story", editorial.version_of(config, WEEK))
    assert '[[entries]]\nid = "a:story"\nomit = true\n' in decision_text(config)
    desk.put_back(config, WEEK, "a:story", editorial.version_of(config, WEEK))
    assert "a:story" not in decision_text(config)  # nothing else was decided: the table goes


def test_leaving_out_the_lead_removes_the_lead(config: Config) -> None:
    desk.omit(config, WEEK, LEAD, editorial.version_of(config, WEEK))
    assert "lead" not in decisions(config)
    assert entry_table(config, LEAD)["omit"] is True


def test_moving_to_another_section_drops_the_old_place(config: Config) -> None:
    desk.move(config, WEEK, OLWEUS, 1, [OLWEUS, "a:x"], editorial.version_of(config, WEEK))
    desk.move_to_section(config, WEEK, OLWEUS, "People", editorial.version_of(config, WEEK))
    table = entry_table(config, OLWEUS)
    assert table["section"] == "People" and "order" not in table


def test_a_section_that_is_not_configured_is_refused_before_writing(config: Config) -> None:
    before = decision_text(config)
    with pytest.raises(EntryError, match="'Sport' is not configured"):
        desk.move_to_section(config, WEEK, OLWEUS, "Sport", editorial.version_of(config, WEEK))
    assert decision_text(config) == before


def test_highlight_is_picked_last_in_the_years_file_and_unpicked(config: Config) -> None:
    desk.set_highlight(config, "2022", "a:2022-story", True, editorial.version_of(config, "2022"))
    picks = [pick["id"] for pick in decisions(config, "2022")["highlights"]]  # type: ignore[index, attr-defined]
    assert picks[-1] == "a:2022-story" and len(picks) == 4
    assert "# The highlights in the order they are numbered" in decision_text(config, "2022")
    desk.set_highlight(config, "2022", "a:2022-story", False, editorial.version_of(config, "2022"))
    assert "a:2022-story" not in decision_text(config, "2022")


def test_highlight_of_a_year_without_a_file_creates_it(config: Config) -> None:
    desk.set_highlight(config, "2025", OLWEUS, True, "")
    assert decisions(config, "2025") == {"highlights": [{"id": OLWEUS}]}


def test_a_highlight_year_that_is_no_year_writes_nothing(config: Config) -> None:
    with pytest.raises(EntryError, match="not a year"):
        desk.set_highlight(config, "../../digest", OLWEUS, True, "")
    assert not (config.root / "digest.toml.toml").exists()


def test_kicker_and_summary_replace_and_empty_removes(config: Config) -> None:
    version = editorial.version_of(config, WEEK)
    desk.set_words(config, WEEK, "a:story", "Award", "First line.\nSecond line.", version)
    assert entry_table(config, "a:story") == {
        "id": "a:story",
        "kicker": "Award",
        "summary": "First line.\nSecond line.\n",
    }
    desk.set_words(config, WEEK, "a:story", "", "", editorial.version_of(config, WEEK))
    assert entry_table(config, "a:story") == {}


def test_a_kicker_on_two_lines_is_refused(config: Config) -> None:
    with pytest.raises(EntryError, match="single line"):
        desk.set_words(config, WEEK, OLWEUS, "two\nlines", "", editorial.version_of(config, WEEK))


def test_subject_and_intro_are_written_as_a_person_would(config: Config) -> None:
    desk.set_issue_fields(
        config, WEEK, "Lysosomes and T cells", "A *busy* week.\n\nTwo reviews.", None
    )
    text = decision_text(config)
    assert 'subject = "Lysosomes and T cells"' in text
    assert 'intro = """A *busy* week.\n\nTwo reviews.\n"""' in text
    read = editorial.read_decisions(config, WEEK)
    assert read is not None and "<em>busy</em>" in read.intro_html


def test_a_stale_edit_is_refused_and_the_other_edit_kept(config: Config) -> None:
    seen = editorial.version_of(config, WEEK)
    desk.set_lead(config, WEEK, OLWEUS, seen)  # another tab, first
    with pytest.raises(StaleEdit, match="changed on disk since this page was loaded"):
        desk.omit(config, WEEK, OLWEUS, seen)
    assert decisions(config)["lead"] == OLWEUS
    assert "omit" not in entry_table(config, OLWEUS)
