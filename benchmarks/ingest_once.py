"""One measured ingest for case 1, in a process of its own: its CPU time and peak memory.

    python benchmarks/ingest_once.py digest PUBLICATION_DIR     # python -m digest fetch, whole
    python benchmarks/ingest_once.py feedparser FEED            # feedparser.parse(bytes), whole
    python benchmarks/ingest_once.py lxml FEED                  # lxml's own parse, in this process
    python benchmarks/ingest_once.py phases PUBLICATION_DIR     # digest's stages, in this process

`digest` and `feedparser` start the command as a child of this small process and reap it with
os.wait4: CPU time (user + system) of the whole child, start-up, imports, reading the file and
the archive writes included, and its own ru_maxrss. `lxml` and `phases` time parts in this
process (CPU time) for the breakdown in the notes. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FEEDPARSER = (
    "import sys, feedparser; print(len(feedparser.parse(open(sys.argv[1], 'rb').read()).entries))"
)


def child(command: list[str], cwd: Path | None = None) -> dict[str, object]:
    """CPU seconds (user + system), peak bytes and output of one child process, reaped here."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        stdout.seek(0)
        stderr.seek(0)
        said, complained = (
            stdout.read().decode(errors="replace"),
            stderr.read().decode(errors="replace"),
        )
    if process.returncode:
        raise SystemExit(f"{command}: exit code {process.returncode}: {complained[-500:]}")
    scale = 1 if sys.platform == "darwin" else 1024  # Linux reports kilobytes
    return {
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_bytes": usage.ru_maxrss * scale,
        "stdout": said,
    }


def lxml_parse(feed: Path) -> dict[str, object]:
    """lxml.etree.fromstring of the bytes with the fast reader's parser settings: the parse limit."""
    from lxml import etree

    data = feed.read_bytes()
    started = time.process_time()
    etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    return {"cpu": time.process_time() - started}


def phases(publication: Path) -> dict[str, object]:
    """CPU seconds of each stage of digest's ingest of the publication's one feed file."""
    from datetime import UTC, datetime

    started = time.process_time()
    from lxml import etree

    from digest import links
    from digest.archive import Archive, entry_to_json
    from digest.config import load
    from digest.ingest import fastfeed
    from digest.ingest.clean import sanitize_html
    from digest.ingest.feeds import parse_feed
    from digest.ingest.prepare import prepare

    imported = time.process_time()
    config = load(publication)
    source = config.sources[0]
    data = config.resolve(source.path or "").read_bytes()
    now = datetime(2025, 10, 7, 6, 0, tzinfo=UTC)
    figures: dict[str, float] = {"imports": imported - started}

    def timed(name: str, work: object) -> object:
        begun = time.process_time()
        result = work() if callable(work) else None
        figures[name] = time.process_time() - begun
        return result

    timed("lxml parse", lambda: etree.fromstring(data, etree.XMLParser(resolve_entities=False)))
    document = timed("prepare", lambda: prepare(data)[0])
    feed = timed("read (lxml + items)", lambda: fastfeed.read(document))  # type: ignore[arg-type]
    items = feed.items if feed else ()  # type: ignore[attr-defined]
    timed(
        "sanitize_html of bodies (nh3 + cleaning)",
        lambda: [sanitize_html(item.content, item.link, from_xml=True) for item in items],
    )
    parsed = timed("parse_feed", lambda: parse_feed(data, source, config, now, ""))
    entries = parsed.entries  # type: ignore[attr-defined]
    timed("story links", lambda: [links.story_link(entry.link) for entry in entries])
    timed("entry JSON", lambda: [entry_to_json(entry) for entry in entries])
    archive_path = publication / "phases.sqlite"
    with Archive(archive_path) as archive:
        timed("Archive.store", lambda: archive.store(entries, now))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{archive_path}{suffix}").unlink(missing_ok=True)
    return {"phases": figures, "entries": len(entries)}


def main(arguments: list[str]) -> None:
    variant, target = arguments[0], Path(arguments[1])
    python = sys.executable
    if variant == "digest":
        result = child([python, "-m", "digest", "fetch"], cwd=target)
    elif variant == "feedparser":
        result = child([python, "-c", FEEDPARSER, str(target)])
        result["entries"] = int(str(result.pop("stdout")).strip())
    elif variant == "lxml":
        result = lxml_parse(target)
    elif variant == "phases":
        result = phases(target)
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
