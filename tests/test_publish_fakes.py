"""Fakes of listmonk and Mailchimp on 127.0.0.1 that check every request, and their own
answers, against the services' API descriptions (tests/data/) with openapi-core.

There is no listmonk or Mailchimp server to run here, so these keep the little state digest
needs (campaigns, templates, tests asked for, sends) and answer as the references say. A
request the description does not allow is answered 400 and remembered in `violations`, which
every test using a fake asserts empty at its end.
"""

from __future__ import annotations

import base64
import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest.cli import main
from tests.conftest import Publication

DATA = Path(__file__).parent / "data"


@dataclass
class Fault:
    """An answer to give instead of the real one, to the next request matching `path`."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    path: str = ""  # a regular expression over "METHOD /path"; "" matches any


class Fake:
    """A service on 127.0.0.1: every request validated, answered by `answer`."""

    description: str
    prefix: str
    problem_type = "application/json"

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        spec = yaml.safe_load((DATA / self.description).read_text(encoding="utf-8"))
        spec["servers"] = [{"url": server.url_for(self.prefix)}]
        self.openapi = OpenAPI.from_dict(spec)
        self.requests: list[tuple[str, str, Any]] = []  # method, path, JSON body
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.auth: set[str] = set()
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for(self.prefix)

    def _handle(self, request: Request) -> Response:
        what = f"{request.method} {request.path}"
        try:
            self.openapi.validate_request(WerkzeugOpenAPIRequest(request))
        except Exception as error:  # openapi-core's validation errors say what is wrong
            cause = getattr(error, "__cause__", None)
            self.violations.append(f"{what}: {error}: {cause}")
            return self.respond(400, {"message": f"invalid request: {error}"})
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            self.auth.add(base64.b64decode(header[6:]).decode())
        body = request.get_json(silent=True) if request.data else None
        self.requests.append((request.method, request.path.removeprefix(self.prefix), body))
        for fault in self.faults:
            if re.search(fault.path, what):
                self.faults.remove(fault)
                return self.respond(fault.status, fault.body, fault.headers, problem=True)
        status, answer = self.answer(
            request.method, request.path.removeprefix(self.prefix), request.args, body
        )
        response = self.respond(status, answer)
        if status < 400:
            try:
                self.openapi.validate_response(
                    WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
                )
            except Exception as error:
                self.violations.append(f"{what}: the fake's own answer: {error}")
        return response

    def respond(
        self, status: int, body: Any, headers: dict[str, str] | None = None, problem: bool = False
    ) -> Response:
        if status == 204:
            return Response(status=204, headers=headers or {})
        kind = self.problem_type if problem or status >= 400 else "application/json"
        return Response(json.dumps(body), status=status, headers=headers or {}, content_type=kind)

    def answer(self, method: str, path: str, args: Any, body: Any) -> tuple[int, Any]:
        raise NotImplementedError

    def calls(self, method: str, pattern: str) -> list[Any]:
        """The JSON bodies of the requests whose path matches `pattern` wholly."""
        return [b for m, p, b in self.requests if m == method and re.fullmatch(pattern, p)]


class FakeListmonk(Fake):
    """listmonk's campaign and template API (docs/swagger/collections.yaml)."""

    description = "listmonk-collections.yaml"
    prefix = "/api"

    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server)
        self.campaigns: dict[int, dict[str, Any]] = {}
        self.templates: list[dict[str, Any]] = [
            {
                "id": 1,
                "name": "Default campaign template",
                "type": "campaign",
                "body": '<html>{{ template "content" . }}</html>',
                "is_default": True,
            }
        ]
        self.tests: list[dict[str, Any]] = []
        self.made = 0  # campaigns made so far

    def answer(self, method: str, path: str, args: Any, body: Any) -> tuple[int, Any]:
        if (method, path) == ("GET", "/templates"):
            return 200, {"data": self.templates}
        if (method, path) == ("POST", "/templates"):
            template = {"id": len(self.templates) + 1, **body, "is_default": False}
            self.templates.append(template)
            return 200, {"data": template}
        if (method, path) == ("GET", "/campaigns"):
            wanted = set(args.getlist("tags"))
            found = [c for c in self.campaigns.values() if wanted <= set(c["tags"])]
            return 200, {
                "data": {
                    "results": [self.public(c) for c in found],
                    "total": len(found),
                    "page": 1,
                    "per_page": 0,
                    "query": "",
                }
            }
        if (method, path) == ("POST", "/campaigns"):
            if not body.get("lists") or not body.get("name") or not body.get("subject"):
                return 400, {"message": "invalid campaign: name, subject and lists are required"}
            number = self.made = self.made + 1  # ids are never given twice, as in listmonk
            self.campaigns[number] = {
                **body,
                "id": number,
                "status": "draft",
                "uuid": f"uuid-{number}",
                "to_send": 3,
            }
            return 200, {"data": self.public(self.campaigns[number], body=True)}
        match = re.fullmatch(r"/campaigns/(\d+)(/status|/test)?", path)
        if not match or int(match[1]) not in self.campaigns:
            return 404, {"message": "Campaign not found."}
        campaign = self.campaigns[int(match[1])]
        if match[2] is None and method == "GET":
            return 200, {"data": self.public(campaign)}
        if match[2] is None and method == "PUT":
            if campaign["status"] != "draft":
                return 400, {"message": "Only draft campaigns can be edited."}
            campaign.update(body)
            return 200, {"data": self.public(campaign, body=True)}
        if match[2] == "/status":
            if campaign["status"] != "draft":
                return 400, {"message": "Only draft or scheduled campaigns can be started."}
            campaign["status"] = body["status"]
            return 200, {"data": self.public(campaign)}
        self.tests.append({"campaign": campaign["id"], **body})
        return 200, {"data": True}

    def public(self, campaign: dict[str, Any], body: bool = False) -> dict[str, Any]:
        """A campaign as listmonk answers it: its lists as objects, the body only when asked."""
        shown = {k: v for k, v in campaign.items() if k not in ("altbody", "body") or body}
        if not body:  # the Campaign schema lists objects; CampaignUpdate (with the body) ids
            shown["lists"] = [{"id": int(n), "name": f"List {n}"} for n in campaign["lists"]]
        return shown


