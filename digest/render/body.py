"""An entry's sanitised HTML fitted into an issue: its headings below the entry's title, its
images no wider than the email column."""

from __future__ import annotations

import re

from digest.design import DESIGN

COLUMN_WIDTH = DESIGN.column_width  # the email's card less its padding: 536 px
_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SIZE = re.compile(r'\s(width|height)="(\d+)"')


def fit_body(html: str, top_level: int = 4, max_width: int = COLUMN_WIDTH) -> str:
    """Headings shifted so the highest is `top_level` (an entry's title is an h3; a body's "## Background"
    must not rank as a section), and images' width/height attributes scaled down to `max_width`
    (Outlook for Windows ignores max-width and draws an image at its width attribute)."""
    levels = [int(match.group(2)) for match in _HEADING.finditer(html)]
    if levels and min(levels) < top_level:
        shift = top_level - min(levels)
        html = _HEADING.sub(
            lambda match: f"<{match.group(1)}h{min(int(match.group(2)) + shift, 6)}", html
        )
    return _IMG_TAG.sub(lambda match: _narrow_image(match.group(0), max_width), html)


def _narrow_image(tag: str, max_width: int) -> str:
    sizes = {name: int(value) for name, value in _SIZE.findall(tag)}
    width = sizes.get("width")
    if width is None or width <= max_width:
        return tag
    tag = re.sub(r'\swidth="\d+"', f' width="{max_width}"', tag, count=1)
    if "height" in sizes:
        height = max(1, round(sizes["height"] * max_width / width))
        tag = re.sub(r'\sheight="\d+"', f' height="{height}"', tag, count=1)
    return tag
