"""The model snapshot: the last full build's model, kept so that a build after an edit to a post's
text can start from it (a ``Patch``, see ``blogen.incremental.plan``) instead of from scratch.

The dev server keeps it in memory; the command line keeps it on disk in ``.blogen-cache/``, because a
new process would otherwise read and parse every source, load every cached Markdown result and make
the whole model again (~0.6 s at 1,000 posts) to render the few pages one edit changes.

What is kept (``Snapshot``): the model, the documents (without their text), what each document's
links looked up, which pages counted which posts, and the posts' views and digests. Its id is in the
record the same build left beside the output folder; a patch starts from a snapshot only when the
record names it, so the output folder and the snapshot always describe the same build.
On disk it is a pickle, and reading a pickle runs code, so the file is signed with a key that lives
in the user's own cache folder, outside the site (``blogen.core.signing``): a copy from anywhere
else (an archive of the site, another user) fails the check and is not unpickled.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import hmac
import itertools
import logging
import os
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, BinaryIO

from blogen.core.files import check_inside, read_regular, read_regular_chunks
from blogen.core.heap import kept_for_good
from blogen.core.signing import new_mac, secret

if TYPE_CHECKING:  # only the fields' types: the no-op check reads a snapshot's id without loading the pipeline
    from blogen.content.images import ImageInfo
    from blogen.content.sources import Content
    from blogen.core.config import Config
    from blogen.model.values import ModelMemo, Site, ThemeAsset
    from blogen.render.memo import RenderMemo

log = logging.getLogger(__name__)

_FOLDER = Path(".blogen-cache") / "snapshots"
# Snapshots kept at once: one per way the site is built (the command line's, the dev server's, a
# --drafts build...); the oldest others go.
_KEEP = 3


def _path(root: Path, made_with: str) -> Path:
    """Where the snapshot of builds made with ``made_with`` is kept: each set of options has its own."""
    return root / _FOLDER / f"{made_with[:24]}.pickle"
_MAGIC = b"blogen snapshot 3\n"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A build's model and what a patch of it needs; ``id`` is named by the record of the build that kept it."""

    id: str
    config: Config
    content: Content  # the documents, without their text
    images: Mapping[str, ImageInfo]
    assets: tuple[ThemeAsset, ...]
    site: Site
    template_lines: Mapping[str, int]
    model: ModelMemo  # each document's resolved links, what they looked up
    render: RenderMemo  # which posts each page counted (the pages a changed post is on); post views and digests


def _make_proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


