"""The shape the README's "How digest is built" promises: one pipeline that every command
calls, a preview that is handed its build, one exit-code enum that the README documents, and
one module that names every path in out/ and in the publication folder."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from digest import errors, paths
from digest.commands import send
from digest.errors import DigestError, ExitCode
from tests.conftest import REPO

PACKAGE = REPO / "digest"


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function: `digest.pipeline`, …"""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_the_preview_imports_no_command_and_no_build() -> None:
    for path in sorted((PACKAGE / "preview").glob("*.py")):
        reached = {
            name
            for name in imported(path)
            if name.startswith(("digest.commands", "digest.pipeline"))
        }
        assert not reached, f"{path.name} imports {sorted(reached)}: hand it a callable instead"


def test_build_explain_and_serve_call_the_pipeline() -> None:
    for command in ("build", "explain", "serve"):
        assert "digest.pipeline" in imported(PACKAGE / "commands" / f"{command}.py"), command


def test_no_module_reaches_into_the_build_command_for_the_pipeline() -> None:
    """Only the command line calls `digest build`'s module; the order itself is the pipeline's."""
    users = [
        path.relative_to(PACKAGE).as_posix()
        for path in sorted(PACKAGE.rglob("*.py"))
        if any(name.startswith("digest.commands.build") for name in imported(path))
    ]
    assert users == ["cli.py"]


def test_the_pipeline_and_the_stages_import_no_command() -> None:
    """Data flows one way: commands call the pipeline and the stages, never the reverse."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if "commands" in path.relative_to(PACKAGE).parts or path.name in ("cli.py", "__main__.py"):
            continue
        reached = sorted(name for name in imported(path) if name.startswith("digest.commands"))
        assert not reached, f"{path.relative_to(PACKAGE)} imports {reached}"


def readme_exit_codes() -> dict[int, str]:
    """The README's "Exit codes and messages" table: code -> meaning."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Exit codes and messages", 1)[1].split("\n## ", 1)[0]
    return {
        int(code): meaning
        for code, meaning in re.findall(r"^\| (\d+) \| ([^|]+) \|", table, re.MULTILINE)
    }


def test_the_readme_table_and_the_exit_code_enum_agree() -> None:
    documented = readme_exit_codes()
    assert sorted(documented) == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert sorted(code for code in ExitCode if code < 128) == sorted(documented)
    assert ExitCode.INTERRUPTED == 130  # what a shell reports for Ctrl-C, as for any program
    assert "digest.toml" in documented[ExitCode.INVALID_INPUT]
    assert "template" in documented[ExitCode.TEMPLATE]
    assert "cannot be written" in documented[ExitCode.CANNOT_WRITE]
    assert "another build or fetch" in documented[ExitCode.BUSY]
    assert "`digest send` failed" in documented[ExitCode.SEND_FAILED]


def test_every_error_class_returns_a_code_of_the_enum() -> None:
    classes = [
        value
        for module in (errors, send)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, DigestError)
    ]
    assert len(classes) > 5
    for error_class in classes:
        assert type(error_class.exit_code) is ExitCode, error_class.__name__


def string_literals(path: Path) -> list[tuple[int, str]]:
    """Every string literal of `path` with its line, f-strings' text parts included and
    docstrings left out (they may say where a file lives)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def test_only_digest_paths_spells_the_files_of_out_and_of_the_publication_folder() -> None:
    """The layout of out/ is named once, so that no module can forget a file (a deleted
    feed.xml went unnoticed while its name was spelled in a dozen places)."""
    names = {
        paths.CONFIG_FILE,
        paths.DEFAULT_ENTRIES,
        paths.DEFAULT_ARCHIVE,
        paths.STAMP_FILE,
        paths.LOCK_FILE,
        paths.CALENDAR,
        *paths.SITE_FILES,
        *paths.ISSUE_FILES,
    }
    folders = tuple(
        f"{name}/" for name in (paths.OUT, paths.MEDIA, paths.EVENTS, *paths.ISSUE_KINDS)
    )
    assert {"feed.xml", "index.html", "issue.json", "message.eml", "events.ics"} <= names
    spelled = [
        f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "paths.py"
        for line, text in string_literals(path)
        if text in names or text.startswith(folders)
    ]
    assert not spelled, "name these in digest/paths.py and ask it:\n" + "\n".join(spelled)


def test_the_packaged_templates_link_to_out_only_by_the_names_they_are_handed() -> None:
    spelled = [
        f"{path.relative_to(REPO)}: {link}"
        for path in sorted((REPO / "templates").glob("*.j2"))
        for link in re.findall(r'(?:href|src)="([^"]*)"', path.read_text(encoding="utf-8"))
        if re.search(r"feed\.xml|index\.html|media/|\.ics|\.eml", re.sub(r"{{.*?}}", "", link))
    ]
    assert not spelled


def test_the_readme_names_every_module_with_its_purpose() -> None:
    """README's "How digest is built" is the map a newcomer reads: a module missing from it is
    a module nobody finds. (commands/ and preview/ are named as folders.)"""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How digest is built", 1)[1].split("\n## ", 1)[0]
    missing = [
        name
        for path in sorted(PACKAGE.rglob("*.py"))
        if (relative := path.relative_to(REPO)).parts[1] not in ("commands", "preview", "data")
        and path.name != "__main__.py"
        and (path.name != "__init__.py" or relative.parent.name == "render")
        and f"`{(name := relative.as_posix())}`" not in section
    ]
    assert missing == []
