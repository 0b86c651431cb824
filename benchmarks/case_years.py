"""Case 13, years: `digest build --all` from scratch on archives of 1, 5 and 10 years of weekly issues.

Each archive holds ~25 entries a week from 20 sources (3% of them events, 1.5% highlights), over
the years before 2025, stored with `Archive.store`; out/ starts empty. Each build runs in a child
process (wall time and its own peak memory). The 10-year figures are compared with the 1-year
build scaled by the number of issues: a figure that grows linearly with the weeks has a ratio
of 1 or below. The archives stay in the workspace: case 7 previews the 10-year one.
"""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path

from measure import PYTHON, Row, Table, megabytes, milliseconds, run_child, seconds, times
from publication import archive_publication

PER_WEEK = 25
SOURCES = 20
EVENTS = 0.03  # share of entries that are events
LAST_YEAR = 2024
SPANS = (1, 5, 10)  # years
WALL_TARGET = 30.0  # seconds, for 10 years
PEAK_TARGET = 200_000_000  # bytes, for 10 years
LINEAR = 1.0  # 10 years at most this many times the 1-year build per issue


def years_publication(workspace: Path, years: int) -> Path:
    """The publication of `years` years of weekly entries, made once per workspace."""
    folder = workspace / f"years-{years}"
    if not (folder / "archive.sqlite").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        span = range(LAST_YEAR + 1 - years, LAST_YEAR + 1)
        count = PER_WEEK * 52 * years
        archive_publication(folder, count, span, source_count=SOURCES, events=EVENTS)
    return folder


def _build_all(folder: Path) -> tuple[float, float, int, int]:
    """(wall, CPU, peak bytes, issues built) of `digest build --all --offline` into an empty out/."""
    out = folder / "out"
    shutil.rmtree(out, ignore_errors=True)
    (folder / ".digest-stamp.json").unlink(missing_ok=True)
    command = [PYTHON, "-m", "digest", "build", "--all", "--offline", "--quiet"]
    child = run_child([*command, "--config", str(folder), "--out", str(out)])
    child.check(f"digest build --all in {folder.name}")
    built = len(list(out.glob("*/*/email.html")))
    return child.wall, child.cpu, child.peak_bytes, built


def run(workspace: Path, runs: int) -> tuple[Table, list[Row]]:
    """The years table, and the 10-year peak-memory row for the memory table."""
    table = Table(
        f"13. years: digest build --all --offline from scratch, {PER_WEEK} entries a week from "
        f"{SOURCES} sources, child processes, median of {runs} runs"
    )
    started = time.perf_counter()
    folders = {years: years_publication(workspace, years) for years in SPANS}
    table.add(
        Row(
            "setup: generate and Archive.store the three archives",
            seconds(time.perf_counter() - started),
        )
    )
    walls: dict[int, list[float]] = {years: [] for years in SPANS}
    cpus: dict[int, list[float]] = {years: [] for years in SPANS}
    peaks = dict.fromkeys(SPANS, 0)
    issues = dict.fromkeys(SPANS, 0)
    for _ in range(runs):
        for years in SPANS:  # interleaved, so a busy neighbour slows each alike
            took, used, peak, built = _build_all(folders[years])
            walls[years].append(took)
            cpus[years].append(used)
            peaks[years] = max(peaks[years], peak)
            issues[years] = built
    wall = {years: statistics.median(walls[years]) for years in SPANS}
    cpu = {years: statistics.median(cpus[years]) for years in SPANS}
    one, last = SPANS[0], SPANS[-1]
    for years in SPANS:
        scale = issues[years] / issues[one]  # how many times the 1-year build's issues
        what = f"{years} year(s): {issues[years]} issues, {PER_WEEK * 52 * years:,} entries"
        table.add(
            Row(
                f"{what}: wall",
                seconds(wall[years]),
                f"1 year × {scale:.1f} = {seconds(wall[one] * scale)}" if years != one else "",
                times(wall[years] / (wall[one] * scale)) if years != one else "",
                f"< {WALL_TARGET:g} s" if years == last else "",
                wall[years] < WALL_TARGET if years == last else None,
            )
        )
        # CPU, not wall, tells how the work grows: a busy neighbour's disk and cores slow wall time
        table.add(
            Row(
                f"{what}: CPU ({milliseconds(cpu[years] / issues[years])} per issue)",
                seconds(cpu[years]),
                f"1 year × {scale:.1f} = {seconds(cpu[one] * scale)}" if years != one else "",
                times(cpu[years] / (cpu[one] * scale)) if years != one else "",
                f"≤ {LINEAR:g}× linear" if years != one else "",
                cpu[years] / (cpu[one] * scale) <= LINEAR if years != one else None,
            )
        )
    for years in SPANS:
        scale = issues[years] / issues[one]
        target = f"≤ {scale:.1f}×" + (f", < {megabytes(PEAK_TARGET)}" if years == last else "")
        table.add(
            Row(
                f"{years} year(s): peak memory (ru_maxrss)",
                megabytes(peaks[years]),
                f"1 year {megabytes(peaks[one])}" if years != one else "",
                times(peaks[years] / peaks[one]) if years != one else "",
                target if years != one else "",
                peaks[years] / peaks[one] <= scale and (years != last or peaks[years] < PEAK_TARGET)
                if years != one
                else None,
            )
        )
    sizes = ", ".join(
        f"{years} y {megabytes((folders[years] / 'archive.sqlite').stat().st_size)}"
        for years in SPANS
    )
    table.notes.append(f"archives: {sizes}; events {EVENTS:.0%} of entries, up to 4 weeks ahead")
    peak_row = Row(
        f"digest build --all of {last} years ({issues[last]} issues)",
        megabytes(peaks[last]),
        f"1 year {megabytes(peaks[one])}",
        times(peaks[last] / peaks[one]),
        f"< {megabytes(PEAK_TARGET)}",
        peaks[last] < PEAK_TARGET,
    )
    return table, [peak_row]
