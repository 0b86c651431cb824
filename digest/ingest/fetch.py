"""Get each source's bytes: over HTTP with conditional GET, or from a local file.

A failing source never raises: it comes back as a `Fetched` with an `error`
line, and the build goes on with what the archive already holds for it.

Servers are not trusted to behave: `[fetch] timeout` is a deadline for the whole
source (retries included) that a server trickling a byte at a time cannot stretch,
and bodies are decompressed here, in bounded steps, so a gzip bomb stops at
`[fetch] max_mb` instead of filling memory.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from digest import __version__, netguard
from digest.config import Config, Source

if TYPE_CHECKING:  # httpx is imported only when a source is on the web
    import httpx

MAX_REDIRECTS = 5
MAX_RETRY_WAIT = 30.0  # a Retry-After longer than this is not worth holding a build for
_INFLATE_STEP = 256 * 1024  # most bytes one compressed chunk may expand to at once
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class Validators:
    """What the last successful fetch of a source told us, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    """One source's answer: new bytes, 'not modified' (body None), or an error line."""

    source: str
    body: bytes | None = None
    validators: Validators = Validators()
    error: str | None = None
    notice: str | None = None  # e.g. a permanent redirect staff should copy into digest.toml

    @property
    def not_modified(self) -> bool:
        return self.error is None and self.body is None


def user_agent(config: Config) -> str:
    return f"digest/{__version__} (+{config.publication.url})"


def _one_line(message: str) -> str:
    """A message as one printable line: servers choose reason phrases and URLs, not our log's layout."""
    return _UNPRINTABLE.sub(" ", message).strip()


def _read_file(source: Source, config: Config) -> Fetched:
    path = config.resolve(source.path or "")
    limit = int(config.fetch.max_mb * 1024 * 1024)
    try:
        with path.open("rb") as file:
            body = file.read(limit + 1)
    except OSError as error:
        return Fetched(source.name, error=f"cannot read {source.path}: {error.strerror or error}")
    if len(body) > limit:
        return Fetched(
            source.name, error=f"{source.path}: larger than {config.fetch.max_mb:g} MB; not read"
        )
    return Fetched(source.name, body=body)


