#!/usr/bin/env python3
"""Take the README's screenshots of `digest serve`: docs/screenshots/preview-*.png.

The repo's sample publication is copied to a temporary folder and previewed while 2025-W40 is
the week in progress (a fixed clock), in Debian's headless Chromium, with no network: remote
images get a placeholder. Five pictures: the list of issues, an issue on desktop, on a phone,
in dark mode, and a mistake in an entry.

    .venv/bin/python scripts/screenshots.py                 # into docs/screenshots/
    .venv/bin/python scripts/screenshots.py --out FOLDER    # somewhere else
    .venv/bin/python scripts/screenshots.py --issues artifacts/issue-14   # the emails themselves

With --issues, the sample's week 40 and 2022 are built (offline) and their email.html taken
whole, at 375 and 1000 px, and in dark mode at 375 px, as ISSUE-WIDTH.png (64 colours, to
keep them small) into FOLDER, instead of the preview's pictures.

A picture is rewritten only when it changed, so a run that changes nothing leaves docs/ alone.
Needs the test dependencies (Playwright) and /usr/bin/chromium. tests/test_serve.py takes the
same pictures into a temporary folder and checks them; only this script writes docs/.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # for tests.browser_pages when run as a script
    sys.path.insert(0, str(REPO))

from digest.cli import main as digest_main  # noqa: E402
from digest.preview.server import PreviewServer  # noqa: E402
from digest.report import Reporter  # noqa: E402
from tests.browser_pages import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    OfflineRoutes,
    Site,
    email_frame,
    preview_context,
    previewing,
)
from tests.stress_publication import MISSING_IMAGE_HOST, placeholder_png  # noqa: E402

DOCS = REPO / "docs" / "screenshots"
NAMES = ("list", "issue", "phone", "dark", "error")
WIDTH, HEIGHT = 1200, 900  # the browser window: every picture is this size
IN_W40 = datetime(2025, 10, 2, 12, 0, tzinfo=UTC)  # Thursday of 2025-W40: the sample's busy week
ISSUE = "issue/weekly/2025-W40/"
LIVE_TIMEOUT_MS = 5000
BROKEN_ENTRY = "feeds/entries/2025/welcome-new-phd-candidates.md"
# the status bar says when the build ran and how long it took: fixed, so the pictures are stable
STATUS = "built 09:00:00 in 0.3 s · reloads when digest.toml, a template or an entry changes"


@contextmanager
def sample_preview(now: datetime = IN_W40) -> Iterator[PreviewServer]:
    """The preview of a copy of the repo's sample, serving in a thread, with the clock at `now`."""
    with tempfile.TemporaryDirectory(prefix="digest-screenshots-") as folder:
        root = Path(folder)
        shutil.copy(REPO / "digest.toml", root / "digest.toml")
        shutil.copytree(REPO / "feeds", root / "feeds")
        # the preview's own lines (the week in progress, the mistake made on purpose) are not ours
        with previewing(
            root / "digest.toml", now, Reporter(quiet=True, err=io.StringIO())
        ) as server:
            yield server


def shoot(page: Page, path: Path) -> Path:
    """A picture of the page with the fixed status text; written only when it changed."""
    page.evaluate("text => { document.getElementById('status').textContent = text }", STATUS)
    picture = page.screenshot()
    if not path.exists() or path.read_bytes() != picture:
        path.write_bytes(picture)
    return path


def take(context: BrowserContext, server: PreviewServer, folder: Path) -> dict[str, Path]:
    """The five pictures of the preview, as folder/preview-NAME.png, by name."""
    folder.mkdir(parents=True, exist_ok=True)
    shots: dict[str, Path] = {}
    page = context.new_page()
    page.goto(server.url)
    expect(page.locator("ol.issues li").first).to_have_attribute("data-path", "weekly/2025-W40")
    shots["list"] = shoot(page, folder / "preview-list.png")
    for view, name in (("", "issue"), ("phone", "phone"), ("dark", "dark")):
        page.goto(server.url + ISSUE + view)
        email_frame(page).wait_for_load_state("load")
        page.wait_for_timeout(400)  # the frame has grown to its content
        shots[name] = shoot(page, folder / f"preview-{name}.png")

    entry = server.builder.config_path.parent / BROKEN_ENTRY
    original = entry.read_text(encoding="utf-8")
    page.goto(server.url + ISSUE)
    entry.write_text(original.replace("date: ", "date: next tuesday #", 1), encoding="utf-8")
    try:
        expect(page.locator("#problems")).to_contain_text(f"{entry.name}:", timeout=LIVE_TIMEOUT_MS)
        email_frame(page).wait_for_load_state("load")
        page.wait_for_timeout(400)
        shots["error"] = shoot(page, folder / "preview-error.png")
    finally:
        entry.write_text(original, encoding="utf-8")
    expect(page.locator("#problems")).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    page.close()
    return shots


SAMPLE_URL = "https://digest.example.org/"
COLOURS = 64  # the emails' pictures: enough to tell the layout, a few hundred KB a page
ISSUE_SHOTS = {  # issue -> (width, colour scheme) of each picture
    "weekly/2025-W40": [(375, "light"), (1000, "light"), (375, "dark")],
    "yearly/2022": [(375, "light"), (1000, "light"), (375, "dark")],
}


def issue_pictures(folder: Path) -> list[Path]:
    """The sample's emails, built offline from a copy of the sample and taken whole."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="digest-screenshots-") as temporary:
        root = Path(temporary)
        shutil.copy(REPO / "digest.toml", root / "digest.toml")
        shutil.copytree(REPO / "feeds", root / "feeds")
        for issue in ISSUE_SHOTS:
            kind, key = issue.split("/")
            period = ["--week", key] if kind == "weekly" else ["--year", key]
            code = digest_main(["build", "--config", str(root), "--offline", "--quiet", *period])
            if code != 0:
                raise SystemExit(f"digest build {' '.join(period)}: exit code {code}")
        routes = OfflineRoutes(
            [Site(SAMPLE_URL, root / "out")], placeholder_png(), MISSING_IMAGE_HOST
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1000, "height": HEIGHT})
            context.route("**/*", routes)
            page = context.new_page()
            for issue, shots in ISSUE_SHOTS.items():
                kind, key = issue.split("/")
                page.goto(f"{SAMPLE_URL}{issue}/email.html", wait_until="load")
                for width, scheme in shots:
                    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
                    page.set_viewport_size({"width": width, "height": HEIGHT})
                    picture = Image.open(io.BytesIO(page.screenshot(full_page=True)))
                    small = picture.convert("RGB").quantize(COLOURS)
                    dark = "-dark" if scheme == "dark" else ""
                    path = folder / f"{kind}-{key}-email{dark}-{width}.png"
                    buffer = io.BytesIO()
                    small.save(buffer, format="PNG", optimize=True)
                    if not path.exists() or path.read_bytes() != buffer.getvalue():
                        path.write_bytes(buffer.getvalue())
                    written.append(path)
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DOCS, help="folder for the pictures")
    parser.add_argument(
        "--issues", type=Path, metavar="FOLDER", help="take the sample's emails into FOLDER instead"
    )
    arguments = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(
            f"error: Chromium not found at {CHROMIUM} (apt-get install chromium)", file=sys.stderr
        )
        return 1
    if arguments.issues:
        for path in issue_pictures(arguments.issues):
            print(path)
        return 0
    with sample_preview() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = preview_context(browser, server.url, placeholder_png(), WIDTH, HEIGHT)
        try:
            shots = take(context, server, arguments.out)
        finally:
            context.close()
            browser.close()
    for name in NAMES:
        print(shots[name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
