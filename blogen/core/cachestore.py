"""The site's content-addressed cache, ``.blogen-cache/<kind>/<key>``: reading and writing one entry.

One rule for every kind (a document's Markdown, a drawn diagram, the code-highlighting CSS, a
compiled template): an entry's key is a digest of everything that decides it, so it is never stale,
and the entry carries its kind, its key and a digest of its bytes, checked on every read. An entry
that is damaged or was made for another key (two entries swapped) is not returned: a cache only
ever saves time. What an entry means, and whether its bytes can be trusted beyond that (its fields'
types, a signature), is for the module that stores that kind to check.

An entry no longer needed is only ever removed by ``prune``, which the module that stores a kind
calls with the keys its inputs use now, and which leaves alone any entry younger than
``STALE_AFTER``: another build of the same site may be using it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Container
from pathlib import Path

from blogen.core.files import check_inside, read_regular, write_atomic

log = logging.getLogger(__name__)

CACHE_DIR = ".blogen-cache"
# An entry (or cached file) no input uses any more is removed once it is this old (seconds since it
# was written): a younger one may be another build's of the same site, running alongside this one
# (a dev server's, or one started before an edit), which uses what this build does not.
STALE_AFTER = 3600


def _entry_path(root: Path, kind: str, key: str) -> Path:
    return root / CACHE_DIR / kind / key[:2] / key


def _header(kind: str, key: str, data: bytes) -> bytes:
    return f"blogen-cache 1 {kind} {key} {hashlib.sha256(data).hexdigest()}\n".encode()


def read_entry(root: Path, kind: str, key: str) -> bytes | None:
    """The bytes stored for ``key``, if the entry is whole and was made for it."""
    try:  # a regular file only: a FIFO planted in the cache must not block the build
        data = read_regular(_entry_path(root, kind, key), inside=root)  # never from a cache folder linked elsewhere
    except OSError:
        return None
    head, _, body = data.partition(b"\n")
    return body if head + b"\n" == _header(kind, key, body) else None


_MADE_DIRS: set[Path] = set()  # cache folders this process has made (or found), to skip a mkdir per entry


def write_entry(root: Path, kind: str, key: str, data: bytes) -> None:
    """Store an entry; a read-only or full disk only costs speed next time."""
    path = _entry_path(root, kind, key)
    if check_inside(path, root) is not None:  # a cache folder symlinked out of the site: never written
        return
    data = _header(kind, key, data) + data
    try:
        if path.parent not in _MADE_DIRS:
            path.parent.mkdir(parents=True, exist_ok=True)
            _MADE_DIRS.add(path.parent)
        try:
            write_atomic(path, data, make_parents=False)
        except FileNotFoundError:  # its folder was removed since (pruned, or the cache deleted by hand)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data, make_parents=False)
    except OSError as exc:
        log.debug("cannot write cache entry %s: %s", path, exc)


def prune(root: Path, kind: str, keep: Container[str], *, now: float | None = None) -> int:
    """Remove the entries of ``kind`` whose key is not in ``keep`` once they are older than
    ``STALE_AFTER`` (and so a writer's temporary file left by a killed process), and the folders
    that leaves empty; returns how many entries were removed. Only the site's own cache is
    touched: a cache folder that leads out of the site is left alone."""
    top = root / CACHE_DIR / kind
    if check_inside(top / "-", root) is not None:
        return 0
    cutoff = (time.time() if now is None else now) - STALE_AFTER
    try:
        with os.scandir(top) as it:
            folders = [entry.path for entry in it if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return 0
    removed = 0
    for folder in folders:
        try:
            with os.scandir(folder) as it:
                entries = list(it)
            left = len(entries)
            for entry in entries:
                if entry.name not in keep and not entry.is_dir(follow_symlinks=False) \
                        and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
                    left -= 1
            if not left:
                _MADE_DIRS.discard(Path(folder))
                os.rmdir(folder)  # fails if a build wrote an entry into it meanwhile: then it stays
        except OSError as exc:
            log.debug("cannot prune cache folder %s: %s", folder, exc)
    return removed
