"""digest publish to listmonk (a fake checked against listmonk's OpenAPI file), and what every
service shares: idempotent drafts, never sending twice, merge tags, faults, credentials."""

from __future__ import annotations

import json
import re

import pytest
from pytest_httpserver import HTTPServer

from digest.config import Config
from digest.publish import Content
from digest.publish.listmonk import TAGS
from digest.publish.merge import with_merge_tags
from digest.write import locked
from tests.conftest import Publication
from tests.test_publish_fakes import (
    HOSTILE_TITLE,
    FakeListmonk,
    Fault,
    build_issue,
    digest,
    listmonk_fixture,  # noqa: F401 (the listmonk fixture)
    record,
)

LISTMONK = """
[publish.news]
kind = "listmonk"
url = "{url}"
user = "digest-api"
lists = [3]
backoff = 0.01
"""


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTMONK_TOKEN", "secret-token-value")


def built(publication: Publication, fake: FakeListmonk, **entry: str) -> None:
    build_issue(publication, LISTMONK.format(url=fake.url.removesuffix("api")), **entry)


def test_first_publish_makes_one_draft_with_the_content_only_template(
    publication: Publication, listmonk: FakeListmonk
) -> None:
    built(publication, listmonk)
    assert digest(publication, "publish", "--to", "news", "--issue", "weekly/2025-W40") == 0
    (campaign,) = listmonk.campaigns.values()
    assert campaign["status"] == "draft"
    assert campaign["name"] == "digest weekly/2025-W40"
    assert campaign["content_type"] == "html" and campaign["lists"] == [3]
    assert campaign["tags"] == ["digest-weekly-2025-W40"]
    template = next(t for t in listmonk.templates if t["id"] == campaign["template_id"])
    assert template["body"] == '{{ template "content" . }}'
    assert (
        "Lysosomes and T cells" in campaign["body"]
        and "Lysosomes and T cells" in campaign["altbody"]
    )
    assert listmonk.auth == {"digest-api:secret-token-value"}
    saved = record(publication)["profiles"]["news"]
    assert saved["campaign_id"] == str(campaign["id"]) and saved["state"] == "draft"
    assert "secret-token-value" not in json.dumps(record(publication))


def test_publishing_again_updates_the_same_draft_and_an_unchanged_issue_is_left_alone(
    publication: Publication, listmonk: FakeListmonk, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, listmonk)
    assert digest(publication, "publish", "--to", "news") == 0
    assert digest(publication, "publish", "--to", "news") == 0
    assert "is up to date" in capsys.readouterr().out
    assert listmonk.calls("PUT", r"/campaigns/\d+") == []
    built(publication, listmonk, summary="A second, better summary.")
    assert digest(publication, "publish", "--to", "news") == 0
    assert len(listmonk.campaigns) == 1
    (update,) = listmonk.calls("PUT", r"/campaigns/1")
    assert "A second, better summary." in update["body"]
    assert "A second, better summary." in listmonk.campaigns[1]["altbody"]


def test_a_run_killed_before_it_recorded_the_campaign_finds_it_by_its_tag(
    publication: Publication, listmonk: FakeListmonk
) -> None:
    built(publication, listmonk)
    assert digest(publication, "publish", "--to", "news") == 0
    # the state a kill between listmonk's answer and the record leaves: a campaign, no record
    (publication.root / "feeds" / "issues" / "2025-W40.published.json").unlink()
    assert digest(publication, "publish", "--to", "news") == 0
    assert len(listmonk.campaigns) == 1
    assert len(listmonk.calls("POST", "/campaigns")) == 1
    assert record(publication)["profiles"]["news"]["campaign_id"] == "1"


def test_feed_text_with_template_syntax_is_escaped_and_only_digest_s_tags_remain(
    publication: Publication, listmonk: FakeListmonk
) -> None:
    built(publication, listmonk, title=HOSTILE_TITLE)
    assert digest(publication, "publish", "--to", "news") == 0
    campaign = listmonk.campaigns[1]
    for part in (campaign["body"], campaign["altbody"], campaign["subject"]):
        actions = set(re.findall(r"\{\{.*?\}\}", part))
        assert actions <= {"{{ UnsubscribeURL }}", "{{ MessageURL }}", '{{"{{"}}'}, actions
    assert '{{"{{"}} .Subscriber.Email }}' in campaign["body"]
    assert 'href="{{ UnsubscribeURL }}"' in campaign["body"]
    assert 'href="{{ MessageURL }}"' in campaign["body"]
    assert "{{ UnsubscribeURL }}" in campaign["altbody"]
    built_html = (publication.root / "out/weekly/2025-W40/email.html").read_text()
    assert "https://digest.test/unsubscribe" in built_html  # the build's own file is untouched


