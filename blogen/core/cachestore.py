"""The site's content-addressed cache, ``.blogen-cache/<kind>/<key>``: reading and writing one entry.

One rule for every kind (a document's Markdown, a drawn diagram, the code-highlighting CSS, a
compiled template): an entry's key is a digest of everything that decides it, so it is never stale,
and the entry carries its kind, its key and a digest of its bytes, checked on every read. An entry
that is damaged or was made for another key (two entries swapped) is not returned: a cache only
ever saves time. What an entry means, and whether its bytes can be trusted beyond that (its fields'
types, a signature), is for the module that stores that kind to check.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from blogen.core.files import check_inside, read_regular, write_atomic

log = logging.getLogger(__name__)

CACHE_DIR = ".blogen-cache"


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
    try:
        if path.parent not in _MADE_DIRS:
            path.parent.mkdir(parents=True, exist_ok=True)
            _MADE_DIRS.add(path.parent)
        write_atomic(path, _header(kind, key, data) + data, make_parents=False)
    except OSError as exc:
        log.debug("cannot write cache entry %s: %s", path, exc)
