"""`digest explain`: why each archived entry near a period is in its issue or not.

It reads the archive as the last build or fetch left it (it fetches nothing and writes
nothing) and asks the build's own functions: `select_issue` with a `Decisions` record,
and `as_sent` for what the size budget moved. Only the local entry files are read
again, to list the problems that would stop a build.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from digest import select
from digest.archive import Archive
from digest.commands.build import Target, as_sent, periods, select_issue
from digest.config import Config
from digest.errors import DigestError, EntryError
from digest.explain import (
    Explanation,
    explain_failed_sources,
    explain_issue,
    explain_problems,
)
from digest.ingest.local import read_entries
from digest.model import Entry, Period

# Entries dated this close outside the period are listed too: they are the ones people miss
# by a time zone or a weekend.
NEAR = timedelta(days=3)


@dataclass(frozen=True)
class Explained:
    """The period asked about, and one explanation per entry, file or source."""

    period: Period
    explanations: list[Explanation]


def explain(config: Config, target: Target, query: str | None, now: datetime) -> Explained:
    """Explain the period of `target` (default: the last complete week), or only what `query` names.

    `query` is an entry id, or text found in titles (ignoring case), entry file problems
    or source names; with it, matching entries are looked for in the whole archive.
    """
    archive_path = config.resolve(config.archive.path)
    if not archive_path.exists():
        raise DigestError(f"{archive_path}: no archive yet; run digest fetch or digest build first")
    try:
        read_entries(config)
        problems: tuple[str, ...] = ()
    except EntryError as error:
        problems = error.problems
    with Archive(archive_path) as archive:
        period = periods(target, config, archive, now)[0]
        decisions = select.Decisions()
        selected = select_issue(period, config, archive, decisions)
        sent = as_sent(selected, config) if selected else None
        others = archive.matching(query) if query else _near(period, archive)
        failed = archive.failed_sources()
    explanations = explain_issue(period, config, decisions, selected, sent, others)
    explanations += explain_problems(problems)
    explanations += explain_failed_sources(failed, config)
    if query:
        wanted = {(entry.source, entry.id) for entry in others}
        explanations = [item for item in explanations if _matches(item, query, wanted)]
    return Explained(period, explanations)


def _near(period: Period, archive: Archive) -> list[Entry]:
    """Entries dated just before or just after the period."""
    before = archive.published_between(period.start - NEAR, period.start)
    return before + archive.published_between(period.end, period.end + NEAR)


def _matches(item: Explanation, query: str, wanted: set[tuple[str, str]]) -> bool:
    """Entries the archive matched; files and sources whose warning or name holds the text."""
    if item.entry:
        return (item.entry.source, item.entry.id) in wanted
    text = str(item.details.get("warning") or item.details.get("source") or "")
    named_source = any(source == item.details.get("source") for source, _ in wanted)
    return query.casefold() in text.casefold() or named_source