def test_test_addresses_get_listmonk_s_own_test(
    publication: Publication, listmonk: FakeListmonk
) -> None:
    built(publication, listmonk)
    tests = ["--test", "ed@digest.test", "ada@digest.test", "--test", "cy@digest.test"]
    assert digest(publication, "publish", "--to", "news", *tests) == 0
    (test,) = listmonk.tests
    assert test["subscribers"] == ["ed@digest.test", "ada@digest.test", "cy@digest.test"]
    assert listmonk.campaigns[1]["status"] == "draft"


def test_send_needs_the_sign_off_and_never_sends_twice(
    publication: Publication, listmonk: FakeListmonk, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, listmonk)
    assert digest(publication, "publish", "--to", "news", "--send") == 8
    assert listmonk.campaigns == {}  # refused before anything reached listmonk
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    assert digest(publication, "publish", "--to", "news", "--send") == 0
    assert listmonk.campaigns[1]["status"] == "running"
    assert record(publication)["profiles"]["news"]["state"] == "sent"
    capsys.readouterr()
    requests = len(listmonk.requests)
    assert digest(publication, "publish", "--to", "news", "--send") == 1
    error = capsys.readouterr().err
    assert "already sent" in error and "never sends an issue twice" in error
    assert len(listmonk.requests) == requests  # not even asked


def test_a_campaign_started_in_listmonk_is_recorded_as_sent_and_not_changed(
    publication: Publication, listmonk: FakeListmonk, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, listmonk)
    assert digest(publication, "publish", "--to", "news") == 0
    listmonk.campaigns[1]["status"] = "finished"  # someone started it in listmonk itself
    built(publication, listmonk, summary="Changed after it went out.")
    assert digest(publication, "publish", "--to", "news") == 1
    assert "already sent" in capsys.readouterr().err
    assert "Changed after" not in listmonk.campaigns[1]["body"]
    assert record(publication)["profiles"]["news"]["state"] == "sent"


def test_a_429_is_retried_after_the_time_listmonk_asks_for(
    publication: Publication, listmonk: FakeListmonk
) -> None:
    built(publication, listmonk)
    listmonk.faults.append(
        Fault(429, {"message": "slow down"}, {"Retry-After": "1"}, "GET /api/templates")
    )
    assert digest(publication, "publish", "--to", "news") == 0
    assert len(listmonk.calls("GET", "/templates")) == 2
    assert len(listmonk.campaigns) == 1


def test_a_retry_after_longer_than_max_wait_fails_at_once_and_records_nothing(
    publication: Publication, listmonk: FakeListmonk, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, listmonk)
    listmonk.faults.append(Fault(429, {"message": "slow down"}, {"Retry-After": "3600"}))
    assert digest(publication, "publish", "--to", "news") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "HTTP 429: slow down" in line and "max_wait" in line
    assert not (publication.root / "feeds/issues/2025-W40.published.json").exists()


def test_a_refused_request_says_listmonk_s_own_message_in_one_line(
    publication: Publication, listmonk: FakeListmonk, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, listmonk)
    listmonk.faults.append(
        Fault(400, {"message": "invalid from_email."}, path="POST /api/campaigns")
    )
    assert digest(publication, "publish", "--to", "news") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert (
        line.startswith("error: listmonk http://127.0.0.1:")
        and "POST campaigns: HTTP 400: invalid from_email." in line
    )
    assert listmonk.campaigns == {}
    assert not (publication.root / "feeds/issues/2025-W40.published.json").exists()


