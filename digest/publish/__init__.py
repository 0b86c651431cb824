"""Hand a built issue to an email service: the profile protocol, what every service shares.

A service module (listmonk.py, mailchimp.py, ses.py; Brevo, Mailgun or Postmark would be one
more each) implements `Service` and registers its `kind` in SERVICES. Everything else is
here and the same for all: the issue's built files read as `Content`, the service's merge
tags put where digest writes its unsubscribe and web links (with the service's own template
syntax in feed text escaped), HTTP with retries that honour Retry-After, and the record of
what was published (`feeds/issues/<key>.published.json`) that keeps publishing idempotent.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import html
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from digest import paths
from digest.config import Config, ListmonkProfile, MailchimpProfile, SesProfile
from digest.errors import DigestError, ExitCode
from digest.write import write_tree

if TYPE_CHECKING:
    import httpx

Profile = ListmonkProfile | MailchimpProfile | SesProfile
State = Literal["draft", "sending", "sent"]
Severity = Literal["error", "warning"]


class PublishError(DigestError):
    """The service could not be reached, refused a request, or is not ready to send."""

    exit_code = ExitCode.SEND_FAILED


class AlreadySent(DigestError):
    """The campaign of this issue was sent already: digest never sends it again."""

    exit_code = ExitCode.FOUND_PROBLEMS


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
    if isinstance(profile, ListmonkProfile):
        from digest.publish.listmonk import Listmonk

        return Listmonk(name, profile, config)
    if isinstance(profile, MailchimpProfile):
        from digest.publish.mailchimp import Mailchimp

        return Mailchimp(name, profile, config)
    from digest.publish.ses import Ses

    return Ses(name, profile, config)


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
class MergeTags:
    """A service's own tags for digest's links, and how its template syntax is escaped."""

    unsubscribe: str
    web_version: str
    escape_html: Callable[[str], str]
    escape_text: Callable[[str], str]


def with_merge_tags(content: Content, config: Config, tags: MergeTags) -> Content:
    """The content with the service's tags where digest wrote the unsubscribe and web-version
    links, and every other occurrence of the service's template syntax escaped, so a story's
    text can never be read as a template instruction. The build's own files stay as they are."""
    links = {"\0unsubscribe\0": config.email.unsubscribe_url, "\0web\0": web_url(config, content)}

    def transform(text: str, escape: Callable[[str], str], as_html: bool) -> str:
        for token, url in links.items():
            if not url:
                continue
            # the link whole, never the start of a longer one (the web version's events.ics)
            if as_html:
                pattern = rf"""(?<=href=["']){re.escape(html.escape(url))}(?=["'])"""
            else:
                pattern = rf"(?<![^\s<(\[]){re.escape(url)}(?![^\s>)\]])"
            text = re.sub(pattern, token, text)
        text = escape(text)
        text = text.replace("\0unsubscribe\0", tags.unsubscribe)
        return text.replace("\0web\0", tags.web_version)

    return replace(
        content,
        subject=tags.escape_text(content.subject),
        html=transform(content.html, tags.escape_html, True),
        text=transform(content.text, tags.escape_text, False),
    )


def web_url(config: Config, content: Content) -> str:
    """Where the build says the issue's web version is."""
    return paths.issue_web_url(config.publication.url, content.issue)


def link_findings(content: Content, config: Config, service: str) -> list[Finding]:
    """Digest's own part of the checklist: links a service's tags could not be put in."""
    if config.email.unsubscribe_url:
        return []
    return [
        Finding(
            content.issue,
            "warning",
            f"email.unsubscribe_url is not set, so the email has no unsubscribe link for "
            f"{service}'s own tag to replace; set it in digest.toml (any URL: digest puts the "
            "service's tag in its place)",
        )
    ]


# ---- the record: feeds/issues/<key>.published.json ----


def record_path(config: Config, issue: str) -> Path:
    """Beside the issue's decision file in the [editorial] folder."""
    key = issue.rsplit("/", 1)[-1]
    return paths.published_file(config.resolve(config.editorial.path), key)


def read_record(config: Config, issue: str) -> dict[str, Any]:
    """Every profile's entry for the issue; {} before the first publish."""
    path = record_path(config, issue)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise PublishError(
            f"{path}: cannot read: {error}; digest publish keeps campaign ids there: "
            "restore it from git, or delete it and digest finds the campaigns again by name"
        ) from None
    profiles = data.get("profiles") if isinstance(data, dict) else None
    return profiles if isinstance(profiles, dict) else {}


