"""`digest fetch`: bring the archive up to date with every source and the local entry files:
the ingest -> archive half of a build (`pipeline.update_archive`), under the publication's lock.
With `--backfill`, each web source's history follows (`digest/ingest/backfill.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from digest import paths
from digest.archive import Archive
from digest.config import Config, Source
from digest.errors import UsageError
from digest.ingest.backfill import DEFAULT_MAX_PAGES, Walk, walk
from digest.ingest.fetch import web_client
from digest.pipeline import update_archive
from digest.report import Reporter
from digest.write import locked


@dataclass(frozen=True)
class Fetch:
    """What `digest fetch` changed, and how many entries the archive now holds."""

    new: int
    updated: int
    total: int
    walks: tuple[Walk, ...] = ()


@dataclass(frozen=True)
class Backfill:
    """`--backfill`: read each web source's older feed pages, back to `since`, at most
    `max_pages` each; `sources` names the ones to read (empty: every web source)."""

    since: date | None = None
    max_pages: int = DEFAULT_MAX_PAGES
    sources: tuple[str, ...] = ()


def fetch(
    config: Config, reporter: Reporter, now: datetime, backfill: Backfill | None = None
) -> Fetch:
    """`digest fetch`: update the archive from the entry files and every source, under the lock;
    with `backfill`, then each web source's history."""
    chosen = _chosen(config, backfill) if backfill else []
    archive_path = paths.archive_path(config)
    with locked(archive_path.parent), Archive(archive_path) as archive:
        update = update_archive(config, archive, reporter, offline=False, now=now)
        new, updated = update.new, update.updated
        walks = (
            tuple(_backfill(chosen, config, archive, reporter, now, backfill)) if backfill else ()
        )
        for history in walks:
            new, updated = new + history.new, updated + history.updated
        return Fetch(new, updated, archive.count(), walks)


def _chosen(config: Config, backfill: Backfill) -> list[Source]:
    """The web sources to backfill; a name that is no configured source is a usage error."""
    names = [source.name for source in config.sources]
    for name in backfill.sources:
        if name not in names:
            raise UsageError(
                f"--source {name!r}: not a configured source; digest.toml has "
                + (", ".join(repr(known) for known in names) or "none")
            )
    wanted = set(backfill.sources) or set(names)
    return [source for source in config.sources if source.name in wanted]


def _backfill(
    sources: list[Source],
    config: Config,
    archive: Archive,
    reporter: Reporter,
    now: datetime,
    backfill: Backfill,
) -> list[Walk]:
    """Walk each source's history, printing one line per source."""
    since = None
    if backfill.since is not None:
        since = datetime.combine(backfill.since, time(), config.publication.zone)
    walks = []
    with web_client(config) as client:
        for source in sources:
            if not source.url:
                reporter.note(f"history of {source.name!r}: a feed file; nothing to fetch")
                continue

            def warn(line: str, name: str = source.name) -> None:
                reporter.warn(f"source {name!r}: {line}")

            with reporter.progress(f"history of {source.name}", backfill.max_pages) as advance:
                history = walk(
                    source,
                    config,
                    client,
                    lambda entries: archive.store(entries, now),
                    now,
                    since=since,
                    max_pages=backfill.max_pages,
                    advance=advance,
                    warn=warn,
                )
            walks.append(history)
            _report(history, source, reporter)
    return walks


def _report(history: Walk, source: Source, reporter: Reporter) -> None:
    """One line for the source: pages, entries, where it stopped and why."""
    line = (
        f"{history.pages} page(s), {history.new} new, {history.updated} updated; "
        f"stopped: {history.stopped}"
    )
    if history.undated:
        line += f"; {history.undated} item(s) without a date left out"
    if history.failed:
        reporter.source_failed(source.name, f"history: {line}")
    elif history.no_history:
        reporter.note(
            f"history of {source.name!r}: {source.url} offers no history: its feed links no "
            f'rel="next" or "prev-archive" page, and WordPress\'s ?paged=2 gave none '
            f"({history.stopped}); only its feed's items are archived"
        )
    else:
        reporter.note(f"history of {source.name!r}: {line}")
