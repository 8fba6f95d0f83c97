"""The last full build's model kept on disk, so that the next ``blogen build`` after an edit to a
post's text can start from it, as the dev server's quick rebuild does (see ``blogen.incremental.scan``).

A new process would otherwise read and parse every source, load every cached Markdown result and
make the whole model again (~0.6 s at 1,000 posts) to render the few pages one edit changes.

What is kept (``Base``): the scan of the inputs taken before that build read them, the model,
what each document's links looked up, which pages counted which posts, and the posts' views and
digests; not the sources' text.
It is a pickle, and reading a pickle runs code, so the file is signed with a key that lives in the
user's own cache folder, outside the site (``~/.cache/blogen/key``): a copy from anywhere else (an
archive of the site, another user) fails the check and is not unpickled.

It describes the output folder it was written with, so:
- it is written only by a full build that wrote its output, inside the output lock;
- every other full build removes it before it swaps its output in, so a build that changes the
  output folder and then dies cannot leave one behind that describes an older output (one that
  fails before that leaves it: the output is still the one it describes);
- the output folder's notes carry the same build id, which the quick rebuild checks once it holds
  the output lock.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import logging
import os
import pickle
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

from blogen.core.files import read_regular, write_atomic
from blogen.core.install import user_cache_dir
from blogen.incremental.scan import LastBuild
from blogen.model.values import ModelMemo
from blogen.render.pages import RenderMemo

log = logging.getLogger(__name__)

_FILE = Path(".blogen-cache") / "quick-base.pickle"
_MAGIC = b"blogen quick base 2\n"
# A quick rebuild redoes every post changed since the base; past this many a full build (which
# writes a new base) costs about the same.
QUICK_LIMIT = 32


@dataclass(frozen=True, slots=True)
class Base:
    build_id: str  # also in the output folder's notes, written in the same build
    last: LastBuild
    model: ModelMemo
    render: RenderMemo  # which posts each page counted (the pages a changed post is on); post views and digests


def _key_file() -> Path:
    return user_cache_dir() / "key"


def _secret() -> bytes | None:
    """This user's signing key, made on first use; None where it cannot be kept (then no base is kept)."""
    path = _key_file()
    try:  # only a regular file: a FIFO there would block the build, a device would be read forever
        data = read_regular(path)
        if len(data) >= 32:
            return data
    except OSError:
        pass
    try:  # made whole in one step, never written through a symlink; if two builds race, one key wins
        write_atomic(path, secrets.token_bytes(32), mode=0o600, exclusive=True)
        return read_regular(path)
    except FileExistsError:  # made by another build a moment ago (or something else stands there)
        try:
            data = read_regular(path)
        except OSError:
            return None
        return data if len(data) >= 32 else None
    except OSError as exc:
        log.debug("no key for the quick-rebuild base (%s): every build is a full one", exc)
        return None


def _make_proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


class _Pickler(pickle.Pickler):
    """Dataclasses go as their class and field values, to be made again by calling the class: the
    default for frozen slotted dataclasses (``__setstate__`` looking up the fields for every
    object) took two thirds of the time to read a base. Read-only mappings go as dicts."""

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


def fingerprint(code: str, options: tuple[Any, ...], root: Path) -> str:
    """What a base must have been made with to be used: blogen's code, the options, the site folder, Python."""
    return hashlib.sha256(repr((code, options, str(root), sys.version)).encode()).hexdigest()


def save(root: Path, made_with: str, base: Base) -> None:
    """Keep ``base`` for the next build; a failure only costs that build time.

    The build that made it freed the sources' text as their Markdown came back (``build._model``),
    so the documents in it carry none.

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
            signed.write(made_with.encode() + b"\n")
            _Pickler(signed, protocol=5).dump(base)
            fh.write(b"\n" + mac.hexdigest().encode())
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:  # a disk error, or an extra pickle cannot take
        log.debug("quick-rebuild base not kept: %s", exc)
        with contextlib.suppress(OSError):  # a cache folder that cannot be written has none to remove
            tmp.unlink(missing_ok=True)


class _Signed:
    """A file that also feeds everything written to it into a signature."""

    def __init__(self, fh: BinaryIO, mac: hmac.HMAC) -> None:
        self._fh, self._mac = fh, mac

    def write(self, data: bytes | memoryview) -> int:
        self._mac.update(data)
        return self._fh.write(data)


def load(root: Path, made_with: str) -> Base | None:
    """The base the last full build kept, if it was made by this user with ``made_with``; else None."""
    secret = _secret()
    if secret is None:
        return None
    try:
        data = read_regular(root / _FILE)
    except OSError:
        return None
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + 65 or data[-65:-64] != b"\n":
        return None
    body, signature = memoryview(data)[len(_MAGIC):-65], data[-64:]
    if not hmac.compare_digest(signature, hmac.new(secret, body, hashlib.sha256).hexdigest().encode()):
        return None  # not ours: never unpickled
    mine = made_with.encode() + b"\n"
    if bytes(body[:len(mine)]) != mine:
        return None  # another blogen, other options or another folder: its classes may not even match
    # Unpickling makes ~100,000 objects at 1,000 posts; collections triggered on the way would walk
    # them again and again (a third of the time), and none of them is garbage.
    gc.disable()
    try:
        base = pickle.loads(body[len(mine):])
    except Exception as exc:  # signed by this user, yet unreadable: a last guard, a full build replaces it
        log.debug("quick-rebuild base unreadable: %s", exc)
        return None
    finally:
        gc.enable()
    gc.freeze()  # and the rest of this short-lived process need not walk them either
    return base if isinstance(base, Base) else None


def forget(root: Path) -> None:
    """Remove the base before a build that may change the output folder in another way."""
    try:
        (root / _FILE).unlink(missing_ok=True)
    except OSError as exc:
        log.debug("cannot remove the quick-rebuild base: %s", exc)


def same_output(notes: Mapping[str, Any], base: Base) -> bool:
    """Whether the output folder's notes say it was last written from ``base`` (or quick rebuilds of it)."""
    return notes.get("base") == base.build_id
