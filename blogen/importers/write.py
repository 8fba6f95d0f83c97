"""Writing the import into the site: never through a symlink, never over an existing file.

Each file is created relative to a descriptor of the site's folder, one path component at a
time with ``O_NOFOLLOW``, so a symlinked ``content/static`` (pointing at ``/etc``, say) is refused
rather than written through, and the file itself is created with ``O_CREAT | O_EXCL``, which
fails if anything, a symlink included, already has that name. A file that appeared since the
plan was made is reported, not replaced.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from blogen.core.errors import BlogenError, Problem
from blogen.importers.sourcefs import copy_chunks
from blogen.importers.values import Plan
from blogen.markdown.shortcode_templates import starter_template

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class Unsafe(Exception):
    """A path of the site that the import will not write: it exists, or one of its folders is a symlink."""


@contextmanager
def _folder(root_fd: int, parts: list[str]) -> Iterator[int]:
    """A descriptor of the folder ``parts`` below the root, made where missing, never followed through a link."""
    fds: list[int] = []
    fd = root_fd
    try:
        for part in parts:
            if part in ("", ".", ".."):
                raise Unsafe(f"'{part}' in a path")
            with suppress(FileExistsError):
                os.mkdir(part, 0o755, dir_fd=fd)
            try:
                fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise Unsafe(f"'{part}' is a symlink or not a folder") from None
                raise
            fds.append(fd)
        yield fd
    finally:
        for opened in reversed(fds):
            os.close(opened)


def create(root_fd: int, rel: str, chunks: Iterable[bytes]) -> None:
    """Create the file ``rel`` (relative to the site) with ``chunks``; raises Unsafe if it exists or its path is a link."""
    *folders, name = rel.split("/")
    with _folder(root_fd, folders) as fd:
        try:
            out = os.open(name, _FILE_FLAGS, 0o644, dir_fd=fd)
        except FileExistsError:
            raise Unsafe("already exists") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise Unsafe("is a symlink") from None
            raise
        try:
            for chunk in chunks:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view):]
        except BaseException:
            os.close(out)
            os.unlink(name, dir_fd=fd)
            raise
        os.close(out)


def remove_sample(root_fd: int, rel: str) -> None:
    """Remove one of blogen init's untouched samples (a regular file; a symlink is left alone)."""
    *folders, name = rel.split("/")
    with _folder(root_fd, folders) as fd:
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        if stat.S_ISREG(st.st_mode):
            os.unlink(name, dir_fd=fd)


def write_plan(root: Path, plan: Plan, source_root: Path) -> tuple[list[str], list[Problem]]:
    """Write everything the plan holds; returns the files written and those that could not be (with why)."""
    written: list[str] = []
    problems: list[Problem] = []
    root_fd = os.open(root, _DIR_FLAGS & ~os.O_NOFOLLOW)
    try:
        for rel in plan.samples:
            try:
                remove_sample(root_fd, rel)
            except (OSError, Unsafe):
                continue
        jobs: list[tuple[str, str, Iterable[bytes]]] = []
        for doc in plan.documents:
            jobs.append((doc.target, doc.source, [doc.text.encode("utf-8")]))
            jobs.extend((target, str(path), copy_chunks(path, str(path), source_root)) for path, target in doc.assets)
        jobs.extend((target, shown, copy_chunks(path, shown, source_root)) for path, shown, target in plan.static)
        for target, source, chunks in jobs:
            try:
                create(root_fd, target, chunks)
            except Unsafe as exc:
                problems.append(Problem(target, None, f"{exc}; not written (importing {source})"))
                continue
            except BlogenError as exc:
                problems.extend(exc.problems)
                continue
            except OSError as exc:
                problems.append(Problem(target, None, f"cannot write: {exc.strerror} (importing {source})"))
                continue
            written.append(target)
        # A starter template per custom shortcode (unless the site has one), so the first build succeeds
        # and shows what each was given; the summary says to make them draw what the old theme drew.
        for name, (first, _uses) in sorted(plan.shortcodes.items()):
            target = f"theme/shortcodes/{name}.html"
            try:
                create(root_fd, target, [starter_template(name, first).encode("utf-8")])
            except (Unsafe, OSError, BlogenError):
                continue  # the site's own template stays, and a starter is only a convenience
            written.append(target)
    finally:
        os.close(root_fd)
    return written, problems
