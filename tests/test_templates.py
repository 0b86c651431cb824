"""A publication's template extends digest's own (`{% extends "digest/email.mjml.j2" %}`) and
replaces one block; everything else is built as the packaged templates build it."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import jinja2
import lxml.html
import pytest

from digest.cli import main
from digest.colour import MINIMUM_TEXT_CONTRAST, contrast
from digest.render.environment import compiled_templates
from tests.conftest import Publication

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


# --- the packaged layout ------------------------------------------------------------------------


def small_png(width: int, height: int) -> bytes:
    """A picture of its own size, as a feed's small thumbnail would be."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 110, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def story(publication: Publication, name: str, day: int, **fields: str) -> None:
    lines = [
        "---",
        f"title: Story {name}",
        f"date: 2025-10-0{day}T10:00",
        f"link: https://news.test/{name}",
        f"summary: What story {name} is about, in one line of plain text.",
        *(f"{key}: {value}" for key, value in fields.items()),
        "---",
        f"The story {name}.",
    ]
    publication.entry(f"{name}.md", "\n".join(lines) + "\n")


def built_week(publication: Publication, extra: str = "") -> tuple[str, str]:
    publication.configure(extra)
    code = main(["build", "--config", str(publication.root), "--quiet", "--week", "2025-W40"])
    assert code == 0
    out = publication.root / "out" / WEEK
    return (out / "email.html").read_text("utf-8"), (out / "email.txt").read_text("utf-8")


def test_first_story_leads_large_and_small_pictures_are_never_stretched(
    publication: Publication,
) -> None:
    """No lead chosen: the first story of the first section is shown large (its picture across the
    column, its link naming it); the next has a thumbnail. A 150 px picture stays 150 px in both."""
    publication.file("feeds/entries/images/small.png", small_png(150, 100))
    for name, day in (("one", 1), ("two", 2)):
        story(
            publication,
            name,
            day,
            image="feeds/entries/images/small.png",
            image_alt=f"Picture {name}",
        )
    html, _ = built_week(publication)
    document = lxml.html.document_fromstring(html)
    (lead,) = document.xpath("//*[contains(@class, 'lead-image')]//img")
    (thumbnail,) = document.xpath("//*[contains(@class, 'thumb')]//img")
    # newest first: story two (2 October) leads
    assert (lead.get("alt"), thumbnail.get("alt")) == ("Picture two", "Picture one")
    for image in (lead, thumbnail):
        assert int(image.get("width")) <= 150, lxml.html.tostring(image)
    assert "max-width: 150px" in thumbnail.get("style").replace(":", ": ").replace(":  ", ": ")
    (lead_title,) = document.xpath("//h3[contains(@class, 'lead-title')]")
    assert lead_title.text_content() == "Story two"
    links = [anchor.text_content().strip() for anchor in document.iter("a")]
    assert "Read “Story two”" in links and "Read more" not in links


def test_footer_has_the_postal_address_and_the_reason_in_both_parts(
    publication: Publication,
) -> None:
    story(publication, "one", 1)
    address = "Institute for Tests, Testveien 1, 0123 Oslo, Norway"
    html, text = built_week(publication)
    assert "You receive this email because you subscribed to Test Digest." in html
    assert address not in html
    publication.config_text = publication.config_text.replace(
        'timezone = "Europe/Oslo"', f'timezone = "Europe/Oslo"\naddress = "{address}"'
    )
    html, text = built_week(
        publication, '\n[email]\nreason = "You are on this list as a member of the institute."\n'
    )
    for part in (html, text):
        assert address in part
        assert "You are on this list as a member of the institute." in part
        assert "because you subscribed" not in part


def test_teaser_highlights_are_number_title_summary_and_link(publication: Publication) -> None:
    for number in range(1, 4):
        publication.entry(
            f"2022/h{number}.md",
            f"""
            ---
            title: Highlight {number}
            date: 2022-0{number}-10T10:00
            link: https://news.test/h{number}
            summary: The highlight {number} in one line. A second sentence that makes it longer than a teaser should be, so that it has to be cut somewhere before the end of this.
            highlight: true
            ---
            The whole story of highlight {number}, which only the full form shows.
            """,
        )
    publication.configure('\n[highlights]\nform = "teaser"\n')
    assert main(["build", "--config", str(publication.root), "--quiet", "--year", "2022"]) == 0
    out = publication.root / "out" / "yearly" / "2022"
    html, text = ((out / name).read_text("utf-8") for name in ("email.html", "email.txt"))
    document = lxml.html.document_fromstring(html)
    teasers = document.xpath("//div[contains(@class, 'teaser')]")
    headings = [teaser.xpath("string(.//h3)").split() for teaser in teasers]
    assert [number for number, *_ in headings] == ["1.", "2.", "3."]
    assert sorted(" ".join(title) for _, *title in headings) == [
        f"Highlight {number}" for number in (1, 2, 3)
    ]
    first = headings[0][-1]
    assert teasers[0].xpath("string(.//h3/a/@href)") == f"https://news.test/h{first}"
    summary = teasers[0].xpath("string(.//p)")
    assert summary.startswith(f"The highlight {first} in one line.") and summary.endswith("…")
    assert len(summary) <= 140
    assert "only the full form shows" not in html and "only the full form shows" not in text
    assert all(f"https://news.test/h{number}" in text for number in (1, 2, 3))


