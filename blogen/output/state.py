"""What the writer knows about the output folder and its spare: manifests and notes, kept beside them.

Each of the two folders (``output/`` and the spare copy the next build is made in) has a manifest
of its files' digests and inode facts, and the notes the build that made it left with them (page
fingerprints, for the next build to keep pages whose inputs did not change). They live in
``.output.blogen-state`` beside the folders, not in them, so the published files stay the same
bytes from build to build; a folder about to change is first marked dirty in a small file of its
own, so a build that dies half-way leaves a manifest nobody trusts. ``blogen.output.writer`` is the only
user: it reads the live folder's manifest to know which files changed, and records the new one.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from blogen.core.fileid import SETTLED_NS, Identity, identity, settled

MARKER = ".blogen-output"
# The state file is in marshal format: a tenth of JSON's cost for this many small lists, and it is
# rewritten on every build. Another Python may not read it; then it counts as missing.
_FORMAT = f"2/marshal/{sys.version_info[0]}.{sys.version_info[1]}"

# rel -> [digest, size, mtime_ns, inode]
Manifest = dict[str, list[object]]


def spare_path(out: Path) -> Path:
    """The spare copy of ``out`` that the next build is made in (see ``blogen.output.writer``)."""
    return out.parent / f".{out.name}.blogen-spare"


# Digests of copied files (images, static files) by their identity on disk, for a long-running
# process, trusted only for files that have been still for a while (see blogen.fileid).
_FILE_DIGESTS: dict[tuple[str, Identity], str] = {}


def file_digest(path: Path) -> str:
    """The digest of a file's bytes (as the manifests hold them), remembered by its identity on disk."""
    st = os.stat(path)
    key = (str(path), identity(st))
    known = _FILE_DIGESTS.get(key)
    if known is None:
        known = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
        if settled(st):
            if len(_FILE_DIGESTS) > 100_000:
                _FILE_DIGESTS.clear()
            _FILE_DIGESTS[key] = known
    return known


def remember_digests(known: Iterable[tuple[str, Identity, str]]) -> None:
    """Digests of files worked out elsewhere (the inputs' record, the cache of resized images), each with
    the file's identity when it was read: the writer then does not read a copied file again to learn
    what is already known. Only files that had been still for a while count (see ``file_digest``)."""
    now = time.time_ns()
    for path, ident, digest in known:
        if now - max(ident[2], ident[3]) > SETTLED_NS:
            _FILE_DIGESTS[(path, ident)] = digest


def _state_path(out: Path) -> Path:
    return out.parent / f".{out.name}.blogen-state"


def _dirty_path(out: Path) -> Path:
    return out.parent / f".{out.name}.blogen-dirty"


# The state file as last read or written by this process, by path: (its inode facts, its folders).
# A long-running process (the dev server) then parses it only when someone else has replaced it.
_LOADED: dict[str, tuple[Identity, dict[str, dict[str, Any]]]] = {}
# A private output folder's state (see ``read_live``) is only ever kept here, never written: nobody
# else reads it, and the folder goes with the process. By state path: (its folders, the dirty mark).
_PRIVATE: dict[str, tuple[dict[str, dict[str, Any]], str | None]] = {}


def _file_facts(path: Path) -> Identity | None:
    try:
        return identity(os.stat(path))
    except OSError:
        return None


def _folder_key(folder: Path) -> str | None:
    """Folders are known by device and inode, which a rename or an exchange does not change."""
    try:
        st = folder.stat()
    except OSError:
        return None
    return f"{st.st_dev}:{st.st_ino}"


