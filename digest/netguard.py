"""Which network addresses a URL from a feed may make digest connect to (no SSRF through a feed).

A feed is written by someone else: an image URL in it must never make digest fetch from the
machine it runs on or its network (loopback, private, link-local, unique-local, and the same
addresses written as IPv4-mapped IPv6). A host name is resolved here and every address it
resolves to is checked; the caller then connects to a checked address itself, so a DNS answer
that changes between the check and the connection (DNS rebinding) cannot switch it. Hosts the
config names (`[images] allow_hosts`) are trusted as they are.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class Refused(Exception):
    """A URL digest will not fetch; the message says why, in words for the warning line."""


@dataclass(frozen=True)
class Target:
    """Where one request goes: the host as named (for Host and TLS) and the address to connect to."""

    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int
    address: str  # a checked IP address, or the host itself when the config allows it
    path: str  # path and query, as the URL has them

    @property
    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{address}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def refusal(address: Address) -> str | None:
    """Why digest must not connect to `address` (e.g. "a loopback address"), or None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return refusal(mapped)
        if address in _NAT64 or address in _TEREDO:
            return "an address that tunnels to another network"
    checks = (
        ("a loopback address", address.is_loopback),
        ("an unspecified address", address.is_unspecified),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        (
            "a unique-local address",
            isinstance(address, ipaddress.IPv6Address) and address in _UNIQUE_LOCAL,
        ),
        ("a private address", address.is_private),
        ("a shared (carrier-grade NAT) address", address in _SHARED),
        ("a reserved address", address.is_reserved or not address.is_global),
    )
    for reason, applies in checks:
        if applies:
            return reason
    return None


_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_TEREDO = ipaddress.IPv6Network("2001::/32")


DNS_TIMEOUT = 10.0  # seconds: getaddrinfo has no time-out of its own


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system's resolver gives for `host` (IPv4 and IPv6), within DNS_TIMEOUT.

    The lookup runs in a daemon thread, so a resolver that never answers costs a build
    DNS_TIMEOUT, not forever."""
    found: list[Any] = []

    def lookup() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as error:  # socket.gaierror is an OSError
            found.append(error)

    thread = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(DNS_TIMEOUT)
    if not found:
        raise Refused(f"cannot resolve {host}: no answer within {DNS_TIMEOUT:g} s")
    if isinstance(found[0], BaseException):
        raise Refused(f"cannot resolve {host}: {found[0]}")
    return list(dict.fromkeys(str(answer[4][0]) for answer in found[0]))


def _ascii_host(host: str) -> str:
    """An international domain name as the A-label DNS, Host and TLS need (bølgen.no ->
    xn--blgen-rua.no), by the codec the resolver uses; an ASCII host as it is."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise Refused(f"{host} is not a valid international domain name") from None


def target(url: str, allow_hosts: Iterable[str], resolve: Resolver | None = None) -> Target:
    """Where to connect for `url`, checked; raises Refused naming the reason.

    An IP literal is checked as it is; a name is resolved and every address checked (one bad
    address refuses it, since a resolver may hand out any of them); an allowed host is not checked.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Refused(f"not a valid URL ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused(f"not an http(s) URL (scheme {scheme or 'none'!r})")
    host = _ascii_host((parts.hostname or "").rstrip(".").lower())
    if not host:
        raise Refused("the URL names no host")
    port = port or (443 if scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    allowed = set()
    for name in allow_hosts:
        with contextlib.suppress(Refused):
            allowed.add(_ascii_host(name.strip("[]").rstrip(".").lower()))
    if host in allowed:
        return Target(scheme, host, port, host, path)
    literal = True
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        literal = False
        answers = (resolve or system_resolver)(host, port)
        addresses = [ipaddress.ip_address(found.split("%")[0]) for found in answers]
        if not addresses:
            raise Refused(f"{host} resolves to no address") from None
    for address in addresses:
        reason = refusal(address)
        if reason:
            named = f"{host} is" if literal else f"{host} resolves to {address},"
            raise Refused(
                f"{named} {reason}: not fetched for a feed; "
                f"list the host in [images] allow_hosts to allow it"
            )
    return Target(scheme, host, port, str(addresses[0]), path)
