"""Reading the old site's folder safely: nothing outside it, no special files, one rule for every read.

A blog's repository can hold a symlink to anywhere (``secrets -> /etc/shadow``) or a FIFO that
blocks whoever opens it. The import lists the folder without following links (``os.scandir`` and
``lstat``), follows a link only when its real target lies inside the source folder, skips every
other link and every file that is not a regular file with a warning naming it, and opens files
with ``O_NOFOLLOW | O_NONBLOCK`` and checks the opened descriptor again, so a file swapped for a
link or a FIFO between listing and reading is refused too.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from blogen.core.errors import BlogenError
from blogen.importers.values import Finding

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Listed:
    """A regular file found under the source folder: its real path and its path as the old site names it."""

    path: Path  # the real file (through in-tree symlinks)
    rel: str  # '/'-separated, relative to the source root, as found (a symlink keeps its own name)
    mtime: float


@dataclass(slots=True)
class SourceTree:
    """The old site's folder: listing and reading that never leave it. Problems met go to ``findings``."""

    root: Path  # resolved
    shown: str  # the folder as the user named it
    findings: list[Finding] = field(default_factory=list)
    exclude: frozenset[Path] = frozenset()  # real folders never listed (the new site, when it lies inside the old one)
    _reported: set[str] = field(default_factory=set)

    @classmethod
    def open(cls, folder: Path) -> SourceTree:
        real = folder.resolve()
        if not real.is_dir():
            raise BlogenError.one(str(folder), None, "is not a folder")
        return cls(real, str(folder).rstrip("/") or "/")

    def show(self, rel: str) -> str:
        return f"{self.shown}/{rel}" if rel else self.shown

    def _report(self, rel: str, kind: str, message: str) -> None:
        if rel not in self._reported:
            self._reported.add(rel)
            self.findings.append(Finding(self.show(rel), None, kind, message))

    def inside(self, path: Path) -> bool:
        return path == self.root or path.is_relative_to(self.root)

    def _follow(self, path: Path, rel: str) -> tuple[Path, os.stat_result] | None:
        """The real target of a symlink and its status, if it stays inside the source folder."""
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        real = path.resolve()
        if not self.inside(real):
            self._report(rel, "symlink", f"symlink to {target} points outside {self.shown}; not imported")
            return None
        try:
            return real, real.stat()
        except OSError:
            self._report(rel, "symlink", f"broken symlink (to {target}); not imported")
            return None

    def walk(self, rel: str = "", *, skip: frozenset[str] = frozenset()) -> list[Listed]:
        """Every regular file under ``rel``, sorted by path. ``skip`` names folders (relative paths) not to enter.

        Dotfiles are listed too: which ones a generator publishes is its own rule.
        """
        found: list[Listed] = []
        seen: set[Path] = set()
        stack = [(self.root / rel if rel else self.root, rel)]
        while stack:
            folder, folder_rel = stack.pop()
            real_folder = folder.resolve()
            if real_folder in seen or real_folder in self.exclude:
                continue
            seen.add(real_folder)
            try:
                entries = list(os.scandir(folder))
            except OSError as exc:
                self._report(folder_rel, "not-imported", f"cannot read folder: {exc.strerror}")
                continue
            for entry in entries:
                child_rel = f"{folder_rel}/{entry.name}" if folder_rel else entry.name
                if child_rel in skip:
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                path = Path(entry.path)
                if stat.S_ISLNK(st.st_mode):
                    followed = self._follow(path, child_rel)
                    if followed is None:
                        continue
                    path, st = followed
                if stat.S_ISDIR(st.st_mode):
                    stack.append((path, child_rel))
                elif stat.S_ISREG(st.st_mode):
                    found.append(Listed(path, child_rel, st.st_mtime))
                else:
                    self._report(child_rel, "special-file", "not a regular file (a FIFO, socket or device); not imported")
        return sorted(found, key=lambda f: f.rel)

    def file(self, rel: str) -> Listed | None:
        """The regular file at ``rel`` (following in-tree links), or None; an unsafe one is reported."""
        if rel.startswith("/") or ".." in rel.split("/"):
            return None
        path = self.root / rel
        if not self.inside(path.parent.resolve()):  # a folder on the way is a link out of the tree
            self._report(rel, "symlink", f"{rel} lies behind a symlink pointing outside {self.shown}; not imported")
            return None
        try:
            st = os.lstat(path)
        except OSError:
            return None
        if stat.S_ISLNK(st.st_mode):
            followed = self._follow(path, rel)
            if followed is None:
                return None
            path, st = followed
        if stat.S_ISDIR(st.st_mode):
            return None
        if not stat.S_ISREG(st.st_mode):
            self._report(rel, "special-file", "not a regular file (a FIFO, socket or device); not imported")
            return None
        return Listed(path, rel, st.st_mtime)

    def is_dir(self, rel: str) -> bool:
        path = self.root / rel
        if not path.is_dir():
            return False
        return self.inside(path.resolve())


def _open_regular(path: Path, shown: str, root: Path) -> int:
    """A descriptor for ``path`` that is a regular file inside ``root``; raises BlogenError otherwise."""
    real = path.resolve()
    if real != root and not real.is_relative_to(root):
        raise BlogenError.one(shown, None, "points outside the source folder; not read")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise BlogenError.one(shown, None, f"cannot read file: {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BlogenError.one(shown, None, "not a regular file; not read")
    return fd


def read_bytes(path: Path, shown: str, root: Path) -> bytes:
    """The bytes of a regular file inside ``root`` (see the module's note); raises BlogenError."""
    fd = _open_regular(path, shown, root)
    try:
        chunks: list[bytes] = []
        while chunk := os.read(fd, _CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise BlogenError.one(shown, None, f"cannot read file: {exc.strerror}") from None
    finally:
        os.close(fd)


def read_head(path: Path, shown: str, root: Path, size: int) -> bytes:
    """The first ``size`` bytes of a regular file inside ``root``: enough to tell what kind of file it is."""
    fd = _open_regular(path, shown, root)
    try:
        return os.read(fd, size)
    except OSError as exc:
        raise BlogenError.one(shown, None, f"cannot read file: {exc.strerror}") from None
    finally:
        os.close(fd)


def read_text(path: Path, shown: str, root: Path) -> str:
    """A source text with the BOM dropped and newlines made ``\\n``; raises BlogenError if it is not UTF-8."""
    data = read_bytes(path, shown, root)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BlogenError.one(shown, line, "not valid UTF-8; convert the file to UTF-8 and import it again") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def copy_chunks(path: Path, shown: str, root: Path) -> Iterator[bytes]:
    """The bytes of a (possibly large) regular file inside ``root``, a megabyte at a time."""
    fd = _open_regular(path, shown, root)
    try:
        while chunk := os.read(fd, _CHUNK):
            yield chunk
    finally:
        os.close(fd)
