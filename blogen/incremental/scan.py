"""What the dev server's quick rebuild needs: the last build's results and a cheap look at the inputs.

A dev server rebuild usually follows one save of one post's text. Re-checking the whole site for
that costs time that grows with the site (~0.4 s at 5,000 posts), so the server keeps the last
build (``LastBuild``) and, before each build, takes the identity of every input file (``scan``):
inode, size, mtime and ctime, as ``blogen.core.fileid`` describes. When the only files that differ are
existing Markdown sources, the build can start from the last one and redo just those documents
(see ``start.quick_model`` and ``patch.patch_posts``); anything else means a full build.

The scan decides what changed; file events only say when to build, so merged or misreported
events cannot make the quick path miss a change. To keep the scan (~30 ms at 5,000 files) out of
the time between a save and its page, the server starts it at the first event of a burst, while
the watcher waits for the burst to go quiet (``Prescan``); the build then looks again at the files
the burst's events named. Every identity is still taken before the build reads the file, so a
change the build did not see differs from the scan it leaves, and the next build makes it.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blogen.content.inputs import SOURCE_SUFFIXES, is_editor_noise
from blogen.core.fileid import Identity, identity, settled

if TYPE_CHECKING:
    from blogen.content.images import ImageInfo
    from blogen.content.sources import Content
    from blogen.core.config import Config
    from blogen.model.values import Site, ThemeAsset


@dataclass(frozen=True, slots=True)
class Scan:
    """Every input file's identity, and which of them were too recent for it to stand for their bytes."""

    files: Mapping[str, Identity]  # absolute path -> identity
    recent: frozenset[str]


def scan(root: Path, theme_dirs: list[Path]) -> Scan | None:
    """Identities of content/, the theme folders and the config files; None where a scan cannot vouch
    for the inputs (a symlink, whose target may change without the link changing)."""
    files: dict[str, Identity] = {}
    recent: set[str] = set()
    now = time.time_ns()  # one reading of the clock for the whole scan

    def note(path: str, st: os.stat_result) -> None:
        _note(files, recent, path, st, now)

    for name in ("pyproject.toml", "blogen.toml"):
        try:
            note(str(root / name), os.stat(root / name))
        except OSError:
            continue
    stack = [str(root / "content"), *(str(d) for d in theme_dirs)]
    while stack:  # plain strings and DirEntry: at 5,000 posts this walk is a fifth of a quick rebuild
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return None
        for entry in entries:
            name = entry.name
            if name == "__pycache__" or is_editor_noise(name):
                continue
            if entry.is_symlink():
                return None
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
                continue
            try:
                note(entry.path, entry.stat(follow_symlinks=False))
            except OSError:
                return None
    return Scan(files, frozenset(recent))


def _note(files: dict[str, Identity], recent: set[str], path: str, st: os.stat_result, now: int) -> None:
    """Record a file's identity, and whether it is too recent for that to stand for its bytes."""
    files[path] = identity(st)
    if settled(st, now):
        recent.discard(path)
    else:
        recent.add(path)


class Prescan:
    """A scan begun in the background at the first file event of a burst, for the build the burst asks for.

    A file the scan looked at before it changed again is named by that change's event, so the
    build looks again at every file named by the events it builds for (``take``). That makes what
    it gets as good as a scan of its own taken when it starts: each file's identity is taken before
    the build reads the file, so any later change differs from it next time.
    """

    def __init__(self, root: Path, theme_dirs: list[Path]) -> None:
        self._root = root
        self._scan: Scan | None = None
        self._thread = threading.Thread(target=self._run, args=(theme_dirs,), name="blogen-prescan", daemon=True)
        self._thread.start()

    def _run(self, theme_dirs: list[Path]) -> None:
        self._scan = scan(self._root, theme_dirs)

    def take(self, changed: Iterable[str]) -> Scan | None:
        """The scan, with the files at ``changed`` (site-relative) looked at again; None when a scan of
        its own is the caller's better course: one of them is new, gone or not a plain file."""
        self._thread.join()
        if self._scan is None:
            return None
        files = dict(self._scan.files)
        recent = set(self._scan.recent)
        now = time.time_ns()
        for rel in changed:
            path = str(self._root / rel)
            if path not in files:
                return None
            try:
                st = os.stat(path, follow_symlinks=False)
            except OSError:
                return None
            if not stat.S_ISREG(st.st_mode):
                return None
            _note(files, recent, path, st, now)
        return Scan(files, frozenset(recent))


def changed_sources(before: Scan, now: Scan, root: Path) -> list[str] | None:
    """Root-relative paths of the Markdown sources that may have changed, or None when anything
    else may have: a file added, removed or changed that is not an existing Markdown source."""
    if before.files.keys() != now.files.keys():
        return None
    top = str(root) + os.sep
    content = top + "content" + os.sep
    changed: list[str] = []
    for path, ident in now.files.items():
        if before.files[path] == ident and path not in before.recent:
            continue
        if not path.startswith(content) or not path.endswith(SOURCE_SUFFIXES):
            return None
        changed.append(path[len(top):].replace(os.sep, "/"))
    return changed


@dataclass(frozen=True, slots=True)
class LastBuild:
    """The last build of a long-running process that was written, as the quick rebuild starts from it."""

    scan: Scan  # taken before that build read anything
    options: tuple[Any, ...]  # drafts, base URL, output: a build with others is a full one
    config: Config
    content: Content
    images: Mapping[str, ImageInfo]
    assets: tuple[ThemeAsset, ...]
    site: Site
    template_lines: Mapping[str, int]
    render_warnings: bool  # warnings came from rendering pages: which pages' they were is not kept
