"""Case 12, the editor's desk: from clicking "Make lead" in `digest serve` to the rebuilt email served.

The repo's sample publication is copied into the workspace and previewed in this process
while 2025-W40 is the week in progress. Each run POSTs to the desk as the page does (same
origin, the run's token, the decision file's version), alternating the lead between two
stories, and the clock stops when the event stream has said "rebuilt" and the email.html it
then serves starts its "Top story" with the new lead: the write, the file watcher noticing
it, the rebuild, and the request. Baselines from the same run: the same decision saved by
hand (editorial.rewrite, as an editor's save) until served, and the plain rebuild of the
issue, `python -m digest build --week 2025-W40 --offline` (whole command).
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from measure import PYTHON, Row, Table, run_child, seconds, times
from publication import sample_copy

from digest import editorial
from digest.commands.serve import preview
from digest.config import Config, load
from digest.preview.server import PreviewServer

WEEK = "2025-W40"
IN_PROGRESS = datetime(2025, 10, 2, 12, 0, tzinfo=UTC)  # a Thursday of 2025-W40
LEADS = (  # (entry id, its title in the email)
    (
        "tag:icr.example.org,2025:news/predi-lynch-kickoff-heidelberg",
        "Bringing Europe together to tackle Lynch syndrome",
    ),
    (
        "tag:icr.example.org,2025:news/national-research-archive-nva",
        "National Research Archive (NVA) Now Available for OUS Researchers",
    ),
)
TARGET = 1.0  # seconds from the click to the rebuilt email being served
GIVE_UP = 30.0


class _Events:
    """The preview's event stream, read in a thread: the latest generation it announced."""

    def __init__(self, server: PreviewServer) -> None:
        address = urlsplit(server.url)
        self.connection = http.client.HTTPConnection(address.hostname or "", address.port)
        self.connection.request("GET", "/events")
        self.response = self.connection.getresponse()
        self.generation = -1
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.response:
                if line.startswith(b"data: "):
                    with self.changed:
                        self.generation = int(line[6:])
                        self.changed.notify_all()
        except (OSError, ValueError):
            return

    def after(self, generation: int) -> int:
        """Wait until the stream announces a generation other than `generation`."""
        with self.changed:
            if not self.changed.wait_for(lambda: self.generation != generation, GIVE_UP):
                raise RuntimeError(f"the preview announced no rebuild within {GIVE_UP:g} s")
            return self.generation


def _lead_served(server: PreviewServer, title: str) -> bool:
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=GIVE_UP)
    connection.request("GET", f"/build/weekly/{WEEK}/email.html")
    html = connection.getresponse().read().decode()
    connection.close()
    after = html.split("Top story", 1)[-1] if "Top story" in html else ""
    others = [after.find(other) for _, other in LEADS if other != title and other in after]
    return title in after and all(after.index(title) < place for place in others)


def _click_lead(server: PreviewServer, config: Config, entry_id: str) -> None:
    """The page's POST for "Make lead" on `entry_id`."""
    address = urlsplit(server.url)
    fields = {
        "action": "lead",
        "entry": entry_id,
        "expected": editorial.version_of(config, WEEK),
        "token": server.token,
    }
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=GIVE_UP)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": server.url.rstrip("/"),
        "Sec-Fetch-Site": "same-origin",
        "Accept": "application/json",
    }
    connection.request("POST", f"/desk/weekly/{WEEK}", urlencode(fields), headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"the desk refused the click: {response.status} {body!r}")


def _hand_save(config: Config, entry_id: str) -> None:
    """The same decision, saved by an editor in a text editor."""

    def change(document: object) -> None:
        document["lead"] = entry_id  # type: ignore[index]

    editorial.rewrite(config, WEEK, change)


def _served_after(
    server: PreviewServer, events: _Events, edit: Callable[[], None], title: str
) -> float:
    """Seconds from `edit` until the event stream says rebuilt and the email leads with `title`."""
    generation = server.builder.snapshot.generation
    started = time.perf_counter()
    edit()
    while time.perf_counter() - started < GIVE_UP:
        generation = events.after(generation)
        if _lead_served(server, title):
            return time.perf_counter() - started
    raise RuntimeError(f"the preview did not lead with {title!r} within {GIVE_UP:g} s")


def _settle(server: PreviewServer) -> None:
    """Let the rest of the preview (the other issues) finish building before the next run."""
    del server
    time.sleep(0.5)


def run(workspace: Path, runs: int) -> Table:
    table = Table(
        f"12. desk: the editor's desk on the sample's {WEEK}: click 'Make lead' -> rebuilt email served, "
        f"median of {runs} runs"
    )
    previewed, built = sample_copy(workspace / "desk"), sample_copy(workspace / "desk-build")
    build = [PYTHON, "-m", "digest", "build", "--week", WEEK, "--offline", "--quiet"]
    build += ["--config", str(built)]
    run_child(build).check("first build")
    config, built_config = load(previewed), load(built)
    clicks: list[float] = []
    saves: list[float] = []
    rebuilds: list[float] = []
    with preview(previewed, config, port=0, offline=True, clock=lambda: IN_PROGRESS) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        events = _Events(server)
        try:
            (entry_id, title), (other_id, other_title) = LEADS
            clicking = partial(_click_lead, server, config, entry_id)
            saving = partial(_hand_save, config, other_id)
            for number in range(runs):
                clicks.append(_served_after(server, events, clicking, title))
                _settle(server)
                saves.append(_served_after(server, events, saving, other_title))
                _settle(server)
                _hand_save(built_config, LEADS[number % 2][0])  # a change to rebuild, each run
                rebuilds.append(run_child(build).check("build").wall)
        finally:
            events.connection.close()
            server.shutdown()
            thread.join(10)
    click, save, rebuild = (statistics.median(values) for values in (clicks, saves, rebuilds))
    table.add(
        Row(
            "digest serve desk: click 'Make lead' -> rebuilt email.html served",
            seconds(click),
            f"digest build --week {seconds(rebuild)}",
            times(click / rebuild),
            f"< {TARGET:g} s",
            click < TARGET,
        )
    )
    table.add(
        Row(
            "  the same decision saved by hand -> served",
            seconds(save),
            "",
            f"click {times(click / save)}",
        )
    )
    table.add(
        Row("  click: fastest / slowest run", f"{seconds(min(clicks))} / {seconds(max(clicks))}")
    )
    return table
