"""The built email and web pages, laid out by a real browser (headless Chromium) at phone to desktop
widths, in light and dark mode: nothing scrolls sideways, images fit, text is big enough and
legible, the column stays readable, headings are in order, and Outlook's markup survives inlining.

The sample publication and a stress publication (tests/stress_publication.py) are built once
through the real command line; screenshots go to artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import lxml.html
import pytest
from PIL import Image as PILImage
from playwright.sync_api import Browser, Page, sync_playwright

from digest.cli import main
from digest.colour import contrast as colour_contrast
from digest.design import DESIGN
from digest.render.body import fit_body
from tests import stress_publication as stress
from tests.browser_pages import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COLUMN_JS,
    IMAGES_JS,
    PAGE_BACKGROUND_JS,
    TEXT_ELEMENTS_JS,
    OfflineRoutes,
    Site,
    contrast,
    contrast_problems,
    effective_background,
    failures,
    luminance,
    outlook_view,
    parse_colour,
    required_contrast,
)
from tests.conftest import REPO

WIDTHS = (320, 375, 414, 600, 800, 1200)
PHONE_WIDTHS = tuple(width for width in WIDTHS if width <= 414)
WIDE_WIDTHS = tuple(width for width in WIDTHS if width >= 800)
DARK_SCREENSHOT_WIDTHS = (375, 800)
HEIGHT = 800
COLUMN = 600  # mj-body width
MAX_COLUMN = 640
MIN_BODY_TEXT_PX = 14
SCREENSHOTS = REPO / "artifacts" / "screenshots"
SAMPLE_URL = "https://digest.example.org/"
GMAIL_CLIP_BYTES = 102 * 1024


@dataclass(frozen=True)
class Document:
    """One built HTML file, named as its screenshots are: sample-weekly-2025-W40-email."""

    publication: str  # "sample" or "stress"
    issue: str | None  # "weekly/2025-W40"; None for the publication's index.html
    variant: str  # "email" or "web" (the issue's index.html), "site-index" for out/index.html

    @property
    def label(self) -> str:
        if self.issue is None:
            return f"{self.publication}-{self.variant}"
        return f"{self.publication}-{self.issue.replace('/', '-')}-{self.variant}"

    @property
    def file(self) -> str:
        """Path below out/."""
        if self.issue is None:
            return "index.html"
        return f"{self.issue}/{'email.html' if self.variant == 'email' else 'index.html'}"


ISSUES = {
    "sample": ("weekly/2025-W40", "yearly/2022"),
    "stress": (f"weekly/{stress.WEEK}", f"yearly/{stress.YEAR}"),
}
SITE_URLS = {"sample": SAMPLE_URL, "stress": stress.URL}
ISSUE_DOCUMENTS = [
    Document(publication, issue, variant)
    for publication, issues in ISSUES.items()
    for issue in issues
    for variant in ("email", "web")
]
DOCUMENTS = ISSUE_DOCUMENTS + [Document(name, None, "site-index") for name in ISSUES]
LABELS = [document.label for document in DOCUMENTS]
BY_LABEL = {document.label: document for document in DOCUMENTS}
ISSUE_LABELS = [document.label for document in ISSUE_DOCUMENTS]
EMAIL_LABELS = [document.label for document in ISSUE_DOCUMENTS if document.variant == "email"]


def build(root: Path, *arguments: str) -> None:
    code = main(["build", "--config", str(root / "digest.toml"), "--quiet", *arguments])
    assert code == 0, f"digest build {' '.join(arguments)} in {root.name}: exit code {code}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both publications built once, by the command line: publication name -> its out/ folder."""
    sample = tmp_path_factory.mktemp("sample")
    shutil.copy(REPO / "digest.toml", sample / "digest.toml")
    shutil.copytree(REPO / "feeds", sample / "feeds")
    build(sample, "--week", "2025-W40")
    build(sample, "--year", "2022")

    stressed = tmp_path_factory.mktemp("stress")
    stress.write_stress_publication(stressed)
    build(stressed, "--week", stress.WEEK)
    build(stressed, "--year", stress.YEAR)
    return {"sample": sample / "out", "stress": stressed / "out"}


