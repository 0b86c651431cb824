"""Rebuild the preview when its inputs change: digest.toml, templates, entries, local feeds and logo.

Folders (entries, templates) are watched with everything below them. Single files are watched
through their folder, without its sub-folders: editors that save by writing a new file and
renaming it over the old one would otherwise end the watch after the first save.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from digest.config import Config
from digest.preview.builder import PreviewBuilder, Snapshot

QUIET_MS = 50  # a burst of events (write, rename, touch) ends after this much quiet
LONGEST_BURST_MS = 1000


@dataclass(frozen=True)
class Watched:
    """What a rebuild depends on: folders (with their contents) and single files."""

    folders: tuple[Path, ...]
    files: tuple[Path, ...]


def watched(config: Config, config_path: Path) -> Watched:
    """The inputs of a build of `config`. One that does not exist yet (a publication's own
    templates/) is watched as a file of its folder, so its creation starts a rebuild."""
    paths = [config_path, *config.input_paths]
    return Watched(
        tuple(dict.fromkeys(path.resolve() for path in paths if path.is_dir())),
        tuple(dict.fromkeys(path.resolve() for path in paths if not path.is_dir())),
    )


class _StopOrRestart:
    """watchfiles' stop_event: stop when the preview stops, or when the inputs have moved."""

    def __init__(self, watcher: Watcher, inputs: Watched) -> None:
        self.watcher, self.inputs = watcher, inputs

    def is_set(self) -> bool:
        return self.watcher.stop.is_set() or self.watcher.inputs != self.inputs


class Watcher:
    """Two watching threads that set `changed`; one thread that rebuilds while it is set."""

    def __init__(
        self, builder: PreviewBuilder, on_rebuild: Callable[[Snapshot], None] | None = None
    ) -> None:
        self.builder = builder
        self.on_rebuild = on_rebuild
        self.stop = threading.Event()
        self.changed = threading.Event()
        self.inputs = watched(builder.snapshot.config, builder.config_path)
        self.threads = [
            threading.Thread(target=target, name=f"preview-{name}", daemon=True)
            for name, target in (
                ("watch-folders", self._watch_folders),
                ("watch-files", self._watch_files),
                ("rebuild", self._rebuild),
            )
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def close(self, timeout: float = 30) -> None:
        """Stop watching; wait for a rebuild under way to finish (it writes into the folder).
        The watching threads write nothing: they get a moment, not the whole `timeout`."""
        self.stop.set()
        self.changed.set()
        *watching, rebuilding = self.threads
        rebuilding.join(timeout)
        for thread in watching:
            thread.join(1)

    def _watch_folders(self) -> None:
        self._watch(lambda inputs: inputs.folders, recursive=True, accept=_not_editor_litter)

    def _watch_files(self) -> None:
        def accept(change: watchfiles.Change, path: str) -> bool:
            return Path(path) in self.inputs.files

        self._watch(lambda inputs: tuple({file.parent for file in inputs.files}), False, accept)

    def _watch(
        self,
        paths_of: Callable[[Watched], tuple[Path, ...]],
        recursive: bool,
        accept: Callable[[watchfiles.Change, str], bool],
    ) -> None:
        while not self.stop.is_set():
            inputs = self.inputs
            paths = [path for path in paths_of(inputs) if path.is_dir()]
            if not paths:
                self.stop.wait(0.5)
                continue
            until = _StopOrRestart(self, inputs)
            try:
                for _ in watchfiles.watch(
                    *paths,
                    watch_filter=accept,
                    recursive=recursive,
                    debounce=LONGEST_BURST_MS,
                    step=QUIET_MS,
                    stop_event=until,
                    raise_interrupt=False,
                ):
                    self.changed.set()
            except (OSError, RuntimeError):
                self.stop.wait(0.5)  # a watched folder vanished: watch again what is there

    def _rebuild(self) -> None:
        while True:
            self.changed.wait()
            if self.stop.is_set():
                return
            self.changed.clear()
            snapshot = self.builder.rebuild()
            if self.on_rebuild and not self.stop.is_set():
                self.on_rebuild(snapshot)
            # digest.toml may have moved the entries or added a local feed file
            self.inputs = watched(self.builder.snapshot.config, self.builder.config_path)


_DEFAULT_FILTER = watchfiles.DefaultFilter()


def _not_editor_litter(change: watchfiles.Change, path: str) -> bool:
    """Swap files, backups and the like are not inputs."""
    return _DEFAULT_FILTER(change, path)
