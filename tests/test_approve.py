"""Signing an issue off: `digest approve` records who, when and the built files' hashes in the
issue's decision file; a rebuild that changes nothing keeps it, one that changes a file breaks
it, and digest send to anyone but a proof reader asks for it. Through the real command line,
with a real SMTP server on loopback."""

from __future__ import annotations

import hashlib
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest import approval
from digest.cli import main
from digest.config import load
from digest.errors import NotApproved
from digest.write import locked
from tests.test_send import Inbox, smtp_server  # noqa: F401 - the SMTP server fixture

ISSUE = "weekly/2025-W40"
ENTRY = "feeds/entries/2025/welcome-new-phd-candidates.md"
SMTP = """
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
proof_readers = ["proof@digest.test"]
"""


def run(root: Path, command: str, *arguments: str) -> int:
    return int(main([command, "--config", str(root), *arguments]))


def build(root: Path, *arguments: str) -> int:
    return run(root, "build", "--quiet", "--offline", *arguments)


def approve(root: Path, issue: str = ISSUE, by: str = "Ada Lovelace") -> int:
    return run(root, "approve", "--issue", issue, "--by", by)


def built_tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below `folder` with its bytes and modification time."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def state(root: Path, issue: str = ISSUE) -> approval.ApprovalState:
    return approval.state(load(root), root / "out", issue)


def with_smtp(root: Path, port: int) -> None:
    config = root / "digest.toml"
    config.write_text(config.read_text("utf-8") + SMTP.format(port=port), "utf-8")


@pytest.fixture
def built(sample: Path) -> Path:
    assert build(sample, "--week", "2025-W40") == 0
    return sample


def test_approving_records_who_when_and_every_built_files_hash_and_keeps_the_comments(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decision_file = built / "feeds/issues/2025-W40.toml"
    before = decision_file.read_text("utf-8")
    capsys.readouterr()
    started = datetime.now(UTC).replace(microsecond=0)
    assert approve(built) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"approved {ISSUE} as built: by Ada Lovelace on ")
    assert line.endswith("UTC, 6 file(s) hashed, recorded in feeds/issues/2025-W40.toml")

    text = decision_file.read_text("utf-8")
    assert text.startswith(before)  # the editor's comments and decisions, as they were
    assert "# A lead story is shown first and large, above the sections:" in text
    recorded = tomllib.loads(text)["approval"]
    assert recorded["by"] == "Ada Lovelace"
    assert started <= recorded["at"] <= datetime.now(UTC)
    assert recorded["at"].microsecond == 0 and recorded["at"].utcoffset() == timedelta(0)
    folder = built / "out" / ISSUE
    assert recorded["files"] == {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in [
            "email.html",
            "email.txt",
            "events.ics",
            *sorted(f"events/{path.name}" for path in (folder / "events").glob("*.ics")),
            "message.eml",
        ]
    }
    assert len(recorded["files"]) == 6
    assert state(built) == approval.ApprovalState(True, "Ada Lovelace", recorded["at"], "")


@pytest.mark.parametrize(
    ("issue", "target"),
    [
        (ISSUE, ["--week", "2025-W40"]),  # a decision file with a lead and an intro
        ("yearly/2022", ["--year", "2022"]),  # the editor's picked highlights
        ("weekly/2025-W10", ["--week", "2025-W10"]),  # no decision file until the approval
    ],
)
def test_a_rebuild_that_changes_nothing_rewrites_nothing_and_keeps_the_approval(
    sample: Path, capsys: pytest.CaptureFixture[str], issue: str, target: list[str]
) -> None:
    assert build(sample, *target) == 0
    assert approve(sample, issue) == 0
    out = sample / "out"
    approved = built_tree(out)
    capsys.readouterr()
    assert build(sample, *target) == 0  # the decision file changed: a build in full
    assert " 0 file(s) written" in capsys.readouterr().out
    assert built_tree(out) == approved  # byte for byte, and not even touched
    assert run(sample, "build", "--offline", "--verbose", *target) == 0
    printed = capsys.readouterr().out  # nothing changed since: the build stamp answers
    assert "nothing changed since the last build" in printed and " 0 file(s) written" in printed
    assert built_tree(out) == approved
    assert state(sample, issue).approved


