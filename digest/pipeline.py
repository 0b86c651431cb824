"""The pipeline: the one place that knows the order of a build, which every command calls.

Periods to build -> candidates from the archive -> select -> render within the size budget
-> write -> check, after the archive has taken in the entry files and sources. `digest build`
runs all of it, `digest explain` asks `periods`, `select_issue` and `as_sent` (the build's
own path), and `digest serve` hands `build` to the preview as a callable.

Everything is rendered in memory before anything is written, so a template error
or a malformed entry leaves the previous out/ exactly as it was.
"""

from __future__ import annotations

import hashlib
import math
import re
import time as clock
import zlib
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from digest import __version__, assets, images, paths
from digest.archive import ENTRY_FILES, Archive
from digest.assets import Asset
from digest.config import Config, Source
from digest.errors import OutputError
from digest.ingest.feeds import FeedUnreadable, parse_feed
from digest.ingest.fetch import Fetched, fetch_all
from digest.ingest.local import read_entries
from digest.model import Entry, Issue, Period
from digest.report import Reporter
from digest.write import locked, remove_files, remove_stale, write_tree

if TYPE_CHECKING:
    import jinja2

    from digest import select
    from digest.catalog import IssueSummary
    from digest.check import Finding
# select, editorial, catalog and check are imported where they are used: `digest fetch`, which
# uses none of them, starts without them (and without the Markdown and TOML-editing libraries
# editorial brings)


@dataclass(frozen=True)
class Target:
    """Which issues to build: one week, one year, everything, or (default) the last complete week."""

    week: str | None = None
    year: int | None = None
    everything: bool = False


@dataclass(frozen=True)
class ArchiveUpdate:
    """What a fetch changed, and the local files the entries publish under out/media/."""

    new: int
    updated: int
    assets: tuple[Asset, ...]


@dataclass
class BuildResult:
    """What a build did: issue paths built, unchanged and empty, files written, the check's
    findings, what the archive took in, and the local files the entries publish."""

    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    assets: list[Path] = field(default_factory=list)  # local files the entries publish


