"""Markdown files with YAML front matter, written by staff -> Entry values.

Every problem in every file is collected and reported at once as `file:line: problem`,
so a staff member fixes all of them in one go; with any problem, nothing is built.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slugify import slugify

from digest import assets
from digest.config import Config
from digest.errors import EntryError
from digest.ingest import front_matter
from digest.ingest.clean import (
    plain_text,
    sanitize_html,
    summarize,
    title_text,
    web_url,
)
from digest.model import NO_EDITORIAL, CallToAction, Editorial, Entry, Event, Image

if TYPE_CHECKING:
    import yaml
    from markdown_it import MarkdownIt

PLACEHOLDER_BODY = "Write the story here, in Markdown."  # the body `digest new` writes


# Markdown and YAML are made ready when the first entry file is read: a publication with none
# (a `digest fetch` of feeds only) starts without either library.
@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"typographer": True}).enable(
        ["table", "replacements", "smartquotes"]
    )


@cache
def _front_matter_loader() -> type:
    """Safe YAML that leaves dates as text: we read them ourselves, in the publication's zone.
    libyaml's C loader when PyYAML has it (its wheels do): ten times faster than the Python one."""
    import yaml

    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader: type = type("_FrontMatterLoader", (safe_loader,), {})
    loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)  # type: ignore[attr-defined]
    return loader


