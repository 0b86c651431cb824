"""`digest import FILE --source NAME`: a WordPress export's published posts into the archive,
as the entries of a configured source, under the publication's lock.

Each post becomes the entry its feed item would (the same id, sanitising and sections), so a
later fetch of the live feed updates it instead of adding a copy; it is archived with its
own date, in its own week and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest import paths
from digest.archive import Archive
from digest.config import Config, Source
from digest.errors import UsageError
from digest.ingest.backfill import in_range
from digest.ingest.clean import title_text, web_url
from digest.ingest.feeds import entry_from
from digest.ingest.wxr import ExportUnreadable, read_export
from digest.model import Entry
from digest.report import Reporter
from digest.write import locked


@dataclass(frozen=True)
class Imported:
    """What an import did: posts read, entries new and updated, what was left out and why."""

    posts: int
    new: int
    updated: int
    left_out: dict[str, int]


def source_named(config: Config, name: str) -> Source:
    """The configured source `name`; any other name is a usage error listing the sources."""
    for source in config.sources:
        if source.name == name:
            return source
    known = ", ".join(repr(source.name) for source in config.sources) or "none"
    raise UsageError(
        f"--source {name!r}: not a configured source; digest.toml has {known} "
        "(add the site's feed under [[sources]] first)"
    )


def import_export(
    config: Config, file: Path, source_name: str, reporter: Reporter, now: datetime
) -> Imported:
    """Read the WXR file, make its published posts entries of the source, and store them."""
    source = source_named(config, source_name)
    try:
        export = read_export(file, config.publication.zone)
    except ExportUnreadable as error:
        where = f"{file}:{error.line}" if error.line else str(file)
        raise UsageError(f"{where}: {error}; nothing was imported") from None
    base = web_url(export.link, source.url or "") or source.url or ""
    site = (base, title_text(export.title))
    warnings: list[str] = []
    entries: dict[str, Entry] = {}
    left_out = dict(export.left_out)
    for position, item in enumerate(export.items):
        if not in_range(item, now):
            why = "post(s) without a date to archive them under"
            left_out[why] = left_out.get(why, 0) + 1
            continue
        entry = entry_from(item, source, config, now, site, warnings, position)
        if entry is not None:
            entries.setdefault(entry.id, entry)
    for line in warnings:
        reporter.warn(f"{file}: {line}")
    archive_path = paths.archive_path(config)
    with locked(archive_path.parent), Archive(archive_path) as archive:
        new, updated = archive.store(entries.values(), now)
    return Imported(len(export.items), new, updated, left_out)
