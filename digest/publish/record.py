"""What was sent of an issue, per issue: feeds/issues/<key>.published.json.

Beside the issue's decision file. Under "profiles", one entry per profile digest publish
handed the issue to: the campaign id, its state (draft, sending, sent), the hash of the
content the service holds and when it was recorded. Under "smtp", one entry per recipient
digest send gave the approved issue to, keyed by a hash of the address (the record, kept in
git with the decision files, names no subscriber): the hash of the message.eml sent and when
the SMTP server accepted it. Written atomically after every step the service (or the SMTP
server) confirmed; it never holds a credential.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from digest import paths
from digest.config import Config
from digest.errors import PublishError
from digest.write import write_tree

SMTP = "smtp"  # the document's key for what digest send sent, beside "profiles"


def record_path(config: Config, issue: str) -> Path:
    """Beside the issue's decision file in the [editorial] folder."""
    key = issue.rsplit("/", 1)[-1]
    return paths.published_file(config.resolve(config.editorial.path), key)


def _read_document(config: Config, issue: str) -> dict[str, Any]:
    """The whole record, its shape checked; {} before anything was sent or handed off."""
    path = record_path(config, issue)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        # read as nothing recorded, a damaged record would let SES, or digest send, send again
        for part, each in (("profiles", "profile"), (SMTP, "recipient")):
            entries = data[part] if part == "profiles" else data.get(part, {})
            if not isinstance(entries, dict) or not all(
                isinstance(entry, dict) for entry in entries.values()
            ):
                raise ValueError(f"{part!r} is not an object of one object a {each}")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise PublishError(
            f"{path}: cannot read: {error}; digest publish and digest send keep what they sent "
            "there: restore it from git (without it listmonk and Mailchimp campaigns are found "
            "again by name, but SES keeps no campaign: an SES profile would send again, and so "
            "would digest send to whoever has the issue)"
        ) from None
    return dict(data)


def _write_document(config: Config, issue: str, document: dict[str, Any]) -> None:
    """The record, atomically (a temporary file renamed over the old); keys in sorted order."""
    path = record_path(config, issue)
    whole = {
        "issue": issue,
        "profiles": dict(sorted(document.get("profiles", {}).items())),
        **({SMTP: dict(sorted(document[SMTP].items()))} if document.get(SMTP) else {}),
    }
    data = (json.dumps(whole, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    write_tree(path.parent, {path.name: data})


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_record(config: Config, issue: str) -> dict[str, Any]:
    """Every profile's entry for the issue; {} before the first publish."""
    profiles: dict[str, Any] = _read_document(config, issue).get("profiles", {})
    return profiles


def write_record(
    config: Config, issue: str, profile_name: str, entry: dict[str, Any], now: datetime
) -> None:
    """Record one profile's campaign atomically, keeping the rest of the record."""
    document = _read_document(config, issue)
    profiles = document.setdefault("profiles", {})
    profiles[profile_name] = {**entry, "updated_at": _stamp(now)}
    _write_document(config, issue, document)


def recipient_key(address: str) -> str:
    """An address as the record keeps it: hashed, in any case (Ada@Example.org is ada@…)."""
    return "sha256:" + hashlib.sha256(address.casefold().encode()).hexdigest()


def sent_to(config: Config, issue: str, addresses: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Which of `addresses` digest send already gave the issue to, each with its entry
    (message_hash, sent_at)."""
    recorded: dict[str, dict[str, Any]] = _read_document(config, issue).get(SMTP, {})
    return {
        address: recorded[recipient_key(address)]
        for address in addresses
        if recipient_key(address) in recorded
    }


def record_sent(
    config: Config, issue: str, addresses: Iterable[str], message_hash: str, now: datetime
) -> Path:
    """Record that the SMTP server accepted the issue for `addresses`; a recipient recorded
    before keeps the first entry. Returns the record's path."""
    document = _read_document(config, issue)
    recorded = document.setdefault(SMTP, {})
    entry = {"message_hash": message_hash, "sent_at": _stamp(now)}
    for address in addresses:
        recorded.setdefault(recipient_key(address), entry)
    _write_document(config, issue, document)
    return record_path(config, issue)
