"""The editor's desk: each control of `digest serve` as an edit of an issue's decision file.

Every function here writes what a person would write by hand in `feeds/issues/<key>.toml`
(README: "Editing an issue"), through `editorial.rewrite`: comments kept, written atomically,
checked before it replaces the file, and refused with `editorial.StaleEdit` when the file
changed since the editor's page read its version (`expected`). Each returns the file's new
version. `lineup` turns a selected issue into what the desk shows; the preview only parses
requests and calls these.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table
from tomlkit.toml_document import TOMLDocument

from digest import editorial, paths
from digest.config import Config, text_problem
from digest.errors import EntryError
from digest.model import Entry, Issue

MAX_INTRO = 20_000  # characters: an editor's note, not an article
MAX_LINE = 500


@dataclass(frozen=True)
class Story:
    """One entry as the desk shows it, with what its decision files say about it."""

    id: str
    title: str
    section: str  # the section it is shown in (for the lead: its own section)
    # "lead", "news", "events", "highlights", "links" (over a cap), "omitted", or "archive":
    # archived in the issue's year but not in its highlights
    kind: str
    year: str  # the key of its year's decision file, where it can be picked as a highlight
    picked: bool  # a [[highlights]] pick in that file
    kicker: str  # the decision file's own kicker, "" when none (the entry's shows as a hint)
    summary: str
    shown_kicker: str
    shown_summary: str


@dataclass(frozen=True)
class Lineup:
    """An issue as the desk edits it: its stories by section, those left out, its own fields,
    and the version of each decision file a control writes (issue key or year -> version)."""

    path: str  # "weekly/2025-W40"
    key: str  # "2025-W40": the decision file's name
    kind: str
    sections: tuple[tuple[str, str, tuple[Story, ...]], ...]  # (title, kind, stories)
    omitted: tuple[Story, ...]
    subject: str
    intro: str
    section_titles: tuple[str, ...]  # where an entry may be moved
    versions: dict[str, str]
    file: str  # the decision file as messages name it


def lineup(
    config: Config, issue: Issue, omitted: Iterable[Entry] = (), archived: Iterable[Entry] = ()
) -> Lineup:
    """What the desk shows of `issue`; `omitted` are the entries its file leaves out (the
    caller reads them from the archive: `omitted_ids`), so that they can be put back; for a
    yearly issue, `archived` are more of the year's entries, to pick as highlights."""
    zone = config.publication.zone
    own = _raw(config, issue.key)
    decided = {str(item.get("id")): item for item in own.get("entries", []) if "id" in item}
    years: dict[str, set[str]] = {}

    def year_of(entry: Entry) -> str:
        return str(entry.published.astimezone(zone).year)

    def picked(year: str) -> set[str]:
        if year not in years:
            years[year] = {str(pick.get("id")) for pick in _raw(config, year).get("highlights", [])}
        return years[year]

    def story(entry: Entry, kind: str, section: str) -> Story:
        year = year_of(entry)
        mine = decided.get(entry.id, {})
        return Story(
            id=entry.id,
            title=entry.title,
            section=section,
            kind=kind,
            year=year,
            picked=entry.id in picked(year),
            kicker=str(mine.get("kicker", "")),
            summary=str(mine.get("summary", "")).strip(),
            shown_kicker=entry.kicker,
            shown_summary=entry.summary,
        )

    sections: tuple[tuple[str, str, tuple[Story, ...]], ...] = tuple(
        (
            section.title,
            str(section.kind),
            tuple(story(entry, section.kind, section.title) for entry in section.entries),
        )
        for section in issue.sections
    )
    if issue.dropped:  # over a cap: headline links under "Also in this issue"
        links = tuple(story(entry, "links", entry.section) for entry in issue.dropped)
        sections = (*sections, ("Also in this issue", "links", links))
    shown = {item.id for _, _, stories in sections for item in stories}
    more = tuple(story(e, "archive", e.section) for e in archived if e.id not in shown)
    if more:
        sections = (*sections, (f"More from {issue.key}, newest first", "archive", more))
    left_out = tuple(story(entry, "omitted", entry.section) for entry in omitted)
    keys = {issue.key, *(item.year for _, _, stories in sections for item in stories)}
    keys |= {item.year for item in left_out}
    return Lineup(
        path=issue.path,
        key=issue.key,
        kind=issue.kind,
        sections=sections,
        omitted=left_out,
        subject=str(own.get("subject", "")),
        intro=str(own.get("intro", "")).strip(),
        section_titles=tuple(config.publication.sections),
        versions={key: editorial.version_of(config, key) for key in sorted(keys)},
        file=editorial.shown_name(paths.decision_file(editorial.folder(config), issue.key), config),
    )


def omitted_ids(config: Config, key: str) -> list[str]:
    """The ids the issue's decision file leaves out (`omit = true`), in the file's order."""
    return [
        str(item["id"])
        for item in _raw(config, key).get("entries", [])
        if "id" in item and item.get("omit") is True
    ]


