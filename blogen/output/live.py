"""A folder blogen writes (``output/`` or its spare), checked against its manifest, and what the live
one holds for a build to start from (``look``).

The check finds what ``record.on_disk`` and ``record.verify`` find: the files that are as recorded,
and every other entry (a file changed since, a stray file, a symlink, a FIFO). Reading every folder's
listing is most of its cost (a thousand small sites' folders, one per post), so the record also keeps
the identity of each folder (mtime, ctime, inode) as the last check saw it, and a folder that still
has it is not listed again: adding, removing or renaming anything in a folder changes its mtime and
ctime, and no tool can set ctime back. Its files are still looked at one by one (an edit in place
changes the file, not its folder). A folder is listed again whenever its identity moved, and always
if it had changed too recently to vouch for (file times tick in steps; see ``blogen.core.fileid``),
if anything in it was not as recorded (a stray file seen once is looked for again), or if it is not
in the record at all; a folder that is not the one recorded (replaced, or a symlink now) is walked
whole from the listing of its parent, which its replacement changed.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from blogen.core.fileid import settled
from blogen.output.record import MARKER, DirFacts, Facts, Manifest, OnDisk, Record, on_disk, verify

# The times a record holds (signed 64-bit nanoseconds).
_LOW, _HIGH = -(1 << 63), (1 << 63) - 1
# The folders a check saw: each one's (mtime_ns, ctime_ns, inode) then, and whether it had been still for a while.
Seen = dict[str, tuple[tuple[int, int, int], bool]]


@dataclass(frozen=True, slots=True)
class Live:
    """The live folder as one look at it found it (``look``): the part of its manifest it agrees with,
    its other entries, the notes the last build left with it, and whether it is exactly as recorded."""

    files: Manifest  # rel -> facts, for every file that is as recorded
    other: frozenset[str]  # entries the manifest does not vouch for: changed since, or never recorded
    notes: dict[str, Any]
    intact: bool  # no file changed, missing or added since the record was written, and the marker is there
    folders: dict[str, DirFacts]  # the folders' identities to record with ``files`` (see ``check``)


def look(out: Path, private: bool = False) -> Live:
    """The live folder ``out`` checked against its record (see ``check``).

    A ``private`` folder (see ``Record``) is taken at its record's word.
    """
    if not out.is_dir():
        return Live({}, frozenset(), {}, False, {})
    record = Record(out, private)
    manifest = record.manifest(out)
    if private:
        return Live(manifest, frozenset(), record.notes(out), bool(manifest), {})
    good, other, folders = check(out, manifest, record.folders_of(out))
    intact = bool(manifest) and not other and len(good) == len(manifest) and (out / MARKER).is_file()
    return Live(good, other, record.notes(out), intact, folders)


def read_live(out: Path, private: bool = False) -> tuple[dict[str, str], dict[str, Any], bool]:
    """What the live folder holds as far as its record and the disk agree: the digests of its intact
    files, the notes the last build left with it, and whether the folder is exactly as recorded (no
    file changed, missing or added since)."""
    live = look(out, private)
    return {rel: str(f[0]) for rel, f in live.files.items()}, live.notes, live.intact


def check(folder: Path, manifest: Mapping[str, Facts], recorded: Mapping[str, DirFacts],
          looked: Mapping[str, Facts] | None = None) -> tuple[Manifest, frozenset[str], dict[str, DirFacts]]:
    """``verify(folder, manifest, on_disk(folder))``, listing only the folders that may have changed
    since ``recorded`` (see the module docstring); and every folder it saw, to record with the
    manifest of what the folder then holds (see ``_vouching``).

    ``looked``: the files of the other folder as this build's look at it found them. A file that is
    one of them (a hard link: the writer shares unchanged files between the folders), under the
    same name in a folder that holds what it held, is that file as it was found: it is not looked at
    again (at 5,000 posts, ~7,000 ``stat`` calls)."""
    top = str(folder)
    now = time.time_ns()
    disk: dict[str, OnDisk] = {}
    seen: Seen = {}
    if not recorded:
        _walk(top, "", disk, seen, now)
    else:
        sound = _unchanged(top, recorded, seen, now)
        for d in [d for d in seen if d not in sound]:
            _list(top, d, disk, seen, now)
        found = {f[4]: cast(OnDisk, tuple(f[1:])) for f in looked.values()} if looked else {}
        for rel, known in manifest.items():
            if rel not in disk and rel.rpartition("/")[0] in sound:
                same = found.get(known[4])
                if same is not None and same == tuple(known[1:]):
                    disk[rel] = same
                    continue
                try:
                    st = os.lstat(f"{top}/{rel}")
                except OSError:
                    continue  # gone
                disk[rel] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode)
    good, other = verify(folder, manifest, disk)
    return good, other, _vouching(seen, {rel.rpartition("/")[0] for rel in other})


def _vouching(seen: Seen, unsure: set[str]) -> dict[str, DirFacts]:
    """Every folder seen, to record with whether its identity vouches for what it holds: only if it had
    been still for a while and held nothing the manifest does not vouch for (``unsure``: the folders of
    the entries it does not). The others are recorded too, to be listed by the next check: a folder
    the record does not name is found only by listing its parent."""
    keep: dict[str, DirFacts] = {}
    for d, ((mtime, ctime, ino), still) in seen.items():
        if not d:
            continue
        if _LOW <= mtime <= _HIGH and _LOW <= ctime <= _HIGH:
            keep[d] = (mtime, ctime, ino, int(still and d not in unsure))
        else:  # a time the record cannot hold (past the year 2262): listed every time
            keep[d] = (min(max(mtime, _LOW), _HIGH), min(max(ctime, _LOW), _HIGH), ino, 0)
    return keep


def _unchanged(top: str, recorded: Mapping[str, DirFacts], seen: Seen, now: int) -> set[str]:
    """The recorded folders that are still the real folders recorded and hold what they held (their
    files are looked at one by one); each real one is noted in ``seen``, so that the others are listed.
    The top folder is always listed: the swap that makes it live changes its ctime."""
    sound: set[str] = set()
    seen[""] = ((0, 0, 0), False)
    real = {""}  # folders known to be real folders, not symlinks: only paths through them are looked at
    lstat, is_dir, prefix = os.lstat, stat.S_ISDIR, top + "/"
    for d in sorted(recorded):  # a folder sorts before the folders in it
        if not d or d.rpartition("/")[0] not in real:
            continue
        try:
            st = lstat(prefix + d)
        except OSError:
            continue
        was = recorded[d]
        if st.st_ino != was[2] or not is_dir(st.st_mode):
            continue  # another folder, or no folder: its parent's listing changed, and finds it
        real.add(d)
        mtime, ctime = st.st_mtime_ns, st.st_ctime_ns
        seen[d] = ((mtime, ctime, was[2]), settled(st, now))
        if was[3] and mtime == was[0] and ctime == was[1]:
            sound.add(d)
    return sound


def _list(top: str, d: str, disk: dict[str, OnDisk], seen: Seen, now: int) -> None:
    """Note every entry of the folder ``d``; a folder in it that is not a recorded one still as it was
    is walked whole."""
    prefix = f"{d}/" if d else ""
    try:
        entries = list(os.scandir(f"{top}/{d}" if d else top))
    except OSError:
        return
    for entry in entries:
        rel = prefix + entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                if rel not in seen:  # not recorded, or not as recorded: nothing in it is known
                    _walk(entry.path, rel + "/", disk, seen, now)
                continue
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if rel != MARKER or not stat.S_ISREG(st.st_mode):
            disk[rel] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode)


def _walk(path: str, prefix: str, disk: dict[str, OnDisk], seen: Seen, now: int) -> None:
    """Every entry under the folder at ``path`` (``record.on_disk``), and each folder's identity."""
    def note(d: str, st: os.stat_result) -> None:
        seen[d] = ((st.st_mtime_ns, st.st_ctime_ns, st.st_ino), settled(st, now))

    on_disk(path, into=disk, prefix=prefix, each_folder=note)
