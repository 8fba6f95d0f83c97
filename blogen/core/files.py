"""The site's boundary for files: what kind of file blogen may open, and how it writes one.

One rule for every file blogen reads or writes, whatever the stage: a file is read only when it is a
regular file (FIFOs, devices and sockets are refused by their type, before anything opens them: a
FIFO would block a build forever), and a file is written only by replacing it in one step (a
temporary file beside it, then a rename), which never writes through a symlink: the rename replaces
a link standing at the path itself, not what it points to. Where a write must also stay inside a
folder (a site, a theme being ejected), ``check_inside`` refuses a path one of whose folders is a
symlink leading out of it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def special_kind(mode: int) -> str | None:
    """What a file of this mode is, in words, when it is neither a regular file nor a folder (nor a symlink)."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return None


def is_inside(path: str | Path, top: str | Path) -> bool:
    """Whether ``path`` (made absolute, with symlinks resolved) lies inside ``top`` (resolved too)."""
    real, base = os.path.realpath(path), os.path.realpath(top)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def check_inside(path: Path, top: Path) -> str | None:
    """Why writing ``path`` would leave ``top``, or None: ``path`` must be under ``top`` as written and
    every folder between them must resolve inside ``top`` (a folder symlinked elsewhere would carry the
    write out of it). The last part may be a symlink: ``write_atomic`` replaces the link itself."""
    try:
        rel = path.relative_to(top)
    except ValueError:
        return f"{path} is not inside {top}"
    if ".." in rel.parts:
        return f"{path} is not inside {top}"
    if not is_inside(path.parent, top):
        return f"{path.parent} leads outside {top} (to {os.path.realpath(path.parent)})"
    return None


def write_atomic(path: Path, data: bytes | str, *, make_parents: bool = True) -> None:
    """Make ``path`` hold ``data`` in one step; readers see the old bytes or the new, never a part.

    The bytes go to a temporary file beside ``path`` (named after this process, so two writers never
    share one), which is then renamed over it; a symlink at ``path`` is replaced, never written through.
    Raises OSError; the temporary file is removed on failure.
    """
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        tmp.unlink(missing_ok=True)  # left by a killed process of the same pid
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
