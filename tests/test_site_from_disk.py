"""out/ opened from disk (file://) in headless Chromium: the site index leads to every issue,
the issues lead back, and the logo and local images show, before anything is published."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, sync_playwright

from digest.cli import main
from tests.browser_pages import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import REPO

LOADED_IMAGES_JS = """
() => [...document.images].map((image) => ({src: image.getAttribute('src'), width: image.naturalWidth}))
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    shutil.copy(REPO / "digest.toml", root / "digest.toml")
    shutil.copytree(REPO / "feeds", root / "feeds")
    assert main(["build", "--config", str(root), "--quiet", "--all", "--offline"]) == 0
    return root / "out"


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    """Debian's Chromium; nothing reaches the network (remote images simply do not load)."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context()

        def refuse(route: Route) -> None:
            route.abort()

        context.route(re.compile(r"^https?://"), refuse)
        yield context.new_page()
        browser.close()


def local_images(page: Page) -> list[dict[str, object]]:
    images: list[dict[str, object]] = page.evaluate(LOADED_IMAGES_JS)
    return [image for image in images if "media/" in str(image["src"])]


def test_site_index_from_disk_leads_to_an_issue_and_back_with_the_logo_shown(
    out: Path, page: Page
) -> None:
    page.goto((out / "index.html").as_uri(), wait_until="load")
    [logo] = local_images(page)
    assert str(logo["src"]).endswith("-logo.png") and int(str(logo["width"])) > 0
    first = page.locator("a.issue").first
    title = first.inner_text()
    first.click()
    page.wait_for_load_state("load")
    assert page.url == (out / "weekly/2025-W40/index.html").as_uri()
    assert page.locator("h1").first.inner_text() == title == "Week 40, 2025"
    images = local_images(page)
    assert images and all(int(str(image["width"])) > 0 for image in images), images
    page.get_by_role("link", name="All issues").first.click()
    page.wait_for_load_state("load")
    assert page.url == (out / "index.html").as_uri()


def test_every_issue_in_the_index_opens_from_disk_with_its_local_images(
    out: Path, page: Page
) -> None:
    page.goto((out / "index.html").as_uri(), wait_until="load")
    links = page.locator("a.issue").evaluate_all("(links) => links.map((link) => link.href)")
    assert len(links) == len(list(out.glob("*/*/issue.json")))
    for link in links:
        page.goto(link, wait_until="load")
        assert page.locator("h1").count() == 1, link  # the issue, not a folder listing
        images = local_images(page)
        assert images and all(int(str(image["width"])) > 0 for image in images), (link, images)
