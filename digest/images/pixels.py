"""Bytes -> a checked, upright picture -> a derivative for a place in the email: pure functions.

A picture is an image only if Pillow can read its bytes (not its extension or Content-Type),
and one of more than MAX_PIXELS is refused from its header, before it is decoded: a
decompression bomb is a small file. A derivative is at most twice its display width and
never wider than the picture, upright (EXIF orientation applied), in sRGB, without metadata,
JPEG for photos and PNG for graphics, within a byte budget. The same bytes give the same bytes.

Colours: a picture in another colour space (Adobe RGB or Display P3 from a camera or phone, a
CMYK print file) says so by its ICC profile. Its pixels are converted to sRGB with littleCMS
(Pillow's ImageCms) before anything else, and written untagged: untagged is sRGB to every mail
client, many of which ignore a profile (or, like Gmail's image proxy, re-encode the picture), and
it saves the profile's bytes. A profile that cannot be used is one warning; the picture is then
made as if it had none.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from digest.design import DESIGN

if TYPE_CHECKING:
    from PIL.Image import Image as PillowImage

MAX_PIXELS = 40_000_000  # 8000 x 5000: larger is refused before it is decoded
MASTER_WIDTH = 2 * DESIGN.column_width  # the widest any derivative is; wider originals shrink
MASTER_BYTES = 2_000_000  # an original over this is kept as a bounded master instead
JPEG_QUALITIES = (85, 78, 70, 62, 54, 46, 38)


Warn = Callable[[str], None]  # told, in a few words, why a picture's colours may be off


class Unusable(Exception):
    """A picture that cannot be shown: the message says why, for its one warning line."""


def _ignore(why: str) -> None:
    """The default Warn: a caller that does not ask is not told."""


def _opened(data: bytes) -> PillowImage:
    """The picture in `data`, checked by its bytes and its pixel count, not yet decoded."""
    from PIL import Image as PIL

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PIL.DecompressionBombWarning)
            with PIL.open(io.BytesIO(data)) as probe:
                width, height = probe.size  # from the header: nothing is decoded yet
                if width < 1 or height < 1 or width * height > MAX_PIXELS:
                    raise Unusable(
                        f"too many pixels ({width} x {height}, over {MAX_PIXELS:,}); not decoded"
                    )
                probe.verify()  # the file's structure, still without decoding the pixels
            return PIL.open(io.BytesIO(data))
    except Unusable:
        raise
    except (PIL.DecompressionBombError, PIL.DecompressionBombWarning):
        raise Unusable(f"too many pixels (over {MAX_PIXELS:,}); not decoded") from None
    except Exception as error:  # Pillow raises many kinds for bytes that are no image
        raise Unusable(f"not an image Pillow can read ({type(error).__name__})") from None


def _decoded(data: bytes, wanted_width: int) -> PillowImage:
    """The picture decoded (a JPEG at a reduced scale when that is still wide enough), upright."""
    from PIL import ImageOps

    image = _opened(data)
    if image.format == "JPEG":
        image.draft(image.mode if image.mode in ("RGB", "L") else "RGB", (wanted_width,) * 2)
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except Exception as error:
        raise Unusable(f"its image data is damaged ({type(error).__name__}: {error})") from None
    return _eight_bit(upright)


def _eight_bit(image: PillowImage) -> PillowImage:
    """A 16-bit greyscale picture (a PNG's I;16, or I) as 8-bit L: converted as it is, every
    value over 255 would clip to white."""
    highest = image.getextrema()[1] if image.mode == "I" else 0  # (lowest, highest) in mode I
    if image.mode.startswith("I;16") or (isinstance(highest, int | float) and highest > 255):
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    return image


def _in_srgb(image: PillowImage, warn: Warn) -> PillowImage:
    """The picture with its pixels in sRGB, by its ICC profile; as it is when it has none, or one
    of sRGB already. A profile littleCMS cannot read or use is told to `warn`, and ignored."""
    profile_bytes = image.info.get("icc_profile")
    if not profile_bytes:
        return image
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(profile_bytes))
        if "srgb" in (profile.profile.profile_description or "").lower():
            return image
        space = profile.profile.xcolor_space.strip()  # ICC's four letters: "RGB ", "GRAY", "CMYK"
        colours = _SPACES.get(space)
        if colours is None or image.mode not in _MODES_OF[colours]:
            raise ValueError(f"a {space or 'blank'} profile for a picture in {image.mode}")
        alpha = None
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            image = image.convert("LA" if colours == "L" else "RGBA")
            alpha = image.getchannel("A")
        converted = ImageCms.profileToProfile(
            image.convert(colours), profile, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except Exception as error:  # littleCMS refuses a broken or hostile profile in many ways
        warn(f"its ICC colour profile cannot be used ({_why(error)})")
        return image
    if converted is None:  # only when asked to convert in place
        return image
    converted.info.pop("icc_profile", None)  # the sRGB profile ImageCms tags it with
    if colours == "L":  # a grey picture stays grey, and small: in sRGB its R = G = B
        converted = converted.convert("L")
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


_SPACES = {"RGB": "RGB", "GRAY": "L", "CMYK": "CMYK"}  # a profile's colour space: Pillow's mode
_MODES_OF = {  # the modes a picture of each colour space comes in, after _eight_bit
    "RGB": ("RGB", "RGBA", "P", "PA"),
    "L": ("L", "LA", "1", "I"),
    "CMYK": ("CMYK",),
}


def _why(error: Exception) -> str:
    """The error in a few words on one line: a hostile profile's text can be anything."""
    text = " ".join(str(error).split())[:120].rstrip(".")
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _is_graphic(image: PillowImage) -> bool:
    """A drawing, logo or screenshot (kept sharp as PNG) rather than a photo (JPEG):
    it has transparency, or few colours."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        return True
    if image.mode == "1":
        return True
    sample = image.convert("RGB")
    sample.thumbnail((256, 256))
    return sample.getcolors(maxcolors=256) is not None


def _flattened(image: PillowImage, graphic: bool) -> PillowImage:
    """In a mode the chosen format stores: RGB(A) or L for PNG, RGB or L for JPEG."""
    if graphic:
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        if image.mode == "L":
            return image
        return image.convert("RGBA" if has_alpha else "RGB")
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


def _encode(image: PillowImage, graphic: bool, max_bytes: int) -> bytes:
    """The smallest good encoding within `max_bytes`: JPEG at falling quality, PNG then a
    256-colour PNG; shrunk by a fifth at a time while none fits. No metadata is written."""
    from PIL import Image as PIL

    while True:
        attempts: list[bytes] = []
        if graphic:
            attempts.append(_save(image, "PNG", optimize=True))
            if len(attempts[-1]) > max_bytes:
                method = PIL.Quantize.FASTOCTREE if image.mode == "RGBA" else None
                attempts.append(_save(image.quantize(256, method=method), "PNG", optimize=True))
        else:
            for quality in JPEG_QUALITIES:
                attempts.append(
                    _save(image, "JPEG", quality=quality, optimize=True, progressive=True)
                )
                if len(attempts[-1]) <= max_bytes:
                    break
        fitting = [data for data in attempts if len(data) <= max_bytes]
        if fitting or image.width <= 16:
            return fitting[0] if fitting else attempts[-1]
        size = (max(16, image.width * 4 // 5), max(1, image.height * 4 // 5))
        image = image.resize(size, PIL.Resampling.LANCZOS)


def _save(image: PillowImage, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    # No ICC profile or EXIF: Pillow's PNG writer copies the source's own from image.info.
    image.save(buffer, kind, icc_profile=None, exif=b"", **options)
    return buffer.getvalue()


def master(data: bytes, warn: Warn = _ignore) -> tuple[bytes, tuple[int, int]]:
    """What the archive keeps of a fetched picture, and its upright size: the original bytes when
    they are small (its colour profile with them), else a master in sRGB no wider than any
    derivative. Raises Unusable."""
    image = _decoded(data, MASTER_WIDTH)
    if len(data) <= MASTER_BYTES and _opened(data).size[0] <= MASTER_WIDTH:
        return data, image.size
    image = _in_srgb(image, warn)
    graphic = _is_graphic(image)
    image = _flattened(image, graphic)
    if image.width > MASTER_WIDTH:
        height = max(1, round(image.height * MASTER_WIDTH / image.width))
        image = image.resize((MASTER_WIDTH, height), _lanczos())
    if graphic:
        return _save(image, "PNG", optimize=True), image.size
    return _save(image, "JPEG", quality=92), image.size


def _lanczos() -> int:
    from PIL import Image as PIL

    return PIL.Resampling.LANCZOS


def derive(
    data: bytes, display_width: int, max_bytes: int, warn: Warn = _ignore
) -> tuple[bytes, str, int, int]:
    """A derivative for a place `display_width` px wide: (bytes, extension, width, height).
    At most twice that wide, never wider than the picture itself; in sRGB."""
    image = _in_srgb(_decoded(data, 2 * display_width), warn)
    graphic = _is_graphic(image)
    image = _flattened(image, graphic)
    width = min(image.width, 2 * display_width)
    if width < image.width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), _lanczos(), reducing_gap=3.0)
    encoded = _encode(image, graphic, max_bytes)
    from PIL import Image as PIL

    with PIL.open(io.BytesIO(encoded)) as result:
        return encoded, "png" if graphic else "jpg", result.width, result.height


def shown_size(width: int, height: int, display_width: int) -> tuple[int, int]:
    """The size to show a derivative at: its place's width, or less if it is narrower."""
    shown = min(width, display_width)
    return shown, max(1, round(height * shown / width))
