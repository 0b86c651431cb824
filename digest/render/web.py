"""out/index.html: the web archive listing every issue, rebuilt from their issue.json summaries.

The site index links relatively (`weekly/2025-W40/index.html`, `media/…-logo.png`), so
`out/` works opened from disk as well as published; the feed and the emails keep
absolute URLs, which is all a feed reader or a mail client can follow.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

import jinja2

from digest import assets, paths
from digest.config import Config
from digest.render.context import logo
from digest.render.environment import render_template

if TYPE_CHECKING:
    from digest.render import IssueSummary

TEMPLATE = "site_index.html.j2"


def render_site_index(
    summaries: list[IssueSummary], config: Config, env: jinja2.Environment
) -> bytes:
    """Issues newest first, grouped by the year in their key ("2025-W40" and "2025" -> 2025)."""
    newest_first = sorted(summaries, key=lambda summary: (summary.date, summary.path), reverse=True)
    years: dict[str, list[IssueSummary]] = {}
    for summary in newest_first:
        years.setdefault(summary.key[:4], []).append(summary)
    site_url = config.publication.url
    shown_logo = logo(config)
    if shown_logo and config.publication.logo and not assets.is_remote(config.publication.logo):
        shown_logo = replace(shown_logo, url=shown_logo.url.removeprefix(site_url))
    html = render_template(
        env,
        TEMPLATE,
        config=config,
        publication=config.publication,
        site_url=site_url,
        feed_url=paths.FEED,
        web_page=paths.WEB_PAGE,
        logo=shown_logo,
        years=sorted(years.items(), reverse=True),
    )
    return html.encode()


def for_disk(html: str, issue_path: str, site_url: str) -> str:
    """An issue's web version with its images in media/ and its links to the site index and
    feed made relative, so that it also works opened from disk; everything else (links to
    other pages, calendar files) stays absolute, as in the email."""
    up = paths.to_site_root(issue_path)
    site = re.escape(site_url)
    media = re.escape(paths.media_file(""))
    html = re.sub(rf'(\s(?:src|href)=")(?:{site})({media}[^"]*")', rf"\g<1>{up}\g<2>", html)
    html = re.sub(rf'(\shref="){site}({re.escape(paths.FEED)}")', rf"\g<1>{up}\g<2>", html)
    return re.sub(rf'(\shref="){site}"', rf'\g<1>{up}{paths.SITE_INDEX}"', html)
