"""The .eml an email service can send as is: multipart/alternative, byte-identical on every rebuild."""

from __future__ import annotations

import hashlib
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from digest.config import Config
from digest.errors import SendError
from digest.model import Issue
from digest.render.context import one_line, subject

# RFC 2045 limits quoted-printable lines to 76 characters; Python's SMTP policy would allow 78.
SMTP_POLICY = policy.SMTP.clone(max_line_length=76)


def build_message(issue: Issue, config: Config, html: str, text: str) -> bytes:
    """Text part first, then HTML (clients show the last part they can), with CRLF line ends."""
    message = EmailMessage(policy=SMTP_POLICY)
    message["Subject"] = subject(issue, config)
    sender = Address(display_name=one_line(config.sender_name), addr_spec=config.sender_address)
    message["From"] = sender
    # A placeholder: the email service sending the .eml replaces To with each subscriber.
    message["To"] = Address(addr_spec=config.sender_address)
    if config.email.reply_to:
        message["Reply-To"] = Address(addr_spec=config.email.reply_to)
    message["Date"] = format_datetime(issue.date)
    message["Message-ID"] = message_id(issue, config)
    unsubscribe = []
    if config.email.unsubscribe_url:
        unsubscribe.append(f"<{one_line(config.email.unsubscribe_url)}>")
    if config.email.unsubscribe_mailto:
        unsubscribe.append(f"<mailto:{one_line(config.email.unsubscribe_mailto)}>")
    if unsubscribe:
        message["List-Unsubscribe"] = ", ".join(unsubscribe)
    # RFC 2919: which list this is, so mail clients and filters can tell it from the rest
    message["List-Id"] = f"{one_line(config.publication.title)} <{list_id(config)}>"
    if config.email.unsubscribe_url:
        # RFC 8058 one-click: the service must answer a POST to the URL (and sign with DKIM)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # Python picks a random boundary; one derived from the parts makes rebuilds byte-identical.
    # "=_" can never occur in quoted-printable bodies, so the boundary cannot collide with them.
    parts = hashlib.sha256(text.encode() + b"\0" + html.encode()).hexdigest()[:32]
    message.set_boundary(f"=_digest_{parts}")
    return message.as_bytes(policy=SMTP_POLICY)


def list_id(config: Config) -> str:
    """The list's identifier (RFC 2919), stable per publication: 'digest.example.org'."""
    return f"digest.{config.publication.host}"


# The headers a DKIM signature covers (those that say who sent what, to which list)
DKIM_HEADERS = (
    b"From", b"To", b"Subject", b"Date", b"Message-ID", b"Reply-To", b"List-Id",
    b"List-Unsubscribe", b"List-Unsubscribe-Post", b"MIME-Version", b"Content-Type",
)  # fmt: skip


def dkim_signed(data: bytes, config: Config) -> bytes:
    """The message with a DKIM-Signature (dkimpy) when [smtp] dkim_selector is set; the key
    is read only from the environment variable [smtp] dkim_key_env names."""
    smtp = config.smtp
    if not smtp.dkim_selector:
        return data
    import os

    import dkim

    key = os.environ.get(smtp.dkim_key_env, "").strip()
    if not key:
        raise SendError(
            f"[smtp] dkim_selector is set but ${smtp.dkim_key_env} is not: export the DKIM "
            "private key (PEM) in it, or remove dkim_selector to send unsigned"
        )
    domain = smtp.dkim_domain or config.sender_address.rsplit("@", 1)[1]
    try:
        signature = dkim.sign(
            data, smtp.dkim_selector.encode(), domain.encode(), key.encode(),
            include_headers=list(DKIM_HEADERS),
        )  # fmt: skip
    except dkim.DKIMException as error:
        raise SendError(f"${smtp.dkim_key_env}: cannot sign with this DKIM key: {error}") from None
    return bytes(signature) + data


def message_id(issue: Issue, config: Config) -> str:
    """<weekly-2025-W40.1a2b3c4d@host>: stable per issue and publication, so resends thread."""
    publication = hashlib.sha256(config.publication.url.encode()).hexdigest()[:8]
    return f"<{issue.kind}-{issue.key}.{publication}@{config.publication.host}>"
