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
  machine's own names: its host name, its fully qualified name and `<host name>.local`.

A name an attacker controls is never among them. The port is not part of the check: a
rebinding page must already use the preview's port, and an SSH tunnel may forward another.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass

# name or [IPv6 literal], then an optional port: nothing else (no userinfo, path or space)
HOST_HEADER = re.compile(r"(?P<name>\[[0-9A-Za-z:.%]+\]|[^\[\]:@/\\?#\s]+)(?::(?P<port>\d{1,5}))?")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class HostNames:
    """The names a preview listening on one `--host` answers for (lower case, no final dot)."""

    names: frozenset[str]
    wildcard: Address | None  # 0.0.0.0 or ::, when listening on every address

    @classmethod
    def of(cls, host: str) -> HostNames:
        """The names for a preview listening on `host`, as --host gave it."""
        bound = address(host)
        if bound is None:  # a name: answered for as written
            return cls(frozenset({normal(host)}), None)
        if not bound.is_unspecified:
            return cls(frozenset(), None)
        short = normal(socket.gethostname())
        machine = {short, normal(socket.getfqdn()), f"{short.split('.', 1)[0]}.local"}
        return cls(frozenset(name for name in machine if name and address(name) is None), bound)

    def allows(self, header: str, local_address: str) -> bool:
        """Does a request with `Host: header`, on a connection to `local_address`, come
        from a browser that was pointed at this preview?"""
        match = HOST_HEADER.fullmatch(header)
        if match is None:
            return False
        name = normal(match.group("name").removeprefix("[").removesuffix("]"))
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
