"""Mailchimp: the issue as a regular campaign through the Marketing API v3.

The campaign's title (Mailchimp's internal name) is `digest weekly/2025-W40`, which is how a
run killed between creating it and recording its id finds it again. digest's links become
`*|UNSUB|*` and `*|ARCHIVE|*`; a `*|` in feed text is escaped (`*&#124;` in HTML, a zero-width
space in text) so that no story is read as a merge tag.
Reference: https://mailchimp.com/developer/marketing/api/campaigns/
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from digest.config import Config, MailchimpProfile
from digest.errors import PublishError
from digest.publish import Campaign, Content, Finding, State, credential
from digest.publish.http import Http, one_line
from digest.publish.merge import MergeTags, link_findings, with_merge_tags

if TYPE_CHECKING:
    import httpx

DRAFT_STATES = {"save"}  # Mailchimp's word for a draft; schedule, sending, sent: it is going out
PAGE = 1000  # the most campaigns one list request returns


TAGS = MergeTags(
    unsubscribe="*|UNSUB|*",
    web_version="*|ARCHIVE|*",
    escape_html=lambda text: text.replace("*|", "*&#124;"),
    escape_text=lambda text: text.replace("*|", "*\u200b|"),
)


def data_centre(key: str, variable: str) -> str:
    """'us21' from a key '…-us21': the API's host is that data centre's."""
    match = re.fullmatch(r"[0-9a-f]+-([a-z]+[0-9]+)", key.strip())
    if not match:
        raise PublishError(
            f"${variable}: not a Mailchimp API key, which ends in its data centre "
            "(like 0123…cdef-us21); copy the whole key from Account -> Extras -> API keys"
        )
    return match.group(1)


def error_message(response: httpx.Response) -> str:
    """Mailchimp's problem document: its title, detail and each field's error."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason_phrase
    if not isinstance(body, dict):
        return response.reason_phrase
    parts = [str(body[key]) for key in ("title", "detail") if body.get(key)]
    for item in body.get("errors") or []:
        if isinstance(item, dict):
            parts.append(f"{item.get('field') or 'field'}: {item.get('message', '')}")
    return one_line(": ".join(parts)) or response.reason_phrase


class Mailchimp:
    """A Mailchimp account's campaigns, as one profile configures them."""

    def __init__(self, name: str, profile: MailchimpProfile, config: Config) -> None:
        self.profile, self.config = profile, config
        key = credential(profile.api_key_env, name, "Mailchimp API key")
        base = (
            profile.api_url
            or f"https://{data_centre(key, profile.api_key_env)}.api.mailchimp.com/3.0/"
        )
        base = base.rstrip("/") + "/"
        self.http = Http(
            base_url=base,
            where=f"Mailchimp {base}",
            profile=profile,
            auth=("digest", key),
            service_message=error_message,
        )

    def find_campaign(self, content: Content, record: dict[str, Any]) -> Campaign | None:
        recorded = str(record.get("campaign_id", ""))
        if recorded:
            try:
                data = self.http.json(
                    "GET", f"campaigns/{recorded}", params={"fields": "id,status,settings.title"}
                )
                return _campaign(data)
            except PublishError as error:
                if error.status != 404:
                    raise  # deleted in Mailchimp: looked for by its title, else made again
        offset, found = 0, []
        while True:
            page = self.http.json(
                "GET",
                "campaigns",
                params={
                    "list_id": self.profile.audience,
                    "count": PAGE,
                    "offset": offset,
                    "fields": "campaigns.id,campaigns.status,campaigns.settings.title,total_items",
                },
            )
            campaigns = page.get("campaigns") or []
            found += [
                item
                for item in campaigns
                if (item.get("settings") or {}).get("title") == content.name
            ]
            offset += len(campaigns)
            if not campaigns or offset >= int(page.get("total_items", 0)):
                break
        return _campaign(found[0]) if found else None

    def create_or_update_draft(self, content: Content, campaign: Campaign | None) -> Campaign:
        prepared = with_merge_tags(content, self.config, TAGS)
        fields = {
            "recipients": {"list_id": self.profile.audience},
            "settings": {
                "subject_line": prepared.subject,
                "title": content.name,
                "from_name": content.from_name,
                "reply_to": content.reply_to,
            },
        }
        if campaign is None:
            created = self.http.json(
                "POST",
                "campaigns",
                json_body={"type": "regular", **fields},
                safe_to_retry=False,
                ambiguous="the campaign may have been made: run digest publish again, "
                f"which finds it by its title {content.name!r} instead of making another",
            )
            campaign = _campaign(created)
        else:
            self.http.request("PATCH", f"campaigns/{campaign.id}", json_body=fields)
        self.http.request(
            "PUT",
            f"campaigns/{campaign.id}/content",
            json_body={"html": prepared.html, "plain_text": prepared.text},
        )
        return campaign

    def checklist(self, content: Content, campaign: Campaign) -> list[Finding]:
        checklist = self.http.json("GET", f"campaigns/{campaign.id}/send-checklist")
        findings = link_findings(content, self.config, "Mailchimp")
        for item in checklist.get("items") or []:
            kind = item.get("type")
            if kind in ("error", "warning"):
                words = ": ".join(str(item[key]) for key in ("heading", "details") if item.get(key))
                findings.append(Finding(content.issue, kind, f"Mailchimp: {one_line(words)}"))
        return findings

    def send_test(self, content: Content, campaign: Campaign, addresses: list[str]) -> None:
        self.http.request(
            "POST",
            f"campaigns/{campaign.id}/actions/test",
            json_body={"test_emails": addresses, "send_type": "html"},
        )

    def send(
        self, content: Content, campaign: Campaign, progress: Callable[[dict[str, Any]], None]
    ) -> Campaign:
        self.http.request(
            "POST",
            f"campaigns/{campaign.id}/actions/send",
            safe_to_retry=False,
            ambiguous=f"look at campaign {campaign.id} in Mailchimp; digest publish --send "
            "again asks Mailchimp first and never sends it twice",
        )
        return Campaign(campaign.id, "sent", campaign.name, {"status": "sending"})


def _campaign(data: dict[str, Any]) -> Campaign:
    status = str(data.get("status", "save"))
    title = str((data.get("settings") or {}).get("title", ""))
    state: State = "draft" if status in DRAFT_STATES else "sent"
    return Campaign(id=str(data["id"]), state=state, name=title, extra={"status": status})
