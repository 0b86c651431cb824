"""`digest publish --to PROFILE`: hand a built issue to an email service, idempotently.

By default the issue becomes (or updates) a draft campaign; `--test` asks the service to send
its own test; `--send` sends it to the subscribers, only when the issue is approved as built
(digest/approval.py) and the service's checklist has no error. The campaign id and state are
recorded in feeds/issues/<key>.published.json after every step, so publishing again updates
the same draft, and a campaign sent once is never sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from digest.commands.send import chosen_issue
from digest.config import Config
from digest.errors import UsageError
from digest.publish import (
    AlreadySent,
    Campaign,
    Content,
    Finding,
    PublishError,
    read_content,
    read_record,
    record_path,
    service_for,
    write_record,
)

Action = Literal["created", "updated", "unchanged", "resumed"]


@dataclass(frozen=True)
class Published:
    """What one run did, for the summary line."""

    issue: str
    profile: str
    kind: str
    campaign: Campaign
    action: Action
    findings: list[Finding] = field(default_factory=list)
    tested: tuple[str, ...] = ()
    sent: bool = False


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
    try:
        return _publish(config, out, profile_name, issue, tests, send, now, report)
    except (KeyError, TypeError, IndexError) as error:  # an answer not shaped as documented
        kind = config.publish[profile_name].kind
        raise PublishError(
            f"publish.{profile_name}: {kind} answered in a shape digest does not know "
            f"({type(error).__name__}: {error}); is the profile's URL the service's API?"
        ) from None


def _publish(
    config: Config,
    out: Path,
    profile_name: str,
    issue: str | None,
    tests: list[str],
    send: bool,
    now: datetime,
    report: Callable[[Finding], None],
) -> Published:
    if profile_name not in config.publish:
        known = ", ".join(sorted(config.publish)) or "none"
        raise UsageError(
            f"--to {profile_name!r}: digest.toml has no [publish.{profile_name}] table "
            f"(configured: {known}); README: 'Publishing to an email service'"
        )
    for address in tests:
        check_test_address(address)
    issue = chosen_issue(out, issue)
    if send:
        from digest.approval import require

        require(config, out, issue)
    content = read_content(config, out, issue)
    kind = config.publish[profile_name].kind
    record = read_record(config, issue).get(profile_name, {})
    if record.get("state") == "sent":
        raise already_sent(content, profile_name, kind, record, config)
    service = service_for(profile_name, config)

    def save(campaign: Campaign, **more: Any) -> None:
        entry = {
            "kind": kind,
            "campaign_id": campaign.id,
            "name": content.name,
            "state": campaign.state,
            "content_hash": content.digest,
            **more,
        }
        write_record(config, issue, profile_name, entry, now)

    campaign = service.find_campaign(content, record)
    if campaign is not None and campaign.state == "sent":
        save(campaign)  # sent by someone (or a run killed before it recorded): remember it
        raise already_sent(
            content, profile_name, kind, {**record, "campaign_id": campaign.id}, config
        )
    action: Action
    if campaign is not None and campaign.state == "sending":
        action = "resumed"  # SES stopped midway: its content is what some already received
    elif (
        campaign is None
        or record.get("content_hash") != content.digest
        or record.get("campaign_id") != campaign.id
    ):
        action = "created" if campaign is None else "updated"
        campaign = service.create_or_update_draft(content, campaign)
        save(campaign)
    else:
        action = "unchanged"
    findings = service.checklist(content, campaign)
    for finding in findings:
        report(finding)
    if tests:
        service.send_test(content, campaign, tests)
    result = Published(issue, profile_name, kind, campaign, action, findings, tuple(tests))
    if not send:
        return result
    errors = [finding for finding in findings if finding.severity == "error"]
    if errors:
        raise PublishError(
            f"{issue}: not sent: {len(errors)} error(s) in {kind}'s checklist (above); "
            "fix them and run digest publish --send again"
        )
    sending = campaign

    def progress(state: dict[str, Any]) -> None:
        save(replace(sending, state=state.get("state", "sending")), **state)

    campaign = service.send(content, campaign, progress)
    save(campaign, **{key: value for key, value in campaign.extra.items() if key != "status"})
    return replace(result, campaign=campaign, sent=True)


def already_sent(
    content: Content, profile: str, kind: str, record: dict[str, Any], config: Config
) -> AlreadySent:
    """The one line for a campaign that went out already."""
    where = record_path(config, content.issue)
    when = f" (recorded {record['updated_at']})" if record.get("updated_at") else ""
    return AlreadySent(
        f"{content.issue}: already sent through '{profile}' ({kind} campaign "
        f"{record.get('campaign_id', '?')}){when}; digest never sends an issue twice, "
        f"so nothing was changed or sent (see {where.name})"
    )


__all__ = ["PublishError", "Published", "publish"]
