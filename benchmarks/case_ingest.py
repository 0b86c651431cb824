"""Case 1, ingest: a whole `python -m digest fetch` of a 10,000-item feed file, beside feedparser.

Both sides are whole child processes, measured by their CPU time (user + system, from
os.wait4 in benchmarks/ingest_once.py): digest's start-up, config, parse, normalise,
sanitise and archive writes into a fresh archive, against `feedparser.parse(bytes)` with its
defaults on the same bytes (start-up and reading the file included too). lxml's own parse of
the bytes and a breakdown of digest's stages (in one process) are printed for information.
"""

from __future__ import annotations

import json
import random
import statistics
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from inputs import atom_feed, rss_feed, wordpress_feed
from measure import BENCHMARKS, Row, Table, megabytes, python_child, seconds, times
from publication import write_config

ITEMS = 10_000
NEWEST = datetime(2025, 10, 6, 9, 0, tzinfo=UTC)
TARGET = 4.0  # feedparser's CPU time at least this many times digest fetch's
CORPORA: tuple[tuple[str, Callable[[random.Random, int, datetime], bytes]], ...] = (
    ("RSS 2.0", rss_feed),
    ("Atom", atom_feed),
    ("WordPress RSS", wordpress_feed),
)
# hotlink: the images stage fetches no pictures (the feed's hosts do not exist); ingest only
SOURCE = """
[fetch]
max_mb = 1000

[images]
mode = "hotlink"

[[sources]]
name = "Example News"
path = "{feed}"
categories = {{ "Publication" = "Publications", "People" = "People" }}
"""


def _publication(folder: Path, feed: Path | None) -> Path:
    """A publication whose one source is the feed file (none: no source), no entry files."""
    write_config(folder, images_mode=None)
    if feed is not None:
        with (folder / "digest.toml").open("a", encoding="utf-8") as config:
            config.write(SOURCE.format(feed=feed))
    (folder / "entries").mkdir(exist_ok=True)
    return folder


def _fresh(publication: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (publication / f"archive.sqlite{suffix}").unlink(missing_ok=True)


def _once(variant: str, target: Path) -> tuple[dict[str, object], int]:
    """(what ingest_once.py reported, peak bytes of the process that ran it)."""
    run = python_child(str(BENCHMARKS / "ingest_once.py"), variant, str(target))
    return json.loads(run.check(f"ingest {variant}").stdout), run.peak_bytes


def _entries(fetch_output: str) -> int:
    """The new entries `digest fetch` reported ("archive: 10000 new, ...")."""
    for line in fetch_output.splitlines():
        if line.startswith("archive: "):
            return int(line.split()[1])
    raise RuntimeError(f"digest fetch said no 'archive:' line: {fetch_output[-300:]!r}")


def _breakdown(kind: str, phases: dict[str, float], whole: float, lxml: float) -> list[str]:
    """Where digest's CPU time goes, beside lxml's parse: the notes under the table."""
    shown = ", ".join(f"{name} {seconds(value)}" for name, value in phases.items())
    rest = whole - lxml
    return [
        f"{kind}: digest fetch {seconds(whole)} CPU is {whole / lxml:.1f}× lxml's parse "
        f"({seconds(lxml)}); the other {seconds(rest)} go to start-up, items, HTML and archive",
        f"  stages, in one process: {shown}",
    ]


def run(workspace: Path, runs: int) -> tuple[Table, list[Row]]:
    """The ingest table, and the peak-memory rows for the memory table."""
    table = Table(
        f"1. ingest: {ITEMS:,}-item feed files, whole processes, CPU time (user + system), "
        f"median of {runs} runs, interleaved; ratio: the median of the rounds' own ratios"
    )
    peaks: list[Row] = []
    empty = _publication(workspace / "ingest-empty", None)
    start_up: list[float] = []
    for kind, make in CORPORA:
        slug = kind.split()[0].lower()
        feed = workspace / f"{slug}.xml"
        feed.write_bytes(make(random.Random(42), ITEMS, NEWEST))
        publication = _publication(workspace / f"ingest-{slug}", feed)
        cpu: dict[str, list[float]] = {"digest": [], "feedparser": []}
        peak: dict[str, int] = {}
        for _ in range(runs):
            _fresh(publication)
            digest, _ = _once("digest", publication)
            if _entries(str(digest["stdout"])) != ITEMS:
                raise RuntimeError(f"digest fetch of {kind} stored {digest['stdout']!r}")
            cpu["digest"].append(float(digest["cpu"]))  # type: ignore[arg-type]
            peak["digest"] = max(peak.get("digest", 0), int(digest["peak_bytes"]))  # type: ignore[call-overload]
            baseline, _ = _once("feedparser", feed)
            if baseline["entries"] != ITEMS:
                raise RuntimeError(f"feedparser found {baseline['entries']} entries in {kind}")
            cpu["feedparser"].append(float(baseline["cpu"]))  # type: ignore[arg-type]
            peak["feedparser"] = max(peak.get("feedparser", 0), int(baseline["peak_bytes"]))  # type: ignore[call-overload]
            start_up.append(float(_once("digest", empty)[0]["cpu"]))  # type: ignore[arg-type]
        median = {variant: statistics.median(found) for variant, found in cpu.items()}
        # Each round's own ratio, its two runs a few seconds apart: the machine's speed drifts
        # over minutes (by a third, on a shared one), which a ratio of medians takes in.
        rounds = [base / ours for base, ours in zip(cpu["feedparser"], cpu["digest"], strict=True)]
        ratio = statistics.median(rounds)
        lxml = float(_once("lxml", feed)[0]["cpu"])  # type: ignore[arg-type]
        _fresh(publication)
        phases = _once("phases", publication)[0]["phases"]
        table.add(
            Row(
                f"{kind}: python -m digest fetch (fresh archive)",
                f"{seconds(median['digest'])} ({ITEMS / median['digest']:,.0f} entries/s)",
                f"feedparser.parse {seconds(median['feedparser'])}",
                times(ratio),
                f"≥ {TARGET:g}×",
                ratio >= TARGET,
            )
        )
        table.add(
            Row(
                f"{kind}: lxml.etree.fromstring of the bytes (1 run, in-process)",
                seconds(lxml),
                f"digest fetch {seconds(median['digest'])}",
                times(median["digest"] / lxml),
            )
        )
        table.notes.append(
            f"{kind} feed: {megabytes(feed.stat().st_size)}, {ITEMS:,} items; each round's ratio: "
            + ", ".join(times(found) for found in rounds)
        )
        table.notes.extend(_breakdown(kind, phases, median["digest"], lxml))  # type: ignore[arg-type]
        peaks.append(
            Row(
                f"ingest {kind}: digest fetch",
                megabytes(peak["digest"]),
                f"feedparser.parse {megabytes(peak['feedparser'])}",
                times(peak["digest"] / peak["feedparser"]),
            )
        )
    table.add(
        Row(
            "start-up: python -m digest fetch, no sources",
            seconds(statistics.median(start_up)),
        )
    )
    return table, peaks
