"""Run one command and measure it: wall time, peak memory, CPU time; and output-folder snapshots.

Wall time is from just before the process is spawned to just after it has been reaped, so it is the
whole process: interpreter or runtime start-up, imports, the build, worker start-up and shutdown.

Memory, two ways:

* ``maxrss``: what ``/usr/bin/time -f %M`` reports, taken the same way (``wait4`` on the child).
  Linux gives the child's peak RSS *or* the peak of any descendant it waited for, whichever is
  larger: so blogen's Markdown worker processes are counted, but as "the largest single process",
  not added up.
* ``tree``: a sampler thread (every ``SAMPLE_EVERY`` s) walks the process tree through
  ``/proc/<pid>/task/<tid>/children`` and adds up RSS and PSS (``smaps_rollup``) of all processes
  alive at that moment; the peak of those sums is the memory the whole tree held at once. PSS
  splits pages shared between the parent and its forked workers, so it does not count them twice;
  RSS sums do. Sampling costs CPU, so it is only used in separate, untimed runs.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_EVERY = 0.005


@dataclass
class Run:
    wall: float  # seconds, spawn to reap
    cpu: float  # user + system seconds of the process and every descendant it waited for
    maxrss_kib: int  # peak RSS of the largest single process in the tree (wait4 / GNU time %M)
    rc: int
    log: str
    tree_rss_kib: int = 0  # peak of the summed RSS of the tree (sampled runs only)
    tree_pss_kib: int = 0  # peak of the summed PSS of the tree (sampled runs only)
    samples: int = 0


class CommandFailed(RuntimeError):
    pass


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                kids.extend(int(x) for x in fh.read().split())
        except OSError:
            pass
    return kids


def _tree(root: int) -> list[int]:
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(_children(pid))
    return out


def _rollup(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB of one process, or (0, 0) when it is gone (or a zombie)."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
                    break
    except (OSError, ValueError):
        pass
    return rss, pss


class TreeSampler:
    def __init__(self, pid: int, every: float = SAMPLE_EVERY) -> None:
        self.pid = pid
        self.every = every
        self.peak_rss = 0
        self.peak_pss = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            rss = pss = 0
            for pid in _tree(self.pid):
                r, p = _rollup(pid)
                rss += r
                pss += p
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.samples += 1
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def tool_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every measured command runs in: this one, as on a user's machine.

    ``PYTHONDONTWRITEBYTECODE`` is dropped: some sandboxes set it, and then every run of a Python
    tool compiles its modules from source again (~50 ms for blogen's own), which no installed tool
    does on a user's machine (pip writes the bytecode at install; an editable checkout writes it on
    its first run).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra or {})
    return env


def run(cmd: list[str], cwd: Path, *, env: dict[str, str] | None = None, sample_tree: bool = False,
        check: bool = True) -> Run:
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=tool_env(env), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid) if sample_tree else None
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler is not None:
            sampler.stop()
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    result = Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, maxrss_kib=usage.ru_maxrss, rc=proc.returncode,
                 log=text)
    if sampler is not None:
        result.tree_rss_kib, result.tree_pss_kib, result.samples = sampler.peak_rss, sampler.peak_pss, sampler.samples
    if check and result.rc != 0:
        tail = "\n".join(text.splitlines()[-30:])
        raise CommandFailed(f"{' '.join(cmd)} (in {cwd}) exited {result.rc}:\n{tail}")
    return result


# --- what a build wrote -----------------------------------------------------------------------------

Snapshot = dict[str, tuple[int, int, int]]


def snapshot(folder: Path) -> Snapshot:
    """Every file under ``folder``: (inode, mtime_ns, size). A rewrite changes the mtime or, for an
    atomic replace, the inode, even when the bytes are the same."""
    found: Snapshot = {}
    if not folder.is_dir():
        return found
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path, follow_symlinks=False)
            except OSError:
                continue
            found[os.path.relpath(path, folder)] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return found


def changed(before: Snapshot, after: Snapshot) -> tuple[int, int]:
    """(files written or created, files removed) between two snapshots."""
    written = sum(1 for k, v in after.items() if before.get(k) != v)
    removed = sum(1 for k in before if k not in after)
    return written, removed
