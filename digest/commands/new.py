"""`digest new`: a new entry file under feeds/entries/, dated and named after its title, to fill in."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from digest.config import Config
from digest.errors import UsageError
from digest.ingest.local import scaffold


def new_entry(
    config: Config,
    title: str,
    now: datetime,
    *,
    day: date | None = None,
    section: str | None = None,
) -> Path:
    """Write `feeds/entries/YYYY/YYYY-MM-DD-slug.md` (default: today in the publication's zone)."""
    title = " ".join(title.split())
    if not title:
        raise UsageError('the title is empty; give the headline: digest new "Your headline"')
    day = day or now.astimezone(config.publication.zone).date()
    return scaffold(title, day, config.resolve(config.entries.path), _section(config, section))


def _section(config: Config, asked: str | None) -> str:
    """The configured section `asked` names (in any case), or the default section."""
    if asked is None:
        return config.default_section
    sections = config.publication.sections
    for section in sections:
        if section.casefold() == asked.strip().casefold():
            return section
    raise UsageError(
        f"--section {asked!r}: not a configured section; publication.sections has {', '.join(sections)}"
    )
