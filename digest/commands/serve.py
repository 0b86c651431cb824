"""`digest serve`: a live preview of the real issues, rebuilt on every change, until Ctrl-C
(or SIGTERM, as a service manager or `kill` sends it: the same clean stop, exit 0).

The preview is built by the real build into a temporary folder the server owns, with its
own copy of the archive: out/, out/feed.xml and the archive are never written, so a
half-finished week is never published and `digest build` never waits for the preview.
"""

from __future__ import annotations

import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import FrameType

from digest import desk, paths, select
from digest.archive import Archive
from digest.config import Config
from digest.pipeline import BuildResult, Target, build, select_issue
from digest.preview.builder import Clock, PreviewBuilder, Snapshot, utc_now
from digest.preview.server import PreviewServer
from digest.preview.watch import Watcher
from digest.report import Reporter


@contextmanager
def preview(
    config_path: Path,
    config: Config,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    offline: bool = False,
    clock: Clock = utc_now,
    reporter: Reporter | None = None,
    allowed_hosts: Sequence[str] = (),
) -> Iterator[PreviewServer]:
    """Listen, build once (fetching web sources unless `offline`), watch the inputs; yields the
    server, ready for serve_forever(). Raises AddressError before building if it cannot listen.
    `allowed_hosts` are --allow-host's names, answered for besides this machine's."""
    reporter = reporter or Reporter(quiet=True)
    with tempfile.TemporaryDirectory(prefix="digest-preview-") as folder:
        builder = PreviewBuilder(
            config_path, config, Path(folder), _build, clock, reporter.err, lineup_of=_lineup
        )
        server = PreviewServer((host, port), builder, allowed_hosts)
        tell = _Teller(reporter)
        watcher = Watcher(builder, on_rebuild=tell)
        try:
            tell(builder.rebuild(fetch=not offline))
            watcher.start()
            yield server
        finally:
            builder.close()  # ends the pages' event streams
            watcher.close()  # waits for a rebuild under way: it writes into the folder
            server.server_close()


def serve(
    config_path: Path,
    config: Config,
    reporter: Reporter,
    *,
    host: str,
    port: int,
    offline: bool,
    allowed_hosts: Sequence[str] = (),
) -> None:
    """Run the preview until Ctrl-C or SIGTERM (at any moment, even during the first build);
    either way the temporary folder is removed."""
    try:
        with (
            _terminate_as_interrupt(),
            preview(
                config_path,
                config,
                host=host,
                port=port,
                offline=offline,
                reporter=reporter,
                allowed_hosts=allowed_hosts,
            ) as server,
        ):
            everywhere = "; listening on every address" if server.listens_everywhere else ""
            reporter.summary(
                f"previewing {config.publication.title} at {server.url}{everywhere} (Ctrl-C stops)"
            )
            server.serve_forever()
    except KeyboardInterrupt:
        pass
    reporter.summary("stopped")


def _build(
    config: Config, out: Path, week: str | None, reporter: Reporter, *, fetch: bool, now: datetime
) -> BuildResult:
    """The pipeline, as the preview asks for it: one week, or with None everything `digest build
    --all` builds. It publishes nothing, so a week still in progress is shown, not warned about."""
    target = Target(week=week) if week else Target(everything=True)
    return build(config, out, target, reporter, offline=not fetch, now=now, preview=True)


MORE_TO_PICK = 40  # entries of the year a yearly issue's desk offers besides its highlights


def _lineup(config: Config, issue: str) -> desk.Lineup | None:
    """The desk's view of the issue at `issue` ("weekly/2025-W40"), selected as a build selects
    it from the preview's archive, with the entries its decision file leaves out."""
    kind, key = issue.split("/", 1)
    zone = config.publication.zone
    period = (
        select.week_period(key, zone) if kind == "weekly" else select.year_period(int(key), zone)
    )
    with Archive(paths.archive_path(config)) as archive:
        selected = select_issue(period, config, archive, warnings=[])
        if selected is None:
            return None
        omitted = archive.with_ids(desk.omitted_ids(config, key))
        archived = []
        if kind == "yearly":  # the newest of the year that no decision names, to pick from
            newest = archive.newest_undecided(period.start, period.end, MORE_TO_PICK)
            archived = archive.with_ids(entry_id for entry_id, _ in newest)
    return desk.lineup(config, selected, omitted, archived)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the preview as Ctrl-C does: KeyboardInterrupt unwinds every `finally`
    (the temporary folder's removal among them), where the default action would kill the
    process and leave the folder behind. A second SIGTERM while stopping is ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Teller:
    """Tells the terminal about each rebuild in one line, or its problems as the CLI prints them."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.generation = 0

    def __call__(self, snapshot: Snapshot) -> None:
        if snapshot.problems:
            for problem in snapshot.problems:
                print(f"error: {problem}", file=self.reporter.err, flush=True)
        elif snapshot.generation != self.generation and snapshot.rebuilt:
            shown = (
                snapshot.rebuilt
                if len(snapshot.rebuilt) <= 3
                else (f"{len(snapshot.rebuilt)} issues",)
            )
            self.reporter.note(f"built {', '.join(shown)} in {snapshot.seconds:.1f} s")
        self.generation = snapshot.generation
