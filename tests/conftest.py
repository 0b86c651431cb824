"""Shared fixtures: throwaway publications in tmp_path, and the repo's own sample publication."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings
from pytest_httpserver import HTTPServer

from digest.config import Config, load

# No wall-clock limit on a property's examples: on a loaded machine one may take seconds,
# and speed is the benchmark's business, not a test's.
settings.register_profile("digest", deadline=None)
settings.load_profile("digest")

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)  # a Monday: the last complete week is 2025-W42

BASE_CONFIG = """\
[publication]
title = "Test Digest"
url = "https://digest.test/"
timezone = "Europe/Oslo"
language = "en"
sections = ["News", "Publications", "Awards"]
"""


class Publication:
    """A publication folder in tmp_path: write config, entries and feed files, then load it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "feeds" / "entries").mkdir(parents=True)
        self.config_text = BASE_CONFIG

    def configure(self, extra: str = "") -> Path:
        path = self.root / "digest.toml"
        path.write_text(self.config_text + textwrap.dedent(extra), encoding="utf-8")
        return path

    def entry(self, name: str, text: str) -> Path:
        path = self.root / "feeds" / "entries" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def file(self, name: str, data: str | bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = textwrap.dedent(data).lstrip("\n").encode()
        path.write_bytes(data)
        return path

    def load(self, extra: str = "") -> Config:
        return load(self.configure(extra))


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A real HTTP server on 127.0.0.1, one request at a time (a test may stop it: a
    picture's or a feed's source gone)."""
    running = HTTPServer(host="127.0.0.1")
    running.start()
    yield running
    if running.is_running():
        running.stop()


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A local HTTP server that answers requests in parallel (slow handlers do not block others)."""
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def publication(tmp_path: Path) -> Publication:
    return Publication(tmp_path / "publication")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the repo's sample publication (config, feeds, templates), without out/ or archive."""
    target = tmp_path / "sample"
    target.mkdir()
    shutil.copy(REPO / "digest.toml", target / "digest.toml")
    shutil.copytree(REPO / "feeds", target / "feeds")
    return target


def rss(items: str, title: str = "Test feed", link: str = "https://news.test/") -> str:
    """A small RSS 2.0 document around `items`."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>{title}</title><link>{link}</link><description>d</description>{items}</channel></rss>"
    )


@pytest.fixture
def make_rss() -> Callable[..., str]:
    return rss