class _Retry(Exception):
    """A failure worth another try (timeout, connection reset, 5xx), after `delay` seconds."""

    def __init__(self, message: str, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


class _Failed(Exception):
    """A failure another try will not fix: reported as it is."""


class _Redirect(Exception):
    """A redirect a client that follows none met: its caller checks the next hop first."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class _Deadline:
    """The end of a source's time: at it, the connection in use is shut down.

    httpx's timeouts count per read, so a server that sends a byte every few seconds never
    trips them. The connection is learnt from httpcore's trace events (so the pool must not
    reuse connections), and shut down from a timer thread, which ends the blocked read at once.
    """

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._stream: Any = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.at

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's `trace` extension: remember the newest connection (TCP, then TLS over it)."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            with self._lock:
                self._stream = info.get("return_value")
            if self.passed:
                self._expire()

    def _expire(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):  # already closed
                # The plain socket's method: SSLSocket.shutdown would also drop its TLS state.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000" means UTC with no claim about local time
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _decoded(response: httpx.Response, url: str) -> Iterator[bytes]:
    """The body's bytes, decompressed here in steps of at most _INFLATE_STEP bytes.

    httpx would inflate each received chunk whole: 64 KB of a gzip bomb become 64 MB at once.
    """
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        yield from response.iter_raw()
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise _Failed(f"{url}: the server sent an unsupported Content-Encoding ({encoding})")
    wbits = zlib.MAX_WBITS | 16 if encoding != "deflate" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    first = encoding == "deflate"
    try:
        for chunk in response.iter_raw():
            if first and len(chunk) >= 2:
                first = False
                if chunk[0] & 0x0F != 8 or (chunk[0] << 8 | chunk[1]) % 31:
                    inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
            pending = chunk
            while pending and not inflater.eof:
                yield inflater.decompress(pending, _INFLATE_STEP)
                pending = inflater.unconsumed_tail
        yield inflater.flush()
    except zlib.error as error:
        raise _Failed(f"{url}: the {encoding} body is corrupt: {error}") from None


def _attempt(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    source: Source,
    previous: Validators,
    config: Config,
    deadline: _Deadline,
    extensions: dict[str, Any] | None = None,
) -> Fetched:
    """One GET. Raises _Retry for what another try may fix, _Redirect for a redirect the
    client leaves to its caller; returns everything else."""
    import httpx

    limit = config.fetch.max_mb * 1024 * 1024
    too_slow = f"{url}: timed out: no complete answer within {config.fetch.timeout:g} s"
    try:
        with client.stream(
            "GET", url, headers=headers, extensions={**(extensions or {}), "trace": deadline.trace}
        ) as response:
            status = response.status_code
            if status == 304:
                return Fetched(source.name, validators=previous)
            if response.is_redirect and not client.follow_redirects:
                raise _Redirect(response.headers["location"])
            if status >= 500 or status == 429:
                raise _Retry(
                    f"{url}: HTTP {status} {response.reason_phrase}", _retry_after(response)
                )
            if status == 410:
                return Fetched(
                    source.name,
                    error=f"{url}: HTTP 410 Gone: the feed was removed for good; remove this source",
                )
            if status >= 400:
                return Fetched(
                    source.name, error=f"{url}: HTTP {status} {response.reason_phrase or 'error'}"
                )
            declared = response.headers.get("content-length", "")
            if declared.isascii() and declared.isdigit() and int(declared) > limit:
                return Fetched(
                    source.name, error=f"{url}: larger than {config.fetch.max_mb:g} MB; not read"
                )
            chunks, size = [], 0
            for chunk in _decoded(response, url):
                size += len(chunk)
                if size > limit:
                    return Fetched(
                        source.name,
                        error=f"{url}: larger than {config.fetch.max_mb:g} MB; not read",
                    )
                if deadline.passed:
                    raise _Failed(too_slow)
                chunks.append(chunk)
            if deadline.passed:  # a body that ends at the connection's close, cut by the deadline
                raise _Failed(too_slow)
            validators = Validators(
                response.headers.get("etag"), response.headers.get("last-modified")
            )
            return Fetched(
                source.name, b"".join(chunks), validators, notice=_permanent_redirect(response, url)
            )
    except _Failed as failure:
        return Fetched(source.name, error=str(failure))
    except httpx.TooManyRedirects:
        return Fetched(source.name, error=f"{url}: more than {MAX_REDIRECTS} redirects")
    except httpx.UnsupportedProtocol as error:  # e.g. redirected to file:// or ftp://
        return Fetched(source.name, error=f"{url}: {error}")
    except httpx.HTTPError as error:
        if deadline.passed:  # the deadline shut the connection: whatever broke, it was time
            return Fetched(source.name, error=too_slow)
        if isinstance(error, httpx.TimeoutException):
            raise _Retry(f"{url}: timed out") from None
        if isinstance(error, httpx.ConnectError):
            if "SSL" in str(error) or "certificate" in str(error).lower():
                return Fetched(source.name, error=f"{url}: TLS error: {error}")
            raise _Retry(f"{url}: cannot connect: {error}") from None
        raise _Retry(f"{url}: {type(error).__name__}: {error}") from None


def _download(
    client: httpx.Client,
    source: Source,
    previous: Validators,
    config: Config,
    url: str | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Fetched:
    """GET with conditional headers; timeouts and 5xx are retried with backoff, 4xx are not.
    `url`: another page of the source (its history), fetched by the same rules."""
    url = url or source.url or ""
    headers = dict(headers or {})
    if previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    with _Deadline(config.fetch.timeout) as deadline:
        for attempt in range(config.fetch.retries + 1):
            try:
                return _attempt(
                    client, url, headers, source, previous, config, deadline, extensions
                )
            except _Retry as failure:
                if attempt == config.fetch.retries:
                    return Fetched(source.name, error=str(failure))
                wait = config.fetch.backoff * 2**attempt
                if failure.delay is not None:  # Retry-After: the server's word, within limits
                    if failure.delay > MAX_RETRY_WAIT:
                        why = f"asked to retry after {failure.delay:g} s; not waited for"
                        return Fetched(source.name, error=f"{failure} ({why})")
                    wait = failure.delay
                if wait >= deadline.left():
                    why = f"no time left to retry within {config.fetch.timeout:g} s"
                    return Fetched(source.name, error=f"{failure} ({why})")
                time.sleep(wait)
    raise AssertionError("unreachable")


def _permanent_redirect(response: httpx.Response, url: str) -> str | None:
    for step in response.history:
        if step.status_code in (301, 308):
            return f"{url} has moved permanently to {response.url}; update the source's url"
    return None


def _settled(result: Fetched) -> Fetched:
    """`result` with its error and notice made single printable lines."""
    error = _one_line(result.error) if result.error else None
    notice = _one_line(result.notice) if result.notice else None
    if (error, notice) == (result.error, result.notice):
        return result
    return Fetched(result.source, result.body, result.validators, error, notice)


@contextlib.contextmanager
def web_client(config: Config, *, for_images: bool = False) -> Iterator[httpx.Client]:
    """The HTTP client every fetch uses: `[fetch]` timeouts, bounded redirects, our User-Agent.

    `for_images`: a client that follows no redirect itself, for `fetch_checked`, which checks
    every hop before it follows it."""
    import httpx

    timeout = httpx.Timeout(config.fetch.timeout, connect=config.fetch.connect_timeout)
    accept = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
    with httpx.Client(
        timeout=timeout,
        follow_redirects=not for_images,
        max_redirects=MAX_REDIRECTS,
        # A fresh connection per request, so the deadline always knows which one to shut.
        limits=httpx.Limits(max_keepalive_connections=0),
        headers={
            "User-Agent": user_agent(config),
            "Accept": "image/avif, image/webp, image/png, image/*;q=0.8" if for_images else accept,
            "Accept-Encoding": "gzip, deflate",  # what _decoded inflates
        },
    ) as client:
        yield client


def fetch_checked(
    client: httpx.Client, url: str, config: Config, route: Callable[[str], netguard.Target]
) -> Fetched:
    """One resource (an image) by the rules of every fetch, each hop of its redirects first
    checked by `route` (which may refuse it) and connected to at the address `route` checked.

    `client` must be `web_client(config, for_images=True)`. The result's `source` is `url`."""
    from urllib.parse import urljoin

    from digest.config import Source

    current, timeout = url, config.fetch.timeout
    ends = time.monotonic() + timeout  # one deadline for the picture, however many hops
    for _ in range(MAX_REDIRECTS + 1):
        try:
            hop = route(current)
        except netguard.Refused as refused:
            return _settled(Fetched(url, error=f"{current}: {refused}"))
        left = ends - time.monotonic()
        if left <= 0:
            return Fetched(
                url, error=f"{current}: timed out: no complete answer within {timeout:g} s"
            )
        hop_config = config.model_copy(
            update={"fetch": config.fetch.model_copy(update={"timeout": left})}
        )
        # The request goes to the checked address; Host and TLS name the host the URL names.
        source = Source.model_construct(name=url, url=hop.connect_url)
        extensions = {"sni_hostname": hop.host} if hop.scheme == "https" else {}
        try:
            result = _download(
                client, source, Validators(), hop_config, hop.connect_url,
                {"Host": hop.host_header}, extensions,
            )  # fmt: skip
        except _Redirect as redirect:
            current = urljoin(current, redirect.location)
            continue
        except Exception as error:  # a bug met by odd input must fail this image, not the build
            result = Fetched(url, error=f"{current}: {type(error).__name__}: {error}")
        if result.error:  # named by the URL, not by the address it was fetched from
            named = result.error.replace(hop.connect_url, current)
            result = Fetched(
                url, error=named.replace(f"within {left:g} s", f"within {timeout:g} s")
            )
        return _settled(result)
    return Fetched(url, error=f"{url}: more than {MAX_REDIRECTS} redirects")


