"""What the issue templates need besides the Issue itself: its URLs, subject, logo and preheader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from digest import assets, images
from digest.config import Config
from digest.errors import ConfigError
from digest.model import Issue
from digest.paths import FEED, issue_web_url, web_url
from digest.render.calendar import issue_calendar
from digest.render.logo import dark_logo
from digest.render.translation import translations_for

PREHEADER_LIMIT = 140
PREHEADER_TITLES = 4


@dataclass(frozen=True)
class Logo:
    """The publication logo as shown: absolute URL and display size in CSS pixels."""

    url: str
    alt: str
    width: int | None = None
    height: int | None = None
    dark_url: str | None = None  # the logo for dark mode (digest/render/logo.py)


def issue_url(issue: Issue, config: Config) -> str:
    """The web version of an issue: out/{path}/index.html under the publication URL."""
    return issue_web_url(config.publication.url, issue.path)


def subject(issue: Issue, config: Config) -> str:
    """The decision file's subject, else email.subject (by default the language's
    "{title}: {issue}") filled in, on one line."""
    if issue.subject:
        return one_line(issue.subject)
    pattern = config.email.subject
    if "subject" not in config.email.model_fields_set:
        pattern = translations_for(config).gettext("{title}: {issue}")
    try:
        text = pattern.format_map({"title": config.publication.title, "issue": issue.title})
    except (KeyError, IndexError, ValueError) as error:
        raise ConfigError(
            f"email.subject: {pattern!r}: only {{title}} and {{issue}} can be used ({error})"
        ) from None
    return one_line(text)


def one_line(text: str) -> str:
    """Line breaks become spaces: a header or a preheader must never span lines."""
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())


def logo(config: Config) -> Logo | None:
    """A remote logo as is; a local one at its published URL, shown at half its pixels (2x image)."""
    reference = config.publication.logo
    if not reference:
        return None
    alt = config.publication.logo_alt or config.publication.title
    try:
        dark = dark_logo(config)
    except OSError as error:
        raise ConfigError(
            f"publication.logo_dark: cannot read {config.publication.logo_dark!r}: {error.strerror}"
        ) from None
    dark_url = dark.url if dark else None
    published = images.published_logo(config)  # made for email by the images stage
    if published is not None:
        url = web_url(config.publication.url, published.out_path)
        return Logo(url, alt, published.shown_width, published.shown_height, dark_url)
    if assets.is_remote(reference):
        return Logo(reference, alt, dark_url=dark_url)
    try:
        asset = assets.publish(config.resolve(reference))
    except OSError as error:
        raise ConfigError(
            f"publication.logo: cannot read {reference!r}: {error.strerror}"
        ) from None
    full_width, full_height = assets.image_size(asset.source)
    width = full_width // 2 if full_width else None
    height = full_height // 2 if full_height else None
    return Logo(asset.url(config.publication.url), alt, width, height, dark_url)


def lead_id(issue: Issue) -> str | None:
    """The story shown first and large when the editor chose none (no "lead" section): the first
    story of the first news section; None in an issue with a lead, or without news."""
    if any(section.kind == "lead" for section in issue.sections):
        return None
    news = [section for section in issue.sections if section.kind == "news" and section.entries]
    return news[0].entries[0].id if news else None


def preheader(issue: Issue) -> str:
    """The inbox preview line: the decision file's, else the first few entry titles joined
    with ' · ', at most 140 chars."""
    if issue.preheader:
        return one_line(issue.preheader)
    text = ""
    for entry in issue.entries[:PREHEADER_TITLES]:
        candidate = f"{text} · {one_line(entry.title)}" if text else one_line(entry.title)
        if len(candidate) > PREHEADER_LIMIT:
            break
        text = candidate
    return text or _shorten(one_line(issue.entries[0].title if issue.entries else issue.title))


def _shorten(text: str) -> str:
    if len(text) <= PREHEADER_LIMIT:
        return text
    return text[: PREHEADER_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def issue_context(issue: Issue, config: Config, *, web: bool) -> dict[str, Any]:
    """Everything an issue template can use; the same for the email, the text and the web page."""
    site_url = config.publication.url
    return {
        "issue": issue,
        "config": config,
        "publication": config.publication,
        "web": web,
        "web_url": issue_url(issue, config),
        "site_url": site_url,
        "feed_url": web_url(site_url, FEED),
        "subject": subject(issue, config),
        "preheader": preheader(issue),
        "logo": logo(config),
        "lead_id": lead_id(issue),
        "calendar": issue_calendar(issue, config),  # None without upcoming events
    }
