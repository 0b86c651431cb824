"""The command line: parse arguments, run a command, print one summary line, return an exit code.

Exit codes (digest.errors.ExitCode; also in the README): 0 all went well; 1 built, but a source failed or a check found an error;
2 bad command line (also: digest serve cannot listen on --host/--port; digest init finds a
digest.toml; digest new names an unknown --section; digest send names an issue not built or a
bad --to; digest import is given no WordPress export or an unknown --source); 3 invalid digest.toml, entry or decision files (nothing built);
4 template problem; 5 out/ or the archive cannot be written; 6 another build is running;
7 sending failed; 8 sending refused: the issue is not approved, or changed since (digest approve).
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import textwrap
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from digest import __version__, paths
from digest.commands.init import DEFAULT_TIMEZONE, DEFAULT_TITLE
from digest.errors import DigestError, ExitCode
from digest.report import Reporter

if TYPE_CHECKING:
    from digest.commands.build import Request
    from digest.config import Config


def _week(value: str) -> str:
    match = re.fullmatch(r"(\d{4})-?W(\d{1,2})", value.strip(), re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"expected an ISO week like 2025-W42, got {value!r}")
    key = f"{match.group(1)}-W{int(match.group(2)):02d}"
    _in_range(int(match.group(1)), value)
    try:
        date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r}: {match.group(1)} has no week {int(match.group(2))}"
        ) from None
    return key


def _date(value: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise argparse.ArgumentTypeError(f"expected a date like 2026-11-23, got {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r}: {error}") from None


def _year(value: str) -> int:
    if not re.fullmatch(r"\d{4}", value.strip()):
        raise argparse.ArgumentTypeError(f"expected a year like 2022, got {value!r}")
    return _in_range(int(value), value)


def _in_range(year: int, value: str) -> int:
    """The years an entry may be dated in (digest.ingest.local.YEARS): the year 1 or 9999 has
    no week before or after it for a period's arithmetic, and no entry in it."""
    if not 1900 <= year <= 2999:
        raise argparse.ArgumentTypeError(
            f"{value!r} is out of range (use a year from 1900 to 2999)"
        )
    return year


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digest",
        description="Weekly digests and yearly highlights from feeds and Markdown entries.",
        epilog="Start with: digest init my-digest && cd my-digest && digest build\n"
        "Every command explains itself: digest COMMAND --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    commands = _Commands(parser)
    _add_init(commands)
    _add_build(commands)
    _add_fetch(commands)
    _add_import(commands)
    _add_check(commands)
    _add_send(commands)
    _add_approve(commands)
    _add_publish(commands)
    _add_new(commands)
    _add_explain(commands)
    _add_serve(commands)
    return parser


class _Commands:
    """The commands' parsers, in the order `digest --help` lists them, and the options they share."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
        self.talk = argparse.ArgumentParser(add_help=False)
        self.talk.add_argument(
            "-q", "--quiet", action="store_true", help="print only warnings and the summary"
        )
        self.talk.add_argument(
            "-v", "--verbose", action="store_true", help="print each step and its timing"
        )
        self.common = argparse.ArgumentParser(add_help=False, parents=[self.talk])
        self.common.add_argument(
            "--config",
            type=Path,
            metavar="PATH",
            help="digest.toml, or its folder (default: the current folder)",
        )
        self.output = argparse.ArgumentParser(add_help=False)
        self.output.add_argument(
            "--out",
            type=Path,
            metavar="DIR",
            help="output folder (default: out/ beside digest.toml)",
        )

    def add(
        self,
        name: str,
        summary: str,
        description: str,
        examples: list[str],
        *parents: argparse.ArgumentParser,
    ) -> argparse.ArgumentParser:
        """A command's parser, with its one-line summary, a description and examples."""
        return self._commands.add_parser(
            name,
            parents=list(parents),
            help=summary,
            description=textwrap.fill(description, 79),
            epilog="examples:\n" + "\n".join(f"  {example}" for example in examples),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )


