"""Fetching from servers that misbehave, on purpose, on 127.0.0.1.

Whatever a server does (stall, trickle, flood, loop, bomb), the source fails with one
line naming its URL and the cause, within `[fetch] timeout`, and never raises.
Cases werkzeug cannot produce (no answer at all, a byte every 0.2 s, raw gzip) use
a bare socket server; every server loop is bounded and stopped by the test.
"""

from __future__ import annotations

import io
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest.archive import Archive
from digest.config import Config
from digest.ingest.feeds import parse_feed
from digest.ingest.fetch import Fetched, Validators, fetch_all
from digest.pipeline import update_archive
from digest.report import Reporter
from tests.conftest import NOW, Publication, rss

FEED = rss(
    "<item><title>Hostile servers</title><link>https://icr.test/a</link>"
    "<pubDate>Mon, 13 Oct 2025 08:00:00 GMT</pubDate></item>"
)
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>Our news</h1></body></html>"
)


def configure(publication: Publication, *urls: str, **fetch: float) -> Config:
    """A publication with one source per URL and `[fetch]` settings (fast by default)."""
    settings = {"timeout": 1, "retries": 0, "backoff": 0.05, "connect_timeout": 1} | fetch
    table = "".join(f"{key} = {value}\n" for key, value in settings.items())
    sources = "".join(
        f'\n[[sources]]\nname = "s{i}"\nurl = "{url}"\n' for i, url in enumerate(urls)
    )
    return publication.load(f"[fetch]\n{table}{sources}")


def fetch_one(config: Config, previous: Validators | None = None) -> tuple[Fetched, float]:
    started = time.monotonic()
    [result] = fetch_all(config.sources, {"s0": previous} if previous else {}, config)
    return result, time.monotonic() - started


def assert_fails(result: Fetched, url: str, cause: str) -> None:
    """One printable line, naming the URL first and then the cause."""
    assert result.body is None and result.error is not None, result
    assert result.error.startswith(f"{url}: "), result.error
    assert cause in result.error, result.error
    assert result.error.isprintable(), repr(result.error)


class RawServer:
    """A TCP server on 127.0.0.1 that hands each connection to `behave(connection, stopped)`."""

    def __init__(self, behave: Callable[[socket.socket, threading.Event], None]) -> None:
        self.behave = behave
        self.stopped = threading.Event()
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/feed"
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.settimeout(5)
                connection.recv(65536)  # the request; its content does not matter here
                self.behave(connection, self.stopped)
            except OSError:
                pass  # the client gave up, as it should

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
        for thread in self.threads:
            thread.join(timeout=5)


@pytest.fixture
def raw_server() -> Iterator[
    Callable[[Callable[[socket.socket, threading.Event], None]], RawServer]
]:
    servers: list[RawServer] = []

    def start(behave: Callable[[socket.socket, threading.Event], None]) -> RawServer:
        servers.append(RawServer(behave))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def never_answer(connection: socket.socket, stopped: threading.Event) -> None:
    stopped.wait(10)


def trickle_body(connection: socket.socket, stopped: threading.Event) -> None:
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 5000\r\n\r\n"
    )
    for byte in FEED.encode()[:100]:  # at most 20 s, and the client leaves after 1
        if stopped.wait(0.2):
            return
        connection.sendall(bytes([byte]))


def trickle_headers(connection: socket.socket, stopped: threading.Event) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 100:
        if stopped.wait(0.2):
            return
        connection.sendall(bytes([byte]))


def test_server_that_never_answers_times_out(publication: Publication, raw_server) -> None:
    server = raw_server(never_answer)
    result, elapsed = fetch_one(configure(publication, server.url))
    assert_fails(result, server.url, "timed out")
    assert elapsed < 2.5


def test_slow_answer_times_out(publication: Publication, raw_server) -> None:
    def slow(connection: socket.socket, stopped: threading.Event) -> None:
        if not stopped.wait(3):
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    server = raw_server(slow)
    result, elapsed = fetch_one(configure(publication, server.url))
    assert_fails(result, server.url, "timed out")
    assert elapsed < 2.5


@pytest.mark.parametrize("behave", [trickle_body, trickle_headers], ids=["body", "headers"])
def test_trickling_server_hits_the_whole_download_deadline(
    publication: Publication, raw_server, behave: Callable[[socket.socket, threading.Event], None]
) -> None:
    """A byte every 0.2 s never trips a per-read timeout; the deadline covers retries too."""
    server = raw_server(behave)
    result, elapsed = fetch_one(configure(publication, server.url, timeout=1, retries=2))
    assert_fails(result, server.url, "timed out: no complete answer within 1 s")
    assert elapsed < 2


