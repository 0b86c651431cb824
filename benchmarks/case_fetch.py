"""Case 2, fetch: `digest fetch` of 100 slow sources, first with content, then all unchanged (304)."""

from __future__ import annotations

import contextlib
import io
import math
import statistics
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from feed_server import LAST_MODIFIED, FeedServer
from inputs import small_feed
from measure import Row, Table, interleaved, seconds, times
from publication import write_config

from digest import cli
from digest.config import Fetch

SOURCES = 100
DELAY = 0.2  # seconds the server waits before each answer
FIRST_TARGET = 1.5  # × the ideal: ceil(sources / concurrency) round trips
UNCHANGED_TARGET = 1.2  # × the same conditional requests made with plain httpx


def _digest_fetch(folder: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["fetch", "--config", str(folder), "--quiet"])
    if code != 0:
        raise RuntimeError(f"digest fetch exited with {code}")


def _forget(folder: Path) -> None:
    """A fresh archive: no validators, every source answers with its feed."""
    for name in ("archive.sqlite", "archive.sqlite-wal", "archive.sqlite-shm"):
        (folder / name).unlink(missing_ok=True)


def _bare_round_trips(server: FeedServer, paths: list[str], concurrency: int) -> None:
    """The same conditional GETs with plain httpx at the same concurrency, nothing parsed or stored."""

    def get(client: httpx.Client, path: str) -> int:
        headers = {"If-None-Match": server.etag(path), "If-Modified-Since": LAST_MODIFIED}
        return client.get(server.url(path), headers=headers).status_code

    with httpx.Client() as client, ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(lambda path: get(client, path), paths))


def run(workspace: Path, runs: int) -> Table:
    concurrency = Fetch().concurrency
    ideal = math.ceil(SOURCES / concurrency) * DELAY
    table = Table(
        f"2. fetch: {SOURCES} sources on 127.0.0.1, each answering after {DELAY * 1000:.0f} ms; "
        f"[fetch] concurrency = {concurrency} (digest's default); median of {runs} runs"
    )
    feeds = {f"/partner-{number}.xml": small_feed(number) for number in range(1, SOURCES + 1)}
    paths = list(feeds)
    with FeedServer(feeds, DELAY) as server:
        sources = [(f"Partner {index}", server.url(path)) for index, path in enumerate(paths, 1)]
        folder = write_config(workspace / "fetch", sources, concurrency)

        first = interleaved(
            {"first": lambda: _digest_fetch(folder)}, runs, before_each=lambda: _forget(folder)
        )["first"]
        server.take_statuses()
        ratio = first.wall / ideal
        table.add(
            Row(
                f"first fetch: {SOURCES} feeds parsed and archived (CPU {seconds(first.cpu)})",
                seconds(first.wall),
                f"ideal ⌈{SOURCES}/{concurrency}⌉ × {DELAY:g} s = {seconds(ideal)}",
                times(ratio),
                f"≤ {FIRST_TARGET}×",
                ratio <= FIRST_TARGET,
            )
        )

        not_modified: list[int] = []

        def unchanged() -> None:
            server.take_statuses()
            _digest_fetch(folder)
            not_modified.append(server.take_statuses()[304])

        timing = interleaved(
            {
                "digest": unchanged,
                "bare": lambda: _bare_round_trips(server, paths, concurrency),
            },
            runs,
        )
    table.notes.append(
        "CPU: this process's, the server's threads included (it runs in a thread here)"
    )
    ratio = timing["digest"].wall / timing["bare"].wall
    table.add(
        Row(
            f"unchanged: the same {SOURCES} again (CPU {seconds(timing['digest'].cpu)})",
            seconds(timing["digest"].wall),
            f"bare httpx round trips {seconds(timing['bare'].wall)}",
            times(ratio),
            f"≤ {UNCHANGED_TARGET}×",
            ratio <= UNCHANGED_TARGET,
        )
    )
    fewest = min(not_modified)
    table.add(
        Row(
            "unchanged: 304s the server sent, per run",
            f"{statistics.median(not_modified):.0f} (fewest {fewest})",
            f"{SOURCES} requests",
            "",
            f"= {SOURCES}",
            fewest == SOURCES,
        )
    )
    return table
