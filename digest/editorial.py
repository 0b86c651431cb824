"""An editor's decisions about an issue, read from its file: `feeds/issues/2025-W40.toml`.

One TOML file per issue, named after the issue's key, kept in git beside the entries: the
intro, the "In this issue" line, the subject and preheader, the lead story, and per entry
(by its stable id) its place, section, omission and replaced words; for a year, the picked
highlights in order. Checked with pydantic as digest.toml is: every problem at once, one
line each, naming the file, line and key. Whether an id names an entry of the issue is the
select stage's question (it has the entries); this module only reads.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import tomlkit
import tomlkit.exceptions
from markdown_it import MarkdownIt
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from tomlkit.toml_document import TOMLDocument

from digest import paths
from digest.config import Config, Text, checked_line, unknown_key
from digest.errors import DigestError, EntryError
from digest.ingest.clean import sanitize_html
from digest.model import CallToAction, EntryDecision, HighlightPick, IssueEditorial

_markdown = MarkdownIt("commonmark", {"typographer": True}).enable(["replacements", "smartquotes"])


# Text as digest.toml's settings are checked: no control character, no bidi override, and for
# one line, no line break of any kind (digest.config.text_problem)
Line = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(checked_line)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
WebUrl = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$")]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _CallToAction(_Table):
    text: Annotated[Line, Field(min_length=1)]
    url: WebUrl | None = None
    contact: Line | None = None


class _Entry(_Table):
    id: Id
    omit: bool = False
    section: Line | None = None
    order: Annotated[int, Field(ge=1)] | None = None
    kicker: Line | None = None
    title: Annotated[Line, Field(min_length=1)] | None = None
    summary: Text | None = None
    image: WebUrl | None = None
    comment: Text = ""  # the editor's comment, shown under the story


class _Highlight(_Table):
    id: Id
    caption: Text | None = None
    credit: Text | None = None
    call_to_action: _CallToAction | None = None


class _Approval(_Table):
    """`digest approve`'s sign-off (digest/approval.py): never part of the issue it signs."""

    by: Annotated[Line, Field(min_length=1)]
    at: AwareDatetime
    files: dict[str, Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]]


class _DecisionFile(_Table):
    intro: Text = ""
    in_this_issue: Line = ""
    subject: Line = ""
    preheader: Line = ""
    lead: Id | None = None
    entries: list[_Entry] = Field(default_factory=list)
    highlights: list[_Highlight] = Field(default_factory=list)
    approval: _Approval | None = None


# A file that decides nothing but its sign-off is read as no file: approving an issue that had
# no decision file must not change the issue (with one, "In this issue" gets its default line).
_DECIDES_NOTHING = _DecisionFile().model_dump(exclude={"approval"})


def folder(config: Config) -> Path:
    """The folder of decision files that [editorial] path names."""
    return config.resolve(config.editorial.path)


def shown_name(path: Path, config: Config) -> str:
    """The file as messages name it: relative to the folder of digest.toml."""
    try:
        return path.relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def decision_keys(config: Config) -> list[str]:
    """The issue keys that have a decision file ('2025-W40', '2022'), sorted."""
    found = folder(config)
    if not found.is_dir():
        return []
    return sorted(path.stem for path in found.glob(f"*{paths.DECISION_SUFFIX}") if path.is_file())


def read_decisions(config: Config, key: str) -> IssueEditorial | None:
    """The decisions of the issue `key`, or None without a file; EntryError listing every
    problem of the file (TOML syntax, unknown keys, wrong values), each with its line.
    The [approval] table is left out: signing an issue off never changes it."""
    found = _read(config, key)
    if found is None or found[0].model_dump(exclude={"approval"}) == _DECIDES_NOTHING:
        return None
    return _decisions(*found)


