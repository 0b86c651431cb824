"""Built pages in headless Chromium: serving out/ without a network, measuring text, images, colour.

The measurements run in the page (JavaScript returns plain data); the judging, such as WCAG
contrast, is done in Python, where it can be read and tested.
"""

from __future__ import annotations

import mimetypes
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from playwright.sync_api import Browser, BrowserContext, Frame, Page, Request, Route

from digest.commands.serve import preview
from digest.config import load
from digest.preview.server import PreviewServer
from digest.report import Reporter

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; Playwright's own download is never used
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def previewing(
    config_path: Path,
    now: datetime,
    reporter: Reporter | None = None,
    host: str = "127.0.0.1",
    allowed_hosts: Sequence[str] = (),
) -> Iterator[PreviewServer]:
    """`digest serve --host <host>` (and `--allow-host` each of `allowed_hosts`) of a
    publication on a free port, serving in a thread with the clock at `now`; stopped as
    Ctrl-C would stop it."""
    with preview(
        config_path,
        load(config_path),
        host=host,
        port=0,
        offline=True,
        clock=lambda: now,
        reporter=reporter,
        allowed_hosts=allowed_hosts,
    ) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            thread.join(10)


def preview_context(
    browser: Browser, preview_url: str, placeholder: bytes, width: int = 1200, height: int = 900
) -> BrowserContext:
    """A browser context that reaches only the preview at `preview_url`; remote images get
    `placeholder`, anything else remote is refused."""
    context = browser.new_context(viewport={"width": width, "height": height})

    def route(route: Route) -> None:
        if route.request.url.startswith(preview_url):
            route.continue_()
        elif route.request.resource_type == "image":
            route.fulfill(status=200, body=placeholder, content_type="image/png")
        else:
            route.abort()

    context.route("**/*", route)
    return context


def email_frame(page: Page) -> Frame:
    """The preview's email, loaded."""
    handle = page.locator("iframe#email").element_handle()
    assert handle is not None
    frame = handle.content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")
    return frame


Colour = tuple[float, float, float, float]  # r, g, b in 0..255, alpha in 0..1


@dataclass(frozen=True)
class Site:
    """A built publication: its out/ folder is what its URL serves."""

    url: str
    out: Path


class OfflineRoutes:
    """Answers every request of a page: a publication's files from its out/, a placeholder for other
    images, 404 for images on `missing_host`, and an abort (recorded) for anything else."""

    def __init__(self, sites: Iterable[Site], placeholder: bytes, missing_host: str) -> None:
        self.sites = list(sites)
        self.placeholder = placeholder
        self.missing_host = missing_host
        self.aborted: list[str] = []

    def __call__(self, route: Route, request: Request) -> None:
        url = request.url
        for site in self.sites:
            if url.startswith(site.url):
                self._serve_file(route, site, url)
                return
        if url.startswith(self.missing_host):
            route.fulfill(status=404, body="gone")
        elif request.resource_type == "image":
            route.fulfill(status=200, body=self.placeholder, content_type="image/png")
        else:
            self.aborted.append(url)
            route.abort()

    @staticmethod
    def _serve_file(route: Route, site: Site, url: str) -> None:
        relative = unquote(urlsplit(url).path)[len(urlsplit(site.url).path) :]
        path = (site.out / relative).resolve()
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file() or site.out.resolve() not in path.parents:
            route.fulfill(status=404, body="not in out/")
            return
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type == "text/html":
            content_type = "text/html; charset=utf-8"
        route.fulfill(status=200, body=path.read_bytes(), content_type=content_type)


# Every visible element with text of its own (not only in its children), with what decides how it
# reads: colour, the background colours from it up to the root, then the canvas; size and weight.
TEXT_ELEMENTS_JS = """
() => {
  const probe = document.createElement('div');
  probe.style.backgroundColor = 'Canvas';
  document.body.appendChild(probe);
  const canvas = getComputedStyle(probe).backgroundColor;
  probe.remove();
  const found = [];
  for (const element of document.body.querySelectorAll('*')) {
    const own = [...element.childNodes]
      .filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent).join(' ').replace(/\\s+/g, ' ').trim();
    if (!own) continue;
    if (!element.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const backgrounds = [];
    for (let node = element; node; node = node.parentElement) {
      backgrounds.push(getComputedStyle(node).backgroundColor);
    }
    backgrounds.push(canvas);
    const style = getComputedStyle(element);
    found.push({
      tag: element.tagName.toLowerCase(),
      text: own.slice(0, 70),
      color: style.color,
      backgrounds,
      size: parseFloat(style.fontSize),
      weight: parseInt(style.fontWeight, 10),
      direction: style.direction,
      label: element.closest('.kicker, .kind') !== null,
    });
  }
  return found;
}
"""