def html_of(built: dict[str, Path], label: str) -> str:
    document = BY_LABEL[label]
    return (built[document.publication] / document.file).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; a missing browser fails the tests, it never skips them."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the layout tests need it "
            "(Debian: apt-get install chromium; .ci/run does this)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def routes(built: dict[str, Path]) -> OfflineRoutes:
    sites = [Site(SITE_URLS[name], out) for name, out in built.items()]
    return OfflineRoutes(sites, stress.placeholder_png(), stress.MISSING_IMAGE_HOST)


@pytest.fixture(scope="module")
def pages(browser: Browser, routes: OfflineRoutes) -> Iterator[dict[str, Page]]:
    """Every document open in its own tab, loaded from its published URL (served from out/)."""
    context = browser.new_context(viewport={"width": 1200, "height": HEIGHT})
    context.route("**/*", routes)
    opened = {}
    for document in DOCUMENTS:
        page = context.new_page()
        page.goto(SITE_URLS[document.publication] + document.file, wait_until="load")
        opened[document.label] = page
    yield opened
    context.close()


def at_width(page: Page, width: int, scheme: str = "light") -> Page:
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.set_viewport_size({"width": width, "height": HEIGHT})
    return page


# --- in the browser -----------------------------------------------------------------------------


@pytest.mark.parametrize("label", LABELS)
def test_page_never_scrolls_sideways(pages: dict[str, Page], label: str) -> None:
    page = pages[label]

    def check(width: int) -> list[str]:
        scroll_width, inner_width = at_width(page, width).evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width <= inner_width:
            return []
        too_wide = page.evaluate(
            """(limit) => [...document.body.querySelectorAll('*')]
                 .filter((element) => element.getBoundingClientRect().right > limit + 0.5)
                 .slice(-3).map((element) => element.outerHTML.slice(0, 120))""",
            inner_width,
        )
        return [f"content is {scroll_width}px wide; too wide: {too_wide}"]

    assert not failures(WIDTHS, check)


@pytest.mark.parametrize("label", LABELS)
def test_every_image_fits_its_cell_and_the_column(pages: dict[str, Page], label: str) -> None:
    page = pages[label]

    def check(width: int) -> list[str]:
        problems = []
        for image in at_width(page, width).evaluate(IMAGES_JS):
            name = f"<img alt={image['alt']!r}> ({image['width']:.0f}px)"
            if image["width"] > image["container"] + 0.5:
                problems.append(
                    f"{name} wider than its <{image['containerTag']}> ({image['container']:.0f}px)"
                )
            if image["width"] > COLUMN + 0.5:
                problems.append(f"{name} wider than the {COLUMN}px column")
            if image["left"] < -0.5 or image["right"] > width + 0.5:
                problems.append(
                    f"{name} outside the viewport ({image['left']:.0f}..{image['right']:.0f})"
                )
        return problems

    assert not failures(WIDTHS, check)


# Each story with a thumbnail: the picture's box and the text's box, in CSS pixels.
STORIES_JS = """
() => [...document.querySelectorAll('.story')].filter((story) => story.checkVisibility()).map((story) => {
  const box = (element) => { const r = element.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
  return {
    title: story.querySelector('h3').textContent.trim().slice(0, 40),
    picture: box(story.querySelector('.thumb img')),
    text: box(story.querySelector('.story-text')),
  };
})
"""
# Every loaded, visible image: how wide it is drawn and how many pixels it has (1x or 2x).
NATURAL_JS = """
() => [...document.images].filter((image) => image.checkVisibility() && image.naturalWidth > 0)
  .map((image) => ({src: image.currentSrc || image.src, width: image.getBoundingClientRect().width,
                    natural: image.naturalWidth}))
"""
LEAD_JS = """
() => [...document.querySelectorAll('.lead-image img')].filter((image) => image.checkVisibility())
  .map((image) => ({width: image.getBoundingClientRect().width, natural: image.naturalWidth,
                    column: image.closest('.card').getBoundingClientRect().width}))
"""
SAMPLE_WEEK = "sample-weekly-2025-W40-email"


