"""The desk's requests: who may edit (same origin, this run's token), and which edit a form asks for.

A page on another site can make the browser post a form to 127.0.0.1, with the editor's
cookies if there were any; it cannot read the preview's pages, so it cannot know the
per-run token they carry, and the browser names its origin in Origin (and Sec-Fetch-Site).
So a state-changing request must be a POST whose Origin is the preview's own, whose
Sec-Fetch-Site (when sent) is same-origin, and which carries the token in the X-Digest-Token
header or a `token` field; anything else is 403 with the reason. Bodies over MAX_BODY are
413. The edit itself is one call of digest/desk.py, with the version of the decision file
the page was made from: a file changed since is 409 with StaleEdit's message.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from digest import approval, desk, editorial, paths
from digest.config import Config
from digest.editorial import StaleEdit
from digest.errors import BusyError, DigestError

if TYPE_CHECKING:
    from digest.preview.builder import PreviewBuilder
    from digest.preview.server import PreviewServer

_writing = threading.Lock()  # one desk edit at a time: each reads its file's version, then writes
MAX_BODY = 64 * 1024  # bytes: an intro and a summary fit many times over
TOKEN_HEADER = "X-Digest-Token"
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Answer:
    """What the server sends back for one desk request."""

    status: HTTPStatus
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class Refused(Exception):
    """A request the desk does not act on: its status and a short reason for the page."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def handle(request: BaseHTTPRequestHandler, issue: str) -> Answer:
    """Check a POST to /desk/<issue>, make its edit, and say how it went."""
    server: PreviewServer = request.server  # type: ignore[assignment]
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        check_origin(request, server)
        fields = read_form(request)
        check_token(request, fields, server.token)
        version = edit(server.builder, issue, fields)
    except Refused as refused:
        return _refusal(refused, wants_json)
    if wants_json:
        return _json(HTTPStatus.OK, {"version": version})
    return Answer(HTTPStatus.SEE_OTHER, b"", (("Location", f"/issue/{issue}/"),))


def check_origin(request: BaseHTTPRequestHandler, server: PreviewServer) -> None:
    """Same-origin only: Origin must be this server as the browser reached it (the Host it
    sent, already checked, on this server's port), or a page of a name --allow-host lists
    (a reverse proxy's https://preview.example.org, whatever Host the proxy sends on);
    Sec-Fetch-Site, when sent, same-origin."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        raise Refused(HTTPStatus.FORBIDDEN, f"refused: a {site} request cannot edit the issue")
    origin = request.headers.get("Origin")
    if not origin:
        raise Refused(HTTPStatus.FORBIDDEN, "refused: a POST without Origin cannot edit the issue")
    if server.host_names.allows_origin(origin):
        return
    host = request.headers.get("Host", "")
    port = server.server_address[1]
    try:
        host_port = urlsplit(f"//{host}").port
    except ValueError:
        host_port = None
    if origin != f"http://{host}" or (host_port or 80) != port:
        raise Refused(HTTPStatus.FORBIDDEN, f"refused: {origin} is not this preview's origin")


def read_form(request: BaseHTTPRequestHandler) -> dict[str, str]:
    """The form's fields (the first value of each), from a body of at most MAX_BODY bytes."""
    length_header = request.headers.get("Content-Length")
    # ASCII digits only: "²" is a digit to str.isdigit, and int() refuses it
    if length_header is None or not (length_header.isascii() and length_header.isdigit()):
        raise Refused(HTTPStatus.LENGTH_REQUIRED, "refused: the request must say its length")
    length = int(length_header)
    if length > MAX_BODY:
        raise Refused(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"refused: {length} bytes is more than the desk takes ({MAX_BODY})",
        )
    kind = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    body = request.rfile.read(length)
    if kind != FORM_TYPE:
        raise Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"refused: expected {FORM_TYPE}")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise Refused(HTTPStatus.BAD_REQUEST, "refused: the form is not UTF-8") from None
    return {name: values[0] for name, values in parsed.items()}


def check_token(request: BaseHTTPRequestHandler, fields: Mapping[str, str], token: str) -> None:
    """The token this run's pages carry, in the header or the form."""
    sent = str(request.headers.get(TOKEN_HEADER) or fields.get("token", ""))
    if not hmac.compare_digest(sent.encode(), token.encode()):
        reason = "without the desk's token" if not sent else "with a token of another run"
        raise Refused(
            HTTPStatus.FORBIDDEN, f"refused: a request {reason} cannot edit; reload the page"
        )


