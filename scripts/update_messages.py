"""Refresh digest/locale/: extract every fixed string of templates/ and digest/ into digest.pot,
and add new strings (untranslated) to each language's digest.po, dropping removed ones.

    .venv/bin/python scripts/update_messages.py

Then translate the new, empty msgstr entries; tests/test_i18n.py fails until every one is.
Nothing needs compiling: digest reads the .po files as they are.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "digest" / "locale"
TEMPLATE_FILE = LOCALE_DIR / "digest.pot"
# Jinja reads templates with these settings (digest/render/environment.py); so must the extractor.
JINJA_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true", "newstyle_gettext": "true"}


def extract(root: Path = ROOT) -> Catalog:
    """Every string the code and templates pass to _(), gettext() or ngettext(), with its files."""
    catalog = Catalog(
        project="digest", domain="digest", charset="utf-8", fuzzy=False, copyright_holder="digest"
    )
    sources = [
        ("python", sorted((root / "digest").rglob("*.py")), {}),
        ("jinja2.ext:babel_extract", sorted((root / "templates").glob("*.j2")), JINJA_OPTIONS),
    ]
    for method, files, options in sources:
        for file in files:
            found = extract_from_file(
                method, file, DEFAULT_KEYWORDS, ("Translators:",), options, strip_comment_tags=True
            )
            for _line, message, comments, context in found:
                catalog.add(
                    message,
                    locations=[(file.relative_to(root).as_posix(), None)],
                    auto_comments=comments,
                    context=context,
                )
    return catalog


def strings(catalog: Catalog) -> dict[object, set[str]]:
    """What a catalogue holds, without its dates: each msgid with the files that use it."""
    return {
        message.id: {path for path, _ in message.locations} for message in catalog if message.id
    }


def main() -> int:
    template = extract()
    with TEMPLATE_FILE.open("rb") as file:
        unchanged = strings(read_po(file)) == strings(template)
    if not unchanged:  # an unchanged .pot keeps its creation date: no churn in git
        with TEMPLATE_FILE.open("wb") as file:
            write_po(file, template, width=100, sort_output=True, include_lineno=False)
    for path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/digest.po")):
        with path.open("rb") as file:
            catalog = read_po(file, domain="digest")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()  # removed strings go; the git history keeps their translations
        with path.open("wb") as file:
            write_po(file, catalog, width=100, sort_output=True, include_lineno=False)
        missing = [message.id for message in catalog if message.id and not message.string]
        print(f"{path.relative_to(ROOT)}: {len(missing)} to translate", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
