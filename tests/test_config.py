"""digest.toml is validated as a whole: every problem is one line naming the file and the key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from digest.cli import main
from digest.config import load
from digest.errors import ConfigError
from digest.model import Issue, Period
from digest.render.context import subject as subject_of
from digest.render.translation import issue_title
from tests.conftest import Publication


def problems_of(publication: Publication, extra: str = "", text: str | None = None) -> list[str]:
    if text is not None:
        publication.config_text = text
    with pytest.raises(ConfigError) as caught:
        publication.load(extra)
    return list(caught.value.problems)


def test_minimal_config_gets_sensible_defaults(publication: Publication) -> None:
    config = publication.load()
    assert config.publication.url == "https://digest.test/"
    assert config.publication.zone.key == "Europe/Oslo"
    assert config.default_section == "News"
    assert config.sender_address == "digest@digest.test"
    assert config.highlights.count == 10
    assert config.resolve("archive.sqlite") == publication.root.resolve() / "archive.sqlite"


def test_site_url_gets_a_trailing_slash(publication: Publication) -> None:
    publication.config_text = publication.config_text.replace('"https://digest.test/"', '"https://digest.test/news"')
    assert publication.load().publication.url == "https://digest.test/news/"


def test_every_problem_is_reported_at_once_with_file_and_key(publication: Publication) -> None:
    text = """\
[publication]
title = "T"
url = "ftp://digest.test"
timezone = "Europe/Olso"
brand_colour = "#ffffff"

