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

import errno
import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from blogen.core.errors import BlogenError
from blogen.output import folders
from blogen.output.live import Live, look
from blogen.output.record import MARKER, DirFacts, Manifest, Record, file_digest, spare_path, stands

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

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


def _digest(data: Data) -> str:
    if isinstance(data, Kept):
        return data.digest
    if isinstance(data, Path):
        return file_digest(data)
    return hashlib.sha256(data).hexdigest()[:32]


def _check_rel(rel: str) -> None:
    if rel.startswith("/") or any(part in ("", ".", "..") for part in rel.split("/")) or rel == MARKER:
        raise BlogenError.one(rel, None, "refusing to write outside the output folder")


def _stale(rel: str) -> OSError:
    return OSError(errno.ESTALE, "a file said to be unchanged is not in the output folder", rel)


def _changed(rel: str) -> OSError:
    return OSError(errno.ESTALE, "a file of the output folder changed while the site was being built", rel)


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
    folders.check_output(out)
    for rel in files:
        _check_rel(rel)
    with staged_output(out, private) as staging:
        for rel, data in files.items():
            staging.add(rel, data)
        return staging.finish(notes or {})


@contextmanager
def staged_output(out: Path, private: bool = False, hold: folders.OutputHold | None = None) -> Iterator[Staging]:
    """Hold the output lock and take the new site's files one at a time (see ``Staging``).

    ``hold``: the folder held already, since before the build was decided (see ``folders.OutputHold``);
    the staging then starts from the look taken under it instead of walking the folder again.

    If the block raises, ``out`` is left as it was: whatever was already written went into the
    spare folder only, which is never swapped in unless ``finish`` completes.
    """
    if hold is not None and not (hold.held and hold.out == out and hold.private == private):
        raise RuntimeError(f"the output folder {out} is not held as it is asked for")
    folders.check_output(out)
    with folders.output_lock(out) if hold is None else nullcontext():
        try:
            if hold is None:
                folders.recover(out)
            staging = Staging(out, private, hold.spend() if hold is not None else None)
        except OSError as exc:
            raise _cannot_write(out, exc) from None
        try:
            yield staging
        except BaseException as exc:
            staging.abandon(clean=isinstance(exc, BlogenError))
            raise
        staging.abandon(clean=True)  # stops the writer threads (and, had finish not been called, records the spare)


