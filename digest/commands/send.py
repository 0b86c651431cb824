"""`digest send --to ADDRESS`: send a built issue's message.eml over SMTP, as a proof.

Sending to the subscriber list is the job of an email service (see the README);
this is for staff to see the real message in their own mail clients first. To the proof
readers of [smtp] proof_readers it sends any built issue, marked as a proof in its subject;
to anyone else only an issue approved as built (digest/approval.py), unmarked, and once:
who got it is recorded (digest/publish/record.py) as soon as the SMTP server accepted it,
and a later send to any of them sends nothing. Either copy has a Message-ID and Date of its
own; message.eml on disk is only read, so it stays byte for byte what the build wrote.
"""

from __future__ import annotations

import contextlib
import email
import email.errors
import email.policy
import hashlib
import os
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import NamedTuple

from digest import approval, editorial, paths
from digest.catalog import read_catalog
from digest.config import Config
from digest.errors import (
    AlreadySent,
    DigestError,
    ExitCode,
    NotApproved,
    OutputError,
    SendError,
)
from digest.publish import record
from digest.render.message import SMTP_POLICY, dkim_signed
from digest.render.translation import translations_for
from digest.write import locked


class ProofArgumentError(DigestError):
    """An address or issue on the command line that cannot be sent to or sent: exit 2."""

    exit_code = ExitCode.USAGE


def check_recipient(recipient: str) -> None:
    """One plain address (`editor@example.org`), nothing a header could be smuggled in with."""
    try:
        Address(addr_spec=recipient)
    except (ValueError, IndexError, email.errors.MessageError):
        raise ProofArgumentError(
            f"--to {recipient!r}: not an email address; give one address per --to, "
            "like editor@example.org"
        ) from None


def chosen_issue(out: Path, issue: str | None) -> str:
    """The built issue `issue` names ("weekly/2025-W40"), or the most recently dated one."""
    catalog = read_catalog(out)
    if not catalog:
        raise ProofArgumentError(f"{out}: no built issue; run digest build first")
    if issue is None:
        return max(catalog.values(), key=lambda summary: (summary.date, summary.path)).path
    wanted = issue.strip().strip("/")
    if wanted not in catalog:
        built = ", ".join(sorted(catalog))
        raise ProofArgumentError(
            f"{wanted}: no such built issue; built: {built} (run digest build first)"
        )
    return wanted


