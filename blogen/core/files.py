"""The site's boundary for files: what kind of file blogen may open, and how it writes one.

One rule for every file blogen reads or writes, whatever the stage: a file is read only when it is a
regular file (FIFOs, devices and sockets are refused by their type, before anything reads them: a
FIFO would block a build forever), and only while its real path stays inside the folder it belongs
to (the site, or the built-in theme) and a symlink does not lead it into a hidden file or folder
there (``.git``, ``.env``: what blogen never reads by name it never reads through a link) —
``read_regular``. A file is written only by replacing it in one step (a temporary file beside it,
then a rename), which never writes through a symlink: the rename replaces a link standing at the
path itself, not what it points to (``write_atomic``). Where a write must also stay inside a
folder (a site, a theme being ejected, the site's cache), ``check_inside`` refuses a path one of
whose folders is a symlink leading out of it.

``blogen.content.inputs`` walks a site's inputs by the same rule, so a problem found there and one
found by a later read are worded alike.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def special_kind(mode: int) -> str | None:
    """What a file of this mode is, in words, when it is neither a regular file nor a folder (nor a symlink)."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return None


class Refused(OSError):
    """A file blogen will not read: not a regular file, or reached through a symlink leading out of
    its folder or into a hidden one. ``strerror`` says why, in words fit for a ``path: message`` line."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(errno.EPERM, reason, str(path))


def not_regular(mode: int) -> str:
    """The message for a file of this mode that is not a regular file."""
    return f"is {special_kind(mode) or 'not a regular file'}; blogen reads only regular files"


def outside(link: str | Path, where: str) -> str:
    """The message for a symlink at ``link`` whose target lies outside ``where`` (e.g. "the site")."""
    try:
        written = os.readlink(link)
    except OSError:
        written = os.path.realpath(link)
    return f"symlink points outside {where} (to {written}); blogen reads no file from outside the site"


def hidden_part(path: str, top: str | Path) -> str | None:
    """The first hidden name (``.git``, ``.env``, ``.blogen-cache``) on the way from ``top`` down to
    ``path`` (both real paths), or None."""
    return _hidden_below(path, os.path.realpath(top))


def _hidden_below(path: str, base: str) -> str | None:
    """``hidden_part`` with ``top`` resolved already (``base``)."""
    base = base.rstrip(os.sep)
    rel = path[len(base) + 1:] if path.startswith(base + os.sep) else ""
    return next((part for part in rel.split(os.sep) if part.startswith(".")), None)


def into_hidden(link: str | Path, hidden: str) -> str:
    """The message for a symlink that leads into a hidden file or folder of the site."""
    try:
        written = os.readlink(link)
    except OSError:
        written = os.path.realpath(link)
    return (f"symlink leads into '{hidden}' (to {written}); blogen reads no hidden file or folder of the site "
            "(like .git or .env), so none can be published through a link")


def read_regular(path: str | Path, *, inside: str | Path | None = None, where: str = "the site",
                 limit: int | None = None) -> bytes:
    """The bytes of ``path``, which must be a regular file (and, with ``inside``, really lie inside
    that folder: a symlink on the way that leads out of it is refused, naming ``where``).

    Opened without blocking, so a FIFO is refused by its type instead of hanging the read; ``limit``
    reads only that many bytes from the start. Raises
    ``Refused`` for a file the rule refuses, other OSErrors as ``open`` does (a missing file:
    FileNotFoundError).
    """
    with _open_regular(path, inside, where) as fh:
        return fh.read() if limit is None else fh.read(limit)


def read_regular_chunks(path: str | Path, *, inside: str | Path | None = None, chunk: int = 1 << 20) -> list[bytes]:
    """``read_regular``'s bytes in pieces of ``chunk`` bytes: for a reader that lets each piece go once
    it is done with it, instead of holding the whole file until the end."""
    with _open_regular(path, inside, "the site") as fh:
        return list(iter(lambda: fh.read(chunk), b""))


def _open_regular(path: str | Path, inside: str | Path | None, where: str) -> BinaryIO:
    """``path`` open for reading, by ``read_regular``'s rule."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    target = os.fspath(path)
    if inside is not None:
        # Each folder is resolved once (resolving a path looks at every folder on its way: the templates
        # and shortcodes of a site are read on every build, each with this check).
        real, base = os.path.realpath(target), os.path.realpath(inside)
        if not _within(real, base):
            raise Refused(path, outside(path, where))
        hidden = _hidden_below(real, base)
        if hidden is not None and _hidden_below(os.path.abspath(target), base) is None:
            raise Refused(path, into_hidden(path, hidden))
        target, flags = real, flags | getattr(os, "O_NOFOLLOW", 0)  # a link swapped in since is refused
    fh = os.fdopen(os.open(target, flags), "rb")
    mode = os.fstat(fh.fileno()).st_mode
    if not stat.S_ISREG(mode):
        fh.close()
        raise Refused(path, not_regular(mode))
    return fh


def is_inside(path: str | Path, top: str | Path) -> bool:
    """Whether ``path`` (made absolute, with symlinks resolved) lies inside ``top`` (resolved too)."""
    return _within(os.path.realpath(path), os.path.realpath(top))


def _within(real: str, base: str) -> bool:
    """``is_inside`` for paths resolved already."""
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


def write_atomic(path: Path, data: bytes | str, *, make_parents: bool = True, mode: int = 0o666,
                 exclusive: bool = False) -> None:
    """Make ``path`` hold ``data`` in one step; readers see the old bytes or the new, never a part.

    The bytes go to a temporary file beside ``path`` (named after this process, so two writers never
    share one), which is then renamed over it; a symlink at ``path`` is replaced, never written through.
    With ``exclusive`` the file is only made if nothing is at ``path`` (not even a dangling symlink):
    FileExistsError otherwise, and two processes racing to make it never both succeed. ``mode`` is
    the new file's permissions (less the umask). Raises OSError; the temporary file is removed on failure.
    """
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        tmp.unlink(missing_ok=True)  # left by a killed process of the same pid
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        if exclusive:
            os.link(tmp, path, follow_symlinks=False)  # fails if anything, a symlink too, is at path
            tmp.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
