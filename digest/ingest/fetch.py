"""Get each source's bytes: over HTTP with conditional GET, or from a local file.

A failing source never raises: it comes back as a `Fetched` with an `error`
line, and the build goes on with what the archive already holds for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from digest import __version__
from digest.config import Config, Source

if TYPE_CHECKING:  # httpx is imported only when a source is on the web
    import httpx

MAX_REDIRECTS = 5
MAX_RETRY_WAIT = 30.0  # a Retry-After longer than this is not worth holding a build for


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


def _read_file(source: Source, config: Config) -> Fetched:
    path = config.resolve(source.path or "")
    try:
        return Fetched(source.name, body=path.read_bytes())
    except OSError as error:
        return Fetched(source.name, error=f"cannot read {source.path}: {error.strerror or error}")


class _Retry(Exception):
    """A failure worth another try (timeout, connection reset, 5xx), after `delay` seconds."""

    def __init__(self, message: str, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    if value.strip().isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _attempt(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    source: Source,
    previous: Validators,
    config: Config,
) -> Fetched:
    """One GET. Raises _Retry for what another try may fix; returns everything else."""
    import httpx

    limit = config.fetch.max_mb * 1024 * 1024
    deadline = time.monotonic() + config.fetch.timeout
    try:
        with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status == 304:
                return Fetched(source.name, validators=previous)
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
            chunks, size = [], 0
            for chunk in response.iter_bytes():  # decompressed bytes: a gzip bomb hits the cap too
                size += len(chunk)
                if size > limit:
                    return Fetched(
                        source.name,
                        error=f"{url}: larger than {config.fetch.max_mb:g} MB; not read",
                    )
                if time.monotonic() > deadline:
                    raise _Retry(
                        f"{url}: timed out after {config.fetch.timeout:g} s (the server sends too slowly)"
                    )
                chunks.append(chunk)
            validators = Validators(
                response.headers.get("etag"), response.headers.get("last-modified")
            )
            return Fetched(
                source.name, b"".join(chunks), validators, notice=_permanent_redirect(response, url)
            )
    except httpx.TooManyRedirects:
        return Fetched(source.name, error=f"{url}: more than {MAX_REDIRECTS} redirects")
    except httpx.TimeoutException:
        raise _Retry(f"{url}: timed out") from None
    except httpx.ConnectError as error:
        if "SSL" in str(error) or "certificate" in str(error).lower():
            return Fetched(source.name, error=f"{url}: TLS error: {error}")
        raise _Retry(f"{url}: cannot connect: {error}") from None
    except httpx.HTTPError as error:
        raise _Retry(f"{url}: {type(error).__name__}: {error}") from None


def _download(
    client: httpx.Client, source: Source, previous: Validators, config: Config
) -> Fetched:
    """GET with conditional headers; timeouts and 5xx are retried with backoff, 4xx are not."""
    url = source.url or ""
    headers = {}
    if previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    for attempt in range(config.fetch.retries + 1):
        try:
            return _attempt(client, url, headers, source, previous, config)
        except _Retry as failure:
            if attempt == config.fetch.retries:
                return Fetched(source.name, error=str(failure))
            backoff = config.fetch.backoff * 2**attempt
            time.sleep(min(failure.delay if failure.delay is not None else backoff, MAX_RETRY_WAIT))
    raise AssertionError("unreachable")


def _permanent_redirect(response: httpx.Response, url: str) -> str | None:
    for step in response.history:
        if step.status_code in (301, 308):
            return f"{url} has moved permanently to {response.url}; update the source's url"
    return None


def fetch_all(
    sources: Iterable[Source],
    previous: dict[str, Validators],
    config: Config,
    on_done: Callable[[Fetched], None] | None = None,
) -> list[Fetched]:
    """Fetch every source, a bounded number at once; results come back in the sources' order."""
    sources = list(sources)
    if not any(source.url for source in sources):  # local feed files only: no HTTP client needed
        results = [_read_file(source, config) for source in sources]
        for result in results:
            if on_done:
                on_done(result)
        return results
    import httpx

    timeout = httpx.Timeout(config.fetch.timeout, connect=config.fetch.connect_timeout)
    with httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={
            "User-Agent": user_agent(config),
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
        },
    ) as client:

        def one(source: Source) -> Fetched:
            if source.path:
                result = _read_file(source, config)
            else:
                result = _download(client, source, previous.get(source.name, Validators()), config)
            if on_done:
                on_done(result)
            return result

        with ThreadPoolExecutor(max_workers=config.fetch.concurrency) as pool:
            return list(pool.map(one, sources))