def _raw(config: Config, key: str) -> dict[str, Any]:
    """The decision file as TOML data, {} without one or when it cannot be read (the build
    reports that file's problems; the desk then only shows no decisions)."""
    path = paths.decision_file(editorial.folder(config), key)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


# --- the controls ---------------------------------------------------------------------------


def set_lead(config: Config, key: str, entry_id: str, expected: str | None) -> str:
    """Make `entry_id` the issue's lead story (`lead = "…"`)."""

    def change(document: TOMLDocument) -> None:
        document["lead"] = _one_line(entry_id, "entry id")

    return editorial.rewrite(config, key, change, expected=expected)


def clear_lead(config: Config, key: str, expected: str | None) -> str:
    """No lead story: the `lead` key removed."""

    def change(document: TOMLDocument) -> None:
        document.pop("lead", None)

    return editorial.rewrite(config, key, change, expected=expected)


def move(
    config: Config,
    key: str,
    entry_id: str,
    step: int,
    section_ids: Sequence[str],
    expected: str | None,
) -> str:
    """Move `entry_id` `step` places (-1 up, +1 down) among `section_ids`, its section's entries
    in their shown order; writes `order = 1, 2, …` for each entry of the section, so the file
    says the whole order and a new entry of the week follows them."""
    ids, _, _ = _shifted(
        section_ids, entry_id, step, f"{entry_id!r} is not an entry of that section"
    )

    def change(document: TOMLDocument) -> None:
        for number, each in enumerate(ids, start=1):
            _entry_table(document, each)["order"] = number

    return editorial.rewrite(config, key, change, expected=expected)


def _shifted(
    ids: Sequence[str], entry_id: str, step: int, missing: str
) -> tuple[list[str], int, int]:
    """`ids` with `entry_id` moved `step` places, kept within the list, and its place before
    and after; EntryError (`missing`, and to reload) when the page's list does not hold it."""
    moved = list(ids)
    if entry_id not in moved:
        raise EntryError(f"{missing}; reload the page")
    place = moved.index(entry_id)
    target = max(0, min(len(moved) - 1, place + step))
    moved.insert(target, moved.pop(place))
    return moved, place, target


def move_highlight(
    config: Config,
    year: str,
    entry_id: str,
    step: int,
    shown_ids: Sequence[str],
    expected: str | None,
) -> str:
    """Move a highlight of the yearly issue `step` places among `shown_ids` (the highlights in
    their shown order): the picks become the shown order down to the lower of the two places,
    so the highlights above it keep their numbers; each pick keeps its caption and credit."""
    ids, place, target = _shifted(
        shown_ids, entry_id, step, f"{entry_id!r} is not a highlight of {year}"
    )
    wanted = ids[: max(place, target) + 1]

    def change(document: TOMLDocument) -> None:
        picks = _tables(document, "highlights")
        tables = {str(table.get("id")): table for table in picks} if picks is not None else {}
        ordered = tomlkit.aot()
        for number, each in enumerate([*wanted, *(i for i in tables if i not in wanted)]):
            table = tables.get(each)
            if table is None:
                table = tomlkit.table()
                table["id"] = _one_line(each, "entry id")
            if number:
                table.trivia.indent = "\n"
            ordered.append(table)
        document["highlights"] = ordered

    return editorial.rewrite(config, year, change, expected=expected)


def omit(config: Config, key: str, entry_id: str, expected: str | None) -> str:
    """Leave `entry_id` out of this issue (`omit = true`); the lead key goes if it named it."""

    def change(document: TOMLDocument) -> None:
        _entry_table(document, entry_id)["omit"] = True
        if document.get("lead") == entry_id:
            document.pop("lead")

    return editorial.rewrite(config, key, change, expected=expected)


def put_back(config: Config, key: str, entry_id: str, expected: str | None) -> str:
    """Undo `omit`: the `omit` key removed (and the entry's table, when nothing else is left)."""

    def change(document: TOMLDocument) -> None:
        _drop_keys(document, entry_id, "omit")

    return editorial.rewrite(config, key, change, expected=expected)


def move_to_section(
    config: Config, key: str, entry_id: str, section: str, expected: str | None
) -> str:
    """Show `entry_id` in another configured section (`section = "…"`); its `order` in the old
    section no longer means anything, so it goes."""
    if section not in config.publication.sections:
        known = ", ".join(config.publication.sections)
        raise EntryError(
            f"section {section!r} is not configured in digest.toml; use one of {known}"
        )

    def change(document: TOMLDocument) -> None:
        table = _entry_table(document, entry_id)
        table["section"] = section
        table.pop("order", None)

    return editorial.rewrite(config, key, change, expected=expected)


