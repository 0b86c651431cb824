"""Case 4, yearly: the highlights issue of one year from an archive of 100,000 entries."""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path

from measure import PYTHON, Row, Table, interleaved, megabytes, rate, run_child, seconds, times
from publication import archive_publication

from digest.archive import Archive
from digest.config import load
from digest.pipeline import select_issue
from digest.render import render_issue
from digest.render.environment import make_environment
from digest.select import year_period

ENTRIES = 100_000
SMALL = 1_000  # the same build on a small archive is the baseline: cost that grows with the archive
YEARS = range(2022, 2025)
YEAR = 2023
TARGET = 2.0  # seconds
PEAK_TARGET = 300_000_000  # bytes


def _in_process(folder: Path, runs: int, table: Table) -> None:
    config = load(folder)
    with Archive(config.resolve(config.archive.path)) as archive:
        env = make_environment(config)
        period = year_period(YEAR, config.publication.zone)
        issue = select_issue(period, config, archive)
        if issue is None:
            raise RuntimeError(f"{YEAR}: no highlights")
        render_issue(issue, config, env)  # compile the templates before timing
        timing = interleaved(
            {
                "select": lambda: select_issue(period, config, archive),
                "render": lambda: render_issue(issue, config, env),
            },
            runs,
        )
    select, render = timing["select"].wall, timing["render"].wall
    table.add(Row(f"select {YEAR}'s highlights: archive queries + yearly_issue", seconds(select)))
    table.add(Row("render_issue of the highlights issue", seconds(render)))
    table.add(
        Row(
            "select + render, in-process",
            seconds(select + render),
            target=f"< {TARGET:g} s",
            ok=select + render < TARGET,
        )
    )


def _builds(big: Path, small: Path, runs: int) -> dict[Path, tuple[float, int]]:
    """(median wall, highest peak RSS) of `digest build --year` in a child, per publication."""
    walls: dict[Path, list[float]] = {big: [], small: []}
    peaks: dict[Path, int] = {big: 0, small: 0}
    for _ in range(runs):
        for folder in (big, small):
            shutil.rmtree(folder / "out", ignore_errors=True)
            command = [PYTHON, "-m", "digest", "build", "--year", str(YEAR), "--offline", "--quiet"]
            child = run_child([*command, "--config", str(folder), "--out", str(folder / "out")])
            child.check(f"digest build --year {YEAR}")
            walls[folder].append(child.wall)
            peaks[folder] = max(peaks[folder], child.peak_bytes)
    return {folder: (statistics.median(walls[folder]), peaks[folder]) for folder in walls}


def run(workspace: Path, runs: int) -> tuple[Table, list[Row]]:
    """The yearly table, and the peak-memory row for the memory table."""
    table = Table(
        f"4. yearly: {YEAR}'s highlights from an archive of {ENTRIES:,} entries, median of {runs} runs"
    )
    started = time.perf_counter()
    big = archive_publication(workspace / "yearly", ENTRIES, YEARS)
    filled = time.perf_counter() - started
    small = archive_publication(workspace / "yearly-small", SMALL, YEARS)
    table.add(
        Row(
            f"setup: generate and Archive.store {ENTRIES:,} entries (batches of 5,000)",
            f"{seconds(filled)} ({rate(ENTRIES / filled)})",
        )
    )
    _in_process(big, runs, table)
    results = _builds(big, small, runs)
    (wall, peak), (small_wall, small_peak) = results[big], results[small]
    table.add(
        Row(
            f"digest build --year {YEAR} --offline (child process, start-up included)",
            seconds(wall),
            f"same on {SMALL:,} entries {seconds(small_wall)}",
            times(wall / small_wall),
            f"< {TARGET:g} s",
            wall < TARGET,
        )
    )
    size = (big / "archive.sqlite").stat().st_size
    table.notes.append(
        f"archive: {megabytes(size)}, ~1.5% highlights, over {YEARS.start}-{YEARS.stop - 1}"
    )
    peak_row = Row(
        f"digest build --year {YEAR} on {ENTRIES:,} entries",
        megabytes(peak),
        f"same on {SMALL:,} entries {megabytes(small_peak)}",
        times(peak / small_peak),
        f"< {megabytes(PEAK_TARGET)}",
        peak < PEAK_TARGET,
    )
    return table, [peak_row]
