"""Put rendered bytes on disk: atomically, and only when they changed.

Each file is written to a temporary file beside it and renamed over the old one,
so a reader (or a web server) sees the old file or the new one, never half of
one. Unchanged files are not touched, so their modification times tell what
a rebuild really changed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from digest.errors import BusyError, OutputError

LOCK_NAME = ".digest.lock"


def write_atomic(path: Path, data: bytes) -> bool:
    """Write via a temporary file and rename; skip when the bytes are unchanged. True if written."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None
    return True


def write_tree(root: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write `files` (paths relative to `root`) in sorted order; returns the paths that changed."""
    return [name for name in sorted(files) if write_atomic(root / name, files[name])]


def copy_file(source: Path, target: Path) -> bool:
    """Copy a local asset into out/ unless an identical copy is there; True if copied."""
    try:
        if target.exists() and target.stat().st_size == source.stat().st_size and target.read_bytes() == source.read_bytes():
            return False
        return write_atomic(target, source.read_bytes())
    except OSError as error:
        raise OutputError(f"{source}: cannot copy to {target}: {error.strerror or error}") from None


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the publication's lock so that two builds never write the same archive and out/ at once."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / LOCK_NAME, "a+")  # noqa: SIM115 - held for the whole block
    except OSError as error:
        raise OutputError(f"{folder}: cannot create the lock file: {error.strerror or error}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BusyError(f"{folder}: another digest build or fetch is running; try again when it has finished") from None
        yield
    finally:
        handle.close()


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
