"""Colours of the pictures made for email: a photo in Adobe RGB or Display P3, a grey scan with
a profile of its own, a CMYK print file all come out in sRGB, which is what every mail client
shows an untagged picture in; a profile digest cannot use is one warning, never a failed build.

The pictures are made here, with profiles written from their published parameters
(tests/icc_profiles.py); the sRGB colours expected are worked out from the same parameters."""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Sequence

import pytest
from PIL import Image as PILImage
from PIL import ImageCms
from pytest_httpserver import HTTPServer

from digest import images
from digest.images import pixels
from tests import icc_profiles as icc
from tests.conftest import Publication
from tests.test_images import build, item, media, publish_feed, shown

PATCH = 100  # px: each colour a flat square, sampled at its centre
COLOURS = [(200, 80, 60), (60, 180, 60), (90, 120, 200), (230, 200, 40), (128, 128, 128)]


def colour_chart(mode: str = "RGB", colours: Sequence[tuple[int, ...]] = COLOURS) -> PILImage.Image:
    """Flat patches of colour above a strip of noise: a photo to digest (too many colours for a
    graphic), so it is published as JPEG."""
    chart = PILImage.new(mode, (PATCH * len(colours), PATCH + 40), colours[0])
    for index, colour in enumerate(colours):
        chart.paste(colour, (index * PATCH, 0, (index + 1) * PATCH, PATCH))
    bands = len(mode)
    noise = random.Random(mode).randbytes(chart.width * 40 * bands)
    chart.paste(PILImage.frombytes(mode, (chart.width, 40), noise), (0, PATCH))
    return chart


def jpeg(image: PILImage.Image, **save: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, **save)
    return buffer.getvalue()


def patch_colours(data: bytes) -> list[tuple[int, ...]]:
    """The colour at the centre of each patch of a published chart, as sRGB."""
    with PILImage.open(io.BytesIO(data)) as published:
        scale = published.width / (PATCH * len(COLOURS))
        rgb = published.convert("RGB")
        centres = [round((index + 0.5) * PATCH * scale) for index in range(len(COLOURS))]
        seen = [rgb.getpixel((x, round(PATCH * scale / 2))) for x in centres]
    return [colour for colour in seen if isinstance(colour, tuple)]


def close(
    seen: Sequence[tuple[int, ...]], wanted: Sequence[tuple[int, ...]], within: int = 4
) -> bool:
    pairs = zip(seen, wanted, strict=True)
    return all(
        abs(a - b) <= within for one, other in pairs for a, b in zip(one, other, strict=True)
    )


SRGB_FROM_XYZ = icc.inverse(icc.rgb_to_xyz(icc.SRGB, icc.D65))


def in_srgb(
    colour: tuple[int, int, int], primaries: icc.Primaries, decoded: Callable[[int], float]
) -> tuple[int, ...]:
    """The sRGB colour of `colour` in the RGB space of these primaries (D65) and tone curve,
    out-of-gamut values clipped: what a colour-managed viewer shows."""
    linear = tuple(decoded(value) for value in colour)
    seen = icc.apply(SRGB_FROM_XYZ, icc.apply(icc.rgb_to_xyz(primaries, icc.D65), linear))
    return tuple(round(icc.srgb_encoded(value)) for value in seen)


WIDE_GAMUTS = {
    "Adobe RGB": (icc.adobe_rgb(), icc.ADOBE_RGB, lambda value: (value / 255) ** (563 / 256)),
    "Display P3": (icc.display_p3(), icc.DISPLAY_P3, icc.srgb_decoded),
}


@pytest.mark.parametrize("space", list(WIDE_GAMUTS))
def test_a_wide_gamut_photo_is_shown_in_its_own_colours_in_srgb(
    publication: Publication, server: HTTPServer, space: str
) -> None:
    profile, primaries, decoded = WIDE_GAMUTS[space]
    server.expect_request("/camera.jpg").respond_with_data(
        jpeg(colour_chart(), icc_profile=profile), content_type="image/jpeg"
    )
    publish_feed(publication, server, item("From a camera", server.url_for("/camera.jpg")))
    assert build(publication) == 0
    [tag] = shown(publication)
    published = media(publication, tag).read_bytes()
    wanted = [in_srgb(colour, primaries, decoded) for colour in COLOURS]
    assert not close(list(COLOURS), wanted, 12)  # read as sRGB, its numbers would be off
    assert close(patch_colours(published), wanted)
    with PILImage.open(io.BytesIO(published)) as derivative:
        assert derivative.format == "JPEG" and derivative.mode == "RGB"
        assert "icc_profile" not in derivative.info  # untagged: sRGB in every mail client


def test_a_wide_gamut_photo_too_big_to_keep_is_kept_in_srgb_and_derived_once() -> None:
    """A master made smaller for the archive is converted on the way; its derivative keeps
    those colours (it is not converted a second time, nor read back as Adobe RGB)."""
    profile, primaries, decoded = WIDE_GAMUTS["Adobe RGB"]
    chart = colour_chart().resize((PATCH * len(COLOURS) * 4, (PATCH + 40) * 4))
    original = jpeg(chart, icc_profile=profile)
    kept, size = pixels.master(original)
    assert size[0] < chart.width  # a smaller master, not the original
    with PILImage.open(io.BytesIO(kept)) as master:
        assert "icc_profile" not in master.info
    derivative, extension, _, _ = pixels.derive(kept, images.LEAD_WIDTH, 150_000)
    assert extension == "jpg"
    assert close(patch_colours(derivative), [in_srgb(c, primaries, decoded) for c in COLOURS])


