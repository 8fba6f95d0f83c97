"""The dev server's private folder in the system's temporary folder, and the clean-up of those that
killed servers left behind.

A server stopped by Ctrl-C removes its folder; one killed (SIGKILL, a closed terminal, a crash)
cannot, and each such folder holds a whole built site (thousands of files). So every server marks
its folder with who made it (process id and start time, and the boot), and the next server to start
removes the marked folders whose maker is gone. A folder without a readable mark, one owned by
another user, or a symlink is never touched: only what a blogen server made and left is removed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

from blogen.core.files import read_regular, write_atomic

log = logging.getLogger(__name__)

PREFIX = "blogen-serve-"
MARK = ".blogen-serve-owner"


def make_private_folder(parent: Path | None = None) -> Path:
    """A new folder for one server, marked as this process's; abandoned ones are removed first."""
    top = Path(parent or tempfile.gettempdir())
    remove_abandoned(top)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=top))
    try:
        write_atomic(folder / MARK, json.dumps(_me()), make_parents=False)
    except OSError as exc:  # unmarked, it is simply never cleaned up by another server
        log.debug("cannot mark %s: %s", folder, exc)
    return folder


def remove_abandoned(top: Path) -> list[Path]:
    """Remove the marked server folders under ``top`` whose server is no longer running; returns them."""
    removed: list[Path] = []
    try:
        entries = [e for e in os.scandir(top) if e.name.startswith(PREFIX)]
    except OSError:
        return removed
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISDIR(st.st_mode) or (uid is not None and st.st_uid != uid):
                continue
            owner = json.loads(read_regular(os.path.join(entry.path, MARK), inside=entry.path))
        except (OSError, ValueError):
            continue  # not marked (another program's, or still being made): never ours to remove
        if not isinstance(owner, dict) or _running(owner):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
        log.debug("removed %s, left by a dev server that is gone", entry.path)
    return removed


def _me() -> dict[str, object]:
    return {"pid": os.getpid(), "started": _start_time(os.getpid()), "boot": _boot_id()}


def _running(owner: dict[str, object]) -> bool:
    """Whether the process that wrote ``owner`` still runs (the same process, not a new one with its pid)."""
    pid = owner.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return True  # a mark we do not understand: leave the folder alone
    if owner.get("boot") != _boot_id():
        return False  # made before the machine last started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone's process has that pid; cannot tell more
    started = owner.get("started")
    return started is None or started == _start_time(pid)


def _start_time(pid: int) -> int | None:
    """When the process started, in clock ticks since boot (Linux), or None where that is not known."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        text = read_regular(f"/proc/{pid}/stat").decode("ascii", "replace")
        return int(text.rsplit(")", 1)[1].split()[19])  # field 22; the name before ')' may hold spaces
    return None


def _boot_id() -> str | None:
    with contextlib.suppress(OSError):
        return read_regular("/proc/sys/kernel/random/boot_id").decode("ascii", "replace").strip()
    return None