def test_stories_have_their_picture_beside_the_text_on_wide_screens_and_above_on_phones(
    pages: dict[str, Page],
) -> None:
    def check(width: int) -> list[str]:
        stories = at_width(pages[SAMPLE_WEEK], width).evaluate(STORIES_JS)
        problems = [] if len(stories) >= 2 else [f"{len(stories)} stories with a thumbnail"]
        for story in stories:
            picture, text = story["picture"], story["text"]
            if width >= COLUMN:  # beside: left of the text, tops level
                if picture[1] > text[0] + 0.5 or abs(picture[2] - text[2]) > 8:
                    problems.append(f"{story['title']!r}: picture {picture} not beside text {text}")
            elif picture[3] > text[2] + 0.5:  # above: the text starts below the picture
                problems.append(f"{story['title']!r}: picture {picture} not above text {text}")
        return problems

    assert not failures(WIDTHS, check)


@pytest.mark.parametrize("label", [SAMPLE_WEEK, f"stress-weekly-{stress.WEEK}-email"])
def test_lead_story_picture_spans_the_column(pages: dict[str, Page], label: str) -> None:
    """The lead's picture is drawn across the card's column (less its gutters), at every width."""

    def check(width: int) -> list[str]:
        leads = at_width(pages[label], width).evaluate(LEAD_JS)
        if len(leads) != 1:
            return [f"{len(leads)} lead pictures"]
        (lead,) = leads
        wanted = min(lead["column"] - 2 * DESIGN.gutter, lead["natural"])
        return (
            [] if abs(lead["width"] - wanted) <= 1 else [f"lead picture {lead}, wanted {wanted}px"]
        )

    assert not failures(WIDTHS, check)


@pytest.mark.parametrize("label", LABELS)
def test_no_image_is_drawn_wider_than_its_own_pixels(pages: dict[str, Page], label: str) -> None:
    """A small picture (a feed's 150 px thumbnail) is never stretched: blurry, and it shows."""

    def check(width: int) -> list[str]:
        return [
            f"{image['src'][-50:]} drawn {image['width']:.0f}px wide, has {image['natural']}px"
            for image in at_width(pages[label], width).evaluate(NATURAL_JS)
            if image["width"] > image["natural"] + 0.5
        ]

    assert not failures(WIDTHS, check)


@pytest.mark.parametrize("label", LABELS)
def test_images_load_from_the_published_folder(pages: dict[str, Page], label: str) -> None:
    """Local images and the logo are published under out/media/; only the deliberately missing
    image of the stress publication may fail to load."""
    images = at_width(pages[label], 600).evaluate(IMAGES_JS)
    broken = [
        image["src"]
        for image in images
        if not image["loaded"] and not image["src"].startswith(stress.MISSING_IMAGE_HOST)
    ]
    assert not broken


@pytest.mark.parametrize("label", LABELS)
def test_body_text_is_at_least_14px_on_phones(pages: dict[str, Page], label: str) -> None:
    """Every text but the kickers, short uppercase labels above a headline (13px by design)."""

    def check(width: int) -> list[str]:
        return [
            f"<{element['tag']}> {element['text']!r} is {element['size']}px"
            for element in at_width(pages[label], width).evaluate(TEXT_ELEMENTS_JS)
            if not element["label"] and element["size"] < MIN_BODY_TEXT_PX
        ]

    assert not failures(PHONE_WIDTHS, check)


@pytest.mark.parametrize("label", LABELS)
def test_content_column_stays_readable_on_wide_screens(pages: dict[str, Page], label: str) -> None:
    def check(width: int) -> list[str]:
        widths = at_width(pages[label], width).evaluate(COLUMN_JS)
        problems = [] if widths["column"] else ["no content column (.card or main) found"]
        problems += [
            f"column is {column:.0f}px" for column in widths["column"] if column > MAX_COLUMN
        ]
        problems += [
            f"a text block is {text:.0f}px" for text in widths["text"] if text > MAX_COLUMN
        ]
        return problems

    assert not failures(WIDE_WIDTHS, check)


