"""The one walk of a site's inputs, and the one rule for which files are inputs at all.

A build's inputs are the config files at the top of the site, everything under ``content/`` and the
site's ``theme/``, and the theme built into blogen. Every part of blogen that asks "what are the
inputs, and did they change?" asks here — the build, the no-op check, the dev server's scan and
its watcher — so they cannot disagree:

- **noise**: files editors and tools leave beside real ones are never inputs (``is_editor_noise``);
- **boundary**: a symlink is followed only while its target stays inside the site (for the built-in
  theme: inside that theme) and out of its hidden files and folders (``.git``, ``.env``, which the
  walk never reads by name either); one that leads out, into one, or nowhere, is a problem naming
  the link and its target. Special files (FIFOs, devices, sockets) are problems by their type,
  found before anything opens them. A file name that is not valid UTF-8 is a problem too (it
  cannot become a URL);
- **identity**: each file is known by inode, size, mtime and ctime (``blogen.core.fileid``), taken
  before anything reads it, so a change made while a build runs shows up next time; a file changed
  too recently for that to stand for its bytes is marked ``recent``.

Plain strings and ``os.scandir`` entries throughout: at 5,000 posts this walk is most of a no-op
build, and pathlib objects would cost more than the ``stat`` calls.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from blogen.core.errors import Problem
from blogen.core.fileid import Identity, identity, settled
from blogen.core.files import hidden_part, into_hidden, not_regular, outside
from blogen.core.install import builtin_theme_dir

CONFIG_FILES = ("pyproject.toml", "blogen.toml")
INPUT_FOLDERS = ("content", "theme")
SOURCE_SUFFIXES = (".md", ".markdown")


# Endings of the files editors and tools write beside the one they save, noise wherever they are
# (see ``is_editor_noise``; under ``content/static/`` too, where other hidden files are published).
_NOISE_SUFFIXES = (
    "~",  # backups: vim's and emacs's ``x~``, emacs's numbered ``x.~1~``
    ".swp", ".swo", ".swx",  # vim's (and nano's) swap files: ``.x.swp``, ``.swo`` when that is taken, ``.swx`` a probe
    ".kate-swp",  # Kate's and KWrite's swap file, ``.x.kate-swp``
    # JetBrains IDEs' "safe write": ``x___jb_tmp___``, ``x___jb_old___``; older versions: two underscores, and ``__jb_bak__``
    "___jb_tmp___", "___jb_old___", "__jb_tmp__", "__jb_old__", "__jb_bak__",
    ".tmp", ".part", ".crdownload", ".bak",  # temporary files, partial downloads, backups
)


def is_editor_noise(name: str) -> bool:
    """Files editors and tools leave beside real ones; never content, never a reason to rebuild.

    By editor: vim's swap files (``.x.swp``, ``.x.swo``, the ``.x.swx`` probe), its ``4913``
    write probe and ``x~`` backups; emacs's ``.#x`` locks, ``#x#`` autosaves and ``x~`` backups;
    Kate's ``.x.kate-swp``; gedit's (GNOME's) ``.goutputstream-*``; JetBrains IDEs' "safe write",
    which writes ``x___jb_tmp___``, renames ``x`` to ``x___jb_old___``, the temporary file to
    ``x`` and deletes the old one (``x`` goes and comes back within a millisecond: one change of
    ``x``); VS Code writes the file itself, in place. And any dotfile, ``~``-prefixed name,
    temporary file, partial download or ``.bak`` backup, and Python's ``__pycache__``.
    """
    return (
        name.startswith((".", "#", "~"))
        or name.endswith(_NOISE_SUFFIXES)
        or name in ("4913", "__pycache__")
    )


# Hidden names that are a tool's, not the author's, even in ``content/static/``.
_TOOL_DOTFILES = (".#", ".~lock.", "._", ".goutputstream-")
_TOOL_DOTNAMES = frozenset({".DS_Store", ".git", ".gitkeep", ".gitignore", ".gitattributes", ".hg", ".svn", ".bzr", ".idea",
                            ".vscode", ".directory"})


def is_noise_in(folder: str, name: str) -> bool:
    """``is_editor_noise``, except that under ``content/static/`` a hidden file the author put there on
    purpose (``.well-known/``, ``.nojekyll``, ``.htaccess``) is published: only editors' and tools'
    own hidden files are noise there. ``folder`` is the site-relative folder ``name`` is in."""
    if not is_editor_noise(name):
        return False
    if folder != "content/static" and not folder.startswith("content/static/"):
        return True
    if not name.startswith(".") or name.startswith(_TOOL_DOTFILES) or name in _TOOL_DOTNAMES:
        return True
    return name.endswith(_NOISE_SUFFIXES)


def input_path(root: Path, path: str) -> str | None:
    """The site-relative, ``/``-separated path of ``path`` if it names an input (or an input folder), else None.

    For the watcher, whose events name paths that may no longer exist: decided by the name alone.
    """
    top = str(root)
    if not path.startswith(top + os.sep):
        return None
    parts = path[len(top) + 1:].split(os.sep)
    if len(parts) == 1:
        return parts[0] if parts[0] in CONFIG_FILES or parts[0] in INPUT_FOLDERS else None
    if parts[0] not in INPUT_FOLDERS or any(not p or is_noise_in("/".join(parts[:i]), p) for i, p in enumerate(parts)):
        return None
    return "/".join(parts)


@dataclass(frozen=True, slots=True)
class Inputs:
    """Every input file of a site as one walk found it.

    ``files`` maps each file's key to its identity: the site-relative path for the site's own files
    (``content/posts/a.md``), the absolute path for the built-in theme's. Folders are walked in name
    order, so ``files`` is in a stable order too.
    """

    root: Path
    files: Mapping[str, Identity]
    recent: frozenset[str] = frozenset()  # keys of files too recently changed for identity to stand for bytes
    problems: tuple[Problem, ...] = ()  # symlinks leading out, special files, unreadable folders, bad names
    builtin_theme: str | None = None  # the built-in theme's folder, when it was walked apart from the site

    def path(self, key: str) -> str:
        """The absolute path to open for ``key``."""
        return key if key.startswith(os.sep) else os.path.join(str(self.root), key)

    def key_of(self, path: Path) -> str:
        """The key the walk knows ``path`` by: site-relative inside the site, else its real absolute path."""
        text, top = str(path), str(self.root)
        if text.startswith(top + os.sep):
            return text[len(top) + 1:].replace(os.sep, "/")
        return os.path.realpath(text)

    def under(self, folder: str) -> list[str]:
        """Keys of the files under ``folder`` (a key: ``content``, ``theme/static``, or an absolute folder)."""
        prefix = folder.rstrip("/") + ("/" if not folder.startswith(os.sep) else os.sep)
        return [key for key in self.files if key.startswith(prefix)]


def walk_inputs(root: Path, *, builtin_theme: Path | None = None, now_ns: int | None = None) -> Inputs:
    """Walk the site at ``root`` (absolute, resolved) and the built-in theme; see the module docstring.

    ``builtin_theme``: the built-in theme folder (default: the installed one). In a checkout of
    blogen, whose own site is the repository itself, it is the site's theme: walked once, as the site's.
    """
    return _walk_from(root, (*CONFIG_FILES, *INPUT_FOLDERS), builtin_theme, now_ns)


def walk_theme(root: Path, *, builtin_theme: Path | None = None) -> Inputs:
    """The theme part of ``walk_inputs``: the site's ``theme/`` and the built-in theme, by the same rule.

    For the readers of theme files (templates, static files), which must read only what this walk vetted.
    """
    return _walk_from(root, ("theme",), builtin_theme, None)


def _walk_from(root: Path, names: tuple[str, ...], builtin_theme: Path | None, now_ns: int | None) -> Inputs:
    walk = _Walk(str(root), time.time_ns() if now_ns is None else now_ns)
    for name in names:
        walk.visit(os.path.join(walk.root, name), name, walk.root)
    builtin = os.path.realpath(builtin_theme or builtin_theme_dir())
    # Walked apart unless the site's own input folders hold it (a checkout of blogen, whose theme/ it
    # is); a built-in theme elsewhere in the site, as in a virtualenv kept inside it, is still walked.
    walked_already = any(_within(builtin, os.path.realpath(os.path.join(walk.root, f))) for f in INPUT_FOLDERS)
    if not walked_already:
        walk.visit(builtin, builtin, builtin)
    walk.drain()
    return Inputs(root, walk.files, frozenset(walk.recent), tuple(walk.problems), None if walked_already else builtin)


@dataclass(frozen=True, slots=True)
class ThemeFile:
    """A theme file a walk vetted, and the folder its real path must stay in when it is read."""

    path: str  # absolute
    bound: str  # the site's root, or the built-in theme's folder


def theme_files(inputs: Inputs, part: str) -> dict[str, ThemeFile]:
    """The files of ``theme/<part>/`` (``templates`` or ``static``) by name (``post.html``,
    ``icons/x.svg``): the site's own, and the built-in theme's where the site has none of that name."""
    chosen: dict[str, ThemeFile] = {}
    site_prefix = f"theme/{part}/"
    builtin = inputs.builtin_theme
    builtin_prefix = f"{builtin}{os.sep}{part}{os.sep}" if builtin is not None else None
    root = str(inputs.root)
    for key in inputs.files:
        if key.startswith(site_prefix):
            chosen[key[len(site_prefix):]] = ThemeFile(inputs.path(key), root)
    if builtin is not None and builtin_prefix is not None:
        for key in inputs.files:
            if key.startswith(builtin_prefix):
                chosen.setdefault(key[len(builtin_prefix):].replace(os.sep, "/"), ThemeFile(key, builtin))
    return dict(sorted(chosen.items()))


def _within(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


class _Walk:
    """One walk under way: what it found so far, and which real folders it entered (so a symlink loop
    is walked once)."""

    def __init__(self, root: str, now: int) -> None:
        self.root = root
        self.now = now
        self.files: dict[str, Identity] = {}
        self.recent: set[str] = set()
        self.problems: list[Problem] = []
        self._entered: set[tuple[int, int]] = set()
        self._stack: list[tuple[str, str, str]] = []

    def drain(self) -> None:
        """Walk every folder found so far, and those found in them; everything in a folder must resolve
        inside the bound it was found with."""
        while self._stack:
            folder, folder_key, limit = self._stack.pop()
            try:
                st = os.stat(folder)
                if not stat.S_ISDIR(st.st_mode) or (st.st_dev, st.st_ino) in self._entered:
                    continue
                self._entered.add((st.st_dev, st.st_ino))
                with os.scandir(folder) as it:
                    entries = sorted(it, key=_name, reverse=True)
            except FileNotFoundError:
                continue
            except OSError as exc:
                self._problem(folder_key, f"cannot read folder: {exc.strerror}")
                continue
            joined = folder_key.startswith(os.sep)
            for entry in entries:
                name = entry.name
                if is_noise_in(folder_key, name):
                    continue
                child = os.path.join(folder_key, name) if joined else f"{folder_key}/{name}"
                if not name.isascii() and not _decodable(name):
                    shown = os.fsencode(child).decode("utf-8", "backslashreplace")
                    self._problem(shown, "file name is not valid UTF-8; rename it (names become URLs)")
                elif not self._regular(entry, child):
                    self.visit(entry.path, child, limit, entry)

    def _regular(self, entry: os.DirEntry[str], key: str) -> bool:
        """Note ``entry`` if it is a regular file, the usual case (at 5,000 posts this is most of the
        walk); False for anything else, which ``visit`` looks at."""
        if entry.is_dir(follow_symlinks=False):
            return False
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode):
            return False
        self.files[key] = identity(st)
        if not settled(st, self.now):
            self.recent.add(key)
        return True

    def visit(self, path: str, key: str, bound: str, entry: os.DirEntry[str] | None = None) -> None:
        """Note what is at ``path``: a regular file, a folder to walk, or a symlink to either inside ``bound``."""
        if entry is not None and entry.is_dir(follow_symlinks=False):
            self._stack.append((path, key, bound))  # from the folder listing: no stat needed
            return
        try:
            st = entry.stat(follow_symlinks=False) if entry is not None else os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                if not self._leads_inside(path, key, bound):
                    return
                st = os.stat(path)
            if stat.S_ISDIR(st.st_mode):
                self._stack.append((path, key, bound))
                return
        except FileNotFoundError:
            return  # a config file that is not there, or a file gone since the folder was listed
        except OSError as exc:
            self._problem(key, f"cannot read file: {exc.strerror}")
            return
        if not stat.S_ISREG(st.st_mode):
            self._problem(key, not_regular(st.st_mode))
            return
        self.files[key] = identity(st)
        if not settled(st, self.now):
            self.recent.add(key)

    def _leads_inside(self, link: str, key: str, bound: str) -> bool:
        """Whether a symlink leads to something inside ``bound``; if not, a problem says where it leads."""
        target = os.path.realpath(link)
        if not _within(target, bound):
            self._problem(key, outside(link, "the site" if bound == self.root else "the built-in theme"))
            return False
        hidden = hidden_part(target, bound)
        if hidden is not None:  # the walk skips hidden names, so a link's own path never holds one
            self._problem(key, into_hidden(link, hidden))
            return False
        if not os.path.exists(target):
            try:
                written = os.readlink(link)
            except OSError:
                written = target
            self._problem(key, f"broken symlink (to {written})")
            return False
        return True

    def _problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(key.removeprefix(self.root + os.sep), None, message))


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _decodable(name: str) -> bool:
    """Whether a name read from the disk is real text (undecodable bytes come back as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
