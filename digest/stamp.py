"""The build stamp: what the last clean build read, so a build with nothing changed stops at once.

A full no-change build is cheap in itself (every issue's fingerprint matches, nothing is
rendered or written) but has to load digest.toml, re-read every entry file and ask the
archive, and the imports alone (pydantic, YAML, Markdown, Pillow, lxml) cost ~0.4 s.
Like make, the stamp remembers the size and modification time of every file and folder
the build read or wrote; when none has changed, the build's outcome cannot have changed
either, and `digest build` answers from the stamp in a few milliseconds.

The stamp is only a shortcut: a build that fetched from the web, printed a warning or
found a check error leaves none, so those always run (and report) in full.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from digest import __version__
from digest.paths import STAMP_FILE

KEPT = 8  # stamps of the last builds with different arguments (a week, --all, …)
_PACKAGE_DIR = Path(__file__).resolve().parent


def build_key(config: Path, out: Path, arguments: Iterable[object]) -> str:
    """Which build this is: the same config, out/ and target give the same key."""
    text = "\0".join(map(str, (__version__, sys.version, config.resolve(), out, *arguments)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def snapshot(paths: Iterable[Path]) -> dict[str, list[int]]:
    """Size and mtime of each path and, for folders, of everything below (a folder's mtime
    changes when a file is added or removed); a missing path is recorded as missing."""
    found: dict[str, list[int]] = {}

    def visit(path: str) -> None:
        try:
            status = os.stat(path)
        except OSError:
            found[path] = [-1, -1]
            return
        found[path] = [status.st_mtime_ns, status.st_size]
        if os.path.isdir(path):
            with os.scandir(path) as children:
                for child in sorted(children, key=lambda child: child.name):
                    if child.name != "__pycache__" and child.name != STAMP_FILE:
                        visit(child.path)

    for path in sorted({str(path) for path in paths}):
        visit(path)
    return found


def is_fresh(stamp_path: Path, key: str, now: datetime) -> int | None:
    """How many issues the last build with this key left up to date, if nothing it read has changed since."""
    try:
        record = json.loads(stamp_path.read_bytes()).get(key)
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(record, dict) or now.timestamp() >= record.get("valid_until", 0):
        return None
    roots, inputs = record.get("roots"), record.get("inputs")
    if not isinstance(roots, list) or snapshot(map(Path, roots)) != inputs:
        return None
    issues = record.get("issues")
    return issues if isinstance(issues, int) else None


def write(
    stamp_path: Path,
    key: str,
    paths: Iterable[Path],
    valid_until: datetime,
    issues: int,
) -> None:
    """Remember this build; written atomically, and never a reason for a build to fail."""
    try:
        stamps = json.loads(stamp_path.read_bytes())
        if not isinstance(stamps, dict):
            stamps = {}
    except (OSError, ValueError):
        stamps = {}
    roots = sorted({str(path) for path in (*paths, _PACKAGE_DIR)})
    stamps.pop(key, None)
    stamps[key] = {
        "valid_until": valid_until.timestamp(),
        "issues": issues,
        "roots": roots,
        "inputs": snapshot(map(Path, roots)),
    }
    kept = dict(list(stamps.items())[-KEPT:])
    temporary = stamp_path.with_name(f".{stamp_path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(kept, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, stamp_path)
    except OSError:
        temporary.unlink(missing_ok=True)
