"""Fetching against a real HTTP server on 127.0.0.1: conditional GET, errors, timeouts, redirects."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest.config import Config
from digest.ingest.fetch import Validators, fetch_all, user_agent
from tests.conftest import Publication, rss

FEED = rss("<item><title>A</title><link>https://icr.test/a</link></item>")


def configure(publication: Publication, server: HTTPServer, *paths: str, timeout: float = 5, retries: int = 0) -> Config:
    sources = "".join(f'\n[[sources]]\nname = "s{i}"\nurl = "{server.url_for(p)}"\n' for i, p in enumerate(paths))
    return publication.load(f"[fetch]\ntimeout = {timeout}\nretries = {retries}\nbackoff = 0.05\n{sources}")


def test_conditional_get_turns_an_unchanged_feed_into_a_304(publication: Publication, httpserver: HTTPServer) -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(FEED, content_type="application/rss+xml", headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 Oct 2025 08:00:00 GMT"})

    httpserver.expect_request("/feed").respond_with_handler(handler)
    config = configure(publication, httpserver, "/feed")
    [first] = fetch_all(config.sources, {}, config)
    assert first.body == FEED.encode() and first.validators == Validators('"v1"', "Wed, 01 Oct 2025 08:00:00 GMT")
    [second] = fetch_all(config.sources, {"s0": first.validators}, config)
    assert second.not_modified and second.body is None
    assert seen[1].headers["If-Modified-Since"] == "Wed, 01 Oct 2025 08:00:00 GMT"
    assert seen[0].headers["User-Agent"] == user_agent(config) and "digest/" in user_agent(config)


@pytest.mark.parametrize(("status", "expected"), [(404, "HTTP 404 NOT FOUND"), (500, "HTTP 500 INTERNAL SERVER ERROR"), (410, "HTTP 410 Gone: the feed was removed for good; remove this source")])
def test_error_status_is_one_line_naming_the_url(publication: Publication, httpserver: HTTPServer, status: int, expected: str) -> None:
    httpserver.expect_request("/feed").respond_with_data("no", status=status)
    config = configure(publication, httpserver, "/feed")
    [result] = fetch_all(config.sources, {}, config)
    assert result.error == f"{httpserver.url_for('/feed')}: {expected}"


def test_slow_server_times_out_without_holding_up_the_others(publication: Publication, threaded_server: HTTPServer) -> None:
    httpserver = threaded_server

    def slow(_: Request) -> Response:
        time.sleep(2)
        return Response(FEED)

    httpserver.expect_request("/slow").respond_with_handler(slow)
    httpserver.expect_request("/fast").respond_with_data(FEED)
    config = configure(publication, httpserver, "/slow", "/fast", timeout=0.5)
    started = time.monotonic()
    slow_result, fast_result = fetch_all(config.sources, {}, config)
    assert time.monotonic() - started < 2
    assert slow_result.error is not None and "/slow: timed out" in slow_result.error
    assert fast_result.body == FEED.encode()


def test_permanent_redirect_is_followed_and_reported(publication: Publication, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": httpserver.url_for("/new")})
    httpserver.expect_request("/new").respond_with_data(FEED)
    config = configure(publication, httpserver, "/old")
    [result] = fetch_all(config.sources, {}, config)
    assert result.body == FEED.encode()
    assert result.notice == f"{httpserver.url_for('/old')} has moved permanently to {httpserver.url_for('/new')}; update the source's url"


def test_redirect_loop_is_an_error(publication: Publication, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/loop").respond_with_data("", status=302, headers={"Location": httpserver.url_for("/loop")})
    config = configure(publication, httpserver, "/loop")
    [result] = fetch_all(config.sources, {}, config)
    assert result.error is not None and "more than 5 redirects" in result.error


def test_unreachable_host_is_an_error_not_a_crash(publication: Publication, make_rss: Callable[..., str]) -> None:
    config = publication.load('[fetch]\ntimeout = 2\n[[sources]]\nname = "down"\nurl = "http://127.0.0.1:9/feed"\n')
    [result] = fetch_all(config.sources, {}, config)
    assert result.error is not None and result.error.startswith("http://127.0.0.1:9/feed: ")


def test_server_errors_are_retried_and_client_errors_are_not(publication: Publication, httpserver: HTTPServer) -> None:
    answers = iter([Response("busy", status=503, headers={"Retry-After": "0"}), Response("oops", status=500), Response(FEED)])
    httpserver.expect_request("/flaky").respond_with_handler(lambda _: next(answers))
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    config = configure(publication, httpserver, "/flaky", "/missing", retries=2)
    flaky, missing = fetch_all(config.sources, {}, config)
    assert flaky.body == FEED.encode()
    assert missing.error is not None and "HTTP 404" in missing.error
    assert sum(1 for request, _ in httpserver.log if request.path == "/missing") == 1


def test_body_over_the_size_cap_is_cut_off(publication: Publication, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/huge").respond_with_data(b"<rss>" + b" " * (2 * 1024 * 1024))
    config = configure(publication, httpserver, "/huge")
    config = config.model_copy(update={"fetch": config.fetch.model_copy(update={"max_mb": 1})})
    [result] = fetch_all(config.sources, {}, config)
    assert result.error == f"{httpserver.url_for('/huge')}: larger than 1 MB; not read"
