"""`digest fetch`: bring the archive up to date with every source and the local entry files.

This is the ingest -> archive half of a build. Local entries are read first:
if any file is malformed, nothing (not even the archive) is changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from digest import __version__
from digest.archive import Archive
from digest.assets import Asset
from digest.config import Config, Source
from digest.ingest.feeds import FeedUnreadable, parse_feed
from digest.ingest.fetch import Fetched, fetch_all
from digest.ingest.local import read_entries
from digest.report import Reporter
from digest.write import locked


@dataclass(frozen=True)
class ArchiveUpdate:
    """What a fetch changed, and the local files the entries publish under out/media/."""

    new: int
    updated: int
    assets: tuple[Asset, ...]


@dataclass(frozen=True)
class Fetch:
    """What `digest fetch` changed, and how many entries the archive now holds."""

    new: int
    updated: int
    total: int


def fetch(config: Config, reporter: Reporter, now: datetime) -> Fetch:
    """`digest fetch`: update the archive from the entry files and every source, under the lock."""
    archive_path = config.resolve(config.archive.path)
    with locked(archive_path.parent), Archive(archive_path) as archive:
        update = update_archive(config, archive, reporter, offline=False, now=now)
        return Fetch(update.new, update.updated, archive.count())


def _body_hash(body: bytes) -> str:
    """Hash of the bytes and of digest's version: a new version re-parses even unchanged feeds."""
    return hashlib.sha256(__version__.encode() + b"\0" + body).hexdigest()


def update_archive(
    config: Config, archive: Archive, reporter: Reporter, *, offline: bool, now: datetime
) -> ArchiveUpdate:
    """Read local entries, fetch and parse the sources, and store what changed."""
    local = read_entries(config)  # raises EntryError before anything is written
    new, updated = archive.store(local.entries, now, keep_first_date=False)
    archive.remove_missing(config.entries.source, {entry.id for entry in local.entries})

    sources = [source for source in config.sources if not (offline and source.url)]
    skipped = len(config.sources) - len(sources)
    if skipped:
        reporter.note(f"offline: {skipped} web source(s) not fetched; using what the archive holds")
    by_name = {source.name: source for source in sources}

    with reporter.progress("fetching", len(sources)) as advance:

        def done(result: Fetched) -> None:
            state = "error" if result.error else "not modified" if result.not_modified else "ok"
            reporter.detail(f"fetched {result.source}: {state}")
            advance(result.source)

        # each source is parsed and stored while the later ones are still downloading
        for result in fetch_all(sources, archive.validators(), config, on_done=done):
            added, changed = _store(result, by_name[result.source], config, archive, reporter, now)
            new, updated = new + added, updated + changed
    return ArchiveUpdate(new, updated, local.assets)


def _store(
    result: Fetched,
    source: Source,
    config: Config,
    archive: Archive,
    reporter: Reporter,
    now: datetime,
) -> tuple[int, int]:
    """Parse one source's new bytes and store its entries; (new, updated). Failures are warnings."""
    if result.notice:
        reporter.warn(f"source {source.name!r}: {result.notice}")
    if result.error:
        reporter.source_failed(source.name, result.error)
        archive.record_fetch(source.name, now, None, None, result.error)
        return 0, 0
    if result.body is None:  # 304 Not Modified
        archive.record_fetch(source.name, now, result.validators, None, None)
        return 0, 0
    body_hash = _body_hash(result.body)
    if body_hash == archive.body_hash(source.name):  # the same bytes as last time: nothing to parse
        archive.record_fetch(source.name, now, result.validators, body_hash, None)
        return 0, 0
    try:
        parsed = parse_feed(result.body, source, config, now, source.url or "")
    except FeedUnreadable as error:
        reporter.source_failed(source.name, f"{source.url or source.path}: not a feed: {error}")
        archive.record_fetch(source.name, now, None, None, str(error))
        return 0, 0
    for warning in parsed.warnings:
        reporter.warn(f"source {source.name!r}: {warning}")
    stored = archive.store(parsed.entries, now)
    archive.record_fetch(source.name, now, result.validators, body_hash, None)
    return stored
