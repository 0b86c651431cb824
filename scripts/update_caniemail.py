#!/usr/bin/env python3
"""Regenerate digest/data/caniemail-css.json from the npm package `caniemail`.

caniemail.com's support tables are the reference for what mail clients do with
CSS; the npm package `caniemail` ships them as one JSON file. This script keeps
only what `digest check` needs (CSS features, what each one matches in a
stylesheet, and support in the major client families) so the wheel stays small
and needs no network or Node at run time.

    python scripts/update_caniemail.py                    # npm pack caniemail@latest
    python scripts/update_caniemail.py --version 2.0.2    # a given release
    python scripts/update_caniemail.py path/to/package    # an unpacked package, or its .tgz

Standard library only; `npm` is needed only when no SOURCE is given.
The output is deterministic: the same package gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "caniemail"
OUTPUT = Path(__file__).resolve().parent.parent / "digest" / "data" / "caniemail-css.json"
DATA_URL = "https://www.caniemail.com/"
FEATURE_URL = "https://www.caniemail.com/features/{slug}/"
# The package bundles caniemail.com's data; that project's own licence, read from
# https://github.com/hteumeuleu/caniemail/blob/master/LICENSE (it is not in the npm package).
UPSTREAM = {
    "repository": "https://github.com/hteumeuleu/caniemail",
    "license": "MIT",
    "copyright": "Copyright (c) 2019 HTeuMeuLeu",
}

# Major client families and the platforms of each that count, in message order:
# (family id, name, [(platform id, label)]). Other families and platforms are dropped.
CLIENTS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("gmail", "Gmail", [("desktop-webmail", "webmail"), ("ios", "iOS"), ("android", "Android")]),
    (
        "outlook",
        "Outlook",
        [
            ("windows", "Windows"),
            ("outlook-com", "Outlook.com"),
            ("ios", "iOS"),
            ("android", "Android"),
        ],
    ),
    ("apple-mail", "Apple Mail", [("macos", "macOS"), ("ios", "iOS")]),
    (
        "yahoo",
        "Yahoo Mail",
        [("desktop-webmail", "webmail"), ("ios", "iOS"), ("android", "Android")],
    ),
    ("samsung-email", "Samsung Email", [("android", "Android")]),
    ("thunderbird", "Thunderbird", [("macos", "macOS"), ("windows", "Windows")]),
]
# Outlook for Windows is listed by release; only those still in use (2016, 2019,
# 2021, 2024 / Microsoft 365, and tests dated YYYY-MM) count, all with Word rendering.
OUTLOOK_WINDOWS_SINCE = 2016

# What a feature matches, where its slug and title do not say it plainly.
# Keys: properties, values (with properties: any of these identifiers in the value),
# at_rules, media_features, selectors (":pseudo", "::element" or a selector kind),
# functions, units, keywords (identifiers in any value, or "!important", "--"
# for a custom property declaration, "/*" for a comment).
MATCH_OVERRIDES: dict[str, dict[str, list[str]]] = {
    "css-animation": {
        "properties": [
            "animation",
            "animation-name",
            "animation-duration",
            "animation-timing-function",
            "animation-delay",
            "animation-iteration-count",
            "animation-direction",
            "animation-fill-mode",
            "animation-play-state",
        ]
    },
    "css-transition": {
        "properties": [
            "transition",
            "transition-property",
            "transition-duration",
            "transition-timing-function",
            "transition-delay",
        ]
    },
    "css-at-media-device-pixel-ratio": {
        "media_features": [
            "-webkit-device-pixel-ratio",
            "-webkit-min-device-pixel-ratio",
            "-webkit-max-device-pixel-ratio",
        ]
    },
    "css-comments": {"keywords": ["/*"]},
    "css-display": {"properties": ["display"], "values": ["block", "inline", "inline-block"]},
    "css-display-flex": {"properties": ["display"], "values": ["flex", "inline-flex"]},
    "css-display-grid": {"properties": ["display"], "values": ["grid", "inline-grid"]},
    "css-display-none": {"properties": ["display"], "values": ["none"]},
    "css-flex-direction": {
        "properties": ["flex-direction"],
        "values": ["column", "column-reverse"],
    },
    "css-flex-wrap": {"properties": ["flex-wrap"], "values": ["wrap", "wrap-reverse"]},
    "css-important": {"keywords": ["!important"]},
    "css-intrinsic-size": {"keywords": ["fit-content", "max-content", "min-content"]},
    "css-overflow": {
        "properties": ["overflow", "overflow-x", "overflow-y", "overflow-block", "overflow-inline"]
    },
    "css-padding": {
        "properties": ["padding", "padding-top", "padding-right", "padding-bottom", "padding-left"]
    },
    "css-scroll-snap": {
        "properties": ["scroll-snap-align", "scroll-snap-stop", "scroll-snap-type"]
    },
    "css-sytem-ui": {
        "keywords": ["system-ui", "ui-monospace", "ui-rounded", "ui-sans-serif", "ui-serif"]
    },
    "css-unit-calc": {"functions": ["calc"]},
    "css-unit-initial": {"keywords": ["initial"]},
    "css-unit-percent": {"units": ["%"]},
    "css-variables": {"functions": ["var"], "keywords": ["--"]},
}
# Features whose caniemail keywords are exactly the longhand properties they cover.
KEYWORDS_ARE_PROPERTIES = {
    "css-border",
    "css-border-inline-block-individual",
    "css-border-inline-block-longhand",
    "css-border-radius-logical",
    "css-column-layout-properties",
    "css-grid-template",
    "css-inset",
    "css-margin",
}
# Not detectable in a parsed stylesheet: `inert` is an HTML attribute, and the
# parser drops nested rules.
UNMATCHED = {"css-inert-attribute", "css-nesting"}

_NAME = re.compile(r"-?[a-z][a-z0-9-]*")
_FUNCTION = re.compile(r"(-?[a-z][a-z0-9-]*)\(\)")


def match_for(feature: dict[str, Any]) -> dict[str, list[str]]:
    """What a caniemail CSS feature matches in a stylesheet; {} if nothing reliable."""
    slug: str = feature["slug"]
    title: str = (feature.get("title") or "").strip()
    if slug in UNMATCHED:
        return {}
    if slug in MATCH_OVERRIDES:
        return {key: sorted(names) for key, names in MATCH_OVERRIDES[slug].items()}
    if slug in KEYWORDS_ARE_PROPERTIES:
        words = [word.strip() for word in (feature.get("keywords") or "").split(",")]
        names = [name for name in (title, *words) if _NAME.fullmatch(name)]
        return {"properties": sorted(set(names))}
    for prefix, key in (
        ("css-pseudo-class-", "selectors"),
        ("css-pseudo-element-", "selectors"),
        ("css-selector-", "selectors"),
        ("css-unit-", "units"),
        ("css-function-", "functions"),
    ):
        if slug.startswith(prefix):
            name = slug.removeprefix(prefix)
            if prefix == "css-pseudo-class-":
                name = ":" + name
            elif prefix == "css-pseudo-element-":
                name = "::" + name
            return {key: [name]}
    if slug.startswith("css-at-media-"):
        return {"media_features": sorted(set(re.findall(r"\((-?[a-z][a-z-]*)\)", title)))}
    if slug.startswith("css-at-"):
        return {"at_rules": [slug.removeprefix("css-at-")]}
    # Titles such as "gap, column-gap, row-gap", "block-size & inline-size",
    # "height property", "font shorthand", "lch(), oklch(), lab(), oklab()".
    bare = re.sub(r"\s+(css\s+)?(property|shorthand)$", "", title, flags=re.IGNORECASE)
    parts = [part.strip() for part in re.split(r"[,&]", bare)]
    if all(_NAME.fullmatch(part) for part in parts):
        return {"properties": sorted(set(parts))}
    functions = [_FUNCTION.fullmatch(part) for part in parts]
    if all(functions):
        return {"functions": sorted({m.group(1) for m in functions if m})}
    return {}


def _letter(value: str) -> str:
    """The support letter without caniemail's note numbers: "a #1 #3" -> "a"."""
    letter = value.split()[0] if value.split() else "u"
    return letter if letter in {"y", "n", "a", "u"} else "u"


