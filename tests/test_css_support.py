"""CSS support findings from caniemail's data, and the script that refreshes that data."""

from __future__ import annotations

import importlib.util
import io
import json
import random
import re
import tarfile
from importlib.resources import files
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from mjml import mjml2html

from digest.cli import main
from digest.css_support import ALLOWED, CssFinding, data_header, unsupported_css
from tests.conftest import REPO

SNIPPET = """<!doctype html><html><head><style>
@font-face { font-family: Brand; src: url(https://digest.test/brand.woff2) format("woff2"); }
.row { display: flex; }
</style></head><body>
<div class="row" style="position: absolute; top: 0; color: var(--x);">Hello</div>
</body></html>"""


def by_feature(html: str) -> dict[str, CssFinding]:
    return {finding.feature: finding for finding in unsupported_css(html)}


def test_snippet_gets_findings_that_name_the_clients() -> None:
    findings = by_feature(SNIPPET)
    for feature in ("css-display-flex", "css-position", "css-at-font-face", "css-variables"):
        finding = findings[feature]
        assert finding.severity == "warning"
        assert finding.clients
        assert finding.message.startswith("CSS ")
        assert finding.message.endswith("is not supported by " + ", ".join(finding.clients))
    flex = findings["css-display-flex"].message
    assert flex == "CSS display:flex is not supported by Outlook (Windows)"
    assert "Gmail" in findings["css-variables"].clients  # every Gmail app: named once
    assert "Gmail" in findings["css-at-font-face"].clients


def test_pseudo_classes_elements_and_important_in_style_blocks() -> None:
    html = "<style>a:hover { color: red } p:before { content: 'x' } .a { color: red !important }</style>"
    findings = by_feature(html)
    assert "Outlook (Windows)" in findings["css-pseudo-class-hover"].clients
    assert "css-pseudo-element-before" in findings  # the one-colon spelling counts too
    assert "css-important" not in findings  # only partial support: kept quiet


def test_css_inside_a_media_query_is_not_held_against_clients_that_ignore_it() -> None:
    inside = "<style>@media (max-width: 600px) { .a > .b { display: flex } }</style>"
    outside = "<style>.a > .b { display: flex }</style>"
    assert "css-display-flex" not in by_feature(inside)  # only Outlook (Windows) lacks it
    assert "css-display-flex" in by_feature(outside)
    assert "css-selector-child" in by_feature(outside)


def test_hiding_fallbacks_of_a_hidden_element_are_not_flagged() -> None:
    preheader = '<div style="display:none;max-height:0;opacity:0;overflow:hidden">Preview</div>'
    visible = '<div style="opacity:0.5">Faded</div>'
    assert unsupported_css(preheader) == []
    assert "css-opacity" in by_feature(visible)


def test_empty_or_css_free_html_has_no_findings() -> None:
    assert unsupported_css("") == []
    assert unsupported_css("<p>Plain</p>") == []


def test_plain_mjml_output_has_no_findings() -> None:
    html = mjml2html(
        """<mjml><mj-head><mj-preview>Preview</mj-preview></mj-head><mj-body>
        <mj-section><mj-column>
          <mj-image src="https://digest.test/a.png" alt="A" width="200px" />
          <mj-text>Hello <a href="https://digest.test/">world</a></mj-text>
          <mj-button href="https://digest.test/">Read</mj-button>
          <mj-divider /><mj-spacer height="20px" />
        </mj-column></mj-section>
        <mj-section><mj-column><mj-text>Left</mj-text></mj-column>
          <mj-column><mj-text>Right</mj-text></mj-column></mj-section>
        </mj-body></mjml>"""
    )
    assert unsupported_css(html) == []


def test_built_sample_emails_have_no_error_findings(sample: Path) -> None:
    assert main(["build", "--config", str(sample / "digest.toml"), "--quiet", "--all"]) == 0
    emails = sorted((sample / "out").glob("*/*/email.html"))
    assert emails
    for path in emails:
        findings = unsupported_css(path.read_text(encoding="utf-8"))
        assert [f for f in findings if f.severity == "error"] == [], path
        assert not {f.feature for f in findings} & set(ALLOWED), path


