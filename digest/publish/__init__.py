"""Hand a built issue to an email service: the profile protocol, and what every service shares.

A service module (listmonk.py, mailchimp.py, ses.py; Brevo, Mailgun or Postmark would be one
more each, with its table in config.py) implements `Service` and is named in SERVICES. The
rest is the same for every service: the built issue read as `Content`, and `hand_off`, the
idempotent steps (find the campaign, create or update the draft, record it, checklist, test,
send, record again) around the record in `record.py`. `merge.py` puts a service's merge tags
in; `http.py` is HTTP with retries for the services with a web API.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Protocol

from digest import paths
from digest.config import Config
from digest.errors import AlreadySent, PublishError

State = Literal["draft", "sending", "sent"]
Severity = Literal["error", "warning"]
Action = Literal["created", "updated", "unchanged", "resumed"]

# kind (publish.NAME.kind) -> the module and class that speak to that service
SERVICES = {
    "listmonk": ("digest.publish.listmonk", "Listmonk"),
    "mailchimp": ("digest.publish.mailchimp", "Mailchimp"),
    "ses": ("digest.publish.ses", "Ses"),
}


@dataclass(frozen=True)
class Content:
    """An issue as a service receives it: subject, HTML and text parts, the raw message."""

    issue: str  # "weekly/2025-W40"
    name: str  # the campaign's name at the service, found again by it: "digest weekly/2025-W40"
    subject: str
    html: str
    text: str
    message: bytes  # message.eml as built
    from_name: str
    from_address: str
    reply_to: str

    @property
    def digest(self) -> str:
        """What the service holds, as one hash: a draft is updated only when this changes."""
        parts = (self.subject, self.html, self.text, self.from_name, self.from_address)
        return "sha256:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Campaign:
    """A campaign as the service has it: its id there, and whether it went out."""

    id: str
    state: State
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # what the service wants kept (template id)


@dataclass(frozen=True)
class Finding:
    """One item of the service's readiness checklist, printed as `digest check` prints its own."""

    issue: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.issue}: {self.message}"


class Service(Protocol):
    """What digest asks of an email service. `record` is this profile's entry of the
    issue's published.json (empty the first time)."""

    def find_campaign(self, content: Content, record: dict[str, Any]) -> Campaign | None:
        """The issue's campaign: by the recorded id, else by its deterministic name or tag."""
        ...

    def create_or_update_draft(self, content: Content, campaign: Campaign | None) -> Campaign:
        """Create the draft, or replace the content of the one found; never touches a sent one."""
        ...

    def checklist(self, content: Content, campaign: Campaign) -> list[Finding]:
        """What stands between the draft and sending, as the service (and digest) sees it."""
        ...

    def send_test(self, content: Content, campaign: Campaign, addresses: list[str]) -> None:
        """Ask the service to send its own test of the draft to `addresses`."""
        ...

    def send(
        self, content: Content, campaign: Campaign, progress: Callable[[dict[str, Any]], None]
    ) -> Campaign:
        """Send to the subscribers; `progress` records partial state for a run killed midway."""
        ...


def service_for(name: str, config: Config) -> Service:
    """The service profile `name` configures, its credentials read from the environment now."""
    profile = config.publish[name]
    module, cls = SERVICES[profile.kind]
    service: Service = getattr(importlib.import_module(module), cls)(name, profile, config)
    return service


def credential(variable: str, profile_name: str, what: str) -> str:
    """A secret from the environment, never from a file; a missing one is one line naming it."""
    value = os.environ.get(variable, "").strip()
    if not value:
        raise PublishError(
            f"publish.{profile_name}: ${variable} is not set; export the {what} in it "
            "(digest reads credentials only from the environment)"
        )
    return value


def campaign_name(issue: str) -> str:
    """The name (and, where the service has them, tag) a campaign is found again by."""
    return f"digest {issue}"


def read_content(config: Config, out: Path, issue: str) -> Content:
    """The built issue's files, as every service starts from them."""
    folder = out / issue
    try:
        html_part = (folder / paths.EMAIL).read_text(encoding="utf-8")
        text_part = (folder / paths.TEXT).read_text(encoding="utf-8")
        raw = (folder / paths.MESSAGE).read_bytes()
    except OSError as error:
        name = getattr(error, "filename", folder)
        raise PublishError(
            f"{name}: cannot read: {error.strerror or error}; run digest build first"
        ) from None
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return Content(
        issue=issue,
        name=campaign_name(issue),
        subject=str(message.get("Subject", "")),
        html=html_part,
        text=text_part,
        message=raw,
        from_name=config.sender_name,
        from_address=config.sender_address,
        reply_to=config.email.reply_to or config.sender_address,
    )


@dataclass(frozen=True)
class Published:
    """What one hand-off did, for the summary line."""

    issue: str
    profile: str
    kind: str
    campaign: Campaign
    action: Action
    findings: list[Finding] = field(default_factory=list)
    tested: tuple[str, ...] = ()
    sent: bool = False


def hand_off(
    config: Config,
    profile_name: str,
    content: Content,
    tests: list[str],
    send: bool,
    now: datetime,
    report: Callable[[Finding], None],
) -> Published:
    """The idempotent steps, the same for every service: a campaign recorded or found by its
    name is updated, never made twice; one sent is never changed or sent again; the record is
    written after each step the service confirmed. Approval is the caller's to check first."""
    from digest.publish.record import read_record, write_record

    issue, kind = content.issue, config.publish[profile_name].kind
    record = read_record(config, issue).get(profile_name, {})
    if record.get("state") == "sent":
        raise already_sent(content, profile_name, kind, record)
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
        save(campaign)  # sent from the service itself, or by a run killed before it recorded
        raise already_sent(content, profile_name, kind, {**record, "campaign_id": campaign.id})
    action: Action
    if campaign is not None and campaign.state == "sending":
        if record.get("content_hash", content.digest) != content.digest:
            raise PublishError(
                f"{issue}: the send through '{profile_name}' stopped after "
                f"{record.get('sent_to', 'some')} recipient(s), and the issue has changed since: "
                "the rest would get another issue; restore what changed (git) and rebuild to "
                "finish the send with the issue they got"
            )
        action = "resumed"  # stopped midway: some have this content already, so it stays
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


def already_sent(content: Content, profile: str, kind: str, record: dict[str, Any]) -> AlreadySent:
    """The one line for a campaign that went out already."""
    when = f" (recorded {record['updated_at']})" if record.get("updated_at") else ""
    return AlreadySent(
        f"{content.issue}: already sent through '{profile}' ({kind} campaign "
        f"{record.get('campaign_id', '?')}){when}; digest never sends an issue twice, "
        "so nothing was changed or sent"
    )