def _combine(letters: list[str]) -> str:
    """One letter for several releases: agreed, else known ones agreed, else partial."""
    distinct = set(letters)
    if len(distinct) == 1:
        return letters[0]
    known = distinct - {"u"}
    return known.pop() if len(known) == 1 else "a"


def platform_support(family: str, platform: str, versions: dict[str, str]) -> str:
    """Support on one platform: the latest test (caniemail lists tests oldest first),
    or for Outlook on Windows the releases still in use taken together."""
    if not versions:
        return "u"
    if (family, platform) == ("outlook", "windows"):
        current = [
            value
            for version, value in versions.items()
            if (year := re.match(r"\d{4}", version)) and int(year.group()) >= OUTLOOK_WINDOWS_SINCE
        ]
        return _combine([_letter(value) for value in current or list(versions.values())])
    return _letter(list(versions.values())[-1])


def copyright_lines(licence_text: str) -> list[str]:
    """The copyright notices of a licence file, which MIT requires us to keep."""
    return [
        line.strip()
        for line in licence_text.splitlines()
        if line.strip().lower().startswith("copyright")
    ]


def transform(package: dict[str, Any], data: dict[str, Any], licence_text: str = "") -> bytes:
    """The compact JSON for digest: package.json, caniemail.json and LICENSE in, bytes out."""
    features: dict[str, Any] = {}
    for feature in data["data"]:
        if feature.get("category") != "css":
            continue
        match = match_for(feature)
        if not match:
            continue
        stats = feature.get("stats") or {}
        features[feature["slug"]] = {
            "title": " ".join((feature.get("title") or feature["slug"]).split()),
            "match": match,
            "support": {
                family: {
                    platform: platform_support(
                        family, platform, (stats.get(family) or {}).get(platform) or {}
                    )
                    for platform, _ in platforms
                }
                for family, _, platforms in CLIENTS
            },
        }
    version = package["version"]
    updated = str(data.get("last_update_date") or "")[:10] or max(
        (str(feature.get("last_test_date") or "") for feature in data["data"]), default=""
    )
    header = {
        "package": package["name"],
        "version": version,
        "license": package.get("license", ""),
        "copyright": copyright_lines(licence_text),
        "url": f"https://www.npmjs.com/package/{package['name']}/v/{version}",
        "data_url": DATA_URL,
        "feature_url": FEATURE_URL,
        "data_date": updated,
        "api_version": str(data.get("api_version") or ""),
        "upstream": UPSTREAM,
        "generated_by": "scripts/update_caniemail.py",
    }
    document = {
        "header": header,
        "clients": [
            {"family": family, "name": name, "platforms": [list(pair) for pair in platforms]}
            for family, name, platforms in CLIENTS
        ],
        "features": features,
    }
    return _dumps(document).encode("utf-8")


