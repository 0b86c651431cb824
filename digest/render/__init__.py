"""The render stage: an Issue becomes the files of its folder; summaries become the site and feed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

import jinja2

from digest.config import Config
from digest.model import Issue
from digest.render.context import issue_context, preheader, subject
from digest.render.email import render_email
from digest.render.environment import render_template
from digest.render.feed import render_feed
from digest.render.message import build_message
from digest.render.text import render_text
from digest.render.web import render_site_index

__all__ = ["IssueSummary", "render_issue", "render_site", "summarize_issue"]


@dataclass(frozen=True)
class IssueSummary:
    """What the feed and the site index need of an issue; stored as issue.json in its folder."""

    path: str  # "weekly/2025-W40": folder below out/ and tail of the web URL
    kind: str
    key: str
    title: str
    subject: str
    date: datetime  # timezone-aware, UTC
    preheader: str
    feed_html: str  # the issue as an HTML fragment for content:encoded, URLs absolute

    def to_json(self) -> bytes:
        fields = {**asdict(self), "date": self.date.isoformat()}
        return json.dumps(fields, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> IssueSummary:
        fields = json.loads(data)
        return cls(**{**fields, "date": datetime.fromisoformat(fields["date"])})


def summarize_issue(issue: Issue, config: Config, env: jinja2.Environment) -> IssueSummary:
    """The issue's entry in the feed and the site index."""
    feed_html = render_template(env, "feed_item.html.j2", **issue_context(issue, config, web=True))
    return IssueSummary(
        path=issue.path,
        kind=issue.kind,
        key=issue.key,
        title=issue.title,
        subject=subject(issue, config),
        date=issue.date,
        preheader=preheader(issue),
        feed_html=feed_html,
    )


def render_issue(issue: Issue, config: Config, env: jinja2.Environment) -> dict[str, bytes]:
    """The files of out/{issue.path}/, by name: the email, its text, the .eml, the web page, issue.json."""
    html = render_email(issue, config, env, web=False)
    text = render_text(issue, config, env)
    return {
        "email.html": html.encode(),
        "email.txt": text.encode(),
        "message.eml": build_message(issue, config, html, text),
        "index.html": render_email(issue, config, env, web=True).encode(),
        "issue.json": summarize_issue(issue, config, env).to_json(),
    }


def render_site(
    summaries: list[IssueSummary], config: Config, env: jinja2.Environment
) -> dict[str, bytes]:
    """The files of out/ itself: the archive page and the feed."""
    return {
        "index.html": render_site_index(summaries, config, env),
        "feed.xml": render_feed(summaries, config),
    }
