"""digest publish to Mailchimp: a fake checked against the Marketing API's reference
(tests/data/mailchimp-marketing-subset.yaml), merge tags, the send checklist, faults."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Publication
from tests.test_publish_fakes import (
    HOSTILE_TITLE,
    FakeMailchimp,
    Fault,
    build_issue,
    digest,
    mailchimp_fixture,  # noqa: F401 (the mailchimp fixture)
    record,
)

KEY = "0123456789abcdef0123456789abcdef-us21"

MAILCHIMP = """
[publish.mc]
kind = "mailchimp"
audience = "a1b2c3d4e5"
api_url = "{url}"
backoff = 0.01
"""


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILCHIMP_API_KEY", KEY)


def built(publication: Publication, fake: FakeMailchimp, **entry: str) -> None:
    build_issue(publication, MAILCHIMP.format(url=fake.url), **entry)


def test_a_draft_campaign_with_mailchimp_s_tags_and_its_content(
    publication: Publication, mailchimp: FakeMailchimp
) -> None:
    built(publication, mailchimp)
    assert digest(publication, "publish", "--to", "mc") == 0
    (campaign,) = mailchimp.campaigns.values()
    assert campaign["type"] == "regular" and campaign["status"] == "save"
    assert campaign["recipients"] == {"list_id": "a1b2c3d4e5"}
    assert campaign["settings"]["title"] == "digest weekly/2025-W40"
    assert campaign["settings"]["reply_to"] == "office@digest.test"
    html, text = campaign["content"]["html"], campaign["content"]["plain_text"]
    assert 'href="*|UNSUB|*"' in html and 'href="*|ARCHIVE|*"' in html
    assert "*|UNSUB|*" in text and "*|ARCHIVE|*" in text
    assert "https://digest.test/unsubscribe" not in html
    assert mailchimp.auth == {f"digest:{KEY}"}
    assert record(publication)["profiles"]["mc"] | {"updated_at": ""} == {
        "kind": "mailchimp",
        "campaign_id": "c0001",
        "name": "digest weekly/2025-W40",
        "state": "draft",
        "content_hash": record(publication)["profiles"]["mc"]["content_hash"],
        "updated_at": "",
    }


def test_merge_tags_in_feed_text_are_escaped(
    publication: Publication, mailchimp: FakeMailchimp
) -> None:
    built(publication, mailchimp, title=HOSTILE_TITLE)
    assert digest(publication, "publish", "--to", "mc") == 0
    campaign = mailchimp.campaigns["c0001"]
    parts = (
        campaign["content"]["html"],
        campaign["content"]["plain_text"],
        campaign["settings"]["subject_line"],
    )
    for part in parts:
        assert set(re.findall(r"\*\|[^|]*\|\*", part)) <= {"*|UNSUB|*", "*|ARCHIVE|*"}
    assert "*&#124;EMAIL|*" in campaign["content"]["html"]


def test_a_killed_run_is_found_by_title_and_its_draft_updated(
    publication: Publication, mailchimp: FakeMailchimp
) -> None:
    built(publication, mailchimp)
    assert digest(publication, "publish", "--to", "mc") == 0
    (publication.root / "feeds/issues/2025-W40.published.json").unlink()
    built(publication, mailchimp, summary="Later words.")
    assert digest(publication, "publish", "--to", "mc") == 0
    assert list(mailchimp.campaigns) == ["c0001"]
    assert "Later words." in mailchimp.campaigns["c0001"]["content"]["html"]
    assert len(mailchimp.calls("PATCH", "/campaigns/c0001")) == 1


def test_the_send_checklist_is_printed_and_its_errors_stop_a_send(
    publication: Publication, mailchimp: FakeMailchimp, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, mailchimp)
    mailchimp.checklist.append(
        {
            "type": "error",
            "id": 7,
            "heading": "Sender",
            "details": "Verify office@digest.test's domain before sending.",
        }
    )
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    assert digest(publication, "publish", "--to", "mc", "--send") == 7
    captured = capsys.readouterr()
    assert (
        "error: weekly/2025-W40: Mailchimp: Sender: Verify office@digest.test's domain"
        in captured.out
    )
    assert "not sent: 1 error(s) in mailchimp's checklist" in captured.err
    assert mailchimp.campaigns["c0001"]["status"] == "save"
    assert record(publication)["profiles"]["mc"]["state"] == "draft"


def test_test_emails_and_the_send(
    publication: Publication, mailchimp: FakeMailchimp, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, mailchimp)
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    assert digest(publication, "publish", "--to", "mc", "--test", "ed@digest.test") == 0
    assert mailchimp.tests == [
        {"campaign": "c0001", "test_emails": ["ed@digest.test"], "send_type": "html"}
    ]
    assert digest(publication, "publish", "--to", "mc", "--send") == 0
    assert mailchimp.campaigns["c0001"]["status"] == "sent"
    assert record(publication)["profiles"]["mc"]["state"] == "sent"
    assert digest(publication, "publish", "--to", "mc", "--send") == 1
    assert len(mailchimp.calls("POST", "/campaigns/c0001/actions/send")) == 1


def test_mailchimp_s_problem_document_is_the_one_line(
    publication: Publication, mailchimp: FakeMailchimp, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, mailchimp)
    problem = FakeMailchimp.problem(
        400, "Invalid Resource", "The resource submitted could not be validated."
    )
    problem["errors"] = [
        {"field": "settings.reply_to", "message": "This value should be a valid email."}
    ]
    mailchimp.faults.append(Fault(400, problem, path="POST /3.0/campaigns$"))
    assert digest(publication, "publish", "--to", "mc") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert (
        "POST campaigns: HTTP 400: Invalid Resource: The resource submitted could not be validated.: settings.reply_to: This value should be a valid email."
        in line
    )
    assert mailchimp.campaigns == {}


def test_too_many_requests_waits_as_mailchimp_says(
    publication: Publication, mailchimp: FakeMailchimp
) -> None:
    built(publication, mailchimp)
    problem = FakeMailchimp.problem(
        429, "Too Many Requests", "You have exceeded the limit of 10 simultaneous connections."
    )
    mailchimp.faults.append(
        Fault(429, problem, {"Retry-After": "1"}, path="PUT /3.0/campaigns/c0001/content")
    )
    assert digest(publication, "publish", "--to", "mc") == 0
    assert len(mailchimp.calls("PUT", "/campaigns/c0001/content")) == 2
    assert "content" in mailchimp.campaigns["c0001"]


def test_a_key_without_its_data_centre_is_one_line(
    publication: Publication,
    mailchimp: FakeMailchimp,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_issue(publication, '[publish.mc]\nkind = "mailchimp"\naudience = "a1b2c3d4e5"\n')
    monkeypatch.setenv("MAILCHIMP_API_KEY", "0123456789abcdef")
    assert digest(publication, "publish", "--to", "mc") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "$MAILCHIMP_API_KEY: not a Mailchimp API key, which ends in its data centre" in line
    assert "0123456789abcdef" not in line.split("(like")[0]


def test_a_draft_deleted_in_mailchimp_is_made_again_and_recorded(
    publication: Publication, mailchimp: FakeMailchimp
) -> None:
    built(publication, mailchimp)
    assert digest(publication, "publish", "--to", "mc") == 0
    mailchimp.campaigns.clear()
    assert digest(publication, "publish", "--to", "mc") == 0
    assert list(mailchimp.campaigns) == ["c0002"]
    assert record(publication)["profiles"]["mc"]["campaign_id"] == "c0002"
