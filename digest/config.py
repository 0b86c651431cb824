"""digest.toml -> Config: the whole file is validated at start, every problem named by key."""

from __future__ import annotations

import json
import re
import string
import tomllib
import unicodedata
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from digest.assets import is_remote
from digest.colour import MINIMUM_TEXT_CONTRAST, contrast
from digest.design import DESIGN
from digest.errors import ConfigError
from digest.language import language_problem, messages
from digest.paths import (
    DEFAULT_ARCHIVE,
    DEFAULT_ENTRIES,
    DEFAULT_ISSUES,
    TEMPLATES,
    config_file,
    templates_folder,
)

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_templates_dir() -> Path:
    """digest/templates/ in an installed wheel, else the checkout's top-level templates/."""
    installed = _PACKAGE_DIR / TEMPLATES
    return installed if installed.is_dir() else _PACKAGE_DIR.parent / TEMPLATES


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    if any(ch in value for ch in "\r\n\t "):
        raise ValueError(f"expected a URL without spaces or line breaks, got {value!r}")
    return value


def _site_url(value: str) -> str:
    """The publication URL always ends with '/', so relative paths join below it."""
    return _http_url(value).rstrip("/") + "/"


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"expected an IANA time zone such as 'Europe/Oslo', got {value!r}"
        ) from None
    return value


