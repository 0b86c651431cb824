"""Checks on built issues, as subscribers' mail clients will meet them; one Finding per problem.

These read the files in out/, not the templates, so they hold for overridden
templates too. `digest build` runs them on what it built; `digest check` on any issue.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlsplit

from digest import paths
from digest.config import Config
from digest.model import Entry, Issue

if TYPE_CHECKING:
    import lxml.html

GMAIL_CLIP_BYTES = 102 * 1024
SUBJECT_WARN_LENGTH = 70  # phones show about this much of a subject line
URL_LIMIT = 100  # longer URLs are shortened in the middle in findings
Severity = Literal["error", "warning"]
Add = Callable[[Severity, str], None]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one built issue."""

    issue: str  # e.g. "weekly/2025-W40"
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.issue}: {self.message}"


def unfinished(issue: Issue, config: Config, now: datetime | None) -> list[str]:
    """Why an issue is not ready to send yet, one line each naming the issue (and the entry
    file): its week or year has not ended by `now`, or an entry's story is still `digest new`'s
    placeholder. Without `now` (the preview, which publishes nothing) only the stories count."""
    from digest.ingest.local import PLACEHOLDER_BODY

    found = []
    if now is not None and issue.period.end > now:
        span = "week" if issue.kind == "weekly" else "year"
        found.append(
            f"{issue.path}: the {span} is still in progress (until {issue.period.last_day:%d %b %Y}); "
            "built for proofs, and left out of index.html and feed.xml until it has ended"
        )
    for entry in (*issue.entries, *issue.dropped):
        if PLACEHOLDER_BODY in entry.html:
            found.append(
                f"{issue.path}: {_entry_file(entry, config, PLACEHOLDER_BODY)}: the story is still "
                f"digest new's placeholder ({PLACEHOLDER_BODY!r}); write it, or delete the file"
            )
    return found


def _entry_file(entry: Entry, config: Config, placeholder: str) -> str:
    """The entry file a local entry was read from, as digest.toml's folder sees it."""
    folder = config.resolve(config.entries.path)
    candidates = [folder / f"{entry.id.removeprefix('entry:')}.md"]
    if not entry.id.startswith("entry:"):  # an id of its own: find the file that gives it
        own_id = re.compile(rf"^id:\s*['\"]?{re.escape(entry.id)}['\"]?\s*$", re.MULTILINE)
        candidates = [
            path
            for path in sorted(folder.rglob("*.md"))
            if placeholder in (text := path.read_text("utf-8", "replace")) and own_id.search(text)
        ]
    for path in candidates:
        if path.is_file():
            return (
                path.relative_to(config.root).as_posix()
                if path.is_relative_to(config.root)
                else str(path)
            )
    return f"entry {entry.title!r}"


def built_issues(out: Path) -> list[str]:
    """Every built issue below out/, as "weekly/2025-W40" paths, in order."""
    return sorted(
        str(path.parent.relative_to(out)) for path in out.glob(paths.in_every_issue(paths.EMAIL))
    )


def approval_note(out: Path, issue: str, config: Config) -> str:
    """The issue's sign-off, as an info line: approved by whom and when, not approved, or
    changed since approval (naming the file). No finding: an unapproved draft is normal."""
    from digest.approval import state
    from digest.errors import DigestError

    try:
        found = state(config, out, issue)
    except DigestError as error:  # an invalid decision file: the build reports it in full
        return f"info: {issue}: approval unknown: {error.problems[0]}"
    if found.approved and found.at is not None:
        return f"info: {issue}: approved by {found.by} on {found.at:%Y-%m-%d %H:%M} UTC"
    if found.by is None:
        return f"info: {issue}: not approved (digest approve --issue {issue} --by NAME)"
    return f"info: {issue}: changed since approval: {found.problem}"