def _add_init(commands: _Commands) -> None:
    init = commands.add(
        "init",
        "make a new publication that builds at once",
        "Make a new publication in FOLDER: a commented digest.toml, feeds/entries/ and a first "
        "entry, ready to build with no network.",
        [
            "digest init my-digest && cd my-digest && digest build",
            'digest init --title "ICR News Digest" --timezone Europe/Oslo icr-news',
        ],
        commands.talk,
    )
    init.add_argument(
        "folder",
        nargs="?",
        metavar="FOLDER",
        type=Path,
        default=Path("."),
        help="where (default: the current folder)",
    )
    init.add_argument(
        "--title",
        default=DEFAULT_TITLE,
        help=f"the publication's name (default: {DEFAULT_TITLE!r})",
    )
    init.add_argument(
        "--timezone",
        default=DEFAULT_TIMEZONE,
        metavar="ZONE",
        help=f"IANA time zone of its weeks and dates (default: {DEFAULT_TIMEZONE})",
    )


def _add_build(commands: _Commands) -> None:
    build = commands.add(
        "build",
        "fetch sources, then build issues into out/",
        "Update the archive from the entry files and every source, then build issues into out/ "
        "and check them.",
        [
            "digest build                      # the last complete week",
            "digest build --week 2025-W40 --offline",
            "digest build --year 2022",
            "digest build --all",
        ],
        commands.common,
        commands.output,
    )
    build.add_argument(
        "--offline", action="store_true", help="do not fetch web sources; use the archive"
    )
    which = build.add_mutually_exclusive_group()
    which.add_argument(
        "--week",
        type=_week,
        metavar="YYYY-Www",
        help="build this ISO week (default: the last complete week)",
    )
    which.add_argument(
        "--year", type=_year, metavar="YYYY", help="build this year's highlights issue"
    )
    which.add_argument(
        "--all",
        action="store_true",
        help="rebuild every archived week and every past year with highlights",
    )


def _add_fetch(commands: _Commands) -> None:
    fetch = commands.add(
        "fetch",
        "update the archive from all sources; build nothing",
        "Update the archive from the entry files and every source without building anything, "
        "for a cron job that collects all week. With --backfill, then read each web source's "
        'history: the older pages its feed links (RFC 5005 rel="next" or "prev-archive"), or '
        "WordPress's ?paged=2, 3, …, until --since, the end, or --max-pages.",
        [
            "digest fetch",
            "digest fetch --config /srv/news/digest.toml --quiet",
            "digest fetch --backfill --since 2022-01-01",
            'digest fetch --backfill --source "ICR news" --max-pages 200',
        ],
        commands.common,
    )
    fetch.add_argument(
        "--backfill",
        action="store_true",
        help="also read each web source's older feed pages into the archive",
    )
    fetch.add_argument(
        "--since",
        type=_date,
        metavar="YYYY-MM-DD",
        help="with --backfill: go back to this day (default: as far as the site goes)",
    )
    fetch.add_argument(
        "--max-pages",
        type=_pages,
        metavar="N",
        # the default is backfill.DEFAULT_MAX_PAGES, not imported here: it would slow every command
        help="with --backfill: at most N pages per source (default: 50)",
    )
    fetch.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME",
        help="with --backfill: only this source's history (repeatable; default: every web source)",
    )


def _pages(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of pages, 1 or more, got {value!r}"
        )
    return int(value)


def _add_import(commands: _Commands) -> None:
    command = commands.add(
        "import",
        "take a WordPress export's posts into the archive",
        "Take the published posts of a WordPress export file (WXR: Tools → Export in "
        "WordPress) into the archive as the entries of a configured source, each with its "
        "own date, categories, featured image and permalink; drafts, private posts and pages "
        "are left out. A later fetch of the source's feed updates the same entries.",
        [
            'digest import icr.WordPress.2026-11-30.xml --source "ICR news"',
            "digest import export.xml --source Partner --config /srv/news/digest.toml",
        ],
        commands.common,
    )
    command.add_argument("file", type=Path, metavar="FILE", help="the WordPress export (.xml)")
    command.add_argument(
        "--source",
        required=True,
        metavar="NAME",
        help="the configured source (the site's feed) the posts belong to",
    )


def _add_check(commands: _Commands) -> None:
    check = commands.add(
        "check",
        "check built issues as mail clients will meet them",
        "Check built issues as mail clients will meet them: size against Gmail's clipping, "
        "alt text, links, unsupported CSS.",
        ["digest check", "digest check --issue weekly/2025-W40"],
        commands.common,
        commands.output,
    )
    check.add_argument(
        "--issue", metavar="PATH", help="e.g. weekly/2025-W42 (default: every built issue)"
    )


