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
from digest.cli import main
from digest.config import load
from digest.preview.hosts import HostNames
from digest.preview.server import PreviewServer
from tests.browser_pages import announcement, previewing
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
        line = announcement(child.stdout)
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


PROXIED = "preview.example.org"  # a reverse proxy's name for the preview (nginx, Caddy)


def behind_a_proxy(config_path: Path, *allowed: str) -> AbstractContextManager[PreviewServer]:
    """`digest serve --allow-host <name>...` on 127.0.0.1 and a free port, serving in a thread."""
    return previewing(config_path, IN_W43, allowed_hosts=allowed)


def test_a_name_the_proxy_uses_is_answered_for_once_allowed(small: Path) -> None:
    """Behind nginx (`proxy_set_header Host $host`) every request said Host: the proxy's name,
    and the preview refused them all: 421."""
    with behind_a_proxy(small, PROXIED) as server:
        for header in (PROXIED, f"{PROXIED}:443", f"{PROXIED}:8443", "Preview.Example.ORG."):
            status, text = request(server, header)
            assert status == 200 and f'href="/issue/weekly/{WEEK}/"' in text, header
        status, text = request(server, PROXIED, path=f"/build/weekly/{WEEK}/email.txt")
        assert status == 200 and "Lab opens its doors" in text
        # this machine's own names still work, and the list names no other
        assert request(server, f"127.0.0.1:{server.server_address[1]}")[0] == 200


def test_a_name_not_allowed_is_refused_without_telling_the_allowed_ones(small: Path) -> None:
    with behind_a_proxy(small, PROXIED) as server:
        port = server.server_address[1]
        for header in ("other.example", f"www.{PROXIED}", "example.org", f"{PROXIED}.evil"):
            status, text = request(server, header)
            assert status == 421, header
            assert text == (
                "refused: this preview answers only for this machine's names and addresses, "
                f"not {header!r} (a guard against DNS rebinding); "
                f"open http://127.0.0.1:{port}/\n"
            )
            assert PROXIED not in text.replace(header, "")


def test_without_allow_host_the_proxy_name_is_still_refused(small: Path) -> None:
    with serving(small, "127.0.0.1") as server:
        status, text = request(server, PROXIED)
        assert status == 421 and f"not {PROXIED!r}" in text


def test_an_allowed_address_is_answered_for_on_any_connection(small: Path) -> None:
    """An SSH-forwarded or proxied address: the browser connected to 10.0.0.5, the preview
    sees the connection come in on 127.0.0.1."""
    with serving(small, "127.0.0.1") as server:
        assert request(server, "10.0.0.5:8131")[0] == 421
    with behind_a_proxy(small, "10.0.0.5", "[fd00::5]") as server:
        assert request(server, "10.0.0.5:8131")[0] == 200
        assert request(server, "10.0.0.5")[0] == 200
        assert request(server, "[fd00::5]:8131")[0] == 200
        assert request(server, "10.0.0.6:8131")[0] == 421
    names = HostNames.of("192.0.2.7", [PROXIED, "10.0.0.5"])
    assert names.allows(f"{PROXIED}:8000", "192.0.2.7") and names.allows(PROXIED, "10.9.9.9")
    assert names.allows("10.0.0.5:9000", "192.0.2.7")
    assert not names.allows("attacker.example", "192.0.2.7")


def desk_post(
    server: PreviewServer, host: str, origin: str, subject: str = "From the proxy"
) -> tuple[int, str]:
    """The desk's issue form, posted as a browser on `origin` sends it through a proxy."""
    fields = {
        "action": "issue",
        "subject": subject,
        "intro": "",
        "expected": editorial.version_of(server.builder.snapshot.config, WEEK),
        "token": server.token,
    }
    sent = {
        "Origin": origin,
        "Sec-Fetch-Site": "same-origin",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    body = urlencode(fields).encode()
    return request(server, host, "POST", f"/desk/weekly/{WEEK}", body, sent)


def test_the_desk_edits_from_a_proxied_page_of_an_allowed_name(small: Path) -> None:
    """The page is https://preview.example.org/ (the proxy ends TLS): its Origin is neither
    http nor the preview's port, and the desk refused every click as another origin."""
    config = load(small)
    with behind_a_proxy(small, PROXIED) as server:
        assert desk_post(server, PROXIED, f"https://{PROXIED}")[0] == 303
        decisions = editorial.read_decisions(config, WEEK)
        assert decisions is not None and decisions.subject == "From the proxy"
        # nginx's default `Host: $proxy_host` (the preview's own address) works as well
        own = f"127.0.0.1:{server.server_address[1]}"
        assert desk_post(server, own, f"https://{PROXIED}:8443", "Again")[0] == 303
        decisions = editorial.read_decisions(config, WEEK)
        assert decisions is not None and decisions.subject == "Again"
        # another site's page is still another origin, and the token is still wanted
        status, text = desk_post(server, PROXIED, "https://other.example", "Taken over")
        assert status == 403
        assert text == "refused: https://other.example is not this preview's origin\n"
        for origin in (f"ftp://{PROXIED}", f"https://{PROXIED}/x", f"https://u@{PROXIED}", "null"):
            assert desk_post(server, PROXIED, origin, "Taken over")[0] == 403, origin
        status, _ = request(
            server,
            PROXIED,
            "POST",
            f"/desk/weekly/{WEEK}",
            urlencode({"action": "issue", "subject": "No token", "expected": ""}).encode(),
            {"Origin": f"https://{PROXIED}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 403
    decisions = editorial.read_decisions(config, WEEK)
    assert decisions is not None and decisions.subject == "Again"


def test_the_desk_refuses_a_proxied_page_whose_name_is_not_allowed(small: Path) -> None:
    with serving(small, "127.0.0.1") as server:
        status, text = desk_post(server, PROXIED, f"https://{PROXIED}")
        assert status == 421 and f"not {PROXIED!r}" in text
        own = f"127.0.0.1:{server.server_address[1]}"
        status, text = desk_post(server, own, f"https://{PROXIED}")
        assert status == 403 and "is not this preview's origin" in text
    assert editorial.read_decisions(load(small), WEEK) is None


def test_a_bad_allow_host_is_one_line_and_exit_2(small: Path) -> None:
    command = [sys.executable, "-m", "digest", "serve", "--allow-host", "https://x.org/"]
    usage = subprocess.run(
        [*command, "--offline", "--config", str(small)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    assert usage.stderr.splitlines()[-1] == (
        "digest serve: error: argument --allow-host: 'https://x.org/' is not a host name "
        "(it has a scheme); give the name alone, as in --allow-host x.org"
    )


@pytest.mark.parametrize(
    ("value", "wrong", "example"),
    [
        (f"{PROXIED}:8443", "it has a port: any port is answered for", PROXIED),
        ("[::1]:8000", "it has a port: any port is answered for", "::1"),
        (f"{PROXIED}/desk", "it has a path", PROXIED),
        ("*.example.org", "it has a wildcard: list each name", PROXIED),
        (".example.org", "it has a wildcard: list each name", PROXIED),
        ("preview example", "it has a space", PROXIED),
        ("", "it is empty", PROXIED),
        ("-preview.example", "a name is letters, digits and hyphens between dots", PROXIED),
    ],
)
def test_allow_host_takes_a_bare_name_only(
    small: Path, capsys: pytest.CaptureFixture[str], value: str, wrong: str, example: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", f"--allow-host={value}", "--offline", "--config", str(small)])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"digest serve: error: argument --allow-host: {value!r} is not a host name ({wrong}); "
        f"give the name alone, as in --allow-host {example}"
    )
