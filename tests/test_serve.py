"""`digest serve`: the real preview server over a publication in tmp_path, driven by Chromium.

The server runs in a thread with a fixed clock (so "the week in progress" is a week the
publication has entries for); the command line itself is run as a child process for
Ctrl-C and a port in use. The README's screenshots are taken by scripts/screenshots.py; the
test here takes the same pictures into tmp_path and checks them, so a test run leaves docs/ alone.
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import Browser, BrowserContext, expect, sync_playwright

from digest.config import load
from digest.preview.server import PreviewServer, contained
from tests import stress_publication
from tests.browser_pages import (
    CHROMIUM,
    CHROMIUM_ARGS,
    announcement,
    effective_background,
    email_frame,
    luminance,
    preview_context,
    previewing,
)
from tests.conftest import REPO, Publication

LIVE_TIMEOUT_MS = 5000  # a saved change shows in the open page within this
IN_W43 = datetime(2025, 10, 22, 10, 0, tzinfo=UTC)  # Wednesday of 2025-W43
IN_W40 = datetime(2025, 10, 2, 12, 0, tzinfo=UTC)  # Thursday of 2025-W40: the sample's busy week

ENTRY = """\
---
title: {title}
date: {date}
---
Body of {title}.
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; a missing browser fails the tests, it never skips them."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def offline_context(browser: Browser, server: PreviewServer) -> BrowserContext:
    """A browser context that reaches only the preview; remote images get a placeholder."""
    return preview_context(browser, server.url, stress_publication.placeholder_png())


@pytest.fixture
def small(publication: Publication) -> Path:
    """A publication with entries in 2025-W43 (in progress at IN_W43), W42 (last complete), W40."""
    publication.configure()
    for name, title, date in (
        ("w43.md", "Lab opens its doors", "2025-10-21T09:00"),
        ("w42.md", "Grant for the imaging core", "2025-10-14T09:00"),
        ("w40.md", "New group leader", "2025-09-30T09:00"),
    ):
        publication.entry(name, ENTRY.format(title=title, date=date))
    return publication.root / "digest.toml"


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreviewServer]:
    """The repo's sample publication, previewed while 2025-W40 is the week in progress."""
    import shutil

    root = tmp_path_factory.mktemp("sample")
    shutil.copy(REPO / "digest.toml", root / "digest.toml")
    shutil.copytree(REPO / "feeds", root / "feeds")
    with previewing(root / "digest.toml", IN_W40) as server:
        yield server


@pytest.fixture(scope="module")
def sample_context(browser: Browser, sample_server: PreviewServer) -> Iterator[BrowserContext]:
    context = offline_context(browser, sample_server)
    yield context
    context.close()


def until(condition: Callable[[], bool], timeout: float = LIVE_TIMEOUT_MS / 1000) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return True
        threading.Event().wait(0.05)
    return condition()


# --- the list and live reload -----------------------------------------------------------------


def test_list_shows_the_week_in_progress_first(browser: Browser, small: Path) -> None:
    with previewing(small, IN_W43) as server:
        context = offline_context(browser, server)
        page = context.new_page()
        page.goto(server.url)
        paths = page.locator("ol.issues li").evaluate_all(
            "items => items.map(item => item.dataset.path)"
        )
        assert paths == ["weekly/2025-W43", "weekly/2025-W42", "weekly/2025-W40"]
        expect(page.locator("ol.issues li").first).to_contain_text("week in progress")
        expect(page.locator("ol.issues li").nth(1)).to_contain_text("last complete week")
        # the preview publishes nothing: the week in progress is its subject, not a warning
        expect(page.locator("section.warnings")).to_have_count(0)
        context.close()


def test_edited_title_shows_in_the_open_page_without_a_reload(
    browser: Browser, small: Path
) -> None:
    with previewing(small, IN_W43) as server:
        context = offline_context(browser, server)
        page = context.new_page()
        page.goto(server.url + "issue/weekly/2025-W43/")
        expect(email_frame(page).locator("h3", has_text="Lab opens its doors")).to_be_visible()

        entry = small.parent / "feeds" / "entries" / "w43.md"
        entry.write_text(
            ENTRY.format(title="Lab opens its doors to 300 visitors", date="2025-10-21T09:00")
        )
        # the page reloads itself (server-sent event); a new frame shows the new title
        expect(
            page.frame_locator("iframe#email").locator("h3", has_text="to 300 visitors")
        ).to_be_visible(timeout=LIVE_TIMEOUT_MS)
        context.close()


