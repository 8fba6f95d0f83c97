"""The dev server's walk of the inputs, begun early: at the first file event of a burst.

A dev server build usually follows one save of one post's text, and the walk of the inputs that
decides what changed (``blogen.content.inputs``; ~30 ms at 5,000 files, nearly all ``stat`` calls)
would sit between the save and its page. So the server starts it at the first event of a burst, in
the background, while the watcher waits for the burst to go quiet (``Prescan``); the build then
looks again at the files the burst's events named. File events only say *when* to build and which
files to look at again: the walk decides *what* changed, so merged or misreported events cannot
make a build miss a change.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from blogen.content.inputs import Inputs, walk_inputs
from blogen.core.fileid import identity, settled


class Prescan:
    """A walk begun in the background at the first file event of a burst, for the build the burst asks for.

    A file the walk looked at before it changed again is named by that change's event, so the
    build looks again at every file named by the events it builds for (``take``). That makes what
    it gets as good as a walk of its own taken when it starts: each file's identity is taken before
    the build reads the file, so any later change differs from it next time.
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        self._inputs: Inputs | None = None
        self._thread = threading.Thread(target=self._run, name="blogen-prescan", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._inputs = walk_inputs(self._root)

    def take(self, changed: Iterable[str]) -> Inputs | None:
        """The walk, with the files at ``changed`` (site-relative) looked at again; None when a walk of
        its own is the caller's better course: one of them is new, gone or not a plain file."""
        self._thread.join()
        found = self._inputs
        if found is None:
            return None
        files = dict(found.files)
        recent = set(found.recent)
        now = time.time_ns()
        for rel in changed:
            if rel not in files:
                return None
            try:
                st = os.stat(os.path.join(str(self._root), rel))
            except OSError:
                return None
            if not stat.S_ISREG(st.st_mode):
                return None
            files[rel] = identity(st)
            if settled(st, now):
                recent.discard(rel)
            else:
                recent.add(rel)
        return replace(found, files=files, recent=frozenset(recent))