def test_norwegian_wrapper_is_described_in_norwegian(publication: Publication) -> None:
    publication.config_text = publication.config_text.replace('language = "en"', 'language = "nb"')
    story(publication, "one", 1)
    html, _ = built_week(publication)
    wrapper = lxml.html.document_fromstring(html).xpath("//*[@role='article']")[0]
    assert wrapper.get("aria-roledescription") == "e-post"
    assert (wrapper.get("lang"), wrapper.get("xml:lang")) == ("nb", "nb")


def test_logo_dark_is_published_and_shown_in_dark_mode_only(publication: Publication) -> None:
    """publication.logo_dark, a file of its own, is published beside the logo; the email shows it
    where the dark-mode styles apply (hidden otherwise, and from Outlook)."""
    publication.file("feeds/assets/logo.png", small_png(400, 96))
    publication.file("feeds/assets/logo-night.png", small_png(400, 97))
    publication.config_text = publication.config_text.replace(
        'timezone = "Europe/Oslo"',
        'timezone = "Europe/Oslo"\nlogo = "feeds/assets/logo.png"\nlogo_dark = "feeds/assets/logo-night.png"',
    )
    story(publication, "one", 1)
    html, _ = built_week(publication)
    document = lxml.html.document_fromstring(html)
    (dark,) = document.xpath("//*[contains(@class, 'logo-dark')]//img")
    assert dark.get("src").startswith("https://digest.test/media/") and dark.get("src").endswith(
        "-logo-night.png"
    )
    published = publication.root / "out" / dark.get("src").removeprefix("https://digest.test/")
    assert published.read_bytes() == (publication.root / "feeds/assets/logo-night.png").read_bytes()
    hidden = dark.xpath("ancestor::div[contains(@class, 'logo-dark')]")[0].get("style")
    assert "display: none" in hidden.replace(":", ": ").replace(":  ", ": ")
    assert "mso-hide: all" in hidden.replace(":", ": ").replace(":  ", ": ")
    assert "<!--[if !mso]><!-->" in html


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder Jinja keeps compiled templates under, this test's own."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_an_issue_built_from_compiled_templates_is_the_same_and_a_damaged_cache_is_compiled_again(
    sample: Path, cache_folder: Path
) -> None:
    assert build(sample) == 0
    built = {name: read(sample, WEEK, name) for name in ("email.html", "email.txt", "index.html")}
    compiled = sorted(cache_folder.glob("_jinja2-cache-*/digest-*.jinja"))
    assert len(compiled) >= 4  # the email, its text part, the web version, what they extend

    shutil.rmtree(sample / "out")
    assert build(sample) == 0
    assert {name: read(sample, WEEK, name) for name in built} == built

    sizes = {path: path.stat().st_size for path in compiled}
    for path in compiled:  # cut short, as by a disk that filled up
        path.write_bytes(path.read_bytes()[:40])
    shutil.rmtree(sample / "out")
    assert build(sample) == 0
    assert {name: read(sample, WEEK, name) for name in built} == built
    assert {path: path.stat().st_size for path in compiled} == sizes  # compiled and kept again


def test_a_build_goes_on_when_no_private_folder_can_hold_compiled_templates(
    sample: Path, cache_folder: Path
) -> None:
    (cache_folder / f"_jinja2-cache-{os.getuid()}").write_text("a file, not a folder")
    assert build(sample) == 0
    assert PACKAGED_FOOTER in read(sample, WEEK, "email.html")


def test_environments_of_other_settings_never_take_each_others_compiled_template(
    tmp_path: Path, cache_folder: Path
) -> None:
    """Jinja keys a compiled template by its name and file; the code also depends on the
    environment's settings (here trim_blocks), so digest's key holds them too."""
    (tmp_path / "page.j2").write_text("a\n{% if yes %}\nyes\n{% endif %}\nb\n", encoding="utf-8")

    def rendered(trim_blocks: bool) -> str:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(tmp_path),
            bytecode_cache=compiled_templates(),
            trim_blocks=trim_blocks,
            keep_trailing_newline=True,
        )
        return env.get_template("page.j2").render(yes=True)

    assert rendered(True) == "a\nyes\nb\n"
    assert rendered(False) == "a\n\nyes\n\nb\n"
    assert rendered(True) == "a\nyes\nb\n"  # each from the cache now
    assert len(list(cache_folder.glob("_jinja2-cache-*/digest-*.jinja"))) == 2