def _timestamp_as_text(loader: Any, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


@dataclass(frozen=True)
class LocalEntries:
    """The entries read from feeds/entries/, the editorial decisions their front matter makes
    (highlight, weight, kicker, call to action; by entry id, apart from the entries), and the
    local files they publish under out/media/."""

    entries: tuple[Entry, ...]
    assets: tuple[assets.Asset, ...]
    editorial: dict[str, Editorial] = field(default_factory=dict)


class _Problems:
    """Collects `file:line: problem` lines for one file."""

    def __init__(self, display: str, front_matter: str, first_line: int) -> None:
        self.display, self.first_line = display, first_line
        self.lines = front_matter.splitlines()
        self.found: list[str] = []
        self.lines_found: list[int] = []

    def add(self, key: str | None, problem: str, line: int | None = None) -> None:
        if line is None:
            line = self.first_line
            for number, text in enumerate(self.lines):
                if key and re.match(rf"{re.escape(key)}\s*:", text):
                    line = self.first_line + 1 + number
                    break
        self.found.append(f"{self.display}:{line}: {problem}")
        self.lines_found.append(line)

    def in_file_order(self) -> list[str]:
        """The problems by line, those of one line in the order they were found."""
        order = sorted(range(len(self.found)), key=self.lines_found.__getitem__)
        return [self.found[index] for index in order]

    def nested_line(self, table: str, key: str) -> int | None:
        """The line of `key` in the indented block under `table:`, when it is written so."""
        inside = False
        for number, text in enumerate(self.lines):
            if re.match(rf"{re.escape(table)}\s*:", text):
                inside = True
            elif inside and re.match(rf"\s+{re.escape(key)}\s*:", text):
                return self.first_line + 1 + number
            elif inside and text[:1] not in ("", " ", "\t", "#"):
                break
        return None


def read_entries(config: Config) -> LocalEntries:
    """Read every `*.md` below the entries folder; raise EntryError listing all problems."""
    folder = config.resolve(config.entries.path)
    if not folder.is_dir():
        return LocalEntries((), ())
    entries: list[Entry] = []
    published: dict[str, assets.Asset] = {}
    problems: list[str] = []
    file_of_id: dict[str, str] = {}
    try:
        paths = sorted(folder.rglob("*.md"))
    except OSError as error:  # a folder that cannot be listed, or that changed while listed
        raise EntryError(
            f"{config.entries.path}: cannot read the entries folder: {error.strerror or error}"
        ) from None
    for path in paths:
        if path.name.lower() == "readme.md" or any(part.startswith(".") for part in path.parts):
            continue
        entry, asset, found = _read_file(path, folder, config)
        problems += found
        if asset:
            published[asset.out_path] = asset
        if entry is None:
            continue
        if entry.id in file_of_id:
            problems.append(
                f"{_display(path, config)}:1: id {entry.id!r} is already used by {file_of_id[entry.id]}"
            )
        file_of_id[entry.id] = _display(path, config)
        entries.append(entry)
    if problems:
        raise EntryError(*problems)
    return LocalEntries(
        tuple(replace(entry, editorial=NO_EDITORIAL) for entry in entries),
        tuple(published[key] for key in sorted(published)),
        {entry.id: entry.editorial for entry in entries if entry.editorial.decides_anything},
    )


def _display(path: Path, config: Config) -> str:
    try:
        return str(path.relative_to(config.root))
    except ValueError:
        return str(path)


def _split(text: str) -> tuple[str, str] | None:
    """(front matter, body), or None for a file without front matter."""
    text = text.removeprefix("\ufeff")
    match = re.match(r"---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(\r?\n|$)", text, re.DOTALL)
    if not match:
        return None
    front = match.group(1) or ""
    return front, text[match.end() :]


def _read_file(
    path: Path, folder: Path, config: Config
) -> tuple[Entry | None, assets.Asset | None, list[str]]:
    display = _display(path, config)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, None, [f"{display}:1: cannot read: {error}"]
    split = _split(text)
    if split is None:
        return None, None, [f"{display}:1: no front matter (the file must start with a '---' line)"]
    front, body = split
    problems = _Problems(display, front, 1)
    import yaml

    try:
        fields = yaml.load(front, Loader=_front_matter_loader()) if front.strip() else {}
    except yaml.YAMLError as error:
        return None, None, [_yaml_problem(error, front, display)]
    if not isinstance(fields, dict):
        return None, None, [f"{display}:2: front matter must be 'key: value' lines"]
    entry, asset = _build(fields, body, path, folder, config, problems)
    return (entry if not problems.found else None), asset, problems.in_file_order()


def _yaml_problem(error: yaml.YAMLError, front: str, display: str) -> str:
    """`file:line: cannot read the front matter: reason; the usual fix` for a YAML error."""
    reason = getattr(error, "problem", None) or str(error).splitlines()[0]
    # The context mark is where the broken value starts (the problem mark can be lines later);
    # a tab is wrong where it is
    mark = getattr(error, "problem_mark", None)
    if "tab" not in reason:
        mark = getattr(error, "context_mark", None) or mark
    lines = front.splitlines()
    index = min(mark.line, len(lines) - 1) if mark and lines else None
    hint = _yaml_hint(reason, lines[index] if index is not None else "")
    line = index + 2 if index is not None else 1  # the front matter starts on line 2
    return f"{display}:{line}: cannot read the front matter: {reason}{'; ' + hint if hint else ''}"


def _yaml_hint(reason: str, line: str) -> str | None:
    """The usual fix for the YAML mistakes people make in front matter, shown on their own line."""
    match = re.match(r"\s*([\w-]+):[ \t]+(.*?)\s*$", line)
    key, value = (match.group(1), match.group(2)) if match else ("title", "")
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    example = f'e.g. {key}: "{quoted}"' if value else 'e.g. title: "Nobel: the prize"'
    first = value[:1]
    if "mapping values are not allowed" in reason:
        return f"a value containing ': ' needs quotes, {example}"
    if "tab character" in reason or "\t" in line[: len(line) - len(line.lstrip())]:
        return "indent with spaces, not tabs"
    if first in ("[", "{") and "expected" in reason:
        kind = "list" if first == "[" else "table"
        return f"a value starting with {first!r} is read as a {kind}; for text, put it in quotes, {example}"
    if first == "'" and "expected key" in reason and value.endswith("'"):
        inner = value[1:-1].replace("\\", "\\\\").replace('"', '\\"')
        return f"an apostrophe inside '...' is written '', or use double quotes: {key}: \"{inner}\""
    if first and first in "@`%*&!|>":
        return f"a value starting with {first!r} needs quotes, {example}"
    if "end of stream" in reason and first in ('"', "'"):
        return f"the {first} that opens this value is never closed"
    if "expected key" in reason and first in ('"', "'", "[", "{"):
        return f"text follows the value's closing {first}; put the whole value in quotes, {example}"
    if "expected ':'" in reason:
        return "each line is 'key: value'; to continue a long value, indent the next line"
    return None


def _moment(value: Any, zone: ZoneInfo) -> datetime | None:
    """A YAML date, datetime or ISO string as an aware datetime (naive means the publication's zone)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


# Years an entry may be dated in: outside them a date is a typo ("0205-10-14"), and the year 1 or
# 9999 has no week around it to put the entry in.
YEARS = range(1900, 3000)


def _out_of_range(key: str, value: Any, moment: datetime, problems: _Problems) -> bool:
    if moment.year in YEARS:
        return False
    problems.add(
        key, f"{key} {str(value).strip()!r} is out of range (use a year from 1900 to 2999)"
    )
    return True


def _build(
    fields: dict[str, Any], body: str, path: Path, folder: Path, config: Config, problems: _Problems
) -> tuple[Entry | None, assets.Asset | None]:
    zone = config.publication.zone
    site = config.publication.url
    front, found = front_matter.read(fields)  # the shape of every field, checked by pydantic
    for key, problem, nested in found:
        problems.add(key, problem, problems.nested_line(key, nested) if key and nested else None)
    title = title_text(front.title)
    if not title and fields.get("title") is not None:
        problems.add(
            "title", "'title' has no text once its markup is removed (titles are plain text)"
        )
    published = None
    if front.date is not front_matter.ABSENT:
        published = _moment(front.date, zone)
        if published is None:
            problems.add(
                "date", f"cannot read date {front.date!r} (use 2025-10-14 or 2025-10-14T09:00)"
            )
        elif _out_of_range("date", front.date, published, problems):
            published = None
    section = front.section or config.default_section
    if section not in config.publication.sections:
        known = ", ".join(config.publication.sections)
        problems.add("section", f"unknown section {section!r} (configured: {known})")
    image, asset = _image(front, config, problems)
    event = _event(front, fields, zone, problems)
    if problems.found or published is None:
        return None, asset
    html = sanitize_html(_markdown().render(body), front.link or site)
    summary = front.summary or summarize(plain_text(html))
    relative = path.relative_to(folder).with_suffix("").as_posix()
    action = front.call_to_action
    return (
        Entry(
            id=front.id or f"entry:{relative}",
            source=config.entries.source,
            title=title,
            published=published.astimezone(UTC),
            section=section,
            link=front.link,
            summary=summary,
            html=html,
            image=image,
            categories=tuple(str(tag) for tag in front.tags),
            event=event,
            editorial=Editorial(
                highlight=front.highlight,
                weight=front.weight,
                kicker=title_text(front.kicker),
                call_to_action=CallToAction(action.text, action.url, action.contact)
                if action
                else None,
            ),
        ),
        asset,
    )


def _image(
    front: front_matter.FrontMatter, config: Config, problems: _Problems
) -> tuple[Image | None, assets.Asset | None]:
    reference = front.image
    alt, caption, credit = (
        plain_text(text) for text in (front.image_alt, front.caption, front.credit)
    )
    if not reference:
        return None, None
    if not alt:
        problems.add(
            "image",
            "an image needs 'image_alt' (what the image shows, for readers who cannot see it)",
        )
    if assets.is_remote(reference):
        url = web_url(reference, None)
        if url is None:
            problems.add("image", f"cannot use image URL {reference!r}")
            return None, None
        return Image(url, alt, caption, credit), None
    file = config.resolve(reference)
    if not file.is_file():
        problems.add(
            "image",
            f"image file not found: {reference} (paths are relative to digest.toml's folder)",
        )
        return None, None
    try:
        asset = assets.publish(file)
    except OSError as error:
        problems.add("image", f"cannot read image {reference}: {error}")
        return None, None
    width, height = assets.image_size(file)
    image = Image(asset.url(config.publication.url), alt, caption, credit, width, height)
    return image, asset


def _event(
    front: front_matter.FrontMatter, fields: dict[str, Any], zone: ZoneInfo, problems: _Problems
) -> Event | None:
    if "start" not in fields:
        for key in ("end", "location", "all_day"):
            if key in fields:
                problems.add(key, f"'{key}' belongs to an event, which needs a 'start'")
        return None
    start = _moment(front.start, zone)
    if start is None:
        problems.add("start", f"cannot read start {front.start!r} (use 2025-10-14T17:00)")
        return None
    if _out_of_range("start", front.start, start, problems):
        return None
    all_day = front.all_day if "all_day" in fields else _is_date(front.start)
    end = None
    if front.end is not None:
        end = _moment(front.end, zone)
        if end is None:
            problems.add("end", f"cannot read end {front.end!r} (use 2025-10-14T19:30)")
        elif _out_of_range("end", front.end, end, problems):
            end = None
        elif end < start:
            problems.add("end", "the event ends before it starts")
        elif all_day and _is_date(front.end):
            end += timedelta(days=1)  # `end` names the last day; an Event's end is exclusive
    return Event(start, end, front.location, all_day)


def _is_date(value: Any) -> bool:
    """A date without a time: YAML's date, or text such as 2025-10-14 (dates are read as text)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return True
    return isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value) is not None