def _add_send(commands: _Commands) -> None:
    send = commands.add(
        "send",
        "send a built issue to proof addresses over SMTP",
        "Send a built issue's message.eml over the SMTP server set in [smtp]: to proof readers "
        "as a proof, any time; to anyone else only approved as built, and once to each.",
        ["digest send --to you@example.org --issue weekly/2025-W40"],
        commands.common,
        commands.output,
    )
    send.add_argument(
        "--to",
        action="append",
        required=True,
        metavar="ADDRESS",
        help="a proof reader's address, or anyone's for an approved issue (repeatable)",
    )
    send.add_argument(
        "--issue", metavar="PATH", help="e.g. weekly/2025-W42 (default: the newest built issue)"
    )


def _add_approve(commands: _Commands) -> None:
    approve = commands.add(
        "approve",
        "sign a built issue off, so that it may be sent",
        "Record in the issue's decision file who approved it, when, and the SHA-256 of each "
        "of its built files; sending to subscribers refuses an issue not approved, or one "
        "whose built files changed since. A rebuild that changes nothing keeps the approval.",
        [
            'digest approve --issue weekly/2025-W40 --by "Ada Lovelace"',
            'digest approve --issue yearly/2022 --by "Ada Lovelace" --out /srv/news/out',
        ],
        commands.common,
        commands.output,
    )
    approve.add_argument("--issue", required=True, metavar="PATH", help="e.g. weekly/2025-W40")
    approve.add_argument("--by", required=True, metavar="NAME", help="who approves it")


def _add_publish(commands: _Commands) -> None:
    publish = commands.add(
        "publish",
        "hand a built issue to an email service as a draft campaign",
        "Create or update the issue's draft campaign at the email service that [publish.PROFILE] "
        "in digest.toml configures (listmonk, mailchimp, ses), print the service's checklist, "
        "send the service's own test with --test, and send it to the subscribers with --send "
        "(only an approved issue, only once).",
        [
            "digest publish --to newsletter",
            "digest publish --to newsletter --issue weekly/2025-W40 --test editor@example.org",
            "digest publish --to newsletter --issue weekly/2025-W40 --send",
        ],
        commands.common,
        commands.output,
    )
    publish.add_argument(
        "--to", required=True, metavar="PROFILE", help="a [publish.PROFILE] table of digest.toml"
    )
    publish.add_argument(
        "--issue", metavar="PATH", help="e.g. weekly/2025-W42 (default: the newest built issue)"
    )
    publish.add_argument(
        "--test",
        action="extend",
        nargs="+",
        default=[],
        metavar="ADDRESS",
        help="ask the service to send its own test to these addresses",
    )
    publish.add_argument(
        "--send",
        action="store_true",
        help="send to the subscribers (refused unless approved as built; never twice)",
    )


def _add_new(commands: _Commands) -> None:
    new = commands.add(
        "new",
        "write a new entry file to fill in",
        "Write a new entry file under feeds/entries/, named after its date and title, "
        "for you to fill in.",
        [
            'digest new "Kjetil Taskén elected to the Academy"',
            'digest new "Årets forsker" --date 2026-11-23 --section Awards',
        ],
        commands.common,
    )
    new.add_argument("title", help="the entry's title")
    new.add_argument(
        "--date",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the entry's date (default: today in the publication's time zone)",
    )
    new.add_argument(
        "--section", metavar="NAME", help="one of publication.sections (default: entries.section)"
    )


def _add_explain(commands: _Commands) -> None:
    explain = commands.add(
        "explain",
        "why each entry near a period is in its issue or not",
        "Tell why each entry near a week or a year is in its issue or out of it.",
        [
            "digest explain --week 2025-W40",
            'digest explain "Taskén"',
            "digest explain --year 2022 --json",
        ],
        commands.common,
    )
    explain_period = explain.add_mutually_exclusive_group()
    explain_period.add_argument(
        "--week", type=_week, metavar="YYYY-Www", help="default: the last complete week"
    )
    explain_period.add_argument("--year", type=_year, metavar="YYYY", help="a highlights issue")
    explain.add_argument("--json", action="store_true", help="a JSON list, for tools")
    explain.add_argument(
        "query",
        nargs="?",
        help="an entry id, or text in titles (any case); without --week or --year, "
        "each match is explained in the issues of its own week and year",
    )


