"""digest publish to listmonk (a fake checked against listmonk's OpenAPI file), and what every
service shares: idempotent drafts, never sending twice, merge tags, faults, credentials."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import Publication
from tests.test_publish_fakes import (
    HOSTILE_TITLE,
    Fault,
    FakeListmonk,
    build_issue,
    digest,
    listmonk,  # noqa: F401 (a fixture)
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
    assert "Lysosomes and T cells" in campaign["body"] and "Lysosomes and T cells" in campaign["altbody"]
    assert listmonk.auth == {"digest-api:secret-token-value"}
    saved = record(publication)["profiles"]["news"]
    assert saved["campaign_id"] == str(campaign["id"]) and saved["state"] == "draft"
    assert "secret-token-value" not in json.dumps(record(publication))
