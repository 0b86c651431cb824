"""The Jinja environment: publication templates before the package's own, date filters, errors.

A plain name (`email.mjml.j2`) is the publication's file if it has one, else digest's; under the
prefix `digest/` (`{% extends "digest/email.mjml.j2" %}`) it is always digest's own, so that a
publication's template can extend the packaged one and replace only some of its blocks.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime, timedelta, tzinfo
from functools import cache
from gettext import NullTranslations
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from babel import Locale, dates
from jinja2.bccache import Bucket

from digest.colour import readable_on
from digest.config import Config, default_templates_dir
from digest.design import DESIGN
from digest.errors import TemplateError
from digest.model import Event, Period
from digest.paths import TEMPLATES
from digest.render.body import fit_body
from digest.render.calendar import all_day_dates
from digest.render.plain import html_to_text
from digest.render.translation import date_locale, translations_for

# `digest/email.mjml.j2` is always the packaged file, whatever the publication's templates/ has
PACKAGED_PREFIX = "digest"


def make_environment(config: Config) -> jinja2.Environment:
    """Templates from the publication's templates/ first, so it can override single files; digest's
    own also under `digest/`, so an override can extend the file it replaces."""
    packaged = jinja2.FileSystemLoader(default_templates_dir())
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({PACKAGED_PREFIX: packaged}),
            *(jinja2.FileSystemLoader(folder) for folder in config.template_dirs),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        bytecode_cache=compiled_templates(),
        undefined=jinja2.StrictUndefined,
        autoescape=lambda name: not (name or "").endswith(".txt.j2"),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    translations = translations_for(config)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        _filters(config.publication.zone, date_locale(config.publication.language), translations)
    )
    env.tests["absolute_url"] = is_absolute_url
    env.globals["design"] = DESIGN
    env.extend(publication_templates=config.template_dirs[0])  # to name a broken file
    return env


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled once, not in every process: compiling digest's own took a fifth of
    a week's `digest build` and of each preview rebuild. Jinja's cache (a folder of this user's
    own in the temporary folder, each template checked against its source), keyed also by what
    decides the compiled code besides the source; a cache that cannot be read or written only
    means the template is compiled again."""

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        compiled_by = _compiled_by(environment, name)
        return super().get_bucket(environment, name, f"{filename}\x1f{compiled_by}", source)

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file (its pickled checksum, its code): compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with suppress(OSError):  # a full disk, a folder gone: the next run compiles it again
            super().dump_bytecode(bucket)


def compiled_templates() -> jinja2.BytecodeCache | None:
    """The cache of compiled templates; None when no private folder can be made for it."""
    try:
        return _CompiledTemplates(pattern="digest-%s.jinja")
    except (OSError, RuntimeError):  # Jinja refuses a folder another user owns or can write
        return None


@cache
def _jinja_version() -> str:
    return version("jinja2")  # not jinja2.__version__, which Pallets' projects deprecate


def _compiled_by(environment: jinja2.Environment, name: str) -> str:
    """What the code Jinja compiles a template to depends on besides its source."""
    autoescape = environment.autoescape
    return repr(
        (
            _jinja_version(),
            environment.block_start_string,
            environment.block_end_string,
            environment.variable_start_string,
            environment.variable_end_string,
            environment.comment_start_string,
            environment.comment_end_string,
            environment.line_statement_prefix,
            environment.line_comment_prefix,
            environment.trim_blocks,
            environment.lstrip_blocks,
            environment.newline_sequence,
            environment.keep_trailing_newline,
            sorted(environment.extensions),
            getattr(environment, "newstyle_gettext", False),
            environment.optimized,
            environment.is_async,
            autoescape(name) if callable(autoescape) else autoescape,
        )
    )


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
        broken = error.name or name
        shown = broken if broken.startswith(f"{PACKAGED_PREFIX}/") else f"templates/{broken}"
        raise TemplateError(f"{shown}:{error.lineno}: {error.message}") from None
    except (jinja2.TemplateNotFound, jinja2.UndefinedError, jinja2.TemplateError) as error:
        where = _template_frame(error, env) or f"templates/{name}"
        problem = (
            f"template {error.message!r} not found"
            if isinstance(error, jinja2.TemplateNotFound)
            else error.message
        )
        raise TemplateError(f"{where}: {problem}") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
        place = _template_frame(error, env)
        if (
            place is None
        ):  # not raised by a template expression: a bug in digest, keep the traceback
            raise
        raise TemplateError(f"{place}: {type(error).__name__}: {error}") from None