@pytest.mark.parametrize("label", LABELS)
def test_dark_mode_darkens_page_and_card(pages: dict[str, Page], label: str) -> None:
    light = at_width(pages[label], 800, "light").evaluate(PAGE_BACKGROUND_JS)
    dark = at_width(pages[label], 800, "dark").evaluate(PAGE_BACKGROUND_JS)
    for where, light_colour, dark_colour in zip(("page", "card"), light, dark, strict=True):
        assert light_colour and dark_colour, f"{where}: no background colour"
        light_luminance = luminance(effective_background([light_colour]))
        dark_luminance = luminance(effective_background([dark_colour]))
        assert light_luminance > 0.5, f"{where} in light mode: {light_colour}"
        assert dark_luminance < 0.05, f"{where} in dark mode is not dark: {dark_colour}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("label", LABELS)
def test_all_text_meets_wcag_aa_contrast(pages: dict[str, Page], label: str, scheme: str) -> None:
    def check(width: int) -> list[str]:
        text_elements = at_width(pages[label], width, scheme).evaluate(TEXT_ELEMENTS_JS)
        assert text_elements, "no visible text found"
        return contrast_problems(text_elements)

    assert not failures((375, 1200), check)


@pytest.mark.parametrize("label", [label for label in LABELS if label.startswith("sample-")])
def test_logo_is_shown_in_dark_mode(pages: dict[str, Page], label: str) -> None:
    """The email swaps in its dark-mode logo (the light one hidden); other pages show a logo."""
    images = at_width(pages[label], 375, "dark").evaluate(IMAGES_JS)
    logos = [image for image in images if "-logo" in image["src"]]
    assert logos, "no logo in the page"
    assert all(logo["width"] > 0 and logo["height"] > 0 and logo["loaded"] for logo in logos), logos
    if BY_LABEL[label].variant == "email":
        assert [logo["src"].endswith("-logo-dark.png") for logo in logos] == [True], logos
        light = at_width(pages[label], 375, "light").evaluate(IMAGES_JS)
        shown = [image["src"] for image in light if "-logo" in image["src"]]
        assert len(shown) == 1 and not shown[0].endswith("-logo-dark.png"), shown


def test_derived_dark_mode_logo_is_legible_on_the_dark_card(built: dict[str, Path]) -> None:
    """The sample's logo is dark blue on a white box: on the dark card a white pill; the logo digest
    derives for dark mode (white made transparent, lightness mirrored) reads there as the logo
    does on white, with no box."""

    def ink(path: Path) -> str:
        """The logo's own colour: its commonest opaque colour but white (the box it is drawn on)."""
        with PILImage.open(path) as opened:
            colours = opened.convert("RGBA").getcolors(1 << 20) or []
        _, (red, green, blue, _) = max(
            item for item in colours if item[1][3] > 200 and min(item[1][:3]) < 240
        )
        return f"#{red:02x}{green:02x}{blue:02x}"

    (dark_logo,) = built["sample"].glob("media/*-logo-dark.png")
    original = REPO / "feeds" / "assets" / "logo.png"
    assert colour_contrast(ink(original), DESIGN.card_dark) < 3, (
        "the logo was legible on dark already"
    )
    assert colour_contrast(ink(dark_logo), DESIGN.card_dark) >= 4.5
    assert colour_contrast(ink(original), DESIGN.card) >= 4.5
    with PILImage.open(dark_logo) as opened:
        white = [
            c
            for _, c in opened.convert("RGBA").getcolors(1 << 20) or []
            if c[3] and min(c[:3]) >= 240
        ]
    assert not white, "the dark-mode logo keeps a white box"


@pytest.mark.parametrize("label", LABELS)
def test_right_to_left_text_is_laid_out_right_to_left(pages: dict[str, Page], label: str) -> None:
    """A Hebrew or Arabic title or summary in an English issue: dir="auto" lets it read RTL."""
    wrong = [
        element["text"]
        for element in at_width(pages[label], 375).evaluate(TEXT_ELEMENTS_JS)
        if first_strong_direction(element["text"]) == "rtl" and element["direction"] != "rtl"
    ]
    assert not wrong


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    black, white = parse_colour("rgb(0, 0, 0)"), parse_colour("rgb(255, 255, 255)")
    assert contrast(black, white) == pytest.approx(21)
    assert contrast(parse_colour("rgb(119, 119, 119)"), white) == pytest.approx(4.48, abs=0.01)
    half_black_on_white = effective_background(["rgba(0, 0, 0, 0.5)", "rgb(255, 255, 255)"])
    assert half_black_on_white == (127.5, 127.5, 127.5, 1.0)
    assert required_contrast(18.66, 700) == 3 and required_contrast(18.66, 400) == 4.5


