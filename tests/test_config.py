"""digest.toml is validated as a whole: every problem is one line naming the file and the key."""

from __future__ import annotations

import pytest

from digest.config import load
from digest.errors import ConfigError
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
