"""Case 1, ingest: entries/s of digest's parse + normalise + sanitise + store, beside feedparser.

Each run is a fresh process (benchmarks/ingest_once.py), so every variant starts from the
same state and its peak memory is its own; the times exclude start-up and reading the file.
"""

from __future__ import annotations

import json
import random
import statistics
from datetime import UTC, datetime
from pathlib import Path

from ingest_once import FEED_URL
from inputs import atom_feed, rss_feed
from measure import BENCHMARKS, Row, Table, megabytes, python_child, rate, times
from publication import write_config

ITEMS = 10_000
NEWEST = datetime(2025, 10, 6, 9, 0, tzinfo=UTC)
TARGET = 2.5  # digest's entries/s at least this many times feedparser's (defaults)
COMPARED = ("digest", "feedparser")
FOR_INFORMATION = {
    "feedparser-raw": "feedparser, sanitize_html=False, resolve_relative_uris=False",
    "lxml": "lxml.etree.fromstring alone",
}


def _once(variant: str, feed: Path, publication: Path, archive: Path) -> tuple[float, int]:
    """(entries per second, peak bytes) of one ingest in a fresh process."""
    archive.unlink(missing_ok=True)
    child = python_child(
        str(BENCHMARKS / "ingest_once.py"), variant, str(feed), str(publication), str(archive)
    ).check(f"ingest {variant}")
    result = json.loads(child.stdout)
    if result["entries"] != ITEMS:
        raise RuntimeError(f"{variant} found {result['entries']} entries, not {ITEMS}")
    return result["entries"] / result["seconds"], child.peak_bytes


def run(workspace: Path, runs: int) -> tuple[Table, list[Row]]:
    """The ingest table, and the peak-memory rows for the memory table."""
    table = Table(
        f"1. ingest: {ITEMS:,}-item feeds, entries/s, median of {runs} runs, "
        "each in a fresh process (start-up and file reading not timed)"
    )
    peaks: list[Row] = []
    publication = write_config(workspace / "ingest", [("Example News", FEED_URL)])
    for kind, make in (("RSS 2.0", rss_feed), ("Atom", atom_feed)):
        feed = workspace / f"{kind.split()[0].lower()}.xml"
        feed.write_bytes(make(random.Random(42), ITEMS, NEWEST))
        rates: dict[str, list[float]] = {variant: [] for variant in (*COMPARED, *FOR_INFORMATION)}
        peak: dict[str, int] = {}
        for round_number in range(runs):
            # the compared pair every round, interleaved; the others once, for information
            variants = [*COMPARED, *(FOR_INFORMATION if round_number == 0 else ())]
            for variant in variants:
                speed, peak_bytes = _once(variant, feed, publication, workspace / "ingest.sqlite")
                rates[variant].append(speed)
                peak[variant] = max(peak.get(variant, 0), peak_bytes)
        median = {variant: statistics.median(found) for variant, found in rates.items()}
        baseline = f"feedparser.parse {rate(median['feedparser'])}"
        ratio = median["digest"] / median["feedparser"]
        table.add(
            Row(
                f"{kind}: digest parse_feed + Archive.store",
                rate(median["digest"]),
                baseline,
                times(ratio),
                f"≥ {TARGET}×",
                ratio >= TARGET,
            )
        )
        for variant, label in FOR_INFORMATION.items():
            table.add(
                Row(
                    f"{kind}: {label} (1 run)",
                    rate(median[variant]),
                    baseline,
                    times(median[variant] / median["feedparser"]),
                )
            )
        table.notes.append(f"{kind} feed: {megabytes(feed.stat().st_size)}, {ITEMS:,} items")
        peaks.append(
            Row(
                f"ingest {kind}: digest parse + store",
                megabytes(peak["digest"]),
                f"feedparser.parse {megabytes(peak['feedparser'])}",
                times(peak["digest"] / peak["feedparser"]),
            )
        )
    return table, peaks