def read_approval(config: Config, key: str) -> dict[str, Any] | None:
    """The issue's [approval] table, checked: {"by", "at" (aware), "files": {name: sha256}};
    None when it has none. EntryError as `read_decisions` for a file that is not valid."""
    found = _read(config, key)
    if found is None or found[0].approval is None:
        return None
    return found[0].approval.model_dump()


def _read(config: Config, key: str) -> tuple[_DecisionFile, str, str] | None:
    """The decision file checked, with its name as messages give it and its text."""
    path = paths.decision_file(folder(config), key)
    if not path.is_file():
        return None
    name = shown_name(path, config)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise EntryError(f"{name}: cannot read: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        where = f"{name}:{line.group(1)}" if line else name
        raise EntryError(f"{where}: not valid TOML: {error}") from None
    try:
        read = _DecisionFile.model_validate(data)
    except ValidationError as error:
        raise EntryError(*(_problem(name, text, problem) for problem in error.errors())) from None
    return read, name, text


def _decisions(read: _DecisionFile, name: str, text: str) -> IssueEditorial:
    intro = sanitize_html(_markdown.render(read.intro)) if read.intro.strip() else ""
    return IssueEditorial(
        file=name,
        intro_html=intro,
        in_this_issue=read.in_this_issue,
        subject=read.subject,
        preheader=read.preheader,
        lead=read.lead,
        lead_line=_line_of_id(text, read.lead) if read.lead else 0,
        entries=tuple(
            EntryDecision(
                id=entry.id,
                line=_line_of_id(text, entry.id),
                omit=entry.omit,
                section=entry.section,
                order=entry.order,
                kicker=entry.kicker,
                title=entry.title,
                summary=entry.summary.strip() if entry.summary is not None else None,
                image=entry.image,
                comment=entry.comment.strip(),
            )
            for entry in read.entries
        ),
        highlights=tuple(
            HighlightPick(
                id=pick.id,
                line=_line_of_id(text, pick.id),
                caption=pick.caption,
                credit=pick.credit,
                call_to_action=CallToAction(**pick.call_to_action.model_dump())
                if pick.call_to_action
                else None,
            )
            for pick in read.highlights
        ),
    )


def _problem(name: str, text: str, error: Any) -> str:
    """One pydantic error as 'file:line: key: problem'."""
    location = tuple(error["loc"])
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location)
    key = key.removeprefix(".")
    line = _line_of_key(text, location)
    where = f"{name}:{line}" if line else name
    return f"{where}: {key}: {_message(error)}"


def _message(error: Any) -> str:
    kind = error["type"]
    location = tuple(error["loc"])
    if kind == "extra_forbidden":
        return unknown_key(_DecisionFile, location)
    if kind == "missing":
        return "missing (required)"
    if kind == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern", ""))
        return "expected an http(s) URL" if "http" in pattern else "expected a single line"
    return str(error["msg"]).removeprefix("Value error, ")


def _line_of_key(text: str, location: tuple[Any, ...]) -> int:
    """The line a key is written on: tomllib gives no lines, so the text is searched, the
    [[table]] of `location`'s index first, then the key within it (0 when not found)."""
    lines = text.splitlines()
    start = 0
    if len(location) > 1 and isinstance(location[1], int):
        headers = [
            number
            for number, line in enumerate(lines)
            if re.match(rf"\s*\[\[\s*{re.escape(str(location[0]))}\s*\]\]", line)
        ]
        if location[1] < len(headers):
            start = headers[location[1]]
            if len(location) == 2:
                return start + 1
    key = str(location[-1] if len(location) < 3 else location[2])
    for number in range(start, len(lines)):
        if number > start and lines[number].lstrip().startswith("[") and start:
            break
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[number]):
            return number + 1
    return start + 1 if start else 0


def _line_of_id(text: str, entry_id: str) -> int:
    """The first line that writes `entry_id` as a TOML string (1-based; 0 when not found)."""
    quoted = (json.dumps(entry_id, ensure_ascii=False), f"'{entry_id}'")
    for number, line in enumerate(text.splitlines(), start=1):
        if any(form in line for form in quoted):
            return number
    return 0


