"""Timing, child processes and the result tables shared by the benchmark cases.

Figures that are compared are measured interleaved (A, B, A, B, ...) so that a noisy
neighbour slows both alike, and each is the median of its runs.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PYTHON = sys.executable
BENCHMARKS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Timing:
    """Median wall-clock and CPU seconds (this process's CPU time: every thread, no children)."""

    wall: float
    cpu: float


def interleaved(
    functions: dict[str, Callable[[], object]],
    runs: int,
    before_each: Callable[[], object] | None = None,
) -> dict[str, Timing]:
    """Run each function `runs` times, round-robin; `before_each` (untimed) runs before every call."""
    walls: dict[str, list[float]] = {name: [] for name in functions}
    cpus: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(runs):
        for name, function in functions.items():
            if before_each:
                before_each()
            cpu, wall = time.process_time(), time.perf_counter()
            function()
            walls[name].append(time.perf_counter() - wall)
            cpus[name].append(time.process_time() - cpu)
    return {
        name: Timing(statistics.median(walls[name]), statistics.median(cpus[name]))
        for name in functions
    }


@dataclass(frozen=True)
class ChildRun:
    """One finished child process: its wall time, its own peak resident memory, what it said,
    and its CPU time (user + system)."""

    wall: float
    peak_bytes: int
    returncode: int
    stdout: str
    stderr: str
    cpu: float = 0.0

    def check(self, what: str) -> ChildRun:
        if self.returncode != 0:
            raise RuntimeError(f"{what}: exit code {self.returncode}: {self.stderr.strip()[-500:]}")
        return self


def run_child(arguments: Sequence[str], cwd: Path | None = None) -> ChildRun:
    """Run a command through spawn.py, which times it and reads its own ru_maxrss (see there)."""
    with tempfile.TemporaryDirectory(prefix="digest-bench-child-") as folder:
        report, out, err = (Path(folder) / name for name in ("report.json", "stdout", "stderr"))
        with out.open("wb") as stdout, err.open("wb") as stderr:
            launcher = [PYTHON, str(BENCHMARKS / "spawn.py"), str(report), *arguments]
            subprocess.run(launcher, stdout=stdout, stderr=stderr, cwd=cwd, check=True)
        result = json.loads(report.read_text())
        return ChildRun(
            result["wall"],
            result["peak_bytes"],
            result["returncode"],
            out.read_text(errors="replace"),
            err.read_text(errors="replace"),
            result["cpu"],
        )


def python_child(*arguments: str, cwd: Path | None = None) -> ChildRun:
    return run_child([PYTHON, *arguments], cwd=cwd)


# -- the tables ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a result table; `ok` is None for figures printed for information only."""

    case: str
    measured: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    ok: bool | None = None


@dataclass
class Table:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    @property
    def missed(self) -> list[Row]:
        return [row for row in self.rows if row.ok is False]


HEADINGS = ("case", "measured", "baseline", "ratio", "target", "ok?")


def verdict(ok: bool | None) -> str:
    return "" if ok is None else "ok" if ok else "MISSED"


def format_table(table: Table) -> str:
    cells = [HEADINGS] + [
        (row.case, row.measured, row.baseline, row.ratio, row.target, verdict(row.ok))
        for row in table.rows
    ]
    widths = [max(len(line[column]) for line in cells) for column in range(len(HEADINGS))]
    lines = [
        " | ".join(text.ljust(width) for text, width in zip(line, widths, strict=True))
        for line in cells
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join([f"== {table.title}", *(line.rstrip() for line in lines), *table.notes])


# -- units -----------------------------------------------------------------------------------


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def milliseconds(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def megabytes(value: float) -> str:
    return f"{value / 1_000_000:.0f} MB"


def rate(value: float, unit: str = "entries/s") -> str:
    return f"{value:,.0f} {unit}"


def times(value: float) -> str:
    return f"{value:.2f}×"
