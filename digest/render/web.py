"""out/index.html: the web archive listing every issue, rebuilt from their issue.json summaries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import jinja2

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
    html = render_template(
        env,
        TEMPLATE,
        config=config,
        publication=config.publication,
        site_url=site_url,
        feed_url=f"{site_url}feed.xml",
        logo=logo(config),
        years=sorted(years.items(), reverse=True),
    )
    return html.encode()
