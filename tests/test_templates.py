"""A publication's template extends digest's own (`{% extends "digest/email.mjml.j2" %}`) and
replaces one block; everything else is built as the packaged templates build it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.cli import main
from digest.colour import MINIMUM_TEXT_CONTRAST, contrast

WEEK = "weekly/2025-W40"
PACKAGED_FOOTER = "You receive this email because you subscribed to ICR News Digest."
OWN_FOOTER = """\
{% extends "digest/email.mjml.j2" %}
{% block footer %}
<mj-section css-class="footer">
  <mj-column>
    <mj-text align="center">Printed for {{ publication.title }} by the Oslo office</mj-text>
  </mj-column>
</mj-section>
{% endblock %}
"""
OWN_TEXT_FOOTER = """\
{% extends "digest/email.txt.j2" %}
{% block footer %}
Printed for {{ publication.title }} by the Oslo office.
{% endblock %}
"""


def build(root: Path, *period: str) -> int:
    return main(
        [
            "build",
            "--config",
            str(root),
            "--quiet",
            "--offline",
            *(period or ("--week", "2025-W40")),
        ]
    )


def own_template(root: Path, name: str, text: str) -> None:
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / name).write_text(text, encoding="utf-8")


def read(root: Path, issue: str, name: str) -> str:
    return (root / "out" / issue / name).read_text(encoding="utf-8")


def before_footer(html: str) -> str:
    return html[: html.index('<div class="footer"')]


def titles(html: str) -> list[str]:
    return re.findall(r"<h[23][^>]*>(?:<a [^>]*>)?(.*?)</", html)


def test_own_footer_block_replaces_only_the_footer(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(sample) == 0
    packaged = {
        name: read(sample, WEEK, name) for name in ("email.html", "index.html", "email.txt")
    }
    own_template(sample, "email.mjml.j2", OWN_FOOTER)
    capsys.readouterr()

    assert build(sample) == 0
    assert f"built {WEEK};" in capsys.readouterr().out  # rendered again, not "unchanged"
    email, web = read(sample, WEEK, "email.html"), read(sample, WEEK, "index.html")
    assert "Printed for ICR News Digest by the Oslo office" in email
    assert "Printed for" not in packaged["email.html"]
    assert before_footer(email) == before_footer(packaged["email.html"])  # header, sections, events
    assert len(titles(email)) >= 6 and titles(email) == titles(packaged["email.html"])
    assert web == packaged["index.html"]  # the web version has a template of its own
    assert PACKAGED_FOOTER in packaged["email.html"] and PACKAGED_FOOTER not in email
    assert read(sample, WEEK, "email.txt") == packaged["email.txt"]  # the text part has its own


def test_own_text_footer_block_keeps_the_text_part_and_its_signature_line(sample: Path) -> None:
    assert build(sample) == 0
    packaged = read(sample, WEEK, "email.txt")
    own_template(sample, "email.txt.j2", OWN_TEXT_FOOTER)

    assert build(sample) == 0
    text = read(sample, WEEK, "email.txt")
    body, signature = text.split("\n-- \n")
    assert body == packaged.split("\n-- \n")[0]
    assert signature == "Printed for ICR News Digest by the Oslo office.\n"
    assert PACKAGED_FOOTER not in text and PACKAGED_FOOTER in packaged


def test_an_entry_block_sees_its_entry_and_can_keep_the_packaged_one(sample: Path) -> None:
    own_template(
        sample,
        "email.mjml.j2",
        '{% extends "digest/email.mjml.j2" %}\n'
        "{% block entry %}<mj-text><p>Story {{ index }} of {{ section.entries|length }}"
        " in {{ section.title }}</p></mj-text>{{ super() }}{% endblock %}\n",
    )
    assert build(sample) == 0
    email = read(sample, WEEK, "email.html")
    assert re.findall(r"Story \d of \d in \w+", email) == [
        "Story 1 of 2 in News",
        "Story 2 of 2 in News",
        "Story 1 of 1 in Publications",
        "Story 1 of 1 in People",
    ]  # stories only: the lead story and the upcoming events have blocks of their own
    assert "Bringing Europe together to tackle Lynch syndrome</a></h3>" in email  # super()


def test_own_intro_block_of_the_header(sample: Path) -> None:
    own_template(
        sample,
        "_header.mjml.j2",
        '{% extends "digest/_header.mjml.j2" %}\n'
        '{% block intro %}<p class="muted">Chosen by the editors.</p>{% endblock %}\n',
    )
    assert build(sample, "--year", "2022") == 0
    email = read(sample, "yearly/2022", "email.html")
    assert "Chosen by the editors." in email
    assert "A look back at the year" not in email
    assert re.search(r"<h1[^>]*>10 highlights from 2022</h1>", email)  # the rest of the header


def test_changing_the_override_rebuilds_the_issue_and_removing_it_restores_the_packaged(
    sample: Path,
) -> None:
    assert build(sample) == 0
    packaged = read(sample, WEEK, "email.html")
    own_template(sample, "email.mjml.j2", OWN_FOOTER)
    assert build(sample) == 0
    own_template(
        sample, "email.mjml.j2", OWN_FOOTER.replace("the Oslo office", "the desk in Bergen")
    )

    assert build(sample) == 0
    email = read(sample, WEEK, "email.html")
    assert "by the desk in Bergen" in email and "Oslo office" not in email
    (sample / "templates" / "email.mjml.j2").unlink()
    assert build(sample) == 0
    assert read(sample, WEEK, "email.html") == packaged


def test_override_with_a_syntax_error_is_named_with_its_line(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own_template(
        sample,
        "email.mjml.j2",
        '{% extends "digest/email.mjml.j2" %}\n{% block footer %}\n{% if %}\n{% endblock %}\n',
    )
    assert build(sample) == 4
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: templates/email.mjml.j2:3: "), line
    assert not (sample / "out" / "weekly").exists()


def test_a_problem_in_the_extended_file_names_digests_own(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The override's own name would point at a line its file does not have."""
    own_template(
        sample, "email.mjml.j2", '{% extends "digest/email.mjml.j2" %}\n{% set design = 3 %}\n'
    )
    assert build(sample) == 4
    [line] = capsys.readouterr().err.strip().splitlines()
    assert re.match(r"error: digest/email\.mjml\.j2:\d+: 'int object' has no attribute", line), line


def test_extending_a_template_digest_does_not_have_is_exit_4(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own_template(sample, "email.mjml.j2", '{% extends "digest/letter.mjml.j2" %}\n')
    assert build(sample) == 4
    assert "template 'digest/letter.mjml.j2' not found" in capsys.readouterr().err


def test_brand_colour_is_checked_on_the_grey_the_call_to_action_box_is_drawn_on(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(sample, "--year", "2022") == 0
    email = read(sample, "yearly/2022", "email.html")
    [box] = set(re.findall(r'class="cta" style="[^"]*background:(#[0-9a-f]{6})', email))
    # the lightest grey that is readable on white: not on that box
    grey = next(
        colour
        for value in range(255, -1, -1)
        if contrast(colour := f"#{value:02x}{value:02x}{value:02x}", "#ffffff")
        >= MINIMUM_TEXT_CONTRAST
        and contrast(colour, box) < MINIMUM_TEXT_CONTRAST
    )
    config = sample / "digest.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"#1f5a96"', f'"{grey}"'), encoding="utf-8"
    )
    capsys.readouterr()

    assert build(sample, "--year", "2022") == 3
    [line] = capsys.readouterr().err.strip().splitlines()
    assert f"publication.brand_color: {grey} on the light grey of call-to-action boxes" in line
