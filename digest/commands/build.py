"""`digest build`: run the pipeline into out/, and stamp a clean build so that the next one,
with nothing changed, answers at once.

The order of a build is `digest/pipeline.py`'s. The imports here stay light: a build
answered from the stamp loads no stage (no pydantic, YAML, Markdown, lxml or Jinja2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from digest import paths, stamp

if TYPE_CHECKING:
    from digest.config import Config
    from digest.pipeline import BuildResult
    from digest.report import Reporter


@dataclass(frozen=True)
class Request:
    """One `digest build` as the command line asks for it."""

    config_file: Path  # the digest.toml read
    out: Path
    week: str | None = None
    year: int | None = None
    everything: bool = False
    offline: bool = False

    @property
    def stamp_path(self) -> Path:
        return paths.stamp_path(self.config_file)

    @property
    def stamp_key(self) -> str:
        """The same config, out/ and target give the same key."""
        target = (self.week, self.year, self.everything, self.offline)
        return stamp.build_key(self.config_file, self.out, target)


def unchanged_issues(request: Request, now: datetime) -> int | None:
    """How many issues the last clean build made, when nothing it read or wrote has changed
    since and its week has not turned; None when the build must run in full."""
    return stamp.is_fresh(request.stamp_path, request.stamp_key, now)


def build(request: Request, config: Config, reporter: Reporter, now: datetime) -> BuildResult:
    """Run the pipeline; stamp the build when it was clean: no source fetched from the web
    (it must ask again next time), no warning (it must warn again), no failure, no check error."""
    from digest.pipeline import Target
    from digest.pipeline import build as run_pipeline

    target = Target(week=request.week, year=request.year, everything=request.everything)
    result = run_pipeline(config, request.out, target, reporter, offline=request.offline, now=now)
    web = any(source.url for source in config.sources) and not request.offline
    errors = any(finding.severity == "error" for finding in result.findings)
    if not (web or reporter.warnings or reporter.failed_sources or errors):
        _remember(request, config, result, now)
    return result


def _remember(request: Request, config: Config, result: BuildResult, now: datetime) -> None:
    """Stamp a clean build with what it read and wrote, valid until the week (or year) turns."""
    today = now.astimezone(config.publication.zone).date()
    next_week = today + timedelta(days=7 - today.weekday())
    turn = min(next_week, date(today.year + 1, 1, 1))
    valid_until = datetime.combine(turn, datetime.min.time(), config.publication.zone)
    read = [
        request.config_file,
        *config.input_paths,
        *result.assets,
        *paths.archive_files(config),
        request.out,
    ]
    issues = len(result.built) + len(result.unchanged)
    stamp.write(request.stamp_path, request.stamp_key, read, valid_until, issues)