def first_strong_direction(text: str) -> str | None:
    """The direction of the first strongly directional character, as dir="auto" decides it."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def test_screenshots_of_every_issue_at_every_width(pages: dict[str, Page]) -> None:
    """For people to look at, in artifacts/screenshots/: every issue's email at every width and in
    dark mode ({label}-{width}.png, {label}-dark-{width}.png); the web versions (tests/test_web_page.py
    looks at them closer) and the site indexes on a phone only."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for label, page in pages.items():
        if BY_LABEL[label].variant == "email":
            shots = [(width, "light") for width in WIDTHS]
            shots += [(width, "dark") for width in DARK_SCREENSHOT_WIDTHS]
        else:
            shots = [(375, "light"), (375, "dark")]
        page.bring_to_front()  # a tab in the background paints slowly: 1-3 s per screenshot
        for width, scheme in shots:
            path = SCREENSHOTS / f"{label}-{'dark-' if scheme == 'dark' else ''}{width}.png"
            at_width(page, width, scheme).screenshot(path=path, full_page=True)
            written.append((path, width))
    for path, width in written:
        with PILImage.open(path) as image:
            assert image.width == width and image.height >= HEIGHT, (path.name, image.size)


def test_pages_request_nothing_but_their_files_and_images(
    pages: dict[str, Page], routes: OfflineRoutes
) -> None:
    """No web fonts, scripts or trackers: everything else was aborted, and nothing should be."""
    assert pages
    assert not routes.aborted


# --- in the built HTML ----------------------------------------------------------------------------


@pytest.mark.parametrize("label", EMAIL_LABELS)
def test_outlook_conditional_comments_survive_inlining(built: dict[str, Path], label: str) -> None:
    html = html_of(built, label)
    opened = re.findall(r"<!--\[if [^\]]+\]>", html)
    closed = re.findall(r"<!\[endif\]-->", html)
    assert len(re.findall(r"<!--\[if mso \| IE\]>", html)) >= 6, "MJML's Outlook tables are gone"
    assert len(opened) == len(closed)
    depth = 0
    for marker in re.finditer(r"<!--\[if [^\]]+\]>|<!\[endif\]-->", html):
        depth += 1 if marker.group().startswith("<!--[if") else -1
        assert depth in (0, 1), f"conditional comments nest or close unopened at {marker.start()}"
    # Outlook lays out the ghost tables: one 600px table per MJML section, and every table,
    # row and cell it sees is closed again.
    outlook = outlook_view(html)
    sections = len(re.findall(r'<div class="[^"]*"[^>]*style="[^"]*max-width:600px', html))
    ghost_tables = re.findall(r"<!--\[if mso \| IE\]><table[^>]*width=\"600\"", html)
    assert len(ghost_tables) == sections > 0
    assert TagBalance.of(outlook) == {}


class TagBalance(HTMLParser):
    """Tables, rows and cells opened minus closed; an empty result means they balance."""

    TAGS = ("table", "tr", "td")

    def __init__(self) -> None:
        super().__init__()
        self.open: dict[str, int] = dict.fromkeys(self.TAGS, 0)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.TAGS:
            self.open[tag] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.TAGS:
            self.open[tag] -= 1

    @classmethod
    def of(cls, html: str) -> dict[str, int]:
        parser = cls()
        parser.feed(html)
        return {tag: count for tag, count in parser.open.items() if count}


