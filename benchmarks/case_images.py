"""Case 10, images: a week with 30 new remote pictures on 127.0.0.1 fetched, checked, stored and
derived; the same build again with nothing new (no picture fetched or encoded again); beside
the same builds in hotlink mode (no fetching: the feed's URLs as they are)."""

from __future__ import annotations

import io
import random
import re
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feed_server import FeedServer
from measure import PYTHON, ChildRun, Row, Table, megabytes, run_child, seconds, times
from PIL import Image
from publication import write_config

WEEK = "2025-W40"
PICTURES = 30
SIZE = (2400, 1600)  # a photo as sites publish them: each ~0.8 MB
DELAY = 0.02  # seconds the server waits before each answer
REBUILD_TARGET = 0.5  # the second build (nothing new) beyond the hotlink one, in seconds


def _photo(rng: random.Random) -> bytes:
    """A JPEG with a photo's detail: smooth noise in many colours, the same on every run."""
    small = (SIZE[0] // 16, SIZE[1] // 16)
    noise = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3))
    buffer = io.BytesIO()
    noise.resize(SIZE, Image.Resampling.BICUBIC).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _feed(image_url: str) -> bytes:
    monday = datetime(2025, 9, 29, 8, tzinfo=UTC)
    items = "".join(
        f"<item><title>Story {number} with a picture</title>"
        f"<link>https://partner.example/{number}/</link><guid>https://partner.example/{number}/</guid>"
        f"<pubDate>{(monday + timedelta(hours=5 * number)):%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
        f"<description>Story {number}, about research.</description>"
        f'<media:content url="{image_url}/photo-{number}.jpg" medium="image" type="image/jpeg"/>'
        "</item>"
        for number in range(PICTURES)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Partner</title>'
        f"<link>https://partner.example/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def _publication(folder: Path, feed_url: str, mode: str) -> Path:
    write_config(folder, [("Partner", feed_url)], images_mode=None)
    with (folder / "digest.toml").open("a", encoding="utf-8") as config:
        config.write(f'\n[images]\nmode = "{mode}"\nallow_hosts = ["127.0.0.1"]\n')
    return folder


def _forget(folder: Path) -> None:
    """A first build: no archive, no out/, no stamp."""
    for name in (
        "archive.sqlite",
        "archive.sqlite-wal",
        "archive.sqlite-shm",
        ".digest-stamp.json",
    ):
        (folder / name).unlink(missing_ok=True)
    for path in (
        sorted((folder / "out").rglob("*"), reverse=True) if (folder / "out").is_dir() else ()
    ):
        path.unlink() if path.is_file() else path.rmdir()


def _build(folder: Path) -> ChildRun:
    command = [PYTHON, "-m", "digest", "build", "--week", WEEK, "--verbose"]
    return run_child([*command, "--config", str(folder), "--out", str(folder / "out")]).check(
        f"build in {folder.name}"
    )


def _pictures_sent(server: FeedServer) -> int:
    """Pictures sent since the last call: every 200 and 304, less the feed's one answer."""
    statuses = server.take_statuses()
    return statuses[200] + statuses[304] - 1


def _derived(run: ChildRun) -> int:
    return sum(int(found) for found in re.findall(r"(\d+) derived", run.stdout))


def run(workspace: Path, runs: int) -> tuple[Table, list[Row]]:
    table = Table(
        f"10. images: {WEEK} with {PICTURES} new remote pictures ({SIZE[0]}x{SIZE[1]} JPEG) on "
        f"127.0.0.1, {DELAY * 1000:.0f} ms a request; child processes, median of {runs} runs"
    )
    rng = random.Random(42)
    bodies = {f"/img/photo-{number}.jpg": _photo(rng) for number in range(PICTURES)}
    originals = sum(len(body) for body in bodies.values())
    # The server names every body RSS: digest goes by a picture's bytes, not its Content-Type.
    with FeedServer({"/feed.xml": b"", **bodies}, DELAY) as server:
        server._server.feeds["/feed.xml"] = (_feed(server.url("/img")), '"feed"')  # its port known
        stored = _publication(workspace / "images-store", server.url("/feed.xml"), "store")
        hotlink = _publication(workspace / "images-hotlink", server.url("/feed.xml"), "hotlink")
        first: list[ChildRun] = []
        again: list[ChildRun] = []
        base_first: list[ChildRun] = []
        base_again: list[ChildRun] = []
        fetched_first = fetched_again = 0
        for _ in range(runs):
            _forget(stored)
            server.take_statuses()
            first.append(_build(stored))
            fetched_first = _pictures_sent(server)
            (stored / ".digest-stamp.json").unlink(missing_ok=True)  # the whole pipeline runs
            again.append(_build(stored))
            fetched_again = _pictures_sent(server)
            _forget(hotlink)
            base_first.append(_build(hotlink))
            (hotlink / ".digest-stamp.json").unlink(missing_ok=True)
            base_again.append(_build(hotlink))
    media = [path for path in (stored / "out" / "media").iterdir() if path.suffix == ".jpg"]
    published = sum(path.stat().st_size for path in media)
    wall = {
        name: statistics.median(run.wall for run in found)
        for name, found in (
            ("first", first),
            ("again", again),
            ("base_first", base_first),
            ("base_again", base_again),
        )
    }
    table.add(
        Row(
            f"first build: {fetched_first} fetched, {_derived(first[-1])} derived",
            seconds(wall["first"]),
            f"hotlink {seconds(wall['base_first'])}",
            times(wall["first"] / wall["base_first"]),
        )
    )
    table.add(
        Row(
            "per picture, beyond the hotlink build",
            seconds((wall["first"] - wall["base_first"]) / PICTURES),
        )
    )
    table.add(
        Row(
            f"same build again, nothing new: {fetched_again} fetched, "
            f"{_derived(again[-1])} re-encoded",
            seconds(wall["again"]),
            f"hotlink {seconds(wall['base_again'])}",
            times(wall["again"] / wall["base_again"]),
            f"0 re-encoded, < +{REBUILD_TARGET:g} s",
            _derived(again[-1]) == 0
            and fetched_again == 0
            and wall["again"] - wall["base_again"] < REBUILD_TARGET,
        )
    )
    table.add(
        Row(
            "bytes: originals served -> published JPEGs",
            f"{originals / 1e6:.1f} MB -> {published / 1e6:.2f} MB",
            "",
            f"{published / originals:.1%}",
        )
    )
    peaks = [
        Row(
            "images: first build (30 fetched and derived)",
            megabytes(max(r.peak_bytes for r in first)),
            f"hotlink {megabytes(max(r.peak_bytes for r in base_first))}",
        ),
        Row(
            "images: same build again",
            megabytes(max(r.peak_bytes for r in again)),
            f"hotlink {megabytes(max(r.peak_bytes for r in base_again))}",
        ),
    ]
    table.rows.extend(peaks)
    return table, peaks
