"""Local files (entry images, the logo) published under out/media/ with stable, absolute URLs.

Email clients only load absolute http(s) URLs, so a local image is copied to
out/media/ under a name derived from its bytes: a changed image gets a new URL
(no stale caches), an unchanged one keeps its URL across rebuilds.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from digest.paths import media_file, web_url


@dataclass(frozen=True)
class Asset:
    """A local file and where it is published below out/."""

    source: Path
    out_path: str  # e.g. "media/3f2a9c01d4-logo.png"

    def url(self, site_url: str) -> str:
        return web_url(site_url, self.out_path)


def is_remote(reference: str) -> bool:
    return reference.startswith(("http://", "https://"))


def publish(path: Path) -> Asset:
    """Describe how a local file is published; raises OSError when it cannot be read.

    Every render of every issue asks for the logo: the hash is worked out once per version
    of the file (its size and modification time), not on each call.
    """
    status = path.stat()
    return _publish(path, status.st_mtime_ns, status.st_size)


@cache
def _publish(path: Path, modified: int, size: int) -> Asset:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.name).strip("-") or "file"
    return Asset(path, media_file(f"{digest}-{safe_name}"))


def image_size(path: Path) -> tuple[int | None, int | None]:
    """(width, height) of a local picture, (None, None) for what Pillow cannot read. Asked
    apart from `publish`: a fetch publishes the logo's URL only, and importing Pillow is a
    tenth of its start-up."""
    try:
        status = path.stat()
    except OSError:
        return None, None
    return _image_size(path, status.st_mtime_ns, status.st_size)


@cache
def _image_size(path: Path, modified: int, size: int) -> tuple[int | None, int | None]:
    try:
        from PIL import Image as PillowImage

        with PillowImage.open(path) as image:
            return image.size
    except Exception:  # not an image Pillow knows: publish it without dimensions
        return None, None
