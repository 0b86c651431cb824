"""The Jinja environment: publication templates before the package's own, date filters, errors."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from digest.colour import readable_on
from digest.config import Config
from digest.errors import TemplateError
from digest.model import Event, Period
from digest.render.body import fit_body
from digest.render.plain import html_to_text


def make_environment(config: Config) -> jinja2.Environment:
    """Templates from the publication's templates/ first, so it can override single files."""
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(folder) for folder in config.template_dirs]
    )
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=lambda name: not (name or "").endswith(".txt.j2"),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(_filters(config.publication.zone))
    env.tests["absolute_url"] = is_absolute_url
    return env


def is_absolute_url(value: object) -> bool:
    """Email clients load only absolute http(s) URLs; anything else is left out."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render one template; any template problem becomes one TemplateError line with its place."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(
            f"templates/{error.name or name}:{error.lineno}: {error.message}"
        ) from None
    except (jinja2.TemplateNotFound, jinja2.UndefinedError, jinja2.TemplateError) as error:
        where = _template_frame(error) or f"templates/{name}"
        problem = (
            f"template {error.message!r} not found"
            if isinstance(error, jinja2.TemplateNotFound)
            else error.message
        )
        raise TemplateError(f"{where}: {problem}") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
        place = _template_frame(error)
        if (
            place is None
        ):  # not raised by a template expression: a bug in digest, keep the traceback
            raise
        raise TemplateError(f"{place}: {type(error).__name__}: {error}") from None


def _template_frame(error: BaseException) -> str | None:
    """'templates/NAME:LINE' of the innermost template frame (Jinja rewrites tracebacks to them)."""
    found = None
    traceback = error.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = f"templates/{Path(filename).name}:{traceback.tb_lineno}"
        traceback = traceback.tb_next
    return found


def _filters(zone: tzinfo) -> dict[str, Callable[..., Any]]:
    """Date filters in the publication's time zone; month names come from the C locale (English)."""

    def local(value: date | datetime) -> date | datetime:
        return value.astimezone(zone) if isinstance(value, datetime) else value

    def format_date(value: date | datetime) -> str:
        day = local(value)
        return f"{day.day} {day:%B} {day.year}"

    def format_date_short(value: date | datetime) -> str:
        day = local(value)
        return f"{day.day} {day:%b}"

    def format_time(value: datetime) -> str:
        return f"{value.astimezone(zone):%H:%M}"

    def period_label(period: Period, short: bool = False) -> str:
        return _range(period.first_day, period.last_day, short)

    def week_label(period: Period, pattern: str) -> str:
        year, week, _ = period.first_day.isocalendar()
        return pattern.format(week=week, year=year)

    def event_when(event: Event) -> str:
        start = event.start.astimezone(zone)
        end = event.end.astimezone(zone) if event.end else None
        if event.all_day:
            last = end.date() if end else start.date()
            # an all-day event ending at midnight ends the day before (exclusive, as in iCalendar)
            if end and end.time() == time(0) and end.date() > start.date():
                last -= timedelta(days=1)
            return _range(start.date(), last, short=False)
        if end is None:
            return f"{format_date(start)}, {start:%H:%M}"
        if end.date() == start.date():
            return f"{format_date(start)}, {start:%H:%M}–{end:%H:%M}"
        return f"{format_date(start)}, {start:%H:%M} – {format_date(end)}, {end:%H:%M}"

    def iso_datetime(value: datetime) -> str:
        return value.astimezone(zone).isoformat()

    return {
        "format_date": format_date,
        "format_date_short": format_date_short,
        "format_time": format_time,
        "period_label": period_label,
        "week_label": week_label,
        "event_when": event_when,
        "iso_datetime": iso_datetime,
        "wrap": wrap,
        "html_to_text": html_to_text,
        "readable_on": readable_on,
        "fit_body": fit_body,
    }


def _range(first: date, last: date, short: bool) -> str:
    """'29 September – 5 October 2025', '6–12 October 2025'; short: '29 Sep – 3 Oct'."""
    month = "%b" if short else "%B"
    year = "" if short else f" {last.year}"
    if first == last:
        return f"{first.day} {first:{month}}{year}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:{month}}{year}"
    if first.year == last.year or short:
        return f"{first.day} {first:{month}} – {last.day} {last:{month}}{year}"
    return f"{first.day} {first:{month}} {first.year} – {last.day} {last:{month}} {last.year}"


def wrap(text: str, width: int = 72, indent: str = "") -> str:
    """Fill each paragraph of plain text to `width` columns; long words (URLs) are never broken."""
    paragraphs = [" ".join(part.split()) for part in text.split("\n\n")]
    return "\n\n".join(
        textwrap.fill(
            paragraph,
            width=width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        for paragraph in paragraphs
        if paragraph
    )