def test_an_edited_entry_rebuilt_makes_send_refuse_naming_the_file_but_proofs_still_go(
    built: Path,
    smtp_server: tuple[Inbox, int],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    inbox, port = smtp_server
    with_smtp(built, port)
    assert build(built, "--week", "2025-W40") == 0  # digest.toml changed; the issue did not
    assert approve(built) == 0
    at = tomllib.loads((built / "feeds/issues/2025-W40.toml").read_text("utf-8"))["approval"]["at"]
    assert run(built, "send", "--to", "list@digest.test", "--issue", ISSUE) == 0
    assert inbox.message()["Subject"] == "ICR News Digest: Week 40, 2025"  # no proof: the issue

    entry = built / ENTRY
    entry.write_text(
        entry.read_text("utf-8").replace("autumn's new PhD", "autumn's new doctoral"), "utf-8"
    )
    assert build(built, "--week", "2025-W40") == 0
    capsys.readouterr()
    assert run(built, "send", "--to", "list@digest.test", "--issue", ISSUE) == 8
    assert capsys.readouterr().err.splitlines() == [
        f"error: {ISSUE}/email.html changed after Ada Lovelace approved it on "
        f"{at:%Y-%m-%d %H:%M} UTC; approve it again (--to list@digest.test is not in "
        "[smtp] proof_readers, who alone get proofs of an issue not approved)"
    ]
    assert len(inbox.envelopes) == 1  # nothing more was sent

    assert run(built, "send", "--to", "Proof@digest.test", "--issue", ISSUE) == 0
    proof = inbox.message()
    assert proof["Subject"] == "[Proof] ICR News Digest: Week 40, 2025"
    html = proof.get_body(("html",))
    assert html is not None and "doctoral candidates" in html.get_content()
    # a proof reader and someone else: the issue must be approved for the one who is not
    assert run(built, "send", "--to", "proof@digest.test", "--to", "list@digest.test") == 8
    assert len(inbox.envelopes) == 2

    assert approve(built, by="Grace Hopper") == 0
    capsys.readouterr()
    # list@ has this issue already (digest send records it): the new build goes to others only
    assert run(built, "send", "--to", "list@digest.test", "--issue", ISSUE) == 1
    assert "already sent to list@digest.test" in capsys.readouterr().err
    assert run(built, "send", "--to", "board@digest.test", "--issue", ISSUE) == 0
    assert capsys.readouterr().out.startswith(
        f"sent {ISSUE} (approved by Grace Hopper) to board@digest.test via 127.0.0.1:"
    )
    assert "doctoral candidates" in inbox.envelopes[-1].content.decode("utf-8", "replace")


def test_send_to_someone_not_a_proof_reader_refuses_an_issue_never_approved(
    built: Path,
    smtp_server: tuple[Inbox, int],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    inbox, port = smtp_server
    with_smtp(built, port)
    capsys.readouterr()
    assert run(built, "send", "--to", "list@digest.test") == 8
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(
        f"error: {ISSUE} is not approved: run digest approve --issue {ISSUE} --by NAME (--to "
    )
    assert inbox.envelopes == []


def test_send_beyond_the_proof_readers_waits_for_a_running_build(
    built: Path,
    smtp_server: tuple[Inbox, int],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A build under way may be rewriting message.eml: checked as approved, then read half a
    second later, it could be another issue."""
    inbox, port = smtp_server
    with_smtp(built, port)
    assert build(built, "--week", "2025-W40") == 0
    assert approve(built) == 0
    capsys.readouterr()
    with locked(built):  # as a build or fetch holds it (the archive's folder)
        assert run(built, "send", "--to", "list@digest.test", "--issue", ISSUE) == 6
        assert "another digest build or fetch is running" in capsys.readouterr().err
        assert inbox.envelopes == []
        assert run(built, "send", "--to", "proof@digest.test", "--issue", ISSUE) == 0  # a proof
    assert run(built, "send", "--to", "list@digest.test", "--issue", ISSUE) == 0
    assert len(inbox.envelopes) == 2


def test_check_shows_each_issues_approval_state_as_information_not_as_an_error(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def check_lines() -> list[str]:
        capsys.readouterr()
        assert run(built, "check") == 0  # an unapproved or changed draft is no check error
        return [line for line in capsys.readouterr().out.splitlines() if line.startswith("info:")]

    assert check_lines() == [
        f"info: {ISSUE}: not approved (digest approve --issue {ISSUE} --by NAME)"
    ]
    assert approve(built) == 0
    at = state(built).at
    assert at is not None
    assert check_lines() == [f"info: {ISSUE}: approved by Ada Lovelace on {at:%Y-%m-%d %H:%M} UTC"]
    (built / "out" / ISSUE / "email.txt").write_text("edited by hand\n", "utf-8")
    assert check_lines() == [
        f"info: {ISSUE}: changed since approval: {ISSUE}/email.txt changed after Ada Lovelace "
        f"approved it on {at:%Y-%m-%d %H:%M} UTC; approve it again"
    ]


def test_a_file_removed_or_added_since_the_approval_is_named(built: Path) -> None:
    assert approve(built) == 0
    config, out = load(built), built / "out"
    events = sorted((out / ISSUE / "events").glob("*.ics"))
    removed = events[0]
    data = removed.read_bytes()
    removed.unlink()
    found = approval.state(config, out, ISSUE)
    assert not found.approved
    assert found.problem.startswith(f"{ISSUE}/events/{removed.name} was removed after Ada")
    with pytest.raises(NotApproved) as refused:
        approval.require(config, out, ISSUE)
    assert refused.value.problems == (found.problem,)
    removed.write_bytes(data)
    approval.require(config, out, ISSUE)  # as approved again


def test_approving_an_issue_that_is_not_built_is_one_line_and_writes_nothing(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert approve(built, "weekly/2025-W41") == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: weekly/2025-W41: not built in {built / 'out'}; "
        "run digest build --week 2025-W41 first"
    ]
    assert not (built / "feeds/issues/2025-W41.toml").exists()
    assert approve(built, "weekly/2025-40") == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: --issue 'weekly/2025-40': expected an issue like weekly/2025-W40 or yearly/2022"
    ]


# a terminal escape (ESC [31m) would colour every later line that prints the name
@pytest.mark.parametrize("name", ["", "   ", "Ada\nLovelace", "Ada\x1b[31m", "Ada\tL"])
def test_approving_without_a_name_is_refused(
    built: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    before = (built / "feeds/issues/2025-W40.toml").read_bytes()
    capsys.readouterr()
    assert approve(built, by=name) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: --by {name!r}: give the approver's name on one line, like --by 'Ada'"
    ]
    assert (built / "feeds/issues/2025-W40.toml").read_bytes() == before


def test_a_name_pasted_with_a_no_break_space_is_approved(built: Path) -> None:
    assert approve(built, by="Ada\u00a0Lovelace") == 0
    assert state(built).by == "Ada\u00a0Lovelace"


def test_an_issue_whose_check_finds_an_error_is_not_approved(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = built / "out" / ISSUE / "email.html"
    page.write_text(
        page.read_text("utf-8").replace("</body>", '<img src="https://x.test/a.png"></body>'),
        "utf-8",
    )
    capsys.readouterr()
    assert approve(built) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {ISSUE}: not approved: the check finds 1 error(s), the first: image without "
        "alt text: https://x.test/a.png; fix it, rebuild, and approve again "
        f"(every finding: digest check --issue {ISSUE})"
    ]
    assert "[approval]" not in (built / "feeds/issues/2025-W40.toml").read_text("utf-8")


def test_approve_and_send_take_the_out_folder_the_build_was_given(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "published"
    assert build(sample, "--week", "2025-W40", "--out", str(elsewhere)) == 0
    assert approve(sample) == 2  # nothing is built in out/ beside digest.toml
    assert run(sample, "approve", "--issue", ISSUE, "--by", "Ada", "--out", str(elsewhere)) == 0
    assert approval.state(load(sample), elsewhere, ISSUE).approved
    capsys.readouterr()
    assert run(sample, "check", "--out", str(elsewhere)) == 0
    assert f"info: {ISSUE}: approved by Ada on " in capsys.readouterr().out


def test_building_the_issues_around_an_approved_one_keeps_its_approval(sample: Path) -> None:
    """The web version's previous/next links change when a neighbour is built; what
    subscribers receive does not, and the approval is of that."""
    assert build(sample, "--week", "2025-W40") == 0
    assert approve(sample) == 0
    page = (sample / "out" / ISSUE / "index.html").read_bytes()
    assert build(sample, "--all") == 0
    assert (sample / "out" / ISSUE / "index.html").read_bytes() != page  # now it has neighbours
    assert state(sample) == approval.ApprovalState(True, "Ada Lovelace", state(sample).at, "")
