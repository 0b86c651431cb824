"""What a command tells the person (or cron job) running it: warnings, progress, one summary line.

Warnings go to stderr, one line each, naming the file, URL or source; the
summary goes to stdout. With --quiet only warnings and the summary remain.
"""

from __future__ import annotations

import sys
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

    def warn(self, line: str) -> None:
        self.warnings.append(line)
        print(f"warning: {line}", file=self.err, flush=True)

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
