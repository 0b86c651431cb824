"""`digest check`: check built issues in out/ as mail clients will meet them, and say
whether each is approved as built (`digest approve`)."""

from __future__ import annotations

from pathlib import Path

from digest import paths
from digest.check import Finding, approval_note, built_issues, check_issue
from digest.config import Config
from digest.errors import DigestError


def check(config: Config, out: Path, issue: str | None) -> tuple[list[str], list[Finding]]:
    """(the issues checked, every finding): one issue like `weekly/2025-W42`, or every built one."""
    issues = [issue.strip("/")] if issue else built_issues(out)
    if not issues or not (out / issues[0] / paths.EMAIL).exists():
        raise DigestError(  # exit 1, as a check that fails
            f"{out / (issues[0] if issues else '')}: no built issue there; run digest build first"
        )
    return issues, [finding for name in issues for finding in check_issue(out, name, config)]


def approval_notes(config: Config, out: Path, issues: list[str]) -> list[str]:
    """Each checked issue's sign-off, one info line each (never an error: drafts are unapproved)."""
    return [approval_note(out, issue, config) for issue in issues]
