"""`digest fetch`: bring the archive up to date with every source and the local entry files:
the ingest -> archive half of a build (`pipeline.update_archive`), under the publication's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from digest import paths
from digest.archive import Archive
from digest.config import Config
from digest.pipeline import update_archive
from digest.report import Reporter
from digest.write import locked


@dataclass(frozen=True)
class Fetch:
    """What `digest fetch` changed, and how many entries the archive now holds."""

    new: int
    updated: int
    total: int


def fetch(config: Config, reporter: Reporter, now: datetime) -> Fetch:
    """`digest fetch`: update the archive from the entry files and every source, under the lock."""
    archive_path = paths.archive_path(config)
    with locked(archive_path.parent), Archive(archive_path) as archive:
        update = update_archive(config, archive, reporter, offline=False, now=now)
        return Fetch(update.new, update.updated, archive.count())
