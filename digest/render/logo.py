"""The logo for dark mode: `publication.logo_dark`, else a light version derived from the logo.

A logo drawn for a white card (dark brand colour on transparency) all but disappears on a dark
one; a white box behind it would look like a sticker. So, unless the publication gives its own,
digest makes one: its white made transparent (the box it is drawn on, white details), then every
pixel's lightness mirrored (hue, saturation and transparency kept), so a dark blue mark becomes a
light blue one, and the card shows where the logo was white.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from digest import assets
from digest.config import Config
from digest.paths import media_file, web_url

if TYPE_CHECKING:
    from PIL.Image import Image as PillowImage


@dataclass(frozen=True)
class DarkLogo:
    """The dark-mode logo as published: its out/ path (None when remote), URL and bytes."""

    url: str
    out_path: str | None = None
    data: bytes = b""


def dark_logo(config: Config) -> DarkLogo | None:
    """The dark-mode logo of the publication, or None (no logo, or a remote logo to derive from:
    digest fetches nothing to render). Raises OSError when a local file cannot be read."""
    site_url = config.publication.url
    reference = config.publication.logo_dark
    if reference:
        if assets.is_remote(reference):
            return DarkLogo(reference)
        asset = assets.publish(config.resolve(reference))
        return DarkLogo(asset.url(site_url), asset.out_path, asset.source.read_bytes())
    logo = config.publication.logo
    if not logo or assets.is_remote(logo):
        return None
    path = config.resolve(logo)
    status = path.stat()
    derived = _derived(path, status.st_mtime_ns, status.st_size)
    if derived is None:
        return None
    out_path, data = derived
    return DarkLogo(web_url(site_url, out_path), out_path, data)


def dark_logo_files(config: Config) -> dict[str, bytes]:
    """The out/ file of a local or derived dark-mode logo, for the build to publish."""
    try:
        logo = dark_logo(config)
    except OSError:
        return {}  # the logo itself is reported unreadable where it is published
    return {logo.out_path: logo.data} if logo and logo.out_path else {}


@cache
def _derived(path: Path, modified: int, size: int) -> tuple[str, bytes] | None:
    """The light version of a logo file and its content-hashed out/ path; None for a file
    Pillow cannot read (it is published as it is, with no dark variant)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            image = opened.convert("RGBA")
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    data = lightness_mirrored(without_white(image))
    name = f"{hashlib.sha256(data).hexdigest()[:10]}-{path.stem}-dark.png"
    return media_file(name), data


WHITE = 240  # every channel at least this: white, or the white of a logo's rounded box


def without_white(image: PillowImage) -> PillowImage:
    """An RGBA logo with its white made transparent: the box a logo is often drawn on (the "white
    pill" on a dark card) and white details, which would mirror to black, show the card instead."""
    from PIL import ImageChops

    darkest = ImageChops.darker(ImageChops.darker(*image.split()[:2]), image.getchannel("B"))
    coloured = darkest.point(lambda value: 0 if value >= WHITE else 255)
    result = image.copy()
    result.putalpha(ImageChops.darker(image.getchannel("A"), coloured))
    return result


def lightness_mirrored(image: PillowImage) -> bytes:
    """PNG bytes of an RGBA image with each pixel's HLS lightness L replaced by 1 - L, hue and
    saturation kept: per channel c' = c + 1 - max - min, that is (1 - max) + (c - min)."""
    from PIL import Image, ImageChops

    red, green, blue, alpha = image.split()
    brightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
    headroom = ImageChops.invert(brightest)
    channels = [
        ImageChops.add(headroom, ImageChops.subtract(channel, darkest))
        for channel in (red, green, blue)
    ]
    result = Image.merge("RGBA", (*channels, alpha))
    buffer = io.BytesIO()
    result.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
