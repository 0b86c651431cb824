"""The publication's language: every fixed string from the catalogues, dates by CLDR, [strings]."""

from __future__ import annotations

import email
import email.policy
import importlib.util
import json
import re
import shutil
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from babel import Locale, dates
from babel.messages.pofile import read_po

from digest.cli import main
from digest.language import LOCALE_DIR, TEMPLATE_FILE, messages
from digest.model import Event
from digest.render.environment import make_environment
from digest.render.translation import date_locale
from digest.select import week_period
from tests.conftest import REPO, Publication

OSLO = ZoneInfo("Europe/Oslo")
ISSUES = ("weekly/2025-W40", "yearly/2022")
OUTPUTS = [
    f"{issue}/{name}" for issue in ISSUES for name in ("email.html", "email.txt", "index.html")
]
OUTPUTS += ["feed.xml", "index.html"]


def build_sample(root: Path, language: str, strings: str = "") -> Path:
    """The repo's sample publication in `language`: the week 2025-W40 and the 2022 highlights."""
    root.mkdir()
    config = (REPO / "digest.toml").read_text(encoding="utf-8")
    config = config.replace('language = "en"', f'language = "{language}"')
    (root / "digest.toml").write_text(config + strings, encoding="utf-8")
    shutil.copytree(REPO / "feeds", root / "feeds")
    for target in (["--week", "2025-W40"], ["--year", "2022"]):
        assert main(["build", "--config", str(root), "--quiet", *target]) == 0
    return root / "out"


def read(out: Path, name: str) -> str:
    return (out / name).read_text(encoding="utf-8")


def as_read(text: str) -> str:
    """Text as a reader sees it: any space (CLDR puts thin and no-break ones in some versions) is
    a space, and a dash between two days or times is a dash, whatever spaces stand round it."""
    return re.sub(r"[^\S\n]*–[^\S\n]*", "–", re.sub(r"[^\S\n]+", " ", text))


def cldr_range(first: date, last: date, locale: Locale, short: bool = False) -> str:
    """Babel's own interval of two days for `locale`; digest spells months out in the long form."""
    text = dates.format_interval(first, last, "MMMd" if short else "yMMMd", locale=locale)
    if not short:
        months = locale.months["format"]
        for month in {first.month, last.month}:
            text = text.replace(months["abbreviated"][month], months["wide"][month])
    return text


