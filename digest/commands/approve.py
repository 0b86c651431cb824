"""`digest approve --issue weekly/2025-W40 --by NAME`: sign an issue off as it is built."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from digest import approval
from digest.config import Config


def approve(config: Config, out: Path, issue: str, by: str, now: datetime) -> str:
    """Record the sign-off (digest/approval.py) and say what was recorded, in one line."""
    recorded = approval.approve(config, out, issue, by, now)
    return (
        f"approved {recorded.issue} as built: by {recorded.by} on "
        f"{recorded.at:%Y-%m-%d %H:%M:%S} UTC, {len(recorded.files)} file(s) hashed, "
        f"recorded in {recorded.decision_file}"
    )
