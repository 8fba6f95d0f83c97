"""The only writer of output/: prepare the new site in a spare copy beside it, then swap the two in one step.

At every moment ``output/`` is either the whole old site or the whole new one: the new site is made
complete in ``.output.blogen-spare/`` and exchanged with ``output/`` by Linux's
``renameat2(RENAME_EXCHANGE)`` (elsewhere: three renames, which a later build repairs if it was
interrupted). After the swap the spare copy holds the previous site and is kept, so the next build
only has to bring it up to date: the cost of a build is the number of files that changed, not the
size of the site (creating and deleting thousands of folders is slow on many disks). The new site
is handed over file by file as it is made (``staged_output``), so a build never holds every page
in memory: only files that changed are written into the spare, a few MB at a time, and nothing
touches ``output/`` before the swap.

Both folders have a manifest of their files' digests and identities, kept beside them in the build
record (so the published files themselves stay byte-for-byte stable; see ``blogen.output.record``);
each is checked against its folder before it is used, so whatever was done to either folder since
(a stray file, a hand edit, a deletion) is undone by the next build.
Files whose bytes did not change are hard links to the live ones, so they keep their inode and
mtime (rsync and browsers see them as unchanged); files are never modified in place, only
replaced, so sharing inodes between the two copies is safe. A build that changes nothing touches
nothing.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from blogen.core.errors import BlogenError
from blogen.output.record import MARKER, Manifest, Record, facts, file_digest, legacy_paths, on_disk, spare_path, verify

log = logging.getLogger(__name__)

_MARKER_TEXT = b"This folder is written by blogen; it replaces the contents on every build.\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass(frozen=True, slots=True)
class Kept:
    """A file the caller knows is unchanged: keep the live folder's copy, whose digest this is."""

    digest: str


Data = bytes | Path | Kept


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: tuple[str, ...]  # new or changed files
    removed: tuple[str, ...]  # files the site no longer produces
    unchanged: int
    # every file of the output folder now (the marker too) -> (size, mtime_ns), as the writer left it
    files: Mapping[str, tuple[int, int]] = field(default_factory=dict)


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


_T = TypeVar("_T")
_R = TypeVar("_R")
# Above this many files to write, the writes are spread over threads.
_PARALLEL_FILES = 32
_WRITER_THREADS = 8


def _digest(data: Data) -> str:
    if isinstance(data, Kept):
        return data.digest
    if isinstance(data, Path):
        return file_digest(data)
    return hashlib.sha256(data).hexdigest()[:32]


