"""Tell, without loading the pipeline, whether a build would reproduce exactly what output/ holds.

A build records a digest of everything that decides its output: the bytes of every file under
``content/``, the site's and the built-in theme, the config files, blogen's own code and its
libraries' versions, and the command-line options. The next build recomputes it (reading the
files is cheap next to rendering them) and, when nothing differs, the output folder is unchanged
since (a manifest of its files' sizes and mtimes) and no scheduled post has come due, it stops
there. Anything it cannot vouch for means a full build, so this never serves a stale site.
Only the standard library is imported here, so the no-op path skips the costly imports too.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path

STAMP = Path(".blogen-cache") / "last-build.json"
_FORMAT = 1
_DISTRIBUTIONS = ("markdown-it-py", "mdit-py-plugins", "Jinja2", "MarkupSafe", "Pygments", "PyYAML", "Pillow")


def _files(top: Path) -> Iterator[Path]:
    """Every file under ``top`` (following symlinks, each real folder once)."""
    seen: set[tuple[int, int]] = set()
    stack = [top]
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
                    stack.append(Path(entry.path))
                elif entry.is_file():
                    yield Path(entry.path)
            except OSError:
                continue


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """blogen's code, its built-in theme and the versions of the libraries that shape the output."""
    from importlib import metadata

    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    builtin_theme = here / "theme" if (here / "theme").is_dir() else here.parent / "theme"
    for top in (here, builtin_theme):
        for path in sorted(_files(top)):
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


def build_options(drafts: bool, base_url: str | None, output: str | None) -> tuple[object, ...]:
    """The command-line options that change what a build writes (part of the key)."""
    return ("drafts", drafts, "base_url", base_url, "output", output)


def input_digest(root: Path, options: Sequence[object]) -> str:
    """A digest of every input of a build of the site at ``root`` with these options."""
    h = hashlib.sha256(code_fingerprint().encode())
    # Where the site is: a copy of it (cache and all) must not take the original's output for its own.
    h.update(str(root.resolve()).encode() + b"\0")
    h.update(repr(tuple(options)).encode())
    for name in ("pyproject.toml", "blogen.toml"):
        try:
            h.update(name.encode() + b"\0" + (root / name).read_bytes())
        except OSError:
            h.update(name.encode() + b"\0-")
    root_text = str(root) + os.sep
    for top in (root / "content", root / "theme"):
        for path in sorted(str(p) for p in _files(top)):
            h.update(path.removeprefix(root_text).encode() + b"\0")
            try:
                with open(path, "rb") as handle:
                    h.update(handle.read())
            except OSError:
                h.update(b"\0unreadable")
    return h.hexdigest()


def output_manifest(out: Path) -> str:
    """Sizes and mtimes of every file in the output folder: any change by hand shows up here."""
    rows: list[str] = []
    stack = [(str(out), "")]
    while stack:  # plain strings and DirEntry stats: this walk is most of a no-op build's time
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    st = entry.stat(follow_symlinks=False)
                    rows.append(f"{prefix}{entry.name}\0{st.st_size}\0{st.st_mtime_ns}")
            except OSError:
                continue
    rows.sort()
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def up_to_date(root: Path, options: Sequence[object], now: datetime) -> tuple[list[str] | None, str]:
    """(the warnings of the last build, or None to build for real; the inputs' digest, for the build to record)."""
    key = input_digest(root, options)
    try:
        stamp = json.loads((root / STAMP).read_text())
        if stamp.get("format") != _FORMAT:
            return None, key
        if stamp.get("next_scheduled") and now >= datetime.fromisoformat(stamp["next_scheduled"]):
            return None, key
        if stamp.get("key") != key:
            return None, key
        if stamp.get("manifest") != output_manifest(Path(stamp["output"])):
            return None, key
        return [str(w) for w in stamp.get("warnings", [])], key
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, key


def record(root: Path, key: str, out: Path, next_scheduled: datetime | None, warnings: Sequence[str]) -> None:
    """Remember a successful build; failing to write the stamp only costs the next build its shortcut."""
    data = {"format": _FORMAT, "key": key, "output": str(out), "manifest": output_manifest(out),
            "next_scheduled": next_scheduled.isoformat() if next_scheduled else None, "warnings": list(warnings)}
    path = root / STAMP
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, path)
    except OSError:
        pass


def forget(root: Path) -> None:
    """Drop the stamp before a build starts, so a build that fails or dies never leaves a stale one."""
    (root / STAMP).unlink(missing_ok=True)
