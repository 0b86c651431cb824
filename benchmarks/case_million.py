"""Case 14, million: a week's build and a year's highlights from an archive of 1,000,000 entries.

The archive is a dense history and a recent year at a publication's own pace: 998,700 entries
of 20 sources over 1990-2023 (~560 a week, as a backfilled partner archive; 3% events, 1.5%
highlights), then 1,300 over 2024 (25 a week). It is made once per workspace with
`Archive.store` in batches of 20,000. Measured in child processes: `digest build --week
2024-W40` (a week of 25 entries) beyond `python -c pass`, and `digest build --year 2023` (the
highlights of a year of ~29,000 entries), each beside the same build on an archive of the
2024 entries alone; their peak memory; the archive's size and indexes; and the plan SQLite
makes for every query a week's and a year's build ask (traced in-process), none of which may
read a whole table.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from measure import PYTHON, Row, Table, megabytes, rate, run_child, seconds, times
from publication import layered_publication

from digest.archive import Archive
from digest.config import load
from digest.pipeline import select_issue, update_archive
from digest.report import Reporter
from digest.select import week_period, year_period

ENTRIES = 1_000_000
RECENT = 1_300  # 2024, at 25 a week
HISTORY = range(1990, 2024)
WEEK = "2024-W40"
YEAR = 2023
WEEK_TARGET = 1.0  # seconds beyond python -c pass
YEAR_TARGET = 2.0  # seconds, the whole command
PEAK_TARGET = 300_000_000  # bytes
NOW = datetime(2025, 1, 2, tzinfo=UTC)


def _publication(folder: Path, history: int, years: range) -> tuple[Path, float]:
    """`history` entries over `years`, then 2024's; the seconds it took to make them (0 when
    the workspace had them)."""
    if (folder / "archive.sqlite").is_file():
        return folder, 0.0
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    layers = [(history, years), (RECENT, range(2024, 2025))]
    layered_publication(folder, layers, batch=20_000, source_count=20, events=0.03, pooled=True)
    return folder, time.perf_counter() - started


def _build(folder: Path, target: list[str]) -> tuple[float, int]:
    """(wall, peak bytes) of `digest build TARGET --offline` in a child, out/ and stamp removed."""
    shutil.rmtree(folder / "out", ignore_errors=True)
    (folder / ".digest-stamp.json").unlink(missing_ok=True)
    command = [PYTHON, "-m", "digest", "build", *target, "--offline", "--quiet"]
    child = run_child([*command, "--config", str(folder), "--out", str(folder / "out")])
    child.check(f"digest build {' '.join(target)} in {folder.name}")
    return child.wall, child.peak_bytes


def _whole_table_reads(plan: list[str]) -> list[str]:
    """The steps of a query plan that read a whole table of entries or decisions."""
    return [
        step
        for step in plan
        if step.startswith("SCAN") and "INDEX" not in step and "sources" not in step
    ]


def _plans(folder: Path) -> tuple[list[tuple[str, list[str]]], float, float]:
    """Every distinct SELECT a week's and a year's select ask, with its plan; and the seconds
    the week's and the year's selection took in-process (archive queries + the select stage)."""
    config = load(folder)
    statements: list[str] = []
    with Archive(config.resolve(config.archive.path)) as archive:
        archive.db.set_trace_callback(statements.append)
        update_archive(config, archive, Reporter(quiet=True), offline=True, now=NOW)
        started = time.perf_counter()
        select_issue(week_period(WEEK, config.publication.zone), config, archive)
        week = time.perf_counter() - started
        started = time.perf_counter()
        select_issue(year_period(YEAR, config.publication.zone), config, archive)
        year = time.perf_counter() - started
        archive.db.set_trace_callback(None)
        selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
        plans = []
        for sql in dict.fromkeys(selects):
            rows = archive.db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            plans.append((sql, [row[3] for row in rows]))
    return plans, week, year


def _indexes(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' ORDER BY tbl_name, name"
        ).fetchall()
    return [f"{table}.{name}" for name, table in rows]


def _short(sql: str) -> str:
    """A statement as the notes show it: its shape, without the long lists of values."""
    text = " ".join(sql.split())
    if " IN ('" in text:
        head, tail = text.split(" IN ('", 1)
        text = f"{head} IN (…){tail.split(')', 1)[1] if ')' in tail else ''}"
    return text if len(text) <= 150 else text[:147] + "…"


def run(workspace: Path, runs: int) -> tuple[Table, list[Row]]:
    """The million table, and its peak-memory rows for the memory table."""
    table = Table(
        f"14. million: a week and a year from an archive of {ENTRIES:,} entries, child processes, "
        f"median of {runs} runs"
    )
    big, made = _publication(workspace / "million", ENTRIES - RECENT, HISTORY)
    # the baseline: 2023 and 2024 at 25 entries a week
    small, _ = _publication(workspace / "million-small", RECENT, range(YEAR, YEAR + 1))
    if made:
        table.add(
            Row(
                f"setup: generate and Archive.store {ENTRIES:,} entries (batches of 20,000)",
                f"{seconds(made)} ({rate(ENTRIES / made)})",
            )
        )
    started = time.perf_counter()
    with Archive(
        big / "archive.sqlite"
    ):  # the first open builds the indexes an older archive lacks
        pass
    table.add(
        Row(
            "first open with this digest (indexes it lacks built)",
            seconds(time.perf_counter() - started),
        )
    )
    bare = statistics.median(run_child([PYTHON, "-c", "pass"]).wall for _ in range(runs))
    results: dict[tuple[str, Path], list[tuple[float, int]]] = {}
    for _ in range(runs):
        for name, target in (("week", ["--week", WEEK]), ("year", ["--year", str(YEAR)])):
            for folder in (big, small):
                results.setdefault((name, folder), []).append(_build(folder, target))

    def wall(name: str, folder: Path) -> float:
        return statistics.median(result[0] for result in results[(name, folder)])

    def peak(name: str, folder: Path) -> int:
        return max(result[1] for result in results[(name, folder)])

    week, week_small = wall("week", big) - bare, wall("week", small) - bare
    table.add(
        Row(
            f"digest build --week {WEEK} --offline (25 entries), beyond python -c pass ({seconds(bare)})",
            seconds(week),
            f"same on {2 * RECENT:,} entries {seconds(week_small)}",
            times(week / week_small),
            f"< {WEEK_TARGET:g} s",
            week < WEEK_TARGET,
        )
    )
    year, year_small = wall("year", big), wall("year", small)
    table.add(
        Row(
            f"digest build --year {YEAR} --offline (whole command)",
            seconds(year),
            f"same on {2 * RECENT:,} entries {seconds(year_small)}",
            times(year / year_small),
            f"< {YEAR_TARGET:g} s",
            year < YEAR_TARGET,
        )
    )
    plans, week_select, year_select = _plans(big)
    table.add(
        Row(f"  in-process: select {WEEK} (archive queries + weekly_issue)", seconds(week_select))
    )
    table.add(Row(f"  in-process: select {YEAR}'s highlights", seconds(year_select)))
    reads = [sql for sql, plan in plans if _whole_table_reads(plan)]
    table.add(
        Row(
            "queries of a week's and a year's build that read a whole table (EXPLAIN QUERY PLAN)",
            f"{len(reads)} of {len(plans)}",
            target="= 0",
            ok=not reads,
        )
    )
    path = big / "archive.sqlite"
    table.notes.append(
        f"archive: {megabytes(path.stat().st_size)} on disk; indexes: {', '.join(_indexes(path))}"
    )
    table.notes.append("query plans:")
    for sql, plan in plans:
        table.notes.append(f"  {_short(sql)}")
        table.notes += [f"      {step}" for step in plan]
    peak_rows = [
        Row(
            f"digest build --week {WEEK} on {ENTRIES:,} entries",
            megabytes(peak("week", big)),
            f"same on {2 * RECENT:,} entries {megabytes(peak('week', small))}",
            times(peak("week", big) / peak("week", small)),
            f"< {megabytes(PEAK_TARGET)}",
            peak("week", big) < PEAK_TARGET,
        ),
        Row(
            f"digest build --year {YEAR} on {ENTRIES:,} entries",
            megabytes(peak("year", big)),
            f"same on {2 * RECENT:,} entries {megabytes(peak('year', small))}",
            times(peak("year", big) / peak("year", small)),
            f"< {megabytes(PEAK_TARGET)}",
            peak("year", big) < PEAK_TARGET,
        ),
    ]
    return table, peak_rows
