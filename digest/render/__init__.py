"""The render stage: an Issue becomes the files of its folder; summaries become the site and feed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import jinja2

from digest.catalog import IssueSummary
from digest.config import Config
from digest.images import media_shown
from digest.model import Issue
from digest.paths import EMAIL, FEED, MESSAGE, SITE_INDEX, SUMMARY, TEXT, WEB_PAGE
from digest.render.calendar import calendar_files
from digest.render.context import issue_context, preheader, subject
from digest.render.email import render_email
from digest.render.environment import render_template
from digest.render.feed import render_feed
from digest.render.message import build_message
from digest.render.page import render_web_page, with_neighbours
from digest.render.text import render_text
from digest.render.translation import localized
from digest.render.web import render_site_index

__all__ = [
    "IssueSummary",
    "render_issue",
    "render_site",
]


def _summary(
    issue: Issue,
    config: Config,
    env: jinja2.Environment,
    inputs: str,
    files: tuple[str, ...],
    pages: list[bytes],
) -> IssueSummary:
    """The (localized) issue's entry in the feed and the site index; its files, and the
    out/media/ files its `pages` and feed entry show."""
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
        inputs=inputs,
        files=files,
        media=media_shown(pages, feed_html),
    )


def render_issue(
    issue: Issue, config: Config, env: jinja2.Environment, inputs: str = ""
) -> dict[str, bytes]:
    """The files of out/{issue.path}/, by name: the email, its text, the .eml, the web page,
    issue.json, and with upcoming events events.ics and events/<name>.ics."""
    issue = localized(issue, config)  # titles in the publication's language
    html = render_email(issue, config, env, web=False)
    text = render_text(issue, config, env)
    files = {
        EMAIL: html.encode(),
        TEXT: text.encode(),
        MESSAGE: build_message(issue, config, html, text),
        WEB_PAGE: render_web_page(issue, config, env).encode(),
        **calendar_files(issue, config),
    }
    names = tuple(sorted([*files, SUMMARY]))
    pages = [data for name, data in files.items() if name != MESSAGE]  # the .eml: them encoded
    files[SUMMARY] = _summary(issue, config, env, inputs, names, pages).to_json()
    return files


def render_site(
    summaries: list[IssueSummary],
    config: Config,
    env: jinja2.Environment,
    pages: Mapping[str, bytes] | None = None,
    built: Iterable[IssueSummary] = (),
) -> dict[str, bytes]:
    """The files of out/ itself: the archive page and the feed; and the web pages of `pages`
    (by issue path) with their links to the previous and next of the published `summaries`
    (`built` adds issues not published yet, which link back to those)."""
    return {
        SITE_INDEX: render_site_index(summaries, config, env),
        FEED: render_feed(summaries, config),
        **with_neighbours(
            pages or {},
            [*summaries, *built],
            [summary.path for summary in summaries],
            config,
            env,
        ),
    }
