"""The only writer of output/: stage the new site beside the old one, then swap them in one step.

Files whose bytes did not change are hard-linked into the staging folder, so they keep their inode
and mtime (rsync and browsers see them as unchanged); a build that changes nothing touches nothing.
The swap uses Linux's ``renameat2(RENAME_EXCHANGE)`` so that at every moment ``output/`` is either
the whole old site or the whole new one; elsewhere it falls back to two renames.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from blogen.errors import BlogenError

log = logging.getLogger(__name__)

MARKER = ".blogen-output"
_MARKER_TEXT = b"This folder is written by blogen; it replaces the contents on every build.\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: tuple[str, ...]  # new or changed files
    removed: tuple[str, ...]  # files the site no longer produces
    unchanged: int


def _staging(out: Path) -> Path:
    return out.parent / f".{out.name}.blogen-new"


def _old(out: Path) -> Path:
    return out.parent / f".{out.name}.blogen-old"


def check_output(out: Path) -> None:
    """Refuse to take over a folder blogen did not create: it would delete the user's files."""
    if out.is_symlink():
        raise BlogenError.one(str(out), None, "output folder is a symlink; give the real folder with --output")
    if out.exists() and not out.is_dir():
        raise BlogenError.one(str(out), None, "output path exists and is not a folder")
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()):
        raise BlogenError.one(str(out), None, f"output folder is not empty and was not made by blogen (no {MARKER} file); "
                              "move its contents away or choose another folder with --output")


def recover(out: Path) -> None:
    """Finish or undo a swap that a killed build left half done, and drop its staging folder."""
    old = _old(out)
    if old.is_dir():
        if not out.exists():
            os.rename(old, out)  # the kill fell between the two fallback renames: the old site comes back
        else:
            shutil.rmtree(old, ignore_errors=True)
    staging = _staging(out)
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)


def _existing(out: Path) -> set[str]:
    found: set[str] = set()
    if not out.is_dir():
        return found
    for folder, _dirs, files in os.walk(out):
        rel = Path(folder).relative_to(out)
        for name in files:
            found.add((rel / name).as_posix())
    found.discard(MARKER)
    return found


def _same(path: Path, data: bytes | Path) -> bool:
    try:
        if isinstance(data, Path):
            if path.stat().st_size != data.stat().st_size:
                return False
            return path.read_bytes() == data.read_bytes()
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2; False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    res = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if res == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` so two builds never interleave their staging and swaps.

    The lock file lives beside the output folder (which is itself replaced by the swap); the
    kernel drops the lock if the process dies, so a killed build never leaves it held.
    """
    import fcntl

    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.blogen-lock"
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise BlogenError.one(str(out), None, f"another blogen process (pid {holder}) is writing this output folder; "
                                  "nothing was written: run the build again when it has finished") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_outputs(out: Path, files: Mapping[str, bytes | Path]) -> WriteReport:
    """Make ``out`` hold exactly ``files`` (output path -> bytes, or a file to copy).

    A failure while writing (a full disk, a vanished source file) leaves ``out`` as it was and is
    reported as a BlogenError.
    """
    check_output(out)
    with output_lock(out):
        recover(out)
        try:
            return _write(out, files)
        except OSError as exc:
            what = exc.strerror or str(exc)
            where = f" ({exc.filename})" if exc.filename else ""
            raise BlogenError.one(str(out), None, f"cannot write the new site: {what}{where}; the output folder was left as it was") from None


def _write(out: Path, files: Mapping[str, bytes | Path]) -> WriteReport:
    for rel in files:
        p = PurePosixPath(rel)
        if p.is_absolute() or any(part in ("", ".", "..") for part in p.parts) or rel == MARKER:
            raise BlogenError.one(rel, None, "refusing to write outside the output folder")
    existing = _existing(out)
    changed = sorted(rel for rel, data in files.items() if rel not in existing or not _same(out / rel, data))
    removed = sorted(existing - files.keys())
    unchanged = len(files) - len(changed)
    if not changed and not removed and (out / MARKER).is_file():
        return WriteReport((), (), unchanged)
    staging = _staging(out)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        changed_set = set(changed)
        made: set[Path] = {staging}
        for rel in sorted(files):
            target = staging / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if rel not in changed_set:
                try:
                    os.link(out / rel, target)
                    continue
                except OSError:
                    pass  # a file system without hard links: copy instead
            data = files[rel]
            if isinstance(data, Path):
                shutil.copyfile(data, target)
            else:
                target.write_bytes(data)
        try:
            os.link(out / MARKER, staging / MARKER)
        except OSError:
            (staging / MARKER).write_bytes(_MARKER_TEXT)
        _swap(out, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WriteReport(tuple(changed), tuple(removed), unchanged)


def _swap(out: Path, staging: Path) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging)  # now holds the old site
        return
    old = _old(out)
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old)
