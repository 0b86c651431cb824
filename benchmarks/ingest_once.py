"""One ingest of one feed file, in a process of its own so that its peak memory is its own.

    python benchmarks/ingest_once.py digest FEED PUBLICATION_DIR ARCHIVE
    python benchmarks/ingest_once.py feedparser|feedparser-raw|lxml FEED

Prints {"seconds": ..., "entries": ...}: the time of the ingest alone (reading the file,
starting Python and importing are not counted).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

FEED_URL = "https://news.example.org/feed/"
FETCHED_AT = datetime(2025, 10, 7, 6, 0, tzinfo=UTC)


def digest_ingest(data: bytes, publication: Path, archive_path: Path) -> tuple[int, float]:
    """digest's own path: parse, normalise, sanitise (parse_feed), then store in a fresh archive."""
    from digest.archive import Archive
    from digest.config import load
    from digest.ingest.feeds import parse_feed

    config = load(publication)
    started = time.perf_counter()
    parsed = parse_feed(data, config.sources[0], config, FETCHED_AT, FEED_URL)
    with Archive(archive_path) as archive:
        new, _ = archive.store(parsed.entries, FETCHED_AT)
    return new, time.perf_counter() - started


def main(arguments: list[str]) -> None:
    variant, feed = arguments[0], Path(arguments[1])
    data = feed.read_bytes()
    import feedparser
    import lxml.etree

    if variant == "digest":
        entries, elapsed = digest_ingest(data, Path(arguments[2]), Path(arguments[3]))
    else:
        started = time.perf_counter()
        if variant == "feedparser":
            entries = len(feedparser.parse(data).entries)
        elif variant == "feedparser-raw":
            parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
            entries = len(parsed.entries)
        elif variant == "lxml":
            root = lxml.etree.fromstring(data)
            entries = len(root.findall(".//item")) + len(
                root.findall(".//{http://www.w3.org/2005/Atom}entry")
            )
        else:
            raise SystemExit(f"unknown variant {variant!r}")
        elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "entries": entries}))


if __name__ == "__main__":
    main(sys.argv[1:])
