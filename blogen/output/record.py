"""The build record beside the output folder: what each of its two folders holds, and the notes of
the build that made it.

``output/`` and the spare copy the next build is made in (see ``blogen.output.writer``) each have
a manifest: every file's digest and its identity on disk (size, mtime, ctime, inode), and the
identity of each folder in it as the last check saw it (see ``blogen.output.live``). The build
that made a folder leaves its notes with it (what it was made from, page fingerprints; see
``blogen.incremental.plan``). All of it is one file, ``.output.blogen-record``, beside the folders
(so the published files stay the same bytes from build to build), written in one step under the
output lock: by the writer just before it swaps a new site in, keyed by the folders' own identity
(device and inode, which a rename or an exchange does not change), so a build that dies between the
two steps leaves a record that is still true of both folders.

Nothing in it is trusted as it stands: a damaged or foreign file (its checksum, its shape) counts as
missing, and a manifest stands for a folder only as far as the folder itself agrees (``verify``):
a file edited, replaced, chmod-ed or deleted by hand, or one nobody recorded, is known as such, so
the writer rewrites or removes it and the output holds exactly what the site produces.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import stat
import struct
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

from blogen.core.fileid import SETTLED_NS, Identity, identity, settled
from blogen.core.files import write_atomic

MARKER = ".blogen-output"
# marshal: a tenth of JSON's cost for this many small lists, and the record is rewritten on every
# build. Another Python may not read it; then it counts as missing.
_MAGIC = f"blogen record 3 marshal {sys.version_info[0]}.{sys.version_info[1]}\n".encode()

# A file's facts in a manifest: [digest, size, mtime_ns, ctime_ns, inode, mode].
Facts = list[object]
Manifest = dict[str, Facts]
# A file as a folder holds it now: (size, mtime_ns, ctime_ns, inode, mode); compared with a manifest's facts[1:].
OnDisk = tuple[int, int, int, int, int]
# A folder inside one of the two, as a check last saw it: (mtime_ns, ctime_ns, inode, vouches), the last 1 when
# its identity stands for what it holds (see ``blogen.output.live``). Kept packed in the record: a site has
# about as many folders as files, and this is read on every build.
DirFacts = tuple[int, int, int, int]
_DIR = struct.Struct("<qqQB")
# What ``Record.put`` records of a folder: its manifest and its build's notes, and its folders as checked.
Entry = tuple[Manifest, Mapping[str, Any]] | tuple[Manifest, Mapping[str, Any], Mapping[str, DirFacts]]


def spare_path(out: Path) -> Path:
    """The spare copy of ``out`` that the next build is made in (see ``blogen.output.writer``)."""
    return out.parent / f".{out.name}.blogen-spare"


def record_path(out: Path) -> Path:
    return out.parent / f".{out.name}.blogen-record"


def legacy_paths(out: Path) -> tuple[Path, ...]:
    """Files older blogens kept beside the output folder, removed when a build finds them."""
    return (out.parent / f".{out.name}.blogen-state", out.parent / f".{out.name}.blogen-dirty")


# Digests of copied files (images, static files) by their identity on disk, for a long-running
# process, trusted only for files that have been still for a while (see blogen.core.fileid).
_FILE_DIGESTS: dict[tuple[str, Identity], str] = {}


# The digests the walk of the inputs knows, for the build under way (see ``know_inputs``): by the
# folder its keys are relative to, the facts (key -> identity and SHA-256) and the keys too recent.
_INPUTS: dict[str, tuple[Mapping[str, Sequence[object]], frozenset[str]]] = {}


def file_digest(path: Path) -> str:
    """The digest of a file's bytes (as the manifests hold them), remembered by its identity on disk."""
    st = os.stat(path)
    key = (str(path), identity(st))
    known = _FILE_DIGESTS.get(key) or _known_input(*key)
    if known is None:
        known = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
        if settled(st):
            if len(_FILE_DIGESTS) > 100_000:
                _FILE_DIGESTS.clear()
            _FILE_DIGESTS[key] = known
    return known


def remember_digests(known: Iterable[tuple[str, Identity, str]]) -> None:
    """Digests of files worked out elsewhere (the inputs' walk, the cache of resized images), each with
    the file's identity when it was read: the writer then does not read a copied file again to learn
    what is already known (gigabytes, for a photo blog). Only files that had been still for a while
    count, as in ``file_digest``."""
    now = time.time_ns()
    for path, ident, digest in known:
        if now - max(ident[2], ident[3]) > SETTLED_NS:
            _FILE_DIGESTS[(path, ident)] = digest


def know_inputs(folder: str, known: Mapping[str, Sequence[object]], recent: Iterable[str]) -> None:
    """The digests the walk of the inputs worked out (``known``: key -> identity and SHA-256, see
    ``blogen.incremental.plan``), for the files under ``folder`` (keys are relative to it), in place of
    those an earlier build gave: ``file_digest`` looks a file up there before reading it. Nothing is
    done for the thousands of files the writer never copies (a dev server's rebuild at 5,000 posts
    spent ~5 ms handing each over)."""
    _INPUTS.clear()
    _INPUTS[folder.rstrip(os.sep) + os.sep] = (known, frozenset(recent))