def _add_serve(commands: _Commands) -> None:
    serve = commands.add(
        "serve",
        "preview the next issue in a browser, rebuilt on every change",
        "Preview the next issue in a browser, rebuilt and reloaded on every change to the "
        "entries, templates or digest.toml.",
        [
            "digest serve                      # then open http://127.0.0.1:8000/",
            "digest serve --port 8001 --offline",
            "digest serve --allow-host preview.example.org   # behind a reverse proxy",
        ],
        commands.common,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--offline", action="store_true", help="do not fetch web sources at start; use the archive"
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        type=_allowed_host,
        default=[],
        metavar="NAME",
        help="also answer for this host name or address, on any port and connection (a reverse "
        "proxy's name); repeat for more. List only names whose address you control",
    )


def _out(arguments: argparse.Namespace) -> Path:
    if arguments.out:
        return Path(arguments.out).resolve()
    return paths.default_out(paths.config_file(arguments.config))


def run() -> None:
    """The console script and `python -m digest`: main, then the exit. By then the work is
    done and every file closed, and what is left is the interpreter's teardown, whose
    collections over the modules' objects cost 0.05-0.1 s CPU of every command: the objects
    are frozen out of them and left to the exit. (Tests call main, which leaves them be.)"""
    code = main()
    gc.freeze()
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> ExitCode:
    arguments = _parser().parse_args(argv)
    reporter = Reporter(quiet=arguments.quiet, verbose=arguments.verbose)
    try:
        return _run(arguments, reporter)
    except DigestError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED


def _run(arguments: argparse.Namespace, reporter: Reporter) -> ExitCode:
    if arguments.command == "init":  # the one command without a digest.toml yet
        return _init(arguments, reporter)
    if arguments.command == "build" and _answer_from_stamp(arguments, reporter):
        return ExitCode.OK
    from digest import config as configuration

    config = configuration.load(arguments.config)
    if arguments.command == "serve":
        return _serve(arguments, config, reporter)
    command = {
        "new": _new,
        "check": _check,
        "send": _send,
        "approve": _approve,
        "publish": _publish,
        "fetch": _fetch,
        "import": _import,
        "build": _build,
        "explain": _explain,
    }[arguments.command]
    return command(arguments, config, reporter)


def _init(arguments: argparse.Namespace, reporter: Reporter) -> ExitCode:
    from digest.commands.init import init

    folder = Path(arguments.folder)
    created = init(folder, datetime.now(UTC), title=arguments.title, timezone=arguments.timezone)
    written = ", ".join(str(path.relative_to(folder)) for path in created.written)
    reporter.summary(f"created {written} in {_shown(folder.resolve())}")
    go = "" if folder.resolve() == Path.cwd() else f"cd {_shown(folder.resolve())} && "
    page = paths.issue_file(paths.issue_folder("weekly", created.example_week), paths.WEB_PAGE)
    reporter.note(
        f"next: {go}digest build --week {created.example_week}, then open {paths.OUT}/{page}"
    )
    return ExitCode.OK


def _new(arguments: argparse.Namespace, config: Config, reporter: Reporter) -> ExitCode:
    from digest.commands.new import new_entry

    path = new_entry(
        config, arguments.title, datetime.now(UTC), day=arguments.date, section=arguments.section
    )
    reporter.summary(
        f"created {path.relative_to(config.root) if path.is_relative_to(config.root) else path}"
    )
    return ExitCode.OK


def _check(arguments: argparse.Namespace, config: Config, reporter: Reporter) -> ExitCode:
    from digest.commands.check import approval_notes, check

    issues, findings = check(config, _out(arguments), arguments.issue)
    for finding in findings:
        print(finding)
    for line in approval_notes(config, _out(arguments), issues):
        reporter.note(line)
    errors = sum(finding.severity == "error" for finding in findings)
    reporter.summary(
        f"checked {len(issues)} issue(s): {errors} error(s), {len(findings) - errors} warning(s)"
    )
    return ExitCode.FOUND_PROBLEMS if errors else ExitCode.OK


