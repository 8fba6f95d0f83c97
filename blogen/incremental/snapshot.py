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
in the user's own cache folder, outside the site (``~/.cache/blogen/key``): a copy from anywhere
else (an archive of the site, another user) fails the check and is not unpickled.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import logging
import os
import pickle
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, BinaryIO

from blogen.core.install import user_cache_dir

if TYPE_CHECKING:  # only the fields' types: the no-op check reads a snapshot's id without loading the pipeline
    from blogen.content.images import ImageInfo
    from blogen.content.sources import Content
    from blogen.core.config import Config
    from blogen.model.values import ModelMemo, Site, ThemeAsset
    from blogen.render.renderer import RenderMemo

log = logging.getLogger(__name__)

_FILE = Path(".blogen-cache") / "snapshot.pickle"
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


def _key_file() -> Path:
    return user_cache_dir() / "key"


def _secret() -> bytes | None:
    """This user's signing key, made on first use; None where it cannot be kept (then no snapshot is kept on disk)."""
    path = _key_file()
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        return path.read_bytes()
    except FileExistsError:  # made by another build a moment ago
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return data if len(data) >= 32 else None
    except OSError as exc:
        log.debug("no key for the model snapshot (%s): every command-line build is a full one", exc)
        return None


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
    secret = _secret()
    if secret is None:
        return
    path = root / _FILE
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    mac = hmac.new(secret, digestmod=hashlib.sha256)
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
        tmp.unlink(missing_ok=True)


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
        with open(root / _FILE, "rb") as fh:
            head = fh.read(len(_MAGIC) + 200)
    except OSError:
        return None
    lines = head[len(_MAGIC):].split(b"\n", 2) if head.startswith(_MAGIC) else []
    if len(lines) < 3 or lines[0] != made_with.encode():
        return None
    return lines[1].decode("ascii", "replace")


def load(root: Path, made_with: str, wanted: str) -> Snapshot | None:
    """The snapshot on disk if this user signed it, it was made with ``made_with`` and its id is ``wanted``."""
    secret = _secret()
    if secret is None:
        return None
    try:
        data = (root / _FILE).read_bytes()
    except OSError:
        return None
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + 65 or data[-65:-64] != b"\n":
        return None
    body, signature = memoryview(data)[len(_MAGIC):-65], data[-64:]
    if not hmac.compare_digest(signature, hmac.new(secret, body, hashlib.sha256).hexdigest().encode()):
        return None  # not ours: never unpickled
    mine = f"{made_with}\n{wanted}\n".encode()
    if bytes(body[:len(mine)]) != mine:
        return None  # another blogen, other options, another folder or another build: its classes may not even match
    # Unpickling makes ~100,000 objects at 1,000 posts; collections triggered on the way would walk
    # them again and again (a third of the time), and none of them is garbage.
    gc.disable()
    try:
        snapshot = pickle.loads(body[len(mine):])
    except Exception as exc:  # signed by this user, yet unreadable: a last guard, a full build replaces it
        log.debug("model snapshot unreadable: %s", exc)
        return None
    finally:
        gc.enable()
    gc.freeze()  # and the rest of this short-lived process need not walk them either
    return snapshot if isinstance(snapshot, Snapshot) and snapshot.id == wanted else None


def forget(root: Path) -> None:
    """Remove the snapshot on disk (a build that keeps none: it would only take up space)."""
    try:
        (root / _FILE).unlink(missing_ok=True)
    except OSError as exc:
        log.debug("cannot remove the model snapshot: %s", exc)
