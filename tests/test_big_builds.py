"""Builds too big to hold as they are: what `digest build --all` of many years writes is the same."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from digest import pipeline
from digest.cli import main


def _tree(out: Path) -> dict[str, str]:
    return {
        str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


def test_a_build_held_compressed_writes_the_same_files(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over RenderedFiles.PLAIN_BYTES (16 MB: ten years of issues are ~130 MB) a build keeps
    what it rendered compressed until it writes; here every file is, and out/ is byte for byte
    what the sample builds when none is."""
    twin = sample.parent / "twin"
    shutil.copytree(sample, twin)
    command = ["build", "--all", "--offline", "--quiet"]
    assert main([*command, "--config", str(sample)]) == 0
    monkeypatch.setattr(pipeline.RenderedFiles, "PLAIN_BYTES", 0)
    assert main([*command, "--config", str(twin)]) == 0
    built, held = _tree(sample / "out"), _tree(twin / "out")
    assert len(built) > 30 and "weekly/2025-W40/email.html" in built
    assert held == built
