"""constraints/minimum.txt pins every dependency at the minimum pyproject.toml allows.

scripts/test-minimum-versions runs the suite with those pins; a dependency added or raised in
pyproject.toml without its pin would go untested at its oldest allowed version.
"""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO

REQUIREMENT = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[A-Za-z0-9,._-]+\])?\s*>=\s*([0-9][0-9.]*)\s*$"
)  # extras ([server]) aside
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9.]*)$")


def normalized(name: str) -> str:
    """A distribution's name as pip compares it (PEP 503): PyYAML, pyyaml and py_yaml are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def release(version: str) -> tuple[int, ...]:
    """'0.27' and '0.27.0' are the same release."""
    numbers = [int(part) for part in version.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def minimums() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    found: dict[str, str] = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        assert match, f"pyproject.toml: {requirement!r}: write each dependency as name>=minimum"
        found[normalized(match[1])] = match[2]
    return found


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for number, line in enumerate(
        (REPO / "constraints/minimum.txt").read_text(encoding="utf-8").splitlines(), 1
    ):
        line = line.split("#", 1)[0].strip()
        if line:
            match = PIN.match(line)
            assert match, f"constraints/minimum.txt:{number}: {line!r}: expected name==version"
            found[normalized(match[1])] = match[2]
    return found


def test_every_dependency_is_pinned_at_its_minimum() -> None:
    wanted, pinned = minimums(), pins()
    assert sorted(wanted.keys() - pinned.keys()) == [], "add these to constraints/minimum.txt"
    assert sorted(pinned.keys() - wanted.keys()) == [], "not in pyproject.toml: remove the pins"
    for name, minimum in wanted.items():
        assert release(pinned[name]) == release(minimum), (
            f"constraints/minimum.txt: {name}=={pinned[name]}, but pyproject.toml says >={minimum}"
        )