def _send(arguments: argparse.Namespace, config: Config, reporter: Reporter) -> ExitCode:
    from digest.commands.send import send

    sent = send(config, _out(arguments), arguments.issue, arguments.to, datetime.now(UTC))
    what = (
        f"a proof of {sent.issue}"
        if sent.proof
        else f"{sent.issue} (approved by {sent.approved_by})"
    )
    recorded = f"; recorded in {sent.recorded_in}" if sent.recorded_in else ""
    reporter.summary(
        f"sent {what} to {', '.join(sent.recipients)} via {config.smtp.host}:{config.smtp.port}"
        f"{recorded}"
    )
    return ExitCode.OK


def _approve(arguments: argparse.Namespace, config: Config, reporter: Reporter) -> ExitCode:
    from digest.commands.approve import approve

    now = datetime.now(UTC)
    reporter.summary(approve(config, _out(arguments), arguments.issue, arguments.by, now))
    return ExitCode.OK


def _publish(arguments: argparse.Namespace, config: Config, reporter: Reporter) -> ExitCode:
    from digest.commands.publish import publish

    done = publish(
        config,
        _out(arguments),
        arguments.to,
        arguments.issue,
        arguments.test,
        arguments.send,
        datetime.now(UTC),
    )
    campaign = f"{done.kind} campaign {done.campaign.id}"
    did = {
        "created": f"created the draft {campaign}",
        "updated": f"updated the draft {campaign}",
        "unchanged": f"the draft {campaign} is up to date",
        "resumed": f"{campaign} was sent in part; --send goes on from where it stopped",
    }[done.action]
    if done.sent:
        did += "; sent it to the subscribers"
    if done.tested:
        did += f"; asked for a test to {', '.join(done.tested)}"
    errors = sum(finding.severity == "error" for finding in done.findings)
    reporter.summary(
        f"{done.issue} to '{done.profile}': {did}; checklist: {errors} error(s), "
        f"{len(done.findings) - errors} warning(s)"
    )
    return ExitCode.FOUND_PROBLEMS if errors and not done.sent else ExitCode.OK


