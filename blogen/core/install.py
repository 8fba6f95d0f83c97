"""Where blogen is installed and what it is: its package folder, its built-in theme, the user's
cache folder, and fingerprints of blogen's code and libraries, remembered per installation.

Only the standard library is imported here: the no-op check (``blogen.incremental.record``) asks
for the code fingerprint before loading anything else.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

from blogen.core.fileid import identity, settled
from blogen.core.files import read_regular, write_atomic

# The ``blogen`` package folder.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
_DISTRIBUTIONS = ("markdown-it-py", "mdit-py-plugins", "Jinja2", "MarkupSafe", "Pygments", "PyYAML", "Pillow", "latex2mathml")


def _code_files(top: Path | str) -> Iterator[str]:
    """Every file under ``top`` (following symlinks, each real folder once), as path strings:
    pathlib objects for a thousand files cost more than stat-ing them."""
    seen: set[tuple[int, int]] = set()
    stack = [str(top)]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir():
                    stack.append(entry.path)
                elif entry.is_file():
                    yield entry.path
            except OSError:
                continue


def builtin_theme_dir() -> Path:
    """The theme shipped with blogen: inside the installed package, or ``theme/`` beside it in a checkout."""
    packaged = PACKAGE_DIR / "theme"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "theme"


def user_cache_dir() -> Path:
    """This user's cache folder for blogen (``$XDG_CACHE_HOME/blogen``, else ``~/.cache/blogen``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "blogen"


@lru_cache(maxsize=1)
def _installation() -> str | None:
    """How blogen and its libraries are installed, as the file system shows it: the identity of
    each of blogen's files and of every folder packages are imported from (installing, removing
    or upgrading a package changes the folder it goes into). None while any of them is too
    recent to vouch for (see ``blogen.core.fileid``)."""
    here = PACKAGE_DIR
    now = time.time_ns()
    h = hashlib.sha256(repr((sys.version, sys.path)).encode())
    ours = [p for top in (here, builtin_theme_dir()) for p in _code_files(top) if "__pycache__" not in p]
    for path in sorted(ours) + [d for d in sys.path if d and os.path.isdir(d)]:
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not settled(st, now):
            return None
        h.update(f"{path}\0{identity(st)}\0".encode())
    return h.hexdigest()


# Installations remembered at once: one per virtual environment, checkout or way of running blogen. A
# developer with a dozen checkouts would otherwise push each one's entry out with the others' builds,
# and pay the ~35 ms again on the next build of each; the file stays a few KB.
_INSTALLATIONS_KEPT = 32


def installed_fingerprint(name: str, compute: Callable[[], str]) -> str:
    """``compute()``, remembered in the user's cache while blogen and its libraries stay installed as
    they are: working out library versions imports ``importlib.metadata`` and reads every
    package's metadata, ~35 ms that every build would pay for the same answer."""
    installed = _installation()
    path = user_cache_dir() / "fingerprints.json"
    known: dict[str, dict[str, str]] = {}  # installation -> name -> value; a few installations (venvs, ways to run)
    if installed is not None:
        try:
            data = json.loads(read_regular(path))  # a FIFO planted there is refused, never waited on
            if isinstance(data, dict):
                known = {k: v for k, v in data.items() if isinstance(v, dict)}
        except (OSError, ValueError):
            pass
        value = known.get(installed, {}).get(name)
        if isinstance(value, str):
            return value
    value = compute()
    if installed is not None:
        mine = {**known.pop(installed, {}), name: value}
        kept = dict(list(known.items())[-(_INSTALLATIONS_KEPT - 1):])  # the most recent others
        with contextlib.suppress(OSError):  # not kept: only costs the next build the same work
            write_atomic(path, json.dumps({**kept, installed: mine}))
    return value


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """blogen's code, its built-in theme and the versions of the libraries that shape the output."""
    return installed_fingerprint("code", _code_fingerprint)


def _code_fingerprint() -> str:
    from importlib import metadata

    here = PACKAGE_DIR
    h = hashlib.sha256()
    for top in (here, builtin_theme_dir()):
        for path in sorted(Path(p) for p in _code_files(top)):
            if path.suffix == ".pyc":
                continue
            h.update(path.relative_to(top).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    for dist in _DISTRIBUTIONS:
        try:
            h.update(f"{dist}={metadata.version(dist)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=?\0".encode())
    return h.hexdigest()