def fetch_page(client: httpx.Client, source: Source, url: str, config: Config) -> Fetched:
    """One page of a source's history (`url`), unconditionally, by the rules of a normal fetch:
    the deadline, the size cap, retries and redirects; a failure is an `error` line."""
    try:
        result = _download(client, source, Validators(), config, url)
    except Exception as error:  # a bug met by odd input must fail this page, not the command
        result = Fetched(source.name, error=f"{url}: {type(error).__name__}: {error}")
    return _settled(result)


def fetch_all(
    sources: Iterable[Source],
    previous: dict[str, Validators],
    config: Config,
    on_done: Callable[[Fetched], None] | None = None,
) -> Iterator[Fetched]:
    """Fetch every source, a bounded number at once, yielding results in the sources' order.

    A generator: the caller parses and stores each source while later ones still download,
    and the order (which decides who owns an id two sources share) never depends on timing.
    """
    sources = list(sources)
    if not any(source.url for source in sources):  # local feed files only: no HTTP client needed
        for source in sources:
            result = _read_file(source, config)
            if on_done:
                on_done(result)
            yield result
        return
    with web_client(config) as client:

        def one(source: Source) -> Fetched:
            if source.path:
                result = _read_file(source, config)
            else:
                try:
                    result = _download(
                        client, source, previous.get(source.name, Validators()), config
                    )
                except Exception as error:  # a bug met by odd input must fail one source, not all
                    result = Fetched(
                        source.name, error=f"{source.url}: {type(error).__name__}: {error}"
                    )
            result = _settled(result)
            if on_done:
                on_done(result)
            return result

        with ThreadPoolExecutor(max_workers=config.fetch.concurrency) as pool:
            yield from pool.map(one, sources)
