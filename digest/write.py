"""Put rendered bytes on disk: all or nothing, and only what changed.

A build writes in two phases. First every changed file goes to a temporary file
beside its target; if any write fails (disk full, no permission) the temporary
files are removed and out/ is exactly as it was. Then each temporary file is
renamed over its target: a rename never half-happens, so even a build killed
there leaves every file whole, old or new. Unchanged files are not touched,
so their modification times tell what a rebuild really changed.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from digest.errors import BusyError, OutputError
from digest.paths import lock_path

TEMPORARY_SUFFIX = ".digest-tmp"
SYNC_EACH_UP_TO = 100  # files; a bigger tree is synced at once (os.sync)


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _stage(path: Path, data: bytes, sync: bool) -> Path:
    """Write `data` to a temporary file beside `path`, synced if `sync`; returns the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX
    )
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            if sync:
                file.flush()
                os.fsync(file.fileno())
        os.chmod(name, 0o644)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def write_tree(root: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write `files` (paths relative to `root`) all or nothing; returns the paths that changed."""
    remove_leftovers(root)
    changed = [name for name in sorted(files) if not _unchanged(root / name, files[name])]
    staged: list[tuple[Path, Path]] = []
    # Many files get one sync for all, not an fsync each: the 4,700 files of a 10-year
    # build --all spent 5-18 s in fsyncs alone. A week's few files are synced each, as before.
    each = len(changed) <= SYNC_EACH_UP_TO
    try:
        for name in changed:
            staged.append((_stage(root / name, files[name], each), root / name))
    except OSError as error:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        where = root / changed[len(staged)]
        raise OutputError(
            f"{where}: cannot write: {error.strerror or error}; out/ was left as it was"
        ) from None
    if staged and not each:
        os.sync()  # every file is on disk before the first rename
    for temporary, target in staged:
        os.replace(temporary, target)
    return changed


def remove_leftovers(root: Path) -> None:
    """Remove temporary files a killed build left behind (they are never read)."""
    if root.is_dir():
        for leftover in root.rglob(f".*{TEMPORARY_SUFFIX}"):
            leftover.unlink(missing_ok=True)


def remove_stale(folder: Path, keep: Iterable[str]) -> list[str]:
    """Remove the files below `folder` that are not in `keep` (paths relative to it), then
    the folders left empty: what an earlier build of an issue wrote and this one did not,
    such as the .ics of an event that has since passed. Returns what was removed."""
    wanted = set(keep)
    removed = []
    for path in sorted(folder.rglob("*"), reverse=True):  # children before their folders
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name not in wanted:
            path.unlink()
            removed.append(name)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return removed


def remove_files(root: Path, names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Remove these files below `root` (paths relative to it), one unlink each, so a build
    killed midway leaves only some of them for the next build. Returns the paths removed, and
    one line for each that could not be (it stays: the build has written all it wrote)."""
    removed, problems = [], []
    for name in names:
        try:
            (root / name).unlink(missing_ok=True)
        except OSError as error:
            problems.append(f"{root / name}: cannot remove: {error.strerror or error}")
        else:
            removed.append(name)
    return removed, problems


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the publication's lock so that two builds never write the same archive and out/ at once."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path(folder), "a+")  # noqa: SIM115 - held for the whole block
    except OSError as error:
        raise OutputError(
            f"{folder}: cannot create the lock file: {error.strerror or error}"
        ) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BusyError(
                f"{folder}: another digest build or fetch is running; try again when it has finished"
            ) from None
        yield
    finally:
        handle.close()
