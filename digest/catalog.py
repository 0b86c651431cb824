"""The catalogue of built issues: one issue.json per issue folder, read back for the feed and site.

Each summary carries a fingerprint of everything its issue was rendered from,
so a rebuild can tell, without rendering, that an issue would come out the same.
Kept free of the rendering libraries: a build with nothing to render never loads them.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from digest import __version__
from digest.config import Config
from digest.language import catalogue_path
from digest.model import Issue
from digest.paths import FEED, ISSUE_FILES, SUMMARY, in_every_issue, issue_file

_GUID = re.compile(r"<guid[^>]*>([^<]*)</guid>")


@dataclass(frozen=True)
class IssueSummary:
    """What the feed and the site index need of an issue; stored as issue.json in its folder."""

    path: str  # "weekly/2025-W40": folder below out/ and tail of the web URL
    kind: str
    key: str
    title: str
    subject: str
    date: datetime  # timezone-aware, UTC
    preheader: str
    feed_html: str  # the issue as an HTML fragment for content:encoded, URLs absolute
    inputs: str = ""  # fingerprint of everything the issue was rendered from; equal means unchanged
    files: tuple[str, ...] = ISSUE_FILES  # every file of the issue's folder, issue.json included
    # the out/media/ files the issue shows (images/stage.py media_shown); None: built before
    # digest recorded them, so a build reads them from the issue's files
    media: tuple[str, ...] | None = None

    def to_json(self) -> bytes:
        fields = {**asdict(self), "date": self.date.isoformat()}
        return json.dumps(fields, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> IssueSummary:
        fields = json.loads(data)
        return cls(
            **{
                **fields,
                "date": datetime.fromisoformat(fields["date"]),
                "files": tuple(fields.get("files", ISSUE_FILES)),
                "media": None if fields.get("media") is None else tuple(fields["media"]),
            }
        )


def read_catalog(out: Path) -> dict[str, IssueSummary]:
    """The summaries of every issue built in out/, by path; a damaged one is skipped (and rebuilt)."""
    summaries = {}
    for path in sorted(out.glob(in_every_issue(SUMMARY))):
        try:
            summary = IssueSummary.from_json(path.read_bytes())
        except (OSError, ValueError, KeyError, TypeError):
            continue
        summaries[summary.path] = summary
    return summaries


def published(summaries: Iterable[IssueSummary], now: datetime) -> list[IssueSummary]:
    """The issues the site index and the feed list, oldest first: those whose week or year has
    ended (an issue is dated at the end of its period). One still in progress is built, for
    proofs, and appears on the first build after its period ends."""
    return sorted(
        (summary for summary in summaries if summary.date <= now),
        key=lambda summary: (summary.date, summary.path),
    )


def listed_in_feed(out: Path, site_url: str) -> set[str] | None:
    """The issue paths out/feed.xml lists (from its guids), or None when there is no feed."""
    try:
        feed = (out / FEED).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    urls = (html.unescape(url) for url in _GUID.findall(feed))
    return {url.removeprefix(site_url).rstrip("/") for url in urls}


def render_inputs(config: Config, template_dirs: list[Path]) -> str:
    """A fingerprint of what every issue is rendered with: digest's version, the config, the
    templates, and the catalogue of the publication's language."""
    # What is set and what is left to its default both count: a default highlights.title or
    # email.subject is translated, the same words written into digest.toml are not.
    settings = f"{config.model_dump_json()}\0{config.model_dump_json(exclude_unset=True)}"
    digest = hashlib.sha256(f"{__version__}\0{settings}".encode())
    catalogue = catalogue_path(config.publication.language)
    if catalogue:
        digest.update(b"\0" + catalogue.read_bytes())
    for folder in template_dirs:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file():
                digest.update(f"\0{path.relative_to(folder)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def issue_inputs(issue: Issue, render_fingerprint: str) -> str:
    """A fingerprint of one issue's inputs: equal fingerprints render to equal bytes."""
    return hashlib.sha256(f"{render_fingerprint}\0{issue!r}".encode()).hexdigest()[:32]


def is_current(out: Path, summary: IssueSummary | None, inputs: str) -> bool:
    """Was this issue built from exactly these inputs, with all its files still there?"""
    return bool(
        summary
        and summary.inputs == inputs
        and all((out / issue_file(summary.path, name)).is_file() for name in summary.files)
    )
