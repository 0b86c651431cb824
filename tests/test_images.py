"""Images made for email: fetched once from a real HTTP server on 127.0.0.1, checked by their
bytes, kept in the archive, published under out/media/ sized for their place; feeds cannot
make digest fetch from private or loopback addresses."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import random
import re
import socket
import sqlite3
import ssl
import struct
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme
from PIL import Image as PILImage
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest import images, netguard
from digest.cli import main
from digest.config import load
from digest.design import DESIGN
from digest.images import pixels
from digest.ingest.fetch import fetch_checked, web_client
from tests.conftest import NOW, Publication, rss

WEEK = "2025-W40"
IMAGES_TABLE = '[images]\nallow_hosts = ["127.0.0.1"]\n'
EMAIL = f"out/weekly/{WEEK}/email.html"
IMG_TAG = re.compile(r"<img\b[^>]*>")


def photo(width: int, height: int, **save: object) -> bytes:
    """A JPEG with the detail of a photo: smooth noise in many colours."""
    noise = random.Random(f"{width}x{height}").randbytes((width // 10 + 1) * (height // 10 + 1) * 3)
    small = PILImage.frombytes("RGB", (width // 10 + 1, height // 10 + 1), noise)
    buffer = io.BytesIO()
    small.resize((width, height), PILImage.Resampling.BICUBIC).save(
        buffer, "JPEG", quality=90, **save
    )
    return buffer.getvalue()


def graphic_with_alpha(width: int = 400, height: int = 200) -> bytes:
    image = PILImage.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste((31, 90, 150, 255), (20, 20, width - 20, height - 20))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def png_bomb(side: int = 30_000) -> bytes:
    """A valid PNG of side x side one-bit pixels: ~110 KB on the wire, 900 megapixels decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\0" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def item(title: str, image_url: str, day: int = 1) -> str:
    return (
        f"<item><title>{title}</title><link>https://news.test/{day}-{title.replace(' ', '-')}</link>"
        f"<guid>https://news.test/{day}-{title.replace(' ', '-')}</guid>"
        f"<pubDate>Wed, 0{day} Oct 2025 10:00:00 +0000</pubDate><description>About {title}.</description>"
        f'<media:content url="{image_url}" medium="image" type="image/jpeg"/></item>'
    )


def publish_feed(
    publication: Publication,
    server: HTTPServer,
    items: str,
    images_table: str = "",
    fetch_settings: str = "timeout = 10",
) -> None:
    server.expect_request("/feed.xml").respond_with_data(
        rss(items), content_type="application/rss+xml"
    )
    publication.configure(
        f"""
        [fetch]
        retries = 0
        {fetch_settings}

        [images]
        {images_table or 'allow_hosts = ["127.0.0.1"]'}

        [[sources]]
        name = "News"
        url = "{server.url_for("/feed.xml")}"
        """
    )


def build(publication: Publication, *arguments: str, out: str = "out") -> int:
    return main(
        ["build", "--config", str(publication.root), "--quiet", "--week", WEEK,
         "--out", str(publication.root / out), *arguments]
    )  # fmt: skip


def shown(publication: Publication, out: str = "out") -> list[dict[str, str]]:
    """The email's <img> tags (the logo aside) with their attributes."""
    html = (publication.root / out / f"weekly/{WEEK}/email.html").read_text(encoding="utf-8")
    tags = [dict(re.findall(r'\s([a-z-]+)="([^"]*)"', tag)) for tag in IMG_TAG.findall(html)]
    return [tag for tag in tags if "-logo" not in tag.get("src", "")]


def media(publication: Publication, tag: dict[str, str], out: str = "out") -> Path:
    src = tag["src"]
    assert src.startswith("https://digest.test/media/"), src
    return publication.root / out / src.removeprefix("https://digest.test/")


def test_a_150px_thumbnail_is_not_upscaled(publication: Publication, server: HTTPServer) -> None:
    server.expect_request("/small.jpg").respond_with_data(
        photo(150, 100), content_type="image/jpeg"
    )
    publish_feed(publication, server, item("Small picture", server.url_for("/small.jpg")))
    assert build(publication) == 0
    [tag] = shown(publication)
    assert (tag["width"], tag["height"]) == ("150", "100")
    with PILImage.open(media(publication, tag)) as published:
        assert published.size == (150, 100)