def _ensure_marker(folder: Path) -> None:
    if not (folder / MARKER).is_file():
        (folder / MARKER).write_bytes(_MARKER_TEXT)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2; False where the system cannot."""
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
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_rel(rel: str) -> None:
    if rel.startswith("/") or any(part in ("", ".", "..") for part in rel.split("/")) or rel == MARKER:
        raise BlogenError.one(rel, None, "refusing to write outside the output folder")


def _stale(rel: str) -> OSError:
    return OSError(errno.ESTALE, "a file said to be unchanged is not in the output folder", rel)


def _cannot_write(out: Path, exc: OSError) -> BlogenError:
    what = exc.strerror or str(exc)
    where = f" ({exc.filename})" if exc.filename else ""
    return BlogenError.one(str(out), None, f"cannot write the new site: {what}{where}; the output folder was left as it was")


def write_outputs(out: Path, files: Mapping[str, Data], notes: Mapping[str, Any] | None = None,
                  private: bool = False) -> WriteReport:
    """Make ``out`` hold exactly ``files`` (output path -> bytes, a file to copy, or Kept).

    ``notes`` are kept with the new folder's manifest and returned by ``read_live`` next time.

    A failure while writing (a full disk, a vanished source file) leaves ``out`` as it was and is
    reported as a BlogenError.
    """
    check_output(out)
    for rel in files:
        _check_rel(rel)
    with staged_output(out, private) as staging:
        for rel, data in files.items():
            staging.add(rel, data)
        return staging.finish(notes or {})


@contextmanager
def staged_output(out: Path, private: bool = False) -> Iterator[Staging]:
    """Hold the output lock and take the new site's files one at a time (see ``Staging``).

    If the block raises, ``out`` is left as it was: whatever was already written went into the
    spare folder only, which is never swapped in unless ``finish`` completes.
    """
    check_output(out)
    with output_lock(out):
        try:
            recover(out)
            staging = Staging(out, private)
        except OSError as exc:
            raise _cannot_write(out, exc) from None
        try:
            yield staging
        except BaseException as exc:
            staging.abandon(clean=isinstance(exc, BlogenError))
            raise
        staging.abandon(clean=True)  # stops the writer threads (and, had finish not been called, records the spare)


# Changed files handed to a Staging are written in batches of about this many bytes, each spread
# over the writer threads while the caller waits: the pages never pile up in memory, and the waits
# of file creation on the disk's journal still overlap. (Handing each page to a thread while the
# next one renders was slower: the threads then wait for the GIL the renderer holds.)
_BATCH_BYTES = 4 << 20


class Staging:
    """The new site under way, file by file, inside the output lock (made by ``staged_output``).

    Each file is handed over as soon as it is made and only its digest is kept: a file whose bytes
    equal the live copy's is not written now (``finish`` hard-links the live file, so it keeps its
    inode and mtime); one that differs is written into the spare folder with the next few MB of
    changed files. So a build never holds every page's bytes at the same time. The spare is
    brought up to date from the live folder on the first changed file; ``output/`` itself is only
    touched by the swap at the end of ``finish``.

    Each folder's manifest is checked against the folder first (``record.verify``): a file that is
    not as recorded counts as unknown, so it is written again if the site has it and removed if not.
    """

    def __init__(self, out: Path, private: bool) -> None:
        self.out = out
        self._private = private
        self._state = Record(out, private)
        manifest = self._state.manifest(out)
        self._live, self._live_other = (manifest, frozenset[str]()) if private or not out.is_dir() else \
            verify(out, manifest, on_disk(out))
        # What the caller may build on: the live folder's intact files and the notes left with them, and
        # whether the folder is exactly as recorded (nothing changed, missing or added since).
        self.live: dict[str, str] = {rel: str(m[0]) for rel, m in self._live.items()}
        self.intact = bool(manifest) and not self._live_other and len(self._live) == len(manifest)
        self.notes: dict[str, Any] = self._state.notes(out)
        self._desired: dict[str, str] = {}  # rel -> digest of every file handed over
        self._changed: list[str] = []
        self._spare: Path | None = None  # set once the spare is prepared and marked dirty
        self._spare_files: Manifest = {}
        self._result: Manifest = {}  # the spare's new manifest, as far as it is settled
        self._made: set[Path] = set()
        self._batch: list[tuple[str, str, bytes | Path, Path, bool]] = []  # changed files waiting to be written
        self._batch_bytes = 0
        self._pool: ThreadPoolExecutor | None = None
        self._failed = False  # a write failed: what the spare holds is not known exactly
        self._closed = False  # no more files are taken
        self._finishing = False  # finish has begun: the spare is the new site, or was swapped in

    def add(self, rel: str, data: Data) -> None:
        """Take one file of the new site; its bytes are written into the spare now if they changed."""
        if self._closed:
            raise RuntimeError("the output folder's staging is closed")
        _check_rel(rel)
        if rel in self._desired:
            raise BlogenError.one(rel, None, "two outputs write this file")
        try:
            digest = _digest(data)
            self._desired[rel] = digest
            now = self._live.get(rel)
            if isinstance(data, Kept) and (now is None or now[0] != data.digest):
                raise _stale(rel)
            if now is not None and now[0] == digest:
                return  # unchanged: ``finish`` links the live file into the spare
            self._changed.append(rel)
            spare = self._open_spare()
            mine = self._spare_files.get(rel)
            if mine is not None and mine[0] == digest:
                self._result[rel] = mine  # the spare already has these bytes (from the build before last)
                return
            assert not isinstance(data, Kept)  # checked above: a Kept file is always unchanged
            self._write(rel, digest, data, spare / rel, mine is None)
        except OSError as exc:
            self._failed = True
            raise _cannot_write(self.out, exc) from None

    @property
    def taken(self) -> frozenset[str]:
        """The files handed over so far."""
        return frozenset(self._desired)

    def keep(self, rels: Iterable[str]) -> None:
        """Take files known to be unchanged that are in the live folder as it was left: the pages a quick
        rebuild did not look at again. Their paths were checked when they were first written."""
        if self._closed:
            raise RuntimeError("the output folder's staging is closed")
        desired, live = self._desired, self._live
        for rel in rels:
            if rel in desired:
                raise BlogenError.one(rel, None, "two outputs write this file")
            now = live.get(rel)
            if now is None:
                self._failed = True
                raise _cannot_write(self.out, _stale(rel))
            desired[rel] = str(now[0])

    def _open_spare(self) -> Path:
        if self._spare is None:
            spare, self._spare_files = _prepare_spare(self.out, self._live, self._state, self._private)
            _ensure_marker(spare)
            self._spare = spare
        return self._spare

    def _write(self, rel: str, digest: str, data: bytes | Path, target: Path, new: bool) -> None:
        self._batch.append((rel, digest, data, target, new))
        self._batch_bytes += len(data) if isinstance(data, bytes) else 0
        if self._batch_bytes >= _BATCH_BYTES:
            self._flush()

    def _write_one(self, item: tuple[str, str, bytes | Path, Path, bool]) -> list[object]:
        _rel, digest, data, target, new = item
        if new and target.parent not in self._made:  # a file the spare already has has its folder too
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        _replace_with_data(target, data)
        return _facts(digest, target)

    def _flush(self) -> None:
        """Write the changed files waiting their turn; the first failure is raised."""
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        if self._pool is None and len(batch) > _PARALLEL_FILES:
            self._pool = ThreadPoolExecutor(max_workers=_WRITER_THREADS, thread_name_prefix="blogen-write")
        for item, fact in zip(batch, _each(self._write_one, batch, self._pool), strict=True):
            self._result[item[0]] = fact

    def finish(self, notes: Mapping[str, Any]) -> WriteReport:
        """Complete the spare (links for unchanged files, removals) and swap it in; returns what changed."""
        if self._closed:
            raise RuntimeError("the output folder's staging is closed")
        self._closed = self._finishing = True
        try:
            return self._finish(notes)
        except OSError as exc:
            self._failed = True
            raise _cannot_write(self.out, exc) from None

    def _finish(self, notes: Mapping[str, Any]) -> WriteReport:
        out, live, desired, state = self.out, self._live, self._desired, self._state
        self._flush()
        changed = sorted(self._changed)
        removed = sorted((set(live) | self._live_other) - desired.keys())
        if self._spare is None and not removed and (out / MARKER).is_file():
            if state.notes(out) != notes or state.manifest(out).keys() != live.keys():
                state.put({out: (live, notes)})
            return WriteReport((), (), len(desired), _sizes_and_times(out, live))
        spare = self._open_spare()
        spare_files, result, made = self._spare_files, self._result, self._made
        work: list[tuple[str, str, list[object] | None]] = []
        for rel, digest in desired.items():
            if rel in result:
                continue
            mine, now = spare_files.get(rel), live[rel]  # every file not in result is unchanged
            if mine is not None and mine[4] == now[4]:
                result[rel] = now  # the spare already holds the live file itself: the usual case, no path work
            else:
                work.append((rel, digest, mine))

        def bring(item: tuple[str, str, list[object] | None]) -> list[object]:
            """Make the spare's copy of an unchanged file the live file itself (a hard link, so it
            keeps its inode and mtime), or a copy of it where hard links are not possible."""
            rel, digest, mine = item
            target = spare / rel
            if mine is None and target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if not _replace_with_link(out / rel, target):
                _replace_with_data(target, out / rel)
            return _facts(digest, target)  # a new link changes the file's ctime: its facts are taken anew

        for (rel, _d, _mine), fact in zip(work, _each(bring, work, self._pool), strict=True):
            result[rel] = fact
            if fact[4] == live[rel][4]:
                live[rel] = fact  # the live name is the same file
        for rel in sorted(set(spare_files) - desired.keys()):
            with suppress(FileNotFoundError):
                (spare / rel).unlink()
            _prune_empty(spare, (spare / rel).parent)
        state.put({out: (live, state.notes(out)), spare: (result, notes)})
        _swap(out, spare)
        return WriteReport(tuple(changed), tuple(removed), len(desired) - len(changed), _sizes_and_times(out, result))

    def abandon(self, clean: bool) -> None:
        """Stop taking files; those still waiting their turn are never written, and writes under way
        (after a failed one) are waited for, as the lock must be held during each.

        When the build stopped before ``finish`` for a ``clean`` reason (it found a problem in the
        site) and no write failed, the spare's manifest is recorded as it now stands, old and new
        files mixed but exact, so the next build updates the spare instead of making it again from
        the live folder. Otherwise (a failed write, an interrupt) its dirty mark stays.
        """
        self._closed = True
        known = not self._failed
        self._batch = []  # never written: the spare still holds what it held
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if clean and known and not self._finishing and self._spare is not None:
            with suppress(OSError):  # then the spare stays marked dirty, which is safe
                self._state.put({self._spare: ({**self._spare_files, **self._result}, {})})


def _sizes_and_times(out: Path, manifest: Manifest) -> dict[str, tuple[int, int]]:
    """What the no-op check (``record.output_manifest``) will find in ``out``, from what the writer
    knows of each file rather than from another walk of the folder."""
    files = {rel: (cast(int, facts[1]), cast(int, facts[2])) for rel, facts in manifest.items()}
    try:
        st = os.stat(out / MARKER)
        files[MARKER] = (st.st_size, st.st_mtime_ns)
    except OSError:
        pass
    return files


def _prepare_spare(out: Path, live: Manifest, record: Record, private: bool) -> tuple[Path, Manifest]:
    """The spare folder and its manifest, every entry of it the manifest does not vouch for removed
    (the site may still want such a file: it is then written anew); made from the live folder by hard
    links when there is none (the first swap), after which ``live`` holds the files' new facts."""
    spare = spare_path(out)
    if spare.is_dir() and not spare.is_symlink():
        manifest = record.manifest(spare)
        if private:
            return spare, manifest
        good, other = verify(spare, manifest, on_disk(spare))
        for rel in other:
            with suppress(FileNotFoundError):
                (spare / rel).unlink()
            _prune_empty(spare, (spare / rel).parent)
        return spare, good
    if spare.is_symlink() or spare.exists():  # left by hand: never written through
        if spare.is_dir() and not spare.is_symlink():
            shutil.rmtree(spare)
        else:
            spare.unlink()
    spare.mkdir(parents=True)
    record.put({spare: None})  # a new folder may reuse the inode of a deleted one: forget that one
    if not out.is_dir():
        return spare, {}

    def link(rel: str) -> None:
        target = spare / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(out / rel, target)
        except FileNotFoundError:
            pass
        except OSError:
            shutil.copy2(out / rel, target)

    _each(link, [*live, MARKER])
    disk = on_disk(spare)  # a new link changes a file's ctime: both names' facts are taken anew
    linked: Manifest = {rel: [live[rel][0], *disk[rel]] for rel in live if rel in disk}
    for rel, fresh in linked.items():
        if fresh[4] == live[rel][4]:
            live[rel] = fresh
    return spare, linked