def check_issue(out: Path, issue: str, config: Config, css: bool = True) -> list[Finding]:
    """All findings for one built issue folder. The CSS comes from the templates only (feed HTML
    carries no styles), so a build checks it on one issue, not on each of them."""
    folder = out / issue
    findings: list[Finding] = []

    def add(severity: Severity, message: str) -> None:
        findings.append(Finding(issue, severity, message))

    try:
        data = (folder / paths.EMAIL).read_bytes()
    except OSError as error:
        return [Finding(issue, "error", f"{paths.EMAIL}: cannot read: {error.strerror or error}")]
    size = len(data)
    budget = config.email.size_budget_kb * 1024
    if size > GMAIL_CLIP_BYTES:
        add(
            "error",
            f"{paths.EMAIL} is {size / 1024:.1f} KB: Gmail clips messages over 102 KB, hiding the footer and unsubscribe link",
        )
    elif size > budget:
        add(
            "warning",
            f"{paths.EMAIL} is {size / 1024:.1f} KB, over the budget of {config.email.size_budget_kb} KB",
        )
    import lxml.html

    document = lxml.html.document_fromstring(data)
    _check_images(document, add)
    _check_links(document, out, config, add)
    _check_sections(document, add)
    _check_client_hardening(document, add)
    _check_message(folder / paths.MESSAGE, add)
    if not config.publication.address:  # digest.toml's, which the footer template shows
        add(
            "warning",
            "no postal address in the footer: set publication.address in digest.toml (the US CAN-SPAM Act and similar bulk-mail laws require the sender's postal address in every email)",
        )
    if css:
        from digest.css_support import unsupported_css

        for finding in unsupported_css(data.decode("utf-8", "replace")):
            add(finding.severity, finding.message)
    return sorted(findings)


def _check_images(document: lxml.html.HtmlElement, add: Add) -> None:
    for image in document.iter("img"):
        src = image.get("src", "")
        label = shown_url(src) if src else "(no src)"
        if image.get("alt") is None:
            add("error", f"image without alt text: {label}")
        if not src.startswith(("https://", "http://")):
            add("error", f"image with a relative or non-http(s) URL: {label}")
        elif src.startswith("http://"):
            add("warning", f"image over plain http (blocked or flagged by some clients): {label}")
        if not (image.get("width") or "").isdigit() or not image.get("height"):
            add(
                "warning",
                f"image without width and height (the layout jumps while it loads): {label}",
            )


def _check_links(document: lxml.html.HtmlElement, out: Path, config: Config, add: Add) -> None:
    site = config.publication.url
    for anchor in document.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            add("error", f"link without a target: {anchor.text_content().strip()[:40]!r}")
            continue
        scheme = urlsplit(href).scheme
        if scheme not in ("http", "https", "mailto"):
            add("error", f"relative or non-http(s) link: {shown_url(href)}")
        elif (
            href.startswith(site)
            and paths.is_written_by_digest(urlsplit(href[len(site) :]).path)
            and not _resolves(out, href[len(site) :])
        ):
            add("error", f"link into the web version that does not resolve: {shown_url(href)}")


def shown_url(url: str, limit: int = URL_LIMIT) -> str:
    """A URL as a finding shows it: whole, or over `limit` characters shortened in the middle,
    keeping the scheme, the host and the end: `https://example.org/news/…/the-end`."""
    if len(url) <= limit:
        return url
    parts = urlsplit(url)
    head = url[: url.find(parts.netloc) + len(parts.netloc)] if parts.netloc else url[:20]
    rest = url[len(head) :]
    room = max(limit - len(head) - 2, 20)
    first = re.match(r"/[^/?#]+(?=/)", rest)  # the first folder says which part of the site
    if first and len(first.group()) <= room // 3:
        head += first.group()
        room -= len(first.group())
    tail = rest[-room:]
    boundary = tail.find("/")  # start the end at a folder when one is near
    if 0 < boundary < len(tail) // 2:
        tail = tail[boundary:]
    return f"{head}{'/…' if parts.netloc else '…'}{tail}"


def _resolves(out: Path, relative: str) -> bool:
    """Does a site-relative URL (maybe with a #fragment) name a file, and an id in it, in out/?"""
    parts = urlsplit(relative)
    path = unquote(parts.path)
    if ".." in path.split("/"):
        return False
    target = out / paths.served_file(path)
    if not target.is_file():
        return False
    if parts.fragment and target.suffix == ".html":
        import lxml.html

        document = lxml.html.document_fromstring(target.read_bytes())
        return bool(document.xpath("//*[@id=$name or @name=$name]", name=parts.fragment))
    return True