class RenderedFiles(MutableMapping[str, bytes]):
    """Rendered files by out/ path, beyond the first PLAIN_BYTES held zlib-compressed until
    they are written.

    Everything is rendered before anything is written (a failure leaves out/ as it was), so
    `build --all` holds every issue at once: ten years of weekly issues are ~130 MB of HTML
    and mail, ~15 MB compressed (level 1: ~5 ms per MB). A week's build, or the preview's,
    stays under PLAIN_BYTES and pays nothing. The bytes come back unchanged.
    """

    PLAIN_BYTES = 16_000_000

    def __init__(self) -> None:
        self._plain: dict[str, bytes] = {}
        self._packed: dict[str, bytes] = {}
        self._plain_bytes = 0

    def __getitem__(self, name: str) -> bytes:
        if name in self._plain:
            return self._plain[name]
        return zlib.decompress(self._packed[name])

    def __setitem__(self, name: str, data: bytes) -> None:
        self.pop(name, None)
        if self._plain_bytes + len(data) <= self.PLAIN_BYTES:
            self._plain[name] = data
            self._plain_bytes += len(data)
        else:
            self._packed[name] = zlib.compress(data, 1)

    def __delitem__(self, name: str) -> None:
        if name in self._plain:
            self._plain_bytes -= len(self._plain.pop(name))
        else:
            del self._packed[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._plain
        yield from self._packed

    def __len__(self) -> int:
        return len(self._plain) + len(self._packed)

    def __contains__(self, name: object) -> bool:
        return name in self._plain or name in self._packed


def periods(target: Target, config: Config, archive: Archive, now: datetime) -> list[Period]:
    """The periods to build, oldest first. --all: every archived week, every past year with highlights."""
    from digest import editorial, select

    zone = config.publication.zone
    if target.week:
        return [select.week_period(target.week, zone)]
    if target.year:
        return [select.year_period(target.year, zone)]
    if not target.everything:
        return [select.last_complete_week(now, zone)]
    this_year = now.astimezone(zone).year
    picked = {int(key) for key in editorial.decision_keys(config) if re.fullmatch(r"\d{4}", key)}
    years = sorted((select.highlight_years(archive.decided_dates(), zone) | picked) - {this_year})
    weeks = [week for week in select.weeks_of(archive.published_dates(), zone) if week.end <= now]
    return weeks + [select.year_period(year, zone) for year in years if year < this_year]


def select_issue(
    period: Period,
    config: Config,
    archive: Archive,
    decisions: select.Decisions | None = None,
    warnings: list[str] | None = None,
) -> Issue | None:
    """Ask the archive for the period's candidates, read the issue's decision file, and let
    the select stage make the issue; the decision file's problems go to `warnings`.

    `digest explain` passes `decisions` to learn why, on the very path a build takes.
    """
    from digest import editorial, select

    decided = editorial.read_decisions(config, period.key)
    if period.kind == "yearly":
        count = select.highlight_candidate_count(config)
        # digest explain also asks about entries that are no candidates: it gets every decision
        limit = -1 if decisions is not None else count
        decided_rows = archive.decided_between(
            period.start, period.end, select.HIGHLIGHT_ORDER, limit
        )
        undecided = archive.newest_undecided(period.start, period.end, count)
        wanted = select.highlight_candidates(decided_rows, undecided, config)
        if decided:  # the editor's picks and reworded entries, wherever they rank
            named = [pick.id for pick in decided.highlights] + [d.id for d in decided.entries]
            wanted += [entry_id for entry_id in dict.fromkeys(named) if entry_id not in wanted]
        explained = [entry_id for entry_id, *_ in decided_rows] if decisions is not None else []
        found = archive.editorial_of(dict.fromkeys([*wanted, *explained]))
        return select.yearly_issue(
            archive.with_ids(wanted), period, config, decisions, found, decided, warnings
        )
    dated = archive.published_between(period.start, period.end)
    events = archive.events_overlapping(*select.upcoming_window(period, config))
    earlier = archive.earlier_copies(dated, period.start)  # stories sent in an earlier week
    found = archive.editorial_of(entry.id for entry in [*dated, *events])
    return select.weekly_issue(
        dated, events, period, config, decisions, earlier, found, decided, warnings
    )


def unused_decision_files(config: Config, planned: list[Period], now: datetime) -> list[str]:
    """A warning for each decision file that names no issue being built: not an issue key,
    or an ended period with no entries (a build with --all builds every ended period that has
    some). The week or year in progress is left alone: its editor is still at work on it."""
    from digest import editorial, select

    keys = {period.key for period in planned}
    zone = config.publication.zone
    lines = []
    for key in editorial.decision_keys(config):
        if key in keys:
            continue
        name = editorial.shown_name(paths.decision_file(editorial.folder(config), key), config)
        try:
            period = (
                select.week_period(key, zone) if "-W" in key else select.year_period(int(key), zone)
            )
        except ValueError:  # not an issue key: 2025-W99, or no year at all
            period = None
        if period is not None:
            if period.end > now:
                continue
            lines.append(f"{name}: no entries are dated in {key}, so no issue uses these decisions")
        else:
            lines.append(
                f"{name}: not named after an issue; name it like 2025-W40.toml or 2022.toml"
            )
    return lines


def _describe(period: Period) -> str:
    return f"{period.first_day:%d %b %Y} – {period.last_day:%d %b %Y}"


def build(
    config: Config,
    out: Path,
    target: Target,
    reporter: Reporter,
    *,
    offline: bool,
    now: datetime | None = None,
    preview: bool = False,
) -> BuildResult:
    """Update the archive (unless offline), then render and write the issues of `target`.

    `preview`: built for `digest serve`, which publishes nothing, so a period still in progress
    is what it shows, not a warning."""
    from digest.catalog import published, read_catalog
    from digest.check import check_issue

    now = now or datetime.now(UTC)
    started = clock.perf_counter()
    result = BuildResult()
    archive_path = paths.archive_path(config)
    with locked(archive_path.parent), Archive(archive_path) as archive:
        pictures = images.Pictures(config, archive, reporter, out=out, offline=offline, now=now)
        with reporter.stage("ingest+archive"):
            update = update_archive(
                config, archive, reporter, offline=offline, now=now, pictures=pictures
            )
        result.new, result.updated = update.new, update.updated
        result.assets = [asset.source for asset in update.assets]

        renderer = _Renderer(config)
        existing = read_catalog(out)
        planned = periods(target, config, archive, now)
        if target.everything:
            for line in unused_decision_files(config, planned, now):
                reporter.warn(line)
        with reporter.stage("images"):
            images.publish_logo(pictures)
        files, rendered = _render_issues(
            planned,
            config,
            archive,
            out,
            existing,
            renderer,
            reporter,
            result,
            now,
            preview,
            pictures,
        )
        listed = published((existing | rendered).values(), now)
        if rendered or _site_is_stale(out, listed, config):
            with reporter.stage("render"):
                built = existing | rendered  # their web pages link the previous and next issue
                files.update(renderer.site(listed, built.values(), _web_pages(out, files, built)))
        # made for email by the images stage; copied as they are in hotlink mode
        files.update(_asset_files(config, update.assets if pictures.hotlink else ()))
        files.update(pictures.files)
        with reporter.stage("write"):
            result.written = write_tree(out, files)
            for summary in rendered.values():
                for name in remove_stale(out / summary.path, summary.files):
                    removed = paths.issue_file(summary.path, name)
                    reporter.detail(f"removed {removed}: no longer part of the issue")
            # pictures no issue in out/ shows any more (all of out/, not only what was built)
            shown = {path: summary.media for path, summary in (existing | rendered).items()}
            unused = images.unused_media(out, shown, files)
            removed_media, problems = remove_files(out, unused)
            for name in removed_media:
                reporter.detail(f"removed {name}: no issue shows it any more")
            for line in problems:
                reporter.warn(f"{line}; no issue shows it any more, remove it by hand")
    with reporter.stage("check"):
        for index, path in enumerate(result.built):
            result.findings += check_issue(out, path, config, css=index == 0)
    reporter.stage_timings()
    reporter.detail(f"built in {clock.perf_counter() - started:.2f} s")
    return result


def _render_issues(
    planned: list[Period],
    config: Config,
    archive: Archive,
    out: Path,
    existing: dict[str, IssueSummary],
    renderer: _Renderer,
    reporter: Reporter,
    result: BuildResult,
    now: datetime,
    preview: bool,
    pictures: images.Pictures,
) -> tuple[RenderedFiles, dict[str, IssueSummary]]:
    """Select and render each planned period's issue, in memory; skip issues whose inputs are
    unchanged. An issue not ready to send (its period not ended, a placeholder story) is a warning."""
    from digest import editorial
    from digest.catalog import IssueSummary, is_current, issue_inputs, render_inputs
    from digest.check import unfinished

    fingerprint = render_inputs(config, config.template_dirs)
    files = RenderedFiles()
    rendered: dict[str, IssueSummary] = {}
    with reporter.progress("building", len(planned)) as advance:
        for period in planned:
            warnings: list[str] = []
            with reporter.stage("select"):
                issue = select_issue(period, config, archive, warnings=warnings)
            advance(period.key)
            for line in warnings:
                reporter.warn(line)
            if issue is None:
                result.empty.append(period.key)
                reporter.note(
                    f"{period.kind} {period.key}: no entries dated {_describe(period)}; nothing built"
                )
                file = paths.decision_file(editorial.folder(config), period.key)
                if file.is_file():  # select_issue has read and checked it already
                    reporter.warn(
                        f"{editorial.shown_name(file, config)}: {period.key} has no entries, "
                        "so no issue uses these decisions"
                    )
                continue
            for line in unfinished(issue, config, None if preview else now):
                reporter.warn(line)
            with reporter.stage("images"):
                issue = pictures.for_issue(issue)  # each picture made for its place
            inputs = issue_inputs(issue, fingerprint)
            if is_current(out, existing.get(issue.path), inputs):
                result.unchanged.append(issue.path)  # the same inputs give the same bytes
                continue
            with reporter.stage("render"):
                budget = config.email.size_budget_kb * 1024
                issue, issue_files = _render_within_budget(issue, inputs, renderer, budget)
            for name, data in issue_files.items():
                files[paths.issue_file(issue.path, name)] = data
            rendered[issue.path] = IssueSummary.from_json(issue_files[paths.SUMMARY])
            result.built.append(issue.path)
            reporter.detail(f"rendered {issue.path} ({len(issue.entries)} entries)")
    return files, rendered


def _site_is_stale(out: Path, listed: list[IssueSummary], config: Config) -> bool:
    """Must out/index.html and out/feed.xml be written again though no issue was rendered?
    Yes when one is missing, or the feed does not list exactly the issues to publish (an
    issue whose period has since ended, an issue folder removed by hand)."""
    from digest.catalog import listed_in_feed

    if not all((out / name).is_file() for name in paths.SITE_FILES):
        return True
    return listed_in_feed(out, config.publication.url) != {summary.path for summary in listed}


def _render_within_budget(
    issue: Issue, inputs: str, renderer: _Renderer, budget: int
) -> tuple[Issue, dict[str, bytes]]:
    """Render; while email.html is over budget, show the lowest-ranked entries as headline links."""
    from digest import select

    files = renderer.issue(issue, inputs)
    while len(files[paths.EMAIL]) > budget:
        movable = len(issue.entries) - 1  # one story (or event) stays in full
        if movable < 1:
            break  # nothing left to move: digest check reports the size
        size = len(files[paths.EMAIL])
        per_entry = size / len(issue.entries)
        count = min(movable, max(1, math.ceil((size - budget) / (per_entry * 0.6))))
        issue = select.move_to_headlines(issue, count)
        files = renderer.issue(issue, inputs)
    return issue, files


def as_sent(issue: Issue, config: Config) -> Issue:
    """The issue as a build renders it: over the size budget, entries become headline links.

    Renders the issue, so `digest explain` learns this from the build's own code.
    """
    from digest.catalog import issue_inputs, render_inputs

    inputs = issue_inputs(issue, render_inputs(config, config.template_dirs))
    budget = config.email.size_budget_kb * 1024
    return _render_within_budget(issue, inputs, _Renderer(config), budget)[0]


class _Renderer:
    """The render stage, loaded on first use: a build with nothing to render never imports
    Jinja2, MJML or premailer (premailer alone takes ~0.4 s to import)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._env: jinja2.Environment | None = None

    @property
    def env(self) -> jinja2.Environment:
        if self._env is None:
            from digest.render.environment import make_environment

            self._env = make_environment(self.config)
        return self._env

    def issue(self, issue: Issue, inputs: str) -> dict[str, bytes]:
        from digest.render import render_issue

        return render_issue(issue, self.config, self.env, inputs)

    def site(
        self,
        summaries: list[IssueSummary],
        built: Iterable[IssueSummary] = (),
        pages: Mapping[str, bytes] | None = None,
    ) -> dict[str, bytes]:
        from digest.render import render_site

        return render_site(summaries, self.config, self.env, pages, built)


class _WebPages(Mapping[str, bytes]):
    """Each built issue's web page, by issue path: as just rendered, else as out/ has it; read
    when asked for, so the site stage holds one at a time (533 pages of a 10-year archive are
    ~30 MB)."""

    def __init__(self, out: Path, files: Mapping[str, bytes], built: Iterable[str]) -> None:
        self.out, self.files = out, files
        self.names = {
            issue_path: name
            for issue_path in built
            if (name := paths.issue_file(issue_path, paths.WEB_PAGE)) in files
            or (out / name).is_file()
        }

    def __getitem__(self, issue_path: str) -> bytes:
        name = self.names[issue_path]
        return self.files[name] if name in self.files else (self.out / name).read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def _web_pages(out: Path, files: Mapping[str, bytes], built: Iterable[str]) -> Mapping[str, bytes]:
    """Each built issue's web page, by issue path: as just rendered, else as out/ has it."""
    return _WebPages(out, files, built)


def _asset_files(config: Config, entry_assets: tuple[Asset, ...]) -> dict[str, bytes]:
    """Local files the output links to (entry images, a local logo), as out/ paths and bytes."""
    from digest.render.logo import dark_logo_files

    found = list(entry_assets)
    logo = config.publication.logo
    if logo and not assets.is_remote(logo):
        found.append(assets.publish(config.resolve(logo)))
    try:
        files = {asset.out_path: asset.source.read_bytes() for asset in found}
    except OSError as error:
        raise OutputError(f"{error.filename}: cannot read: {error.strerror or error}") from None
    return files | dark_logo_files(config)  # the logo for dark mode, given or derived


def _body_hash(body: bytes) -> str:
    """Hash of the bytes and of digest's version: a new version re-parses even unchanged feeds.
    The body is fed on its own, not joined to the version: no copy of a feed of megabytes."""
    hashed = hashlib.sha256(__version__.encode() + b"\0")
    hashed.update(body)
    return hashed.hexdigest()


def update_archive(
    config: Config,
    archive: Archive,
    reporter: Reporter,
    *,
    offline: bool,
    now: datetime,
    pictures: images.Pictures | None = None,
) -> ArchiveUpdate:
    """Read local entries, fetch and parse the sources, and store what changed; then fetch
    and store the pictures of what was read that the archive lacks (the images stage)."""
    local = read_entries(config)  # raises EntryError before anything is written
    new, updated = archive.store(local.entries, now, keep_first_date=False)
    archive.remove_missing(config.entries.source, {entry.id for entry in local.entries})
    archive.store_editorial(ENTRY_FILES, local.editorial)  # the front matter's decisions

    sources = [source for source in config.sources if not (offline and source.url)]
    skipped = len(config.sources) - len(sources)
    if skipped:
        reporter.note(f"offline: {skipped} web source(s) not fetched; using what the archive holds")
    by_name = {source.name: source for source in sources}

    with reporter.progress("fetching", len(sources)) as advance:

        def done(result: Fetched) -> None:
            state = "error" if result.error else "not modified" if result.not_modified else "ok"
            reporter.detail(f"fetched {result.source}: {state}")
            advance(result.source)

        # each source is parsed and stored while the later ones are still downloading
        read: list[Entry] = list(local.entries)  # whose pictures the images stage fetches
        for result in fetch_all(sources, archive.validators(), config, on_done=done):
            added, changed = _store(
                result, by_name[result.source], config, archive, reporter, now, read
            )
            new, updated = new + added, updated + changed
    if pictures is None:
        pictures = images.Pictures(config, archive, reporter, offline=offline, now=now)
    pictures.local.update(_local_pictures(config, local.assets))
    with reporter.stage("images"):
        pictures.gather(read)
    return ArchiveUpdate(new, updated, local.assets)


def _local_pictures(config: Config, entry_assets: tuple[Asset, ...]) -> dict[str, Path]:
    """The published URL of each local picture (entry images, a local logo) -> its file."""
    found = {asset.url(config.publication.url): asset.source for asset in entry_assets}
    logo = config.publication.logo
    if logo and not assets.is_remote(logo):
        try:
            asset = assets.publish(config.resolve(logo))
        except OSError:
            return found  # named by the render stage, which needs the logo
        found[asset.url(config.publication.url)] = asset.source
    return found


def _store(
    result: Fetched,
    source: Source,
    config: Config,
    archive: Archive,
    reporter: Reporter,
    now: datetime,
    read: list[Entry],
) -> tuple[int, int]:
    """Parse one source's new bytes and store its entries; (new, updated). Failures are warnings.
    The entries parsed are added to `read`."""
    if result.notice:
        reporter.warn(f"source {source.name!r}: {result.notice}")
    if result.error:
        reporter.source_failed(source.name, result.error)
        archive.record_fetch(source.name, now, None, None, result.error)
        return 0, 0
    if result.body is None:  # 304 Not Modified
        archive.record_fetch(source.name, now, result.validators, None, None)
        return 0, 0
    body_hash = _body_hash(result.body)
    if body_hash == archive.body_hash(source.name):  # the same bytes as last time: nothing to parse
        archive.record_fetch(source.name, now, result.validators, body_hash, None)
        return 0, 0
    try:
        parsed = parse_feed(result.body, source, config, now, source.url or "")
    except FeedUnreadable as error:
        reporter.source_failed(source.name, f"{source.url or source.path}: not a feed: {error}")
        archive.record_fetch(source.name, now, None, None, str(error))
        return 0, 0
    for warning in parsed.warnings:
        reporter.warn(f"source {source.name!r}: {warning}")
    stored = archive.store(parsed.entries, now)
    read.extend(parsed.entries)
    archive.record_fetch(source.name, now, result.validators, body_hash, None)
    return stored