def set_highlight(
    config: Config, year: str, entry_id: str, picked: bool, expected: str | None
) -> str:
    """Pick `entry_id` as a highlight of `year` (a [[highlights]] table at the end of the
    year's file, so it is numbered after the earlier picks), or unpick it."""
    if not re.fullmatch(r"\d{4}", year):
        raise EntryError(f"{year!r} is not a year; a highlight is picked in a year's file (2025)")

    def change(document: TOMLDocument) -> None:
        picks = _tables(document, "highlights")
        ids = [str(pick.get("id")) for pick in picks] if picks is not None else []
        if picked and entry_id not in ids:
            table = tomlkit.table()
            table["id"] = _one_line(entry_id, "entry id")
            _append(document, "highlights", table)
        elif not picked and picks is not None and entry_id in ids:
            del picks[ids.index(entry_id)]
            if not len(picks):
                document.pop("highlights")

    return editorial.rewrite(config, year, change, expected=expected)


def set_words(
    config: Config, key: str, entry_id: str, kicker: str, summary: str, expected: str | None
) -> str:
    """Replace the entry's kicker and summary in this issue; an empty field removes the
    replacement, so the entry's own words show again."""
    kicker = _written(_one_line(kicker, "kicker").strip(), "kicker", single_line=True)
    summary = _written(_limited(summary, "summary").strip(), "summary", single_line=False)

    def change(document: TOMLDocument) -> None:
        table = _entry_table(document, entry_id)
        for name, value in (("kicker", kicker), ("summary", summary)):
            if not value:
                table.pop(name, None)
            elif name == "summary" and "\n" in value:
                table[name] = tomlkit.string(value + "\n", multiline=True)
            else:
                table[name] = value
        _drop_keys(document, entry_id)

    return editorial.rewrite(config, key, change, expected=expected)


def set_issue_fields(
    config: Config, key: str, subject: str, intro: str, expected: str | None
) -> str:
    """The issue's subject line and intro (Markdown); an empty field removes the key, so
    digest's default (email.subject, no intro) applies again."""
    subject = _written(_one_line(subject, "subject").strip(), "subject", single_line=True)
    intro = _written(_limited(intro, "intro").strip(), "intro", single_line=False)

    def change(document: TOMLDocument) -> None:
        if subject:
            document["subject"] = subject
        else:
            document.pop("subject", None)
        if intro:
            document["intro"] = tomlkit.string(intro + "\n", multiline=True)
        else:
            document.pop("intro", None)

    return editorial.rewrite(config, key, change, expected=expected)


# --- TOML helpers ---------------------------------------------------------------------------


def _entry_table(document: TOMLDocument, entry_id: str) -> Table:
    """The [[entries]] table of `entry_id`, appended when the file has none for it yet."""
    entries = _tables(document, "entries")
    if entries is not None:
        for table in entries:
            if table.get("id") == entry_id:
                return table
    table = tomlkit.table()
    table["id"] = _one_line(entry_id, "entry id")
    return _append(document, "entries", table)


def _tables(document: TOMLDocument, name: str) -> AoT | None:
    """The array of tables `name`, None when the file has none; one written inline
    (`entries = [{ id = "…" }]`) is refused, since writing [[tables]] would replace it whole."""
    found = document.get(name)
    if found is None or isinstance(found, AoT):
        return found
    raise EntryError(
        f"{name} is written as an inline array; write each as a [[{name}]] table (README: "
        "'Editing an issue') so that the desk can edit it without rewriting the rest"
    )


def _append(document: TOMLDocument, name: str, table: Table) -> Table:
    """`table` added at the end of the array of tables `name`, after a blank line."""
    existing = _tables(document, name)
    if existing is not None:
        table.trivia.indent = "\n"
        existing.append(table)
        return existing[-1]
    tables = tomlkit.aot()
    tables.append(table)
    document[name] = tables
    added: Table = tables[-1]
    return added


def _drop_keys(document: TOMLDocument, entry_id: str, *names: str) -> None:
    """Remove `names` from the entry's table, and the table itself when only its id is left."""
    entries = _tables(document, "entries")
    if entries is None:
        return
    for index, table in enumerate(entries):
        if table.get("id") != entry_id:
            continue
        for name in names:
            table.pop(name, None)
        if set(table.keys()) <= {"id"}:
            del entries[index]
            if not len(entries):
                document.pop("entries")
        return


def _one_line(value: str, what: str) -> str:
    if "\n" in value or "\r" in value:
        raise EntryError(f"the {what} must be a single line; the edit was not saved")
    if len(value) > MAX_LINE:
        raise EntryError(f"the {what} is longer than {MAX_LINE} characters; shorten it")
    return value


def _written(value: str, what: str, *, single_line: bool) -> str:
    """`value`, refused as a decision file written by hand is when it holds a control character,
    a bidi override or (one line) a line break of any kind: before it reaches the file."""
    problem = text_problem(value, single_line=single_line)
    if problem:
        raise EntryError(f"the edit was not saved: the {what} {problem}")
    return value


def _limited(value: str, what: str) -> str:
    """A multi-line field with a browser's CRLF line ends as the file's own (LF), within MAX_INTRO."""
    value = value.replace("\r\n", "\n")
    if len(value) > MAX_INTRO:
        raise EntryError(f"the {what} is longer than {MAX_INTRO} characters; shorten it")
    return value
