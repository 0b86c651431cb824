"""out/media/ keeps what the issues in out/ show, and nothing else digest made: a picture that
changed, an issue rebuilt with other pictures, a new size leave no old file behind to be
uploaded with the site. Building one week never removes another week's pictures, and a file
digest did not make is never touched."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from digest.cli import main
from digest.images import stage
from tests.conftest import Publication
from tests.test_images import graphic_with_alpha, item, photo, publish_feed

WEEK, NEXT_WEEK = "2025-W40", "2025-W41"  # item(day=1..5) is in the first, day=7 in the second


def build(publication: Publication, *target: str) -> int:
    return main(["build", "--config", str(publication.root), "--quiet", *target])


def media(publication: Publication) -> set[str]:
    folder = publication.root / "out" / "media"
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def shown(publication: Publication, week: str) -> set[str]:
    """The out/media/ files the week's email shows."""
    html = (publication.root / f"out/weekly/{week}/email.html").read_text(encoding="utf-8")
    return set(re.findall(r'src="https://digest\.test/media/([^"]+)"', html))


def serve(server: HTTPServer, path: str, data: bytes, kind: str = "image/jpeg") -> str:
    server.expect_request(path).respond_with_data(data, content_type=kind)
    return server.url_for(path)


def republish(publication: Publication, server: HTTPServer, items: str) -> None:
    """The feed as its source now has it; call before serving its new pictures (those digest
    fetched before are in its archive)."""
    server.clear()
    publish_feed(publication, server, items)


def test_an_entry_whose_picture_changed_leaves_no_old_derivative_behind(
    publication: Publication, server: HTTPServer
) -> None:
    first = serve(server, "/first.jpg", photo(900, 600))
    publish_feed(publication, server, item("Story", first))
    assert build(publication, "--week", WEEK) == 0
    [old] = shown(publication, WEEK)
    assert old in media(publication)

    second = server.url_for("/second.jpg")
    republish(publication, server, item("Story", second))  # the source changed its picture
    serve(server, "/second.jpg", photo(800, 500))
    assert build(publication, "--week", WEEK) == 0
    [new] = shown(publication, WEEK)
    assert new != old
    assert new in media(publication) and old not in media(publication)


def test_a_new_picture_size_leaves_no_derivative_of_the_old_size(
    publication: Publication, server: HTTPServer
) -> None:
    url = serve(server, "/big.jpg", photo(2400, 1600))
    publish_feed(publication, server, item("Big", url))
    assert build(publication, "--week", WEEK) == 0
    before = shown(publication, WEEK)
    publish_feed(
        publication, server, item("Big", url), 'allow_hosts = ["127.0.0.1"]\nmax_bytes = 30_000'
    )
    assert build(publication, "--week", WEEK) == 0
    after = shown(publication, WEEK)
    assert after != before
    assert after <= media(publication) and not before & media(publication)


def test_building_one_week_keeps_the_pictures_another_week_still_shows(
    publication: Publication, server: HTTPServer
) -> None:
    this = serve(server, "/this.jpg", photo(900, 600))
    other = serve(server, "/other.png", graphic_with_alpha(), "image/png")
    items = item("This week", this, 2) + item("Next week", other, 7)
    publish_feed(publication, server, items)
    assert build(publication, "--all") == 0
    kept = shown(publication, NEXT_WEEK)
    assert kept and kept <= media(publication)

    changed = server.url_for("/changed.jpg")
    republish(publication, server, item("This week", changed, 2) + item("Next week", other, 7))
    serve(server, "/changed.jpg", photo(700, 700))
    assert build(publication, "--week", WEEK) == 0
    assert kept <= media(publication)  # the other week was not built, and still shows it
    assert shown(publication, WEEK) <= media(publication)
    assert len(media(publication)) == len(shown(publication, WEEK) | kept)  # the old one: gone


