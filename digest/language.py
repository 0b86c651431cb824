"""Which languages digest speaks, and which fixed strings it has: read from digest/locale/.

Babel is loaded only to read the catalogue of fixed strings (when [strings] are given):
checking a language and fingerprinting a build do without it.
digest/render/translation.py does the translating.
"""

from __future__ import annotations

import importlib.util
import re
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DOMAIN = "digest"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
TEMPLATE_FILE = LOCALE_DIR / f"{DOMAIN}.pot"
SOURCE_LANGUAGE = "en"  # the msgids are English: "en" needs no catalogue
PLACEHOLDER = re.compile(r"\{(\w+)\}|%\((\w+)\)s")


@dataclass(frozen=True)
class Message:
    """One fixed string: its English text, plural form, and where it is formatted."""

    id: str
    plural: str | None
    in_template: bool  # Jinja's _() %-formats it: a literal % must be written %%

    @property
    def placeholders(self) -> set[str]:
        text = self.id + (self.plural or "")
        return {brace or percent for brace, percent in PLACEHOLDER.findall(text)}

    def problem(self, text: str) -> str | None:
        """Why `text` cannot stand in for this string: markup, or placeholders it does not have."""
        allowed = self.placeholders
        spell = "%({})s" if self.in_template else "{{{}}}"
        names = ", ".join(spell.format(name) for name in sorted(allowed)) or "none"
        if re.search(r"[<>]", text):
            return "plain text only, no markup"
        if self.in_template:
            used = set(re.findall(r"%\((\w+)\)s", text))
        else:
            try:
                used = {
                    field for _, field, _, _ in string.Formatter().parse(text) if field is not None
                }
            except ValueError as error:
                return f"{error} (write {{{{ and }}}} for a literal brace)"
        if not used <= allowed:
            return (
                f"unknown placeholder {', '.join(sorted(used - allowed))}; this string has: {names}"
            )
        return None


def catalogue_path(language: str) -> Path | None:
    """digest/locale/<lang>/LC_MESSAGES/digest.po for 'nb' or 'nb-NO' (then 'nb'); None for English."""
    code = language.replace("-", "_")
    for candidate in (code, code.split("_")[0]):
        if candidate.split("_")[0] == SOURCE_LANGUAGE:
            return None
        path = LOCALE_DIR / candidate / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.is_file():
            return path
    return None


def available_languages() -> list[str]:
    """English and every language with a catalogue in digest/locale/."""
    found = {path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return sorted({SOURCE_LANGUAGE, *found})


def language_problem(language: str) -> str | None:
    """Why digest cannot write in `language`, or None when it can."""
    code = language.replace("-", "_")
    if code.split("_")[0] != SOURCE_LANGUAGE and catalogue_path(language) is None:
        return (
            f"no translation for {language!r}; digest has {', '.join(available_languages())} "
            f"(README.md, 'Adding a language')"
        )
    if not _has_locale_data(code) and not _has_locale_data(code.split("_")[0]):
        return f"no date formats for {language!r} (not a locale Babel knows)"
    return None


def _has_locale_data(code: str) -> bool:
    """Babel's CLDR data holds the locale, looked up without importing Babel."""
    spec = importlib.util.find_spec("babel")
    if spec is None or spec.origin is None:
        return False
    return (Path(spec.origin).parent / "locale-data" / f"{code}.dat").is_file()


@cache
def messages() -> dict[str, Message]:
    """Every fixed string of the templates and code, by English text (and plural), from digest.pot."""
    from babel.messages.pofile import read_po  # only when [strings] are checked or used

    with TEMPLATE_FILE.open("rb") as file:
        catalog = read_po(file, domain=DOMAIN)
    found: dict[str, Message] = {}
    for entry in catalog:
        if not entry.id:
            continue  # the header
        ids = [entry.id] if isinstance(entry.id, str) else list(entry.id)
        singular, plural = ids[0], (ids[1] if len(ids) > 1 else None)
        in_template = any(".j2" in filename for filename, _ in entry.locations)
        message = Message(singular, plural, in_template)
        found[singular] = message
        if plural:
            found[plural] = message
    return found
