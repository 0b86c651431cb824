"""out/index.html: the web archive listing every issue, rebuilt from their issue.json summaries.

The site index links relatively (`weekly/2025-W40/index.html`, `media/…-logo.png`), so
`out/` works opened from disk as well as published; the feed and the emails keep
absolute URLs, which is all a feed reader or a mail client can follow. Its head and frame
are the issues' web pages' own (web_base.html.j2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jinja2

from digest.config import Config
from digest.render.context import logo
from digest.render.environment import render_template
from digest.render.page import page_links

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
    shown_logo = logo(config)  # absolute: og:image needs it so; the page shows it by on_site()
    html = render_template(
        env,
        TEMPLATE,
        config=config,
        publication=config.publication,
        site_url=site_url,
        **page_links(config, root=""),
        page_title=config.publication.title,
        description=config.publication.description,
        canonical_url=site_url,
        og_type="website",
        og_image=shown_logo,
        logo=shown_logo,
        years=sorted(years.items(), reverse=True),
    )
    return html.encode()