def marker_strings() -> str:
    """A [strings] table that replaces every fixed string by a marker, keeping its placeholders."""
    lines = ["\n[strings]"]
    for index, (msgid, message) in enumerate(sorted(messages().items())):
        spell = "%({})s" if message.in_template else "{{{}}}"
        names = " ".join(spell.format(name) for name in sorted(message.placeholders))
        lines.append(f"{json.dumps(msgid)} = {json.dumps(f'Zq{index}q {names}'.strip())}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def norwegian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample(tmp_path_factory.mktemp("nb") / "sample", "nb")


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample(tmp_path_factory.mktemp("en") / "sample", "en")


def load_update_script():
    spec = importlib.util.spec_from_file_location(
        "update_messages", REPO / "scripts/update_messages.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pot_holds_exactly_the_strings_of_the_templates_and_code() -> None:
    script = load_update_script()
    with TEMPLATE_FILE.open("rb") as file:
        stored = read_po(file)
    assert script.strings(stored) == script.strings(script.extract(REPO)), (
        "digest/locale/digest.pot is out of date: run .venv/bin/python scripts/update_messages.py"
    )


@pytest.mark.parametrize(
    "po", sorted(LOCALE_DIR.glob("*/LC_MESSAGES/digest.po")), ids=lambda path: path.parts[-3]
)
def test_every_language_translates_every_string(po: Path) -> None:
    with TEMPLATE_FILE.open("rb") as file:
        template = {message.id for message in read_po(file) if message.id}
    with po.open("rb") as file:
        catalog = read_po(file)
    translated = {message.id: message for message in catalog if message.id}
    assert set(translated) == template, "run .venv/bin/python scripts/update_messages.py"
    for msgid, message in translated.items():
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(forms), f"{po.parts[-3]}: {msgid!r} has no translation"
        assert not message.fuzzy, f"{po.parts[-3]}: {msgid!r} is marked fuzzy"
        for form in forms:
            assert not re.search(r"[<>]", form), f"{msgid!r}: translations are plain text"
            wanted = set(re.findall(r"\{\w+\}|%\(\w+\)s", str(msgid)))
            assert set(re.findall(r"\{\w+\}|%\(\w+\)s", form)) <= wanted, f"{msgid!r}: placeholders"
    assert not [error for _, errors in catalog.check() for error in errors]


def test_templates_have_no_words_outside_gettext() -> None:
    """Text between tags, and alt/title/aria-label values, is all Jinja: _() or data."""
    lexer = make_environment_for_lexing()
    for path in sorted((REPO / "templates").glob("*.j2")):
        tokens = lexer.lex(path.read_text(encoding="utf-8"))
        text = "".join(value if kind == "data" else "\0" for _, kind, value in tokens)
        text = re.sub(r"<(mj-style|style)\b.*?</\1>|<!--.*?-->", " ", text, flags=re.DOTALL)
        labels = re.findall(r'\b(?:alt|title|aria-label|placeholder)="([^"]*)"', text)
        text = re.sub(r"<[^>]*>|&\w+;|mailto:", " ", text)
        words = re.findall(r"[A-Za-z]{2,}", text + " ".join(labels))
        assert not words, f"templates/{path.name}: {words} outside _(): add them to the catalogue"


def make_environment_for_lexing():
    import jinja2

    return jinja2.Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)


def test_norwegian_build_leaves_no_english_fixed_string(norwegian: Path, tmp_path: Path) -> None:
    # The sample's own content is English and may say "Read more" itself: a build with every fixed
    # string replaced by a marker counts how often the content alone says each one.
    content_only = build_sample(tmp_path / "markers", "en", marker_strings())
    with (LOCALE_DIR / "nb/LC_MESSAGES/digest.po").open("rb") as file:
        translated = {m.id: m.string for m in read_po(file) if m.id and m.string != m.id}
    checked = 0
    for name in OUTPUTS:
        ours, content = (" ".join(read(out, name).split()) for out in (norwegian, content_only))
        for msgid in translated:
            for english in msgid if isinstance(msgid, tuple) else (msgid,):
                for fragment in re.split(r"\{\w+\}|%\(\w+\)s", english):
                    fragment = fragment.strip(" ,.:")
                    if len(re.findall(r"[A-Za-z]", fragment)) >= 3:
                        checked += 1
                        assert ours.count(fragment) == content.count(fragment), (
                            f"{name}: {fragment!r}"
                        )
    assert checked > 50


def test_norwegian_issue_of_norwegian_entries_has_no_english_fixed_string(
    publication: Publication,
) -> None:
    """Every template branch (caps, events, highlights, unsubscribe), with content in Norwegian:
    no English fixed string, and no string from code that skipped the catalogue, may show."""
    publication.config_text = publication.config_text.replace('language = "en"', 'language = "nb"')
    for day in (1, 2):
        publication.entry(
            f"nyhet-{day}.md",
            f"---\ntitle: Nyhet {day}\ndate: 2025-10-0{day}\nlink: https://icr.test/{day}\n---\nTekst.\n",
        )
    publication.entry(
        "seminar.md",
        "---\ntitle: Seminar\ndate: 2025-10-01\nstart: 2025-10-08T10:00\nend: 2025-10-08T12:00\n"
        "location: Oslo\nlink: https://icr.test/s\n---\nOm seminaret.\n",
    )
    publication.entry(
        "pris.md",
        "---\ntitle: Pris\ndate: 2025-03-01\nhighlight: true\nlink: https://icr.test/p\n"
        "call_to_action:\n  text: Ta kontakt\n  contact: kari@icr.test\n---\nTekst.\n",
    )
    publication.configure(
        """
        [email]
        unsubscribe_url = "https://digest.test/avmelding"
        [weekly]
        section_cap = 1
        """
    )
    for target in (["--week", "2025-W40"], ["--year", "2025"]):
        assert main(["build", "--config", str(publication.root), "--quiet", *target]) == 0
    out = publication.root / "out"
    names = [f"{issue}/{name}" for issue in ("weekly/2025-W40", "yearly/2025") for name in
             ("email.html", "email.txt", "index.html")] + ["feed.xml", "index.html"]  # fmt: skip
    english = [
        fragment.strip(" ,.:")
        for message in messages().values()
        for text in (message.id, message.plural or "")
        for fragment in re.split(r"\{\w+\}|%\(\w+\)s", text)
        if len(re.findall(r"[A-Za-z]", fragment)) >= 3 and message.id != "{title}: {issue}"
    ]
    for name in names:
        text = " ".join(read(out, name).split())
        left = sorted({fragment for fragment in english if fragment in text})
        assert not left, f"{name}: {left}"
    assert "Også i denne utgaven" in read(out, "weekly/2025-W40/email.html")  # every branch ran
    assert "Kommende arrangementer" in read(out, "weekly/2025-W40/email.html")
    assert "Kontakt: kari@icr.test" in read(out, "yearly/2025/email.txt")


def test_norwegian_dates_week_labels_and_language_tags(norwegian: Path) -> None:
    text = as_read(read(norwegian, "weekly/2025-W40/email.txt"))
    assert "Uke 40, 2025\n============\n29. september–5. oktober 2025\n" in text
    assert "Når: 22. oktober 2025, 08:00–17:00" in text
    assert "Kommende arrangementer" in text and "Vis i nettleseren: https://" in text
    for name in ("weekly/2025-W40/email.html", "weekly/2025-W40/index.html", "index.html"):
        assert re.search(r'<html lang="nb"', read(norwegian, name)), name
    assert "22. oktober 2025" in read(norwegian, "weekly/2025-W40/index.html")
    assert "1. januar–31. desember 2022" in as_read(read(norwegian, "yearly/2022/email.txt"))
    assert "<language>nb</language>" in read(norwegian, "feed.xml")
    assert "Årets høydepunkter" in read(norwegian, "index.html")


def test_non_ascii_title_stays_intact_in_subject_text_and_feed(norwegian: Path) -> None:
    raw = (norwegian / "yearly/2022/message.eml").read_bytes()
    assert re.search(rb"^Subject: .*=\?utf-8\?", raw, re.MULTILINE)  # RFC 2047, not raw 8-bit
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "ICR News Digest: 10 høydepunkter fra 2022"
    assert "10 høydepunkter fra 2022\n" in read(norwegian, "yearly/2022/email.txt")
    body = message.get_body(("plain",))
    assert body is not None and "10 høydepunkter fra 2022" in body.get_content()
    titles = [entry.title for entry in feedparser.parse(read(norwegian, "feed.xml")).entries]
    assert titles == ["Uke 40, 2025", "10 høydepunkter fra 2022"]


def test_english_build_keeps_its_words_with_british_dates(english: Path) -> None:
    written = read(english, "weekly/2025-W40/email.txt")
    period = cldr_range(date(2025, 9, 29), date(2025, 10, 5), date_locale("en"))
    assert f"Week 40, 2025\n=============\n{period}\n" in written  # CLDR's, spaces and all
    text = as_read(written)
    assert "Week 40, 2025\n=============\n29 September–5 October 2025\n" in text
    assert "When: 22 October 2025, 08:00–17:00" in text and "Upcoming events" in text
    assert "View in your browser: https://" in text and "Unsubscribe: https://" in text
    assert "10 highlights from 2022" in read(english, "yearly/2022/email.txt")
    assert '<html lang="en"' in read(english, "weekly/2025-W40/email.html")
    message = email.message_from_bytes(
        (english / "weekly/2025-W40/message.eml").read_bytes(), policy=email.policy.default
    )
    assert message["Subject"] == "ICR News Digest: Week 40, 2025"


def test_switching_language_renders_every_issue_again(norwegian: Path) -> None:
    root = norwegian.parent
    config = root / "digest.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('"nb"', '"en"'), encoding="utf-8")
    try:
        assert main(["build", "--config", str(root), "--quiet", "--week", "2025-W40"]) == 0
        assert "Week 40, 2025" in read(norwegian, "weekly/2025-W40/email.txt")
        assert "Week 40, 2025" in read(norwegian, "index.html")
    finally:
        config.write_text(
            config.read_text(encoding="utf-8").replace('"en"', '"nb"'), encoding="utf-8"
        )
        assert main(["build", "--config", str(root), "--quiet", "--week", "2025-W40"]) == 0


def test_writing_the_default_title_into_the_config_makes_it_the_publications_own(tmp_path: Path) -> None:
    """A default title is translated; the same words written in digest.toml are kept as written,
    so writing them in re-renders the issue even though the value is unchanged."""
    out = build_sample(tmp_path / "sample", "nb")
    assert "10 høydepunkter fra 2022" in read(out, "yearly/2022/email.txt")
    config = tmp_path / "sample" / "digest.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[highlights]\n", '[highlights]\ntitle = "{count} highlights from {year}"\n'),
        encoding="utf-8",
    )
    assert main(["build", "--config", str(config), "--quiet", "--year", "2022"]) == 0
    assert "10 highlights from 2022" in read(out, "yearly/2022/email.txt")