def scaffold(title: str, today: date, folder: Path, section: str) -> Path:
    """Write a new entry file for `digest new`, named after the date and title; never overwrite."""
    slug = slugify(title, max_length=60, word_boundary=True) or "entry"  # Taskén -> tasken
    year = folder / str(today.year)
    year.mkdir(parents=True, exist_ok=True)
    text = (
        f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ndate: {today:%Y-%m-%d}\n"
        f"section: {_yaml_scalar(section)}\n"
        "# kicker: Publication in Nature Communications\n# summary: One or two sentences for the digest.\n"
        "# link: https://example.org/news/...\n# image: feeds/entries/images/photo.jpg\n# image_alt: What the photo shows\n"
        "# caption: ...\n# credit: Photo: ...\n# highlight: false\n# weight: 0\n"
        f"---\n\n{PLACEHOLDER_BODY}\n"
    )
    counter = 1
    while True:
        path = year / f"{today:%Y-%m-%d}-{slug}{f'-{counter}' if counter > 1 else ''}.md"
        try:
            with path.open("x", encoding="utf-8", newline="\n") as file:  # "x": never overwrite
                file.write(text)
        except FileExistsError:
            counter += 1
            continue
        return path


def _yaml_scalar(text: str) -> str:
    """`text` as YAML reads it back: plain when it can be, else double-quoted (JSON's escapes are YAML's)."""
    import yaml

    if re.fullmatch(r"[\w][\w .&/()-]*", text) and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)
