"""A slow feed server on 127.0.0.1: every answer comes after a fixed delay, like a distant site.

Threaded (one thread per connection, at most `max_threads` at once), with ETag and
Last-Modified on every feed and 304 for a matching If-None-Match. It counts the
statuses it sent, so a benchmark can tell how many fetches were conditional hits.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

LAST_MODIFIED = "Mon, 06 Oct 2025 09:00:00 GMT"


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, feeds: Mapping[str, bytes], delay: float, max_threads: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.feeds = {path: (body, etag(body)) for path, body in feeds.items()}
        self.delay = delay
        self.slots = threading.BoundedSemaphore(max_threads)
        self.statuses: Counter[int] = Counter()
        self.lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        self.slots.acquire()  # a bounded number of connection threads; the rest wait to be accepted
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real feed servers allow
    server: _Server

    def do_GET(self) -> None:
        time.sleep(self.server.delay)
        found = self.server.feeds.get(self.path)
        if found is None:
            self._answer(404, b"not found", {"Content-Type": "text/plain"})
            return
        body, tag = found
        headers = {"ETag": tag, "Last-Modified": LAST_MODIFIED}
        if self.headers.get("If-None-Match") == tag:
            self._answer(304, b"", headers)
            return
        self._answer(200, body, {**headers, "Content-Type": "application/rss+xml; charset=utf-8"})

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.server.count(status)  # before sending: the client may finish the moment it has it
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the benchmark prints tables
        pass


class FeedServer:
    """`with FeedServer({"/feed-1.xml": bytes, ...}, delay=0.2) as server:` then `server.url(path)`."""

    def __init__(self, feeds: Mapping[str, bytes], delay: float, max_threads: int = 64) -> None:
        self._server = _Server(feeds, delay, max_threads)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def etag(self, path: str) -> str:
        return self._server.feeds[path][1]

    def take_statuses(self) -> Counter[int]:
        """The statuses sent since the last call."""
        with self._server.lock:
            taken = self._server.statuses.copy()
            self._server.statuses.clear()
        return taken

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