class FakeMailchimp(Fake):
    """Mailchimp's campaign endpoints (tests/data/mailchimp-marketing-subset.yaml)."""

    description = "mailchimp-marketing-subset.yaml"
    prefix = "/3.0"
    problem_type = "application/problem+json"

    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server)
        self.campaigns: dict[str, dict[str, Any]] = {}
        self.checklist: list[dict[str, Any]] = [
            {
                "type": "success",
                "id": 1,
                "heading": "List",
                "details": "MailChimp will deliver this to the Test audience.",
            }
        ]
        self.tests: list[dict[str, Any]] = []
        self.made = 0  # campaigns made so far

    def answer(self, method: str, path: str, args: Any, body: Any) -> tuple[int, Any]:
        if (method, path) == ("GET", "/campaigns"):
            found = [
                c
                for c in self.campaigns.values()
                if c["recipients"]["list_id"] == args.get("list_id")
            ]
            offset, count = int(args.get("offset", 0)), int(args.get("count", 10))
            page = [self.public(c) for c in found[offset : offset + count]]
            return 200, {"campaigns": page, "total_items": len(found)}
        if (method, path) == ("POST", "/campaigns"):
            self.made += 1
            number = f"c{self.made:04d}"
            self.campaigns[number] = {"id": number, "status": "save", **body}
            return 200, self.public(self.campaigns[number])
        match = re.fullmatch(
            r"/campaigns/(\w+)(/content|/send-checklist|/actions/test|/actions/send)?", path
        )
        if not match or match[1] not in self.campaigns:
            return 404, self.problem(
                404, "Resource Not Found", "The requested resource could not be found."
            )
        campaign = self.campaigns[match[1]]
        part = match[2]
        if part is None and method == "GET":
            return 200, self.public(campaign)
        if part is None and method == "PATCH":
            if campaign["status"] != "save":
                return 400, self.problem(
                    400, "Bad Request", "This campaign cannot be updated: it was sent."
                )
            campaign.update(body)
            return 200, self.public(campaign)
        if part == "/content":
            if campaign["status"] != "save":
                return 400, self.problem(
                    400, "Bad Request", "This campaign's content cannot be changed: it was sent."
                )
            campaign["content"] = body
            return 200, body
        if part == "/send-checklist":
            ready = all(item["type"] != "error" for item in self.checklist)
            return 200, {"is_ready": ready, "items": self.checklist}
        if part == "/actions/test":
            self.tests.append({"campaign": campaign["id"], **body})
            return 204, None
        if campaign["status"] != "save":
            return 400, self.problem(400, "Bad Request", "Your campaign has already been sent.")
        campaign["status"] = "sent"
        return 204, None

    def public(self, campaign: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in campaign.items() if k != "content"}

    @staticmethod
    def problem(status: int, title: str, detail: str) -> dict[str, Any]:
        return {
            "type": "https://mailchimp.com/developer/marketing/docs/errors/",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": "a1b2c3",
        }


@pytest.fixture(name="listmonk")
def listmonk_fixture() -> Iterator[FakeListmonk]:
    server = HTTPServer(host="127.0.0.1")
    server.start()
    fake = FakeListmonk(server)
    yield fake
    server.clear()
    server.stop()
    assert fake.violations == []


@pytest.fixture(name="mailchimp")
def mailchimp_fixture() -> Iterator[FakeMailchimp]:
    server = HTTPServer(host="127.0.0.1")
    server.start()
    fake = FakeMailchimp(server)
    yield fake
    server.clear()
    server.stop()
    assert fake.violations == []


HOSTILE_TITLE = 'Join {{ template "x" }} or {{ .Subscriber.Email }} and *|EMAIL|* *|IF:X|*'

ENTRY = """
---
title: {title}
date: 2025-10-01T10:00
summary: {summary}
link: https://news.test/story
---
The body of the story.
"""


def build_issue(
    publication: Publication,
    extra: str,
    title: str = "Lysosomes and T cells",
    summary: str = "A first summary.",
    sender: str = "news@digest.test",
) -> None:
    """A publication with one entry in 2025-W40, its profiles in `extra`, built."""
    publication.configure(
        textwrap.dedent(
            f"""
            [email]
            from_address = "{sender}"
            reply_to = "office@digest.test"
            unsubscribe_url = "https://digest.test/unsubscribe"
            """
        )
        + textwrap.dedent(extra)
    )
    publication.entry(
        "story.md", ENTRY.format(title=json.dumps(title), summary=json.dumps(summary))
    )
    assert main(["build", "--config", str(publication.root), "--quiet", "--week", "2025-W40"]) == 0


def digest(publication: Publication, *arguments: str) -> int:
    return int(main([arguments[0], "--config", str(publication.root), *arguments[1:]]))


def record(publication: Publication) -> dict[str, Any]:
    path = publication.root / "feeds" / "issues" / "2025-W40.published.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))