def test_a_16_bit_greyscale_png_keeps_its_greys_instead_of_turning_white(
    publication: Publication, server: HTTPServer
) -> None:
    grey = PILImage.new("L", (300, 200), 64)
    grey.paste(192, (150, 0, 300, 200))  # dark on the left, light on the right
    sixteen = grey.convert("I").point(lambda value: value * 257).convert("I;16")
    buffer = io.BytesIO()
    sixteen.save(buffer, "PNG")
    server.expect_request("/scan.png").respond_with_data(
        buffer.getvalue(), content_type="image/png"
    )
    publish_feed(publication, server, item("Scan", server.url_for("/scan.png")))
    assert build(publication) == 0
    [tag] = shown(publication)
    with PILImage.open(media(publication, tag)) as published:
        shades = published.convert("L")
        assert abs(shades.getpixel((40, 100)) - 64) <= 2
        assert abs(shades.getpixel((260, 100)) - 192) <= 2


def test_a_huge_icc_profile_is_not_published_with_the_picture() -> None:
    """PNG derivatives drop the source's ICC profile too (every metadata field): a profile of
    half a megabyte would weigh more than the picture and its byte budget."""
    logo = PILImage.new("RGB", (300, 200), (10, 120, 200))
    logo.paste((240, 240, 240), (0, 0, 150, 200))
    buffer = io.BytesIO()
    logo.save(buffer, "PNG", icc_profile=random.Random(1).randbytes(500_000))
    master, _ = pixels.master(buffer.getvalue())
    encoded, extension, width, _ = pixels.derive(master, images.LEAD_WIDTH, 150_000)
    assert (extension, width) == ("png", 300)  # within the budget at full size
    with PILImage.open(io.BytesIO(encoded)) as published:
        assert "icc_profile" not in published.info and not published.getexif()
    assert len(encoded) < 10_000


def test_a_4000px_photo_becomes_at_most_twice_its_display_width_within_the_budget(
    publication: Publication, server: HTTPServer
) -> None:
    original = photo(4000, 2667)
    server.expect_request("/big.jpg").respond_with_data(original, content_type="image/jpeg")
    server.expect_request("/second.jpg").respond_with_data(original, content_type="image/jpeg")
    items = item("Big picture", server.url_for("/big.jpg"), 2) + item(
        "Second story", server.url_for("/second.jpg"), 1
    )
    publish_feed(publication, server, items, 'allow_hosts = ["127.0.0.1"]\nmax_bytes = 60_000')
    assert build(publication) == 0
    lead, thumbnail = shown(publication)
    for tag, place in ((lead, DESIGN.column_width), (thumbnail, images.THUMBNAIL_WIDTH)):
        path = media(publication, tag)
        assert path.stat().st_size <= 60_000
        with PILImage.open(path) as published:
            assert published.format == "JPEG"
            assert place < published.width <= 2 * place
            assert int(tag["width"]) == place  # shown at its place's width, sharp at 2x
            assert int(tag["height"]) == round(place * published.height / published.width)
    assert len(original) > 10 * lead_size(publication, lead)


def lead_size(publication: Publication, tag: dict[str, str]) -> int:
    return media(publication, tag).stat().st_size


def test_an_exif_rotated_photo_comes_out_upright_without_exif(
    publication: Publication, server: HTTPServer
) -> None:
    sideways = PILImage.new("RGB", (300, 200), "blue")
    sideways.paste((220, 0, 0), (0, 0, 150, 200))  # red on the left: on top once turned upright
    exif = PILImage.Exif()
    exif[0x0112] = 6  # Orientation: turn 90 degrees clockwise to show
    exif[0x010F] = "Camera maker"
    buffer = io.BytesIO()
    sideways.save(buffer, "JPEG", quality=95, exif=exif)
    server.expect_request("/rotated.jpg").respond_with_data(
        buffer.getvalue(), content_type="image/jpeg"
    )
    publish_feed(publication, server, item("Rotated", server.url_for("/rotated.jpg")))
    assert build(publication) == 0
    [tag] = shown(publication)
    assert (tag["width"], tag["height"]) == ("200", "300")
    with PILImage.open(media(publication, tag)) as published:
        assert published.size == (200, 300)
        assert not published.getexif() and "exif" not in published.info
        red, _, blue = published.convert("RGB").getpixel((100, 40))
        assert red > 150 and blue < 100  # the red half is on top
        red, _, blue = published.convert("RGB").getpixel((100, 260))
        assert blue > 150 and red < 100


