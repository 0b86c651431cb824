"""An issue's web version, out/<kind>/<key>/index.html: the issue as a web page of its own.

The page is rendered with the issue (web_issue.html.j2); its links to the previous and next
issue are filled in when the site index is written (`with_neighbours`), because they change
whenever an issue is added, and an issue whose own inputs did not change is not rendered again.
Links to digest's own files are relative, so that out/ reads the same from disk as published;
the canonical URL, Open Graph's URLs and the calendar files stay absolute.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import jinja2

from digest import paths
from digest.config import Config
from digest.model import Image, Issue
from digest.render.context import issue_context
from digest.render.environment import render_template

if TYPE_CHECKING:
    from digest.catalog import IssueSummary

TEMPLATE = "web_issue.html.j2"
ISSUES_TEMPLATE = "web_issues.html.j2"

# What web_issue.html.j2 writes around web_issues.html.j2, and with_neighbours replaces
ISSUES_START = "<!-- digest:issues -->"
ISSUES_END = "<!-- /digest:issues -->"
_ISSUES = re.compile(re.escape(ISSUES_START) + ".*?" + re.escape(ISSUES_END), re.DOTALL)
_URL_ATTRIBUTE = re.compile(r'(\s(?:src|href)=")([^"]*)(")')
_QUERY_OR_FRAGMENT = re.compile(r"[?#]")

Neighbours = tuple["IssueSummary | None", "IssueSummary | None"]  # older, newer


def render_web_page(issue: Issue, config: Config, env: jinja2.Environment) -> str:
    """The issue's web page, with no previous or next issue yet (see `with_neighbours`)."""
    context = issue_context(issue, config, web=True)
    return render_template(
        env,
        TEMPLATE,
        **context,
        **page_links(config, paths.to_site_root(issue.path)),
        page_title=context["subject"],
        description=context["preheader"],
        canonical_url=context["web_url"],
        og_type="article",
        og_image=share_image(issue),
        older=None,
        newer=None,
    )


def page_links(config: Config, root: str) -> dict[str, Any]:
    """What every web page links with: the way back to out/ (`root`), the names of the site
    index, the feed and a web version, and `on_site`/`on_site_html`, which make a URL under
    publication.url that digest writes relative to the page."""
    site_url = config.publication.url

    def on_site(url: str) -> str:
        if not url.startswith(site_url):
            return url
        tail = url[len(site_url) :]
        path = _QUERY_OR_FRAGMENT.split(tail, maxsplit=1)[0]
        rest = tail[len(path) :]  # a query or fragment, kept
        if not paths.is_written_by_digest(path):
            return url
        return f"{root}{paths.served_file(path)}{rest}"

    def on_site_html(html: str) -> str:
        return _URL_ATTRIBUTE.sub(
            lambda match: match.group(1) + on_site(match.group(2)) + match.group(3), html
        )

    return {
        "root": root,
        "site_page": paths.SITE_INDEX,
        "feed_page": paths.FEED,
        "web_page": paths.WEB_PAGE,
        "on_site": on_site,
        "on_site_html": on_site_html,
    }


def share_image(issue: Issue) -> Image | None:
    """The picture a link preview shows (og:image): the lead story's, else the issue's first."""
    lead = [
        entry for section in issue.sections if section.kind == "lead" for entry in section.entries
    ]
    for entry in (*lead, *issue.entries):
        if entry.image and entry.image.url.startswith(("https://", "http://")):
            return entry.image
    return None


def neighbours(
    summaries: Iterable[IssueSummary], published: Iterable[str]
) -> dict[str, Neighbours]:
    """Each issue's previous and next published issue of the same kind, by path. An issue not
    published yet (its period in progress) gets the newest before it, and no published issue
    links to it."""
    listed = set(published)
    by_kind: dict[str, list[IssueSummary]] = {}
    unique = {summary.path: summary for summary in summaries}.values()
    for summary in sorted(unique, key=lambda summary: (summary.date, summary.path)):
        by_kind.setdefault(summary.kind, []).append(summary)
    older: dict[str, IssueSummary | None] = {}
    newer: dict[str, IssueSummary | None] = {}
    for issues in by_kind.values():
        last_listed = None
        for summary in issues:
            older[summary.path] = last_listed
            last_listed = summary if summary.path in listed else last_listed
        last_listed = None
        for summary in reversed(issues):
            newer[summary.path] = last_listed if summary.path in listed else None
            last_listed = summary if summary.path in listed else last_listed
    return {path: (older[path], newer[path]) for path in older}


def with_neighbours(
    pages: Mapping[str, bytes],
    summaries: Iterable[IssueSummary],
    published: Iterable[str],
    config: Config,
    env: jinja2.Environment,
) -> dict[str, bytes]:
    """The web pages of `pages` (by issue path) whose links to the previous and next issue
    changed, with those links as they are now, by out/ path; a page whose template has no
    such place is left as it is."""
    around = neighbours(summaries, published)
    updated = {}
    for issue_path, page in pages.items():
        older, newer = around.get(issue_path, (None, None))
        links = render_template(
            env,
            ISSUES_TEMPLATE,
            config=config,
            publication=config.publication,
            **page_links(config, paths.to_site_root(issue_path)),
            older=older,
            newer=newer,
        )
        html = page.decode("utf-8")
        place = _ISSUES.search(html)
        if place:
            html = f"{html[: place.start()]}{ISSUES_START}{links}{ISSUES_END}{html[place.end() :]}"
        filled = html.encode()
        if filled != page:  # most pages keep their neighbours: nothing to write again
            updated[paths.issue_file(issue_path, paths.WEB_PAGE)] = filled
    return updated
