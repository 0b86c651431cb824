"""Case 7, live preview: from saving an entry to `digest serve` serving the rebuilt issue.

The repo's sample publication is copied into the workspace and previewed in this process
while 2025-W40 is the week in progress. Each run changes the title of an entry of that week,
then waits until the preview's email.html, fetched over HTTP, carries the new title: the time
includes the file watcher noticing the save, the rebuild, and the request. The baseline is
the same edit followed by `python -m digest build --week 2025-W40 --offline` (whole command).
"""

from __future__ import annotations

import shutil
import statistics
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from measure import BENCHMARKS, PYTHON, Row, Table, run_child, seconds, times

from digest.commands.serve import preview
from digest.config import load

WEEK = "2025-W40"
IN_PROGRESS = datetime(2025, 10, 2, 12, 0, tzinfo=UTC)  # a Thursday of 2025-W40
ENTRY = Path("feeds/entries/2025/welcome-new-phd-candidates.md")
TITLE = "title: Welcome to this autumn's new PhD candidates"
TARGET = 1.0  # seconds from the save to the rebuilt issue being served
GIVE_UP = 30.0


def _sample(folder: Path) -> Path:
    repo = BENCHMARKS.parent
    folder.mkdir(parents=True)
    shutil.copy(repo / "digest.toml", folder / "digest.toml")
    shutil.copytree(repo / "feeds", folder / "feeds")
    return folder / "digest.toml"


def _retitle(config: Path, marker: str) -> None:
    entry = config.parent / ENTRY
    lines = entry.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = f"{TITLE} ({marker})\n"
    entry.write_text("".join(lines), encoding="utf-8")


def _served_after_save(config: Path, url: str, marker: str) -> float:
    """Save the entry with `marker` in its title; seconds until the preview serves it."""
    started = time.perf_counter()
    _retitle(config, marker)
    while time.perf_counter() - started < GIVE_UP:
        with urllib.request.urlopen(url, timeout=GIVE_UP) as response:
            if marker.encode() in response.read():
                return time.perf_counter() - started
        time.sleep(0.01)
    raise RuntimeError(f"the preview did not show {marker!r} within {GIVE_UP:g} s")


def run(workspace: Path, runs: int) -> Table:
    table = Table(
        f"7. live preview of the sample's {WEEK}: save an entry -> served, median of {runs} runs"
    )
    previewed, built = _sample(workspace / "preview"), _sample(workspace / "preview-build")
    build = [PYTHON, "-m", "digest", "build", "--week", WEEK, "--offline", "--quiet"]
    build += ["--config", str(built)]
    run_child(build).check("first build")
    serve_times: list[float] = []
    build_times: list[float] = []
    with preview(
        previewed, load(previewed), port=0, offline=True, clock=lambda: IN_PROGRESS
    ) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"{server.url}build/weekly/{WEEK}/email.html"
        try:
            for number in range(runs):
                serve_times.append(_served_after_save(previewed, url, f"preview run {number}"))
                time.sleep(0.3)  # let the rest of the preview (the other issues) settle
                _retitle(built, f"build run {number}")
                build_times.append(run_child(build).check("build").wall)
        finally:
            server.shutdown()
            thread.join(10)
    served, rebuilt = statistics.median(serve_times), statistics.median(build_times)
    table.add(
        Row(
            "digest serve: save an entry -> rebuilt email.html served",
            seconds(served),
            f"digest build --week {seconds(rebuilt)}",
            times(served / rebuilt),
            f"< {TARGET:g} s",
            served < TARGET,
        )
    )
    table.add(
        Row("  fastest / slowest run", f"{seconds(min(serve_times))} / {seconds(max(serve_times))}")
    )
    return table
