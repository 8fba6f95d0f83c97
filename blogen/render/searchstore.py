"""The search terms of every document, kept in ``.blogen-cache/search-terms.bin`` between processes.

A full build of the command line starts with an empty memo; without this file it would cut every
post into words again (about half a second at 1,000 posts). Entries are keyed by everything their
terms come from (see ``SearchIndex.entries``: blogen's code, the shard count, the document),
so one is never stale; the file is plain lengths and bytes, read without unpickling anything, and
a damaged or foreign file is ignored.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Iterable, Mapping
from pathlib import Path

from blogen.render.searchwords import DocTerms

log = logging.getLogger(__name__)

NAME = "search-terms.bin"
_MAGIC = b"blogen search terms 1\n"
_HEAD = struct.Struct("<32sIII")  # key, then the lengths of blob, offsets, digests


def read_terms(folder: Path) -> dict[bytes, DocTerms]:
    """Every entry of the file in ``folder``; none when it is missing or not one of ours."""
    try:
        data = (folder / NAME).read_bytes()
    except OSError:
        return {}
    if not data.startswith(_MAGIC):
        return {}
    found: dict[bytes, DocTerms] = {}
    view = memoryview(data)
    at = len(_MAGIC)
    try:
        while at < len(data):
            key, a, b, c = _HEAD.unpack_from(view, at)
            at += _HEAD.size
            if at + a + b + c > len(data):
                return {}
            found[key] = DocTerms(bytes(view[at:at + a]), bytes(view[at + a:at + a + b]), bytes(view[at + a + b:at + a + b + c]))
            at += a + b + c
    except struct.error:
        return {}
    return found


def write_terms(folder: Path, entries: Mapping[bytes, DocTerms] | Iterable[tuple[bytes, DocTerms]]) -> None:
    """Replace the file with ``entries`` (atomically: a reader sees the old file or the new one)."""
    items = entries.items() if isinstance(entries, Mapping) else entries
    parts = [_MAGIC]
    for key, e in items:
        parts += [_HEAD.pack(key, len(e.blob), len(e.offsets), len(e.digests)), e.blob, e.offsets, e.digests]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{NAME}.{os.getpid()}.tmp"
        tmp.write_bytes(b"".join(parts))
        os.replace(tmp, folder / NAME)
    except OSError as exc:  # a read-only or full disk only costs time next build
        log.debug("cannot keep the search terms: %s", exc)
