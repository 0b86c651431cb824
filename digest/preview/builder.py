"""The preview's builds: the real build, run into a folder the server owns, never into out/.

The build is handed in as a callable (`digest serve` passes the pipeline's), as MkDocs hands
its live-reload server a build function: the preview imports nothing of the build itself.
Each rebuild re-reads digest.toml, then builds the week in progress (the issue staff are
writing for) first, so the open page refreshes as soon as it can, then everything
`digest build --all` would build. The preview works on its own copy of the archive, so it
never holds the publication's lock or changes what `digest build` and `digest fetch` see.
A failed build leaves the last good one in place and is shown as the CLI would print it.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TextIO

from digest import config as configuration
from digest import desk, editorial, paths, select
from digest.check import Finding, check_issue
from digest.config import Config
from digest.errors import DigestError
from digest.report import Reporter

Clock = Callable[[], datetime]
# What the desk edits of a built issue ("weekly/2025-W40"), from the preview's own archive:
# handed in by `digest serve` (it asks the pipeline's selection), None when not built.
LineupOf = Callable[[Config, str], desk.Lineup | None]


class Built(Protocol):
    """What a build tells the preview: the issue paths it rendered and those it left as they were."""

    @property
    def built(self) -> Sequence[str]: ...

    @property
    def unchanged(self) -> Sequence[str]: ...


class Build(Protocol):
    """The real build into `out`: the one ISO `week` ("2025-W43"), or with None everything
    `digest build --all` builds; web sources are fetched only with `fetch`."""

    def __call__(
        self,
        config: Config,
        out: Path,
        week: str | None,
        reporter: Reporter,
        *,
        fetch: bool,
        now: datetime,
    ) -> Built: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Snapshot:
    """What the pages show: the state after the latest rebuild, good or not."""

    generation: int  # goes up after every rebuild that changed what a page shows
    config: Config  # the last valid configuration
    next_week: str  # the week in progress, e.g. "2025-W43"
    last_week: str  # the last complete week
    problems: tuple[str, ...] = ()  # the latest rebuild's errors, exactly as DigestError gave them
    warnings: tuple[str, ...] = ()
    built_at: datetime | None = None  # when the preview last built without errors
    seconds: float = 0.0  # how long that build took
    rebuilt: tuple[str, ...] = field(default=())  # issue paths the latest rebuild re-rendered


class PreviewBuilder:
    """Builds the preview into `folder`/out and tells waiting pages when it changed."""

    def __init__(
        self,
        config_path: Path,
        config: Config,
        folder: Path,
        build: Build,
        clock: Clock = utc_now,
        err: TextIO | None = None,
        lineup_of: LineupOf | None = None,
    ) -> None:
        self.config_path = config_path
        self.build = build
        self.lineup_of = lineup_of
        self._lineups: dict[tuple[str, int], desk.Lineup | None] = {}
        self.out = folder / paths.OUT
        self.archive = folder / paths.DEFAULT_ARCHIVE
        self.clock = clock
        self.err = err or sys.stderr
        self._build_lock = threading.Lock()
        self._changed = threading.Condition()
        self._closed = False
        self._findings: dict[tuple[str, int], list[Finding]] = {}
        now = clock()
        zone = config.publication.zone
        self._snapshot = Snapshot(
            0,
            config,
            select.week_of(now, zone).key,
            select.last_complete_week(now, zone).key,
        )
        self._archive_copied = False

    @property
    def snapshot(self) -> Snapshot:
        with self._changed:
            return self._snapshot

    def rebuild(self, *, fetch: bool = False) -> Snapshot:
        """Build the week in progress, then the rest; web sources are fetched only with `fetch`."""
        with self._build_lock:
            started = time.perf_counter()
            try:
                config = configuration.load(self.config_path)
                if not self._archive_copied:
                    _copy_archive(paths.archive_path(config), self.archive)
                    self._archive_copied = True
                private = _private(config, self.archive)
                now = self.clock()
                zone = config.publication.zone
                next_week = select.week_of(now, zone).key
                last_week = select.last_complete_week(now, zone).key
                reporter = Reporter(quiet=True, err=self.err)
                first = self.build(private, self.out, next_week, reporter, fetch=fetch, now=now)
                self._publish(config, next_week, last_week, first, started, reporter, early=True)
                rest = self.build(private, self.out, None, reporter, fetch=False, now=now)
                removed = self._remove_unbuilt(first, rest)
                self._publish(
                    config, next_week, last_week, rest, started, reporter, removed=removed
                )
            except DigestError as error:
                self._fail(error.problems)
            except Exception as error:  # a bug in a build must not stop the server either
                if self._closed:
                    return self.snapshot  # the folder is going away: not a bug
                traceback.print_exc(file=self.err)
                self._fail((f"internal error: {type(error).__name__}: {error}",))
            return self.snapshot

    def _publish(
        self,
        config: Config,
        next_week: str,
        last_week: str,
        result: Built,
        started: float,
        reporter: Reporter,
        *,
        early: bool = False,
        removed: bool = False,
    ) -> None:
        """Record a good build; wake the pages when it changed what they show."""
        with self._changed:
            previous = self._snapshot
            changed = bool(result.built) or removed or previous.problems != ()
            changed = changed or (previous.next_week, previous.config) != (next_week, config)
            if early and not changed:
                return
            if not early and not changed and previous.built_at is not None:
                return
            self._snapshot = Snapshot(
                previous.generation + 1,
                config,
                next_week,
                last_week,
                warnings=tuple(reporter.warnings),
                built_at=datetime.now(UTC),
                seconds=time.perf_counter() - started,
                rebuilt=tuple(result.built),
            )
            self._changed.notify_all()

    def _fail(self, problems: tuple[str, ...]) -> None:
        with self._changed:
            previous = self._snapshot
            if previous.problems == problems:
                return
            self._snapshot = Snapshot(
                previous.generation + 1,
                previous.config,
                previous.next_week,
                previous.last_week,
                problems=problems,
                built_at=previous.built_at,
                seconds=previous.seconds,
            )
            self._changed.notify_all()

    def _remove_unbuilt(self, *results: Built) -> bool:
        """Remove issue folders no longer built (their last entry was deleted or moved away)."""
        current = {path for result in results for path in [*result.built, *result.unchanged]}
        removed = False
        for summary in sorted(self.out.glob(paths.in_every_issue(paths.SUMMARY))):
            folder, kind = summary.parent, summary.parent.parent.name
            if kind in paths.ISSUE_KINDS and paths.issue_folder(kind, folder.name) not in current:
                shutil.rmtree(folder, ignore_errors=True)
                removed = True
        return removed

    def wait(self, generation: int, timeout: float) -> int | None:
        """Block until the generation differs from `generation` or `timeout` passes; None once closed."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._closed or self._snapshot.generation != generation, timeout
            )
            return None if self._closed else self._snapshot.generation

    def close(self) -> None:
        """Wake every waiting page so that its connection can end."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def findings(self, issue: str) -> list[Finding]:
        """`digest check`'s findings for a built preview issue, worked out once per generation."""
        snapshot = self.snapshot
        key = (issue, snapshot.generation)
        if key not in self._findings:
            self._findings = {
                key: value for key, value in self._findings.items() if key[0] != issue
            }
            self._findings[key] = check_issue(
                self.out, issue, _private(snapshot.config, self.archive)
            )
        return self._findings[key]

    @property
    def private_config(self) -> Config:
        """The last valid configuration, with the archive moved to the preview's own copy."""
        return _private(self.snapshot.config, self.archive)

    def lineup(self, issue: str) -> desk.Lineup | None:
        """The desk's view of a built preview issue (None without a desk), worked out once per
        generation and decision files: an edit that failed to build still shows its version."""
        if self.lineup_of is None:
            return None
        snapshot = self.snapshot
        key = (issue, snapshot.generation)
        cached = self._lineups.get(key)
        if cached is not None and all(
            editorial.version_of(snapshot.config, name) == version
            for name, version in cached.versions.items()
        ):
            return cached
        try:
            found = self.lineup_of(_private(snapshot.config, self.archive), issue)
        except DigestError:
            return None  # a decision file that cannot be read: the page shows the build's error
        self._lineups = {key: found}
        return found


def _private(config: Config, archive: Path) -> Config:
    """The configuration with the archive moved to the preview's own copy."""
    return config.model_copy(
        update={"archive": config.archive.model_copy(update={"path": str(archive)})}
    )


def _copy_archive(source: Path, target: Path) -> None:
    """A consistent copy of the publication's archive (read-only; fine while a build writes it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if not source.is_file():
        return  # the first build fills a new archive from the sources
    try:
        reader = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
        try:
            writer = sqlite3.connect(target)
            with writer:
                reader.backup(writer)
            writer.close()
        finally:
            reader.close()
    except sqlite3.Error:
        target.unlink(missing_ok=True)  # start empty: the first build reads every source again