# What real mail clients do to an email unless it says otherwise, and the markup that stops them
# (MJML's and Cerberus's templates, Good Email Code). Each is a warning naming what to add.
_LINK_RESETS = ("a[x-apple-data-detectors]", "u + #body a", "#MessageViewBody a")
_HIDDEN = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_COLOUR = re.compile(r"(?:^|;)\s*color\s*:\s*(#[0-9a-f]{6})\b", re.IGNORECASE)
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*(#[0-9a-f]{6})\b", re.IGNORECASE)
HIDDEN_TEXT_MIN_CONTRAST = (
    2.0  # below this, spam filters read hidden text as text in the page colour
)


def _check_client_hardening(document: lxml.html.HtmlElement, add: Add) -> None:
    """The head and wrapper a client needs (see the constants above), the hidden preheader, and
    the inline font weights and underlines a webmail's CSS reset would otherwise take away."""
    metas = {
        (meta.get("name") or "").lower(): meta.get("content") or ""
        for meta in document.iter("meta")
    }
    if "x-apple-disable-message-reformatting" not in metas:
        add(
            "warning",
            'no <meta name="x-apple-disable-message-reformatting">: Apple Mail shrinks the email to fit',
        )
    if "format-detection" not in metas:
        add(
            "warning",
            'no <meta name="format-detection">: iOS turns dates, addresses and numbers into links',
        )
    styles = " ".join(style.text or "" for style in document.iter("style"))
    missing = [selector for selector in _LINK_RESETS if selector not in styles]
    if missing:
        add(
            "warning",
            f"no link reset for {', '.join(missing)}: iOS and Gmail show dates and addresses as blue links",
        )
    if "prefers-color-scheme" in styles and not re.search(r":root\s*\{[^}]*color-scheme", styles):
        add(
            "warning",
            "dark-mode rules without :root { color-scheme: light dark }: Apple Mail darkens the design its own way",
        )
    import lxml.etree

    comments = " ".join(str(comment) for comment in document.iter(lxml.etree.Comment))
    if not re.search(r"\[if mso\]>\s*<style[^>]*>[^<]*font-family", comments):
        add(
            "warning",
            "no Outlook-only font (<!--[if mso]><style>… font-family: Arial …): Outlook on Windows falls back to Times New Roman",
        )
    _check_wrapper(document, add)
    _check_hidden_text(document, add)
    _check_inline_emphasis(document, add)
    _check_link_text(document, add)


# Link text that says nothing of where it goes; repeated under every story, spam filters and
# screen readers (which list a page's links by their text) both count it against the email.
GENERIC_LINK_TEXT = {
    "read more", "more", "learn more", "continue reading", "click here", "here", "link",
    "les mer", "mer", "klikk her", "her",
}  # fmt: skip


def _check_link_text(document: lxml.html.HtmlElement, add: Add) -> None:
    targets: dict[str, set[str]] = {}
    for anchor in document.iter("a"):
        text = " ".join(anchor.text_content().split()).strip(" .…»›→").lower()
        if text in GENERIC_LINK_TEXT:
            targets.setdefault(text, set()).add(anchor.get("href") or "")
    for text, hrefs in sorted(targets.items()):
        if len(hrefs) > 1:
            add(
                "warning",
                f"{len(hrefs)} links to different places all say {text!r}: let the title be the link, or name the story in the link",
            )


def _check_wrapper(document: lxml.html.HtmlElement, add: Add) -> None:
    body = document.find("body")
    wrapper = document.xpath("//body//*[@role='article']")
    if body is None or not wrapper:
        add(
            "warning",
            'no wrapper with role="article" in the body: screen readers in webmail cannot tell the email from the page',
        )
        return
    element = wrapper[0]
    missing = [
        name
        for name in ("aria-roledescription", "aria-label", "lang", "xml:lang")
        if not element.get(name)
    ]
    if missing:
        add(
            "warning",
            f'the email\'s wrapper (role="article") lacks {", ".join(missing)}: screen readers read it in the wrong language or unnamed',
        )


def _check_hidden_text(document: lxml.html.HtmlElement, add: Add) -> None:
    """Hidden text (the preheader and its filler) hidden from Outlook too, in a colour that differs
    from the page's: hidden text in the page colour is what spam filters look for."""
    from digest.colour import contrast

    body = document.find("body")
    found = _BACKGROUND.search(body.get("style", "")) if body is not None else None
    page = found.group(1) if found else "#ffffff"
    for element in document.xpath("//body//*[@style]"):
        style = element.get("style", "")
        text = element.text_content().strip()
        if (
            not _HIDDEN.search(style)
            or not text
            or element.xpath("ancestor::*[contains(@style, 'display')]")
        ):
            continue
        if "mso-hide" not in style:
            add("warning", f"hidden text without mso-hide: all (Outlook shows it): {text[:40]!r}")
        colour = _COLOUR.search(style)
        if colour and contrast(colour.group(1), page) < HIDDEN_TEXT_MIN_CONTRAST:
            add(
                "warning",
                f"hidden text in {colour.group(1)} on the page's {page} (SpamAssassin's HTML_FONT_LOW_CONTRAST): {text[:40]!r}",
            )


def _check_inline_emphasis(document: lxml.html.HtmlElement, add: Add) -> None:
    """Headings keep their weight and text links their underline only when written inline."""
    weightless = [
        element.text_content().strip()[:40]
        for element in document.iter("h1", "h2", "h3")
        if "font-weight" not in element.get("style", "")
        and not element.xpath("ancestor::div[@class='body']")
    ]
    if weightless:
        add(
            "warning",
            f"{len(weightless)} heading(s) without an inline font-weight (a webmail's CSS reset makes them plain text), the first: {weightless[0]!r}",
        )
    plain = [
        anchor.text_content().strip()[:40]
        for anchor in document.iter("a")
        if anchor.text_content().strip()
        and "text-decoration" not in anchor.get("style", "")
        and not anchor.xpath(
            "ancestor::h1 or ancestor::h2 or ancestor::h3 or ancestor::div[@class='body']"
        )
    ]
    if plain:
        add(
            "warning",
            f"{len(plain)} link(s) without an inline text-decoration (a webmail's CSS reset can take the underline away), the first: {plain[0]!r}",
        )


def _check_sections(document: lxml.html.HtmlElement, add: Add) -> None:
    """A section heading (h2) with no entry heading (h3) before the next h2 is an empty section."""
    headings = [
        (element.tag, element.text_content().strip()) for element in document.iter("h2", "h3")
    ]
    for index, (tag, text) in enumerate(headings):
        if (
            tag == "h2"
            and (index + 1 == len(headings) or headings[index + 1][0] == "h2")
            and not _is_closing(text)
        ):
            add("warning", f"empty section: {text!r}")


def _is_closing(heading: str) -> bool:
    return bool(re.match(r"(also in this issue|about)", heading, re.IGNORECASE))


def _check_message(path: Path, add: Add) -> None:
    try:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    except OSError as error:
        add("error", f"{path.name}: cannot read: {error.strerror or error}")
        return
    subject = str(message.get("Subject", ""))
    if not subject:
        add("error", f"{path.name} has no Subject")
    elif len(subject) > SUBJECT_WARN_LENGTH:
        add(
            "warning",
            f"subject is {len(subject)} characters; phones show about {SUBJECT_WARN_LENGTH}: {subject!r}",
        )
    kinds = {part.get_content_type() for part in message.walk()}
    if not {"text/plain", "text/html"} <= kinds:
        add("error", f"{path.name} lacks a plain-text or an HTML part")
    if "List-Unsubscribe" not in message:
        add(
            "warning",
            "no List-Unsubscribe header: set email.unsubscribe_url (Gmail and Yahoo require one-click unsubscribe for bulk mail)",
        )
