"""A file known by its identity on disk instead of its bytes, and when that is safe.

Inode, size, mtime and ctime (in nanoseconds) change with every write, and no tool can set ctime
back. But file times tick in steps of a few milliseconds (seconds on some disks), so a second
same-size save within one step can leave all four unchanged: a long-running process may know a
file by its identity only once the file has been still for a while. A recent file is read again,
which costs little: it is the one being edited.
"""

from __future__ import annotations

import os
import time

SETTLED_NS = 3_000_000_000

Identity = tuple[int, int, int, int]


def identity(st: os.stat_result) -> Identity:
    """Inode, size, mtime and ctime: what every write to the file changes."""
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def settled(st: os.stat_result, now_ns: int | None = None) -> bool:
    """Whether the file has been still long enough for its identity to stand for its bytes.

    ``now_ns`` is the clock read once by a caller that asks about thousands of files.
    """
    now = time.time_ns() if now_ns is None else now_ns
    return now - max(st.st_mtime_ns, st.st_ctime_ns) > SETTLED_NS
