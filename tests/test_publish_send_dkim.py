"""The List-Id every message carries, and digest send's DKIM signature (dkimpy), checked the
way a receiving server checks it: the signature verified with the public key from "DNS"."""

from __future__ import annotations

import base64
import email
import email.policy
from collections.abc import Iterator

import dkim
import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import Publication
from tests.test_publish_fakes import build_issue, digest
from tests.test_send import Inbox, free_port

SMTP = """
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
proof_readers = ["proof@digest.test"]
{dkim}
"""


@pytest.fixture(name="inbox")
def inbox_fixture() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(name="key")
def key_fixture() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def dns_record(key: rsa.RSAPrivateKey) -> bytes:
    """What the selector's TXT record would hold."""
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def test_every_built_message_names_its_list(publication: Publication) -> None:
    build_issue(publication, "")
    raw = (publication.root / "out/weekly/2025-W40/message.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["List-Id"] == "Test Digest <digest.digest.test>"


def test_a_proof_is_signed_and_the_signature_verifies(
    publication: Publication,
    inbox: tuple[Inbox, int],
    key: rsa.RSAPrivateKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    received, port = inbox
    build_issue(publication, SMTP.format(port=port, dkim='dkim_selector = "digest2025"'))
    monkeypatch.setenv("DIGEST_DKIM_KEY", pem(key))
    assert digest(publication, "send", "--to", "proof@digest.test") == 0
    data = received.envelopes[0].content
    assert isinstance(data, bytes) and data.startswith(b"DKIM-Signature:")
    lookups: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        lookups.append(name)
        return dns_record(key)

    assert dkim.verify(data, dnsfunc=dns)
    assert lookups == [b"digest2025._domainkey.digest.test."]
    assert b"Subject: [Proof] " in data
    assert not dkim.verify(data.replace(b"Subject: [Proof] ", b"Subject: [Offer] "), dnsfunc=dns)


def test_a_selector_without_its_key_is_one_line_and_nothing_is_sent(
    publication: Publication, inbox: tuple[Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    received, port = inbox
    build_issue(publication, SMTP.format(port=port, dkim='dkim_selector = "digest2025"'))
    assert digest(publication, "send", "--to", "proof@digest.test") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "$DIGEST_DKIM_KEY is not" in line
    assert received.envelopes == []


def test_without_a_selector_proofs_go_unsigned(
    publication: Publication, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    build_issue(publication, SMTP.format(port=port, dkim=""))
    assert digest(publication, "send", "--to", "proof@digest.test") == 0
    assert b"DKIM-Signature" not in received.envelopes[0].content