def _colour(value: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ValueError(f"expected a colour as #rrggbb, got {value!r}")
    return value.lower()


# Characters no email header, HTML page or XML feed can carry (XML 1.0 refuses them)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# The C1 controls, and the bidi embeddings and overrides that reorder the text around them
# unseen (ingest strips the same from feeds: digest/ingest/clean.py)
_INVISIBLE = re.compile(r"[\x80-\x9f\u202a-\u202e]")
# Where a line ends for a mail client, a text editor and str.splitlines
_LINE_BREAK = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _described(character: str) -> str:
    """'U+2028 LINE SEPARATOR'; 'U+0007' for a control character, which has no name."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" {name}" if name else "")


def text_problem(value: str, *, single_line: bool = False) -> str | None:
    """Why `value` cannot be written text (one line of it, with `single_line`), or None: the
    same rule for digest.toml's settings and for an issue's decision file (digest/editorial.py)."""
    if single_line and (found := _LINE_BREAK.search(value)):
        return f"must be a single line (no line breaks), but has one ({_described(found.group())}); write it on one line"
    if found := _CONTROL.search(value):
        return f"contains the invisible character U+{ord(found.group()):04X}, which feeds and email cannot carry; remove it"
    if found := _INVISIBLE.search(value):
        why = (
            "which reorders the text around it"
            if found.group() >= "\u202a"
            else "a control character"
        )
        return f"contains the invisible character {_described(found.group())}, {why}; remove it"
    return None


def checked_text(value: str, *, single_line: bool = False) -> str:
    """`value`, or ValueError (a validator's) with its text_problem."""
    problem = text_problem(value, single_line=single_line)
    if problem:
        raise ValueError(problem)
    return value


def checked_line(value: str) -> str:
    return checked_text(value, single_line=True)


def _path_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError(f"expected a file or folder path, got {value!r} (a NUL character)")
    return value


def _address(value: str) -> str:
    checked_line(value)
    if not re.fullmatch(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+", value):
        raise ValueError(f"expected an email address such as news@example.org, got {value!r}")
    return value


# str.format's words for a brace out of place, in a reader's words
_BRACE_ERRORS = {
    "expected '}' before end of string": "a '{' is not closed",
    "Single '{' encountered in format string": "a '{' is not closed",
    "Single '}' encountered in format string": "a '}' was never opened",
}


def placeholders_problem(text: str, allowed: tuple[str, ...]) -> str | None:
    """Why `text` cannot be filled in by str.format with only these names, or None when it can.

    Only plain named placeholders are let through: no positional {}, no {name.attribute} or
    {name[index]}, no conversion or format spec, so filling one in can never fail or run away.
    """
    use = ", ".join(f"{{{name}}}" for name in allowed)
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        reason = _BRACE_ERRORS.get(str(error), str(error))
        return f"{reason}; write {{{{ and }}}} for a literal brace, and placeholders as {use}"
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        written = (
            "{"
            + field
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
        )
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if not name or name.isdigit():
            return f"{written} needs a name; use {use}"
        if name not in allowed:
            return f"unknown placeholder {written}; use {use}"
        if field != name:
            return f"{written}: no attribute or index access; write {{{name}}}"
        if spec or conversion:
            return f"{written}: write the placeholder plain, as {{{name}}}"
    return None


def _template(*allowed: str) -> AfterValidator:
    """A setting str.format fills in with these names, checked when digest.toml is read."""

    def check(value: str) -> str:
        problem = placeholders_problem(value, allowed)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


HttpUrl = Annotated[str, AfterValidator(_http_url)]
SiteUrl = Annotated[str, AfterValidator(_site_url)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
Colour = Annotated[str, AfterValidator(_colour)]
Text = Annotated[str, AfterValidator(checked_text)]
Line = Annotated[str, AfterValidator(checked_line)]
Address = Annotated[str, AfterValidator(_address)]
PathText = Annotated[str, AfterValidator(_path_text)]  # relative to digest.toml's folder
NonEmptyLine = Annotated[str, Field(min_length=1), AfterValidator(checked_line)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Publication(_Table):
    title: NonEmptyLine
    url: SiteUrl
    timezone: TimeZoneName
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = "en"
    description: Line = ""
    logo: PathText | None = None  # an http(s) URL, or a file path relative to digest.toml
    logo_alt: Line = ""
    logo_dark: PathText | None = None  # the logo for dark mode; default: one derived from `logo`
    address: Line = (
        ""  # the organisation's postal address, in every email's footer (bulk-mail rules)
    )
    brand_color: Colour = "#1f5a96"
    subscribe_url: HttpUrl | None = None  # where a reader signs up; the web pages link it
    sections: list[NonEmptyLine] = Field(default_factory=lambda: ["News"], min_length=1)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "localhost"


class Email(_Table):
    from_name: Line = ""  # defaults to the publication title
    from_address: Address | None = None  # defaults to digest@<publication host>
    reply_to: Address | None = None
    unsubscribe_url: HttpUrl | None = None
    unsubscribe_mailto: Address | None = None
    subject: Annotated[Line, _template("title", "issue")] = "{title}: {issue}"
    size_budget_kb: Annotated[int, Field(ge=20, le=102)] = 95  # Gmail clips at 102 KB
    reason: Line = (
        ""  # why the reader gets the email; default: the language's "because you subscribed"
    )


class Smtp(_Table):
    """Where `digest send` delivers proofs; the password comes only from the environment."""

    host: NonEmptyLine = "localhost"
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    user: Line | None = None
    password_env: Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")] = "DIGEST_SMTP_PASSWORD"
    timeout: Annotated[float, Field(gt=0, le=300)] = 30.0
    # may get a proof of an issue not yet approved; anyone else only an approved one (digest approve)
    proof_readers: list[Address] = Field(default_factory=list)
    dkim_selector: Line | None = None  # sign what digest send sends with DKIM (dkimpy)
    dkim_domain: Line | None = None  # default: the domain of email.from_address
    dkim_key_env: Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")] = "DIGEST_DKIM_KEY"


class Weekly(_Table):
    upcoming_weeks: Annotated[int, Field(ge=0, le=52)] = 4
    section_cap: Annotated[int, Field(ge=1)] | None = None


class Highlights(_Table):
    count: Annotated[int, Field(ge=1, le=100)] = 10
    title: Annotated[Line, _template("count", "year")] = "{count} highlights from {year}"
    intro: Text = ""
    form: Literal["full", "teaser"] = "full"  # teaser: number, title, one-line summary, link


class Entries(_Table):
    path: PathText = DEFAULT_ENTRIES
    source: NonEmptyLine = "Local"
    section: Line | None = None  # defaults to the first section


class Archive(_Table):
    path: Annotated[PathText, Field(min_length=1)] = DEFAULT_ARCHIVE


class EditorialFiles(_Table):
    path: PathText = DEFAULT_ISSUES  # an editor's decisions, one file per issue


class Fetch(_Table):
    timeout: Annotated[float, Field(gt=0, le=600)] = 20.0  # seconds for one whole download
    connect_timeout: Annotated[float, Field(gt=0, le=120)] = 10.0
    concurrency: Annotated[int, Field(ge=1, le=64)] = 8
    retries: Annotated[int, Field(ge=0, le=10)] = 2  # for timeouts and 5xx; never for 4xx
    backoff: Annotated[float, Field(ge=0, le=60)] = 1.0  # seconds before the first retry, doubling
    max_mb: Annotated[float, Field(gt=0, le=1024)] = 10.0


class Images(_Table):
    """How the pictures an issue shows are fetched, stored and published (digest/images/)."""

    mode: Literal["store", "hotlink"] = "store"  # hotlink: the feeds' image URLs, as they are
    max_bytes: Annotated[int, Field(ge=10_000, le=5_000_000)] = 150_000  # per published image
    # Hosts whose private or loopback addresses may be fetched (a feed's own intranet, tests)
    allow_hosts: list[NonEmptyLine] = Field(default_factory=list)
    # URL prefix -> folder: a saved feed's pictures, read from disk instead of the web
    saved: dict[str, PathText] = Field(default_factory=dict)


EnvName = Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")]  # an environment variable's name


class _PublishProfile(_Table):
    """What every [publish.NAME] table has: how patient digest is with the service."""

    timeout: Annotated[float, Field(gt=0, le=300)] = 30.0  # seconds for one request
    retries: Annotated[int, Field(ge=0, le=10)] = 3  # for timeouts, 429 and 5xx; never for 4xx
    backoff: Annotated[float, Field(ge=0, le=60)] = 1.0  # seconds before the first retry, doubling
    max_wait: Annotated[float, Field(ge=0, le=3600)] = 120.0  # all waits of one request together


class ListmonkProfile(_PublishProfile):
    """A self-hosted listmonk: campaigns through its API, with an API user and its token."""

    kind: Literal["listmonk"]
    url: SiteUrl  # the listmonk root, e.g. https://lists.example.org/ (the API is under api/)
    user: NonEmptyLine  # the API user (Admin -> Users -> API user)
    token_env: EnvName = "LISTMONK_TOKEN"
    lists: list[Annotated[int, Field(ge=1)]] = Field(min_length=1)  # list ids to send to
    template: NonEmptyLine = "digest: content only"  # created once if missing


class MailchimpProfile(_PublishProfile):
    """Mailchimp's Marketing API v3: basic auth with the key, whose suffix names the data centre."""

    kind: Literal["mailchimp"]
    api_key_env: EnvName = "MAILCHIMP_API_KEY"
    audience: (
        NonEmptyLine  # the audience (list) id, Audience -> Settings -> Audience name and defaults
    )
    api_url: HttpUrl | None = None  # default https://<dc>.api.mailchimp.com/3.0/, <dc> from the key


class SesProfile(_PublishProfile):
    """Amazon SES: message.eml sent raw, one message per recipient (or one list address)."""

    kind: Literal["ses"]
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")] = "eu-west-1"
    recipients: list[Address] = Field(default_factory=list)
    recipients_file: PathText | None = None  # one address per line, relative to digest.toml
    access_key_id_env: EnvName = "AWS_ACCESS_KEY_ID"
    secret_access_key_env: EnvName = "AWS_SECRET_ACCESS_KEY"
    endpoint_url: HttpUrl | None = None  # another endpoint (a VPC endpoint, an emulator)
    configuration_set: Line | None = None
    rate: Annotated[float, Field(gt=0, le=10000)] = 14.0  # messages a second, SES's default quota

    @model_validator(mode="after")
    def _someone(self) -> SesProfile:
        if not self.recipients and not self.recipients_file:
            raise ValueError("give 'recipients' (addresses) or 'recipients_file' (one a line)")
        return self


PublishProfile = Annotated[
    ListmonkProfile | MailchimpProfile | SesProfile, Field(discriminator="kind")
]
PUBLISH_KINDS: dict[str, type[BaseModel]] = {
    "listmonk": ListmonkProfile,
    "mailchimp": MailchimpProfile,
    "ses": SesProfile,
}


# The item elements feedparser reads under names of its own: they cannot hold an event's fields.
_ITEM_ELEMENTS = {
    "title", "link", "guid", "pubdate", "description", "category", "enclosure", "comments",
    "author", "source", "id", "published", "updated", "summary", "content",
}  # fmt: skip


def _element_name(value: str) -> str:
    if not re.fullmatch(r"(?:[A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*", value):
        raise ValueError(
            f"expected an element name as the feed writes it, such as 'ev:startdate', got {value!r}"
        )
    if value.lower() in _ITEM_ELEMENTS:
        raise ValueError(f"{value!r} is a standard item element; name an element of its own")
    return value


ElementName = Annotated[str, AfterValidator(_element_name)]


class EventFields(_Table):
    """Which elements of a source's items hold an event's start, end and place.

    Without this table, items are read by the RSS Event module (ev:startdate, ev:enddate,
    ev:location); with it, by these elements instead.
    """

    start: ElementName
    end: ElementName | None = None
    location: ElementName | None = None


class Source(_Table):
    name: NonEmptyLine
    url: HttpUrl | None = None
    path: PathText | None = None
    section: Line | None = None
    categories: dict[str, str] = Field(default_factory=dict)  # feed category -> section
    max_items: Annotated[int, Field(ge=1)] | None = None
    events: EventFields | None = None  # where its items carry event times, if not in ev:*

    @cached_property
    def sections_by_category(self) -> dict[str, str]:
        """`categories` keyed by the casefolded feed category, as items' categories are matched
        (made once, not for each item)."""
        return {key.casefold(): value for key, value in self.categories.items()}

    @model_validator(mode="after")
    def _url_or_path(self) -> Source:
        if (self.url is None) == (self.path is None):
            raise ValueError(
                "give exactly one of 'url' (an http(s) feed) or 'path' (a local feed file)"
            )
        return self


class Config(_Table):
    publication: Publication
    email: Email = Email()
    smtp: Smtp = Smtp()
    weekly: Weekly = Weekly()
    highlights: Highlights = Highlights()
    entries: Entries = Entries()
    archive: Archive = Archive()
    editorial: EditorialFiles = EditorialFiles()
    fetch: Fetch = Fetch()
    images: Images = Images()
    sources: list[Source] = Field(default_factory=list)
    strings: dict[str, Line] = Field(default_factory=dict)  # English fixed string -> own text
    publish: dict[str, PublishProfile] = Field(default_factory=dict)  # digest publish --to NAME
    root: Path = Field(default=Path("."), exclude=True)  # folder of digest.toml; set by load()

    @property
    def template_dirs(self) -> list[Path]:
        """Where templates are looked up, in order: the publication's own, then digest's defaults."""
        return [templates_folder(self.root), default_templates_dir()]

    @property
    def input_paths(self) -> list[Path]:
        """The folders and files a build reads besides digest.toml and the archive: templates,
        entries, local feed files, a local logo. `digest serve` watches them; the build stamp
        records them."""
        logo = self.publication.logo
        return [
            *self.template_dirs,
            self.resolve(self.entries.path),
            self.resolve(self.editorial.path),
            *(self.resolve(source.path) for source in self.sources if source.path),
            *([self.resolve(logo)] if logo and not is_remote(logo) else []),
            *(
                [self.resolve(dark)]
                if (dark := self.publication.logo_dark) and not is_remote(dark)
                else []
            ),
            *(self.resolve(folder) for folder in self.images.saved.values()),
        ]

    def resolve(self, path: str | Path) -> Path:
        """A path from the config, relative to the folder of digest.toml."""
        return (self.root / path).resolve()

    @property
    def default_section(self) -> str:
        return self.entries.section or self.publication.sections[0]

    @property
    def sender_name(self) -> str:
        return self.email.from_name or self.publication.title

    @property
    def sender_address(self) -> str:
        return self.email.from_address or f"digest@{self.publication.host}"


def _location(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """('sources', 2, 'url') -> 'sources[2].url' (with the source's name when it has one)."""
    text = ""
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("name"), str):
                text += f" ({node['name']})"
        else:
            text += f".{_key(part)}" if text else _key(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text


def _key(key: Any) -> str:
    """A key as TOML writes it: bare when it can be, else quoted ('strings."Read more"')."""
    text = str(key)
    return text if re.fullmatch(r"[A-Za-z0-9_-]+", text) else json.dumps(text, ensure_ascii=False)


def _table_model(annotation: Any) -> type[BaseModel] | None:
    """The table model a field holds: Source for list[Source], EventFields for EventFields | None."""
    if (
        isinstance(annotation, type)
        and not get_args(annotation)
        and issubclass(annotation, BaseModel)
    ):
        return annotation
    for argument in get_args(annotation):
        found = _table_model(argument)
        if found:
            return found
    return None


def known_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed beside the last part of `loc` in a file that `root` reads
    (Config, ('sources', 2, 'nmae') -> Source's keys)."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        model = _table_model(field.annotation) if field else None
    if model is None:
        return []
    return [name for name, field in model.model_fields.items() if not field.exclude]


def unknown_key(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """The problem of an unknown key at `loc`: the closest known one suggested, else the known."""
    known = known_keys(root, loc)
    import difflib  # only for a misspelt key: not at every start-up

    closest = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if closest:
        return f"unknown key; did you mean {closest[0]!r}?"
    return f"unknown key (known: {', '.join(known)})" if known else "unknown key"


def _publish_error(error: Any) -> tuple[tuple[Any, ...], str] | None:
    """A [publish.NAME] problem named by its table, not by pydantic's union tag in between."""
    loc = tuple(error["loc"])
    if len(loc) < 2 or loc[0] != "publish":
        return None
    kinds = ", ".join(PUBLISH_KINDS)
    if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
        return (*loc[:2], "kind"), f"expected one of {kinds}"
    if len(loc) >= 3 and loc[2] in PUBLISH_KINDS:
        model, loc = PUBLISH_KINDS[loc[2]], (*loc[:2], *loc[3:])
        if error["type"] == "extra_forbidden":
            known = [name for name in model.model_fields if name != "kind"]
            import difflib  # only for a misspelt key or string: not at every start-up

            closest = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            hint = f"did you mean {closest[0]!r}?" if closest else f"known: {', '.join(known)}"
            return loc, f"unknown key; {hint}"
        return loc, _message({**error, "loc": loc})
    return None


def _problem(error: Any, data: dict[str, Any]) -> str:
    """One validation error as a line: where (a key path) and what."""
    loc, message = _publish_error(error) or (tuple(error["loc"]), _message(error))
    return f"{_location(loc, data)}: {message}"


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return unknown_key(Config, tuple(error["loc"]))
    if kind == "missing":
        return "missing (required)"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


_INVALID: Any = object()  # a value that failed its own validation, so it was reported already


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    field = model.model_fields[name]
    annotation: Any = field.annotation
    if field.metadata:
        annotation = Annotated.__class_getitem__((annotation, *field.metadata))  # type: ignore[attr-defined]
    return TypeAdapter(annotation, config=ConfigDict(str_strip_whitespace=True))


def _valid(model: type[BaseModel], table: Any, name: str) -> Any:
    """table[name] as `model` reads it, its default when absent, or _INVALID when it is wrong.

    The cross-checks read single values this way, so a wrong value elsewhere in digest.toml
    does not hide their problems: every problem is reported in one round.
    """
    if table is None:
        table = {}
    if not isinstance(table, dict):
        return _INVALID
    if name not in table:
        return model.model_fields[name].get_default(call_default_factory=True)
    try:
        return _adapter(model, name).validate_python(table[name])
    except ValidationError:
        return _INVALID


def _cross_check(data: dict[str, Any], root: Path) -> list[str]:
    """Problems no single field can see: sections that are not configured, duplicate names, files
    that do not exist, colours that cannot be read. Each check reads only values that are valid."""
    problems = []
    publication = data.get("publication")
    sections = _valid(Publication, publication, "sections")
    if sections is not _INVALID and len(set(sections)) != len(sections):
        problems.append("publication.sections: each section may appear only once")
    known = ", ".join(sections) if sections is not _INVALID else ""

    def unknown_section(value: Any) -> bool:
        return sections is not _INVALID and isinstance(value, str) and value not in sections

    entries_section = _valid(Entries, data.get("entries"), "section")
    if entries_section and unknown_section(entries_section):
        problems.append(
            f"entries.section: {entries_section!r} is not one of the sections ({known})"
        )
    names: set[str] = set()
    sources = data.get("sources")
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        where = _location(("sources", index), data)
        name = _valid(Source, source, "name")
        if isinstance(name, str) and name in names:
            problems.append(f"{where}.name: another source already has this name")
        names.add(name)
        section = _valid(Source, source, "section")
        if section and unknown_section(section):
            problems.append(f"{where}.section: {section!r} is not one of the sections ({known})")
        categories = _valid(Source, source, "categories")
        for category, section in (categories if isinstance(categories, dict) else {}).items():
            if unknown_section(section):
                problems.append(
                    f"{where}.categories.{_key(category)}: {section!r} is not one of the sections ({known})"
                )
        path = _valid(Source, source, "path")
        if isinstance(path, str) and not (root / path).is_file():
            problems.append(f"{where}.path: no such file {path!r}")
    brand = _valid(Publication, publication, "brand_color")
    for background, where in DESIGN.light_surfaces.items():
        if brand is _INVALID:
            break
        ratio = contrast(brand, background)
        if ratio < MINIMUM_TEXT_CONTRAST:
            problems.append(
                f"publication.brand_color: {brand} on {where} has a contrast of {ratio:.1f}:1; links and "
                f"headings need at least {MINIMUM_TEXT_CONTRAST}:1 (choose a darker colour)"
            )
    for key in ("logo", "logo_dark"):
        logo = _valid(Publication, publication, key)
        if (
            isinstance(logo, str)
            and logo
            and not logo.startswith(("http://", "https://"))
            and not (root / logo).is_file()
        ):
            problems.append(
                f"publication.{key}: expected an http(s) URL or an existing file, got {logo!r}"
            )
    language = _valid(Publication, publication, "language")
    problem = language_problem(language) if language is not _INVALID else None
    if problem:
        problems.append(f"publication.language: {problem}")
    strings = _valid(Config, data, "strings")
    if strings is not _INVALID:
        problems += _strings_problems(strings)
    return problems


def _strings_problems(strings: dict[str, str]) -> list[str]:
    """[strings] keys must be digest's English fixed strings, and keep to their placeholders."""
    problems: list[str] = []
    if not strings:
        return problems
    known = messages()
    for msgid, text in strings.items():
        where = f"strings.{_key(msgid)}"
        message = known.get(msgid)
        if message is None:
            import difflib  # only for a misspelt key or string: not at every start-up

            closest = difflib.get_close_matches(msgid, known, n=1, cutoff=0.5)
            hint = f"; did you mean {closest[0]!r}?" if closest else " (README.md, 'Strings')"
            problems.append(f"{where}: not one of digest's fixed strings{hint}")
            continue
        problem = message.problem(text)
        if not message.in_template:  # filled in by str.format, as email.subject is
            braces = placeholders_problem(text, tuple(sorted(message.placeholders)))
            if braces and not (problem and braces.startswith("unknown placeholder")):
                problem = braces
        if problem:
            problems.append(f"{where}: {text!r}: {problem}")
    return problems


def load(path: Path | None = None) -> Config:
    """Read and validate digest.toml; raise ConfigError with every problem, one per line."""
    file = config_file(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{file}: not found (run digest in a publication folder, or pass --config)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{file}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{file}: not valid TOML: {error}") from None
    root = file.parent.resolve()
    problems = ["root: unknown key"] if "root" in data else []
    data.pop("root", None)
    config = None
    try:
        config = Config.model_validate({**data, "root": root})
    except ValidationError as error:
        problems += [_problem(e, data) for e in error.errors()]
    problems += _cross_check(data, root)
    if problems or config is None:
        raise ConfigError(*(f"{file}: {problem}" for problem in problems))
    return config
