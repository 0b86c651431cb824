"""Proofs over SMTP to a real server on loopback (aiosmtpd), and headers nobody can inject into."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from digest.cli import main
from digest.model import Entry, Issue, Period, Section
from digest.render.message import build_message
from tests.conftest import Publication


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def message(self, index: int = -1) -> EmailMessage:
        raw = self.envelopes[index].content
        assert isinstance(raw, bytes)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


NORWEGIAN = """
[email]
from_name = "Kjetil Taskén"
from_address = "nyheter@digest.test"

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
proof_readers = ["proof@digest.test", "Editor@Digest.test", "a@digest.test", "ok@digest.test"]
"""


def build_norwegian(publication: Publication, port: int) -> None:
    publication.config_text = publication.config_text.replace(
        'title = "Test Digest"', 'title = "Nytt fra Høivik-gruppen"'
    )
    publication.configure(NORWEGIAN.format(port=port))
    publication.entry(
        "award.md",
        """
        ---
        title: The AACR-WICR Friend Lectureship presented to Anne-Lise Børresen-Dale
        date: 2025-10-01T10:00
        summary: Anne-Lise Børresen-Dale has been chosen as the 20th Annual Award Recipient.
        ---
        """,
    )
    assert main(["build", "--config", str(publication.root), "--quiet", "--week", "2025-W40"]) == 0


def send(publication: Publication, *arguments: str) -> int:
    return main(["send", "--config", str(publication.root), *arguments])


def test_proof_arrives_with_both_parts_and_intact_non_ascii(
    publication: Publication, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    build_norwegian(publication, port)
    assert send(publication, "--to", "proof@digest.test", "--to", "editor@digest.test") == 0
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["proof@digest.test", "editor@digest.test"]
    assert envelope.mail_from == "nyheter@digest.test"
    message = inbox.message()
    assert message["Subject"] == "[Proof] Nytt fra Høivik-gruppen: Week 40, 2025"
    assert message["From"].addresses[0].display_name == "Kjetil Taskén"
    assert message["To"] == "proof@digest.test, editor@digest.test"
    raw_headers = (
        envelope.original_content.split(b"\r\n\r\n", 1)[0] if envelope.original_content else b""
    )
    assert raw_headers.isascii()  # non-ASCII travels RFC 2047-encoded
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and "Anne-Lise Børresen-Dale" in text.get_content()
    assert html is not None and "Anne-Lise Børresen-Dale" in html.get_content()


def test_send_names_the_issue_and_fails_clearly(
    publication: Publication, smtp_server: tuple[Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    inbox, port = smtp_server
    build_norwegian(publication, port)
    assert send(publication, "--to", "a@digest.test", "--issue", "weekly/2025-W40") == 0
    assert len(inbox.envelopes) == 1
    capsys.readouterr()


def test_an_issue_that_was_not_built_is_a_command_line_error_listing_the_built_ones(
    publication: Publication, smtp_server: tuple[Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    inbox, port = smtp_server
    build_norwegian(publication, port)
    publication.entry("later.md", "---\ntitle: A week later\ndate: 2025-10-08T10:00\n---\n")
    assert main(["build", "--config", str(publication.root), "--quiet", "--week", "2025-W41"]) == 0
    capsys.readouterr()
    assert send(publication, "--to", "a@digest.test", "--issue", "weekly/2025-W39") == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: weekly/2025-W39: no such built issue; built: weekly/2025-W40, weekly/2025-W41 "
        "(run digest build first)"
    ]
    assert inbox.envelopes == []


@pytest.mark.parametrize(
    "address",
    [
        "a@digest.test\r\nBcc: x@evil.test",
        "a@digest.test\nBcc: x@evil.test",
        "not an address",
        "editor",
        "a@digest.test, b@digest.test",
        "Editor <a@digest.test>",
    ],
)
def test_a_bad_address_is_a_command_line_error_and_nothing_is_sent(
    publication: Publication,
    smtp_server: tuple[Inbox, int],
    capsys: pytest.CaptureFixture[str],
    address: str,
) -> None:
    inbox, port = smtp_server
    build_norwegian(publication, port)
    capsys.readouterr()
    assert send(publication, "--to", "ok@digest.test", "--to", address) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == (
        f"error: --to {address!r}: not an email address; give one address per --to, "
        "like editor@example.org"
    )
    assert inbox.envelopes == []


def test_a_proof_is_marked_and_dated_now_and_the_built_message_is_untouched(
    publication: Publication, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    build_norwegian(publication, port)
    built = publication.root / "out/weekly/2025-W40/message.eml"
    before = built.read_bytes()
    original = email.message_from_bytes(before, policy=email.policy.default)
    assert send(publication, "--to", "proof@digest.test") == 0
    assert send(publication, "--to", "proof@digest.test") == 0
    first, second = inbox.message(0), inbox.message(1)
    assert first["Subject"] == f"[Proof] {original['Subject']}"
    assert first["Message-ID"] != original["Message-ID"]
    assert first["Message-ID"] != second["Message-ID"]  # each proof is a message of its own
    assert first["Message-ID"].endswith("@digest.test>")
    sent = parsedate_to_datetime(first["Date"])
    assert abs(datetime.now(UTC) - sent) < timedelta(days=1)
    assert [first.get_all(name) for name in ("Subject", "Date", "Message-ID", "To")] == [
        [first["Subject"]],
        [first["Date"]],
        [first["Message-ID"]],
        ["proof@digest.test"],
    ]
    assert built.read_bytes() == before


def test_a_norwegian_proof_says_so_in_norwegian(
    publication: Publication, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    publication.config_text = publication.config_text.replace('language = "en"', 'language = "nb"')
    build_norwegian(publication, port)
    assert send(publication, "--to", "proof@digest.test") == 0
    assert inbox.message()["Subject"] == "[Korrektur] Nytt fra Høivik-gruppen: Uke 40, 2025"


def test_unreachable_smtp_server_is_one_line(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    build_norwegian(publication, free_port())  # nothing listens there
    assert send(publication, "--to", "a@digest.test") == 7
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: 127.0.0.1:") and "cannot reach the SMTP server" in line


@pytest.mark.parametrize(
    "hostile",
    [
        "Week 40\r\nBcc: victim@example.org",
        "Value\r\nBad Injection\r\n",
        "Lazy Subject\nInjection Test",
        "one\x85 two\u2028 three\u2029 four",
    ],
)
def test_line_breaks_in_titles_never_become_headers(publication: Publication, hostile: str) -> None:
    config = publication.load()
    start = datetime(2025, 9, 29, tzinfo=UTC)
    entry = Entry(id="x", source="s", title=hostile, published=start, section="News")
    issue = Issue(
        Period("weekly", "2025-W40", start, start), hostile, (Section("News", (entry,)),), start
    )
    raw = build_message(issue, config, "<p>html</p>", "text")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert (
        "Bcc" not in message and "Bad Injection" not in message and "Injection Test" not in message
    )
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert all(line.startswith((" ", "\t")) or ":" in line for line in headers.split("\r\n"))


def test_built_message_parses_with_the_standard_library(
    tmp_path: Path, publication: Publication, smtp_server: tuple[Inbox, int]
) -> None:
    _, port = smtp_server
    build_norwegian(publication, port)
    raw = (publication.root / "out/weekly/2025-W40/message.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert not message.defects
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert message["List-Unsubscribe"] is None  # not configured here: no header