[[sources]]
name = "Partner"
url = "javascript:alert(1)"
"""
    problems = problems_of(publication, text=text)
    file = str(publication.root / "digest.toml")
    assert all(problem.startswith(file + ": ") for problem in problems)
    joined = "\n".join(problems)
    assert "publication.url: expected an http(s) URL, got 'ftp://digest.test'" in joined
    assert "publication.timezone: expected an IANA time zone" in joined
    assert "publication.brand_colour: unknown key" in joined
    assert "sources[0] (Partner).url: expected an http(s) URL" in joined
    assert len(problems) == 4


def test_missing_required_field(publication: Publication) -> None:
    problems = problems_of(publication, text='[publication]\ntitle = "T"\ntimezone = "UTC"\n')
    assert problems == [f"{publication.root / 'digest.toml'}: publication.url: missing (required)"]


def test_source_needs_exactly_one_of_url_and_path(publication: Publication) -> None:
    problems = problems_of(publication, '[[sources]]\nname = "Both"\nurl = "https://a.test/feed"\npath = "feed.xml"\n')
    assert "sources[0] (Both): give exactly one of 'url'" in problems[0]


def test_sections_must_be_configured(publication: Publication) -> None:
    problems = problems_of(
        publication,
        """
        [[sources]]
        name = "Partner"
        url = "https://partner.test/feed/"
        section = "Sport"
        categories = { "Prize" = "Prizes" }
        """,
    )
    assert any("sources[0] (Partner).section: 'Sport' is not one of the sections (News, Publications, Awards)" in p for p in problems)
    assert any("sources[0] (Partner).categories.Prize: 'Prizes' is not one of the sections" in p for p in problems)


def test_local_feed_file_must_exist(publication: Publication) -> None:
    problems = problems_of(publication, '[[sources]]\nname = "Saved"\npath = "feeds/saved/missing.xml"\n')
    assert problems[0].endswith("sources[0] (Saved).path: no such file 'feeds/saved/missing.xml'")


def test_toml_syntax_error_names_the_line(publication: Publication) -> None:
    problems = problems_of(publication, text='[publication]\ntitle = "unclosed\n')
    assert "not valid TOML" in problems[0] and "line 2" in problems[0]


def test_header_values_cannot_carry_line_breaks(publication: Publication) -> None:
    problems = problems_of(publication, '[email]\nfrom_name = "News\\r\\nBcc: victim@example.org"\n')
    assert "email.from_name: must be a single line" in problems[0]


def test_missing_config_file_is_one_clear_line(tmp_path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    assert caught.value.problems[0].endswith("digest.toml: not found (run digest in a publication folder, or pass --config)")


def test_brand_colour_must_be_readable_on_white(publication: Publication) -> None:
    problems = problems_of(publication, text=publication.config_text + 'brand_color = "#f5a623"\n')
    assert "publication.brand_color: #f5a623 on white has a contrast of 2.0:1; links and headings need at least 4.5:1" in problems[0]


def test_brand_colour_is_lightened_for_dark_mode_just_enough() -> None:
    from digest.colour import contrast, readable_on

    for brand in ("#1f5a96", "#0b3d2e", "#7a1f5c", "#000000"):
        light = readable_on(brand, "#1c2027")
        assert contrast(light, "#1c2027") >= 4.5
    assert readable_on("#8ab4f8", "#1c2027") == "#8ab4f8"  # already readable: unchanged


def test_misspelt_key_gets_the_closest_known_one(publication: Publication) -> None:
    problems = problems_of(publication, '[highlights]\ncuont = 5\n\n[[sources]]\nname = "Partner"\nurl = "https://partner.test/feed/"\nsectoin = "News"\n')
    file = publication.root / "digest.toml"
    assert problems == [
        f"{file}: highlights.cuont: unknown key; did you mean 'count'?",
        f"{file}: sources[0] (Partner).sectoin: unknown key; did you mean 'section'?",
    ]


def test_unknown_key_with_nothing_close_lists_the_known_ones(publication: Publication) -> None:
    problems = problems_of(publication, "[archive]\nkeep_forever = true\n")
    assert problems == [f"{publication.root / 'digest.toml'}: archive.keep_forever: unknown key (known: path)"]


def test_field_errors_and_cross_checks_are_reported_in_one_run(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    publication.config_text = publication.config_text.replace('"https://digest.test/"', '"ftp://digest.test/"')
    publication.configure('[entries]\nsection = "Sport"\n')
    assert main(["build", "--config", str(publication.root), "--offline", "--quiet"]) == 3
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"error: {publication.root / 'digest.toml'}: publication.url: expected an http(s) URL, got 'ftp://digest.test/'",
        f"error: {publication.root / 'digest.toml'}: entries.section: 'Sport' is not one of the sections (News, Publications, Awards)",
    ]


def test_a_wrong_value_elsewhere_does_not_hide_a_sources_cross_checks(publication: Publication) -> None:
    problems = problems_of(publication, '[[sources]]\nname = "Partner"\nurl = "javascript:alert(1)"\nsection = "Sport"\n')
    assert [problem.split(": ", 1)[1] for problem in problems] == [
        "sources[0] (Partner).url: expected an http(s) URL, got 'javascript:alert(1)'",
        "sources[0] (Partner).section: 'Sport' is not one of the sections (News, Publications, Awards)",
    ]


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ('[highlights]\ntitle = "{best} of {year}"', "highlights.title: unknown placeholder {best}; use {count}, {year}"),
        ('[highlights]\ntitle = "{count} from {year"', "highlights.title: a '{' is not closed; write {{ and }} for a literal brace"),
        ('[highlights]\ntitle = "{year.__class__}"', "highlights.title: {year.__class__}: no attribute or index access; write {year}"),
        ('[highlights]\ntitle = "{} highlights"', "highlights.title: {} needs a name; use {count}, {year}"),
        ('[highlights]\ntitle = "{count:>999999999}"', "highlights.title: {count:>999999999}: write the placeholder plain, as {count}"),
        ('[email]\nsubject = "{title} }"', "email.subject: a '}' was never opened"),
        ('[email]\nsubject = "{issue[0]}"', "email.subject: {issue[0]}: no attribute or index access; write {issue}"),
        ('[strings]\n"Week {week}, {year}" = "Week {week!r}"', "{week!r}: write the placeholder plain, as {week}"),
    ],
)
def test_format_string_settings_are_checked_when_the_config_is_read(
    publication: Publication, capsys: pytest.CaptureFixture[str], setting: str, problem: str
) -> None:
    publication.entry("2022/prize.md", "---\ntitle: A prize\ndate: 2022-05-01\nhighlight: true\n---\nText.\n")
    publication.configure(setting + "\n")
    assert main(["build", "--config", str(publication.root), "--offline", "--quiet", "--year", "2022"]) == 3
    err = capsys.readouterr().err
    assert problem in err and "Traceback" not in err
    assert len(err.splitlines()) == 1
    assert not (publication.root / "out").exists()


def _toml_string(text: str) -> str:
    """`text` as a TOML basic string: anything not printable (and quotes, backslashes) escaped."""
    return '"' + "".join(ch if ch.isprintable() and ch not in '"\\' else f"\\U{ord(ch):08x}" for ch in text) + '"'


_FORMAT_TEXT = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(["{", "}", "{{", "}}", ":", "!r", ".", "[0]", "count", "year", "title", "issue", "week", "best", " ", "x"]), max_size=12).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(subject=_FORMAT_TEXT, title=_FORMAT_TEXT, week=_FORMAT_TEXT)
def test_any_format_string_is_either_a_config_error_or_fills_in(publication: Publication, subject: str, title: str, week: str) -> None:
    publication.configure(
        f"[email]\nsubject = {_toml_string(subject)}\n[highlights]\ntitle = {_toml_string(title)}\n"
        f'[strings]\n"Week {{week}}, {{year}}" = {_toml_string(week)}\n'
    )
    try:
        config = load(publication.root)
    except ConfigError:
        event("refused")
        return
    event("filled in")
    zone = config.publication.zone
    a_week = Period("weekly", "2025-W40", datetime(2025, 9, 29, tzinfo=zone), datetime(2025, 10, 6, tzinfo=zone))
    a_year = Period("yearly", "2022", datetime(2022, 1, 1, tzinfo=zone), datetime(2023, 1, 1, tzinfo=zone))
    for period in (a_week, a_year):
        issue = Issue(period, "", (), period.end.astimezone(UTC))
        titled = Issue(period, issue_title(issue, config), (), issue.date)
        assert "\n" not in subject_of(titled, config)  # the Subject header, filled in


@pytest.mark.parametrize("table", ["entries", "archive"])
def test_a_path_with_a_nul_character_is_a_config_error_not_a_crash(
    publication: Publication, capsys: pytest.CaptureFixture[str], table: str
) -> None:
    publication.configure(f'[{table}]\npath = "feeds\\u0000x"\n')
    assert main(["build", "--config", str(publication.root), "--offline", "--quiet"]) == 3
    err = capsys.readouterr().err
    assert f"digest.toml: {table}.path: expected a file or folder path, got 'feeds\\x00x' (a NUL character)" in err
    assert "Traceback" not in err


def test_an_invisible_control_character_in_a_setting_is_a_config_error(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    publication.config_text = publication.config_text.replace('"Test Digest"', '"Test\\u001fDigest"')
    publication.configure('[highlights]\nintro = "A year\\u0008."\n')
    assert main(["build", "--config", str(publication.root), "--offline", "--quiet"]) == 3
    assert capsys.readouterr().err.splitlines() == [
        f"error: {publication.root / 'digest.toml'}: publication.title: contains the invisible character U+001F, which feeds and email cannot carry; remove it",
        f"error: {publication.root / 'digest.toml'}: highlights.intro: contains the invisible character U+0008, which feeds and email cannot carry; remove it",
    ]


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("\\u2028", "must be a single line (no line breaks), but has one (U+2028 LINE SEPARATOR); write it on one line"),
        ("\\u2029", "must be a single line (no line breaks), but has one (U+2029 PARAGRAPH SEPARATOR); write it on one line"),
        ("\\u0085", "must be a single line (no line breaks), but has one (U+0085); write it on one line"),
        ("\\u000b", "must be a single line (no line breaks), but has one (U+000B); write it on one line"),
        ("\\u202e", "contains the invisible character U+202E RIGHT-TO-LEFT OVERRIDE, which reorders the text around it; remove it"),
        ("\\u009b", "contains the invisible character U+009B, a control character; remove it"),
    ],
)
def test_a_line_separator_or_bidi_override_in_a_one_line_setting_is_a_config_error(
    publication: Publication, capsys: pytest.CaptureFixture[str], written: str, problem: str
) -> None:
    """The title heads the plain-text part and the subject: a line separator would break it."""
    publication.config_text = publication.config_text.replace('"Test Digest"', f'"Test{written}Digest"')
    publication.configure(f'[email]\nfrom_name = "Test{written}Digest"\n')
    assert main(["build", "--config", str(publication.root), "--offline", "--quiet"]) == 3
    assert capsys.readouterr().err.splitlines() == [
        f"error: {publication.root / 'digest.toml'}: publication.title: {problem}",
        f"error: {publication.root / 'digest.toml'}: email.from_name: {problem}",
    ]


def test_a_multi_line_setting_keeps_its_line_breaks_but_not_a_bidi_override(publication: Publication) -> None:
    assert publication.load('[highlights]\nintro = """A year.\n\nAnd more."""\n').highlights.intro == "A year.\n\nAnd more."
    [problem] = problems_of(publication, '[highlights]\nintro = "A \\u202eyear"\n')
    assert problem.endswith(
        "digest.toml: highlights.intro: contains the invisible character U+202E RIGHT-TO-LEFT OVERRIDE, which reorders the text around it; remove it"
    )