# Every rendered <img>: its box, and the content box of the block that contains it.
IMAGES_JS = """
() => [...document.images].filter((image) => image.checkVisibility()).map((image) => {
  let block = image.parentElement;
  while (['inline', 'contents'].includes(getComputedStyle(block).display)) block = block.parentElement;
  const style = getComputedStyle(block);
  const box = image.getBoundingClientRect();
  return {
    src: image.currentSrc || image.src,
    alt: image.alt,
    width: box.width,
    height: box.height,
    left: box.left,
    right: box.right,
    container: block.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
    containerTag: block.tagName.toLowerCase(),
    loaded: image.complete && image.naturalWidth > 0,
  };
})
"""

# The width of the content column (the MJML card sections, or <main> of the site index) and of
# the widest block of text.
COLUMN_JS = """
() => {
  const visible = (element) => element.checkVisibility() && element.getBoundingClientRect().width > 0;
  const widths = (selector) => [...document.querySelectorAll(selector)].filter(visible)
    .map((element) => element.getBoundingClientRect().width);
  return {column: widths('.card, main'), text: widths('p, h1, h2, h3, li')};
}
"""

PAGE_BACKGROUND_JS = """
() => [document.body, document.querySelector('h1')].map((element) => {
  for (let node = element; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
  }
  return null;
})
"""


def parse_colour(text: str) -> Colour:
    """'rgb(1, 2, 3)' or 'rgba(1, 2, 3, 0.5)' (as computed styles give them) -> (r, g, b, a)."""
    numbers = [float(number) for number in re.findall(r"[\d.]+", text)]
    if not text.startswith("rgb") or len(numbers) not in (3, 4):
        raise ValueError(f"unexpected computed colour {text!r}")
    return (numbers[0], numbers[1], numbers[2], numbers[3] if len(numbers) == 4 else 1.0)


def over(top: Colour, bottom: Colour) -> Colour:
    """`top` painted over an opaque `bottom`."""
    alpha = top[3]
    mixed = [top[index] * alpha + bottom[index] * (1 - alpha) for index in range(3)]
    return (mixed[0], mixed[1], mixed[2], 1.0)


def effective_background(layers_inside_out: list[str]) -> Colour:
    """What shows behind an element: its own background and its ancestors', over the canvas."""
    colours = [parse_colour(layer) for layer in layers_inside_out]
    result = over(colours[-1], (255.0, 255.0, 255.0, 1.0))
    for colour in reversed(colours[:-1]):
        result = over(colour, result)
    return result


def luminance(colour: Colour) -> float:
    """WCAG 2 relative luminance."""

    def linear(channel: float) -> float:
        channel /= 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in colour[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: Colour, second: Colour) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def required_contrast(size_px: float, weight: int) -> float:
    """WCAG AA: 4.5, or 3 for large text (24 px, or 18.66 px bold)."""
    large = size_px >= 24 or (size_px >= 18.66 and weight >= 700)
    return 3.0 if large else 4.5


def contrast_problems(text_elements: list[dict[str, Any]]) -> list[str]:
    """One line per text element below its WCAG AA contrast ratio."""
    problems = []
    for element in text_elements:
        background = effective_background(element["backgrounds"])
        foreground = over(parse_colour(element["color"]), background)
        ratio = contrast(foreground, background)
        needed = required_contrast(element["size"], element["weight"])
        if ratio < needed:
            problems.append(
                f"<{element['tag']}> {element['text']!r}: {ratio:.2f} < {needed} "
                f"({element['color']} on {_hex(background)})"
            )
    return problems


def _hex(colour: Colour) -> str:
    return "#" + "".join(f"{round(channel):02x}" for channel in colour[:3])


def outlook_view(html: str) -> str:
    """The HTML as Outlook for Windows reads it: `[if mso]` blocks shown, `[if !mso]` ones hidden."""
    html = re.sub(r"<!--\[if !mso\]><!-->.*?<!--<!\[endif\]-->", "", html, flags=re.DOTALL)
    return re.sub(r"<!--\[if [^\]]*\]>|<!\[endif\]-->", "", html)


def failures(widths: Iterable[int], check: Callable[[int], list[str]]) -> list[str]:
    """`check` at every width, its problems prefixed with the width."""
    return [f"{width}px: {problem}" for width in widths for problem in check(width)]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless; a missing browser fails the tests, it never skips them."""
    import pytest
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def announcement(stdout: IO[str]) -> str:
    """The line `digest serve` announces its URL on ("previewing … at http://…/"), read from
    its standard output; "" if it ended first."""
    line = stdout.readline()
    while line and not line.startswith("previewing"):
        line = stdout.readline()
    return line
