"""`digest send --to ADDRESS`: send a built issue's message.eml over SMTP to proof readers.

Sending to the subscriber list is the job of an email service (see the README);
this is for staff to see the real message in their own mail clients first.
"""

from __future__ import annotations

import email
import email.policy
import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from digest.catalog import read_catalog
from digest.config import Config
from digest.errors import SendError


def newest_issue(out: Path) -> str:
    """The path ("weekly/2025-W40") of the most recently dated built issue."""
    catalog = read_catalog(out)
    if not catalog:
        raise SendError(f"{out}: no built issue; run digest build first")
    return max(catalog.values(), key=lambda summary: (summary.date, summary.path)).path


def proof_message(path: Path, recipients: list[str]) -> EmailMessage:
    """The built message, addressed to the proof readers instead of the list placeholder."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SendError(f"{path}: cannot read: {error.strerror or error}") from None
    message = email.message_from_bytes(raw, policy=email.policy.SMTP)
    assert isinstance(message, EmailMessage)
    del message["To"]
    message["To"] = ", ".join(recipients)
    return message


def send(config: Config, out: Path, issue: str | None, recipients: list[str]) -> str:
    """Send one issue to `recipients`; returns the issue's path. Raises SendError for people."""
    for recipient in recipients:
        if "@" not in recipient or any(ch in recipient for ch in "\r\n,<>"):
            raise SendError(f"--to {recipient!r}: expected one email address")
    issue = issue or newest_issue(out)
    message = proof_message(out / issue / "message.eml", recipients)
    smtp = config.smtp
    password = os.environ.get(smtp.password_env) if smtp.user else None
    if smtp.user and password is None:
        raise SendError(
            f"SMTP user {smtp.user!r} is configured but ${smtp.password_env} is not set"
        )
    where = f"{smtp.host}:{smtp.port}"
    try:
        connection: smtplib.SMTP
        if smtp.security == "ssl":
            connection = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with connection:
            if smtp.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
            if smtp.user and password is not None:
                connection.login(smtp.user, password)
            connection.send_message(message, from_addr=config.sender_address, to_addrs=recipients)
    except smtplib.SMTPException as error:
        raise SendError(f"{where}: the SMTP server refused the message: {error}") from None
    except (OSError, ssl.SSLError) as error:
        raise SendError(f"{where}: cannot reach the SMTP server: {error}") from None
    return issue
