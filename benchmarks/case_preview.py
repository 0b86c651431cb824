"""Case 7, live preview: from saving an entry to `digest serve` serving the rebuilt issue.

The repo's sample publication is copied into the workspace and previewed in this process
while 2025-W40 is the week in progress. Each run changes the title of an entry of that week,
then waits until the preview's email.html, fetched over HTTP, carries the new title: the time
includes the file watcher noticing the save, the rebuild, and the request. The baseline is
the same edit followed by `python -m digest build --week 2025-W40 --offline` (whole command).
The same again on a copy of case 13's 10-year archive, 2025-W03 in progress with one entry
file: there every save also rebuilds the other 533 issues' site after the week is served,
so each run first waits for that to finish.
"""

from __future__ import annotations

import shutil
import statistics
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from case_years import years_publication
from measure import PYTHON, Row, Table, run_child, seconds, times
from publication import sample_copy

from digest.commands.serve import preview
from digest.config import load

WEEK = "2025-W40"
IN_PROGRESS = datetime(2025, 10, 2, 12, 0, tzinfo=UTC)  # a Thursday of 2025-W40
ENTRY = Path("feeds/entries/2025/welcome-new-phd-candidates.md")
TITLE = "title: Welcome to this autumn's new PhD candidates"
TARGET = 1.0  # seconds from the save to the rebuilt issue being served
GIVE_UP = 30.0
YEARS_WEEK = "2025-W03"  # the week after case 13's 10-year archive, in progress at YEARS_NOW
YEARS_NOW = datetime(2025, 1, 16, 12, 0, tzinfo=UTC)
YEARS_ENTRY = Path("entries/new-year.md")
SETTLE_GIVE_UP = 300.0  # the first build of the 10-year preview builds 533 issues


def _years(workspace: Path, name: str) -> Path:
    """A copy of case 13's 10-year publication with one entry file in YEARS_WEEK, the week in
    progress at YEARS_NOW; the copy keeps case 13's own publication as it is."""
    folder = workspace / name
    source = years_publication(workspace, 10)
    shutil.rmtree(folder, ignore_errors=True)  # a kept workspace (run.py --workspace) has it
    folder.mkdir(parents=True)
    for file in ("digest.toml", "archive.sqlite"):
        shutil.copy(source / file, folder / file)
    shutil.copytree(source / "assets", folder / "assets")
    entry = folder / YEARS_ENTRY
    entry.parent.mkdir(parents=True)
    entry.write_text(
        f"---\n{TITLE}\ndate: 2025-01-14T10:00\nsection: News\n---\n"
        "The first story of the new year, written while the week is in progress.\n",
        encoding="utf-8",
    )
    return folder / "digest.toml"


def _retitle(config: Path, marker: str, name: Path = ENTRY) -> None:
    entry = config.parent / name
    lines = entry.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = f"{TITLE} ({marker})\n"
    entry.write_text("".join(lines), encoding="utf-8")


def _served_after_save(config: Path, url: str, marker: str, name: Path = ENTRY) -> float:
    """Save the entry with `marker` in its title; seconds until the preview serves it."""
    started = time.perf_counter()
    _retitle(config, marker, name)
    while time.perf_counter() - started < GIVE_UP:
        with urllib.request.urlopen(url, timeout=GIVE_UP) as response:
            if marker.encode() in response.read():
                return time.perf_counter() - started
        time.sleep(0.01)
    raise RuntimeError(f"the preview did not show {marker!r} within {GIVE_UP:g} s")


def _measure(
    previewed: Path,
    built: Path,
    week: str,
    now: datetime,
    entry: Path,
    runs: int,
    settle: bool,
) -> tuple[list[float], list[float], list[float]]:
    """Seconds from each save to the rebuilt week served, and of the same edit then `digest
    build --week` in a child. With `settle`, each run waits until the preview has also
    rebuilt every other issue (on a big archive that takes seconds), so a run never waits
    for the rebuild the previous run started; the third list: seconds from each save until
    then."""
    build = [PYTHON, "-m", "digest", "build", "--week", week, "--offline", "--quiet"]
    build += ["--config", str(built)]
    run_child(build).check("first build")
    serve_times: list[float] = []
    build_times: list[float] = []
    settle_times: list[float] = []
    with preview(previewed, load(previewed), port=0, offline=True, clock=lambda: now) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"{server.url}build/weekly/{week}/email.html"
        try:
            for number in range(runs):
                serve_times.append(
                    _served_after_save(previewed, url, f"preview run {number}", entry)
                )
                time.sleep(0.3)  # let the rest of the preview (the other issues) settle
                if settle:
                    waited = time.perf_counter()
                    _settled(server.builder)
                    settle_times.append(time.perf_counter() - waited + 0.3 + serve_times[-1])
                _retitle(built, f"build run {number}", entry)
                build_times.append(run_child(build).check("build").wall)
        finally:
            server.shutdown()
            thread.join(10)
    return serve_times, build_times, settle_times


def _settled(builder: object) -> None:
    """Wait until the rebuild under way, if any, has finished (it holds the build lock)."""
    lock = builder._build_lock  # type: ignore[attr-defined]  # the preview's own lock
    if not lock.acquire(timeout=SETTLE_GIVE_UP):
        raise RuntimeError(f"the preview did not finish rebuilding within {SETTLE_GIVE_UP:g} s")
    lock.release()


def _rows(
    table: Table,
    what: str,
    serve_times: list[float],
    build_times: list[float],
    settle_times: list[float],
) -> None:
    served, rebuilt = statistics.median(serve_times), statistics.median(build_times)
    table.add(
        Row(
            f"digest serve{what}: save an entry -> rebuilt email.html served",
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
    if settle_times:
        table.add(
            Row("  save -> every other issue rebuilt too", seconds(statistics.median(settle_times)))
        )


def run(workspace: Path, runs: int) -> Table:
    table = Table(
        f"7. live preview of the sample's {WEEK}, and of a week after case 13's 10 years: "
        f"save an entry -> served, median of {runs} runs"
    )
    previewed, built = sample_copy(workspace / "preview"), sample_copy(workspace / "preview-build")
    _rows(table, "", *_measure(previewed, built, WEEK, IN_PROGRESS, ENTRY, runs, False))
    previewed, built = _years(workspace, "preview-years"), _years(workspace, "preview-years-build")
    measured = _measure(previewed, built, YEARS_WEEK, YEARS_NOW, YEARS_ENTRY, runs, True)
    _rows(table, f" on 10 years ({YEARS_WEEK})", *measured)
    return table