def test_malformed_entry_shows_its_error_until_fixed(browser: Browser, small: Path) -> None:
    with previewing(small, IN_W43) as server:
        context = offline_context(browser, server)
        page = context.new_page()
        page.goto(server.url + "issue/weekly/2025-W43/")
        entry = small.parent / "feeds" / "entries" / "w43.md"
        entry.write_text(ENTRY.format(title="Lab opens its doors", date="someday"))

        banner = page.locator("#problems")
        expect(banner).to_contain_text(
            "error: feeds/entries/w43.md:3: cannot read date 'someday'", timeout=LIVE_TIMEOUT_MS
        )
        # the last good build stays viewable below the banner
        expect(email_frame(page).locator("h3", has_text="Lab opens its doors")).to_be_visible()
        assert server.builder.snapshot.problems[0].startswith("feeds/entries/w43.md:3: ")

        entry.write_text(ENTRY.format(title="Lab opens its doors", date="2025-10-21T09:00"))
        expect(banner).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
        context.close()


def test_broken_template_is_shown_and_the_server_keeps_serving(small: Path) -> None:
    templates = small.parent / "templates"
    templates.mkdir()
    with previewing(small, IN_W43) as server:
        # the footer: in every email (a week's only story is its lead, so _entry is not rendered)
        (templates / "_footer.mjml.j2").write_text("{% if %}\n")
        assert until(lambda: bool(server.builder.snapshot.problems))
        assert re.match(r"templates/_footer\.mjml\.j2:1: ", server.builder.snapshot.problems[0])
        status, body = get(server, "/issue/weekly/2025-W43/")
        assert status == 200 and b"templates/_footer.mjml.j2:1: " in body
        (templates / "_footer.mjml.j2").unlink()
        assert until(lambda: not server.builder.snapshot.problems)


def test_preview_writes_nothing_into_the_publication(small: Path) -> None:
    root = small.parent
    before = sorted(path.relative_to(root) for path in root.rglob("*"))
    with previewing(small, IN_W43) as server:
        assert get(server, "/build/weekly/2025-W43/email.html")[0] == 200
    assert sorted(path.relative_to(root) for path in root.rglob("*")) == before
    assert not (root / "out").exists() and not (root / "archive.sqlite").exists()


# --- what the server serves, and what it never does ---------------------------------------------


