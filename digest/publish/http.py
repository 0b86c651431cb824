"""HTTP for the services with a web API: timeouts, retries with backoff that honour
Retry-After within a cap, and a refusal reported with the service's own message, in one line."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from digest.config import ListmonkProfile, MailchimpProfile, SesProfile
from digest.errors import PublishError

if TYPE_CHECKING:
    import httpx


@dataclass
class Http:
    """One service's API over httpx: timeouts, 429 and 5xx retried with backoff (honouring
    Retry-After, all waits of a request capped by `max_wait`), a 4xx reported with the
    service's own message in one line."""

    base_url: str
    where: str  # how messages name the service: "listmonk https://lists.example.org/"
    profile: ListmonkProfile | MailchimpProfile | SesProfile
    auth: tuple[str, str]
    service_message: Callable[[httpx.Response], str]
    sleep: Callable[[float], None] = time.sleep

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Any = None,
        safe_to_retry: bool = True,
        ambiguous: str = "",
    ) -> httpx.Response:
        """The response of a request that succeeded (2xx). `safe_to_retry=False` for a request
        that must not be made twice (create, send): then only a 429, which the service
        answers before doing anything, is retried, and `ambiguous` says what to do instead."""
        import httpx

        profile, waited, attempt = self.profile, 0.0, 0
        url = self.base_url + path.lstrip("/")
        what = f"{self.where}: {method} {path}"
        with httpx.Client(
            timeout=profile.timeout, auth=self.auth, follow_redirects=False
        ) as client:
            while True:
                delay = profile.backoff * 2**attempt
                try:
                    response = client.request(method, url, json=json_body, params=params)
                except httpx.TimeoutException:
                    problem, retryable = f"timed out after {profile.timeout:g} s", safe_to_retry
                except httpx.TransportError as error:
                    problem, retryable = f"cannot connect: {error}", safe_to_retry
                else:
                    status = response.status_code
                    if status < 300:
                        return response
                    if status < 400:
                        raise PublishError(
                            f"{what}: HTTP {status}: redirected to "
                            f"{response.headers.get('Location', '?')}; check the profile's URL"
                        )
                    problem = f"HTTP {status}: {one_line(self.service_message(response))}"
                    if status != 429 and status < 500:
                        refused = PublishError(f"{what}: {problem}")
                        refused.status = status
                        raise refused
                    retryable = safe_to_retry or status == 429
                    delay = retry_after(response, delay)
                if not retryable:
                    raise PublishError(f"{what}: {problem}; {ambiguous}".rstrip("; "))
                attempt += 1
                if attempt > profile.retries:
                    raise PublishError(f"{what}: {problem}; gave up after {attempt} tries")
                if waited + delay > profile.max_wait:
                    raise PublishError(
                        f"{what}: {problem}; waiting {delay:g} s more would pass the profile's "
                        f"max_wait of {profile.max_wait:g} s; run digest publish again later"
                    )
                self.sleep(delay)
                waited += delay

    def json(self, method: str, path: str, **options: Any) -> Any:
        """The JSON of a request that succeeded; an answer that is none is one line."""
        response = self.request(method, path, **options)
        try:
            return response.json()
        except ValueError:
            raise PublishError(
                f"{self.where}: {method} {path}: the answer is not JSON "
                f"({response.headers.get('Content-Type', 'no type')}); is the profile's URL "
                "the service's API?"
            ) from None


def retry_after(response: httpx.Response, default: float) -> float:
    """Retry-After in seconds (a number or an HTTP date), else `default`."""
    from email.utils import parsedate_to_datetime

    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return default
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def one_line(text: str) -> str:
    """A service's message as one line of reasonable length."""
    flat = " ".join(text.split())
    return flat if len(flat) <= 300 else flat[:297] + "…"


def json_message(response: httpx.Response, *keys: str) -> str:
    """The first of `keys` in a JSON error body, else the body as text, else the reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        found = [str(body[key]) for key in keys if body.get(key)]
        if found:
            return ": ".join(found)
    return response.text.strip() or response.reason_phrase
