"""The dev server's walk of the inputs, begun early: at the first file event of a burst.

A dev server build usually follows one save of one post's text, and the walk of the inputs that
decides what changed (``blogen.content.inputs``; 20–50 ms at 5,000 files, nearly all ``stat``
calls) would sit between the save and its page. So the server starts it at the first event of a
burst, while the watcher waits for the burst to go quiet (``Prescan``); the build then looks again
at the files the burst's events named. File events only say *when* to build and which files to
look at again: the walk decides *what* changed, so merged or misreported events cannot make a
build miss a change.

The walk is the same function everywhere; the dev server runs it in a process of its own
(``WalkProcess``), so it goes on beside a build instead of waiting for the interpreter's lock the
build holds. The build can then start from what the last walk found, with the named files looked
at again (``predict``), as soon as the burst is quiet; the walk is waited for before its pages are
let out, and a build whose start it contradicts is made again from the walk (``agrees``).
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import signal
import stat
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from blogen.content.inputs import Inputs, walk_inputs
from blogen.core.errors import Problem
from blogen.core.fileid import identity, settled

log = logging.getLogger(__name__)

_LENGTH = struct.Struct("<Q")


class WalkProcess:
    """``walk_inputs`` of one site, run on request in a child process of its own.

    The child is started at once and waits; each ``walk`` asks it for one walk and returns it, or
    None once it cannot (it could not start, it died, it said something other than a walk): the
    caller then walks by itself. Walks are taken one at a time. The child ends when ``close`` is
    called or this process's end closes its pipe.
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        package_parent = str(Path(__file__).resolve().parents[2])  # this very blogen, wherever it is installed
        code = f"import sys; sys.path.insert(0, {package_parent!r}); from blogen.incremental.scan import serve_walks; serve_walks()"
        if not sys.executable:  # an embedded interpreter: no program to start
            return
        try:
            self._proc = subprocess.Popen([sys.executable, "-c", code, str(root)], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            log.debug("walks in this process: the walker cannot start: %s", exc)

    @property
    def alive(self) -> bool:
        """Whether walks are still taken in the child (after a failure they are not)."""
        return self._proc is not None

    def walk(self) -> Inputs | None:
        with self._lock:
            proc = self._proc
            if proc is None or proc.stdin is None or proc.stdout is None:
                return None
            try:
                proc.stdin.write(b"walk\n")
                proc.stdin.flush()
                head = proc.stdout.read(_LENGTH.size)
                size = _LENGTH.unpack(head)[0] if len(head) == _LENGTH.size else 0
                body = proc.stdout.read(size) if size else b""
                if size == 0 or len(body) != size:
                    raise EOFError("the walker ended")
                return _from_wire(self._root, marshal.loads(body))
            except (OSError, EOFError, ValueError, TypeError, struct.error) as exc:
                log.debug("walks in this process from now on: %s: %s", type(exc).__name__, exc)
                self._end(proc)
                return None

    def close(self) -> None:
        """End the child; a walk under way (in another thread) then returns None."""
        proc, self._proc = self._proc, None  # without the lock: a walk that hangs must not hold up the end
        if proc is not None:
            self._end(proc)

    def _end(self, proc: subprocess.Popen[bytes]) -> None:
        self._proc = None
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        try:
            proc.wait(1.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve_walks() -> None:
    """The child's side of ``WalkProcess``: one walk of the site (``sys.argv[1]``) for each line read,
    until its input ends. Ctrl-C is the parent's to handle (it reaches the whole process group)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = Path(sys.argv[1])
    out = sys.stdout.buffer
    for _line in sys.stdin.buffer:
        body = marshal.dumps(_to_wire(walk_inputs(root)))
        out.write(_LENGTH.pack(len(body)) + body)
        out.flush()


_Wire = tuple[dict[str, tuple[int, int, int, int]], list[str], list[tuple[str, int | None, str, str]], str | None]


def _to_wire(found: Inputs) -> _Wire:
    """An Inputs as plain values (marshal: no code runs when it is read back)."""
    return (dict(found.files), sorted(found.recent), [(p.path, p.line, p.message, p.severity) for p in found.problems],
            found.builtin_theme)


def _from_wire(root: Path, value: object) -> Inputs:
    if not isinstance(value, tuple) or len(value) != 4:
        raise TypeError("not a walk")
    files, recent, problems, builtin = value
    if not isinstance(files, dict) or not isinstance(recent, list) or not isinstance(problems, list) \
            or not (builtin is None or isinstance(builtin, str)):
        raise TypeError("not a walk")
    return Inputs(root, files, frozenset(recent), tuple(Problem(*p) for p in problems), builtin)


class Prescan:
    """A walk begun in the background at the first file event of a burst, for the build the burst asks for.

    A file the walk looked at before it changed again is named by that change's event, so the
    build looks again at every file named by the events it builds for (``take``). That makes what
    it gets as good as a walk of its own taken when it starts: each file's identity is taken before
    the build reads the file, so any later change differs from it next time.
    """

    def __init__(self, root: Path, walker: WalkProcess | None = None) -> None:
        self._root = root
        self._walker = walker
        self._inputs: Inputs | None = None
        self._thread = threading.Thread(target=self._run, name="blogen-prescan", daemon=True)
        self._thread.start()

    @property
    def beside(self) -> bool:
        """Whether the walk runs in a process of its own, so a build can run while it does."""
        return self._walker is not None

    def _run(self) -> None:
        found = self._walker.walk() if self._walker is not None else None
        self._inputs = found if found is not None else walk_inputs(self._root)

    def take(self, changed: Iterable[str]) -> Inputs | None:
        """The walk, with the files at ``changed`` (site-relative) looked at again; None when a walk of
        its own is the caller's better course: one of them is new, gone or not a plain file."""
        self._thread.join()
        found = self._inputs
        return None if found is None else predict(found, changed)


def predict(base: Inputs, changed: Iterable[str]) -> Inputs | None:
    """``base`` with the files at ``changed`` (site-relative) looked at again; None when one of them
    is new, gone or not a plain file (then only a walk can say what the inputs are)."""
    files = dict(base.files)
    recent = set(base.recent)
    now = time.time_ns()
    for rel in changed:
        if rel not in files:
            return None
        try:
            st = os.stat(os.path.join(str(base.root), rel))
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        files[rel] = identity(st)
        if settled(st, now):
            recent.discard(rel)
        else:
            recent.add(rel)
    return replace(base, files=files, recent=frozenset(recent))


def agrees(walked: Inputs, predicted: Inputs) -> bool:
    """Whether a walk found the inputs a build was started from: every file as it was predicted (a file
    changed since by an edit is named again by its event, and so in both), no other file, the same
    problems. Which files count as too recent may differ: time passed between the two, and a build
    from a prediction that counts more of them only reads more files to learn their digests."""
    return walked.files == predicted.files and walked.problems == predicted.problems \
        and walked.builtin_theme == predicted.builtin_theme
