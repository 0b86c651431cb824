"""Amazon SES: message.eml sent raw (SendRawEmail), one message per recipient.

SES keeps no campaigns and no list, so a "draft" is digest's own: the message checked
against SES's limits (40 MB, lines under 1,000 characters, at most 50 recipients a call:
digest sends one message a recipient, each addressed to them) and the sending identity
checked, reported as findings; nothing is sent without --send (or --test, to the test
addresses). The record counts the recipients sent to after every message, so a run killed
midway goes on from the next one instead of sending to anyone twice.
boto3 is an optional dependency: pip install 'digest[ses]'.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from typing import Any

from digest.config import Config, SesProfile
from digest.errors import PublishError
from digest.publish import Campaign, Content, Finding, credential
from digest.publish.merge import link_findings

MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # SES's limit for a raw message
MAX_LINE = 998  # RFC 5322 (and SES): characters a line, without its CRLF


class Ses:
    """An SES region's raw sending, as one profile configures it."""

    def __init__(self, name: str, profile: SesProfile, config: Config) -> None:
        self.name, self.profile, self.config = name, profile, config
        try:
            import boto3
            from botocore.config import Config as BotoConfig
        except ImportError:
            raise PublishError(
                f"publish.{name}: kind 'ses' needs boto3, which is not installed; "
                "install it with pip install 'digest[ses]'"
            ) from None
        key_id = credential(profile.access_key_id_env, name, "AWS access key id")
        secret = credential(profile.secret_access_key_env, name, "AWS secret access key")
        self.client = boto3.client(
            "ses",
            region_name=profile.region,
            endpoint_url=profile.endpoint_url,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=BotoConfig(
                connect_timeout=profile.timeout,
                read_timeout=profile.timeout,
                retries={"max_attempts": profile.retries + 1, "mode": "standard"},
            ),
        )
        self.where = f"SES {profile.endpoint_url or profile.region}"

    def recipients(self) -> list[str]:
        """The configured addresses, then the file's (one a line, # comments), in order."""
        found = list(self.profile.recipients)
        if self.profile.recipients_file:
            path = self.config.resolve(self.profile.recipients_file)
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise PublishError(
                    f"{path}: cannot read publish.{self.name}.recipients_file: {error.strerror or error}"
                ) from None
            except UnicodeDecodeError as error:
                raise PublishError(
                    f"{path}: publish.{self.name}.recipients_file is not UTF-8 text (byte "
                    f"{error.start}); save it as UTF-8, one address a line"
                ) from None
            found += [line.split("#", 1)[0].strip() for line in lines]
        return [address for address in dict.fromkeys(found) if address]

    def find_campaign(self, content: Content, record: dict[str, Any]) -> Campaign | None:
        if not record:
            return None
        return Campaign(
            f"ses:{content.issue}", record.get("state", "draft"), content.name, dict(record)
        )

    def create_or_update_draft(self, content: Content, campaign: Campaign | None) -> Campaign:
        extra = dict(campaign.extra) if campaign else {}
        extra["recipients"] = len(self.recipients())
        return Campaign(
            f"ses:{content.issue}", campaign.state if campaign else "draft", content.name, extra
        )

    def checklist(self, content: Content, campaign: Campaign) -> list[Finding]:
        findings = link_findings(content, self.config, "SES")
        issue = content.issue
        if len(content.message) > MAX_MESSAGE_BYTES:
            findings.append(
                Finding(
                    issue,
                    "error",
                    f"message.eml is {len(content.message) / 1e6:.1f} MB; SES takes 40 MB at most",
                )
            )
        long_lines = [
            n for n, line in enumerate(content.message.split(b"\r\n"), 1) if len(line) > MAX_LINE
        ]
        if long_lines:
            findings.append(
                Finding(
                    issue,
                    "error",
                    f"message.eml line {long_lines[0]} is over {MAX_LINE} characters, which SES refuses",
                )
            )
        recipients = self.recipients()
        if not recipients:
            findings.append(
                Finding(issue, "error", f"publish.{self.name}: no recipient to send to")
            )
        for address in recipients:
            if not re.fullmatch(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+", address):
                findings.append(
                    Finding(
                        issue, "error", f"publish.{self.name}: {address!r} is not an email address"
                    )
                )
        address = content.from_address
        identities = [address, address.rsplit("@", 1)[-1]]
        try:
            answer = self._call(
                self.client.get_identity_verification_attributes, Identities=identities
            )
        except PublishError as error:  # a key allowed to send but not to read identities
            findings.append(
                Finding(issue, "warning", f"cannot check the sending identity: {error}")
            )
            return findings
        states = {
            key: value.get("VerificationStatus")
            for key, value in answer.get("VerificationAttributes", {}).items()
        }
        if "Success" not in (states.get(identity) for identity in identities):
            findings.append(
                Finding(
                    issue,
                    "error",
                    f"SES has not verified {address} nor its domain; verify one in SES before sending",
                )
            )
        return findings

    def send_test(self, content: Content, campaign: Campaign, addresses: list[str]) -> None:
        for address in addresses:
            self._send_one(content, address)

    def send(
        self, content: Content, campaign: Campaign, progress: Callable[[dict[str, Any]], None]
    ) -> Campaign:
        recipients = self.recipients()
        done = int(campaign.extra.get("sent_to", 0)) if campaign.state == "sending" else 0
        recorded = campaign.extra.get("sent_to_hash")
        if done and recorded is not None and recorded != recipients_hash(recipients[:done]):
            raise PublishError(
                f"publish.{self.name}: the recipients changed since the send stopped after "
                f"{done} of them, so going on from the next would send to some twice and to "
                "others never; put the list back as it was to finish the send"
            )
        pause = 1.0 / self.profile.rate
        for index in range(done, len(recipients)):
            message_id = self._send_one(content, recipients[index])
            progress(
                {
                    "state": "sending",
                    "sent_to": index + 1,
                    "sent_to_hash": recipients_hash(recipients[: index + 1]),
                    "recipients": len(recipients),
                    "last_message_id": message_id,
                }
            )
            if index + 1 < len(recipients):
                time.sleep(pause)  # within the account's sending rate
        extra = {"sent_to": len(recipients), "recipients": len(recipients)}
        return Campaign(campaign.id, "sent", content.name, extra)

    def _send_one(self, content: Content, address: str) -> str:
        answer = self._call(
            self.client.send_raw_email,
            Source=content.from_address,
            Destinations=[address],
            RawMessage={"Data": addressed(content.message, address)},
            **(
                {"ConfigurationSetName": self.profile.configuration_set}
                if self.profile.configuration_set
                else {}
            ),
        )
        return str(answer.get("MessageId", ""))

    def _call(self, method: Callable[..., dict[str, Any]], **arguments: Any) -> dict[str, Any]:
        """An SES call; boto3 already retried throttling and 5xx. Its errors in one line."""
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.parsers import ResponseParserError  # no BotoCoreError: an answer not SES's

        try:
            return method(**arguments)
        except ResponseParserError:
            raise PublishError(
                f"{self.where}: the answer is not SES's; is the profile's endpoint_url SES?"
            ) from None
        except ClientError as error:
            detail = error.response.get("Error", {})
            raise PublishError(
                f"{self.where}: {detail.get('Code', 'error')}: {detail.get('Message', error)}"
            ) from None
        except BotoCoreError as error:
            raise PublishError(f"{self.where}: {error}") from None


def recipients_hash(addresses: list[str]) -> str:
    """Which addresses a stopped send reached, as one hash: the record names no subscriber."""
    return "sha256:" + hashlib.sha256("\n".join(addresses).encode()).hexdigest()


_TO = re.compile(rb"^To:[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*", re.MULTILINE | re.IGNORECASE)


def addressed(message: bytes, address: str) -> bytes:
    """message.eml with its placeholder To replaced by one recipient; the rest byte for byte."""
    if any(character in address for character in "\r\n"):
        raise PublishError(f"{address!r}: not one email address")
    head, separator, body = message.partition(b"\r\n\r\n")
    head += b"\r\n"
    head = _TO.sub(lambda _: b"To: " + address.encode() + b"\r\n", head, count=1)
    return head[:-2] + separator + body