def _known_input(path: str, ident: Identity) -> str | None:
    """The digest ``know_inputs`` holds for the file at ``path``, if the walk saw it as it is now and it
    had been still for a while (as ``remember_digests`` asks)."""
    for folder, (known, recent) in _INPUTS.items():
        if not path.startswith(folder):
            continue
        key = path[len(folder):]
        v = known.get(key)
        if v is None or key in recent or len(v) != 5 or tuple(v[:4]) != ident or v[4] == "unreadable":
            return None
        if time.time_ns() - max(ident[2], ident[3]) > SETTLED_NS:
            return str(v[4])[:32]
    return None


def facts(digest: str, st: os.stat_result) -> Facts:
    return [digest, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode]


def on_disk(folder: str | Path, *, into: dict[str, OnDisk] | None = None, prefix: str = "",
            each_folder: Callable[[str, os.stat_result], None] | None = None) -> dict[str, OnDisk]:
    """Every entry in ``folder`` but folders and the marker, as it is now: files, and anything else
    (a symlink, a FIFO) a manifest never holds, so it shows up as unknown and is removed.

    ``into`` and ``prefix``: add them, named under ``prefix``, to a walk under way (a folder found
    inside one being checked); ``each_folder`` is told every folder listed (its name under the top,
    and its own ``lstat``), for a check that records the folders' identities.
    """
    found: dict[str, OnDisk] = {} if into is None else into
    stack = [(str(folder), prefix)]
    while stack:  # plain strings and DirEntry stats: this walk is most of a no-op build's time
        path, prefix = stack.pop()
        try:
            own = os.lstat(path) if each_folder is not None else None
            entries = list(os.scandir(path))
        except OSError:
            continue
        if each_folder is not None and own is not None:
            each_folder(prefix.rstrip("/"), own)
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            rel = f"{prefix}{entry.name}"
            if rel != MARKER or not stat.S_ISREG(st.st_mode):
                found[rel] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode)
    return found


def verify(folder: Path, manifest: Mapping[str, Facts], disk: Mapping[str, OnDisk]) -> tuple[Manifest, frozenset[str]]:
    """The part of ``manifest`` the folder agrees with, and the folder's other entries: files changed
    since, and anything never recorded (a stray file, a symlink). Each file stands as ``stands`` says.
    """
    good: Manifest = {}
    top = str(folder) + os.sep
    for rel, known in manifest.items():
        now = disk.get(rel)
        if now is None:
            continue
        if tuple(known[1:]) == now:  # the usual case, without a call
            good[rel] = known
        elif stands(top + rel, known, now):
            good[rel] = [known[0], *now]
    return good, frozenset(rel for rel in disk if rel not in good)


def stands(path: str, known: Facts, now: OnDisk | None) -> bool:
    """Whether the file at ``path``, as it is on disk ``now``, is the one ``known`` records.

    A file whose every fact is as recorded is taken at its record's word: any write, rename or chmod
    changes ctime, which no tool can set back. One whose ctime alone moved (adding or removing a
    hard link to it does that: the writer shares files between the two folders) is read again, and
    stands if its bytes are still the recorded ones.
    """
    if now is None:
        return False
    if tuple(known[1:]) == now:
        return True
    if (known[1], known[2], known[4], known[5]) != (now[0], now[1], now[3], now[4]) or not stat.S_ISREG(now[4]):
        return False
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()[:32] == known[0]
    except OSError:
        return False


def _folder_key(folder: Path) -> str | None:
    """Folders are known by device and inode, which a rename or an exchange does not change."""
    try:
        st = folder.stat()
    except OSError:
        return None
    return f"{st.st_dev}:{st.st_ino}"


def _checked(doc: object) -> dict[str, dict[str, Any]]:
    """The folders of a record as read, keeping only entries of the right shape."""
    folders: dict[str, dict[str, Any]] = {}
    if not isinstance(doc, dict) or not isinstance(doc.get("folders"), dict):
        return folders
    for key, entry in doc["folders"].items():
        if not (isinstance(key, str) and isinstance(entry, dict) and isinstance(entry.get("files"), dict)):
            continue
        files = {rel: f for rel, f in entry["files"].items() if isinstance(rel, str) and _good_facts(f)}
        notes = entry.get("notes")
        dirs = entry.get("dirs")
        folders[key] = {"files": files, "notes": notes if isinstance(notes, dict) else {},
                        "dirs": dirs if _good_dirs(dirs) else ([], b"")}
    return folders


def _good_facts(f: object) -> bool:
    """A file's facts as ``facts`` makes them: a digest and five integers. Exact types (``marshal``
    makes no subclasses, and ``bool`` is not ``int`` here), tested without a loop: a record lists every
    file of two folders, and this runs for each on every build."""
    return (type(f) is list and len(f) == 6 and type(f[0]) is str and type(f[1]) is int and type(f[2]) is int
            and type(f[3]) is int and type(f[4]) is int and type(f[5]) is int)


