"""`digest check` finds what mail clients would trip over, one line per problem, and fails on errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.check import check_issue
from digest.cli import main
from digest.config import load

ISSUE = "weekly/2025-W40"


@pytest.fixture
def built(sample: Path) -> Path:
    assert main(["build", "--config", str(sample), "--quiet", "--week", "2025-W40"]) == 0
    return sample


def tamper(root: Path, old: str, new: str) -> None:
    path = root / "out" / ISSUE / "email.html"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def messages(root: Path) -> list[str]:
    return [str(finding) for finding in check_issue(root / "out", ISSUE, load(root))]


def test_the_sample_is_clean(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert messages(built) == []
    assert main(["check", "--config", str(built)]) == 0
    assert "checked 1 issue(s): 0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_a_publication_without_a_postal_address_is_warned(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample has one; without it the check says which key to set, as a warning: the
    email is still sent."""
    config = built / "digest.toml"
    text = config.read_text(encoding="utf-8")
    [address] = [line for line in text.splitlines() if line.startswith("address = ")]
    config.write_text(text.replace(address + "\n", ""), encoding="utf-8")
    assert messages(built) == [
        f"warning: {ISSUE}: no postal address in the footer: set publication.address in"
        " digest.toml (the US CAN-SPAM Act and similar bulk-mail laws require the sender's"
        " postal address in every email)"
    ]
    assert main(["check", "--config", str(built)]) == 0
    assert "checked 1 issue(s): 0 error(s), 1 warning(s)" in capsys.readouterr().out


def test_broken_images_and_links_are_errors(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper(
        built,
        "</body>",
        '<img src="/relative.png"><img src="http://plain.test/a.png" alt="" width="10" height="10">'
        '<a href="weekly/2025-W40/">relative</a><a href="javascript:alert(1)">js</a>'
        '<a href="https://digest.example.org/weekly/2031-W01/">missing issue</a>'
        '<a href="https://digest.example.org/weekly/2025-W40/#no-such-anchor">missing anchor</a></body>',
    )
    found = messages(built)
    assert f"error: {ISSUE}: image without alt text: /relative.png" in found
    assert f"error: {ISSUE}: image with a relative or non-http(s) URL: /relative.png" in found
    assert (
        f"warning: {ISSUE}: image without width and height (the layout jumps while it loads): /relative.png"
        in found
    )
    assert (
        f"warning: {ISSUE}: image over plain http (blocked or flagged by some clients): http://plain.test/a.png"
        in found
    )
    assert f"error: {ISSUE}: relative or non-http(s) link: weekly/2025-W40/" in found
    assert f"error: {ISSUE}: relative or non-http(s) link: javascript:alert(1)" in found
    assert (
        f"error: {ISSUE}: link into the web version that does not resolve: https://digest.example.org/weekly/2031-W01/"
        in found
    )
    assert any("#no-such-anchor" in line for line in found)
    assert main(["check", "--config", str(built), "--issue", ISSUE]) == 1
    output = capsys.readouterr().out
    # the two image warnings, and the added links' missing inline underline
    assert "checked 1 issue(s): 6 error(s), 3 warning(s)" in output


def test_size_over_gmail_clipping_limit_is_an_error(built: Path) -> None:
    tamper(built, "</body>", "<!-- " + "x" * 110_000 + " --></body>")
    assert any(
        "Gmail clips messages over 102 KB" in line and line.startswith("error")
        for line in messages(built)
    )


def test_empty_section_and_long_subject_are_warnings(built: Path) -> None:
    tamper(built, "<h2", "<h2>Nothing here</h2><h2")
    config = built / "digest.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'title = "ICR News Digest"', 'title = "' + "Very long publication title " * 3 + '"'
        ),
        encoding="utf-8",
    )
    found = "\n".join(messages(built))
    assert "warning: weekly/2025-W40: empty section: 'Nothing here'" in found
    assert main(["build", "--config", str(built), "--quiet", "--week", "2025-W40"]) == 0
    assert "subject is 98 characters" in "\n".join(messages(built))