def message_bytes(path: Path) -> bytes:
    """message.eml as built; SendError when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise SendError(f"{path}: cannot read: {error.strerror or error}") from None


def proof_message(
    path: Path, recipients: list[str], config: Config, now: datetime, *, proof: bool = True
) -> EmailMessage:
    """The built message as a proof: addressed to the proof readers instead of the list
    placeholder, marked in its subject (unless not `proof`: an approved issue sent to others),
    with its own Message-ID and the Date it is sent."""
    message = email.message_from_bytes(message_bytes(path), policy=email.policy.SMTP)
    assert isinstance(message, EmailMessage)
    subject = translations_for(config).gettext("[Proof] {subject}") if proof else "{subject}"
    replaced = {
        "To": ", ".join(recipients),
        "Subject": subject.format(subject=message.get("Subject", "")),
        "Date": format_datetime(now.astimezone(config.publication.zone)),
        "Message-ID": make_msgid("proof", domain=config.publication.host),
    }
    for name, value in replaced.items():
        del message[name]
        message[name] = value
    return message


class Sent(NamedTuple):
    """What `send` sent: the issue, to whom, and whether as a proof (else: approved, by whom,
    and the record it is kept in, as messages name it)."""

    issue: str
    proof: bool
    approved_by: str | None = None
    recipients: tuple[str, ...] = ()
    recorded_in: str | None = None


def not_proof_readers(config: Config, recipients: list[str]) -> list[str]:
    """The recipients that [smtp] proof_readers does not list (addresses compared in any case)."""
    readers = {reader.casefold() for reader in config.smtp.proof_readers}
    return [recipient for recipient in recipients if recipient.casefold() not in readers]


def once_each(recipients: list[str]) -> list[str]:
    """The recipients in their order, an address given twice (in any case) kept once."""
    kept: dict[str, str] = {}
    for recipient in recipients:
        kept.setdefault(recipient.casefold(), recipient)
    return list(kept.values())


def refuse_second_copies(config: Config, issue: str, recipients: list[str]) -> None:
    """AlreadySent, naming who has the issue and since when, if any recipient has it."""
    had = record.sent_to(config, issue, recipients)
    if not had:
        return
    who = ", ".join(
        f"{address} (recorded {entry.get('sent_at', '?')})" for address, entry in had.items()
    )
    others = [recipient for recipient in recipients if recipient not in had]
    rerun = (
        f"; to send it to the others, run it again with only {' '.join(f'--to {a}' for a in others)}"
        if others
        else ""
    )
    raise AlreadySent(
        f"{issue}: already sent to {who}; digest never sends an issue twice, so nothing was "
        f"sent{rerun}"
    )


def send(
    config: Config, out: Path, issue: str | None, recipients: list[str], now: datetime
) -> Sent:
    """Send one issue to `recipients`: as a proof when all are proof readers, else only when it
    is approved as built (NotApproved, with the one line, when not) and none of them has it
    yet (AlreadySent); then who got it is recorded. Raises SendError (or ProofArgumentError
    for an address or issue that is not there) for people."""
    for recipient in recipients:
        check_recipient(recipient)
    recipients = once_each(recipients)
    issue = chosen_issue(out, issue)
    others = not_proof_readers(config, recipients)
    # beyond the proof readers, under the publication's lock (BusyError, exit 6, while a build,
    # fetch, publish or send runs): the approval checked, message.eml read, the record read,
    # the message sent and the record written, so no build rewrites the message in between
    # and no second send reads the record before this one has written it
    with locked(paths.archive_path(config).parent) if others else contextlib.nullcontext():
        signed = approval.state(config, out, issue) if others else None
        if signed is not None and not signed.approved:
            raise NotApproved(
                f"{signed.problem} (--to {others[0]} is not in [smtp] proof_readers, "
                "who alone get proofs of an issue not approved)"
            )
        if others:
            refuse_second_copies(config, issue, recipients)
        path = out / paths.issue_file(issue, paths.MESSAGE)
        message = proof_message(path, recipients, config, now, proof=not others)
        message_hash = "sha256:" + hashlib.sha256(message_bytes(path)).hexdigest()
        recorded_in: list[str] = []

        def accepted(addresses: list[str]) -> None:
            if others and addresses:  # a proof is a proof: it may go again
                try:
                    where = record.record_sent(config, issue, addresses, message_hash, now)
                except (DigestError, OSError) as error:  # never an OSError deliver would take
                    reason = error.problems[0] if isinstance(error, DigestError) else str(error)
                    raise OutputError(
                        f"{issue} went to {', '.join(addresses)} but is not recorded, so digest "
                        f"send would send it to them again: {reason}"
                    ) from None
                recorded_in.append(editorial.shown_name(where, config))

        refused = deliver(config, recipients, message, accepted)
    if refused:
        got = [recipient for recipient in recipients if recipient not in refused]
        reasons = "; ".join(
            f"{address}: {code} {answer.decode('utf-8', 'replace')}"
            for address, (code, answer) in refused.items()
        )
        raise SendError(
            f"{config.smtp.host}:{config.smtp.port}: the SMTP server refused {reasons}; "
            f"{issue} went to the others ({', '.join(got)})"
            + (" and is recorded" if recorded_in else "")
        )
    return Sent(
        issue,
        signed is None,
        signed.by if signed else None,
        tuple(recipients),
        recorded_in[0] if recorded_in else None,
    )


def deliver(
    config: Config,
    recipients: list[str],
    message: EmailMessage,
    accepted: Callable[[list[str]], None],
) -> dict[str, tuple[int, bytes]]:
    """Hand `message` to the [smtp] server for `recipients`, DKIM-signed as sent. `accepted` is
    told who the server accepted it for as soon as it has, before the goodbye. Returns the
    recipients it refused (when it took the message for the others)."""
    smtp = config.smtp
    password = os.environ.get(smtp.password_env) if smtp.user else None
    if smtp.user and password is None:
        raise SendError(
            f"SMTP user {smtp.user!r} is configured but ${smtp.password_env} is not set"
        )
    data = dkim_signed(message.as_bytes(policy=SMTP_POLICY), config)  # signed as sent
    where = f"{smtp.host}:{smtp.port}"
    refused: dict[str, tuple[int, bytes]] | None = None
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
            # as send_message would: SMTPUTF8 for an address that is not ASCII
            utf8 = not all(address.isascii() for address in (config.sender_address, *recipients))
            refused = connection.sendmail(
                config.sender_address, recipients, data, mail_options=["SMTPUTF8"] if utf8 else []
            )
            accepted([recipient for recipient in recipients if recipient not in refused])
    except smtplib.SMTPException as error:
        if refused is not None:
            return refused  # the message was taken; only the goodbye (QUIT) went wrong
        raise SendError(f"{where}: the SMTP server refused the message: {error}") from None
    except (OSError, ssl.SSLError) as error:
        if refused is not None:
            return refused
        raise SendError(f"{where}: cannot reach the SMTP server: {error}") from None
    return refused