def test_an_issue_built_before_digest_recorded_its_pictures_keeps_them(
    publication: Publication, server: HTTPServer
) -> None:
    """An issue.json without its media (an older digest wrote it), or damaged: its files are read."""
    first = serve(server, "/first.jpg", photo(900, 600))
    second = serve(server, "/second.jpg", photo(600, 900))
    publish_feed(publication, server, item("This week", first, 2) + item("Next week", second, 7))
    assert build(publication, "--all") == 0
    summary = publication.root / f"out/weekly/{NEXT_WEEK}/issue.json"
    fields = json.loads(summary.read_bytes())
    assert fields.pop("media") == [
        f"media/{name}" for name in sorted(shown(publication, NEXT_WEEK))
    ]
    summary.write_text(json.dumps(fields), encoding="utf-8")
    kept = shown(publication, NEXT_WEEK)

    changed = server.url_for("/changed.jpg")
    republish(publication, server, item("This week", changed, 2) + item("Next week", second, 7))
    serve(server, "/changed.jpg", photo(700, 700))
    assert build(publication, "--week", WEEK) == 0
    assert kept <= media(publication)

    summary.write_text("{not json", encoding="utf-8")
    again = server.url_for("/again.jpg")
    republish(publication, server, item("This week", again, 2) + item("Next week", second, 7))
    serve(server, "/again.jpg", photo(500, 800))
    assert build(publication, "--week", WEEK) == 0
    assert media(publication) == shown(publication, WEEK) | kept  # the two before: gone


def test_files_digest_did_not_make_stay_in_out_media(
    publication: Publication, server: HTTPServer
) -> None:
    first = serve(server, "/first.jpg", photo(900, 600))
    publish_feed(publication, server, item("Story", first))
    assert build(publication, "--week", WEEK) == 0
    folder = publication.root / "out" / "media"
    [old] = shown(publication, WEEK)
    theirs = {
        "README.txt": b"Pictures of the newsletter.\n",
        "0123456789-looks-like-ours.jpg": (folder / old).read_bytes(),  # its hash is not its name's
        f"{old[:16]}-copy.jpg": b"not the bytes the name is the hash of",
    }
    for name, data in theirs.items():
        (folder / name).write_bytes(data)
    (folder / "by-hand").mkdir()
    (folder / "by-hand" / "a.jpg").write_bytes(photo(100, 100))
    link = f"{old[:16]}-link.jpg"  # named as digest names the file it links to
    (folder / link).symlink_to(folder / old)

    second = server.url_for("/second.jpg")
    republish(publication, server, item("Story", second))
    serve(server, "/second.jpg", photo(800, 500))
    assert build(publication, "--week", WEEK) == 0
    assert old not in media(publication)  # digest's own old derivative is gone
    assert set(theirs) | {"by-hand", link} <= media(publication)
    assert (folder / "by-hand" / "a.jpg").is_file()
    for name, data in theirs.items():
        assert (folder / name).read_bytes() == data


def test_a_build_with_nothing_changed_removes_nothing(
    publication: Publication, server: HTTPServer
) -> None:
    url = serve(server, "/first.jpg", photo(900, 600))
    publish_feed(publication, server, item("Story", url))
    assert build(publication, "--week", WEEK) == 0
    before = media(publication)
    assert before == shown(publication, WEEK)
    assert build(publication, "--week", WEEK, "--offline") == 0
    assert build(publication, "--week", WEEK) == 0
    assert build(publication, "--all") == 0
    assert media(publication) == before


# The look-behind pattern media_shown used before its scan jumped from one "media/" to the next.
LINK_BEHIND = re.compile(r"(?<![^/\"'\s(=,])media/([^\"'\s<>()\\?#]+)")
LINK_PIECES = st.sampled_from(
    ["media/", "x", "/", '"', "'", " ", "\u3000", "\x1c", "(", ")", "=", ",", "a.jpg", "?", "#",
     "<", ">", "\\", "é", "\n", "amedia/b", "xmedia//media/c"]
)  # fmt: skip


@given(st.lists(LINK_PIECES, max_size=16).map("".join))
@settings(max_examples=300)
def test_links_to_media_are_found_where_the_look_behind_pattern_finds_them(text: str) -> None:
    assert list(stage._media_names(text)) == LINK_BEHIND.findall(text)