def _fetch(arguments: argparse.Namespace, config: Config, reporter: Reporter) -> ExitCode:
    from digest.commands.fetch import Backfill, fetch

    started = time.perf_counter()
    if not arguments.backfill and (arguments.since or arguments.source or arguments.max_pages):
        print(
            "digest fetch: error: --since, --max-pages and --source go with --backfill",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    backfill = None
    if arguments.backfill:
        backfill = Backfill(arguments.since, sources=tuple(arguments.source))
        if arguments.max_pages:
            backfill = replace(backfill, max_pages=arguments.max_pages)
    fetched = fetch(config, reporter, datetime.now(UTC), backfill)
    reporter.summary(
        f"archive: {fetched.new} new, {fetched.updated} updated, {fetched.total} in all; "
        f"{len(reporter.failed_sources)} source(s) failed; {time.perf_counter() - started:.1f} s"
    )
    return ExitCode.FOUND_PROBLEMS if reporter.failed_sources else ExitCode.OK


def _import(arguments: argparse.Namespace, config: Config, reporter: Reporter) -> ExitCode:
    from digest.commands.import_ import import_export

    started = time.perf_counter()
    imported = import_export(config, arguments.file, arguments.source, reporter, datetime.now(UTC))
    left_out = ", ".join(f"{count} {why}" for why, count in sorted(imported.left_out.items()))
    reporter.summary(
        f"imported {_shown(arguments.file.resolve())} as {arguments.source!r}: "
        f"{imported.posts} published post(s), {imported.new} new, {imported.updated} updated; "
        f"left out: {left_out or 'nothing'}; {time.perf_counter() - started:.1f} s"
    )
    return ExitCode.OK


def _build(arguments: argparse.Namespace, config: Config, reporter: Reporter) -> ExitCode:
    from digest.commands.build import build

    started = time.perf_counter()
    request = _build_request(arguments)
    result = build(request, config, reporter, datetime.now(UTC))
    errors = [finding for finding in result.findings if finding.severity == "error"]
    for finding in errors:
        reporter.error(f"{finding.issue}: {finding.message}")
    for finding in result.findings:
        if finding.severity != "error":
            reporter.detail(str(finding))
    if result.built:
        reporter.note(
            f"check: {len(errors)} error(s), {len(result.findings) - len(errors)} warning(s) (details: digest check)"
        )
    _build_summary(
        reporter,
        result.built,
        len(result.unchanged),
        result.new,
        result.updated,
        len(reporter.failed_sources),
        len(result.written),
        request.out,
        time.perf_counter() - started,
    )
    return ExitCode.FOUND_PROBLEMS if reporter.failed_sources or errors else ExitCode.OK


def _build_summary(
    reporter: Reporter,
    built: list[str],
    unchanged: int,
    new: int,
    updated: int,
    failed: int,
    written: int,
    out: Path,
    seconds: float,
) -> None:
    issues = ", ".join(built) if built else "no issue"
    if unchanged:
        issues += f" ({unchanged} unchanged)"
    reporter.summary(
        f"built {issues}; archive: {new} new, {updated} updated; "
        f"{failed} source(s) failed; {written} file(s) written to {_shown(out)} in {seconds:.1f} s"
    )


def _build_request(arguments: argparse.Namespace) -> Request:
    from digest.commands.build import Request

    return Request(
        paths.config_file(arguments.config),
        _out(arguments),
        week=arguments.week,
        year=arguments.year,
        everything=arguments.all,
        offline=arguments.offline,
    )


def _answer_from_stamp(arguments: argparse.Namespace, reporter: Reporter) -> bool:
    """Nothing the last clean build read has changed: say so without loading anything."""
    from digest.commands.build import unchanged_issues

    started = time.perf_counter()
    request = _build_request(arguments)
    issues = unchanged_issues(request, datetime.now(UTC))
    if issues is None:
        return False
    reporter.detail(
        f"nothing changed since the last build ({request.stamp_path.name}); nothing to do"
    )
    _build_summary(reporter, [], issues, 0, 0, 0, 0, request.out, time.perf_counter() - started)
    return True


def _explain(arguments: argparse.Namespace, config: Config, reporter: Reporter) -> ExitCode:
    """Print why entries are in or out; exit 1 when a query matches nothing."""
    import json

    from digest.commands.explain import explain, located_json, located_line
    from digest.explain import as_line
    from digest.pipeline import Target

    target = Target(week=arguments.week, year=arguments.year)
    quiet = Reporter(quiet=True)  # warnings still reach stderr; stdout stays the answer (or JSON)
    explained = explain(config, target, arguments.query, datetime.now(UTC), quiet)
    items, period = explained.explanations, explained.period
    if arguments.query and not items:
        print(
            f"error: no archived entry, entry file or source matches {arguments.query!r}",
            file=sys.stderr,
        )
        return ExitCode.FOUND_PROBLEMS
    if arguments.json:
        found = [located_json(item, config) for item in explained.found]
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return ExitCode.OK
    if period is None:  # a query over the whole archive: each line names its issue
        reporter.note(
            f"matching {arguments.query!r} in the whole archive: each entry in the issues of its week and year"
        )
        for found_item in explained.found:
            print(located_line(found_item, config))
    else:
        reporter.note(
            f"{period.kind} {period.key}: {period.first_day:%d %b %Y} – {period.last_day:%d %b %Y}"
        )
        for item in items:
            print(as_line(item, config))
    shown = sum(item.status == "in" for item in items)
    reporter.summary(f"{shown} in, {len(items) - shown} out")
    return ExitCode.OK


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {value!r}")
    return int(value)


def _allowed_host(value: str) -> str:
    from digest.preview.hosts import allowed_name

    try:
        return allowed_name(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _serve(arguments: argparse.Namespace, config: Config, reporter: Reporter) -> ExitCode:
    """Preview until Ctrl-C; a port that cannot be used is a command-line problem (exit 2)."""
    from digest.commands.serve import serve

    path = paths.config_file(arguments.config).resolve()
    serve(
        path,
        config,
        reporter,
        host=arguments.host,
        port=arguments.port,
        offline=arguments.offline,
        allowed_hosts=tuple(arguments.allow_host),
    )
    return ExitCode.OK


def _shown(path: Path) -> str:
    """A path as short as it can be said: relative to the current folder when below it."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


if __name__ == "__main__":
    raise SystemExit(main())
