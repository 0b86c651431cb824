"""Nothing is lost: killed builds, concurrent builds, failing writes and broken templates."""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digest.cli import main
from digest.write import locked
from tests.conftest import Publication, rss


def files_of(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def digest_process(root: Path, *arguments: str, **options) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "digest",
        "build",
        "--config",
        str(root),
        "--quiet",
        *arguments,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options)


def archive_is_sound(root: Path) -> int:
    with sqlite3.connect(root / "archive.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return int(db.execute("SELECT count(*) FROM entries").fetchone()[0])


@pytest.mark.parametrize("delay", [0.4, 0.7, 1.0, 1.3, 1.6])
def test_build_killed_at_any_point_leaves_whole_files_and_the_next_build_completes(
    sample: Path, tmp_path: Path, delay: float
) -> None:
    reference_root = tmp_path / "reference"
    subprocess.run(["cp", "-r", str(sample), str(reference_root)], check=True)
    assert main(["build", "--config", str(reference_root), "--quiet", "--all"]) == 0
    expected = files_of(reference_root / "out")

    process = digest_process(sample, "--all")
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()

    out = sample / "out"
    if out.exists():
        for name, digest in files_of(out).items():
            if name != ".digest.lock" and not name.endswith(".digest-tmp"):
                assert digest == expected[name], f"{name} is half-written after SIGKILL at {delay}s"
    if (sample / "archive.sqlite").exists():
        # each source is stored in one transaction: local entries (14), ICR news (15), the cluster (5)
        assert archive_is_sound(sample) in (0, 14, 29, 34)
    assert main(["build", "--config", str(sample), "--quiet", "--all"]) == 0
    assert {k: v for k, v in files_of(out).items() if k != ".digest.lock"} == expected
    assert archive_is_sound(sample) == 34


def test_second_build_at_once_stops_with_a_clear_message(sample: Path) -> None:
    # The test holds the publication's lock itself, as a first build does for all of its run.
    with locked(sample):
        second = digest_process(sample, "--week", "2025-W40", "--offline")
        _, errors = second.communicate(timeout=60)
    assert second.returncode == 6, errors
    assert b"another digest build or fetch is running; try again when it has finished" in errors
    assert b"Traceback" not in errors
    assert not (sample / "out/weekly/2025-W40").exists()  # it wrote nothing
    # once the first has finished, the lock is free again
    again = ["build", "--config", str(sample), "--quiet", "--week", "2025-W40", "--offline"]
    assert main(again) == 0
    assert (sample / "out/weekly/2025-W40/email.html").is_file()


def test_failing_write_leaves_out_as_it_was(sample: Path) -> None:
    assert main(["build", "--config", str(sample), "--quiet", "--week", "2025-W40"]) == 0
    before = files_of(sample / "out")
    # a new footer makes every page of the issue larger than the file size the kernel allows below
    (sample / "templates").mkdir()
    (sample / "templates/_footer.mjml.j2").write_text(
        "<mj-section><mj-column><mj-text>"
        + "Fine print. " * 50_000
        + "</mj-text></mj-column></mj-section>",
        encoding="utf-8",
    )

    def files_up_to_400_kb() -> None:  # a real failing write, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))

    process = digest_process(
        sample, "--week", "2025-W40", "--offline", preexec_fn=files_up_to_400_kb
    )
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 5, errors
    assert b"cannot write: File too large; out/ was left as it was" in errors
    assert files_of(sample / "out") == before  # no half-written or temporary file left


def test_out_that_cannot_be_a_folder_is_one_line(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file", encoding="utf-8")
    assert (
        main(
            [
                "build",
                "--config",
                str(sample),
                "--quiet",
                "--week",
                "2025-W40",
                "--out",
                str(blocker),
            ]
        )
        == 5
    )
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: {blocker}") and "cannot write" in line


@pytest.mark.parametrize(
    ("template", "text", "expected"),
    [
        (
            "_entry.mjml.j2",
            "<mj-text>{% if entry.title %}\n</mj-text>",
            "templates/_entry.mjml.j2:2: Unexpected end of template",
        ),
        (
            "_footer.mjml.j2",
            '{% include "_signature.mjml.j2" %}',
            "templates/_footer.mjml.j2:1: template '_signature.mjml.j2' not found",
        ),
        (
            "_header.mjml.j2",
            "<mj-text>{{ issue.no_such_field }}</mj-text>",
            "templates/_header.mjml.j2:1: 'digest.model.Issue object' has no attribute 'no_such_field'",
        ),
    ],
)
def test_broken_publication_template_is_named_with_its_line(
    sample: Path, capsys: pytest.CaptureFixture[str], template: str, text: str, expected: str
) -> None:
    (sample / "templates").mkdir()
    (sample / "templates" / template).write_text(text, encoding="utf-8")
    assert main(["build", "--config", str(sample), "--quiet", "--week", "2025-W40"]) == 4
    errors = capsys.readouterr().err
    assert expected in errors, errors
    assert not (sample / "out" / "weekly").exists()


def test_edited_item_updates_the_issue_without_a_duplicate(publication: Publication) -> None:
    item = "<item><title>{}</title><guid>https://icr.test/p/1</guid><link>https://icr.test/p/1</link><pubDate>{}</pubDate></item>"
    feed = publication.file(
        "feeds/saved/icr.xml", rss(item.format("Weyergang prize", "Wed, 01 Oct 2025 10:00:00 GMT"))
    )
    publication.configure('[[sources]]\nname = "ICR"\npath = "feeds/saved/icr.xml"\n')
    assert main(["build", "--config", str(publication.root), "--quiet", "--week", "2025-W40"]) == 0
    # the source fixes a typo and moves the date into the next week
    feed.write_text(
        rss(item.format("Weyergang prize (corrected)", "Wed, 08 Oct 2025 10:00:00 GMT")),
        encoding="utf-8",
    )
    assert main(["build", "--config", str(publication.root), "--quiet", "--week", "2025-W40"]) == 0
    text = (publication.root / "out/weekly/2025-W40/email.txt").read_text(encoding="utf-8")
    assert "Weyergang prize (corrected)" in text and text.count("Weyergang prize") == 1
    assert main(["build", "--config", str(publication.root), "--quiet", "--week", "2025-W41"]) == 0
    assert not (publication.root / "out/weekly/2025-W41").exists()  # not sent a second time
    assert os.path.exists(publication.root / "archive.sqlite")