def test_a_png_with_alpha_stays_png(publication: Publication, server: HTTPServer) -> None:
    server.expect_request("/diagram.png").respond_with_data(
        graphic_with_alpha(), content_type="image/png"
    )
    publish_feed(publication, server, item("Diagram", server.url_for("/diagram.png")))
    assert build(publication) == 0
    [tag] = shown(publication)
    assert tag["src"].endswith(".png")
    with PILImage.open(media(publication, tag)) as published:
        assert published.format == "PNG" and published.mode in ("RGBA", "P")
        assert published.convert("RGBA").getpixel((2, 2))[3] == 0  # the transparent corner


def test_a_non_image_served_as_jpeg_leaves_its_story_text_only_with_one_warning(
    publication: Publication, server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.expect_request("/fake.jpg").respond_with_data(
        b"<html>not a picture</html>", content_type="image/jpeg"
    )
    server.expect_request("/real.jpg").respond_with_data(photo(600, 400), content_type="image/jpeg")
    items = item("Fake", server.url_for("/fake.jpg"), 2) + item(
        "Real", server.url_for("/real.jpg"), 1
    )
    publish_feed(publication, server, items)
    assert build(publication) == 0  # the issue is built; the warning says what is missing
    warnings = [line for line in capsys.readouterr().err.splitlines() if "fake.jpg" in line]
    assert warnings == [
        f"warning: image {server.url_for('/fake.jpg')}: not an image Pillow can read "
        "(UnidentifiedImageError); its entry is shown without it"
    ]
    html = (publication.root / EMAIL).read_text(encoding="utf-8")
    assert "Fake" in html and "fake" not in " ".join(IMG_TAG.findall(html))
    [real] = shown(publication)
    assert real["src"].endswith("-real.jpg")


def test_a_decompression_bomb_is_refused_without_using_much_memory() -> None:
    bomb = png_bomb()
    assert len(bomb) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(images.Unusable, match="pixels"):
            pixels.master(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # decoded it would be 112 MB at one bit a pixel, 900 MB as RGB


def test_a_decompression_bomb_in_a_feed_leaves_its_story_text_only(
    publication: Publication, server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.expect_request("/bomb.png").respond_with_data(png_bomb(), content_type="image/png")
    publish_feed(publication, server, item("Bomb", server.url_for("/bomb.png")))
    assert build(publication) == 0
    [warning] = capsys.readouterr().err.splitlines()
    assert warning.startswith(f"warning: image {server.url_for('/bomb.png')}: too many pixels")
    assert shown(publication) == []


def test_a_redirect_to_127_0_0_1_is_refused_when_not_allowed(
    publication: Publication, server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    inside = server.url_for("/internal.jpg")  # http://127.0.0.1:port/…
    server.expect_request("/internal.jpg").respond_with_data(
        photo(300, 200), content_type="image/jpeg"
    )
    server.expect_request("/moved.jpg").respond_with_data(
        "", status=302, headers={"Location": inside}
    )
    outside = server.url_for("/moved.jpg").replace("127.0.0.1", "localhost")
    publish_feed(publication, server, item("Moved", outside), 'allow_hosts = ["localhost"]')
    assert build(publication) == 0
    assert (
        f"warning: image {outside}: {inside}: 127.0.0.1 is a loopback address"
        in capsys.readouterr().err
    )
    assert [request.path for request, _ in server.log if request.path.endswith(".jpg")] == [
        "/moved.jpg"
    ]
    assert shown(publication) == []


def test_a_host_name_resolving_to_loopback_is_refused(
    publication: Publication, server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.expect_request("/named.jpg").respond_with_data(
        photo(300, 200), content_type="image/jpeg"
    )
    named = server.url_for("/named.jpg").replace("127.0.0.1", "localhost")
    publish_feed(publication, server, item("Named", named))  # only 127.0.0.1 is allowed
    assert build(publication) == 0
    assert "localhost resolves to 127.0.0.1, a loopback address" in capsys.readouterr().err
    assert not [request for request, _ in server.log if request.path == "/named.jpg"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.1.2.3/a.jpg", "a private address"),
        ("http://192.168.0.10/a.jpg", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://[fc00::1]/a.jpg", "a unique-local address"),
        ("http://[fe80::1]/a.jpg", "a link-local address"),
        ("http://[::1]/a.jpg", "a loopback address"),
        ("http://[::ffff:10.0.0.1]/a.jpg", "a private address"),
        ("http://[::ffff:127.0.0.1]/a.jpg", "a loopback address"),
        ("http://0.0.0.0/a.jpg", "an unspecified address"),
    ],
)
def test_private_link_local_and_unique_local_addresses_are_refused(url: str, reason: str) -> None:
    with pytest.raises(netguard.Refused, match=reason):
        netguard.target(url, [])


def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    def rebinding(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    with pytest.raises(
        netguard.Refused, match=r"images\.test resolves to 10\.0\.0\.7, a private address"
    ):
        netguard.target("https://images.test/a.jpg", [], rebinding)
    found = netguard.target("https://images.test/a.jpg", [], lambda host, port: ["93.184.216.34"])
    assert (found.address, found.connect_url) == (
        "93.184.216.34",
        "https://93.184.216.34:443/a.jpg",
    )


def test_the_fetch_connects_to_the_checked_address_not_to_a_second_lookup(
    publication: Publication, server: HTTPServer
) -> None:
    """images.test resolves nowhere: the request reaches the server only through the address
    the check returned, and the server is told the host the URL names."""
    hosts: list[str] = []

    def answer(request: Request) -> Response:
        hosts.append(request.headers.get("Host", ""))
        return Response(photo(50, 50), content_type="image/jpeg")

    server.expect_request("/a.jpg").respond_with_handler(answer)
    config = load(publication.configure())

    def checked(url: str) -> netguard.Target:  # as netguard.target, had DNS said 127.0.0.1
        return netguard.Target("http", "images.test", server.port, "127.0.0.1", "/a.jpg")

    with web_client(config, for_images=True) as client:
        result = fetch_checked(client, "http://images.test/a.jpg", config, checked)
    assert result.error is None and result.body and result.body.startswith(b"\xff\xd8")
    assert hosts == [f"images.test:{server.port}"]


def test_a_picture_trickled_until_the_deadline_fails_as_timed_out_not_as_half_a_picture(
    publication: Publication,
) -> None:
    """A body without Content-Length ends where the connection closes: the deadline's close
    must not pass for the end of the picture."""
    listener = socket.create_server(("127.0.0.1", 0))
    stopped = threading.Event()

    def trickle() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(4096)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n")
            for byte in photo(300, 200)[:40]:  # at most 8 s; the client leaves after 1
                if stopped.wait(0.2):
                    return
                with contextlib.suppress(OSError):
                    connection.sendall(bytes([byte]))

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/slow.jpg"
    config = load(publication.configure("[fetch]\ntimeout = 1\nretries = 0\n" + IMAGES_TABLE))
    try:
        with web_client(config, for_images=True) as client:
            result = fetch_checked(
                client, url, config, lambda url: netguard.target(url, ["127.0.0.1"])
            )
    finally:
        stopped.set()
        thread.join(timeout=5)
        listener.close()
    assert result.body is None
    assert result.error == f"{url}: timed out: no complete answer within 1 s"


def test_a_chain_of_slow_redirects_gets_one_timeout_for_the_picture_not_one_per_hop(
    publication: Publication, server: HTTPServer
) -> None:
    """Four hops of 0.6 s each, against [fetch] timeout = 1: the picture fails as timed out
    (each hop had a whole timeout of its own: 6 hops, 6 timeouts)."""

    def slowly_to(location: str) -> Callable[[Request], Response]:
        def answer(request: Request) -> Response:
            time.sleep(0.6)
            return Response("", status=302, headers={"Location": location})

        return answer

    for hop in range(1, 4):
        server.expect_request(f"/hop{hop}").respond_with_handler(slowly_to(f"/hop{hop + 1}"))
    server.expect_request("/hop4").respond_with_data(photo(50, 50), content_type="image/jpeg")
    config = load(publication.configure("[fetch]\ntimeout = 1\nretries = 0\n" + IMAGES_TABLE))
    url = server.url_for("/hop1")
    with web_client(config, for_images=True) as client:
        result = fetch_checked(client, url, config, lambda url: netguard.target(url, ["127.0.0.1"]))
    assert result.body is None
    assert result.error == f"{server.url_for('/hop2')}: timed out: no complete answer within 1 s"


def test_a_picture_on_an_international_domain_name_is_fetched_under_its_a_label(
    publication: Publication, server: HTTPServer
) -> None:
    """bølgen.test is asked of DNS, and named in Host (and TLS), as xn--blgen-vua.test: a Host
    header of non-ASCII letters failed every such picture."""
    hosts: list[str] = []

    def answer(request: Request) -> Response:
        hosts.append(request.headers.get("Host", ""))
        return Response(photo(50, 50), content_type="image/jpeg")

    server.expect_request("/a.jpg").respond_with_handler(answer)
    config = load(publication.configure())
    asked: list[str] = []

    def public(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["93.184.216.34"]

    def checked(url: str) -> netguard.Target:  # as checked, then sent to the test server
        found = netguard.target(url, [], public)
        return dataclasses.replace(found, address="127.0.0.1", port=server.port)

    with web_client(config, for_images=True) as client:
        result = fetch_checked(client, "http://Bølgen.test/a.jpg", config, checked)
    assert result.error is None and result.body and result.body.startswith(b"\xff\xd8")
    assert asked == ["xn--blgen-vua.test"]
    assert hosts == [f"xn--blgen-vua.test:{server.port}"]
    assert netguard.target("http://bølgen.test/", ["BØLGEN.test"]).address == "xn--blgen-vua.test"


def test_a_second_build_offline_uses_the_archive_and_writes_identical_bytes(
    publication: Publication, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.expect_request("/a.jpg").respond_with_data(photo(1600, 1000), content_type="image/jpeg")
    server.expect_request("/b.png").respond_with_data(
        graphic_with_alpha(), content_type="image/png"
    )
    items = item("First", server.url_for("/a.jpg"), 2) + item("Second", server.url_for("/b.png"), 1)
    publish_feed(publication, server, items)
    assert build(publication) == 0
    first = {
        path.name: path.read_bytes()
        for path in (publication.root / "out").rglob("*")
        if path.is_file()
    }
    server.stop()  # the pictures' source is gone

    assert build(publication, "--offline", out="again") == 0
    again = {
        path.name: path.read_bytes()
        for path in (publication.root / "again").rglob("*")
        if path.is_file()
    }
    assert again == first
    assert len(shown(publication, "again")) == 2

    made: list[int] = []
    derive = pixels.derive
    monkeypatch.setattr(pixels, "derive", lambda *args: made.append(1) or derive(*args))
    (publication.root / "out" / f"weekly/{WEEK}/email.html").unlink()  # the issue is rendered again
    assert build(publication, "--offline") == 0
    assert made == []  # its pictures are in out/media/ already: none is encoded again
    assert (publication.root / EMAIL).read_bytes() == first["email.html"]


def test_hotlink_mode_keeps_the_feeds_urls_and_fetches_nothing(
    publication: Publication, server: HTTPServer
) -> None:
    url = server.url_for("/hot.jpg")
    publish_feed(publication, server, item("Hot", url), 'mode = "hotlink"')
    assert build(publication) == 0
    [tag] = shown(publication)
    assert tag["src"] == url
    assert not [request for request, _ in server.log if request.path == "/hot.jpg"]


def test_the_sample_shows_its_pictures_offline_on_a_fresh_clone(sample: Path) -> None:
    assert main(["build", "--config", str(sample), "--quiet", "--offline", "--week", WEEK]) == 0
    html = (sample / EMAIL).read_text(encoding="utf-8")
    pictures = [tag for tag in IMG_TAG.findall(html) if "-logo" not in tag]
    assert len(pictures) >= 3
    for tag in pictures:
        src = re.search(r'src="https://digest\.example\.org/([^"]+)"', tag)
        assert src and (sample / "out" / src.group(1)).is_file(), tag
        assert re.search(r'\swidth="\d+"', tag) and re.search(r'\sheight="\d+"', tag), tag


def test_an_offline_build_links_a_never_fetched_picture_at_its_source_until_it_is_fetched(
    publication: Publication, server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.expect_request("/later.jpg").respond_with_data(
        photo(800, 500), content_type="image/jpeg"
    )
    url = server.url_for("/later.jpg")
    publication.file("feeds/saved/news.xml", rss(item("Later", url)))
    publication.configure(
        """
        [images]
        allow_hosts = ["127.0.0.1"]

        [[sources]]
        name = "News"
        path = "feeds/saved/news.xml"
        """
    )
    assert main(["build", "--config", str(publication.root), "--offline", "--week", WEEK]) == 0
    assert "1 picture(s) of weekly/2025-W40 are not in the archive yet" in capsys.readouterr().out
    [tag] = shown(publication)
    assert tag["src"] == url and not server.log
    assert build(publication) == 0  # online: fetched, kept, and published
    [tag] = shown(publication)
    assert media(publication, tag).is_file() and len(server.log) == 1


def test_an_image_the_editor_puts_in_the_decision_file_is_fetched_and_made_for_email(
    publication: Publication, server: HTTPServer
) -> None:
    server.expect_request("/feed.jpg").respond_with_data(photo(300, 200), content_type="image/jpeg")
    server.expect_request("/editor.jpg").respond_with_data(
        photo(2000, 1000), content_type="image/jpeg"
    )
    publish_feed(publication, server, item("Story", server.url_for("/feed.jpg")))
    publication.file(
        f"feeds/issues/{WEEK}.toml",
        f"""
        [[entries]]
        id = "https://news.test/1-Story"
        image = "{server.url_for("/editor.jpg")}"
        """,
    )
    assert build(publication) == 0
    [tag] = shown(publication)
    assert (tag["width"], tag["height"]) == (
        str(DESIGN.column_width),
        str(DESIGN.column_width // 2),
    )
    with PILImage.open(media(publication, tag)) as published:
        assert published.size == (2 * DESIGN.column_width, DESIGN.column_width)


def test_a_picture_in_a_highlights_body_is_made_for_the_column_too(
    publication: Publication, server: HTTPServer
) -> None:
    server.expect_request("/figure.png").respond_with_data(
        graphic_with_alpha(1600, 800), content_type="image/png"
    )
    server.expect_request("/gone.png").respond_with_data("", status=404)
    publication.configure(IMAGES_TABLE)
    publication.entry(
        "2024/award.md",
        f"""
        ---
        title: The award
        date: 2024-05-02
        highlight: true
        ---
        The figure:

        ![Survival curves]({server.url_for("/figure.png")})

        ![Missing]({server.url_for("/gone.png")})
        """,
    )
    assert main(["build", "--config", str(publication.root), "--quiet", "--year", "2024"]) == 0
    html = (publication.root / "out/yearly/2024/email.html").read_text(encoding="utf-8")
    [figure] = [tag for tag in IMG_TAG.findall(html) if "Survival" in tag]
    assert re.search(r'src="https://digest\.test/media/[0-9a-f]{16}-figure\.png"', figure), figure
    assert f'width="{DESIGN.column_width}"' in figure
    assert f'height="{DESIGN.column_width // 2}"' in figure
    assert "gone.png" not in html and "The figure:" in html


def test_a_resolver_that_never_answers_costs_its_time_out_not_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answered = threading.Event()

    def silent(*arguments: object, **options: object) -> list[object]:
        answered.wait(5)  # released at the end of the test
        return []

    monkeypatch.setattr(netguard.socket, "getaddrinfo", silent)
    monkeypatch.setattr(netguard, "DNS_TIMEOUT", 0.2)
    try:
        with pytest.raises(
            netguard.Refused, match=r"cannot resolve slow\.test: no answer within 0\.2 s"
        ):
            netguard.target("https://slow.test/a.jpg", [])
    finally:
        answered.set()


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPServer]:
    """An HTTPS server on 127.0.0.1 whose certificate names images.test (and only that), issued
    by a test authority (trustme) that the HTTP client trusts through SSL_CERT_FILE."""
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("images.test").configure_cert(context)
    trusted = tmp_path / "authority.pem"
    authority.cert_pem.write_to_path(str(trusted))
    monkeypatch.setenv("SSL_CERT_FILE", str(trusted))
    running = HTTPServer(host="127.0.0.1", ssl_context=context)
    running.start()
    yield running
    running.stop()


def test_over_https_the_checked_address_is_reached_under_the_host_name_its_certificate_names(
    publication: Publication, tls_server: HTTPServer
) -> None:
    tls_server.expect_request("/a.jpg").respond_with_data(photo(50, 50), content_type="image/jpeg")
    config = load(publication.configure())

    def at(host: str) -> Callable[[str], netguard.Target]:
        return lambda url: netguard.Target("https", host, tls_server.port, "127.0.0.1", "/a.jpg")

    with web_client(config, for_images=True) as client:
        good = fetch_checked(client, "https://images.test/a.jpg", config, at("images.test"))
        wrong = fetch_checked(client, "https://other.test/a.jpg", config, at("other.test"))
    assert good.error is None and good.body and good.body.startswith(b"\xff\xd8")
    assert wrong.body is None and wrong.error and "TLS error" in wrong.error


def test_a_remote_logo_is_fetched_kept_and_shown_at_half_its_pixels(
    publication: Publication, server: HTTPServer
) -> None:
    server.expect_request("/logo.png").respond_with_data(
        graphic_with_alpha(400, 100), content_type="image/png"
    )
    publication.entry("2025/news.md", "---\ntitle: News\ndate: 2025-10-01\n---\nBody.\n")
    publication.config_text = publication.config_text.replace(
        'language = "en"', f'language = "en"\nlogo = "{server.url_for("/logo.png")}"'
    )
    publication.configure(IMAGES_TABLE)
    assert build(publication) == 0
    html = (publication.root / EMAIL).read_text(encoding="utf-8")
    [logo] = [tag for tag in IMG_TAG.findall(html) if 'alt="Test Digest"' in tag][:1]
    assert 'width="200"' in logo and 'height="50"' in logo
    src = re.search(r'src="https://digest\.test/(media/[0-9a-f]{16}-logo\.png)"', logo)
    assert src and (publication.root / "out" / src.group(1)).is_file()


def test_an_archive_from_before_images_opens_with_its_image_tables(tmp_path: Path) -> None:
    import sqlite3

    from digest.archive import SCHEMA, Archive

    path = tmp_path / "archive.sqlite"
    with sqlite3.connect(path) as old:  # schema 3, as digest wrote it before images were kept
        old.executescript(SCHEMA)
    with Archive(path) as archive:
        archive.store_image("https://a.test/x.jpg", b"bytes", "0" * 64, (3, 2), NOW)
        assert archive.stored_images(["https://a.test/x.jpg"]) == {
            "https://a.test/x.jpg": ("0" * 64, 3, 2)
        }


def test_a_logo_pillow_cannot_read_is_named_as_the_configured_logo_not_as_an_entry(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    publication.entry("2025/news.md", "---\ntitle: News\ndate: 2025-10-01\n---\nBody.\n")
    (publication.root / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', encoding="utf-8"
    )
    publication.config_text = publication.config_text.replace(
        'language = "en"', 'language = "en"\nlogo = "logo.svg"'
    )
    publication.configure(IMAGES_TABLE)
    assert build(publication) == 0
    assert capsys.readouterr().err.splitlines() == [
        "warning: publication.logo: logo.svg: not an image Pillow can read "
        "(UnidentifiedImageError); it is linked as it is, not made for email "
        "(give a PNG or JPEG digest can read)"
    ]
    html = (publication.root / EMAIL).read_text(encoding="utf-8")
    [logo] = [tag for tag in IMG_TAG.findall(html) if 'alt="Test Digest"' in tag]
    src = re.search(r'src="https://digest\.test/(media/[0-9a-f]{10}-logo\.svg)"', logo)
    assert src and (publication.root / "out" / src.group(1)).is_file()


def test_a_remote_logo_that_fails_is_named_as_the_configured_logo_once(
    publication: Publication, server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.expect_request("/logo.png").respond_with_data("gone", status=404)
    publication.entry("2025/news.md", "---\ntitle: News\ndate: 2025-10-01\n---\nBody.\n")
    url = server.url_for("/logo.png")
    publication.config_text = publication.config_text.replace(
        'language = "en"', f'language = "en"\nlogo = "{url}"'
    )
    publication.configure("[fetch]\nretries = 0\n" + IMAGES_TABLE)
    assert build(publication) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"warning: publication.logo: {url}: HTTP 404 NOT FOUND; it is linked as it is, "
        "not made for email (give a PNG or JPEG digest can read)"
    ]


def test_pictures_are_stored_as_they_arrive_so_a_fetch_holds_only_a_few_at_a_time(
    publication: Publication, threaded_server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A year of a site's history names hundreds of pictures: each is kept in the archive as it
    arrives, so digest never asks for more than a few beyond those it is done with (it held every
    picture until the last had arrived), and a slow one holds up none of the others. What it
    warns about is told in the feed's order, whatever order the answers come in."""
    concurrency, count = 3, 12  # two downloads are held below; the third fetches the rest
    window = concurrency + images.stage.DECODERS  # pictures held at once, at most
    archive = publication.root / "archive.sqlite"
    base = threaded_server.url_for("/pictures/")
    lock, ahead, broken, second_answered = threading.Lock(), [], [], threading.Event()

    def stored(where: str = "") -> int:
        with contextlib.closing(sqlite3.connect(f"file:{archive}?mode=ro", uri=True)) as db:
            query = f"SELECT count(*) FROM images WHERE url LIKE ? {where}"
            return int(db.execute(query, (f"{base}%",)).fetchone()[0])

    def answer(request: Request) -> Response:
        name = request.path.rsplit("/", 1)[-1]
        with lock:  # asked for, less those digest is done with (stored, or answered unusable)
            ahead.append(len(ahead) + 1 - stored() - len(broken))
        if name == "slow.jpg":  # answered once every other picture is stored (or after 20 s)
            for _ in range(200):
                if stored(f"AND url != '{base}slow.jpg'") == count - 1:
                    break
                time.sleep(0.1)
        if name == "first-broken.jpg":  # answered after the later one
            second_answered.wait(20)
        if name.endswith("broken.jpg"):
            with lock:
                broken.append(name)
            if name == "second-broken.jpg":
                second_answered.set()
            return Response(b"<html>not a picture</html>", content_type="image/jpeg")
        width = 400 + int(name.split("-")[0]) if name[0].isdigit() else 380
        return Response(photo(width, 300), content_type="image/jpeg")

    threaded_server.expect_request(re.compile(r"/pictures/.*")).respond_with_handler(answer)
    names = [
        "slow.jpg",
        "first-broken.jpg",
        *(f"{number}-photo.jpg" for number in range(count - 1)),
        "second-broken.jpg",
    ]
    items = "".join(
        item(f"Story {number}", f"{base}{name}", 1 + number % 7)
        for number, name in enumerate(names)
    )
    publish_feed(publication, threaded_server, items, fetch_settings=f"concurrency = {concurrency}")
    assert main(["fetch", "--config", str(publication.root), "--quiet"]) == 0
    assert len(ahead) == len(names) and max(ahead) <= window
    assert stored() == count  # the slow one too
    assert broken == ["second-broken.jpg", "first-broken.jpg"]
    assert [line for line in capsys.readouterr().err.splitlines() if "broken" in line] == [
        f"warning: image {base}{name}: not an image Pillow can read (UnidentifiedImageError); "
        "its entry is shown without it"
        for name in ("first-broken.jpg", "second-broken.jpg")
    ]
