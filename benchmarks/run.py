"""digest's benchmark: each case beside the baseline it is compared with, measured in the same run.

    .venv/bin/python benchmarks/run.py [--quick] [--only NAME]

Inputs are generated (random.Random(42)) into a temporary folder that is removed at the end.
A missed target is printed as MISSED; the exit code is 0 all the same (it is a measurement).
See benchmarks/README.md for what each case measures.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import case_backfill
import case_desk
import case_fetch
import case_images
import case_ingest
import case_million
import case_preview
import case_rebuild
import case_render
import case_xml_attacks
import case_yearly
import case_years
from measure import Row, Table, format_table

CASES = (
    "ingest",
    "fetch",
    "render",
    "yearly",
    "rebuild",
    "preview",
    "desk",
    "xml-attacks",
    "backfill",
    "images",
    "years",
    "million",
)
# million makes a 4.5 GB archive of 1,000,000 entries first (4-6 minutes): only with --only million
DEFAULT_CASES = tuple(name for name in CASES if name != "million")


@dataclass(frozen=True)
class Runs:
    """How many times each case runs: `light` for cases of seconds, `heavy` for cases of minutes."""

    light: int
    heavy: int


def header(runs: Runs) -> str:
    libraries = ", ".join(
        f"{name} {version(name)}"
        for name in ("digest", "feedparser", "lxml", "nh3", "mjml-python", "premailer", "httpx")
    )
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    return "\n".join(
        [
            f"digest benchmarks, {datetime.now():%Y-%m-%d %H:%M}",
            f"{platform.python_implementation()} {platform.python_version()} on {platform.system()}, "
            f"{os.cpu_count()} CPUs, load average {load}",
            libraries,
            f"runs: median of {runs.light} (build --all and backfill: {runs.heavy}); "
            "inputs from random.Random(42) in a temporary folder",
        ]
    )


def _cases(runs: Runs, workspace: Path, peaks: list[Row]) -> dict[str, Callable[[], Table]]:
    def ingest() -> Table:
        # the light count: each round's ratio drifts with the machine, and a median of five holds
        table, found = case_ingest.run(workspace, runs.light)
        peaks.extend(found)
        return table

    def images() -> Table:
        table, found = case_images.run(workspace, runs.light)
        peaks.extend(found)
        return table

    def yearly() -> Table:
        table, found = case_yearly.run(workspace, runs.light)
        peaks.extend(found)
        return table

    def years() -> Table:
        table, found = case_years.run(workspace, runs.heavy)
        peaks.extend(found)
        return table

    def million() -> Table:
        table, found = case_million.run(workspace, runs.light)
        peaks.extend(found)
        return table

    return {
        "ingest": ingest,
        "fetch": lambda: case_fetch.run(workspace, runs.light),
        "render": lambda: case_render.run(workspace, runs.light, runs.heavy),
        "yearly": yearly,
        "rebuild": lambda: case_rebuild.run(workspace, runs.light),
        "preview": lambda: case_preview.run(workspace, runs.light),
        "desk": lambda: case_desk.run(workspace, runs.light),
        "xml-attacks": lambda: case_xml_attacks.run(workspace, runs.light),
        # each walk reads 200 pages at 100 ms: about 25 s a run
        "backfill": lambda: case_backfill.run(workspace, runs.heavy),
        # 30 pictures fetched and derived, then the same build again: about 10 s a run
        "images": images,
        # three builds --all from scratch (1, 5 and 10 years): about 30 s a run
        "years": years,
        # making the 1,000,000-entry archive takes a few minutes; the builds seconds each
        "million": million,
    }


def _compile_digest() -> None:
    """digest's modules compiled to .pyc, as `pip install` does, before any child starts: an
    editable checkout run with PYTHONDONTWRITEBYTECODE=1 would compile them from source in every
    child (~0.04-0.1 s), while feedparser and the standard library are read from the .pyc their
    installers wrote. Written to the ignored __pycache__ folders beside the sources."""
    import digest

    compileall.compile_dir(Path(digest.__file__).parent, quiet=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer runs per figure: 2 (the heaviest: 1) instead of 5 (3)",
    )
    parser.add_argument(
        "--only",
        choices=CASES,
        action="append",
        help="run only this case (repeatable); million runs only when named",
    )
    parser.add_argument(
        "--workspace",
        type=Path,
        help="make the inputs in this folder and keep them: the next run reuses the generated "
        "archives (the 1,000,000-entry one takes minutes to make)",
    )
    arguments = parser.parse_args(argv)
    _compile_digest()
    runs = Runs(2, 1) if arguments.quick else Runs(5, 3)
    print(header(runs), end="\n\n", flush=True)
    started = time.perf_counter()
    tables: list[Table] = []
    failed: list[str] = []
    peaks: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as folder:
        workspace = Path(folder)
        if arguments.workspace:
            workspace = arguments.workspace.resolve()
            workspace.mkdir(parents=True, exist_ok=True)
        cases = _cases(runs, workspace, peaks)
        for name in arguments.only or DEFAULT_CASES:
            case_started = time.perf_counter()
            try:
                table = cases[name]()
            except Exception:
                failed.append(name)
                print(f"== {name}: FAILED\n{traceback.format_exc()}", flush=True)
                continue
            table.notes.append(f"({name}: {time.perf_counter() - case_started:.0f} s)")
            tables.append(table)
            print(format_table(table), end="\n\n", flush=True)
    if peaks:
        memory = Table("6. peak memory (ru_maxrss of each child process)", peaks)
        tables.append(memory)
        print(format_table(memory), end="\n\n")
    missed = [(table.title.split(":")[0], row) for table in tables for row in table.missed]
    for case, row in missed:
        print(f"MISSED  {case}: {row.case}: {row.measured} (target {row.target})")
    if not missed and not failed:
        print("all targets met")
    print(f"total {time.perf_counter() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
