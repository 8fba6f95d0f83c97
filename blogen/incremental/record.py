"""Tell, without loading the pipeline, whether a build would reproduce exactly what output/ holds.

A build records a digest of everything that decides its output: the bytes of every file under
``content/``, the site's and the built-in theme, the config files, blogen's own code and its
libraries' versions, and the command-line options. The next build recomputes it (reading the
files is cheap next to rendering them) and, when nothing differs, the output folder is unchanged
since (a manifest of its files' sizes and mtimes) and no scheduled post has come due, it stops
there. Anything it cannot vouch for means a full build, so this never serves a stale site.
Only the standard library (and ``blogen.core.fileid``, which needs nothing else) is imported here, so
the no-op path skips the costly imports too.

A file's digest is remembered with its identity (inode, size, mtime, ctime; see
``blogen.core.fileid``) and reused while that is unchanged and the file has been still for a while,
so the check reads only the files that changed (a file saved with the same bytes is read, and
still counts as unchanged).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from blogen.content.inputs import walk_inputs
from blogen.core.install import code_fingerprint

STAMP = Path(".blogen-cache") / "last-build.json"
_FORMAT = 2


def build_options(drafts: bool, base_url: str | None, output: str | None) -> tuple[object, ...]:
    """The command-line options that change what a build writes (part of the key)."""
    return ("drafts", drafts, "base_url", base_url, "output", output)


@dataclass(frozen=True, slots=True)
class InputDigest:
    """The digest of a build's inputs, and the file digests it was made of, to reuse next time."""

    key: str
    files: dict[str, list[object]]  # site-relative path -> [inode, size, mtime_ns, ctime_ns, sha256], still files only


def input_digest(root: Path, options: Sequence[object], known: Mapping[str, object] | None = None) -> InputDigest:
    """A digest of every input of a build of the site at ``root`` with these options.

    The inputs are what the one input walk finds (``blogen.content.inputs``). ``known`` holds file
    digests from the last build's stamp; each is reused while the file's identity is the same and
    the file is settled, and any other file is read. A walk that found problems (a symlink leading
    out, a FIFO) gives a digest no build records, so the build runs and reports them.
    """
    known = known or {}
    h = hashlib.sha256(code_fingerprint().encode())
    # Where the site is: a copy of it (cache and all) must not take the original's output for its own.
    h.update(str(root.resolve()).encode() + b"\0")
    h.update(repr(tuple(options)).encode())
    inputs = walk_inputs(root)  # identities taken before the reads below: a change after them shows up next time
    if inputs.problems:
        h.update(repr(inputs.problems).encode())
    files: dict[str, list[object]] = {}
    for key in sorted(inputs.files):
        ident = list(inputs.files[key])
        h.update(key.encode() + b"\0")
        prior = known.get(key)
        if isinstance(prior, list) and len(prior) == 5 and prior[:4] == ident and key not in inputs.recent:
            digest = str(prior[4])
        else:
            try:
                with open(inputs.path(key), "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            except OSError:
                h.update(b"\0unreadable")
                continue
        if key not in inputs.recent:
            files[key] = [*ident, digest]
        h.update(digest.encode())
    return InputDigest(h.hexdigest() if not inputs.problems else "problems:" + h.hexdigest(), files)


def _manifest_digest(rows: list[str]) -> str:
    rows.sort()
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


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
    return _manifest_digest(rows)


def _stamp(root: Path) -> dict[str, object]:
    try:
        stamp = json.loads((root / STAMP).read_text())
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) and stamp.get("format") == _FORMAT else {}


def up_to_date(root: Path, options: Sequence[object], now: datetime) -> tuple[list[str] | None, InputDigest]:
    """(the warnings of the last build, or None to build for real; the inputs' digest, for the build to record)."""
    stamp = _stamp(root)
    known = stamp.get("files")
    inputs = input_digest(root, options, known if isinstance(known, dict) else None)
    try:
        if not stamp:
            return None, inputs
        scheduled = stamp.get("next_scheduled")
        if isinstance(scheduled, str) and now >= datetime.fromisoformat(scheduled):
            return None, inputs
        if stamp.get("key") != inputs.key:
            return None, inputs
        if stamp.get("manifest") != output_manifest(Path(str(stamp["output"]))):
            return None, inputs
        warnings = stamp.get("warnings", [])
        return [str(w) for w in warnings] if isinstance(warnings, list) else None, inputs
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, inputs


def record(root: Path, inputs: InputDigest, out: Path, next_scheduled: datetime | None, warnings: Sequence[str],
           files: Mapping[str, tuple[int, int]] | None = None) -> None:
    """Remember a successful build; failing to write the stamp only costs the next build its shortcut.

    ``files``: the output folder's files with their sizes and mtimes, as the writer just left them;
    else the folder is walked (what the no-op check does).
    """
    manifest = output_manifest(out) if files is None else _manifest_digest(
        [f"{rel}\0{size}\0{mtime}" for rel, (size, mtime) in files.items()])
    data = {"format": _FORMAT, "key": inputs.key, "output": str(out), "manifest": manifest,
            "next_scheduled": next_scheduled.isoformat() if next_scheduled else None, "warnings": list(warnings),
            "files": inputs.files}
    path = root / STAMP
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")))
        os.replace(tmp, path)
    except OSError:
        pass


def forget(root: Path) -> None:
    """Drop the stamp before a build starts, so a build that fails or dies never leaves a stale one."""
    (root / STAMP).unlink(missing_ok=True)
