"""An entry file's front matter checked with pydantic, as digest.toml is: every problem at once.

The model holds the shape of each field, with the types YAML gives and today's rules (strict:
`weight: "5"` and `highlight: "yes"` are refused, not read as 5 and true); the checks that
need the publication (its time zone, sections and files) are local.py's, on the values read
here. Each pydantic error becomes `(key, problem, line)` for the caller to place in the file.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from digest.ingest.clean import absolute_url, one_line, web_url

ABSENT: Any = object()  # a required field that is missing or wrong: reported, then skipped


def _text(value: Any, info: ValidationInfo) -> str:
    """Any YAML scalar as one line of text (`id: 123` is "123"); a table or list is refused."""
    if value is ABSENT or value is None:
        return ""
    if isinstance(value, (dict, list)):
        key = info.field_name
        raise PydanticCustomError("entry_text", "'{key}' must be text", {"key": key})
    return one_line(str(value))


def _required_text(value: Any, info: ValidationInfo) -> str:
    if value is None:  # `title:` with nothing after it
        raise PydanticCustomError(
            "missing", "missing required field '{key}'", {"key": info.field_name}
        )
    return _text(value, info)


def _link(value: Any, info: ValidationInfo) -> str | None:
    text = _text(value, info)
    if not text:
        return None
    url = web_url(text, None)
    if url is None:
        raise PydanticCustomError("entry_link", "'link' must be an absolute http(s) URL")
    return url


def _tags(value: Any) -> Any:
    return [value] if isinstance(value, str) else value  # `tags: CLL` is one tag


def _call_to_action(value: Any) -> Any:
    if isinstance(value, str):  # just the line of text
        return CallToActionFields.model_construct(text=one_line(value), url=None, contact=None)
    return value


def _action_text(value: Any) -> str:
    if not value:
        raise PydanticCustomError("missing", "missing")
    return one_line(str(value))


def _action_url(value: Any) -> str | None:
    if not value:
        return None
    url = absolute_url(str(value), None)
    if url is None:
        raise PydanticCustomError("entry_url", "call_to_action.url must be an absolute http(s) URL")
    return url


def _contact(value: Any) -> str | None:
    return one_line(str(value)) if value else None


Text = Annotated[str, BeforeValidator(_text)]


class CallToActionFields(BaseModel):
    """`call_to_action:` as a table: text, and optionally url and contact."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, BeforeValidator(_action_text)]
    url: Annotated[str | None, BeforeValidator(_action_url)] = None
    contact: Annotated[str | None, BeforeValidator(_contact)] = None


class FrontMatter(BaseModel):
    """The front matter of one entry file, in the order its problems are reported."""

    model_config = ConfigDict(extra="forbid")

    id: Text = ""
    title: Annotated[str, BeforeValidator(_required_text)]
    date: Any  # read in the publication's time zone by local.py
    kicker: Text = ""
    section: Text = ""
    summary: Text = ""
    link: Annotated[str | None, BeforeValidator(_link)] = None
    image: Text = ""
    image_alt: Text = ""
    caption: Text = ""
    credit: Text = ""
    start: Any = None  # an event's times: read by local.py, like `date`
    end: Any = None
    location: Text = ""
    all_day: StrictBool = False  # when absent, local.py asks whether `start` has no time
    call_to_action: Annotated[CallToActionFields | None, BeforeValidator(_call_to_action)] = None
    highlight: StrictBool = False
    weight: StrictInt = 0
    tags: Annotated[list[Any], BeforeValidator(_tags)] = []  # pydantic copies it


FIELDS = frozenset(FrontMatter.model_fields)
_ORDER = list(FrontMatter.model_fields)
_ACTION_FIELDS = frozenset(CallToActionFields.model_fields)
_MESSAGES = {  # pydantic's own error types, in the words entry files have always had
    "bool_type": "'{key}' must be true or false",
    "int_type": "'{key}' must be a whole number",
    "list_type": "'{key}' must be a list",
}


def closest(key: str, known: frozenset[str]) -> str:
    """What follows `unknown field 'sumary'`: the closest known one, else the known ones."""
    import difflib  # only for a misspelt key: not at every start-up

    found = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {found[0]!r}?" if found else f" (known: {', '.join(sorted(known))})"


def read(fields: dict[str, Any]) -> tuple[FrontMatter, list[tuple[str | None, str, str | None]]]:
    """The front matter as a model, and its problems as (key, problem, nested key): the key whose
    line it is on (None: the file's first line), and for `call_to_action`'s keys the key below it.

    With problems the model still holds every value that was right, so later checks go on."""
    try:
        return FrontMatter.model_validate(fields), []
    except ValidationError as error:
        errors = sorted(error.errors(), key=_order)
    problems = [_problem(error) for error in errors]
    failed = {str(error["loc"][0]) for error in errors if error["loc"]}
    kept = {key: value for key, value in fields.items() if key in FIELDS and key not in failed}
    required = {key: ABSENT for key in ("title", "date") if key not in kept}
    return FrontMatter.model_validate(kept | required), problems


def _order(error: Any) -> tuple[int, int, int, str]:
    """Unknown keys first, in file order; then by field, a table's unknown keys first, by name."""
    loc, extra = error["loc"], error["type"] == "extra_forbidden"
    if extra and len(loc) == 1:
        return (0, 0, 0, "")
    field = _ORDER.index(loc[0]) if loc and loc[0] in _ORDER else len(_ORDER)
    return (1, field, 0 if extra else 1, str(loc[-1]) if extra else "")


def _problem(error: Any) -> tuple[str | None, str, str | None]:
    loc, kind = tuple(str(part) for part in error["loc"]), error["type"]
    key = loc[0] if loc else None
    if kind == "extra_forbidden" and len(loc) == 1:
        return key, f"unknown field '{key}'{closest(loc[0], FIELDS)}", None
    if key == "call_to_action" and kind != "entry_url":
        if kind == "extra_forbidden":
            nested = loc[-1]
            problem = f"call_to_action: unknown field '{nested}'{closest(nested, _ACTION_FIELDS)}"
            return key, problem, nested
        return key, "'call_to_action' needs at least 'text' (and optionally 'url', 'contact')", None
    if kind == "missing":
        return None, f"missing required field '{key}'", None
    if kind in _MESSAGES:
        return key, _MESSAGES[kind].format(key=key), None
    return key, str(error["msg"]), None
