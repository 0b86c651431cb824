"""digest send of an approved issue beyond the proof readers: each recipient gets it once. Who
got it is recorded (as a hash of the address) in feeds/issues/<key>.published.json once the
SMTP server has accepted it; a second send to any of them sends nothing and says when.
Through the real command line, with the sample publication and a real SMTP server on loopback."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from digest.config import load
from digest.publish.record import read_record, write_record
from tests.test_approve import ISSUE, approve, build, run, with_smtp
from tests.test_send import Inbox, free_port

RECORD = "feeds/issues/2025-W40.published.json"


class Picky(Inbox):
    """Refuses one address at RCPT TO, as a server does a mailbox it does not have; and, told
    to, makes the record unwritable the moment it has accepted a message."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port
        self.sabotage: Path | None = None

    async def handle_RCPT(
        self, server: object, session: object, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        if self.sabotage is not None:
            self.sabotage.mkdir(parents=True)  # a folder where the record's file would go
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def inbox() -> Iterator[Picky]:
    """A real SMTP server on loopback, and what it received."""
    handler = Picky(free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def approved(sample: Path, inbox: Picky) -> Path:
    """The sample's week 40, built with [smtp] pointing at the server, and approved."""
    with_smtp(sample, inbox.port)
    assert build(sample, "--week", "2025-W40") == 0
    assert approve(sample) == 0
    return sample


def send(root: Path, *addresses: str) -> int:
    return run(root, "send", "--issue", ISSUE, *(f"--to={address}" for address in addresses))


def sent_record(root: Path) -> dict[str, Any]:
    return dict(json.loads((root / RECORD).read_text("utf-8")))


def address_hash(address: str) -> str:
    return "sha256:" + hashlib.sha256(address.encode()).hexdigest()


def test_a_second_send_to_a_subscriber_sends_nothing_and_says_when_they_got_it(
    approved: Path,
    inbox: Picky,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    assert send(approved, "list@digest.test") == 0
    assert capsys.readouterr().out.strip().endswith(f"; recorded in {RECORD}")
    [entry] = sent_record(approved)["smtp"].values()
    for again in ("list@digest.test", "List@Digest.TEST"):  # a cron retry; the same, typed again
        assert send(approved, again) == 1
        assert capsys.readouterr().err.splitlines() == [
            f"error: {ISSUE}: already sent to {again} (recorded {entry['sent_at']}); digest never "
            "sends an issue twice, so nothing was sent"
        ]
    assert len(inbox.envelopes) == 1
    assert inbox.message()["Subject"] == "ICR News Digest: Week 40, 2025"  # the issue, no proof


def test_the_record_names_no_address_and_holds_the_hash_of_what_was_sent(
    approved: Path,
    inbox: Picky,
) -> None:
    """The record sits beside the decision files, in git: a hash says who, not the address."""
    started = datetime.now(UTC).replace(microsecond=0)
    assert send(approved, "ada@digest.test", "bob@digest.test") == 0
    text = (approved / RECORD).read_text("utf-8")
    assert "digest.test" not in text
    document = json.loads(text)
    built = (approved / "out" / ISSUE / "message.eml").read_bytes()
    assert set(document["smtp"]) == {
        address_hash("ada@digest.test"),
        address_hash("bob@digest.test"),
    }
    for entry in document["smtp"].values():
        assert entry["message_hash"] == "sha256:" + hashlib.sha256(built).hexdigest()
        assert started <= datetime.fromisoformat(entry["sent_at"]) <= datetime.now(UTC)
    assert document["issue"] == ISSUE and document["profiles"] == {}


def test_a_send_to_some_who_have_it_and_some_who_do_not_sends_nothing_and_names_the_others(
    approved: Path,
    inbox: Picky,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert send(approved, "ada@digest.test") == 0
    capsys.readouterr()
    assert send(approved, "bob@digest.test", "ada@digest.test", "cy@digest.test") == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: {ISSUE}: already sent to ada@digest.test (recorded ")
    assert line.endswith(
        "; digest never sends an issue twice, so nothing was sent; to send it to the others, run "
        "it again with only --to bob@digest.test --to cy@digest.test"
    )
    assert len(inbox.envelopes) == 1
    assert send(approved, "bob@digest.test", "cy@digest.test") == 0
    assert inbox.envelopes[-1].rcpt_tos == ["bob@digest.test", "cy@digest.test"]


def test_the_record_outlives_a_rebuild_of_out_and_a_new_approval(
    approved: Path,
    inbox: Picky,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert send(approved, "list@digest.test") == 0
    shutil.rmtree(approved / "out")
    assert build(approved, "--week", "2025-W40") == 0
    assert approve(approved, by="Grace Hopper") == 0
    capsys.readouterr()
    assert send(approved, "list@digest.test") == 1
    assert "already sent to list@digest.test" in capsys.readouterr().err
    assert len(inbox.envelopes) == 1


def test_proofs_to_proof_readers_go_every_time_and_are_not_recorded(
    approved: Path,
    inbox: Picky,
) -> None:
    assert send(approved, "proof@digest.test") == 0
    assert send(approved, "proof@digest.test") == 0
    assert [inbox.message(index)["Subject"] for index in (0, 1)] == [
        "[Proof] ICR News Digest: Week 40, 2025"
    ] * 2
    assert not (approved / RECORD).exists()
    # in a send beyond the proof readers, a proof reader gets the issue itself: once, too
    assert send(approved, "proof@digest.test", "list@digest.test") == 0
    assert send(approved, "proof@digest.test", "new@digest.test") == 1
    assert len(inbox.envelopes) == 3
    assert send(approved, "proof@digest.test") == 0  # a proof again, as ever
    assert len(inbox.envelopes) == 4


def test_an_address_given_twice_gets_one_copy(
    approved: Path,
    inbox: Picky,
) -> None:
    assert send(approved, "ada@digest.test", "Ada@digest.test") == 0
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["ada@digest.test"]


def test_a_send_and_a_publish_share_one_record_and_neither_loses_the_others(
    approved: Path,
    inbox: Picky,
) -> None:
    config, now = load(approved), datetime(2026, 12, 1, 18, 3, tzinfo=UTC)
    write_record(config, ISSUE, "newsletter", {"kind": "listmonk", "state": "draft"}, now)
    assert send(approved, "ada@digest.test") == 0
    write_record(config, ISSUE, "newsletter", {"kind": "listmonk", "state": "sent"}, now)
    assert read_record(config, ISSUE)["newsletter"]["state"] == "sent"
    assert list(sent_record(approved)["smtp"]) == [address_hash("ada@digest.test")]
    assert send(approved, "ada@digest.test") == 1


def test_a_damaged_record_stops_the_send_with_one_line_and_sends_nothing(
    approved: Path,
    inbox: Picky,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (approved / RECORD).write_text('{"issue": "weekly/2025-W40", "profiles": {}, "smtp": []}')
    capsys.readouterr()
    assert send(approved, "ada@digest.test") == 7
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: {approved / RECORD}: cannot read: 'smtp' is not an object")
    assert "restore it from git" in line and "digest send" in line
    assert inbox.envelopes == []


def test_a_recipient_the_server_refuses_is_named_and_only_the_others_are_recorded(
    approved: Path, inbox: Picky, capsys: pytest.CaptureFixture[str]
) -> None:
    root = approved
    capsys.readouterr()
    assert send(root, "ada@digest.test", "gone@digest.test") == 7
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: 127.0.0.1:")
    assert line.endswith(
        ": the SMTP server refused gone@digest.test: 550 5.1.1 no such mailbox; "
        f"{ISSUE} went to the others (ada@digest.test) and is recorded"
    )
    assert list(sent_record(root)["smtp"]) == [address_hash("ada@digest.test")]
    assert send(root, "ada@digest.test") == 1  # she has it
    assert len(inbox.envelopes) == 1


def test_a_record_that_cannot_be_written_after_the_server_took_the_message_says_who_has_it(
    approved: Path, inbox: Picky, capsys: pytest.CaptureFixture[str]
) -> None:
    root = approved
    inbox.sabotage = root / RECORD
    capsys.readouterr()
    assert send(root, "ada@digest.test") == 5
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(
        f"error: {ISSUE} went to ada@digest.test but is not recorded, so digest send would send "
        f"it to them again: {root / RECORD}: cannot read: "
    )
    assert len(inbox.envelopes) == 1
