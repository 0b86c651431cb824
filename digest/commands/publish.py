"""`digest publish --to PROFILE`: hand a built issue to an email service, idempotently.

By default the issue becomes (or updates) a draft campaign; `--test` asks the service to send
its own test; `--send` sends it to the subscribers, only when the issue is approved as built
(digest/approval.py) and the service's checklist has no error. The steps, and the record in
feeds/issues/<key>.published.json that makes them idempotent, are digest/publish/'s.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from digest import paths
from digest.commands.send import chosen_issue
from digest.config import Config
from digest.errors import PublishError, UsageError
from digest.publish import Finding, Published, hand_off, read_content
from digest.write import locked


def check_test_address(address: str) -> None:
    """One plain address per --test, nothing a header could be smuggled in with."""
    from digest.commands.send import ProofArgumentError, check_recipient

    try:
        check_recipient(address)
    except ProofArgumentError:
        raise UsageError(
            f"--test {address!r}: not an email address; give one address per --test"
        ) from None


def publish(
    config: Config,
    out: Path,
    profile_name: str,
    issue: str | None,
    tests: list[str],
    send: bool,
    now: datetime,
    report: Callable[[Finding], None] = print,
) -> Published:
    """Create or update the issue's draft at the profile's service, test it, send it."""
    if profile_name not in config.publish:
        known = ", ".join(sorted(config.publish)) or "none"
        raise UsageError(
            f"--to {profile_name!r}: digest.toml has no [publish.{profile_name}] table "
            f"(configured: {known}); README: 'Publishing to an email service'"
        )
    for address in tests:
        check_test_address(address)
    issue = chosen_issue(out, issue)
    # one publish at a time, and no build rewriting out/ under it (BusyError, exit 6)
    with locked(paths.archive_path(config).parent):
        if send:
            from digest.approval import require

            require(config, out, issue)  # NotApproved (exit 8) before the service hears of it
        content = read_content(config, out, issue)
        try:
            return hand_off(config, profile_name, content, tests, send, now, report)
        # an answer not shaped as documented: a list for an object, a string for a list, an id
        # that is not a number
        except (KeyError, TypeError, IndexError, AttributeError, ValueError) as error:
            kind = config.publish[profile_name].kind
            raise PublishError(
                f"publish.{profile_name}: {kind} answered in a shape digest does not know "
                f"({type(error).__name__}: {error}); is the profile's URL the service's API?"
            ) from None