def _each(work: Callable[[_T], _R], items: Sequence[_T], pool: ThreadPoolExecutor | None = None) -> list[_R]:
    """``work`` applied to every item, in order; many items are spread over threads (``pool``'s, if given).

    Creating a file or folder waits on the disk's journal (~0.2 ms each on a VM disk), and the
    GIL is released meanwhile: a few threads overlap those waits. The first error is raised here.
    """
    if len(items) <= _PARALLEL_FILES:
        return [work(item) for item in items]
    if pool is not None:
        return list(pool.map(work, items))
    with ThreadPoolExecutor(max_workers=_WRITER_THREADS) as pool:
        return list(pool.map(work, items))


def _facts(digest: str, path: Path) -> list[object]:
    return facts(digest, path.stat())


def _replace_with_link(source: Path, target: Path) -> bool:
    """Make ``target`` a hard link of ``source``; False where hard links are not possible."""
    tmp = target.with_name(f".{target.name}.blogen-tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError:
        return False
    os.replace(tmp, target)
    return True


def _replace_with_data(target: Path, data: bytes | Path) -> None:
    tmp = target.with_name(f".{target.name}.blogen-tmp")
    if isinstance(data, Path):
        shutil.copyfile(data, tmp)
    else:
        tmp.write_bytes(data)
    os.replace(tmp, target)


def _prune_empty(root: Path, folder: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _swap(out: Path, spare: Path) -> None:
    if not out.exists():
        os.rename(spare, out)
        return
    if _exchange(spare, out):
        return
    old = _old(out)
    os.rename(out, old)
    os.rename(spare, out)
    os.rename(old, spare)