def test_a_server_error_on_create_is_not_retried_blindly_and_the_next_run_finds_the_campaign(
    publication: Publication, listmonk: FakeListmonk, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, listmonk)
    assert digest(publication, "publish", "--to", "news") == 0
    (publication.root / "feeds/issues/2025-W40.published.json").unlink()
    listmonk.campaigns.clear()
    listmonk.faults.append(Fault(502, {"message": "Bad Gateway"}, path="POST /api/campaigns$"))
    assert digest(publication, "publish", "--to", "news") == 7
    assert "may have been made: run digest publish again" in capsys.readouterr().err
    assert digest(publication, "publish", "--to", "news") == 0
    assert len(listmonk.campaigns) == 1


def test_server_errors_elsewhere_are_retried_with_backoff(
    publication: Publication, listmonk: FakeListmonk
) -> None:
    built(publication, listmonk)
    listmonk.faults += [
        Fault(503, {"message": "down"}, path="GET /api/campaigns$") for _ in range(2)
    ]
    assert digest(publication, "publish", "--to", "news") == 0
    assert len(listmonk.calls("GET", "/campaigns")) == 3


def test_a_missing_token_is_one_line_naming_the_variable(
    publication: Publication,
    listmonk: FakeListmonk,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    built(publication, listmonk)
    monkeypatch.delenv("LISTMONK_TOKEN")
    assert digest(publication, "publish", "--to", "news") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "$LISTMONK_TOKEN is not set" in line
    assert listmonk.requests == []


def test_an_unknown_profile_names_the_configured_ones(
    publication: Publication, listmonk: FakeListmonk, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, listmonk)
    assert digest(publication, "publish", "--to", "newsletter") == 2
    assert "no [publish.newsletter] table (configured: news)" in capsys.readouterr().err


def test_the_week_from_build_to_sent(
    publication: Publication, listmonk: FakeListmonk, capsys: pytest.CaptureFixture[str]
) -> None:
    """Build, approve, publish the draft, edit an entry, rebuild, publish again (the same draft
    is updated), send, and publish again (refused: already sent)."""
    built(publication, listmonk)
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    assert digest(publication, "publish", "--to", "news") == 0
    built(publication, listmonk, summary="Edited on Monday morning.")
    assert digest(publication, "publish", "--to", "news") == 0
    assert list(listmonk.campaigns) == [1]
    assert "Edited on Monday morning." in listmonk.campaigns[1]["body"]
    assert digest(publication, "publish", "--to", "news", "--send") == 8  # changed since approved
    assert listmonk.campaigns[1]["status"] == "draft"
    assert digest(publication, "approve", "--issue", "weekly/2025-W40", "--by", "Ada") == 0
    assert digest(publication, "publish", "--to", "news", "--send") == 0
    assert listmonk.campaigns[1]["status"] == "running"
    capsys.readouterr()
    assert digest(publication, "publish", "--to", "news") == 1
    assert "already sent through 'news' (listmonk campaign 1)" in capsys.readouterr().err
    assert len(listmonk.campaigns) == 1
    assert len(listmonk.calls("PUT", r"/campaigns/1/status")) == 1


def test_a_url_that_answers_a_web_page_is_one_line(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request(re.compile(".*")).respond_with_data(
        "<html>Sign in</html>", content_type="text/html"
    )
    build_issue(publication, LISTMONK.format(url=httpserver.url_for("/")))
    assert digest(publication, "publish", "--to", "news") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "GET campaigns: the answer is not JSON (text/html" in line
    assert "is the profile's URL the service's API?" in line


@pytest.mark.parametrize(
    "answer",
    [
        "[1, 2, 3]",  # a list where listmonk answers an object
        '{"data": {"results": []}}',  # templates: an object where listmonk answers a list
        '{"data": {"results": [{"id": "abc", "name": "digest weekly/2025-W40"}]}}',  # an id
    ],
)
def test_an_answer_of_another_shape_is_one_line_and_records_nothing(
    publication: Publication,
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
    answer: str,
) -> None:
    httpserver.expect_request(re.compile(".*")).respond_with_data(
        answer, content_type="application/json"
    )
    build_issue(publication, LISTMONK.format(url=httpserver.url_for("/")))
    assert digest(publication, "publish", "--to", "news", "--issue", "weekly/2025-W40") == 7
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: publish.news: listmonk answered in a shape digest does not know")
    assert not (publication.root / "feeds" / "issues" / "2025-W40.published.json").exists()


def test_a_mistyped_profile_is_named_by_its_key_with_the_closest_one(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    publication.configure(
        """
        [publish.news]
        kind = "listmonk"
        url = "https://lists.example.org"
        user = "digest"
        lsts = [3]

        [publish.other]
        kind = "sendgrid"
        """
    )
    assert digest(publication, "publish", "--to", "news") == 3
    error = capsys.readouterr().err
    assert "publish.news.lsts: unknown key; did you mean 'lists'?" in error
    assert "publish.news.lists: missing (required)" in error
    assert "publish.other.kind: expected one of listmonk, mailchimp, ses" in error


def test_only_the_links_digest_wrote_become_tags() -> None:
    settings = Config.model_validate(
        {
            "publication": {"title": "T", "url": "https://digest.test/", "timezone": "UTC"},
            "email": {"unsubscribe_url": "https://digest.test/unsubscribe"},
        }
    )
    web = "https://digest.test/weekly/2025-W40/"
    html = (
        f'<a href="{web}">View in your browser</a> <a href="{web}events.ics">All events</a> '
        '<a href="https://digest.test/unsubscribe">Unsubscribe</a> '
        '<a href="https://digest.test/unsubscribe-help">Help</a>'
    )
    text = f"View in your browser: {web}\nAll events: {web}events.ics\nUnsubscribe: https://digest.test/unsubscribe\n"
    content = Content(
        "weekly/2025-W40",
        "digest weekly/2025-W40",
        "S",
        html,
        text,
        b"",
        "T",
        "a@digest.test",
        "a@digest.test",
    )
    tagged = with_merge_tags(content, settings, TAGS)
    assert tagged.html == (
        '<a href="{{ MessageURL }}">View in your browser</a> '
        f'<a href="{web}events.ics">All events</a> '
        '<a href="{{ UnsubscribeURL }}">Unsubscribe</a> '
        '<a href="https://digest.test/unsubscribe-help">Help</a>'
    )
    assert tagged.text == (
        "View in your browser: {{ MessageURL }}\n"
        f"All events: {web}events.ics\nUnsubscribe: {{{{ UnsubscribeURL }}}}\n"
    )


def test_a_build_under_way_makes_publish_wait_its_turn(
    publication: Publication, listmonk: FakeListmonk, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, listmonk)
    with locked(publication.root):  # as a build or fetch holds it (the archive's folder)
        assert digest(publication, "publish", "--to", "news") == 6
    assert "another digest build or fetch is running" in capsys.readouterr().err
    assert listmonk.requests == []
    assert digest(publication, "publish", "--to", "news") == 0


def test_a_draft_deleted_in_listmonk_is_made_again_and_recorded(
    publication: Publication, listmonk: FakeListmonk
) -> None:
    built(publication, listmonk)
    assert digest(publication, "publish", "--to", "news") == 0
    listmonk.campaigns.clear()  # someone deleted the draft in listmonk
    built(publication, listmonk, summary="Now with more.")
    assert digest(publication, "publish", "--to", "news") == 0
    assert list(listmonk.campaigns) == [2]
    assert "Now with more." in listmonk.campaigns[2]["body"]
    assert record(publication)["profiles"]["news"]["campaign_id"] == "2"


def test_a_template_of_that_name_that_wraps_the_content_is_refused(
    publication: Publication, listmonk: FakeListmonk, capsys: pytest.CaptureFixture[str]
) -> None:
    built(publication, listmonk)
    listmonk.templates.append(
        {
            "id": 9,
            "name": "digest: content only",
            "type": "campaign",
            "body": '<div>{{ template "content" . }}</div>',
        }
    )
    assert digest(publication, "publish", "--to", "news") == 7
    assert 'must hold only {{ template "content" . }}' in capsys.readouterr().err
    assert listmonk.campaigns == {}


def test_the_content_only_template_is_made_once(
    publication: Publication, listmonk: FakeListmonk
) -> None:
    built(publication, listmonk)
    assert digest(publication, "publish", "--to", "news") == 0
    built(publication, listmonk, summary="Another.")
    assert digest(publication, "publish", "--to", "news") == 0
    assert len(listmonk.calls("POST", "/templates")) == 1
    assert listmonk.campaigns[1]["template_id"] == 2