def edit(builder: PreviewBuilder, issue: str, fields: Mapping[str, str]) -> str:
    """Make the edit `fields` ask for on the issue's (or its entry's year's) decision file."""
    action = fields.get("action", "")
    handler = ACTIONS.get(action)
    if handler is None:
        raise Refused(HTTPStatus.BAD_REQUEST, f"refused: unknown action {action!r}")
    if "expected" not in fields:
        raise Refused(HTTPStatus.BAD_REQUEST, "refused: the form does not say what it edits")
    if not (builder.out / issue / paths.SUMMARY).is_file():  # a typed URL, or a page left open
        raise Refused(
            HTTPStatus.NOT_FOUND, f"refused: {issue} is not built in this preview; reload the list"
        )
    config = builder.snapshot.config
    key = issue.split("/", 1)[1]
    try:
        with _writing:  # two tabs' clicks at once: the second sees the first's version
            return handler(builder, config, issue, key, fields)
    except StaleEdit as stale:
        raise Refused(HTTPStatus.CONFLICT, str(stale)) from None
    except DigestError as error:
        raise Refused(HTTPStatus.BAD_REQUEST, "; ".join(error.problems)) from None
    except OSError as error:
        raise Refused(
            HTTPStatus.INTERNAL_SERVER_ERROR, f"cannot write the decision file: {error}"
        ) from None


def _move(step: int) -> Action:
    def moving(
        builder: PreviewBuilder, config: Config, issue: str, key: str, fields: Mapping[str, str]
    ) -> str:
        lineup = builder.lineup(issue)
        entry = fields.get("entry", "")
        kind, ids = next(
            (
                (kind, [story.id for story in stories])
                for _, kind, stories in (lineup.sections if lineup else ())
                if kind in ("news", "highlights") and any(story.id == entry for story in stories)
            ),
            ("news", []),
        )
        if kind == "highlights":
            return desk.move_highlight(config, key, entry, step, ids, fields["expected"])
        return desk.move(config, key, entry, step, ids, fields["expected"])

    return moving


Action = Callable[["PreviewBuilder", Config, str, str, Mapping[str, str]], str]

ACTIONS: dict[str, Action] = {
    "lead": lambda b, c, i, k, f: desk.set_lead(c, k, f.get("entry", ""), f["expected"]),
    "no-lead": lambda b, c, i, k, f: desk.clear_lead(c, k, f["expected"]),
    "up": _move(-1),
    "down": _move(+1),
    "omit": lambda b, c, i, k, f: desk.omit(c, k, f.get("entry", ""), f["expected"]),
    "put-back": lambda b, c, i, k, f: desk.put_back(c, k, f.get("entry", ""), f["expected"]),
    "section": lambda b, c, i, k, f: desk.move_to_section(
        c, k, f.get("entry", ""), f.get("section", ""), f["expected"]
    ),
    "highlight": lambda b, c, i, k, f: desk.set_highlight(
        c, f.get("year", ""), f.get("entry", ""), f.get("picked") == "1", f["expected"]
    ),
    "words": lambda b, c, i, k, f: desk.set_words(
        c, k, f.get("entry", ""), f.get("kicker", ""), f.get("summary", ""), f["expected"]
    ),
    "issue": lambda b, c, i, k, f: desk.set_issue_fields(
        c, k, f.get("subject", ""), f.get("intro", ""), f["expected"]
    ),
}


def _approve(
    builder: PreviewBuilder, config: Config, issue: str, key: str, fields: Mapping[str, str]
) -> str:
    """Sign the preview's build of the issue off (digest approve, for the files shown here);
    not while the latest change failed to build (the files shown are then an older build), nor
    from a page made before the last rebuild or edit: the editor read another issue."""
    snapshot = builder.snapshot
    if snapshot.problems:
        raise Refused(
            HTTPStatus.CONFLICT,
            "refused: the latest change could not be built, so this is not the issue as it "
            "stands; fix the problem shown above, then approve",
        )
    stale = fields.get("generation") != str(snapshot.generation)
    if stale or fields["expected"] != editorial.version_of(config, key):
        raise Refused(
            HTTPStatus.CONFLICT,
            "refused: the issue changed since this page was loaded (an edit or a rebuild); "
            "reload to read it as it is now, then approve",
        )
    try:
        approval.approve(
            builder.private_config, builder.out, issue, fields.get("by", ""), builder.clock()
        )
    except BusyError:  # the preview's own lock: its rebuild holds it for a moment
        raise Refused(
            HTTPStatus.CONFLICT, "refused: the preview is rebuilding; approve again in a moment"
        ) from None
    return editorial.version_of(config, key)


ACTIONS["approve"] = _approve


def approval_state(builder: PreviewBuilder, issue: str) -> approval.ApprovalState:
    """The issue's sign-off against the preview's build, as `digest check` would tell it."""
    try:
        return approval.state(builder.private_config, builder.out, issue)
    except DigestError as error:
        # by "" (not None): the page shows the problem, not "not approved yet"
        return approval.ApprovalState(False, "", None, "; ".join(error.problems))


def _refusal(refused: Refused, wants_json: bool) -> Answer:
    if wants_json:
        return _json(refused.status, {"error": refused.reason})
    return Answer(
        refused.status,
        f"{refused.reason}\n".encode(),
        (("Content-Type", "text/plain; charset=utf-8"),),
    )


def _json(status: HTTPStatus, data: dict[str, str]) -> Answer:
    body = json.dumps(data, ensure_ascii=False).encode()
    return Answer(status, body, (("Content-Type", "application/json; charset=utf-8"),))
