"""The preview's HTTP server: the preview pages, the preview build folder, and the desk's edits.

Standard library only (ThreadingHTTPServer): one thread per connection, so the open pages'
event streams never hold up a request. Every path below /build/ is decoded, resolved and
checked to lie inside the build folder before anything is read; anything else is a 404.
A request whose Host is not a name or address of this machine, nor one --allow-host lists,
is refused first (421), on every --host: DNS rebinding (hosts.py).
The desk's edits (POST /desk/<issue>) are refused unless same-origin and carrying this run's
token (desk_http.py checks them); they are parsed here and made by digest/desk.py.
"""

from __future__ import annotations

import errno
import mimetypes
import re
import secrets
import socket
import sys
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from digest import paths
from digest.catalog import IssueSummary
from digest.errors import AddressError
from digest.preview import desk_http, pages
from digest.preview.builder import PreviewBuilder
from digest.preview.hosts import HOST_HEADER, HostNames, address

KEEP_ALIVE_SECONDS = 15  # a comment on the event stream this often tells a dead connection
ISSUE = f"({paths.ISSUE_FOLDER_PATTERN})"
ISSUE_PAGE = re.compile(rf"/issue/{ISSUE}/({'|'.join(pages.VIEWS)})?")
DARK_EMAIL = re.compile(rf"/dark/{ISSUE}/{re.escape(paths.EMAIL)}")
DESK = re.compile(rf"/desk/{ISSUE}")
# The preview's own pages: only scripts carrying the response's nonce run, forms post only
# here, and no other site may frame them (clickjacking a desk button).
PAGE_POLICY = (
    "default-src 'self'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; frame-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)
BUILT_POLICY = "script-src 'none'; object-src 'none'; frame-ancestors 'self'"
TEXT_TYPES = {".eml": "text/plain", ".txt": "text/plain", ".json": "application/json"}


class PreviewServer(ThreadingHTTPServer):
    """Serves one PreviewBuilder's pages and build folder."""

    daemon_threads = True  # open event streams must not keep the process alive

    def __init__(
        self,
        address: tuple[str, int],
        builder: PreviewBuilder,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        """Listen on `address`; answer for this machine's names and `allowed_hosts`
        (--allow-host's, already checked by hosts.allowed_name)."""
        self.builder = builder
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        try:
            super().__init__(address, PreviewHandler)
        except OSError as error:
            raise AddressError(_address_problem(address, error)) from None
        self.host_names = HostNames.of(address[0], allowed_hosts)
        self.token = secrets.token_urlsafe(32)  # this run's: the desk's pages carry it

    @property
    def url(self) -> str:
        """The address to open. A wildcard (0.0.0.0, ::) is no address a browser can go to:
        this machine's loopback stands for it."""
        wildcard = self.host_names.wildcard
        if wildcard is not None:
            text = "::1" if wildcard.version == 6 else "127.0.0.1"
        else:
            host = self.server_address[0]
            text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{f'[{text}]' if ':' in text else text}:{self.server_address[1]}/"

    @property
    def listens_everywhere(self) -> bool:
        return self.host_names.wildcard is not None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that closed its connection is not news; anything else is one line."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            print(f"warning: preview: {client_address[0]}: {error!r}", file=sys.stderr)


def _address_problem(address: tuple[str, int], error: OSError) -> str:
    host, port = address
    where = f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        return f"{where}: the port is in use (another digest serve?); choose another with --port"
    if error.errno == errno.EACCES:
        return f"{where}: no permission to listen on this port; choose one above 1023 with --port"
    if isinstance(error, socket.gaierror) or error.errno == errno.EADDRNOTAVAIL:
        return f"{where}: not an address of this machine; check --host"
    return f"{where}: cannot listen: {error.strerror or error}"


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "digest-preview"

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are not logged: the terminal belongs to build warnings."""

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if not self._host_allowed():
            return
        # the path as sent, query and fragment cut off: never normalised before it is checked
        path = self.path.split("?", 1)[0].split("#", 1)[0] if self.path.startswith("/") else ""
        if path == "/":
            self._page("list.html.j2", rows=self._rows())
        elif path == "/events":
            self._events()
        elif path.startswith(pages.BUILD_PREFIX):
            self._built_file(path[len(pages.BUILD_PREFIX) :])
        elif match := DARK_EMAIL.fullmatch(path):
            self._dark_email(match.group(1))
        elif match := ISSUE_PAGE.fullmatch(path):
            self._issue_page(match.group(1), match.group(2) or "desktop")
        else:
            self._not_found()

    def _snapshot(self) -> pages.Snapshot:
        return self.server.builder.snapshot

    def _rows(self) -> list[pages.Row]:
        return pages.rows(self.server.builder.out, self._snapshot())

    def _host_allowed(self) -> bool:
        """Answer only requests made for this machine's names and addresses, whatever --host
        (no DNS rebinding: digest/preview/hosts.py); refuse the others with one line."""
        sent = self.headers.get("Host", "")
        local = self.connection.getsockname()[0]
        if self.server.host_names.allows(sent, local):
            return True
        name = urlsplit(f"//{sent}").hostname if HOST_HEADER.fullmatch(sent) else None
        shown = repr(name if name is not None else sent[:80])
        reachable = str(address(local) or local)
        at = f"[{reachable}]" if ":" in reachable else reachable
        refusal = (
            "refused: this preview answers only for this machine's names and addresses, "
            f"not {shown} (a guard against DNS rebinding); "
            f"open http://{at}:{self.server.server_address[1]}/\n"
        )
        self._send(HTTPStatus.MISDIRECTED_REQUEST, refusal.encode(), "text/plain")
        return False

    def _issue_page(self, issue: str, view: str) -> None:
        builder = self.server.builder
        folder = builder.out / issue
        try:
            summary = IssueSummary.from_json((folder / paths.SUMMARY).read_bytes())
        except (OSError, ValueError, KeyError, TypeError):
            self._not_found()  # not built (or no longer: its last entry moved away)
            return
        context: dict[str, object] = {
            "summary": summary,
            "view": view,
            "findings": pages.findings_by_severity(builder.findings(issue)),
            "phone_width": pages.PHONE_WIDTH,
            "frame_src": f"/dark/{paths.issue_file(issue, paths.EMAIL)}"
            if view == "dark"
            else f"{pages.BUILD_PREFIX}{paths.issue_file(issue, paths.EMAIL)}",
            "lineup": builder.lineup(issue),
            "token": self.server.token,
            "approval": desk_http.approval_state(builder, issue),
        }
        if view == "text":
            context["text"] = (folder / paths.TEXT).read_text(encoding="utf-8", errors="replace")
        if view == "headers":
            context["headers"] = pages.headers(folder, summary)
        self._page("issue.html.j2", **context)

    def _dark_email(self, issue: str) -> None:
        path = contained(self.server.builder.out, paths.issue_file(issue, paths.EMAIL))
        if path is None:
            self._not_found()
            return
        html = pages.for_preview(path.read_bytes(), self._snapshot().config.publication.url)
        self._send(HTTPStatus.OK, pages.dark_copy(html), "text/html", BUILT_POLICY)

    def _built_file(self, raw: str) -> None:
        path = contained(self.server.builder.out, raw)
        if path is None:
            self._not_found()
            return
        data = path.read_bytes()
        kind = TEXT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
        if kind == "text/html":
            data = pages.for_preview(data, self._snapshot().config.publication.url)
        self._send(HTTPStatus.OK, data, kind or "application/octet-stream", BUILT_POLICY)

    def _events(self) -> None:
        """Server-sent events: the build generation now, then each time it changes."""
        builder = self.server.builder
        generation = builder.snapshot.generation
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(f"retry: 500\ndata: {generation}\n\n".encode())
            self.wfile.flush()
            while True:
                current = builder.wait(generation, KEEP_ALIVE_SECONDS)
                if current is None:
                    return  # the preview is stopping
                message = ": still here\n\n" if current == generation else f"data: {current}\n\n"
                generation = current
                self.wfile.write(message.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def do_POST(self) -> None:
        """A desk edit: checked (host, origin, size, token), made, answered; see desk_http."""
        if not self._host_allowed():
            return
        path = self.path.split("?", 1)[0] if self.path.startswith("/") else ""
        match = DESK.fullmatch(path)
        if match is None:
            self._not_found()
            return
        answer = desk_http.handle(self, match.group(1))
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(answer.body)

    def _page(self, template: str, **context: object) -> None:
        nonce = secrets.token_urlsafe(16)
        html = pages.render(template, self._snapshot(), nonce=nonce, **context)
        self._send(HTTPStatus.OK, html, "text/html", PAGE_POLICY.format(nonce=nonce))

    def _not_found(self) -> None:
        self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    def _send(
        self, status: HTTPStatus, body: bytes, kind: str, policy: str = "default-src 'none'"
    ) -> None:
        text = kind.startswith("text/") or kind in ("application/json", "application/xml")
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8" if text else kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", policy)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def contained(root: Path, raw: str) -> Path | None:
    """The file a URL path (below /build/, still percent-encoded) names inside `root`, or None.

    Decoded first, then resolved (symlinks followed), then checked: `..`, `%2e%2e`, `%2f`,
    absolute paths, NUL bytes, hidden files and symlinks that lead out all give None.
    """
    try:
        relative = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\x00" in relative or "\\" in relative or relative.startswith("/"):
        return None
    parts = relative.split("/")
    if any(part in (".", "..") or part.startswith(".") for part in parts if part):
        return None
    target = root / paths.served_file(relative)
    try:
        resolved = target.resolve(strict=True)
        inside = resolved.is_relative_to(root.resolve(strict=True))
    except (OSError, RuntimeError, ValueError):
        return None
    return resolved if inside and resolved.is_file() else None
