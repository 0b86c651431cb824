"""The preview's pages: the list of issues, and each issue's views, from the files a build wrote.

The pages are Jinja2 templates kept in this package (digest/preview/templates/), not in
the publication's templates/, which only shapes what is sent.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from digest import paths, select
from digest.catalog import IssueSummary, read_catalog
from digest.check import Finding
from digest.preview.builder import Snapshot

VIEWS = {
    "desktop": "Desktop",
    "phone": "Phone",
    "dark": "Dark mode",
    "text": "Plain text",
    "headers": "Headers",
}
PHONE_WIDTH = 375
HEADER_NAMES = ("Subject", "From", "Reply-To", "List-Unsubscribe", "List-Unsubscribe-Post")
BUILD_PREFIX = "/build/"

_DARK_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*dark\s*\)", re.IGNORECASE)
_LIGHT_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*light\s*\)", re.IGNORECASE)


@dataclass(frozen=True)
class Row:
    """One line of the issue list; `summary` is None for a week with nothing in it yet."""

    path: str
    label: str  # "next issue (week in progress)", "last complete week", or ""
    summary: IssueSummary | None
    days: str = ""  # "29 Sep – 5 Oct 2025", for the two weeks named first


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("digest.preview", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render(name: str, snapshot: Snapshot, **context: object) -> bytes:
    """A preview page, with the error banner and the reload script every page has."""
    template = _environment().get_template(name)
    return template.render(snapshot=snapshot, views=VIEWS, **context).encode()


def rows(out: Path, snapshot: Snapshot) -> list[Row]:
    """The built issues: the week in progress first, then the last complete week, then newest first."""
    catalog = read_catalog(out) if out.is_dir() else {}
    zone = snapshot.config.publication.zone
    next_path = paths.issue_folder("weekly", snapshot.next_week)
    last_path = paths.issue_folder("weekly", snapshot.last_week)
    found = []
    for path, week, label in (
        (next_path, snapshot.next_week, "next issue: week in progress"),
        (last_path, snapshot.last_week, "last complete week"),
    ):
        period = select.week_period(week, zone)
        days = f"{period.first_day:%-d %b} – {period.last_day:%-d %b %Y}"
        found.append(Row(path, label, catalog.get(path), days))
    rest = sorted(
        (summary for path, summary in catalog.items() if path not in (next_path, last_path)),
        key=lambda summary: (summary.date, summary.path),
        reverse=True,
    )
    return found + [Row(summary.path, "", summary) for summary in rest]


def for_preview(html: bytes, site_url: str) -> bytes:
    """Built HTML with links to the published site pointed at the preview build (images in
    media/ are not published yet); everything else is exactly as built."""
    return html.replace(site_url.encode(), BUILD_PREFIX.encode())


def dark_copy(html: bytes) -> bytes:
    """The email with its dark-mode styles applied whatever the browser prefers: an iframe
    cannot be told to prefer dark, so the media query is made to always match."""
    text = html.decode("utf-8", "replace")
    text = _DARK_QUERY.sub("(min-width: 0px)", text)
    text = _LIGHT_QUERY.sub("(max-width: -1px)", text)
    return text.encode()


def headers(folder: Path, summary: IssueSummary) -> list[tuple[str, str]]:
    """The headers subscribers' clients show or act on, from message.eml, and the preheader."""
    message = email.message_from_bytes(
        (folder / paths.MESSAGE).read_bytes(), policy=email.policy.default
    )
    found = [(name, str(message[name])) for name in HEADER_NAMES if name in message]
    found.insert(2, ("Preheader", summary.preheader))
    return found


def findings_by_severity(findings: list[Finding]) -> dict[str, list[Finding]]:
    return {
        severity: [finding for finding in findings if finding.severity == severity]
        for severity in ("error", "warning")
    }
