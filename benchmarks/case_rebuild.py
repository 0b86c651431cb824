"""Case 5, no-change rebuild: `python -m digest build --week …` again with nothing changed."""

from __future__ import annotations

import statistics
from pathlib import Path

from measure import PYTHON, Row, Table, run_child, seconds, times
from publication import week_publication

WEEK = "2025-W40"
ENTRIES = 30
TARGET = 0.5  # seconds beyond the interpreter's start-up


def _mtimes(out: Path) -> dict[str, int]:
    return {
        str(path.relative_to(out)): path.stat().st_mtime_ns
        for path in out.rglob("*")
        if path.is_file()
    }


def _rewritten(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


def run(workspace: Path, runs: int) -> Table:
    table = Table(
        f"5. no-change rebuild of {WEEK} ({ENTRIES} entries), child processes, median of {runs} runs"
    )
    folder = week_publication(workspace / "rebuild", WEEK, ENTRIES)
    out = folder / "out"
    build = [PYTHON, "-m", "digest", "build", "--week", WEEK, "--offline", "--quiet"]
    build += ["--config", str(folder), "--out", str(out)]
    run_child(build).check("first build")
    commands = {
        "pass": [PYTHON, "-c", "pass"],
        "import": [PYTHON, "-c", "import digest.cli"],
        "full": build,  # run with the build stamp removed: the whole pipeline finds nothing to do
        "rebuild": build,
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    rewritten: set[str] = set()
    for _ in range(runs):
        for name, command in commands.items():
            if name == "full":
                (folder / ".digest-stamp.json").unlink()
            before = _mtimes(out)
            walls[name].append(run_child(command).check(name).wall)
            rewritten |= set(_rewritten(before, _mtimes(out)))
    bare, imported, full, rebuild = (statistics.median(walls[name]) for name in commands)
    table.add(Row("start-up: python -c pass", seconds(bare)))
    table.add(
        Row(
            "start-up: python -c 'import digest.cli'",
            seconds(imported),
            f"python -c pass {seconds(bare)}",
            times(imported / bare),
        )
    )
    table.add(Row("python -m digest build, nothing changed (whole command)", seconds(rebuild)))
    table.add(
        Row(
            "rebuild beyond interpreter start-up (minus python -c pass)",
            seconds(rebuild - bare),
            f"python -c pass {seconds(bare)}",
            times(rebuild / bare),
            f"< {TARGET:g} s",
            rebuild - bare < TARGET,
        )
    )
    table.add(
        Row(
            "without the build stamp: every issue's fingerprint checked, beyond start-up",
            seconds(full - bare),
            f"python -c pass {seconds(bare)}",
            times(full / bare),
        )
    )
    table.add(
        Row(
            "rebuild beyond import digest.cli",
            seconds(rebuild - imported),
            f"import digest.cli {seconds(imported)}",
        )
    )
    table.add(
        Row(
            f"files rewritten in out/ (mtimes, over {runs} rebuilds)",
            str(len(rewritten)) + (f": {', '.join(sorted(rewritten)[:5])}" if rewritten else ""),
            f"{len(_mtimes(out))} files",
            "",
            "= 0",
            not rewritten,
        )
    )
    return table