def test_data_header_names_package_version_and_licence() -> None:
    header = data_header()
    assert header["package"] == "caniemail"
    assert re.fullmatch(r"\d+\.\d+\.\d+", header["version"])
    assert header["license"] == "MIT"
    assert header["copyright"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", header["data_date"])
    assert header["upstream"]["license"] == "MIT"
    data = files("digest.data").joinpath("caniemail-css.json").read_bytes()
    assert len(data) < 150 * 1024
    features = json.loads(data)["features"]
    assert set(ALLOWED) <= set(features)  # an update that renames a slug must revisit ALLOWED


# The maintainer script, tested on a tiny fake package rather than the network.


@pytest.fixture(scope="module")
def script() -> ModuleType:
    path = REPO / "scripts" / "update_caniemail.py"
    spec = importlib.util.spec_from_file_location("update_caniemail", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FAKE_PACKAGE: dict[str, Any] = {
    "name": "caniemail",
    "version": "9.8.7",
    "license": "MIT",
    "exports": {"./caniemail.json": "./data/caniemail.json"},
}
FAKE_LICENCE = "MIT License\n\nCopyright (c) Someone\n\nPermission is hereby granted...\n"


def fake_data() -> dict[str, Any]:
    return {
        "api_version": "1.0.4",
        "last_update_date": "2026-01-02 03:04:05 +0000",
        "nicenames": {},
        "data": [
            {
                "slug": "css-display-flex",
                "title": "display:flex",
                "category": "css",
                "keywords": "flexbox",
                "last_test_date": "2021-11-02",
                "notes_by_num": {"1": "Not supported with non Google accounts."},
                "stats": {
                    "gmail": {
                        "android": {"2019-02": "y", "2020-11": "a #1"},
                        "mobile-webmail": {"2020-02": "y"},
                    },
                    "outlook": {
                        "windows": {"2007": "y", "2016": "n", "2019": "n"},
                        "windows-mail": {"2019-02": "n"},
                    },
                    "aol": {"desktop-webmail": {"2019-02": "n"}},
                },
            },
            {
                "slug": "css-pseudo-class-hover",
                "title": ":hover",
                "category": "css",
                "keywords": "rollover",
                "last_test_date": "2019-10-23",
                "stats": {"outlook": {"windows": {"2013": "n", "2016": "u", "2019": "y"}}},
            },
            {
                "slug": "css-gap",
                "title": "gap, column-gap, row-gap",
                "category": "css",
                "keywords": "gap",
                "last_test_date": "2022-12-28",
                "stats": {"yahoo": {"ios": {"2022-12": "n #2"}}},
            },
            {
                "slug": "css-nesting",
                "title": "CSS Nesting",
                "category": "css",
                "keywords": None,
                "last_test_date": "2023-08-31",
                "stats": {},
            },
            {"slug": "html-div", "title": "<div>", "category": "html", "stats": {}},
        ],
    }


def test_transform_is_deterministic_and_keeps_only_what_digest_needs(script: ModuleType) -> None:
    first = script.transform(FAKE_PACKAGE, fake_data(), FAKE_LICENCE)
    assert script.transform(FAKE_PACKAGE, fake_data(), FAKE_LICENCE) == first
    shuffled = fake_data()
    random.Random(7).shuffle(shuffled["data"])
    assert script.transform(FAKE_PACKAGE, shuffled, FAKE_LICENCE) == first
    document = json.loads(first)
    header = document["header"]
    assert [header[key] for key in ("package", "version", "license")] == [
        "caniemail",
        "9.8.7",
        "MIT",
    ]
    assert header["copyright"] == ["Copyright (c) Someone"]
    assert header["data_date"] == "2026-01-02"  # from the package, not today's clock
    features = document["features"]
    # No HTML features, and none that cannot be matched (nesting).
    assert set(features) == {"css-display-flex", "css-gap", "css-pseudo-class-hover"}
    flex = features["css-display-flex"]
    assert flex["match"] == {"properties": ["display"], "values": ["flex", "inline-flex"]}
    # The latest test, without its note number; no data is "u"; other platforms dropped.
    assert flex["support"]["gmail"] == {"android": "a", "desktop-webmail": "u", "ios": "u"}
    assert flex["support"]["outlook"]["windows"] == "n"  # 2007 is no longer counted
    assert "aol" not in flex["support"]
    assert features["css-pseudo-class-hover"]["support"]["outlook"]["windows"] == "y"
    assert features["css-gap"]["match"] == {"properties": ["column-gap", "gap", "row-gap"]}
    assert features["css-gap"]["support"]["yahoo"]["ios"] == "n"
    assert first.endswith(b"\n") and b"#1" not in first and b"#2" not in first


def test_script_reads_a_packed_tarball(script: ModuleType, tmp_path: Path) -> None:
    tgz = tmp_path / "caniemail-9.8.7.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for name, text in (
            ("package/package.json", json.dumps(FAKE_PACKAGE)),
            ("package/data/caniemail.json", json.dumps(fake_data())),
            ("package/LICENSE", FAKE_LICENCE),
        ):
            raw = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    output = tmp_path / "out.json"
    assert script.main([str(tgz), "--output", str(output)]) == 0
    assert output.read_bytes() == script.transform(FAKE_PACKAGE, fake_data(), FAKE_LICENCE)