def test_strings_table_puts_the_publications_own_words_in(publication: Publication) -> None:
    publication.entry(
        "a.md", "---\ntitle: A story\ndate: 2025-10-01\nlink: https://icr.test/a\n---\nBody.\n"
    )
    publication.configure(
        """
        [email]
        unsubscribe_url = "https://digest.test/unsubscribe"

        [strings]
        "View in your browser" = "Read this on the web"
        "Week {week}, {year}" = "Issue {week} of {year}"
        "Unsubscribe" = "Stop (100% sure)"
        """
    )
    assert main(["build", "--config", str(publication.root), "--quiet", "--week", "2025-W40"]) == 0
    out = publication.root / "out"
    text = read(out, "weekly/2025-W40/email.txt")
    assert "Read this on the web: https://" in text and "Issue 40 of 2025" in text
    assert "Stop (100% sure): https://digest.test/unsubscribe" in text
    html = read(out, "weekly/2025-W40/email.html")
    assert "Read this on the web" in html and "View in your browser" not in html
    assert "Stop (100% sure)" in html
    message = email.message_from_bytes(
        (out / "weekly/2025-W40/message.eml").read_bytes(), policy=email.policy.default
    )
    assert message["Subject"] == "Test Digest: Issue 40 of 2025"


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        (
            '"View in your browsr" = "Read online"',
            """strings."View in your browsr": not one of digest's fixed strings; did you mean 'View in your browser'?""",
        ),
        (
            '"Week {week}, {year}" = "Week {wk}"',
            """strings."Week {week}, {year}": 'Week {wk}': unknown placeholder wk; this string has: {week}, {year}""",
        ),
        (
            '"Add to calendar" = "<b>Add</b>"',
            """strings."Add to calendar": '<b>Add</b>': plain text only, no markup""",
        ),
    ],
)
def test_bad_strings_are_config_errors_naming_the_key(
    publication: Publication, capsys: pytest.CaptureFixture[str], table: str, problem: str
) -> None:
    publication.configure(f"\n[strings]\n{table}\n")
    assert main(["build", "--config", str(publication.root), "--quiet"]) == 3
    assert f"digest.toml: {problem}" in capsys.readouterr().err