class State:
    """The manifests file beside output/: read once per build, written through on every change.

    The manifests live beside output/, not in it, so the published files stay the same bytes from
    build to build.
    """

    def __init__(self, out: Path, private: bool = False) -> None:
        self.out = out
        self.path = _state_path(out)
        self.private = private
        self.folders: dict[str, dict[str, Any]] = {}
        self.dirty: str | None = None  # a private folder's dirty mark
        if private:
            if not out.is_dir():  # made afresh: nothing this process knew of an earlier folder there holds
                _PRIVATE.pop(str(self.path), None)
            folders, self.dirty = _PRIVATE.get(str(self.path), ({}, None))
            self.folders = dict(folders)
            return
        facts = _file_facts(self.path)
        loaded = _LOADED.get(str(self.path))
        if facts is not None and loaded is not None and loaded[0] == facts:
            self.folders = dict(loaded[1])  # entries are replaced, never changed in place, so sharing them is safe
            return
        try:
            doc = marshal.loads(self.path.read_bytes())
            if isinstance(doc, dict) and doc.get("format") == _FORMAT and isinstance(doc.get("folders"), dict):
                self.folders = {str(k): v for k, v in doc["folders"].items()
                                if isinstance(v, dict) and isinstance(v.get("files"), dict)}
        except (OSError, ValueError, EOFError, AttributeError, TypeError):
            pass  # no state, or one this blogen cannot read: the folders' files are looked at instead

    def manifest(self, folder: Path) -> Manifest | None:
        key = _folder_key(folder) or ""
        entry = self.folders.get(key)
        if entry is None:
            return None
        if self.private:
            # Entries are replaced, never changed in place: a private state need not be copied deeply.
            return None if self.dirty == key else dict(entry["files"])
        try:  # a build that died while changing this folder left its key here: the manifest is not to be trusted
            if _dirty_path(self.out).read_text(encoding="utf-8") == key:
                return None
        except OSError:
            pass
        return {str(r): list(v) for r, v in entry["files"].items()}

    def mark_dirty(self, folder: Path) -> None:
        """Say, in a small file, that ``folder`` is about to change and its manifest is void until ``put`` again.

        Cheaper than rewriting the whole state file (which holds every page's notes) to say the same.
        """
        key = _folder_key(folder)
        if key is not None and self.private:
            self.dirty = key
            _PRIVATE[str(self.path)] = (dict(self.folders), key)
        elif key is not None:
            dirty = _dirty_path(self.out)
            tmp = dirty.with_name(dirty.name + ".tmp")
            tmp.write_text(key, encoding="utf-8")
            os.replace(tmp, dirty)

    def notes(self, folder: Path) -> dict[str, Any]:
        entry = self.folders.get(_folder_key(folder) or "")
        notes = entry.get("notes") if entry else None
        return notes if isinstance(notes, dict) else {}

    def put(self, folder: Path, manifest: Manifest | None, notes: Mapping[str, Any] | None = None) -> None:
        """Record (or, with None, forget) a folder's manifest and the caller's notes about it."""
        keep = {k for k in (_folder_key(self.out), _folder_key(spare_path(self.out))) if k}
        self.folders = {k: v for k, v in self.folders.items() if k in keep}
        key = _folder_key(folder)
        if key is not None:
            if manifest is None:
                self.folders.pop(key, None)
            else:
                self.folders[key] = {"files": manifest, "notes": dict(notes or {})}
        if self.private:
            if key is not None and self.dirty == key:
                self.dirty = None
            _PRIVATE[str(self.path)] = (dict(self.folders), self.dirty)
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_bytes(marshal.dumps({"format": _FORMAT, "folders": self.folders}))
        os.replace(tmp, self.path)
        facts = _file_facts(self.path)
        if facts is not None:
            _LOADED[str(self.path)] = (facts, dict(self.folders))
        dirty = _dirty_path(self.out)
        try:  # the folder marked dirty has just been recorded afresh (or forgotten): the mark has done its job
            if key is not None and dirty.read_text(encoding="utf-8") == key:
                dirty.unlink()
        except OSError:
            pass


def read_live(out: Path, private: bool = False) -> tuple[dict[str, str], dict[str, Any]]:
    """The digests of the live folder's intact files, and the notes the last build left with them.

    ``private``: the folder is this process's own (the dev server's temporary folder), so its
    files are as the last write left them and are not checked one by one against the disk.
    """
    if not out.is_dir():
        return {}, {}
    state = State(out, private)
    return {rel: str(m[0]) for rel, m in live_manifest(out, state, private).items()}, state.notes(out)


def folder_files(folder: Path) -> set[str]:
    found: set[str] = set()
    for top, _dirs, files in os.walk(folder):
        rel = Path(top).relative_to(folder)
        for name in files:
            found.add((rel / name).as_posix())
    found.discard(MARKER)
    return found


def live_manifest(out: Path, state: State, private: bool = False) -> Manifest:
    """The live folder's manifest, checked against the disk: a file edited or deleted by hand counts as changed.

    A ``private`` folder (see ``read_live``) is not checked file by file.
    """
    if not out.is_dir():
        return {}
    manifest = state.manifest(out)
    if private and manifest is not None:
        return manifest
    if manifest is None:  # an older blogen, or a damaged marker: learn the facts from the files themselves
        manifest = {}
        for rel in folder_files(out):
            st = (out / rel).stat()
            manifest[rel] = [file_digest(out / rel), st.st_size, st.st_mtime_ns, st.st_ino]
        return manifest
    good: Manifest = {}
    top = str(out) + os.sep
    for rel, (digest, size, mtime, ino) in manifest.items():
        try:
            st = os.stat(top + rel)  # a string path: pathlib would cost more than the stat itself
        except OSError:
            continue
        if (st.st_size, st.st_mtime_ns, st.st_ino) == (size, mtime, ino):
            good[rel] = [digest, size, mtime, ino]
    return good
