"""Turn watchdog's stream of file-system events into filtered, debounced change sets of site files.

Editors save in many small steps (swap files, backups, write-then-rename); a ``git checkout`` touches
hundreds of files in a burst. The dev server wants neither: it wants one "these site files changed"
after things have gone quiet, so it builds once. This module knows which paths are the site's inputs
and which are noise, and nothing about building or serving.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from blogen.content.inputs import CONFIG_FILES, INPUT_FOLDERS, input_path

log = logging.getLogger(__name__)

# Quiet time after the last event of a burst before the change set is handed on: short while one
# file has changed (an editor's save, even an atomic one, is a few events within a millisecond or
# two), longer once several have (a checkout, a formatter, a sync), so such a burst is one build.
# Shortest when the one file's last event says its new bytes are all there: closed after writing,
# or renamed into place (an atomic save); an editor's trailing events (a chmod, its backup deleted)
# come within a millisecond, and any event after that one waits the usual time again.
DEBOUNCE_WRITTEN = 0.004
DEBOUNCE_ONE = 0.02
DEBOUNCE = 0.1
# A stream of events that never goes quiet still yields a change set this often, so a process that
# rewrites a file every 50 ms cannot starve the build.
MAX_DELAY = 2.0
POLL_INTERVAL = 0.5
# Event kinds that cannot change a file's bytes.
_IGNORED_KINDS = frozenset({"opened", "closed_no_write"})
# Events after which a file's new bytes are all there: closed after writing, renamed into place.
_WRITTEN_KINDS = frozenset({"closed", "moved"})


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Site files (relative to the site root, ``/``-separated) that changed in one burst of events."""

    paths: frozenset[str]


class ObserverFactory(Protocol):
    def __call__(self) -> BaseObserver: ...


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._watcher._on_event(event)


class Watcher:
    """Watch a site's inputs and call ``on_change`` once per debounced burst of real changes.

    ``on_activity`` is called (from the observer thread) at the first relevant event of a burst, so
    the server can hold requests from that moment rather than serve a page it knows is about to change.
    Uses inotify where possible; with ``poll`` or when the system's watch limit is reached it falls back
    to polling, and ``polling`` says so for the terminal.
    """

    def __init__(self, root: Path, on_change: Callable[[ChangeSet], None], *, poll: bool = False,
                 on_activity: Callable[[], None] | None = None, debounce: float = DEBOUNCE,
                 observer_factory: ObserverFactory | None = None, poll_interval: float = POLL_INTERVAL) -> None:
        self.root = root.resolve()
        self._on_change = on_change
        self._on_activity = on_activity
        self._debounce = debounce
        self._force_poll = poll
        self._factory: ObserverFactory = observer_factory or Observer
        self._poll_interval = poll_interval
        self._handler = _Handler(self)
        self._cond = threading.Condition()
        self._pending: set[str] = set()
        self._first = 0.0
        self._last = 0.0
        self._written = False  # the last event said the file it names is written (see DEBOUNCE_WRITTEN)
        self._stopping = False
        self._observer: BaseObserver | None = None
        self._watched: dict[str, ObservedWatch] = {}
        self._thread = threading.Thread(target=self._debounce_loop, name="blogen-debounce", daemon=True)
        self.polling = False
        self.fallback_reason: str | None = None

    # --- life cycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start watching; falls back to polling when inotify cannot watch this many folders."""
        if self._force_poll:
            self._start_observer(polling=True)
        else:
            try:
                self._start_observer(polling=False)
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EMFILE):
                    raise
                self.fallback_reason = f"{exc.strerror or exc}; raise fs.inotify.max_user_watches to avoid polling"
                log.warning("file watching falls back to polling: %s", self.fallback_reason)
                self._start_observer(polling=True)
        self._thread.start()

    def _start_observer(self, *, polling: bool) -> None:
        observer = PollingObserver(timeout=self._poll_interval) if polling else self._factory()
        self._watched = {}
        observer.schedule(self._handler, str(self.root), recursive=False)
        for name in INPUT_FOLDERS:
            if (self.root / name).is_dir():
                self._watched[name] = observer.schedule(self._handler, str(self.root / name), recursive=True)
        try:
            observer.start()
        except BaseException:
            observer.stop()
            raise
        self._observer = observer
        self.polling = polling

    def stop(self, timeout: float = 1.0) -> None:
        """Stop the observer and the debounce thread; pending changes are dropped."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout)
        if self._thread.is_alive():
            self._thread.join(timeout)

    # --- events -----------------------------------------------------------------------------------

    def _on_event(self, event: FileSystemEvent) -> None:
        if event.event_type in _IGNORED_KINDS or (event.is_directory and event.event_type == "modified"):
            return  # a folder's "modified" only echoes the change of a file in it, which comes too
        paths = [os.fsdecode(event.src_path)]
        dest = getattr(event, "dest_path", "")
        if dest:
            paths.append(os.fsdecode(dest))
        found: list[str] = []
        for p in paths:
            rel = input_path(self.root, p)
            if rel is None:
                continue
            if rel in INPUT_FOLDERS:
                if not event.is_directory:
                    continue
                # content/ or theme/ itself came or went: its old watch (if any) is dead, so start anew.
                self._rewatch(rel)
            elif rel in CONFIG_FILES and event.is_directory:
                continue
            found.append(rel)
        if found:
            # Written: closed after a write, or renamed into place, and the file the event ends at is a site file
            # (a save renames its temporary file into place; moving a site file away is no such end).
            written = not event.is_directory and event.event_type in _WRITTEN_KINDS and found[-1] == input_path(
                self.root, os.fsdecode(dest or event.src_path))
            self._add(found, written)

    def _rewatch(self, name: str) -> None:
        observer = self._observer
        if observer is None:
            return
        old = self._watched.pop(name, None)
        if old is not None:
            with contextlib.suppress(KeyError, OSError):
                observer.unschedule(old)
        if (self.root / name).is_dir():
            try:
                self._watched[name] = observer.schedule(self._handler, str(self.root / name), recursive=True)
            except OSError as exc:
                log.warning("cannot watch %s: %s", name, exc)

    def _add(self, paths: list[str], written: bool = False) -> None:
        now = time.monotonic()
        with self._cond:
            first = not self._pending
            if first:
                self._first = now
            self._pending.update(paths)
            self._last = now
            self._written = written
            self._cond.notify_all()
        if first and self._on_activity is not None:
            self._on_activity()

    def _quiet_locked(self) -> float:
        """How long the burst under way must stay quiet before it is handed on (see ``DEBOUNCE``)."""
        if len(self._pending) != 1:
            return self._debounce
        return min(DEBOUNCE_WRITTEN if self._written else DEBOUNCE_ONE, self._debounce)

    def _debounce_loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                now = time.monotonic()
                due = min(self._last + self._quiet_locked(), self._first + MAX_DELAY)
                if now < due:
                    self._cond.wait(due - now)
                    continue
                batch = ChangeSet(frozenset(self._pending))
                self._pending = set()
            try:
                self._on_change(batch)
            except Exception:
                log.exception("change handler failed")
