"""Images made for email: the images stage (`stage.py`) and the pixels it works with (`pixels.py`).

The pipeline and the render stage use what is named here; README "Images" says what it does.
"""

from digest.images.pixels import Unusable
from digest.images.stage import (
    LEAD_WIDTH,
    THUMBNAIL_WIDTH,
    Derived,
    Pictures,
    media_shown,
    publish_logo,
    published_logo,
    unused_media,
)

__all__ = [
    "LEAD_WIDTH",
    "THUMBNAIL_WIDTH",
    "Derived",
    "Pictures",
    "Unusable",
    "media_shown",
    "publish_logo",
    "published_logo",
    "unused_media",
]
