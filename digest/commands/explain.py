"""`digest explain`: why each archived entry near a period is in its issue or not.

First the archive takes in the files on disk, as `digest build --offline` does (local
entries and saved feeds; nothing is fetched from the web), so a story written a minute
ago is explained too. Then it asks the build's own functions: `select_issue` with a
`Decisions` record, and `as_sent` for what the size budget moved. Entry files that would
stop a build are listed with their problems, and the archive explains the rest as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from digest import select
from digest.archive import Archive
from digest.commands.build import Target, as_sent, periods, select_issue
from digest.commands.fetch import update_archive
from digest.config import Config
from digest.errors import EntryError
from digest.explain import (
    Explanation,
    explain_failed_sources,
    explain_issue,
    explain_problems,
)
from digest.model import Entry, Period
from digest.report import Reporter
from digest.write import locked

# Entries dated this close outside the period are listed too: they are the ones people miss
# by a time zone or a weekend.
NEAR = timedelta(days=3)


@dataclass(frozen=True)
class Explained:
    """The period asked about, and one explanation per entry, file or source."""

    period: Period
    explanations: list[Explanation]


def explain(
    config: Config, target: Target, query: str | None, now: datetime, reporter: Reporter
) -> Explained:
    """Explain the period of `target` (default: the last complete week), or only what `query` names.

    `query` is an entry id, or text found in titles (ignoring case), entry file problems
    or source names; with it, matching entries are looked for in the whole archive.
    """
    archive_path = config.resolve(config.archive.path)
    problems: tuple[str, ...] = ()
    with locked(archive_path.parent), Archive(archive_path) as archive:
        try:
            update_archive(config, archive, reporter, offline=True, now=now)
        except EntryError as error:
            problems = error.problems
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