class _Pickler(pickle.Pickler):
    """Dataclasses go as their class and field values, to be made again by calling the class: the
    default for frozen slotted dataclasses (``__setstate__`` looking up the fields for every
    object) took two thirds of the time to read a snapshot. Read-only mappings go as dicts."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, MappingProxyType):
            return _make_proxy, (dict(obj),)
        cls = type(obj)
        names = _FIELDS.get(cls)
        if names is None:
            if not is_dataclass(cls):
                return NotImplemented
            names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
        return cls, tuple(getattr(obj, name) for name in names)


_FIELDS: dict[type, tuple[str, ...]] = {}


def save(root: Path, made_with: str, snapshot: Snapshot) -> None:
    """Keep ``snapshot`` for the next build; a failure only costs that build time.

    The build that made it freed the sources' text as their Markdown came back, so the documents in
    it carry none. ``made_with`` (see ``plan.made_with``) must match for it to be used again.

    The pickle goes straight to the file, signed as it is written (the signature ends the file):
    at 5,000 posts it is ~100 MB, which a build need not also hold in memory.
    """
    key = secret()
    if key is None:
        return
    path = _path(root, made_with)
    if check_inside(path, root) is not None:  # a cache folder symlinked out of the site: nothing is written there
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    mac = new_mac(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(_MAGIC)
            signed = _Signed(fh, mac)
            signed.write(f"{made_with}\n{snapshot.id}\n".encode())
            _Pickler(signed, protocol=5).dump(snapshot)
            fh.write(b"\n" + mac.hexdigest().encode())
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:  # a disk error, or an extra pickle cannot take
        log.debug("model snapshot not kept: %s", exc)
        with contextlib.suppress(OSError):  # a cache folder that cannot be written has none to remove
            tmp.unlink(missing_ok=True)
        return
    _prune(path.parent)


def _prune(folder: Path) -> None:
    """Remove all but the newest few snapshots."""
    try:
        found = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in found[_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("cannot prune model snapshots: %s", exc)


class _Signed:
    """A file that also feeds everything written to it into a signature."""

    def __init__(self, fh: BinaryIO, mac: hmac.HMAC) -> None:
        self._fh, self._mac = fh, mac

    def write(self, data: bytes | memoryview) -> int:
        self._mac.update(data)
        return self._fh.write(data)


def stored_id(root: Path, made_with: str) -> str | None:
    """The id of the snapshot on disk if it was made with ``made_with`` (not yet checked: ``load`` does)."""
    try:
        head = read_regular(_path(root, made_with), inside=root, limit=len(_MAGIC) + 200)
    except OSError:
        return None
    lines = head[len(_MAGIC):].split(b"\n", 2) if head.startswith(_MAGIC) else []
    if len(lines) < 3 or lines[0] != made_with.encode():
        return None
    return lines[1].decode("ascii", "replace")


def load(root: Path, made_with: str, wanted: str) -> Snapshot | None:
    """The snapshot on disk if this user signed it, it was made with ``made_with`` and its id is ``wanted``.

    The file is read in pieces, checked whole, and unpickled from those pieces, each let go once
    read: the file's bytes and the objects made from them are never all held at once (at 5,000
    posts that is 57 MB less at the peak of a patch).
    """
    key = secret()
    if key is None:
        return None
    try:
        pieces = _Pieces(read_regular_chunks(_path(root, made_with), inside=root))
    except OSError:
        return None
    size, mine = pieces.size, f"{made_with}\n{wanted}\n".encode()
    if pieces.take(0, len(_MAGIC)) != _MAGIC or size < len(_MAGIC) + 65 or pieces.take(size - 65, size - 64) != b"\n":
        return None
    signature, mac = pieces.take(size - 64, size), new_mac(key)
    for view in pieces.views(len(_MAGIC), size - 65):
        mac.update(view)
    if not hmac.compare_digest(signature, mac.hexdigest().encode()):
        return None  # not ours: never unpickled
    if pieces.take(len(_MAGIC), len(_MAGIC) + len(mine)) != mine:
        return None  # another blogen, other options, another folder or another build: its classes may not even match
    stream = _Draining(pieces.views(len(_MAGIC) + len(mine), size - 65))
    del pieces
    # Unpickling makes ~100,000 objects at 1,000 posts; collections triggered on the way would walk
    # them again and again (a third of the time), and none of them is garbage; nor need the rest of
    # this short-lived process walk them.
    with kept_for_good():
        try:
            snapshot = pickle.Unpickler(stream).load()
        except Exception as exc:  # signed by this user, yet unreadable: a last guard, a full build replaces it
            log.debug("model snapshot unreadable: %s", exc)
            return None
    return snapshot if isinstance(snapshot, Snapshot) and snapshot.id == wanted else None


class _Pieces:
    """A file read as a list of pieces, addressed by offsets into the whole."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks
        self._starts = list(itertools.accumulate((len(c) for c in chunks), initial=0))
        self.size = self._starts[-1]

    def views(self, start: int, end: int) -> list[memoryview]:
        """The bytes from ``start`` to ``end``, as views of the pieces (nothing copied)."""
        out: list[memoryview] = []
        first = max(0, bisect.bisect_right(self._starts, start) - 1)
        for i in range(first, len(self._chunks)):
            base = self._starts[i]
            if base >= end:
                break
            out.append(memoryview(self._chunks[i])[max(start - base, 0):end - base])
        return out

    def take(self, start: int, end: int) -> bytes:
        return b"".join(self.views(start, end))


class _Draining:
    """What ``pickle.Unpickler`` reads from: views of the file's pieces, each dropped once it is read."""

    def __init__(self, views: list[memoryview]) -> None:
        self._views = collections.deque(v for v in views if len(v))

    def read(self, n: int = -1) -> bytes:
        out: list[memoryview] = []
        views = self._views
        while views and n != 0:
            view = views[0]
            if 0 <= n < len(view):
                out.append(view[:n])
                views[0] = view[n:]
                break
            out.append(views.popleft())
            n -= len(view) if n > 0 else 0
        return b"".join(out)

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readline(self) -> bytes:  # only protocol 0-3 opcodes read lines: never in our own pickles, but a reader must have it
        out: list[bytes] = []
        while self._views:
            at = bytes(self._views[0]).find(b"\n")
            if at >= 0:
                out.append(self.read(at + 1))
                break
            out.append(self.read(len(self._views[0])))
        return b"".join(out)


def forget(root: Path, made_with: str) -> None:
    """Remove the snapshot of builds made with ``made_with`` (one that keeps none: it would only take up space)."""
    try:
        _path(root, made_with).unlink(missing_ok=True)
    except OSError as exc:
        log.debug("cannot remove the model snapshot: %s", exc)
