"""`digest fetch --backfill` against a real HTTP server on 127.0.0.1: RFC 5005 paged and archived
feeds, WordPress's ?paged=N, a loop of next links, a page that fails midway, a site with no history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest import paths
from digest.archive import Archive
from digest.cli import main
from digest.config import Config
from digest.ingest.backfill import DEFAULT_MAX_PAGES
from tests.conftest import Publication

START = datetime(2024, 12, 20, 9, 0, tzinfo=UTC)  # the newest item; each older one is a day before


def moment(number: int) -> datetime:
    """Item `number`'s date: item 0 is the newest."""
    return START - timedelta(days=number)


def atom_page(numbers: range, links: dict[str, str]) -> str:
    entries = "".join(
        f"<entry><id>https://icr.test/?p={n}</id><title>Story {n}</title>"
        f'<link href="https://icr.test/story-{n}/"/><updated>{moment(n).isoformat()}</updated>'
        f"<summary>Text of story {n}.</summary></entry>"
        for n in numbers
    )
    rel = "".join(f'<link rel="{rel}" href="{href}"/>' for rel, href in links.items())
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>ICR</title><id>https://icr.test/</id><link href="https://icr.test/"/>{rel}'
        f"<updated>{START.isoformat()}</updated>{entries}</feed>"
    )


def rss_page(numbers: range, links: dict[str, str] | None = None) -> str:
    items = "".join(
        f'<item><title>Story {n}</title><link>https://icr.test/story-{n}/</link><guid isPermaLink="false">https://icr.test/?p={n}</guid>'
        f"<pubDate>{moment(n):%a, %d %b %Y %H:%M:%S} +0000</pubDate><description>Text of story {n}.</description></item>"
        for n in numbers
    )
    rel = "".join(f'<atom:link rel="{rel}" href="{href}"/>' for rel, href in (links or {}).items())
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>ICR</title><link>https://icr.test/</link><description>d</description>{rel}{items}</channel></rss>"
    )


def configure(publication: Publication, server: HTTPServer, path: str = "/feed/") -> Config:
    return publication.load(
        f'[fetch]\ntimeout = 5\nretries = 0\nbackoff = 0.05\n\n[[sources]]\nname = "ICR news"\nurl = "{server.url_for(path)}"\n'
    )


def fetch(publication: Publication, *extra: str) -> int:
    return main(["fetch", "--backfill", "--config", str(publication.root), *extra])