def test_an_srgb_photo_is_published_as_it_would_be_untagged() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = pixels.derive(jpeg(colour_chart(), icc_profile=srgb), images.LEAD_WIDTH, 150_000)
    untagged = pixels.derive(jpeg(colour_chart()), images.LEAD_WIDTH, 150_000)
    assert tagged == untagged
    assert close(patch_colours(untagged[0]), list(COLOURS), 3)


@pytest.mark.parametrize(
    "profile",
    [
        random.Random(2).randbytes(3000),  # noise
        icc.adobe_rgb()[:300],  # cut off in its tag table
        icc.grey_profile("Grey", 2.2),  # a grey profile on a colour picture
    ],
    ids=["noise", "truncated", "grey-on-colour"],
)
def test_a_profile_that_cannot_be_used_is_one_warning_and_the_photo_is_shown_as_if_untagged(
    publication: Publication,
    server: HTTPServer,
    capsys: pytest.CaptureFixture[str],
    profile: bytes,
) -> None:
    server.expect_request("/odd.jpg").respond_with_data(
        jpeg(colour_chart(), icc_profile=profile), content_type="image/jpeg"
    )
    publish_feed(publication, server, item("Odd profile", server.url_for("/odd.jpg")))
    assert build(publication) == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    [warning] = lines
    assert warning.startswith(
        f"warning: image {server.url_for('/odd.jpg')}: its ICC colour profile cannot be used ("
    )
    assert warning.endswith("it is made for email as if it had none, so its colours may be off "
                            "(save it as sRGB to be sure)")  # fmt: skip
    [tag] = shown(publication)
    assert close(patch_colours(media(publication, tag).read_bytes()), list(COLOURS))

    assert build(publication) == 0  # its derivative is made: no warning on every build
    assert capsys.readouterr().err == ""


def test_a_grey_scan_with_a_linear_profile_stays_grey_with_its_tones_in_srgb(
    publication: Publication, server: HTTPServer
) -> None:
    greys = [(64,), (128,), (192,), (32,), (224,)]
    scan = colour_chart("L", greys)
    server.expect_request("/scan.jpg").respond_with_data(
        jpeg(scan, icc_profile=icc.grey_profile("Linear grey", 1.0)), content_type="image/jpeg"
    )
    publish_feed(publication, server, item("Scan", server.url_for("/scan.jpg")))
    assert build(publication) == 0
    [tag] = shown(publication)
    published = media(publication, tag).read_bytes()
    with PILImage.open(io.BytesIO(published)) as derivative:
        assert derivative.mode == "L"  # one channel, as small as a grey picture is
    wanted = [(round(icc.srgb_encoded(grey / 255)),) * 3 for (grey,) in greys]
    assert wanted[1] == (188, 188, 188)  # linear mid-grey is light in sRGB
    assert close(patch_colours(published), wanted)


def test_a_cmyk_jpeg_is_published_as_rgb_in_its_colours(
    publication: Publication, server: HTTPServer
) -> None:
    inks = [(255, 0, 0, 0), (0, 255, 0, 0), (0, 0, 255, 0), (0, 0, 0, 128), (0, 128, 255, 64)]
    server.expect_request("/print.jpg").respond_with_data(
        jpeg(colour_chart("CMYK", inks)), content_type="image/jpeg"
    )
    publish_feed(publication, server, item("Print file", server.url_for("/print.jpg")))
    assert build(publication) == 0
    [tag] = shown(publication)
    published = media(publication, tag).read_bytes()
    with PILImage.open(io.BytesIO(published)) as derivative:
        assert derivative.format == "JPEG" and derivative.mode == "RGB"  # old Outlook: no CMYK
    # cyan, magenta, yellow, half black, an orange: as a browser shows an untagged CMYK file
    wanted = [(0, 255, 255), (255, 0, 255), (255, 255, 0), (127, 127, 127), (191, 95, 0)]
    assert close(patch_colours(published), wanted)


def test_a_transparent_graphic_in_adobe_rgb_keeps_its_transparency() -> None:
    logo = PILImage.new("RGBA", (300, 200), (0, 0, 0, 0))
    logo.paste((200, 80, 60, 255), (50, 50, 250, 150))
    buffer = io.BytesIO()
    logo.save(buffer, "PNG", icc_profile=icc.adobe_rgb())
    encoded, extension, _, _ = pixels.derive(buffer.getvalue(), images.LEAD_WIDTH, 150_000)
    assert extension == "png"
    _, primaries, decoded = WIDE_GAMUTS["Adobe RGB"]
    with PILImage.open(io.BytesIO(encoded)) as published:
        rgba = published.convert("RGBA")
        corner, middle = rgba.getpixel((5, 5)), rgba.getpixel((150, 100))
    assert isinstance(corner, tuple) and isinstance(middle, tuple)
    assert corner[3] == 0 and middle[3] == 255  # transparent around, opaque inside
    assert close([middle[:3]], [in_srgb((200, 80, 60), primaries, decoded)])


def test_a_staff_entrys_picture_with_a_broken_profile_is_named_by_its_file(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = jpeg(colour_chart(), icc_profile=random.Random(3).randbytes(2000))
    publication.file("feeds/entries/images/award.jpg", odd)
    publication.entry(
        "2025/award.md",
        """
        ---
        title: An award
        date: 2025-10-01
        image: feeds/entries/images/award.jpg
        image_alt: The winner on stage
        ---
        The story.
        """,
    )
    publication.configure()
    assert build(publication, "--offline") == 0
    assert capsys.readouterr().err.splitlines() == [
        "warning: image feeds/entries/images/award.jpg: its ICC colour profile cannot be used "
        "(OSError: cannot open profile from string); it is made for email as if it had none, "
        "so its colours may be off (save it as sRGB to be sure)"
    ]
    [tag] = shown(publication)
    assert close(patch_colours(media(publication, tag).read_bytes()), list(COLOURS))