def _good_dirs(dirs: object) -> bool:
    """Folders as ``put`` packs them: a list of names, and their facts packed in that order."""
    return (type(dirs) is tuple and len(dirs) == 2 and type(dirs[0]) is list and type(dirs[1]) is bytes
            and len(dirs[1]) == _DIR.size * len(dirs[0]) and set(map(type, dirs[0])) <= {str})


def _read(path: Path) -> dict[str, dict[str, Any]]:
    try:
        with open(path, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return {}
            data = fh.read()
    except OSError:
        return {}
    head = len(_MAGIC)
    if not data.startswith(_MAGIC) or data[head + 64:head + 65] != b"\n":
        return {}
    body = memoryview(data)[head + 65:]
    if hashlib.sha256(body).hexdigest().encode() != data[head:head + 64]:
        return {}  # damaged (a disk error, a hand edit): as if there were none
    try:
        return _checked(marshal.loads(body))
    except (ValueError, EOFError, TypeError):
        return {}


# The record as last read or written by this process, by path: (the file's identity, its folders).
# A long-running process (the dev server) then parses it only when someone else has replaced it.
_LOADED: dict[str, tuple[Identity, dict[str, dict[str, Any]]]] = {}
# A private output folder's record (see ``Record``) is only ever kept here, never written: nobody
# else reads it, and the folder goes with the process.
_PRIVATE: dict[str, dict[str, dict[str, Any]]] = {}


def forget_records() -> None:
    """Let go of the records this process remembers (see ``_LOADED``)."""
    _LOADED.clear()


class Record:
    """The record beside ``out``: read once per build, written through on every change.

    A ``private`` output folder is this process's own while it runs (the dev server's): its files are
    as the last write left them, and its record is kept in memory, read from the disk the first
    time and written back by ``flush`` (when the server stops).
    """

    def __init__(self, out: Path, private: bool = False) -> None:
        self.out = out
        self.path = record_path(out)
        self.private = private
        self.folders: dict[str, dict[str, Any]] = {}
        if private:
            if not out.is_dir():  # made afresh: nothing this process knew of an earlier folder there holds
                _PRIVATE.pop(str(self.path), None)
            known = _PRIVATE.get(str(self.path))
            if known is not None:
                self.folders = dict(known)
                return
        self._load()

    def _load(self) -> None:
        try:
            known = identity(os.stat(self.path))
        except OSError:
            return
        loaded = _LOADED.get(str(self.path))
        if loaded is not None and loaded[0] == known:
            self.folders = dict(loaded[1])  # entries are replaced, never changed in place, so sharing them is safe
        else:  # (and a build reads it twice: for its decision, and for its writer)
            self.folders = _read(self.path)
            _LOADED[str(self.path)] = (known, dict(self.folders))

    def flush(self, notes: Mapping[str, Any] | None = None) -> None:
        """Write a private folder's record to the disk, for the next process to find (``notes``, if
        given, replace the live folder's notes first: what that process should know)."""
        if notes is not None:
            key = _folder_key(self.out)
            if key in self.folders:
                self.folders[key] = {**self.folders[key], "notes": dict(notes)}
        self._write()

    def manifest(self, folder: Path) -> Manifest:
        """The manifest recorded for ``folder`` (not yet checked against it: see ``verify``)."""
        entry = self.folders.get(_folder_key(folder) or "")
        return dict(entry["files"]) if entry else {}

    def notes(self, folder: Path) -> dict[str, Any]:
        """The notes the build that made ``folder`` left with it."""
        entry = self.folders.get(_folder_key(folder) or "")
        return dict(entry["notes"]) if entry else {}

    def folders_of(self, folder: Path) -> dict[str, DirFacts]:
        """The folders inside ``folder`` as the last check of it saw them (see ``blogen.output.live``)."""
        entry = self.folders.get(_folder_key(folder) or "")
        if not entry:
            return {}
        names, packed = entry.get("dirs", ([], b""))
        return dict(zip(names, _DIR.iter_unpack(packed), strict=True))

    def put(self, entries: Mapping[Path, Entry | None]) -> None:
        """Record, in one write, folders' manifests and the notes of the builds that made them, and
        the folders inside them as checked (None forgets a folder)."""
        keep = {k for k in (_folder_key(self.out), _folder_key(spare_path(self.out))) if k}
        self.folders = {k: v for k, v in self.folders.items() if k in keep}
        for folder, entry in entries.items():
            key = _folder_key(folder)
            if key is None:
                continue
            if entry is None:
                self.folders.pop(key, None)
            else:
                dirs = entry[2] if len(entry) == 3 else {}
                packed = struct.pack("<" + "qqQB" * len(dirs), *chain.from_iterable(dirs.values()))
                self.folders[key] = {"files": entry[0], "notes": dict(entry[1]), "dirs": (list(dirs), packed)}
        if self.private:
            _PRIVATE[str(self.path)] = dict(self.folders)
            return
        self._write()

    def _write(self) -> None:
        body = marshal.dumps({"folders": self.folders})
        write_atomic(self.path, _MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
        with contextlib.suppress(OSError):
            _LOADED[str(self.path)] = (identity(os.stat(self.path)), dict(self.folders))
