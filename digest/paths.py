"""Every path in out/ and in the publication folder, named once; every other module asks here.

Paths below out/ are plain POSIX strings ("weekly/2025-W40/email.html"), because each one
doubles as the tail of its web URL: what is written to out/<tail> is published at
publication.url + <tail> (`web_url`). Paths in the publication folder are `Path`s.
Nothing here writes a file, and it imports nothing heavy: the build stamp's
fast answer and `digest init` use it too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from digest.config import Config

# The publication folder: what digest reads beside digest.toml, and what it keeps there.
CONFIG_FILE = "digest.toml"
DEFAULT_ENTRIES = "feeds/entries"  # [entries] path: the staff's Markdown entries
DEFAULT_ISSUES = "feeds/issues"  # [editorial] path: an editor's decisions, one file per issue
DEFAULT_ARCHIVE = "archive.sqlite"  # [archive] path: every entry ever seen
DECISION_SUFFIX = ".toml"  # an issue's decision file is its key with this suffix
PUBLISHED_SUFFIX = ".published.json"  # beside it: the campaigns digest publish made of the issue
TEMPLATES = "templates"  # the publication's own templates (used first), as digest's are named
STAMP_FILE = ".digest-stamp.json"  # the last clean builds: with nothing new, a build stops
LOCK_FILE = ".digest.lock"  # held while a build or fetch writes the archive and out/
OUT = "out"  # where a build writes, unless --out says otherwise

# The site as a whole, directly in out/.
SITE_INDEX = "index.html"  # every issue, newest first
FEED = "feed.xml"  # RSS of the issues
SITE_FILES = (SITE_INDEX, FEED)  # what a build restores whenever one is missing
MEDIA = "media"  # local images and the logo, named after their bytes

# One issue's folder, out/<kind>/<key>/ ("weekly/2025-W40", "yearly/2022").
IssueKind = Literal["weekly", "yearly"]  # a Period's kind, and the folder of its issues
ISSUE_KINDS: tuple[IssueKind, ...] = get_args(IssueKind)
EMAIL = "email.html"
TEXT = "email.txt"  # the plain-text part
MESSAGE = "message.eml"  # ready to send: the email and its text part, with headers
WEB_PAGE = "index.html"  # the web version, where a web server looks for the folder's page
SUMMARY = "issue.json"  # what the feed and the site index need, and the render fingerprint
ISSUE_FILES = (EMAIL, TEXT, MESSAGE, WEB_PAGE, SUMMARY)  # every issue has these
CALENDAR = "events.ics"  # all the issue's upcoming events, when it has any
EVENTS = "events"  # one .ics per upcoming event
# An issue folder's path as a regular expression (the keys are select.py's ISO weeks and years).
ISSUE_FOLDER_PATTERN = r"(?:weekly/\d{4}-W\d{2}|yearly/\d{4})"


def issue_folder(kind: str, key: str) -> str:
    """'weekly/2025-W40': the issue's folder below out/, and the tail of its web URL."""
    return f"{kind}/{key}"


def issue_file(issue_path: str, name: str) -> str:
    """A file of the issue's folder below out/ ('weekly/2025-W40/email.html')."""
    return f"{issue_path}/{name}"


def in_every_issue(name: str) -> str:
    """A glob for `name` in every issue folder of out/ ('*/*/issue.json')."""
    return f"*/*/{name}"


def event_file(stem: str) -> str:
    """An event's own calendar file, below its issue's folder ('events/<stem>.ics')."""
    return f"{EVENTS}/{stem}.ics"


def media_file(name: str) -> str:
    """A published local file below out/ ('media/3f2a9c01d4-logo.png')."""
    return f"{MEDIA}/{name}"


def web_url(site_url: str, tail: str) -> str:
    """Where out/<tail> is published: the site URL (which ends in '/') and the same tail."""
    return f"{site_url}{tail}"


def issue_web_url(site_url: str, issue_path: str) -> str:
    """The issue's web version: its folder's URL, which a web server answers with its index.html."""
    return web_url(site_url, f"{issue_path}/")


def to_site_root(issue_path: str) -> str:
    """The relative way from an issue's folder back to out/ ('../../'), for links that
    must also work with out/ opened from disk."""
    return "../" * (issue_path.count("/") + 1)


def is_written_by_digest(tail: str) -> bool:
    """Is this path below the site URL one of digest's (and not, say, an unsubscribe page)?"""
    return tail in ("", *SITE_FILES) or tail.startswith(
        tuple(f"{folder}/" for folder in (*ISSUE_KINDS, MEDIA))
    )


def served_file(tail: str) -> str:
    """The out/ file a URL path names: a folder ('' or ending in '/') means its index.html,
    as web servers and the preview serve it."""
    return f"{tail}{WEB_PAGE}" if not tail or tail.endswith("/") else tail


def config_file(path: Path | None) -> Path:
    """The digest.toml a command reads: --config as a file or its folder, else the current folder's."""
    file = Path(path) if path else Path.cwd() / CONFIG_FILE
    return file / CONFIG_FILE if file.is_dir() else file


def default_out(config_path: Path) -> Path:
    """out/ beside digest.toml: where a build writes without --out."""
    return config_path.parent.resolve() / OUT


def stamp_path(config_path: Path) -> Path:
    """The build stamp, beside the digest.toml it is for."""
    return config_path.parent / STAMP_FILE


def lock_path(folder: Path) -> Path:
    """The lock file in `folder`, the archive's: builds and fetches of one archive take turns."""
    return folder / LOCK_FILE


def archive_path(config: Config) -> Path:
    """The SQLite archive that [archive] path names, relative to digest.toml."""
    return config.resolve(config.archive.path)


def archive_files(config: Config) -> list[Path]:
    """The archive and its write-ahead log: what a build's stamp watches for changes."""
    archive = archive_path(config)
    return [archive, Path(f"{archive}-wal")]  # SQLite's name for it


def decision_file(folder: Path, key: str) -> Path:
    """An issue's decision file in the [editorial] folder ('2025-W40.toml', '2022.toml')."""
    return folder / f"{key}{DECISION_SUFFIX}"


def published_file(folder: Path, key: str) -> Path:
    """Beside an issue's decision file, what `digest publish` handed to email services
    ('2025-W40.published.json'): campaign ids and states, never a credential."""
    return folder / f"{key}{PUBLISHED_SUFFIX}"


def templates_folder(root: Path) -> Path:
    """The publication's own templates, in the folder of digest.toml."""
    return root / TEMPLATES