def ready_spare(out: Path, private: bool = False) -> bool:
    """Make the spare folder the next build writes into, when there is none; returns whether it did.

    A build into a folder that held no site (the dev server's first, a cold ``blogen build``)
    leaves no spare: the next build must first hard-link every live file into a new one, about a
    second for a site of 5,000 posts, before it writes its one changed page. A process with time
    on its hands (the dev server, between saves) does that now instead, under the output lock as a
    build would, and records the spare's manifest as a build stopped early does (``abandon``).
    """
    if spare_path(out).is_dir() or not out.is_dir():
        return False
    with staged_output(out, private) as staging:
        staging.ready()
    return True


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

    def __init__(self, out: Path, private: bool, seen: Live | None = None) -> None:
        self.out = out
        self._private = private
        self._state = Record(out, private)
        live = seen if seen is not None else look(out, private)
        self._live: Manifest = dict(live.files)
        self._live_other = live.other
        self._live_dirs = live.folders
        # What the caller may build on: the live folder's intact files and the notes left with them, and
        # whether the folder is exactly as recorded (nothing changed, missing or added since).
        self.live = cast(dict[str, str], {rel: m[0] for rel, m in self._live.items()})  # each fact's digest is a str
        self.intact = live.intact
        self.notes: dict[str, Any] = dict(live.notes)
        self._desired: dict[str, str] = {}  # rel -> digest of every file handed over
        self._changed: list[str] = []
        self._spare: Path | None = None  # set once the spare is prepared and marked dirty
        self._spare_files: Manifest = {}
        self._spare_dirs: dict[str, DirFacts] = {}
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
        desired, live = self._desired, self.live
        rels = list(rels)
        if not desired.keys().isdisjoint(rels):
            raise BlogenError.one(next(rel for rel in rels if rel in desired), None, "two outputs write this file")
        try:  # thousands of pages after a dev server's edit: in one step, not one at a time
            desired.update({rel: live[rel] for rel in rels})
        except KeyError as exc:
            self._failed = True
            raise _cannot_write(self.out, _stale(str(exc.args[0]))) from None

    def ready(self) -> None:
        """Prepare the spare folder now (see ``ready_spare``), as the first changed file would."""
        try:
            self._open_spare()
        except OSError as exc:
            self._failed = True
            raise _cannot_write(self.out, exc) from None

    def _open_spare(self) -> Path:
        if self._spare is None:
            spare, self._spare_files, self._spare_dirs = folders.prepare_spare(self.out, self._live, self._state,
                                                                                self._private)
            folders.ensure_marker(spare)
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
        folders.replace_with_data(target, data)
        return folders.facts_of(digest, target)

    def _flush(self) -> None:
        """Write the changed files waiting their turn; the first failure is raised."""
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        if self._pool is None and len(batch) > folders.PARALLEL_FILES:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=folders.WRITER_THREADS, thread_name_prefix="blogen-write")
        for item, fact in zip(batch, folders.each(self._write_one, batch, self._pool), strict=True):
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
        out, live, desired, state, private = self.out, self._live, self._desired, self._state, self._private
        self._flush()
        changed = sorted(self._changed)
        removed = sorted((live.keys() - desired.keys()) | (self._live_other - desired.keys()))
        if self._spare is None and not removed and (out / MARKER).is_file():
            if state.notes(out) != notes or state.manifest(out).keys() != live.keys():
                state.put({out: (live, notes, self._live_dirs)})
            return WriteReport((), (), len(desired))
        spare = self._open_spare()
        spare_files, result, made = self._spare_files, self._result, self._made
        # Every file not in result is unchanged. Usually the spare already holds the live file itself (the
        # same inode): then there is no path work, and at 5,000 posts this loop is most of a small build's writing.
        work: list[tuple[str, str, list[object] | None]] = []
        spare_get = spare_files.get
        for rel, digest in desired.items():
            if rel in result:
                continue
            mine, now = spare_get(rel), live[rel]
            if mine is not None and (mine is now or mine[4] == now[4]):
                result[rel] = now
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
            if not private and not stands(str(out / rel), live[rel], folders.on_disk_now(out / rel)):
                raise _changed(rel)  # its digest would be recorded with the facts of other bytes
            if not folders.replace_with_link(out / rel, target):
                folders.replace_with_data(target, out / rel)
            return folders.facts_of(digest, target)  # a new link changes the file's ctime: its facts are taken anew

        for (rel, _d, _mine), fact in zip(work, folders.each(bring, work, self._pool), strict=True):
            result[rel] = fact
            if fact[4] == live[rel][4]:
                live[rel] = fact  # the live name is the same file
        for rel in sorted(spare_files.keys() - desired.keys()):
            with suppress(FileNotFoundError):
                (spare / rel).unlink()
            folders.prune_empty(spare, (spare / rel).parent)
        # The folder that becomes the spare keeps its manifest (the next build brings it up to date) but
        # not its build's notes: nothing reads a spare's notes, and they were half the record (its
        # size and the time to read it on every build, the no-op check's included).
        # Each folder's folders as checked before the writer worked in it: those it changed no longer
        # match, and are listed again by the next check (see ``blogen.output.live``).
        state.put({out: (live, {}, self._live_dirs), spare: (result, notes, self._spare_dirs)})
        folders.swap(out, spare)
        return WriteReport(tuple(changed), tuple(removed), len(desired) - len(changed))

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
                self._state.put({self._spare: ({**self._spare_files, **self._result}, {}, self._spare_dirs)})


