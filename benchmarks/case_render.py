"""Case 3, render: one 30-entry weekly issue, stage by stage; then `digest build --all` over a year."""

from __future__ import annotations

import itertools
import shutil
import statistics
from datetime import UTC, datetime
from pathlib import Path

from measure import PYTHON, Row, Table, Timing, interleaved, milliseconds, run_child, seconds, times
from mjml import mjml2html
from publication import week_publication, year_publication

from digest.archive import Archive
from digest.config import load
from digest.model import Issue
from digest.pipeline import select_issue, update_archive
from digest.render import render_issue
from digest.render.context import issue_context
from digest.render.email import TEMPLATE, inline_css
from digest.render.environment import make_environment, render_template
from digest.report import Reporter
from digest.select import week_period
from digest.write import write_tree

WEEK = "2025-W40"
ENTRIES = 30
ISSUE_TARGET = 0.150  # CPU seconds for the whole issue: select, render, write
RENDER_TARGET = 0.030  # CPU seconds for render_issue, premailer inlining included
YEAR = 2024
PER_WEEK = 10
BUILD_ALL_TARGET = 10.0  # seconds, wall
NOW = datetime(2025, 10, 13, 6, 0, tzinfo=UTC)


def _cpu_and_wall(timing: Timing) -> str:
    return f"{milliseconds(timing.cpu)} CPU, {milliseconds(timing.wall)} wall"


def _files(issue: Issue, rendered: dict[str, bytes]) -> dict[str, bytes]:
    return {f"{issue.path}/{name}": data for name, data in rendered.items()}


def _stages(workspace: Path, runs: int, table: Table) -> None:
    folder = week_publication(workspace / "week", WEEK, ENTRIES)
    config = load(folder)
    with Archive(config.resolve(config.archive.path)) as archive:
        update_archive(config, archive, Reporter(quiet=True), offline=True, now=NOW)
        env = make_environment(config)
        period = week_period(WEEK, config.publication.zone)
        issue = select_issue(period, config, archive)
        if issue is None or len(issue.entries) != ENTRIES:
            raise RuntimeError(f"{WEEK}: expected an issue of {ENTRIES} entries")
        mjml = render_template(env, TEMPLATE, **issue_context(issue, config, web=False))
        html = mjml2html(mjml, fonts={})
        files = _files(issue, render_issue(issue, config, env))  # also compiles every template
        outputs = (workspace / "written" / str(number) for number in itertools.count())
        timing = interleaved(
            {
                "select: archive query + weekly_issue": lambda: select_issue(
                    period, config, archive
                ),
                "Jinja2: render_template email.mjml.j2": lambda: render_template(
                    env, TEMPLATE, **issue_context(issue, config, web=False)
                ),
                "MJML: mjml2html (fonts={})": lambda: mjml2html(mjml, fonts={}),
                "inlining: premailer via inline_css": lambda: inline_css(html),
                "whole render_issue": lambda: render_issue(issue, config, env),
                "writing: write_tree into a fresh folder": lambda: write_tree(next(outputs), files),
                "mjml alone": lambda: mjml2html(mjml),
            },
            runs,
        )
    alone = timing.pop("mjml alone")
    for stage, measured in timing.items():
        if stage != "whole render_issue":
            table.add(Row(stage, _cpu_and_wall(measured)))
            continue
        ratio = measured.cpu / alone.cpu
        table.add(
            Row(
                f"{stage}: email.html, index.html, email.txt, message.eml, issue.json",
                _cpu_and_wall(measured),
                f"mjml-python alone on the same MJML {milliseconds(alone.cpu)} CPU",
                times(ratio),
                f"< {RENDER_TARGET * 1000:.0f} ms CPU",
                measured.cpu < RENDER_TARGET,
            )
        )
    stages = ("select: archive query + weekly_issue", "whole render_issue")
    whole = sum(timing[stage].cpu for stage in (*stages, "writing: write_tree into a fresh folder"))
    table.add(
        Row(
            "whole issue: select + render_issue + write_tree",
            f"{milliseconds(whole)} CPU",
            target=f"< {ISSUE_TARGET * 1000:.0f} ms CPU",
            ok=whole < ISSUE_TARGET,
        )
    )
    table.notes.append(
        f"issue: {ENTRIES} Markdown entries in {WEEK}, 3 sections, {len(mjml):,} bytes of MJML, "
        f"{len(files[f'{issue.path}/email.html']):,} bytes of email.html; templates compiled before timing"
    )


def _build_all(workspace: Path, runs: int, table: Table) -> None:
    folder = year_publication(workspace / "year", YEAR, PER_WEEK)
    out = folder / "out"
    command = [PYTHON, "-m", "digest", "build", "--all", "--offline", "--quiet"]
    command += ["--config", str(folder), "--out", str(out)]
    walls = []
    for _ in range(runs):
        for name in ("archive.sqlite", "archive.sqlite-wal", "archive.sqlite-shm"):
            (folder / name).unlink(missing_ok=True)
        shutil.rmtree(out, ignore_errors=True)
        walls.append(run_child(command).check("digest build --all").wall)
    built = len(list(out.glob("*/*/email.html")))
    config = load(folder)
    with Archive(config.resolve(config.archive.path)) as archive:
        env = make_environment(config)
        issue = select_issue(week_period(f"{YEAR}-W10", config.publication.zone), config, archive)
        if issue is None:
            raise RuntimeError(f"{YEAR}-W10: no issue")
        render_issue(issue, config, env)
        one = interleaved({"one": lambda: render_issue(issue, config, env)}, runs)["one"]
    wall = statistics.median(walls)
    table.add(
        Row(
            f"digest build --all --offline: {built} issues, {52 * PER_WEEK} entries (from scratch)",
            seconds(wall),
            f"{built} × render_issue of a {PER_WEEK}-entry week = {seconds(built * one.wall)}",
            times(wall / (built * one.wall)),
            f"< {BUILD_ALL_TARGET:g} s",
            wall < BUILD_ALL_TARGET,
        )
    )


def run(workspace: Path, runs: int, build_runs: int) -> Table:
    table = Table(
        f"3. render: one weekly issue, per stage, median of {runs} runs; "
        f"then digest build --all, median of {build_runs}"
    )
    _stages(workspace, runs, table)
    _build_all(workspace, build_runs, table)
    return table
