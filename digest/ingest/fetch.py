"""Get each source's bytes: over HTTP with conditional GET, or from a local file.

A failing source never raises: it comes back as a `Fetched` with an `error`
line, and the build goes on with what the archive already holds for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from digest import __version__
from digest.config import Config, Source

MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5


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


def _download(client: httpx.Client, source: Source, previous: Validators) -> Fetched:
    url = source.url or ""
    headers = {}
    if previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return Fetched(source.name, validators=previous)
            if response.status_code >= 400:
                reason = response.reason_phrase or "error"
                return Fetched(source.name, error=f"{url}: HTTP {response.status_code} {reason}")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    return Fetched(
                        source.name,
                        error=f"{url}: feed larger than {MAX_BYTES // 1048576} MB; not read",
                    )
                chunks.append(chunk)
            validators = Validators(
                response.headers.get("etag"), response.headers.get("last-modified")
            )
            notice = _permanent_redirect(response, url)
            return Fetched(source.name, body=b"".join(chunks), validators=validators, notice=notice)
    except httpx.TooManyRedirects:
        return Fetched(source.name, error=f"{url}: more than {MAX_REDIRECTS} redirects")
    except httpx.TimeoutException:
        return Fetched(source.name, error=f"{url}: timed out")
    except httpx.HTTPError as error:
        return Fetched(source.name, error=f"{url}: {type(error).__name__}: {error}")


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
    timeout = httpx.Timeout(config.fetch.timeout, connect=min(10.0, config.fetch.timeout))
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
                result = _download(client, source, previous.get(source.name, Validators()))
            if on_done:
                on_done(result)
            return result

        with ThreadPoolExecutor(max_workers=config.fetch.concurrency) as pool:
            return list(pool.map(one, sources))