def archived(config: Config) -> dict[str, datetime]:
    """Each archived entry's title and date."""
    with Archive(paths.archive_path(config)) as archive:
        entries = archive.published_between(datetime(1990, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    assert len({entry.id for entry in entries}) == len(entries)
    return {entry.title: entry.published for entry in entries}


def test_an_rfc_5005_paged_feed_is_read_to_its_end_each_item_with_its_own_date(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    page2, page3 = httpserver.url_for("/feed/page-2"), "/feed/page-3"  # relative links count too
    httpserver.expect_request("/feed/").respond_with_data(atom_page(range(0, 10), {"next": page2}))
    httpserver.expect_request("/feed/page-2").respond_with_data(atom_page(range(10, 20), {"next": page3}))
    httpserver.expect_request("/feed/page-3").respond_with_data(atom_page(range(20, 25), {}))
    config = configure(publication, httpserver)
    assert fetch(publication) == 0
    out = capsys.readouterr().out
    assert "history of 'ICR news': 3 page(s), 15 new, 0 updated; stopped: page 3 links no next page: the end of its history" in out
    found = archived(config)
    assert len(found) == 25
    # a backfilled story is dated when it was published, not today: it lands in its own week
    assert found["Story 24"] == moment(24) and found["Story 12"] == moment(12)


def test_an_archived_rss_feed_follows_prev_archive_back_to_since(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/feed/").respond_with_data(rss_page(range(0, 10), {"prev-archive": httpserver.url_for("/archive/2")}))
    httpserver.expect_request("/archive/2").respond_with_data(rss_page(range(10, 20), {"prev-archive": httpserver.url_for("/archive/1")}))
    httpserver.expect_request("/archive/1").respond_with_data(rss_page(range(20, 30), {"prev-archive": httpserver.url_for("/archive/0")}))
    httpserver.expect_request("/archive/0").respond_with_data(rss_page(range(30, 40)))
    config = configure(publication, httpserver)
    since = moment(14).date().isoformat()
    assert fetch(publication, "--since", since) == 0
    assert "stopped: page 3 is all older than " + since + ": reached --since" in capsys.readouterr().out
    found = archived(config)
    assert sorted(found, key=lambda title: int(title.split()[1])) == [f"Story {n}" for n in range(0, 15)]
    assert "/archive/0" not in {request.path for request, _ in httpserver.log}


def wordpress(pages: dict[int, str]) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        number = int(request.args.get("paged", "1"))
        if number not in pages:
            return Response("<html>Not found</html>", status=404, content_type="text/html")
        return Response(pages[number], content_type="application/rss+xml")

    return handler


def test_wordpress_feed_pages_are_read_until_the_404(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = {number: rss_page(range((number - 1) * 10, number * 10)) for number in (1, 2, 3)}
    httpserver.expect_request("/feed/").respond_with_handler(wordpress(pages))
    config = configure(publication, httpserver)
    assert fetch(publication) == 0
    assert "3 page(s), 20 new, 0 updated; stopped: page 4 is not found (HTTP 404): the end of its history" in capsys.readouterr().out
    assert len(archived(config)) == 30
    assert [request.args.get("paged") for request, _ in httpserver.log] == [None, None, "2", "3", "4"]  # the normal fetch first


def test_a_site_without_history_says_so_in_one_line(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/feed/").respond_with_handler(wordpress({1: rss_page(range(0, 10))}))
    configure(publication, httpserver)
    assert fetch(publication) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("history of")]
    assert len(lines) == 1 and "offers no history" in lines[0] and "?paged=2" in lines[0]


def test_a_site_that_ignores_paged_has_no_history_and_no_duplicates(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/feed/").respond_with_data(rss_page(range(0, 10)))  # every ?paged= the same
    config = configure(publication, httpserver)
    assert fetch(publication) == 0
    assert "offers no history" in capsys.readouterr().out
    assert len(archived(config)) == 10


def test_a_loop_of_next_links_stops_where_it_returns(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/feed/").respond_with_data(atom_page(range(0, 10), {"next": httpserver.url_for("/p2")}))
    httpserver.expect_request("/p2").respond_with_data(atom_page(range(10, 20), {"next": httpserver.url_for("/p3")}))
    httpserver.expect_request("/p3").respond_with_data(atom_page(range(20, 30), {"next": httpserver.url_for("/p2#again")}))
    config = configure(publication, httpserver)
    assert fetch(publication) == 0
    assert f"stopped: page 4 is page 2 again ({httpserver.url_for('/p2')}#again): a loop" in capsys.readouterr().out
    assert len(archived(config)) == 30


def test_next_links_to_another_site_are_not_followed(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = "http://127.0.0.2:9/feed?page=2"  # another host: never asked
    httpserver.expect_request("/feed/").respond_with_data(atom_page(range(0, 10), {"next": elsewhere}))
    configure(publication, httpserver)
    assert fetch(publication) == 0
    assert f"stopped: page 1 links to another site ({elsewhere}); not followed" in capsys.readouterr().out


def test_the_page_limit_stops_the_walk_and_says_how_to_go_further(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = {number: rss_page(range((number - 1) * 10, number * 10)) for number in range(1, 30)}
    httpserver.expect_request("/feed/").respond_with_handler(wordpress(pages))
    config = configure(publication, httpserver)
    assert fetch(publication, "--max-pages", "4") == 0
    assert "4 page(s), 30 new, 0 updated; stopped: read the page limit (4); more with --max-pages" in capsys.readouterr().out
    assert len(archived(config)) == 40


def test_a_page_failing_midway_keeps_what_was_read_and_a_second_run_adds_the_rest_once(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = {"yes": True}
    pages = {number: rss_page(range((number - 1) * 10, number * 10)) for number in (1, 2, 3, 4)}

    def handler(request: Request) -> Response:
        if request.args.get("paged") == "3" and broken["yes"]:
            return Response("down for maintenance", status=503)
        return wordpress(pages)(request)

    httpserver.expect_request("/feed/").respond_with_handler(handler)
    config = configure(publication, httpserver)
    assert fetch(publication) == 1  # a source failed
    err = capsys.readouterr().err
    assert f"warning: source 'ICR news': history: 2 page(s), 10 new, 0 updated; stopped: page 3: {httpserver.url_for('/feed/')}?paged=3: HTTP 503" in err
    assert "run it again to go on" in err
    assert len(archived(config)) == 20

    broken["yes"] = False
    assert fetch(publication) == 0
    assert "4 page(s), 20 new, 0 updated" in capsys.readouterr().out
    assert len(archived(config)) == 40


def test_a_backfilled_item_that_the_feed_carries_again_stays_one_entry_in_its_week(
    publication: Publication, httpserver: HTTPServer
) -> None:
    pages = {1: rss_page(range(0, 10)), 2: rss_page(range(10, 20))}
    httpserver.expect_request("/feed/").respond_with_handler(wordpress(pages))
    config = configure(publication, httpserver)
    assert fetch(publication) == 0
    pages[1] = rss_page(range(12, 13)).replace("Story 12", "Story 12, edited")  # the site re-posts it
    assert main(["fetch", "--config", str(publication.root)]) == 0
    found = archived(config)
    assert len(found) == 20 and "Story 12" not in found
    assert found["Story 12, edited"] == moment(12)


def test_undated_items_of_history_pages_are_left_out_not_dated_today(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    undated = "<item><title>No date</title><link>https://icr.test/no-date/</link></item>"
    older = rss_page(range(10, 12)).replace("</channel>", undated + "</channel>")
    httpserver.expect_request("/feed/").respond_with_handler(wordpress({1: rss_page(range(0, 10)), 2: older}))
    configure(publication, httpserver)
    assert fetch(publication) == 0
    assert "2 page(s), 2 new, 0 updated; stopped: page 3 is not found (HTTP 404): the end of its history; 1 item(s) without a date left out" in capsys.readouterr().out


def test_backfill_options_are_checked_on_the_command_line(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(publication, httpserver)
    assert main(["fetch", "--since", "2024-01-01", "--config", str(publication.root)]) == 2
    assert "--since, --max-pages and --source go with --backfill" in capsys.readouterr().err
    assert fetch(publication, "--source", "Partner") == 2
    assert "error: --source 'Partner': not a configured source; digest.toml has 'ICR news'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        fetch(publication, "--max-pages", "0")
    assert "argument --max-pages: expected a whole number of pages, 1 or more, got '0'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["fetch", "--help"])
    assert f"at most N pages per source (default: {DEFAULT_MAX_PAGES})" in " ".join(capsys.readouterr().out.split())


def test_backfilled_stories_build_in_their_own_weeks_never_in_this_weeks_issue(
    publication: Publication, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = {1: rss_page(range(0, 3)), 2: rss_page(range(3, 6))}
    httpserver.expect_request("/feed/").respond_with_handler(wordpress(pages))
    configure(publication, httpserver)
    assert fetch(publication) == 0
    root = str(publication.root)
    assert main(["build", "--offline", "--config", root]) == 0  # the last complete week: today's
    assert "no entries dated" in capsys.readouterr().out
    week = f"{moment(4).isocalendar().year}-W{moment(4).isocalendar().week:02d}"  # Monday 16 Dec 2024
    assert main(["build", "--offline", "--week", week, "--config", root]) == 0
    email = (publication.root / "out" / "weekly" / week / "email.html").read_text(encoding="utf-8")
    assert "Story 2" in email and "Story 3" in email and "Story 4" in email  # one from page 1, two from page 2
    assert "Story 5" not in email  # Sunday 15 Dec: the week before
