"""digest publish to Amazon SES through the real AWS SDK (boto3), against moto's SES in
server mode on 127.0.0.1; what SES received is read back from moto's own API."""

from __future__ import annotations

import email
import email.policy
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer
from pytest_httpserver import HTTPServer

from digest.publish.ses import recipients_hash
from tests.conftest import Publication
from tests.test_publish_fakes import build_issue, digest, record
from tests.test_send import free_port

SES = """
[publish.list]
kind = "ses"
region = "eu-west-1"
endpoint_url = "{url}"
recipients = ["ada@subscriber.test", "bob@subscriber.test", "cy@subscriber.test"]
rate = 1000
"""


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def ses(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SES with the sender verified, and credentials in the environment."""
    import boto3

    httpx.post(f"{moto_server}/moto-api/reset")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    client = boto3.client(
        "ses",
        region_name="eu-west-1",
        endpoint_url=moto_server,
        aws_access_key_id="testing-key-id",
        aws_secret_access_key="testing-secret",
    )
    client.verify_email_identity(EmailAddress="news@digest.test")
    yield moto_server


def received(server: str) -> list[dict[str, Any]]:
    """The raw messages SES accepted, in order, as moto's API lists them."""
    data = httpx.get(f"{server}/moto-api/data.json").json()
    return list(data["ses"]["RawMessage"])


def recipient(message: dict[str, Any]) -> str:
    parsed = email.message_from_string(message["raw_data"], policy=email.policy.default)
    return str(parsed["To"])


def test_a_draft_is_checked_and_nothing_is_sent(
    publication: Publication, ses: str, capsys: pytest.CaptureFixture[str]
) -> None:
    build_issue(publication, SES.format(url=ses))
    assert digest(publication, "publish", "--to", "list") == 0
    assert received(ses) == []
    assert "checklist: 0 error(s), 0 warning(s)" in capsys.readouterr().out
    assert record(publication)["profiles"]["list"]["state"] == "draft"
    assert "testing-secret" not in json.dumps(record(publication))


def test_test_addresses_get_the_message_and_no_subscriber_does(
    publication: Publication, ses: str
) -> None:
    build_issue(publication, SES.format(url=ses))
    assert digest(publication, "publish", "--to", "list", "--test", "ed@digest.test") == 0
    (message,) = received(ses)
    assert recipient(message) == "ed@digest.test"
    assert message["source"] == "news@digest.test"
    built = (publication.root / "out/weekly/2025-W40/message.eml").read_bytes()
    _, body = built.split(b"\r\n\r\n", 1)
    assert message["raw_data"].encode().endswith(body)  # the parts byte for byte


def test_send_reaches_each_recipient_once_and_never_again(
    publication: Publication, ses: str, capsys: pytest.CaptureFixture[str]
) -> None:
    build_issue(publication, SES.format(url=ses))
    assert digest(publication, "publish", "--to", "list", "--send") == 8  # not approved
    assert received(ses) == []
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    assert digest(publication, "publish", "--to", "list", "--send") == 0
    assert [recipient(m) for m in received(ses)] == [
        "ada@subscriber.test",
        "bob@subscriber.test",
        "cy@subscriber.test",
    ]
    saved = record(publication)["profiles"]["list"]
    assert saved["state"] == "sent" and saved["sent_to"] == 3
    capsys.readouterr()
    assert digest(publication, "publish", "--to", "list", "--send") == 1
    assert "already sent" in capsys.readouterr().err
    assert len(received(ses)) == 3


def test_a_send_killed_midway_goes_on_from_the_next_recipient(
    publication: Publication, ses: str
) -> None:
    build_issue(publication, SES.format(url=ses))
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    assert digest(publication, "publish", "--to", "list") == 0
    path = publication.root / "feeds/issues/2025-W40.published.json"
    saved = json.loads(path.read_text())
    # what the record holds when a run is killed after SES took the first message
    saved["profiles"]["list"].update(state="sending", sent_to=1)
    path.write_text(json.dumps(saved))
    assert digest(publication, "publish", "--to", "list", "--send") == 0
    assert [recipient(m) for m in received(ses)] == ["bob@subscriber.test", "cy@subscriber.test"]
    assert record(publication)["profiles"]["list"]["state"] == "sent"


def test_a_send_killed_midway_is_not_resumed_over_a_changed_list(
    publication: Publication, ses: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An address added at the top after the kill: going on from the second would send Ada's
    copy to her again and none to Bob."""
    build_issue(publication, SES.format(url=ses))
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    assert digest(publication, "publish", "--to", "list") == 0
    path = publication.root / "feeds/issues/2025-W40.published.json"
    saved = json.loads(path.read_text())
    killed = {
        "state": "sending",
        "sent_to": 1,
        "sent_to_hash": recipients_hash(["ada@subscriber.test"]),
    }
    saved["profiles"]["list"].update(killed)
    path.write_text(json.dumps(saved))
    changed = SES.replace('recipients = ["ada', 'recipients = ["new@subscriber.test", "ada')
    build_issue(publication, changed.format(url=ses))
    capsys.readouterr()
    assert digest(publication, "publish", "--to", "list", "--send") == 7
    assert "the recipients changed since the send stopped after 1" in capsys.readouterr().err
    assert received(ses) == []
    assert record(publication)["profiles"]["list"]["state"] == "sending"
    build_issue(publication, SES.format(url=ses))  # the list as it was: the send goes on
    assert digest(publication, "publish", "--to", "list", "--send") == 0
    assert [recipient(m) for m in received(ses)] == ["bob@subscriber.test", "cy@subscriber.test"]


@pytest.mark.parametrize(
    "damaged",
    [
        '{"issue": "weekly/2025-W40", "profiles": {"list": {"state": "se',
        '{"issue": "weekly/2025-W40", "profiles": {"list": "sent"}}',
        '{"issue": "weekly/2025-W40", "profiles": []}',
        "[]",
    ],
)
def test_an_unreadable_record_stops_the_send_and_does_not_advise_deleting_it(
    publication: Publication, ses: str, capsys: pytest.CaptureFixture[str], damaged: str
) -> None:
    """SES keeps no campaign to find again: without the record, a send would go out again."""
    build_issue(publication, SES.format(url=ses))
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    path = publication.root / "feeds/issues/2025-W40.published.json"
    path.write_text(damaged)
    capsys.readouterr()
    assert digest(publication, "publish", "--to", "list", "--send") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "2025-W40.published.json: cannot read" in line and "restore it from git" in line
    assert "delete it" not in line and "an SES profile would send again" in line
    assert received(ses) == []


def test_an_endpoint_that_answers_no_xml_is_one_line(
    publication: Publication,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    httpserver.expect_request(re.compile(".*")).respond_with_data(
        "[1, 2, 3]", content_type="application/json"
    )
    build_issue(publication, SES.format(url=httpserver.url_for("/")) + "retries = 0\n")
    capsys.readouterr()
    assert digest(publication, "publish", "--to", "list", "--test", "ed@digest.test") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: SES http://") and "the answer is not SES's" in line


def test_a_send_killed_midway_is_not_resumed_with_another_issue(
    publication: Publication, ses: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ada got the issue as first built; an entry edited, rebuilt and approved again since:
    Bob and Cy must not get a different issue under the same send."""
    build_issue(publication, SES.format(url=ses))
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    assert digest(publication, "publish", "--to", "list") == 0
    path = publication.root / "feeds/issues/2025-W40.published.json"
    saved = json.loads(path.read_text())
    saved["profiles"]["list"].update(state="sending", sent_to=1)
    path.write_text(json.dumps(saved))
    build_issue(publication, SES.format(url=ses), summary="A corrected summary.")
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    capsys.readouterr()
    assert digest(publication, "publish", "--to", "list", "--send") == 7
    assert "stopped after 1 recipient(s), and the issue has changed since" in (
        capsys.readouterr().err
    )
    assert received(ses) == []


def test_an_unverified_sender_is_a_checklist_error_that_stops_the_send(
    publication: Publication, ses: str, capsys: pytest.CaptureFixture[str]
) -> None:
    build_issue(publication, SES.format(url=ses), sender="other@elsewhere.test")
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    assert digest(publication, "publish", "--to", "list", "--send") == 7
    captured = capsys.readouterr()
    assert "SES has not verified other@elsewhere.test nor its domain" in captured.out
    assert received(ses) == []


def test_without_boto3_the_error_says_how_to_install_it(
    publication: Publication,
    ses: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_issue(publication, SES.format(url=ses))
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 raises ImportError
    assert digest(publication, "publish", "--to", "list") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "needs boto3" in line and "pip install 'digest[ses]'" in line


def test_missing_aws_credentials_name_the_variable(
    publication: Publication,
    ses: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_issue(publication, SES.format(url=ses))
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert digest(publication, "publish", "--to", "list") == 7
    assert "$AWS_SECRET_ACCESS_KEY is not set" in capsys.readouterr().err


def test_a_recipients_file_is_read_and_a_bad_line_stops_the_send(
    publication: Publication, ses: str, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = SES.format(url=ses).replace(
        'recipients = ["ada@subscriber.test", "bob@subscriber.test", "cy@subscriber.test"]',
        'recipients_file = "subscribers.txt"',
    )
    publication.file("subscribers.txt", "# staff\nada@subscriber.test\nnot an address\n")
    build_issue(publication, profile)
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    assert digest(publication, "publish", "--to", "list", "--send") == 7
    assert "publish.list: 'not an address' is not an email address" in capsys.readouterr().out
    assert received(ses) == []
    publication.file(
        "subscribers.txt", "# staff\nada@subscriber.test\n\nbob@subscriber.test # Bob\n"
    )
    assert digest(publication, "publish", "--to", "list", "--send") == 0
    assert [recipient(m) for m in received(ses)] == ["ada@subscriber.test", "bob@subscriber.test"]


def test_a_recipients_file_that_is_not_utf8_is_one_line_naming_it(
    publication: Publication, ses: str, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = SES.format(url=ses).replace(
        'recipients = ["ada@subscriber.test", "bob@subscriber.test", "cy@subscriber.test"]',
        'recipients_file = "subscribers.txt"',
    )
    build_issue(publication, profile)
    (publication.root / "subscribers.txt").write_bytes(b"ada@subscriber.test\nb\xf6b@example.org\n")
    capsys.readouterr()
    assert digest(publication, "publish", "--to", "list") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.endswith(
        "subscribers.txt: publish.list.recipients_file is not UTF-8 text (byte 21); save it as "
        "UTF-8, one address a line"
    )
    assert received(ses) == []
