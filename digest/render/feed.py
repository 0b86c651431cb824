"""The RSS 2.0 feed of all issues, rebuilt from their issue.json summaries; deterministic."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from feedgen.feed import FeedGenerator

from digest.config import Config
from digest.paths import FEED, issue_web_url, web_url

if TYPE_CHECKING:
    from digest.render import IssueSummary

# An empty feed still needs a lastBuildDate; "now" would make every build differ.
EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=UTC)
# What XML cannot hold, and lxml refuses with a ValueError. The sanitiser keeps it out of new
# entries; an issue.json or archive written before it did must not stop the feed.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def render_feed(summaries: list[IssueSummary], config: Config) -> bytes:
    """feed.xml: newest issue first; lastBuildDate is the newest issue's date, never the clock."""
    site_url = config.publication.url
    newest_first = sorted(summaries, key=lambda summary: (summary.date, summary.path), reverse=True)
    feed = FeedGenerator()
    feed.title(config.publication.title)
    feed.link(href=web_url(site_url, FEED), rel="self", type="application/rss+xml")
    feed.link(href=site_url, rel="alternate")  # last: feedgen uses the last link as the RSS <link>
    feed.description(html.escape(config.publication.description or config.publication.title))
    feed.language(config.publication.language)
    feed.generator("digest")
    feed.lastBuildDate(newest_first[0].date if newest_first else EMPTY_FEED_DATE)
    for summary in newest_first:
        url = issue_web_url(site_url, summary.path)
        item = feed.add_entry(order="append")
        item.title(_xml_text(summary.title))
        item.link(href=url)
        item.guid(url, permalink=True)
        item.pubDate(summary.date)
        # escaped text, not CDATA: the HTML may contain "]]>"
        item.content(_xml_text(summary.feed_html))
        if summary.preheader:
            # readers render description as HTML
            item.description(html.escape(_xml_text(summary.preheader)))
    return feed.rss_str(pretty=True)
