"""`digest serve --host`: on whichever address it listens, the preview answers only for the
names a browser can truly reach it by, so a page of another site whose name is made to
resolve to the preview's address (DNS rebinding) can neither read it nor drive the desk.

The real preview server, listening on every address (0.0.0.0, ::) as `--host` asks, is
reached on 127.0.0.1 (or ::1) with the Host header a rebinding page's browser would send.
"""

from __future__ import annotations

import http.client
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from digest import editorial
from digest.config import load
from digest.preview.hosts import HostNames
from digest.preview.server import PreviewServer
from tests.browser_pages import previewing
from tests.conftest import Publication

IN_W43 = datetime(2025, 10, 22, 10, 0, tzinfo=UTC)  # Wednesday of 2025-W43
WEEK = "2025-W43"
ENTRY = """\
---
title: Lab opens its doors
date: 2025-10-21T09:00
---
Body.
"""


@pytest.fixture
def small(publication: Publication) -> Path:
    publication.configure()
    publication.entry("w43.md", ENTRY)
    return publication.root / "digest.toml"


def serving(config_path: Path, host: str) -> AbstractContextManager[PreviewServer]:
    """`digest serve --host <host>` on a free port, serving in a thread."""
    return previewing(config_path, IN_W43, host=host)


def request(
    server: PreviewServer,
    host: str,
    method: str = "GET",
    path: str = "/",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    connect_to: str = "127.0.0.1",
) -> tuple[int, str]:
    """A request to the preview over `connect_to`, saying `Host: <host>` as a browser would."""
    connection = http.client.HTTPConnection(connect_to, server.server_address[1], timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


def test_a_preview_on_every_address_refuses_a_rebinding_page(small: Path) -> None:
    """--host 0.0.0.0 used to answer any Host: a page of attacker.example read the preview."""
    with serving(small, "0.0.0.0") as server:
        port = server.server_address[1]
        for path in ("/", "/events", f"/issue/weekly/{WEEK}/", f"/build/weekly/{WEEK}/email.txt"):
            status, text = request(server, f"attacker.example:{port}", path=path)
            assert status == 421, (path, text)
            assert text == (
                "refused: this preview answers only for this machine's names and addresses, "
                "not 'attacker.example' (a guard against DNS rebinding); "
                f"open http://127.0.0.1:{port}/\n"
            )
            assert "Lab opens its doors" not in text and server.token not in text


@pytest.mark.parametrize(
    "name", ["127.0.0.1", "localhost", "LocalHost.", "0.0.0.0", socket.gethostname()]
)
def test_a_preview_on_every_address_answers_for_this_machine(small: Path, name: str) -> None:
    with serving(small, "0.0.0.0") as server:
        status, text = request(server, f"{name}:{server.server_address[1]}")
        assert status == 200 and f'href="/issue/weekly/{WEEK}/"' in text
        status, text = request(server, name, path=f"/build/weekly/{WEEK}/email.txt")
        assert status == 200 and "Lab opens its doors" in text


def test_a_preview_on_every_address_is_announced_at_an_address_a_browser_opens(
    small: Path,
) -> None:
    """`--host 0.0.0.0` printed http://0.0.0.0:port/, which is no address to open."""
    command = [sys.executable, "-m", "digest", "serve", "--config", str(small)]
    child = subprocess.Popen(
        [*command, "--host", "0.0.0.0", "--port", "0", "--offline"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        while line and not line.startswith("previewing"):
            line = child.stdout.readline()
        found = re.search(r"at (http://\S+/); listening on every address \(Ctrl-C stops\)$", line)
        assert found and found.group(1).startswith("http://127.0.0.1:"), line
        with urllib.request.urlopen(found.group(1), timeout=30) as response:
            assert response.status == 200 and b"/issue/weekly/" in response.read()
    finally:
        child.send_signal(signal.SIGTERM)
        child.communicate(timeout=60)


def test_a_rebinding_page_cannot_edit_even_with_the_token(small: Path) -> None:
    """The rebinding page is same-origin with itself: Origin matches its Host. The Host check
    is what stops it (the token alone would not: the page could have read it)."""
    with serving(small, "0.0.0.0") as server:
        config = load(small)
        port = server.server_address[1]
        attacker = f"attacker.example:{port}"
        fields = {
            "action": "issue",
            "subject": "Taken over",
            "intro": "",
            "expected": editorial.version_of(config, WEEK),
            "token": server.token,
        }
        sent = {
            "Origin": f"http://{attacker}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = urlencode(fields).encode()
        status, text = request(server, attacker, "POST", f"/desk/weekly/{WEEK}", body, sent)
        assert status == 421 and "not 'attacker.example'" in text
        assert editorial.read_decisions(config, WEEK) is None  # no file written
        own = f"127.0.0.1:{port}"
        sent["Origin"] = f"http://{own}"
        status, _ = request(server, own, "POST", f"/desk/weekly/{WEEK}", body, sent)
        assert status == 303  # the same edit from the preview's own page is made
        decisions = editorial.read_decisions(config, WEEK)
        assert decisions is not None and decisions.subject == "Taken over"


@pytest.mark.parametrize(
    "header",
    [
        "",
        "attacker.example",
        "127.0.0.1.attacker.example",
        "attacker.example@127.0.0.1",
        "127.0.0.1@attacker.example",
        "127.0.0.1:80:80",
        "127.0.0.1:port",
        "[::1",
        "127.0.0.1/x",
    ],
)
def test_a_preview_on_a_loopback_address_refuses_other_and_malformed_hosts(
    small: Path, header: str
) -> None:
    with serving(small, "127.0.0.1") as server:
        status, text = request(server, header)
        assert status == 421 and text.startswith("refused: "), text


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def test_a_preview_on_every_ipv6_address_answers_for_its_own_only(small: Path) -> None:
    if not ipv6_loopback():
        pytest.fail("this machine has no IPv6 loopback (::1) to test '--host ::' on")
    with serving(small, "::") as server:
        port = server.server_address[1]
        assert server.url == f"http://[::1]:{port}/"  # the address to open, not "[::]"
        for name in ("[::1]", "localhost", "[::]"):
            assert request(server, f"{name}:{port}", connect_to="::1")[0] == 200, name
        status, text = request(server, f"attacker.example:{port}", connect_to="::1")
        assert status == 421 and f"open http://[::1]:{port}/" in text
        # over IPv4 to the same socket (an IPv4-mapped address): 127.0.0.1 is its own address
        assert request(server, f"127.0.0.1:{port}")[0] == 200


def test_a_preview_on_one_address_answers_for_that_address_only() -> None:
    """--host 192.0.2.7 (an address of the LAN): the address the browser connected to, and
    not localhost, which cannot reach it; the port is not part of the name (an SSH tunnel
    may forward another)."""
    names = HostNames.of("192.0.2.7")
    assert names.allows("192.0.2.7:8000", "192.0.2.7")
    assert names.allows("192.0.2.7", "192.0.2.7")
    assert names.allows("192.0.2.7:9000", "192.0.2.7")
    assert not names.allows("attacker.example:8000", "192.0.2.7")
    assert not names.allows("localhost:8000", "192.0.2.7")
    assert not names.allows("127.0.0.1:8000", "192.0.2.7")
    assert not names.allows("192.0.2.8:8000", "192.0.2.7")
    assert not names.allows(f"{socket.gethostname()}:8000", "192.0.2.7")


def test_a_preview_listening_on_a_name_answers_for_that_name(small: Path) -> None:
    with serving(small, "localhost") as server:
        port = server.server_address[1]
        assert request(server, f"localhost:{port}")[0] == 200
        assert request(server, f"127.0.0.1:{port}")[0] == 200
        assert request(server, f"attacker.example:{port}")[0] == 421