def get(server: PreviewServer, raw_path: str, host: str | None = None) -> tuple[int, bytes]:
    """GET with the path sent exactly as written: http.client does not normalise it."""
    address, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(address), port, timeout=10)
    try:
        connection.putrequest("GET", raw_path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def raw_get(server: PreviewServer, request_line: bytes) -> bytes:
    """A request written byte for byte on a socket (for NUL bytes no HTTP client would send)."""
    address, port = server.server_address[:2]
    with socket.create_connection((str(address), port), timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: 127.0.0.1\r\n\r\n")
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


TRAVERSALS = [
    "/../digest.toml",
    "/build/../digest.toml",
    "/build/../../digest.toml",
    "/build/%2e%2e/%2e%2e/digest.toml",
    "/build/%2E%2E%2F%2E%2E%2Fdigest.toml",
    "/build/..%2f..%2fdigest.toml",
    "/build/weekly/..%2f..%2f..%2fdigest.toml",
    "/build/%2fetc%2fpasswd",
    "/build//etc/passwd",
    "/build/%252e%252e/digest.toml",
    "/build/weekly%5c..%5c..%5cdigest.toml",
    "/build/weekly/2025-W40/email.html%00.png",
    "/build/..",
    "/build/.digest.lock",
    "/dark/weekly/..%2f..%2fdigest.toml",
    "/issue/../digest.toml",
    "/etc/passwd",
    "//etc/passwd",
    "http://127.0.0.1/../digest.toml",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_paths_that_leave_the_preview_are_not_found(
    sample_server: PreviewServer, path: str
) -> None:
    status, body = get(sample_server, path)
    assert status == 404, body[:200]
    assert b"[publication]" not in body and b"root:" not in body


def test_nul_byte_in_a_path_is_not_found(sample_server: PreviewServer) -> None:
    for line in (
        b"GET /build/weekly/2025-W40/email.html\x00/../../../../digest.toml HTTP/1.0",
        b"GET /build/\x00 HTTP/1.0",
    ):
        answer = raw_get(sample_server, line)
        assert answer.split(b"\r\n", 1)[0].split(b" ")[1] == b"404", answer[:200]
        assert b"[publication]" not in answer


def test_symlink_out_of_the_build_folder_is_not_followed(
    sample_server: PreviewServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the browser")
    link = sample_server.builder.out / "weekly" / "2025-W40" / "notes.txt"
    link.symlink_to(secret)
    try:
        assert get(sample_server, "/build/weekly/2025-W40/notes.txt")[0] == 404
        assert contained(sample_server.builder.out, "weekly/2025-W40/notes.txt") is None
    finally:
        link.unlink()
    assert get(sample_server, "/build/weekly/2025-W40/email.html")[0] == 200


def test_requests_for_another_host_name_are_refused(sample_server: PreviewServer) -> None:
    """A web page elsewhere cannot read the preview by pointing its own name at 127.0.0.1."""
    assert get(sample_server, "/", host="attacker.example:8000")[0] == 421
    assert get(sample_server, "/", host="localhost")[0] == 200


# --- the views of one issue ---------------------------------------------------------------------


ISSUE = "issue/weekly/2025-W40/"


def test_desktop_view_shows_the_real_email(
    sample_context: BrowserContext, sample_server: PreviewServer
) -> None:
    page = sample_context.new_page()
    page.goto(sample_server.url + ISSUE)
    frame = email_frame(page)
    expect(frame.locator("h2", has_text="News")).to_be_visible()
    built = (sample_server.builder.out / "weekly" / "2025-W40" / "email.html").read_text()
    assert frame.locator("h3").first.inner_text().strip() in built
    images = frame.evaluate("() => [...document.images].map(image => image.naturalWidth)")
    assert images and all(width > 0 for width in images), "the logo and local images load"
    expect(page.locator("#check")).to_contain_text("digest check:")
    page.close()


def test_phone_view_is_375_pixels_wide(
    sample_context: BrowserContext, sample_server: PreviewServer
) -> None:
    page = sample_context.new_page()
    page.goto(sample_server.url + ISSUE + "phone")
    frame = email_frame(page)
    assert frame.evaluate("() => window.innerWidth") == 375
    page.close()


def test_dark_view_darkens_the_email(
    sample_context: BrowserContext, sample_server: PreviewServer
) -> None:
    page = sample_context.new_page()
    page.emulate_media(
        color_scheme="light"
    )  # the browser prefers light: the view is dark all the same
    backgrounds = {}
    for view in ("", "dark"):
        page.goto(sample_server.url + ISSUE + view)
        colour = email_frame(page).evaluate("() => getComputedStyle(document.body).backgroundColor")
        backgrounds[view or "desktop"] = luminance(effective_background([colour]))
    assert backgrounds["desktop"] > 0.5
    assert backgrounds["dark"] < 0.05
    page.close()


def test_text_view_shows_the_plain_text_part(
    sample_context: BrowserContext, sample_server: PreviewServer
) -> None:
    page = sample_context.new_page()
    page.goto(sample_server.url + ISSUE + "text")
    built = (sample_server.builder.out / "weekly" / "2025-W40" / "email.txt").read_text()
    assert page.locator("#text").inner_text().strip() == built.strip()
    page.close()


def test_headers_view_shows_what_clients_show(
    sample_context: BrowserContext, sample_server: PreviewServer
) -> None:
    page = sample_context.new_page()
    page.goto(sample_server.url + ISSUE + "headers")
    rows = dict(
        page.locator("#headers tr").evaluate_all(
            "rows => rows.map(row => [row.cells[0].innerText, row.cells[1].innerText])"
        )
    )
    assert rows["Subject"] == "ICR News Digest: Week 40, 2025"
    assert rows["From"] == "ICR News Digest <news@digest.example.org>"
    assert rows["Preheader"]
    assert "https://digest.example.org/unsubscribe" in rows["List-Unsubscribe"]
    page.close()


def load_screenshot_script():
    spec = importlib.util.spec_from_file_location("screenshots", REPO / "scripts/screenshots.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def error_red_pixels(picture: Image.Image) -> int:
    """Pixels of the error banner's red (#a4161a) and its like."""
    red, green, blue = picture.convert("RGB").split()
    much_red = red.point(lambda value: 255 if value > 130 else 0)
    little_green = green.point(lambda value: 255 if value < 70 else 0)
    little_blue = blue.point(lambda value: 255 if value < 70 else 0)
    mask = ImageChops.multiply(much_red, ImageChops.multiply(little_green, little_blue))
    return mask.histogram()[255]


def test_screenshots_of_the_sample_preview(
    sample_context: BrowserContext, sample_server: PreviewServer, tmp_path: Path
) -> None:
    """The README's pictures, as scripts/screenshots.py takes them: the list, an issue on desktop,
    phone and dark, and a build error; each the window's size, none blank, each showing its view."""
    script = load_screenshot_script()
    shots = script.take(sample_context, sample_server, tmp_path)
    assert sorted(shots) == sorted(script.NAMES)
    pictures = {name: Image.open(path) for name, path in shots.items()}
    for name, picture in pictures.items():
        assert picture.format == "PNG" and picture.size == (1200, 900), name
        colours = picture.convert("RGB").getcolors(maxcolors=100_000)
        assert colours is None or len(colours) > 50, f"{name}: a blank picture"
    assert len({path.read_bytes() for path in shots.values()}) == len(shots)  # five different views
    brightness = {name: ImageStat.Stat(p.convert("L")).mean[0] for name, p in pictures.items()}
    assert brightness["dark"] < brightness["issue"] - 20  # dark mode reads dark
    assert error_red_pixels(pictures["error"]) > 500 + error_red_pixels(pictures["issue"])


# --- the command line ---------------------------------------------------------------------------


def serve_command(config: Path, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "digest", "serve", "--config", str(config), *arguments]


def test_port_in_use_is_one_line_and_exit_code_2(small: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            serve_command(small, "--port", str(port), "--offline"),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: 127.0.0.1:{port}: the port is in use (another digest serve?); choose another with --port"
    ]


def stopped_by(
    signal_number: int,
    config: Path,
    environment: dict[str, str],
    while_serving: Callable[[str], None],
) -> tuple[int, str, str]:
    """Start `digest serve` in a child, run `while_serving(url)` once it serves, then send it
    `signal_number`: its exit code, standard output and standard error."""
    child = subprocess.Popen(
        serve_command(config, "--port", "0", "--offline"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a child that does not stop shows where each of its threads waits (faulthandler)
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1", **environment},
        # as started from a terminal: a suite run in the background (`… &`) ignores SIGINT,
        # and a child would inherit that, so that Ctrl-C could never reach it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    watchdog = threading.Timer(120, child.kill)  # a hung child fails the test, never hangs it
    watchdog.start()
    try:
        assert child.stdout is not None
        line = announcement(child.stdout)
        url = re.search(r"http://\S+/", line)
        assert url, f"no URL in {line!r}"
        while_serving(url.group(0))
        child.send_signal(signal_number)
        try:
            stdout, stderr = child.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGABRT)
            stdout, stderr = child.communicate(timeout=30)
            pytest.fail(f"digest serve did not stop within 60 s; its threads:\n{stderr}")
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
    return child.returncode, stdout, stderr


def test_ctrl_c_stops_cleanly(small: Path) -> None:
    code, stdout, stderr = stopped_by(signal.SIGINT, small, {}, lambda url: None)
    assert code == 0, stderr
    assert "Traceback" not in stderr and stderr.strip() == ""
    assert stdout.rstrip().endswith("stopped")


def test_watched_inputs_are_what_a_build_reads_even_before_they_exist(sample: Path) -> None:
    """The logo and local feeds are watched, and a publication's own templates/ folder is
    watched from its parent until it exists, so creating it starts a rebuild."""
    from digest.preview.watch import watched

    config = load(sample)
    inputs = watched(config, sample / "digest.toml")
    assert (sample / "feeds" / "entries").resolve() in inputs.folders
    assert (sample / "templates").resolve() in inputs.files
    assert (sample / "feeds" / "assets" / "logo.png").resolve() in inputs.files
    assert (sample / "feeds" / "saved" / "icr-news.xml").resolve() in inputs.files
    (sample / "templates").mkdir()
    assert (sample / "templates").resolve() in watched(config, sample / "digest.toml").folders


def test_sigterm_stops_cleanly_and_removes_the_preview_folder(sample: Path, tmp_path: Path) -> None:
    """A service manager's (or `kill`'s) SIGTERM ends the preview as Ctrl-C does: exit 0, and
    the temporary folder with its build and its copy of the archive is gone."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()

    def previews() -> list[Path]:
        return sorted(temporary.glob("digest-preview-*"))

    def while_serving(url: str) -> None:
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        connection.request("GET", "/")
        page = connection.getresponse()
        assert page.status == 200 and b"ICR News Digest" in page.read()
        connection.close()
        [folder] = previews()  # the preview's build, while it serves
        assert any(folder.iterdir())

    code, stdout, stderr = stopped_by(
        signal.SIGTERM, sample / "digest.toml", {"TMPDIR": str(temporary)}, while_serving
    )
    assert code == 0, stderr
    assert "Traceback" not in stderr and stderr.strip() == ""
    assert stdout.rstrip().endswith("stopped")
    assert previews() == []  # (Jinja's bytecode cache, _jinja2-cache-*, is kept: it is shared)
    assert not (sample / "out").exists()