def write_record(
    config: Config, issue: str, profile_name: str, entry: dict[str, Any], now: datetime
) -> None:
    """Record one profile's campaign atomically (a temporary file renamed over the old)."""
    path = record_path(config, issue)
    profiles = read_record(config, issue)
    profiles[profile_name] = {**entry, "updated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
    document = {"issue": issue, "profiles": dict(sorted(profiles.items()))}
    data = (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    write_tree(path.parent, {path.name: data})


# ---- HTTP with retries, for the services with a web API ----


@dataclass
class Http:
    """One service's API over httpx: timeouts, 429 and 5xx retried with backoff (honouring
    Retry-After, all waits of a request capped by `max_wait`), a 4xx reported with the
    service's own message in one line."""

    base_url: str
    where: str  # how messages name the service: "listmonk https://lists.example.org/"
    profile: Profile
    auth: tuple[str, str]
    service_message: Callable[[httpx.Response], str]
    sleep: Callable[[float], None] = time.sleep

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Any = None,
        safe_to_retry: bool = True,
        ambiguous: str = "",
    ) -> httpx.Response:
        """The response of a request that succeeded (2xx). `safe_to_retry=False` for a request
        that must not be made twice (create, send): then only a 429, which the service
        answers before doing anything, is retried, and `ambiguous` says what to do instead."""
        import httpx

        profile, waited, attempt = self.profile, 0.0, 0
        url = self.base_url + path.lstrip("/")
        what = f"{self.where}: {method} {path}"
        with httpx.Client(
            timeout=profile.timeout, auth=self.auth, follow_redirects=False
        ) as client:
            while True:
                delay = profile.backoff * 2**attempt
                try:
                    response = client.request(method, url, json=json_body, params=params)
                except httpx.TimeoutException:
                    problem, retryable = f"timed out after {profile.timeout:g} s", safe_to_retry
                except httpx.TransportError as error:
                    problem, retryable = f"cannot connect: {error}", safe_to_retry
                else:
                    status = response.status_code
                    if status < 300:
                        return response
                    if status < 400:
                        raise PublishError(
                            f"{what}: HTTP {status}: redirected to "
                            f"{response.headers.get('Location', '?')}; check the profile's URL"
                        )
                    problem = f"HTTP {status}: {one_line(self.service_message(response))}"
                    if status != 429 and status < 500:
                        raise PublishError(f"{what}: {problem}")
                    retryable = safe_to_retry or status == 429
                    delay = retry_after(response, delay)
                if not retryable:
                    raise PublishError(f"{what}: {problem}; {ambiguous}".rstrip("; "))
                attempt += 1
                if attempt > profile.retries:
                    raise PublishError(f"{what}: {problem}; gave up after {attempt} tries")
                if waited + delay > profile.max_wait:
                    raise PublishError(
                        f"{what}: {problem}; waiting {delay:g} s more would pass the profile's "
                        f"max_wait of {profile.max_wait:g} s; run digest publish again later"
                    )
                self.sleep(delay)
                waited += delay

    def json(self, method: str, path: str, **options: Any) -> Any:
        """The JSON of a request that succeeded; an answer that is none is one line."""
        response = self.request(method, path, **options)
        try:
            return response.json()
        except ValueError:
            raise PublishError(
                f"{self.where}: {method} {path}: the answer is not JSON "
                f"({response.headers.get('Content-Type', 'no type')}); is the profile's URL "
                "the service's API?"
            ) from None


def retry_after(response: httpx.Response, default: float) -> float:
    """Retry-After in seconds (a number or an HTTP date), else `default`."""
    from email.utils import parsedate_to_datetime

    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return default
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def one_line(text: str) -> str:
    """A service's message as one line of reasonable length."""
    flat = " ".join(text.split())
    return flat if len(flat) <= 300 else flat[:297] + "…"


def json_message(response: httpx.Response, *keys: str) -> str:
    """The first of `keys` in a JSON error body, else the body as text, else the reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        found = [str(body[key]) for key in keys if body.get(key)]
        if found:
            return ": ".join(found)
    return response.text.strip() or response.reason_phrase
