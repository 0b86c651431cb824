"""What a command tells the person (or cron job) running it: warnings, progress, one summary line.

Warnings go to stderr, one line each, naming the file, URL or source; the
summary goes to stdout. With --quiet only warnings and the summary remain.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO


class Reporter:
    """Collects and prints warnings and notes; counts warnings for the exit code."""

    def __init__(
        self,
        quiet: bool = False,
        verbose: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.quiet, self.verbose = quiet, verbose
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.warnings: list[str] = []
        self.failed_sources: list[str] = []
        self.stage_seconds: dict[str, float] = {}

    def warn(self, line: str) -> None:
        self.warnings.append(line)
        print(f"warning: {line}", file=self.err, flush=True)

    def error(self, line: str) -> None:
        """A problem found in what was built (a check error): printed as one, and, like a
        warning, it keeps the next build from answering from the stamp."""
        self.warnings.append(line)
        print(f"error: {line}", file=self.err, flush=True)

    def source_failed(self, name: str, reason: str) -> None:
        self.failed_sources.append(name)
        self.warn(f"source {name!r}: {reason}")

    def note(self, line: str) -> None:
        if not self.quiet:
            print(line, file=self.out, flush=True)

    def detail(self, line: str) -> None:
        if self.verbose:
            print(line, file=self.out, flush=True)

    def summary(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    @contextmanager
    def progress(self, label: str, total: int) -> Iterator[Callable[[str], None]]:
        """A progress bar on a terminal (rich); nothing when piped, quiet, or for tiny jobs.

        Yields `advance(what)`, to call once per item done.
        """
        if self.quiet or total < 2 or not self.err.isatty():
            yield lambda what: None
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[what]}"),
        )
        with Progress(*columns, console=Console(file=self.err), transient=True) as bar:
            task = bar.add_task(label, total=total, what="")
            yield lambda what: bar.update(task, advance=1, what=what)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a pipeline stage; --verbose prints the totals per stage at the end."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stage_seconds[name] = (
                self.stage_seconds.get(name, 0.0) + time.perf_counter() - started
            )

    def stage_timings(self) -> None:
        if self.stage_seconds:
            self.detail(
                "stages: "
                + ", ".join(
                    f"{name} {seconds:.3f} s" for name, seconds in self.stage_seconds.items()
                )
            )
