"""The accessibility audit (issue 14): axe-core, as the axe-playwright-python package ships it,
runs in the suite's real Chromium over the built email.html of the sample and of the stress
publication, every web version and the site index. No violation may be "serious" or "critical";
the rest are printed (pytest -s, or -rA, shows them) for people to weigh.

Pages are loaded from their published URLs, answered from out/ (tests/browser_pages.py), so
relative links, local images and the remote placeholders load as a reader would see them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from digest.cli import main
from tests import stress_publication as stress
from tests.browser_pages import CHROMIUM, CHROMIUM_ARGS, OfflineRoutes, Site
from tests.conftest import REPO

SAMPLE_URL = "https://digest.example.org/"
BLOCKING = ("serious", "critical")
SAMPLE_EMAILS = ("weekly/2025-W40", "yearly/2022")  # the sample's two issues the README shows


def build(root: Path, *arguments: str) -> None:
    code = main(
        ["build", "--config", str(root / "digest.toml"), "--quiet", "--offline", *arguments]
    )
    assert code == 0, f"digest build {' '.join(arguments)} in {root.name}: exit code {code}"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Site]:
    """The sample built with --all, as the README's first command does, and the stress
    publication's week and year."""
    sample = tmp_path_factory.mktemp("sample")
    shutil.copy(REPO / "digest.toml", sample / "digest.toml")
    shutil.copytree(REPO / "feeds", sample / "feeds")
    build(sample, "--all")
    stressed = tmp_path_factory.mktemp("stress")
    stress.write_stress_publication(stressed)
    build(stressed, "--week", stress.WEEK)
    build(stressed, "--year", stress.YEAR)
    return {
        "sample": Site(SAMPLE_URL, sample / "out"),
        "stress": Site(stress.URL, stressed / "out"),
    }


def audited_documents(sites: dict[str, Site], scheme: str = "light") -> list[tuple[str, str]]:
    """(publication, path below out/) of every document the audit covers: in the light scheme
    every web version; in the dark one (the same template in other colours) the README's two
    issues' and the stress publication's."""
    documents = [("sample", f"{issue}/email.html") for issue in SAMPLE_EMAILS]
    documents += [
        ("stress", f"{issue}/email.html")
        for issue in (f"weekly/{stress.WEEK}", f"yearly/{stress.YEAR}")
    ]
    for name, site in sites.items():
        documents.append((name, "index.html"))
        documents += [
            (name, page.relative_to(site.out).as_posix())
            for page in sorted(site.out.glob("*/*/index.html"))
            if scheme == "light"
            or name == "stress"
            or page.parent.relative_to(site.out).as_posix() in SAMPLE_EMAILS
        ]
    return documents


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium; .ci/run does this)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(browser: Browser, sites: dict[str, Site]) -> Iterator[Page]:
    routes = OfflineRoutes(sites.values(), stress.placeholder_png(), stress.MISSING_IMAGE_HOST)
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    context.route("**/*", routes)
    yield context.new_page()
    context.close()


def audit(page: Page, url: str, scheme: str) -> list[dict[str, Any]]:
    """axe-core's violations of the page at `url` in the light or dark colour scheme."""
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.goto(url, wait_until="load")
    response = Axe().run(page, options={"resultTypes": ["violations"]}).response
    violations: list[dict[str, Any]] = response["violations"]
    return violations


def described(violation: dict[str, Any]) -> str:
    targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
    more = f" (+{len(violation['nodes']) - 3} more)" if len(violation["nodes"]) > 3 else ""
    return f"{violation['impact']}: {violation['id']}: {violation['help']} at {targets}{more}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_accessibility_violation(
    page: Page, sites: dict[str, Site], scheme: str, capsys: pytest.CaptureFixture[str]
) -> None:
    blocking, minor = [], []
    documents = audited_documents(sites, scheme)
    for name, path in documents:
        for violation in audit(page, sites[name].url + path, scheme):
            line = f"{name} {path} ({scheme}): {described(violation)}"
            (blocking if violation["impact"] in BLOCKING else minor).append(line)
    with capsys.disabled():
        print(
            f"\naxe-core over {len(documents)} documents, {scheme}: {len(blocking)} serious or critical, {len(minor)} other"
        )
        for line in minor:
            print(f"  {line}")
    assert not blocking, "\n".join(blocking)


def test_the_audit_covers_every_web_version_and_the_emails(sites: dict[str, Site]) -> None:
    documents = audited_documents(sites)
    web_versions = [
        path for name, path in documents if name == "sample" and path.endswith("/index.html")
    ]
    assert len(web_versions) == len(list(sites["sample"].out.glob("*/*/issue.json"))) > 20
    assert sum(path.endswith("email.html") for _, path in documents) == 4
    assert ("sample", "index.html") in documents and ("stress", "index.html") in documents


def test_axe_finds_what_it_is_there_to_find(page: Page, sites: dict[str, Site]) -> None:
    """The audit is live: a page with an image without alt text and a link without a name
    fails with those rules, at their impacts."""
    broken = sites["sample"].out / "broken.html"
    broken.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main>'
        '<img src="media/none.png"><a href="index.html"></a></main></body></html>',
        encoding="utf-8",
    )
    try:
        found = {
            violation["id"]: violation["impact"]
            for violation in audit(page, SAMPLE_URL + "broken.html", "light")
        }
    finally:
        broken.unlink()
    assert found.get("image-alt") == "critical" and found.get("link-name") == "serious"