class StaleEdit(DigestError):
    """The decision file changed on disk since the editor's page (or command) read it."""


def version_of(config: Config, key: str) -> str:
    """A short hash of the decision file's bytes as they are now ('' when there is none):
    what an edit says it started from, so that an edit made meanwhile is never overwritten."""
    path = paths.decision_file(folder(config), key)
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        return ""


def rewrite(
    config: Config,
    key: str,
    change: Callable[[TOMLDocument], None],
    *,
    expected: str | None = None,
) -> str:
    """Apply `change` to the issue's decision file and write it back atomically, keeping the
    editor's comments and layout (tomlkit); a missing file is created. With `expected` (a
    `version_of` the caller read), a file that changed since is refused with StaleEdit.
    The result is checked as a build would read it before it replaces the file, so a bad
    change never reaches the disk. Returns the file's new version.

    Digest's writers take turns (a lock on the folder), and the file's bytes are read again
    just before the replace: a save by hand in between is kept, and the edit refused (with
    `expected`) or made again on the saved file (without: `digest approve`)."""
    path = paths.decision_file(folder(config), key)
    name = shown_name(path, config)
    stale = StaleEdit(
        f"{name} changed on disk since this page was loaded; reload to see the other "
        "edit, then make yours again"
    )
    with _turn(path.parent, name):
        for _ in range(ATTEMPTS):
            before = _bytes(path, name)
            if expected is not None and _version(before) != expected:
                raise stale
            data = _changed(before, change, name)
            temporary = _write_temporary(path, data)
            try:
                # the last look: an editor's save since `before` was read must not be lost
                unchanged = _bytes(path, name) == before
                if unchanged:
                    os.replace(temporary, path)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
            if unchanged:
                return _version(data)
            temporary.unlink()
            if expected is not None:
                raise stale
    raise StaleEdit(f"{name} kept changing on disk while digest wrote it; try again")


ATTEMPTS = 3  # without `expected`: the change is made again on a file saved meanwhile


def _version(data: bytes | None) -> str:
    return "" if data is None else hashlib.sha256(data).hexdigest()[:16]


def _bytes(path: Path, name: str) -> bytes | None:
    """The file's bytes now, None when there is no file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise EntryError(f"{name}: cannot read: {error.strerror or error}") from None


def _changed(before: bytes | None, change: Callable[[TOMLDocument], None], name: str) -> bytes:
    """The file's new bytes: `change` made on `before`, checked as a build reads the file."""
    try:
        document = tomlkit.parse((before or b"").decode("utf-8"))
    except (UnicodeDecodeError, tomlkit.exceptions.TOMLKitError) as error:
        raise EntryError(f"{name}: not valid TOML, so it cannot be edited: {error}") from None
    change(document)
    text = tomlkit.dumps(document)
    try:
        _DecisionFile.model_validate(tomllib.loads(text))
    except ValidationError as error:
        problems = (_problem(name, text, problem) for problem in error.errors())
        raise EntryError(*(f"the edit was not saved: {line}" for line in problems)) from None
    return text.encode("utf-8")


def _write_temporary(path: Path, data: bytes) -> Path:
    """`data` in a new file beside `path`, on disk (fsync), ready to replace it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


@contextmanager
def _turn(folder: Path, name: str) -> Iterator[None]:
    """Hold the lock of the decision files' folder (flock on the folder itself, so no lock
    file lies beside them): two digest processes (two previews, a preview and `digest
    approve`) never read and replace one file at the same time. Text editors take no lock."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(folder, os.O_RDONLY)
    except OSError as error:
        raise EntryError(f"{name}: cannot open its folder: {error.strerror or error}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # a turn lasts milliseconds: wait for it
        yield
    finally:
        os.close(handle)
