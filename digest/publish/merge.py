"""A service's merge tags where digest writes its unsubscribe and web-version links, and the
service's own template syntax in the issue's text escaped, in the copy a service receives."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from digest import paths
from digest.config import Config
from digest.publish import Content, Finding


@dataclass(frozen=True)
class MergeTags:
    """A service's own tags for digest's links, and how its template syntax is escaped."""

    unsubscribe: str
    web_version: str
    escape_html: Callable[[str], str]
    escape_text: Callable[[str], str]


def with_merge_tags(content: Content, config: Config, tags: MergeTags) -> Content:
    """The content with the service's tags where digest wrote the unsubscribe and web-version
    links, and every other occurrence of the service's template syntax escaped, so a story's
    text can never be read as a template instruction. The build's own files stay as they are."""
    links = {"\0unsubscribe\0": config.email.unsubscribe_url, "\0web\0": web_url(config, content)}

    def transform(text: str, escape: Callable[[str], str], as_html: bool) -> str:
        for token, url in links.items():
            if not url:
                continue
            # the link whole, never the start of a longer one (the web version's events.ics)
            if as_html:
                pattern = rf"""(?<=href=["']){re.escape(html.escape(url))}(?=["'])"""
            else:
                pattern = rf"(?<![^\s<(\[]){re.escape(url)}(?![^\s>)\]])"
            text = re.sub(pattern, token, text)
        text = escape(text)
        text = text.replace("\0unsubscribe\0", tags.unsubscribe)
        return text.replace("\0web\0", tags.web_version)

    return replace(
        content,
        subject=tags.escape_text(content.subject),
        html=transform(content.html, tags.escape_html, True),
        text=transform(content.text, tags.escape_text, False),
    )


def web_url(config: Config, content: Content) -> str:
    """Where the build says the issue's web version is."""
    return paths.issue_web_url(config.publication.url, content.issue)


def link_findings(content: Content, config: Config, service: str) -> list[Finding]:
    """Digest's own part of the checklist: links a service's tags could not be put in."""
    if config.email.unsubscribe_url:
        return []
    return [
        Finding(
            content.issue,
            "warning",
            f"email.unsubscribe_url is not set, so the email has no unsubscribe link for "
            f"{service}'s own tag to replace; set it in digest.toml (any URL: digest puts the "
            "service's tag in its place)",
        )
    ]