def _template_frame(error: BaseException, env: jinja2.Environment) -> str | None:
    """'templates/NAME:LINE' of the innermost template frame (Jinja rewrites tracebacks to them);
    'digest/NAME:LINE' when it is the packaged file that the publication's own NAME extends."""
    found = None
    own_folder: Path = getattr(env, "publication_templates", Path(TEMPLATES))
    traceback = error.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            path = Path(filename)
            shadowed = (own_folder / path.name).is_file() and not path.is_relative_to(own_folder)
            prefix = PACKAGED_PREFIX if shadowed else TEMPLATES
            found = f"{prefix}/{path.name}:{traceback.tb_lineno}"
        traceback = traceback.tb_next
    return found


def _filters(
    zone: tzinfo, locale: Locale, translations: NullTranslations
) -> dict[str, Callable[..., Any]]:
    """Date filters in the publication's time zone and language, from CLDR via Babel:
    '22 November 2026' / '22. november 2026', '6–12 October 2025' / '6.–12. oktober 2025'."""

    def day_of(value: date | datetime) -> date:
        return value.astimezone(zone).date() if isinstance(value, datetime) else value

    def format_date(value: date | datetime) -> str:
        return dates.format_date(day_of(value), "long", locale=locale)

    def format_date_short(value: date | datetime) -> str:
        return dates.format_skeleton("MMMd", day_of(value), locale=locale)

    def format_time(value: datetime) -> str:
        return dates.format_time(value.astimezone(zone).time(), "short", locale=locale)

    def period_label(period: Period, short: bool = False) -> str:
        return _range(period.first_day, period.last_day, short, locale)

    def week_label(period: Period, pattern: str | None = None) -> str:
        year, week, _ = period.first_day.isocalendar()
        pattern = pattern or translations.gettext("Week {week}")
        return pattern.format(week=week, year=year)

    def at(moment: datetime, clock: str | None = None) -> str:
        """'22 November 2026, 09:00': the locale's own glue of a date and a time."""
        glue = str(locale.datetime_formats["medium"]).replace("'", "")
        return glue.format(clock or format_time(moment), format_date(moment))

    def event_when(event: Event) -> str:
        start = event.start.astimezone(zone)
        end = event.end.astimezone(zone) if event.end else None
        if event.all_day:
            first, after = all_day_dates(event, zone)  # the days the .ics files give it too
            return _range(first, after - timedelta(days=1), False, locale)
        if end is None:
            return at(start)
        if end.date() == start.date():
            skeleton = "hm" if "h" in str(locale.time_formats["short"]) else "Hm"
            hours = dates.format_interval(start.time(), end.time(), skeleton, locale=locale)
            return at(start, hours)
        return str(locale.interval_formats[None]).format(at(start), at(end))

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


_FIELDS = "yMd"  # the greatest field in which two days differ picks the interval pattern


def _range(first: date, last: date, short: bool, locale: Locale) -> str:
    """'29 September – 5 October 2025', '6–12 October 2025'; short: '29 Sept – 3 Oct' (CLDR's)."""
    skeleton = "MMMd" if short else "yMMMd"
    if first == last:
        if short:
            return dates.format_skeleton(skeleton, first, locale=locale)
        return dates.format_date(first, "long", locale=locale)
    formats = locale.interval_formats.get(skeleton, {})
    days = zip((first.year, first.month, first.day), (last.year, last.month, last.day), strict=True)
    differing = [field for field, (a, b) in zip(_FIELDS, days, strict=True) if a != b]
    field = next((name for name in differing if name in formats), None)
    if field is None:  # no interval pattern for this locale: both days with its fallback glue
        return str(locale.interval_formats[None]).format(
            _range(first, first, short, locale), _range(last, last, short, locale)
        )
    patterns = formats[field]
    if not short:  # CLDR has no interval patterns with full month names: widen MMM to MMMM
        patterns = [_FULL_MONTH.sub("MMMM", pattern) for pattern in patterns]
    return "".join(
        dates.parse_pattern(pattern).apply(day, locale)
        for pattern, day in zip(patterns, (first, last), strict=True)
    )


_FULL_MONTH = re.compile(r"(?<![ML])[ML]{3}(?![ML])")


def wrap(text: str, width: int = 72, indent: str = "") -> str:
    """Fill each paragraph of plain text to `width` columns; long words (URLs) are never broken.

    Each paragraph's whitespace is single spaces already, so textwrap is told not to replace
    it (its translate of every character was a tenth of a text part's rendering)."""
    paragraphs = [" ".join(part.split()) for part in text.split("\n\n")]
    return "\n\n".join(
        textwrap.fill(
            paragraph,
            width=width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
            expand_tabs=False,
            replace_whitespace=False,
        )
        for paragraph in paragraphs
        if paragraph
    )
