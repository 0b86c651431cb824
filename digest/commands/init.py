"""`digest init`: a new publication that builds at once, offline: digest.toml, feeds/entries/, a first entry.

The files come from templates shipped in the package (digest/data/init/); nothing that is
already there is overwritten, and an existing digest.toml stops everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest import paths
from digest.errors import OutputError, UsageError

DEFAULT_TITLE = "Our News Digest"
DEFAULT_TIMEZONE = "Europe/Oslo"
_IGNORED = (
    "# What digest builds and keeps; not part of the publication's sources.\n"
    f"{paths.OUT}/\n{paths.DEFAULT_ARCHIVE}*\n{paths.STAMP_FILE}\n{paths.LOCK_FILE}\n"
)


@dataclass(frozen=True)
class Created:
    """What `digest init` wrote, and the ISO week of its example entry (a complete, past week)."""

    folder: Path
    written: tuple[Path, ...]
    example_week: str


def init(
    folder: Path,
    now: datetime,
    *,
    title: str = DEFAULT_TITLE,
    timezone: str = DEFAULT_TIMEZONE,
) -> Created:
    """Write a new publication into `folder` (made if missing); refuse if it has a digest.toml."""
    title = " ".join(title.split())
    if not title or not title.isprintable():
        raise UsageError(f"--title {title!r}: expected one line of text, such as 'ICR News Digest'")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--timezone {timezone!r}: not an IANA time zone name, such as 'Europe/Oslo' or 'UTC'"
        ) from None
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; digest init makes a publication in a folder")
    config_path = folder / paths.CONFIG_FILE
    # dated a week ago: in the last complete week, which a plain `digest build` builds
    day = now.astimezone(zone).date() - timedelta(days=7)
    iso = day.isocalendar()
    # in the folder the template's [entries] path names: digest's default
    entry_path = folder / paths.DEFAULT_ENTRIES / f"{day:%Y}" / f"{day:%Y-%m-%d}-welcome.md"
    settings = {"title": _quoted(title), "timezone": _quoted(timezone)}
    week = f"{iso.year}-W{iso.week:02d}"
    welcome = {"title": _quoted(f"Welcome to {title}"), "date": f"{day:%Y-%m-%d}", "week": week}
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not _create(config_path, _template(paths.CONFIG_FILE, settings), written):
            raise UsageError(
                f"{config_path}: already exists; digest init never overwrites it "
                "(choose an empty folder, or edit this publication)"
            )
        entry_path.parent.mkdir(parents=True, exist_ok=True)
        _create(entry_path, _template("welcome.md", welcome), written)
        _create(folder / ".gitignore", _IGNORED, written)
    except OSError as error:
        raise OutputError(
            f"{error.filename or folder}: cannot write: {error.strerror or error}"
        ) from None
    return Created(folder, tuple(written), week)


def _quoted(text: str) -> str:
    """A double-quoted string that TOML and YAML both read back as `text` (JSON's escapes are theirs)."""
    return json.dumps(text, ensure_ascii=False)


def _template(name: str, values: dict[str, str]) -> str:
    source = resources.files("digest.data").joinpath("init", name).read_text(encoding="utf-8")
    return Template(source).substitute(values)


def _create(path: Path, text: str, written: list[Path]) -> bool:
    """Write a new file and return True; a file already there is left as it is (False)."""
    try:
        with path.open("x", encoding="utf-8", newline="\n") as file:
            file.write(text)
    except FileExistsError:
        return False
    written.append(path)
    return True