def test_check_without_a_build_says_what_to_do(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--config", str(sample)]) == 1
    assert "no built issue there; run digest build first" in capsys.readouterr().err


def test_css_that_mail_clients_ignore_is_named_with_the_clients(built: Path) -> None:
    tamper(built, "</body>", '<div style="display:flex; position:absolute">layout</div></body>')
    found = "\n".join(messages(built))
    assert (
        "warning: weekly/2025-W40: CSS display:flex is not supported by" in found
        and "Outlook (Windows)" in found
    )


def test_long_urls_are_shown_with_their_host_and_their_end(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Which image is meant must be readable: never cut at the front, the host and file name kept."""
    folders = "/".join(f"folder-{number}" for number in range(40))
    long_image = f"https://images.example.org/news/{folders}/the-end.png"
    long_link = f"javascript:void('{'x' * 150}-the-end')"
    tamper(built, "</body>", f'<img src="{long_image}" alt="A"><a href="{long_link}">x</a></body>')
    assert main(["check", "--config", str(built), "--issue", ISSUE]) == 1
    lines = capsys.readouterr().out.splitlines()
    [image] = [line for line in lines if "without width and height" in line]
    shown = image.split(": ")[-1]
    assert shown.startswith("https://images.example.org/news/…/") and shown.endswith(
        "/folder-39/the-end.png"
    )
    assert len(shown) <= 100
    [link] = [line for line in lines if "non-http(s) link" in line]
    assert link.split("link: ")[1].startswith("javascript:void('") and link.endswith("-the-end')")
    short = "https://digest.example.org/weekly/2031-W01/"
    tamper(built, "</body>", f'<a href="{short}">missing</a></body>')
    assert f"does not resolve: {short}" in "\n".join(messages(built))  # short: whole


def test_a_build_prints_each_check_error_once_as_an_error(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A publication's own footer with a relative link: the build says so as an error line
    (never "warning: error: …"), exits 1, and still writes the issue."""
    (sample / "templates").mkdir()
    (sample / "templates" / "email.mjml.j2").write_text(
        '{% extends "digest/email.mjml.j2" %}{% block footer %}{{ super() }}'
        '<mj-section><mj-column><mj-text><a href="about/">About us</a></mj-text></mj-column>'
        "</mj-section>{% endblock %}",
        encoding="utf-8",
    )
    assert main(["build", "--config", str(sample), "--quiet", "--week", "2025-W40"]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors == [f"error: {ISSUE}: relative or non-http(s) link: about/"]
    assert (sample / "out" / ISSUE / "email.html").exists()


def test_what_real_clients_need_is_asked_for(built: Path) -> None:
    """The head and wrapper that keep Apple Mail, iOS, Gmail and Outlook from rewriting the email,
    the hidden preheader, and inline weights and underlines: each missing piece is a warning."""
    tamper(built, '<meta name="x-apple-disable-message-reformatting">', "")
    tamper(built, '<meta name="format-detection"', '<meta name="other"')
    tamper(built, "a[x-apple-data-detectors]", "a.detected")
    tamper(built, ":root {", ".root {")
    tamper(built, "font-family: Arial, sans-serif !important;", "color: black;")
    tamper(built, 'role="article" lang="en" xml:lang="en"', 'role="article" lang="en"')
    tamper(built, "mso-hide: all; color: #1f2933;", "color: #eef1f5;")  # the preheader
    tamper(
        built, '<h3 dir="auto" style="font-size:19px; font-weight:700;', '<h3 dir="auto" style="'
    )
    tamper(built, "</body>", '<p><a href="https://example.org/">plain</a></p></body>')
    found = "\n".join(messages(built))
    for expected in (
        'no <meta name="x-apple-disable-message-reformatting">',
        'no <meta name="format-detection">',
        "no link reset for a[x-apple-data-detectors]",
        "dark-mode rules without :root { color-scheme: light dark }",
        "no Outlook-only font",
        'the email\'s wrapper (role="article") lacks xml:lang',
        "hidden text without mso-hide: all (Outlook shows it)",
        "hidden text in #eef1f5 on the page's #eef1f5 (SpamAssassin's HTML_FONT_LOW_CONTRAST)",
        "1 heading(s) without an inline font-weight",
        "1 link(s) without an inline text-decoration",
    ):
        assert f"warning: {ISSUE}: {expected}" in found, expected


def test_a_repeated_read_more_is_a_warning(built: Path) -> None:
    tamper(
        built,
        "</body>",
        '<p><a href="https://example.org/a" style="text-decoration: underline">Read more</a>'
        '<a href="https://example.org/b" style="text-decoration: underline">Read more…</a></p></body>',
    )
    assert (
        f"warning: {ISSUE}: 2 links to different places all say 'read more': let the title be "
        "the link, or name the story in the link"
    ) in messages(built)