def _dumps(document: dict[str, Any]) -> str:
    """JSON with sorted keys, one feature a line: small, and a data update diffs by feature."""

    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    lines = ["{"]
    for index, key in enumerate(sorted(document)):
        comma = "," if index < len(document) - 1 else ""
        value = document[key]
        if key == "features":
            lines.append(f' "{key}": {{')
            slugs = sorted(value)
            lines.extend(
                f"  {compact(slug)}: {compact(value[slug])}{',' if n < len(slugs) - 1 else ''}"
                for n, slug in enumerate(slugs)
            )
            lines.append(f" }}{comma}")
        else:
            lines.append(f" {compact(key)}: {compact(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _data_path(package: dict[str, Any]) -> str:
    exported = (package.get("exports") or {}).get("./caniemail.json")
    return str(exported or "./data/caniemail.json").removeprefix("./")


def read_folder(folder: Path) -> tuple[dict[str, Any], dict[str, Any], str]:
    """package.json, the data and the licence text of an unpacked package."""
    package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    data = json.loads((folder / _data_path(package)).read_text(encoding="utf-8"))
    licences = sorted(folder.glob("LICEN[CS]E*"))
    licence = licences[0].read_text(encoding="utf-8") if licences else ""
    return package, data, licence


def read_tarball(path: Path) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The same from a packed .tgz, read in place (nothing is extracted to disk)."""
    with tarfile.open(path, "r:gz") as tar:

        def member(name: str) -> bytes | None:
            try:
                handle = tar.extractfile(f"package/{name}")
            except KeyError:
                return None
            return handle.read() if handle else None

        raw_package = member("package.json")
        if raw_package is None:
            raise SystemExit(f"{path}: no package/package.json")
        package = json.loads(raw_package)
        raw_data = member(_data_path(package))
        if raw_data is None:
            raise SystemExit(f"{path}: no package/{_data_path(package)}")
        licence = next(
            (
                text
                for name in ("LICENSE", "LICENSE.md", "LICENCE")
                if (text := member(name)) is not None
            ),
            b"",
        )
    return package, json.loads(raw_data), licence.decode("utf-8")


def npm_pack(version: str, folder: Path) -> Path:
    """Download caniemail@VERSION's tarball with npm into folder."""
    result = subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{version}", "--silent"],
        cwd=folder,
        check=True,
        capture_output=True,
        text=True,
    )
    name = result.stdout.strip().splitlines()[-1]
    return folder / name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "source", nargs="?", type=Path, help="an unpacked caniemail package folder or its .tgz"
    )
    parser.add_argument(
        "--version", default="latest", help="npm version to pack when no SOURCE (default: latest)"
    )
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT, help="where to write the JSON")
    args = parser.parse_args(argv)
    if args.source is None:
        with tempfile.TemporaryDirectory() as temporary:
            package, data, licence = read_tarball(npm_pack(args.version, Path(temporary)))
    elif args.source.is_dir():
        package, data, licence = read_folder(args.source)
    else:
        package, data, licence = read_tarball(args.source)
    if package.get("name") != PACKAGE:
        raise SystemExit(f"not the {PACKAGE} package: {package.get('name')!r}")
    output = transform(package, data, licence)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(output)
    css = [feature["slug"] for feature in data["data"] if feature.get("category") == "css"]
    kept = json.loads(output)["features"]
    dropped = sorted(set(css) - set(kept))
    print(
        f"{PACKAGE} {package['version']} ({package.get('license')}), data of {data.get('last_update_date')}: "
        f"{len(kept)} of {len(css)} CSS features, {len(output) / 1024:.1f} KB -> {args.output}"
    )
    if dropped:
        print(f"not matched (left out): {', '.join(dropped)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