@pytest.mark.parametrize("label", EMAIL_LABELS)
def test_document_declares_language_and_colour_schemes(built: dict[str, Path], label: str) -> None:
    html = html_of(built, label)
    document = lxml.html.document_fromstring(html)
    assert document.get("lang") == "en"
    metas = {meta.get("name"): meta.get("content") for meta in document.iter("meta")}
    assert metas.get("color-scheme") == "light dark"
    assert metas.get("supported-color-schemes") == "light dark"
    assert metas.get("viewport") == "width=device-width, initial-scale=1"
    styles = " ".join(style.text or "" for style in document.iter("style"))
    assert re.search(r"@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)", styles)


@pytest.mark.parametrize("label", EMAIL_LABELS)
def test_every_layout_table_is_presentation(built: dict[str, Path], label: str) -> None:
    """Screen readers read layout tables as data unless role="presentation"; tables inside an
    entry's body are the author's data tables and keep their meaning."""
    html = html_of(built, label)
    document = lxml.html.document_fromstring(html)
    layout = [
        table for table in document.iter("table") if not table.xpath("ancestor::div[@class='body']")
    ]
    assert layout
    without_role = [table for table in layout if table.get("role") != "presentation"]
    assert [lxml.html.tostring(table)[:120] for table in without_role] == []
    ghost_tables = re.findall(
        r"<table\b[^>]*>",
        "".join(re.findall(r"<!--\[if mso \| IE\]>(.*?)<!\[endif\]-->", html, re.DOTALL)),
    )
    assert ghost_tables
    assert [tag for tag in ghost_tables if 'role="presentation"' not in tag] == []


@pytest.mark.parametrize("label", ISSUE_LABELS)
def test_images_declare_no_width_wider_than_the_column(built: dict[str, Path], label: str) -> None:
    """Outlook for Windows ignores max-width and draws an image at its width attribute."""
    document = lxml.html.document_fromstring(html_of(built, label))
    too_wide = [
        (image.get("src"), image.get("width"))
        for image in document.iter("img")
        if (image.get("width") or "").isdigit() and int(image.get("width") or 0) > COLUMN
    ]
    assert not too_wide


@pytest.mark.parametrize("label", LABELS)
def test_headings_go_down_one_level_at_a_time(built: dict[str, Path], label: str) -> None:
    """One h1, then h2 sections, then h3 entries; an entry's own headings rank below its title."""
    document = lxml.html.document_fromstring(html_of(built, label))
    headings = [
        (
            int(element.tag[1]),
            element.text_content().strip()[:40],
            bool(element.xpath("ancestor::div[@class='body']")),
        )
        for element in document.iter("h1", "h2", "h3", "h4", "h5", "h6")
    ]
    assert headings and headings[0][0] == 1, headings[:1]
    assert [level for level, _, _ in headings].count(1) == 1
    previous = 1
    for level, text, in_body in headings:
        assert level <= previous + 1, f"h{previous} then h{level} ({text!r})"
        if in_body:
            assert level > 3, f"h{level} {text!r} inside an entry outranks the entry's h3 title"
        previous = level


def test_entry_body_headings_rank_below_the_title_and_images_fit_outlook() -> None:
    body = '<h2>Background</h2><h3>Method</h3><img src="https://x.test/a.png" width="4000" height="3000">'
    assert fit_body(body) == (
        '<h4>Background</h4><h5>Method</h5><img src="https://x.test/a.png" width="536" height="402">'
    )
    assert fit_body("<h4>Small</h4><h6>Smaller</h6>") == "<h4>Small</h4><h6>Smaller</h6>"


def test_a_week_of_forty_entries_stays_under_gmail_clipping(built: dict[str, Path]) -> None:
    path = built["stress"] / f"weekly/{stress.WEEK}" / "email.html"
    document = lxml.html.document_fromstring(path.read_text(encoding="utf-8"))
    shown = [  # the stories shown in full: their title is their link (no "Read more")
        heading
        for heading in document.iter("h3")
        if heading.find("a") is not None
        and not heading.xpath("ancestor::div[contains(@class, 'event')]")
    ]
    assert not [link for link in document.iter("a") if link.text_content() == "Read more"]
    listed = list(document.iter("li"))  # over the section cap: "Also in this issue"
    assert len(shown) + len(listed) == stress.ENTRIES_IN_WEEK
    assert path.stat().st_size < GMAIL_CLIP_BYTES, f"{path.stat().st_size / 1024:.0f} KB"
