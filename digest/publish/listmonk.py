"""listmonk (self-hosted lists): the issue as an HTML campaign through listmonk's API.

listmonk wraps a campaign's body in a campaign template; email.html is a whole email
already, so digest uses (and creates once) a template holding only
`{{ template "content" . }}`. Bodies, alt bodies and subjects are Go templates there: feed
text with `{{` in it is escaped as `{{"{{"}}`, and digest's links become listmonk's
`{{ UnsubscribeURL }}` and `{{ MessageURL }}`. API: https://listmonk.app/docs/apis/campaigns/
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formataddr
from typing import Any

from digest.config import Config, ListmonkProfile
from digest.errors import PublishError
from digest.publish import Campaign, Content, Finding, State, credential
from digest.publish.http import Http, json_message
from digest.publish.merge import MergeTags, link_findings, with_merge_tags

CONTENT_ONLY = '{{ template "content" . }}'
# listmonk's statuses: only a draft may change; any other means the sending has begun or ended
DRAFT_STATES = {"draft"}


def _escape(text: str) -> str:
    """Go template syntax in feed text, made to print itself."""
    return text.replace("{{", '{{"{{"}}')


TAGS = MergeTags(
    unsubscribe="{{ UnsubscribeURL }}",
    web_version="{{ MessageURL }}",
    escape_html=_escape,
    escape_text=_escape,
)


def tag(issue: str) -> str:
    """The tag the campaign carries, so it is found again by its issue: 'digest-weekly-2025-W40'."""
    return "digest-" + issue.replace("/", "-")


class Listmonk:
    """A listmonk server's campaign API, as one profile configures it."""

    def __init__(self, name: str, profile: ListmonkProfile, config: Config) -> None:
        self.profile, self.config = profile, config
        token = credential(profile.token_env, name, "listmonk API user's token")
        self.http = Http(
            base_url=profile.url + "api/",
            where=f"listmonk {profile.url}",
            profile=profile,
            auth=(profile.user, token),
            service_message=lambda response: json_message(response, "message"),
        )

    def prepare(self, content: Content) -> Content:
        """The copy listmonk gets: its tags in, Go template syntax in the text escaped."""
        return with_merge_tags(content, self.config, TAGS)

    def find_campaign(self, content: Content, record: dict[str, Any]) -> Campaign | None:
        recorded = str(record.get("campaign_id", ""))
        if recorded.isdigit():
            try:
                answer = self.http.json("GET", f"campaigns/{recorded}", params={"no_body": "true"})
                return _campaign(answer["data"])
            except PublishError as error:
                if error.status != 404:
                    raise  # deleted in listmonk: looked for by its tag, else made again
        found = self.http.json(
            "GET",
            "campaigns",
            params={"tags": tag(content.issue), "no_body": "true", "per_page": "all"},
        )["data"]["results"]
        mine = [item for item in found if item.get("name") == content.name]
        if not mine:
            return None
        return _campaign(min(mine, key=lambda item: int(item["id"])))  # the first made

    def create_or_update_draft(self, content: Content, campaign: Campaign | None) -> Campaign:
        body = {**self._fields(content), "template_id": self._template_id()}
        if campaign is None:
            answer = self.http.json(
                "POST",
                "campaigns",
                json_body=body,
                safe_to_retry=False,
                ambiguous="the campaign may have been made: run digest publish again, "
                "which finds it by its name and tag instead of making another",
            )
        else:
            answer = self.http.json("PUT", f"campaigns/{campaign.id}", json_body=body)
        return _campaign(answer["data"])

    def checklist(self, content: Content, campaign: Campaign) -> list[Finding]:
        data = self.http.json("GET", f"campaigns/{campaign.id}", params={"no_body": "true"})["data"]
        findings = link_findings(content, self.config, "listmonk")
        if str(data.get("status")) not in DRAFT_STATES:
            findings.append(
                Finding(
                    content.issue,
                    "error",
                    f"listmonk campaign {campaign.id} is {data.get('status')}, not a draft",
                )
            )
        lists = {
            int(item["id"] if isinstance(item, dict) else item) for item in data.get("lists") or []
        }
        missing = sorted(set(self.profile.lists) - lists)
        if missing:
            findings.append(
                Finding(
                    content.issue, "error", f"listmonk has no list {missing}: check publish lists"
                )
            )
        if data.get("to_send") == 0:
            findings.append(
                Finding(
                    content.issue,
                    "warning",
                    "listmonk counts no subscriber on the campaign's lists",
                )
            )
        return findings

    def send_test(self, content: Content, campaign: Campaign, addresses: list[str]) -> None:
        # listmonk's test takes the campaign's fields and the subscribers (who must exist there)
        body = {
            **self._fields(content),
            "template_id": self._template_id(),
            "subscribers": addresses,
        }
        self.http.request("POST", f"campaigns/{campaign.id}/test", json_body=body)

    def send(
        self, content: Content, campaign: Campaign, progress: Callable[[dict[str, Any]], None]
    ) -> Campaign:
        answer = self.http.json(
            "PUT",
            f"campaigns/{campaign.id}/status",
            json_body={"status": "running"},
            safe_to_retry=False,
            ambiguous=f"look at campaign {campaign.id} in listmonk; digest publish --send again "
            "asks listmonk first and never starts it twice",
        )
        return _campaign(answer["data"])

    def _fields(self, content: Content) -> dict[str, Any]:
        prepared = self.prepare(content)
        return {
            "name": content.name,
            "subject": prepared.subject,
            "lists": list(self.profile.lists),
            "from_email": formataddr((content.from_name, content.from_address)),
            "type": "regular",
            "content_type": "html",
            "messenger": "email",
            "body": prepared.html,
            "altbody": prepared.text,
            "tags": [tag(content.issue)],
        }

    def _template_id(self) -> int:
        """The content-only campaign template, made the first time."""
        templates = self.http.json("GET", "templates", params={"no_body": "false"})["data"]
        for template in templates or []:
            if template.get("name") == self.profile.template and template.get("type") == "campaign":
                if str(template.get("body", CONTENT_ONLY)).strip() != CONTENT_ONLY:
                    raise PublishError(
                        f"listmonk {self.profile.url}: template {self.profile.template!r} must hold "
                        f"only {CONTENT_ONLY} (email.html is a whole email, and would be wrapped "
                        "in the rest); make it so in listmonk, or name another in publish template"
                    )
                return int(template["id"])
        made = self.http.request(
            "POST",
            "templates",
            json_body={"name": self.profile.template, "type": "campaign", "body": CONTENT_ONLY},
        )
        return int(made.json()["data"]["id"])


def _campaign(data: dict[str, Any]) -> Campaign:
    status = str(data.get("status", "draft"))
    state: State = "draft" if status in DRAFT_STATES else "sent"
    return Campaign(
        id=str(data["id"]), state=state, name=str(data.get("name", "")), extra={"status": status}
    )