def test_language_without_a_catalogue_is_a_config_error(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    publication.config_text = publication.config_text.replace('language = "en"', 'language = "de"')
    publication.configure()
    assert main(["build", "--config", str(publication.root), "--quiet"]) == 3
    error = capsys.readouterr().err
    assert "digest.toml: publication.language: no translation for 'de'; digest has en, nb" in error


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nb", ["22. november 2026", "22. nov.", "6.–12. oktober 2025", "29. september–5. oktober 2025",
                "29. desember 2025–4. januar 2026", "6.–12. okt.", "Uke 47", "09:05"]),
        ("en", ["22 November 2026", "22 Nov", "6–12 October 2025", "29 September–5 October 2025",
                "29 December 2025–4 January 2026", "6–12 Oct", "Week 47", "09:05"]),
    ],
)  # fmt: skip
def test_date_filters_write_the_languages_dates(
    publication: Publication, language: str, expected: list[str]
) -> None:
    publication.config_text = publication.config_text.replace(
        'language = "en"', f'language = "{language}"'
    )
    filters = make_environment(publication.load()).filters
    weeks = (
        week_period("2025-W41", OSLO),
        week_period("2025-W40", OSLO),
        week_period("2026-W01", OSLO),
    )
    written = [
        filters["format_date"](datetime(2026, 11, 22, 23, 30, tzinfo=OSLO)),
        filters["format_date_short"](datetime(2026, 11, 22, 12, tzinfo=OSLO)),
        *(filters["period_label"](week) for week in weeks),
        filters["period_label"](weeks[0], short=True),
        filters["week_label"](week_period("2026-W47", OSLO)),
        filters["format_time"](datetime(2026, 11, 22, 9, 5, tzinfo=OSLO)),
    ]
    assert [as_read(text) for text in written] == expected
    # and exactly what the installed Babel's CLDR writes for the language, spaces included
    locale = date_locale(language)
    day = date(2026, 11, 22)
    assert written == [
        dates.format_date(day, "long", locale=locale),
        dates.format_skeleton("MMMd", day, locale=locale),
        *(cldr_range(week.first_day, week.last_day, locale) for week in weeks),
        cldr_range(weeks[0].first_day, weeks[0].last_day, locale, short=True),
        written[6],  # the week label is digest's own string
        dates.format_time(time(9, 5), "short", locale=locale),
    ]


def test_event_times_in_norwegian(publication: Publication) -> None:
    publication.config_text = publication.config_text.replace('language = "en"', 'language = "nb"')
    event_when = make_environment(publication.load()).filters["event_when"]

    def when(event: Event) -> str:
        return as_read(event_when(event))

    start = datetime(2026, 11, 22, 9, 0, tzinfo=OSLO)
    assert when(Event(start)) == "22. november 2026, 09:00"
    assert when(Event(start, start.replace(hour=17))) == "22. november 2026, 09:00–17:00"
    assert when(Event(start, start.replace(day=23, hour=12))) == (
        "22. november 2026, 09:00–23. november 2026, 12:00"
    )
    all_day = Event(start.replace(hour=0), start.replace(day=24, hour=0), all_day=True)
    assert when(all_day) == "22.–23. november 2026"
