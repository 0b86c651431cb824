"""Which Host names the preview answers for: those a browser can truly reach it by.

DNS rebinding: a page of attacker.example whose name the attacker then points at the
preview's address is, to the browser, the same origin as before, so its scripts may read
what the preview answers and post to the desk with the token they read. Its requests still
say `Host: attacker.example`, which is how the preview tells them: it answers only for

- an IP address, when it is the address the request's connection came in on (or any
  loopback address over loopback): a browser sends an address only when it connected to it;
- `localhost`, over loopback;
- the name `--host` gave, when it gave one (`--host mybox.lan`);
- listening on every address (0.0.0.0, ::), also that address as written, and this
  machine's own names: its host name, its fully qualified name and `<host name>.local`;
- each name (or address) `--allow-host` lists, on any connection: a reverse proxy's name
  (`--allow-host preview.example.org`), since the proxy connects from wherever it runs.

A name an attacker controls is never among them, unless --allow-host lists it: so list
only names whose address you control. The port is not part of the check: a rebinding page
must already use the preview's port, and an SSH tunnel may forward another. A listed name
is compared as Django's ALLOWED_HOSTS and Vite's allowedHosts compare theirs (any case, with
or without its final dot, any port), but a list holds no wildcards (`.example.org`, `*`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

# name or [IPv6 literal], then an optional port: nothing else (no userinfo, path or space)
HOST_HEADER = re.compile(r"(?P<name>\[[0-9A-Za-z:.%]+\]|[^\[\]:@/\\?#\s]+)(?::(?P<port>\d{1,5}))?")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# one label of a host name, as --allow-host takes it (already lower case and IDNA-encoded)
LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
EXAMPLE = "preview.example.org"
LETTERS = "a name is letters, digits and hyphens between dots"


@dataclass(frozen=True)
class HostNames:
    """The names a preview listening on one `--host` answers for (lower case, no final dot)."""

    names: frozenset[str]
    wildcard: Address | None  # 0.0.0.0 or ::, when listening on every address
    allowed: frozenset[str] = frozenset()  # --allow-host's, as allowed_name gives them

    @classmethod
    def of(cls, host: str, allowed: Iterable[str] = ()) -> HostNames:
        """The names for a preview listening on `host`, as --host gave it, and the names
        (or addresses) --allow-host lists (ValueError for one that is not: allowed_name)."""
        listed = frozenset(allowed_name(name) for name in allowed)
        bound = address(host)
        if bound is None:  # a name: answered for as written
            return cls(frozenset({normal(host)}), None, listed)
        if not bound.is_unspecified:
            return cls(frozenset(), None, listed)
        short = normal(socket.gethostname())
        machine = {short, normal(socket.getfqdn()), f"{short.split('.', 1)[0]}.local"}
        names = frozenset(name for name in machine if name and address(name) is None)
        return cls(names, bound, listed)

    def listed(self, header: str) -> bool:
        """Is the name of `header` (a Host, or an origin's host and port) one --allow-host
        lists? On any port, and whichever connection it came in on."""
        name = _name_of(header)
        return name is not None and self._lists(name)

    def allows_origin(self, origin: str) -> bool:
        """Is `origin` (an Origin header) a page of a name --allow-host lists, over http or
        https on any port (a reverse proxy's page, as https://preview.example.org)?"""
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        return (
            parts.scheme in ("http", "https")
            and origin.startswith(f"{parts.scheme}://")  # as browsers send it: no "http:x"
            and not (parts.path or parts.query or parts.fragment)
            and self.listed(parts.netloc)
        )

    def allows(self, header: str, local_address: str) -> bool:
        """Does a request with `Host: header`, on a connection to `local_address`, come
        from a browser that was pointed at this preview?"""
        name = _name_of(header)
        if name is None:
            return False
        if self._lists(name):
            return True
        local = address(local_address)
        over_loopback = local is not None and local.is_loopback
        written = address(name)
        if written is not None:
            return (
                written == local
                or (over_loopback and written.is_loopback)
                or (self.wildcard is not None and written == self.wildcard)
            )
        return (name == "localhost" and over_loopback) or name in self.names

    def _lists(self, name: str) -> bool:
        """Does --allow-host list `name` (as _name_of gives it)? An address as allowed_name writes it."""
        written = address(name)
        return (str(written) if written is not None else name) in self.allowed


def _name_of(header: str) -> str | None:
    """The name of a Host header (or an origin's host and port), as compared; None if malformed."""
    match = HOST_HEADER.fullmatch(header)
    if match is None:
        return None
    return normal(match.group("name").removeprefix("[").removesuffix("]"))


def address(text: str) -> Address | None:
    """`text` as an IP address (IPv4-mapped IPv6 as IPv4, any zone dropped), or None."""
    try:
        found = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def normal(name: str) -> str:
    """A host name as compared: lower case, without the final dot of a fully qualified name."""
    return name.lower().removesuffix(".")


def allowed_name(text: str) -> str:
    """`text` as --allow-host lists it: an IP address (IPv6 with or without its brackets),
    or a host name as browsers send it (lower case, IDNA, no final dot). ValueError saying
    what is wrong for anything else: a scheme, port, path, wildcard or space."""
    bracketed = text.startswith("[") and text.endswith("]")
    written = address(text[1:-1] if bracketed else text)
    if written is not None:
        return str(written)
    wrong = _what_is_wrong(text)
    if wrong is None:
        try:
            ascii_name = normal(text).encode("idna").decode("ascii")
        except UnicodeError:  # an empty label, one too long
            ascii_name = ""
        labels = ascii_name.split(".")
        if len(ascii_name) <= 253 and all(LABEL.fullmatch(label) for label in labels):
            return ascii_name
        wrong = LETTERS
    raise ValueError(
        f"{text!r} is not a host name ({wrong}); give the name alone, "
        f"as in --allow-host {_suggested(text)}"
    )


def _what_is_wrong(text: str) -> str | None:
    """The first thing that makes `text` no bare name, in the words of the fix, or None."""
    if not text.strip():
        return "it is empty"
    if "://" in text:
        return "it has a scheme"
    if any(character.isspace() for character in text):
        return "it has a space"
    if "*" in text or text.startswith("."):
        return "it has a wildcard: list each name"
    if any(character in text for character in "/?#\\"):
        return "it has a path"
    if "@" in text:
        return "it has a user name"
    if ":" in text:
        return "it has a port: any port is answered for"
    return None


def _suggested(text: str) -> str:
    """The name `text` seems to mean (the host of 'https://x.org/'), for the error's example."""
    try:
        host = urlsplit(text if "://" in text else f"//{text}").hostname
    except ValueError:
        host = None
    if host and host != text:
        try:
            return allowed_name(host)
        except ValueError:
            pass
    return EXAMPLE
