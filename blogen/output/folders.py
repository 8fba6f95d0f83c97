"""The two folders and how they change hands: the lock that keeps builds apart, the atomic swap and
the repair of one that was cut short, the marker that says a folder is blogen's, making the spare,
and the file operations the writer does in it (links, copies, removals)."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from blogen.core.errors import BlogenError
from blogen.output.live import Live, check, look
from blogen.output.record import MARKER, DirFacts, Manifest, OnDisk, Record, facts, legacy_paths, on_disk, spare_path

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

_MARKER_TEXT = b"This folder is written by blogen; it replaces the contents on every build.\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_T = TypeVar("_T")
_R = TypeVar("_R")
# Above this many files to write, the writes are spread over threads.
PARALLEL_FILES = 32
WRITER_THREADS = 8


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
    """Undo a fallback swap that a killed build left half done, and drop leftovers of older versions."""
    old = _old(out)
    if old.is_dir():
        if not out.exists():
            os.rename(old, out)  # the kill fell between the renames: the old site comes back
        else:
            shutil.rmtree(old, ignore_errors=True)
    legacy = out.parent / f".{out.name}.blogen-new"
    if legacy.exists():
        shutil.rmtree(legacy, ignore_errors=True)
    for path in legacy_paths(out):
        path.unlink(missing_ok=True)


def ensure_marker(folder: Path) -> None:
    if not (folder / MARKER).is_file():
        (folder / MARKER).write_bytes(_MARKER_TEXT)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2; False where the system cannot."""
    import ctypes

    fn = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)  # the libc already loaded
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
    """Hold an exclusive lock on ``out`` so two builds never interleave their updates and swaps.

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
        pid = str(os.getpid())
        if handle.read() != pid:  # a dev server holds it for each of its builds: written once, not each time
            handle.seek(0)
            handle.truncate()
            handle.write(pid)
            handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class OutputHold:
    """The output folder held for a whole build, from before it is decided until it is written: the
    lock taken, a swap that was cut short repaired, and the live folder looked at once under the lock
    (``live.look``), so that the decision and the writer share one check of it.

    No other build can change the folder while it is held. A hand edit meanwhile is the next build's
    to find, as one made while the writer works always was: the facts the writer records for a file
    are the ones this look found (or taken after a check that they still hold; see ``Staging``).
    """

    def __init__(self, out: Path, private: bool, live: Live, stack: ExitStack) -> None:
        self.out = out
        self.private = private
        self.live: Live | None = live  # the look, until the writer has used it
        self.held = True
        self._stack = stack

    @classmethod
    def take(cls, out: Path, private: bool = False) -> OutputHold | None:
        """Hold ``out`` now, or None when it cannot be held (another build holds it, or it is not a folder
        blogen may write): the writer then finds that out again and says so."""
        stack = ExitStack()
        try:
            check_output(out)
            stack.enter_context(output_lock(out))
            recover(out)
            live = look(out, private)
        except (BlogenError, OSError):
            stack.close()
            return None
        return cls(out, private, live, stack)

    def spend(self) -> Live | None:
        """The look, for the one writer that may build on it (the one after it looks again itself)."""
        live, self.live = self.live, None
        return live

    def release(self) -> None:
        self.live, self.held = None, False
        self._stack.close()

    def __enter__(self) -> OutputHold:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def prepare_spare(out: Path, live: Manifest, record: Record, private: bool) -> tuple[Path, Manifest, dict[str, DirFacts]]:
    """The spare folder, its manifest and its folders as checked (see ``blogen.output.live``), every
    entry of it the manifest does not vouch for removed (the site may still want such a file: it is
    then written anew); made from the live folder by hard links when there is none (the first swap),
    after which ``live`` holds the files' new facts."""
    spare = spare_path(out)
    if spare.is_dir() and not spare.is_symlink():
        manifest = record.manifest(spare)
        if private:
            return spare, manifest, {}
        good, other, dirs = check(spare, manifest, record.folders_of(spare), live)
        for rel in other:
            with suppress(FileNotFoundError):
                (spare / rel).unlink()
            prune_empty(spare, (spare / rel).parent)
        return spare, good, dirs
    if spare.is_symlink() or spare.exists():  # left by hand: never written through
        if spare.is_dir() and not spare.is_symlink():
            shutil.rmtree(spare)
        else:
            spare.unlink()
    spare.mkdir(parents=True)
    record.put({spare: None})  # a new folder may reuse the inode of a deleted one: forget that one
    if not out.is_dir():
        return spare, {}, {}

    def link(rel: str) -> None:
        target = spare / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(out / rel, target)
        except FileNotFoundError:
            pass
        except OSError:
            shutil.copy2(out / rel, target)

    each(link, [*live, MARKER])
    disk = on_disk(spare)  # a new link changes a file's ctime: both names' facts are taken anew
    linked: Manifest = {rel: [live[rel][0], *disk[rel]] for rel in live if rel in disk}
    for rel, fresh in linked.items():
        if fresh[4] == live[rel][4]:
            live[rel] = fresh
    return spare, linked, {}


def each(work: Callable[[_T], _R], items: Sequence[_T], pool: ThreadPoolExecutor | None = None) -> list[_R]:
    """``work`` applied to every item, in order; many items are spread over threads (``pool``'s, if given).

    Creating a file or folder waits on the disk's journal (~0.2 ms each on a VM disk), and the
    GIL is released meanwhile: a few threads overlap those waits. The first error is raised here.
    """
    if len(items) <= PARALLEL_FILES:
        return [work(item) for item in items]
    if pool is not None:
        return list(pool.map(work, items))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
        return list(pool.map(work, items))


def facts_of(digest: str, path: Path) -> list[object]:
    return facts(digest, path.stat())


def on_disk_now(path: Path) -> OnDisk | None:
    """A file as ``record.on_disk`` sees it, now; None when it is not there."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode)


def replace_with_link(source: Path, target: Path) -> bool:
    """Make ``target`` a hard link of ``source``; False where hard links are not possible."""
    tmp = target.with_name(f".{target.name}.blogen-tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError:
        return False
    os.replace(tmp, target)
    return True


def replace_with_data(target: Path, data: bytes | Path) -> None:
    tmp = target.with_name(f".{target.name}.blogen-tmp")
    if isinstance(data, Path):
        shutil.copyfile(data, tmp)
    else:
        tmp.write_bytes(data)
    os.replace(tmp, target)


def prune_empty(root: Path, folder: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def swap(out: Path, spare: Path) -> None:
    if not out.exists():
        os.rename(spare, out)
        return
    if _exchange(spare, out):
        return
    old = _old(out)
    os.rename(out, old)
    os.rename(spare, out)
    os.rename(old, spare)
