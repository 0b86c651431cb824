"""Sign-off: who approved an issue as built, when, and whether out/ still holds those files.

`digest approve` records in the issue's decision file (`feeds/issues/2025-W40.toml`) an
`[approval]` table: the approver, the time (UTC, whole seconds) and the SHA-256 of every
file the build wrote into the issue's folder. The table is no decision about the issue
(digest/editorial.py leaves it out of what select and render see), so a rebuild that changes
nothing writes the same bytes and the approval holds; a rebuild that changes a file breaks it,
and sending to subscribers (`digest send`, an email service) asks `require` first.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import tomlkit
from tomlkit.toml_document import TOMLDocument

from digest import editorial, paths
from digest.catalog import IssueSummary
from digest.config import Config
from digest.errors import DigestError, NotApproved, UsageError
from digest.write import locked

NOT_HASHED = frozenset({paths.SUMMARY, paths.WEB_PAGE})  # see built_files


@dataclass(frozen=True)
class Approval:
    """A sign-off as recorded: the issue, who, when, and each built file's SHA-256."""

    issue: str  # "weekly/2025-W40"
    by: str
    at: datetime  # UTC, whole seconds
    files: dict[str, str]  # name in the issue's folder ("events/x.ics") -> sha256 hex, sorted
    decision_file: str  # where it is recorded, as messages name it


@dataclass(frozen=True)
class ApprovalState:
    """Whether an issue as built in out/ is the one approved; `problem` says why not, in one line."""

    approved: bool
    by: str | None
    at: datetime | None
    problem: str  # '' when approved


def approve(config: Config, out: Path, issue: str, by: str, now: datetime) -> Approval:
    """Record that `by` approved the issue's built files as they are now. Refuses (UsageError)
    an issue not built in `out`, and (DigestError, exit 1) one whose files a check finds an
    error in, since that is not what anyone should sign off."""
    issue = _issue_path(issue)
    name = by.strip()
    # one line, and no control character (a terminal escape would colour what follows it)
    if not name or any(unicodedata.category(character) == "Cc" for character in name):
        raise UsageError(f"--by {by!r}: give the approver's name on one line, like --by 'Ada'")
    key = issue.rsplit("/", 1)[1]
    archive_folder = paths.archive_path(config).parent
    with locked(archive_folder):  # no build rewrites out/ while its files are hashed
        files = built_files(out, issue)
        missing = sorted(set(_listed(out, issue) or ()) - NOT_HASHED - set(files or {}))
        if files is None or missing:
            lacking = f" (its {missing[0]} is missing)" if missing else ""
            raise UsageError(
                f"{issue}: not built in {out}{lacking}; run {_build_command(issue)} first"
            )
        _refuse_check_errors(config, out, issue)
        at = now.astimezone(UTC).replace(microsecond=0)

        def record(document: TOMLDocument) -> None:
            table = tomlkit.table()
            table.add("by", name)
            table.add("at", at)
            hashes = tomlkit.table()
            for file_name, digest in files.items():
                hashes.add(file_name, digest)
            table.add("files", hashes)
            document["approval"] = table

        editorial.rewrite(config, key, record)
    shown = editorial.shown_name(paths.decision_file(editorial.folder(config), key), config)
    return Approval(issue, name, at, files, shown)


def state(config: Config, out: Path, issue: str) -> ApprovalState:
    """Is the issue approved, and are its built files in `out` still the approved ones? The
    first file changed, added or removed since is named in `problem`. EntryError for a
    decision file that is not valid (as a build would report it)."""
    issue = _issue_path(issue)
    recorded = editorial.read_approval(config, issue.rsplit("/", 1)[1])
    if recorded is None:
        return ApprovalState(
            False,
            None,
            None,
            f"{issue} is not approved: run digest approve --issue {issue} --by NAME",
        )
    by, at = str(recorded["by"]), recorded["at"].astimezone(UTC)
    when = f"{by} approved it on {at:%Y-%m-%d %H:%M} UTC"
    files = built_files(out, issue)
    if files is None:
        problem = f"{issue} is not built in {out} ({when}); run {_build_command(issue)}"
        return ApprovalState(False, by, at, problem)
    approved: dict[str, str] = recorded["files"]
    for name in sorted(approved.keys() | files.keys()):
        shown = paths.issue_file(issue, name)
        if name not in files:
            problem = f"{shown} was removed after {when}; approve it again"
        elif name not in approved:
            problem = f"{shown} was added after {when}; approve it again"
        elif files[name] != approved[name]:
            problem = f"{shown} changed after {when}; approve it again"
        else:
            continue
        return ApprovalState(False, by, at, problem)
    return ApprovalState(True, by, at, "")


def require(config: Config, out: Path, issue: str) -> None:
    """Raise NotApproved, carrying the one line of `state`, unless the issue is approved as built."""
    found = state(config, out, issue)
    if not found.approved:
        raise NotApproved(found.problem)


def built_files(out: Path, issue: str) -> dict[str, str] | None:
    """SHA-256 of every file the last build wrote into the issue's folder (its issue.json
    lists them) that subscribers receive, by name, sorted; None when the issue is not built.
    Left out: issue.json, digest's bookkeeping (the render fingerprint, which a change to
    digest.toml alters), and the web version, whose previous/next links change whenever a
    neighbouring issue is built (its content is the email's, which is hashed). A listed file
    that is missing is left out, so that it shows as removed."""
    folder = out / issue
    listed = _listed(out, issue)
    if listed is None:
        return None
    hashes = {}
    for name in sorted(set(listed) - NOT_HASHED):
        try:
            hashes[name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        except OSError:
            continue
    return hashes


def _listed(out: Path, issue: str) -> tuple[str, ...] | None:
    """The files the last build wrote into the issue's folder, from its issue.json."""
    try:
        return IssueSummary.from_json((out / issue / paths.SUMMARY).read_bytes()).files
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _refuse_check_errors(config: Config, out: Path, issue: str) -> None:
    from digest.check import check_issue  # lxml and caniemail's data: only when approving

    errors = [f for f in check_issue(out, issue, config) if f.severity == "error"]
    if errors:
        raise DigestError(
            f"{issue}: not approved: the check finds {len(errors)} error(s), the first: "
            f"{errors[0].message}; fix it, rebuild, and approve again "
            f"(every finding: digest check --issue {issue})"
        )


def _issue_path(issue: str) -> str:
    wanted = issue.strip().strip("/")
    if not re.fullmatch(paths.ISSUE_FOLDER_PATTERN, wanted):
        raise UsageError(
            f"--issue {issue!r}: expected an issue like weekly/2025-W40 or yearly/2022"
        )
    return wanted


def _build_command(issue: str) -> str:
    kind, key = issue.split("/", 1)
    return f"digest build --week {key}" if kind == "weekly" else f"digest build --year {key}"
