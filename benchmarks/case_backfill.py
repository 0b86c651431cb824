"""Case 9, backfill: `digest fetch --backfill` of 200 slow feed pages, and `digest import` of a
5,000-post WordPress export."""

from __future__ import annotations

import contextlib
import io
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from feed_server import FeedServer
from inputs import SITE, _cdata, body_html, rss_item, summary_html, title
from measure import Row, Table, interleaved, rate, seconds, times
from publication import write_config

from digest import cli
from digest.ingest.wxr import read_export

PAGES = 200
PER_PAGE = 10
DELAY = 0.1  # seconds the server waits before each answer
PAGES_TARGET = 1.5  # × the ideal: one page after another, each a round trip
POSTS = 5000
POSTS_TARGET = 2000  # posts/s
NEWEST = datetime(2025, 10, 6, 9, 0, tzinfo=UTC)
RSS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
    f"<channel><title>Example News</title><link>{SITE}/</link><description>News</description>"
)


def _page(rng: random.Random, number: int, next_href: str | None) -> bytes:
    """Feed page `number` (1 is the newest) of PER_PAGE items, a few hours apart."""
    first = (number - 1) * PER_PAGE
    items = "".join(
        rss_item(rng, PAGES * PER_PAGE - index, NEWEST - timedelta(hours=3 * index))
        for index in range(first, first + PER_PAGE)
    )
    link = f'<atom:link rel="next" href="{next_href}" />' if next_href else ""
    return f"{RSS_HEAD}{link}\n{items}</channel></rss>\n".encode()


def wordpress_pages() -> dict[str, bytes]:
    """WordPress's feed pages: /feed/, then /feed/?paged=2 … (the server 404s past the last)."""
    rng = random.Random(42)
    return {
        "/feed/" if number == 1 else f"/feed/?paged={number}": _page(rng, number, None)
        for number in range(1, PAGES + 1)
    }


def rfc5005_pages() -> dict[str, bytes]:
    """An RFC 5005 paged feed: each page links the next with <atom:link rel="next">."""
    rng = random.Random(42)
    return {
        f"/paged/{number}": _page(rng, number, f"/paged/{number + 1}" if number < PAGES else None)
        for number in range(1, PAGES + 1)
    }


def wxr_export(count: int) -> bytes:
    """A WordPress export of `count` published posts, every third with a featured image (an
    attachment), and a draft beside every tenth (left out)."""
    rng = random.Random(42)
    items = []
    for number in range(1, count + 1):
        published = NEWEST - timedelta(hours=3 * number)
        if number % 10 == 0:
            items.append(
                f"<item><title>Draft {number}</title><wp:post_id>{200000 + number}</wp:post_id>"
                "<wp:status>draft</wp:status><wp:post_type>post</wp:post_type></item>\n"
            )
        meta = ""
        if number % 3 == 0:
            meta = f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>{100000 + number}</wp:meta_value></wp:postmeta>"
            items.append(
                f"<item><title>photo {number}</title><wp:post_id>{100000 + number}</wp:post_id>"
                "<wp:status>inherit</wp:status><wp:post_type>attachment</wp:post_type>"
                f"<wp:attachment_url>{SITE}/wp-content/uploads/photo-{number}.jpg</wp:attachment_url>"
                "<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key>"
                f"<wp:meta_value>Photo {number}</wp:meta_value></wp:postmeta></item>\n"
            )
        items.append(
            f"<item><title>{title(rng, number)}</title><link>{SITE}/{published:%Y/%m}/post-{number}/</link>"
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f'<guid isPermaLink="false">{SITE}/?p={number}</guid><description></description>'
            f"<content:encoded>{_cdata(body_html(rng, number))}</content:encoded>"
            f"<excerpt:encoded>{_cdata(summary_html(rng))}</excerpt:encoded>"
            f"<wp:post_id>{number}</wp:post_id><wp:post_date_gmt>{published:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>"
            "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type><wp:post_password></wp:post_password>"
            f'<category domain="category" nicename="news">{_cdata("News")}</category>{meta}</item>\n'
        )
    wp = "http://wordpress.org/export/1.2/"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rss version="2.0" xmlns:excerpt="{wp}excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{wp}">\n'
        f"<channel><title>Example News</title><link>{SITE}</link><wp:wxr_version>1.2</wp:wxr_version>\n"
        + "".join(items)
        + "</channel></rss>\n"
    ).encode()


def _cli(*arguments: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli.main([*arguments, "--quiet"])
    if code != 0:
        raise RuntimeError(f"digest {arguments[0]} exited with {code}")


def _forget(folder: Path) -> None:
    for name in ("archive.sqlite", "archive.sqlite-wal", "archive.sqlite-shm"):
        (folder / name).unlink(missing_ok=True)


def _walk_row(workspace: Path, name: str, pages: dict[str, bytes], first: str, runs: int) -> Row:
    """`digest fetch --backfill` of one site from an empty archive, against its ideal: every
    request the walk makes, one after another (the normal fetch of the feed comes first)."""
    with FeedServer(pages, DELAY) as server:
        folder = write_config(workspace / f"backfill-{name}", [("Site", server.url(first))])
        timing = interleaved(
            {
                name: lambda: _cli(
                    "fetch", "--backfill", "--max-pages", str(PAGES + 10), "--config", str(folder)
                )
            },
            runs,
            before_each=lambda: _forget(folder),
        )[name]
        requests = sum(server.take_statuses().values()) // runs
    ideal = requests * DELAY
    ratio = timing.wall / ideal
    return Row(
        f"{name}: {PAGES} pages × {PER_PAGE} items, {requests} requests (CPU {seconds(timing.cpu)})",
        seconds(timing.wall),
        f"ideal {requests} × {DELAY:g} s = {seconds(ideal)}",
        times(ratio),
        f"≤ {PAGES_TARGET}×",
        ratio <= PAGES_TARGET,
    )


def run(workspace: Path, runs: int) -> Table:
    table = Table(
        f"9. backfill: {PAGES} feed pages on 127.0.0.1, each answering after {DELAY * 1000:.0f} ms; "
        f"a {POSTS:,}-post WordPress export; median of {runs} runs"
    )
    table.add(_walk_row(workspace, "WordPress ?paged=N", wordpress_pages(), "/feed/", runs))
    table.add(_walk_row(workspace, 'RFC 5005 rel="next"', rfc5005_pages(), "/paged/1", runs))
    table.notes.append(
        "ideal: the pages are read one after another (each links the next, or its 404 ends the walk)"
    )

    folder = write_config(workspace / "import", [("Site", f"{SITE}/feed/")])
    export = folder / "export.xml"
    export.write_bytes(wxr_export(POSTS))
    timing = interleaved(
        {
            "import": lambda: _cli(
                "import", str(export), "--source", "Site", "--config", str(folder)
            ),
            "read": lambda: read_export(export, UTC),
        },
        runs,
        before_each=lambda: _forget(folder),
    )
    posts = POSTS  # and POSTS / 10 drafts, left out
    speed = posts / timing["import"].wall
    table.add(
        Row(
            f"import: {posts:,} published posts (and {POSTS // 10} drafts), "
            f"{export.stat().st_size / 1e6:.1f} MB "
            f"(CPU {seconds(timing['import'].cpu)})",
            rate(speed, "posts/s"),
            f"reading the export alone {rate(posts / timing['read'].wall, 'posts/s')}",
            "",
            f"≥ {POSTS_TARGET:,} posts/s",
            speed >= POSTS_TARGET,
        )
    )
    return table
