"""Every message.eml the sample publication builds, through Debian's SpamAssassin with its local
rules (`spamassassin -t -L`): no rule with positive points fires that the message itself causes.

SpamAssassin is run once over all the messages (one start-up, ~0.2 s a message), with Bayes off
and no user preferences written, so the result depends on the rules alone, not on what this
machine has learnt.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from digest.cli import main
from tests.conftest import REPO

SPAMASSASSIN = "spamassassin"

# Rules a message read from a file fires only because it never went through a mail server; they
# say nothing about what digest wrote. Each with why it is the environment's, not the message's.
# (Both score -0.0 in SpamAssassin 4.0; a later rule set may weigh them.)
ENVIRONMENT = {
    "NO_RECEIVED": "a file on disk has no Received header: the sending server adds the first",
    "NO_RELAYS": "a file on disk was relayed by no server (its Received headers, again)",
}
REPORT_LINE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z][A-Z0-9_]+)\s")


@dataclass(frozen=True)
class Hit:
    """One rule that fired on one message, with its points."""

    rule: str
    points: float


def reports(output: str) -> list[list[Hit]]:
    """The rules of each "Content analysis details" table in `spamassassin -t` output, in order."""
    found = []
    for table in output.split("Content analysis details:")[1:]:
        body = table.split("\n---- ", 1)[1].split("\n", 1)[1]  # after the header's dashes
        hits = []
        for line in body.splitlines():
            if not line.strip():
                break
            match = REPORT_LINE.match(line)
            if match:
                hits.append(Hit(match.group(2), float(match.group(1))))
        found.append(hits)
    return found


def test_reports_are_read_rule_by_rule() -> None:
    output = """Content analysis details:   (0.7 points, 5.0 required)

 pts rule name              description
---- ---------------------- --------------------------------------------------
-0.0 NO_RECEIVED            Informational: message has no Received headers
 0.7 HTML_FONT_LOW_CONTRAST BODY: HTML font color similar or identical to
                            background
 0.0 HTML_MESSAGE           BODY: HTML included in message

--- the message itself, where a line may look like a rule:
 1.0 NOT_A_RULE here
"""
    assert reports(output) == [
        [Hit("NO_RECEIVED", -0.0), Hit("HTML_FONT_LOW_CONTRAST", 0.7), Hit("HTML_MESSAGE", 0.0)]
    ]


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every issue of the sample built (build --all, offline): their message.eml files."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copy(REPO / "digest.toml", root / "digest.toml")
    shutil.copytree(REPO / "feeds", root / "feeds")
    code = main(["build", "--config", str(root / "digest.toml"), "--all", "--offline", "--quiet"])
    assert code == 0
    found = sorted((root / "out").glob("*/*/message.eml"))
    assert len(found) > 10, found
    return found


def test_spamassassin_finds_nothing_the_messages_cause(
    messages: list[Path], tmp_path: Path
) -> None:
    program = shutil.which(SPAMASSASSIN)
    if program is None:
        pytest.fail(
            "spamassassin not found: this test needs Debian's package "
            "(apt-get install spamassassin; .ci/run does this)",
            pytrace=False,
        )
    result = subprocess.run(
        [
            program,
            "-t",
            "-L",
            "-x",
            "--cf=use_bayes 0",
            "--cf=bayes_auto_learn 0",
            *map(str, messages),
        ],
        capture_output=True,
        text=True,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=600,
        check=False,
    )
    found = reports(result.stdout)
    assert len(found) == len(messages), result.stderr[-2000:]
    caused = {
        f"{path.parent.parent.name}/{path.parent.name}": [
            f"{hit.rule} ({hit.points:+.1f})"
            for hit in hits
            if hit.points > 0 and hit.rule not in ENVIRONMENT
        ]
        for path, hits in zip(messages, found, strict=True)
    }
    assert {issue: rules for issue, rules in caused.items() if rules} == {}
    fired = {hit.rule for hits in found for hit in hits}
    assert "HTML_FONT_LOW_CONTRAST" not in fired  # the preheader's colour, once on every issue
    print(f"SpamAssassin, {len(messages)} messages: rules fired {sorted(fired)}")
