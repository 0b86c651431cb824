"""The publication's language: fixed strings from digest/locale/, the publication's own [strings]
first, and the Babel locale its dates are written in. Issue titles are made here, at render time."""

from __future__ import annotations

import gettext
import re
from dataclasses import replace
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from digest.config import Config
from digest.errors import ConfigError
from digest.language import DOMAIN, SOURCE_LANGUAGE, catalogue_path, messages
from digest.model import Issue

_LONE_PERCENT = re.compile(r"%(?!\(\w+\)s)")


class _OwnWords(gettext.NullTranslations):
    """[strings] from digest.toml before the catalogue: the publication's own text for a msgid."""

    def __init__(self, strings: dict[str, str], catalogue: gettext.NullTranslations) -> None:
        super().__init__()
        self._strings = strings
        self.add_fallback(catalogue)

    def gettext(self, message: str) -> str:
        if message in self._strings:
            return self._strings[message]
        return super().gettext(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        wanted, other = (msgid1, msgid2) if n == 1 else (msgid2, msgid1)
        own = self._strings.get(wanted, self._strings.get(other))
        return own if own is not None else super().ngettext(msgid1, msgid2, n)


def translations_for(config: Config) -> gettext.NullTranslations:
    """The translations of the publication's language, with its [strings] overrides; cached
    per catalogue version, so `digest serve` sees an edited .po."""
    path = catalogue_path(config.publication.language)
    version = path.stat().st_mtime_ns if path else 0
    return _translations(path, version, tuple(sorted(config.strings.items())))


@cache
def _translations(
    path: Path | None, version: int, strings: tuple[tuple[str, str], ...]
) -> gettext.NullTranslations:
    catalogue = _compiled(path, version) if path else gettext.NullTranslations()
    if not strings:
        return catalogue
    known = messages()
    own = {
        # Jinja's _() %-formats template strings: a literal "%" in the publication's text is kept
        msgid: _LONE_PERCENT.sub("%%", text) if known[msgid].in_template else text
        for msgid, text in strings
    }
    return _OwnWords(own, catalogue)


@cache
def _compiled(path: Path, version: int) -> Translations:
    """The .po compiled in memory (no .mo to build or commit); cached per file version."""
    with path.open("rb") as file:
        catalog = read_po(file, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@cache
def date_locale(language: str) -> Locale:
    """The CLDR locale dates are written in; plain "en" is British English (day before month)."""
    if language == SOURCE_LANGUAGE:
        return Locale("en", "GB")
    try:
        return Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError):
        try:
            return Locale.parse(language.split("-")[0])
        except (UnknownLocaleError, ValueError):
            raise ConfigError(f"publication.language: no date formats for {language!r}") from None


def issue_title(issue: Issue, config: Config) -> str:
    """'Week 40, 2025' / 'Uke 40, 2025'; '10 highlights from 2022', or highlights.title if set."""
    strings = translations_for(config)
    if issue.kind == "weekly":
        year, week, _ = issue.period.start.isocalendar()
        return strings.gettext("Week {week}, {year}").format(week=week, year=year)
    count = len(issue.entries) + len(issue.dropped)  # as chosen, before any were made headlines
    if "title" in config.highlights.model_fields_set:
        pattern = config.highlights.title  # the publication's own words
    else:
        pattern = strings.ngettext(
            "{count} highlight from {year}", "{count} highlights from {year}", count
        )
    try:
        return pattern.format(count=count, year=issue.key)
    except (KeyError, IndexError, ValueError) as error:
        raise ConfigError(
            f"highlights.title: {pattern!r}: only {{count}} and {{year}} can be used ({error})"
        ) from None


def localized(issue: Issue, config: Config) -> Issue:
    """The issue with its title and its fixed section titles in the publication's language."""
    strings = translations_for(config)
    fixed = {
        "events": strings.gettext("Upcoming events"),
        "highlights": strings.gettext("Highlights"),
    }
    sections = tuple(
        replace(section, title=fixed[section.kind]) if section.kind in fixed else section
        for section in issue.sections
    )
    return replace(issue, title=issue_title(issue, config), sections=sections)


_TITLE = re.compile(r"<title>([^<]*)</title>")


def wrapper_in_language(html: str, config: Config) -> str:
    """MJML's HTML with the wrapper's ARIA role description in the publication's language (MJML
    writes "email"), `xml:lang` beside each `lang` (some clients read only that), and the body's
    id that Gmail's `u + #body` selector of the link reset needs."""
    language = config.publication.language
    if 'role="article"' not in html:  # MRML before mjml-python 1.4.2 writes no ARIA wrapper
        title = _TITLE.search(html)
        label = f'aria-label="{title.group(1)}" ' if title and '"' not in title.group(1) else ""
        wrapper = f'{label}aria-roledescription="email" role="article" lang="{language}"'
        body = html.find("<body")
        at = html.find(f' lang="{language}"', body) if body >= 0 else -1
        if at >= 0:
            html = html[:at] + " " + wrapper + html[at + len(f' lang="{language}"') :]
    # Translators: what a screen reader calls the message (aria-roledescription), in lower case
    role = translations_for(config).gettext("email").replace('"', "&quot;")
    html = html.replace('aria-roledescription="email"', f'aria-roledescription="{role}"', 1)
    html = html.replace(f' lang="{language}" ', f' lang="{language}" xml:lang="{language}" ', 2)
    return html.replace("<body ", '<body id="body" ', 1)