def test_body_over_the_cap_is_not_read(publication: Publication, raw_server) -> None:
    def flood(connection: socket.socket, stopped: threading.Event) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(64):  # 4 MB at most, against a 0.5 MB cap
            if stopped.is_set():
                return
            connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.sendall(b"0\r\n\r\n")

    server = raw_server(flood)
    result, _ = fetch_one(configure(publication, server.url, max_mb=0.5))
    assert_fails(result, server.url, "larger than 0.5 MB; not read")


def test_declared_length_over_the_cap_is_refused_before_reading(
    publication: Publication, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed").respond_with_data(b"x" * (700 * 1024))
    url = httpserver.url_for("/feed")
    result, _ = fetch_one(configure(publication, url, max_mb=0.5))
    assert_fails(result, url, "larger than 0.5 MB; not read")


def gzip_bomb(megabytes: int) -> bytes:
    """`megabytes` MB of zeros, gzip-compressed a megabyte at a time (about 1 KB per MB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1024 * 1024)
    return b"".join(compressor.compress(zeros) for _ in range(megabytes)) + compressor.flush()


def test_gzip_bomb_stops_at_the_cap_without_filling_memory(
    publication: Publication, raw_server
) -> None:
    bomb = gzip_bomb(100)
    assert len(bomb) < 200 * 1024

    def send_bomb(connection: socket.socket, stopped: threading.Event) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n\r\n"
        connection.sendall(head.encode() + bomb)

    server = raw_server(send_bomb)
    config = configure(publication, server.url, max_mb=1)
    tracemalloc.start()
    try:
        result, _ = fetch_one(config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_fails(result, server.url, "larger than 1 MB; not read")
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while reading a 100 MB bomb"


def test_gzip_and_deflate_bodies_within_the_cap_are_read(
    publication: Publication, httpserver: HTTPServer
) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    gzipped = compressor.compress(FEED.encode()) + compressor.flush()
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    deflated = raw_deflate.compress(FEED.encode()) + raw_deflate.flush()
    httpserver.expect_request("/gzip").respond_with_data(
        gzipped, headers={"Content-Encoding": "gzip"}
    )
    httpserver.expect_request("/zlib").respond_with_data(
        zlib.compress(FEED.encode()), headers={"Content-Encoding": "deflate"}
    )
    httpserver.expect_request("/raw").respond_with_data(
        deflated, headers={"Content-Encoding": "deflate"}
    )
    httpserver.expect_request("/bad").respond_with_data(
        b"not gzip at all", headers={"Content-Encoding": "gzip"}
    )
    httpserver.expect_request("/br").respond_with_data(
        b"\x0b\x02\x80", headers={"Content-Encoding": "br"}
    )
    urls = [httpserver.url_for(path) for path in ("/gzip", "/zlib", "/raw", "/bad", "/br")]
    gzip, zlib_wrapped, raw, bad, brotli = fetch_all(
        configure(publication, *urls).sources, {}, configure(publication, *urls)
    )
    assert gzip.body == zlib_wrapped.body == raw.body == FEED.encode()
    assert_fails(bad, urls[3], "the gzip body is corrupt")
    assert_fails(brotli, urls[4], "unsupported Content-Encoding (br)")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/html; charset=iso-8859-1", "application/octet-stream"]
)
def test_feed_with_the_wrong_content_type_still_parses(
    publication: Publication, httpserver: HTTPServer, content_type: str
) -> None:
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type=content_type)
    config = configure(publication, httpserver.url_for("/feed"))
    result, _ = fetch_one(config)
    assert result.error is None and result.body is not None
    parsed = parse_feed(result.body, config.sources[0], config, NOW, httpserver.url_for("/feed"))
    assert [entry.title for entry in parsed.entries] == ["Hostile servers"]


def test_html_page_served_as_the_feed_fails_the_source_with_one_clear_line(
    publication: Publication, httpserver: HTTPServer, tmp_path
) -> None:
    httpserver.expect_request("/feed").respond_with_data(HTML_PAGE, content_type="text/html")
    url = httpserver.url_for("/feed")
    config = configure(publication, url)
    err = io.StringIO()
    reporter = Reporter(quiet=True, out=io.StringIO(), err=err)
    update_archive(config, Archive(tmp_path / "archive.sqlite"), reporter, offline=False, now=NOW)
    [line] = err.getvalue().splitlines()
    assert line.startswith(f"warning: source 's0': {url}: not a feed: an HTML page")
    assert reporter.failed_sources == ["s0"]


@pytest.mark.parametrize("status", [301, 302])
def test_redirect_loops_end_with_one_line(
    publication: Publication, httpserver: HTTPServer, status: int
) -> None:
    httpserver.expect_request("/a").respond_with_data(
        "", status=status, headers={"Location": httpserver.url_for("/b")}
    )
    httpserver.expect_request("/b").respond_with_data(
        "", status=status, headers={"Location": httpserver.url_for("/a")}
    )
    url = httpserver.url_for("/a")
    result, _ = fetch_one(configure(publication, url))
    assert_fails(result, url, "more than 5 redirects")


def test_redirect_to_a_local_file_is_refused_not_followed(
    publication: Publication, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": "file:///etc/passwd"}
    )
    url = httpserver.url_for("/feed")
    result, _ = fetch_one(configure(publication, url, retries=2))
    assert_fails(result, url, "file")
    assert len(httpserver.log) == 1  # not retried: another try would be redirected the same way


def test_not_modified_keeps_the_archive(publication: Publication, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data("", status=304)
    result, _ = fetch_one(configure(publication, httpserver.url_for("/feed")), Validators('"v1"'))
    assert result.not_modified and result.validators == Validators('"v1"')


@pytest.mark.parametrize(
    ("status", "cause"),
    [
        (404, "HTTP 404 NOT FOUND"),
        (410, "HTTP 410 Gone: the feed was removed for good; remove this source"),
        (500, "HTTP 500 INTERNAL SERVER ERROR"),
    ],
)
def test_error_statuses_are_one_line(
    publication: Publication, httpserver: HTTPServer, status: int, cause: str
) -> None:
    httpserver.expect_request("/feed").respond_with_data("<html>oops</html>", status=status)
    url = httpserver.url_for("/feed")
    result, _ = fetch_one(configure(publication, url, retries=1))
    assert_fails(result, url, cause)
    assert len(httpserver.log) == (2 if status >= 500 else 1)  # only server errors are retried


def test_503_with_retry_after_is_retried_after_the_wait(
    publication: Publication, httpserver: HTTPServer
) -> None:
    answers = iter([Response("busy", status=503, headers={"Retry-After": "1"}), Response(FEED)])
    moments: list[float] = []

    def handler(_: Request) -> Response:
        moments.append(time.monotonic())
        return next(answers)

    httpserver.expect_request("/feed").respond_with_handler(handler)
    result, _ = fetch_one(configure(publication, httpserver.url_for("/feed"), timeout=5, retries=2))
    assert result.body == FEED.encode()
    assert moments[1] - moments[0] >= 0.95


@pytest.mark.parametrize(
    "retry_after", ["3600", "Wed, 21 Oct 2099 07:28:00 GMT", "Wed, 21 Oct 2099 07:28:00 -0000"]
)
def test_503_asking_for_a_long_wait_is_not_waited_for(
    publication: Publication, httpserver: HTTPServer, retry_after: str
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "busy", status=503, headers={"Retry-After": retry_after}
    )
    url = httpserver.url_for("/feed")
    result, elapsed = fetch_one(configure(publication, url, timeout=5, retries=2))
    assert_fails(result, url, "HTTP 503 SERVICE UNAVAILABLE (asked to retry after")
    assert elapsed < 1 and len(httpserver.log) == 1


def test_retry_after_past_the_deadline_is_not_waited_for(
    publication: Publication, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "busy", status=503, headers={"Retry-After": "3"}
    )
    url = httpserver.url_for("/feed")
    result, elapsed = fetch_one(configure(publication, url, timeout=1, retries=2))
    assert_fails(result, url, "no time left to retry within 1 s")
    assert elapsed < 1


def test_garbage_instead_of_http_and_hostile_reason_phrases_are_one_line(
    publication: Publication, raw_server
) -> None:
    def garbage(connection: socket.socket, stopped: threading.Event) -> None:
        connection.sendall(b"\x16\x03\x01 not HTTP at all\r\n\r\n")

    def escape_codes(connection: socket.socket, stopped: threading.Event) -> None:
        connection.sendall(b"HTTP/1.1 404 Not \x85Found \x9b31m\r\nContent-Length: 0\r\n\r\n")

    def cut_short(connection: socket.socket, stopped: threading.Event) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<rss>")

    servers = [raw_server(behave) for behave in (garbage, escape_codes, cut_short)]
    config = configure(publication, *(server.url for server in servers))
    results = list(fetch_all(config.sources, {}, config))
    for server, result in zip(servers, results, strict=True):
        assert_fails(result, server.url, "")
    assert "HTTP 404" in (results[1].error or "")


def test_failing_sources_do_not_hold_up_or_break_the_others(
    publication: Publication, raw_server, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed").respond_with_data(FEED)
    stalled = [raw_server(never_answer) for _ in range(3)]
    config = configure(
        publication, *(server.url for server in stalled), httpserver.url_for("/feed")
    )
    started = time.monotonic()
    *failed, fine = fetch_all(config.sources, {}, config)
    assert time.monotonic() - started < 2.5
    assert all(result.error and "timed out" in result.error for result in failed)
    assert fine.body == FEED.encode()
