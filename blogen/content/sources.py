"""The only reader of content/: walk it, split and validate front matter, and list static files."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from blogen.content.frontmatter import FrontMatter, split_source, validate
from blogen.content.inputs import SOURCE_SUFFIXES, Inputs, walk_inputs
from blogen.core.config import Config
from blogen.core.errors import BlogenError, Problem
from blogen.core.fileid import identity, settled

_DATE_PREFIX = re.compile(r"^(\d{4})-(\d\d)-(\d\d)-(.+)$")
_BUNDLE_INDEX = ("index.md", "index.markdown")  # the file that makes its folder a bundle (a post or page with its files)


@dataclass(frozen=True, slots=True)
class Document:
    """A post or page as read from disk: validated front matter plus the Markdown body."""

    kind: Literal["post", "page"]
    source: str  # relative to the site root, e.g. "content/posts/a.md"
    name: str  # slug taken from the file or bundle folder name
    name_date: date | None  # from a Jekyll-style "2021-03-14-" prefix
    meta: FrontMatter
    body: str
    body_line: int  # file line where the body starts
    digest: str  # sha256 of the body and where it starts: the Markdown cache key's content part
    bundle: str | None  # bundle folder relative to root, for content/posts/<slug>/index.md
    assets: tuple[str, ...]  # files in the bundle, relative to the bundle folder


@dataclass(frozen=True, slots=True)
class StaticFile:
    """A file copied as-is; ``target`` is its path under the site root URL."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class Content:
    documents: tuple[Document, ...]
    static: tuple[StaticFile, ...]
    warnings: tuple[Problem, ...]
    # Files in content/posts/ or content/pages/ that are neither a document nor in a bundle, so not
    # published (a link to one is broken, and its message says why); relative to the site root.
    loose: tuple[str, ...] = ()


def _rel(root: Path, path: Path) -> str:
    # String work: pathlib's relative_to costs ~20 us a call, which adds up over thousands of files.
    top, full = str(root), str(path)
    if full.startswith(top) and full[len(top):len(top) + 1] == os.sep:
        return full[len(top) + 1:].replace(os.sep, "/")
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def name_and_date(stem: str) -> tuple[str, date | None]:
    """``2021-03-14-my-post`` -> (``my-post``, 2021-03-14): the date prefix Jekyll requires and Hugo allows."""
    m = _DATE_PREFIX.match(stem)
    if m:
        try:
            return m.group(4), date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    return stem, None


DocumentMemo = dict[tuple[object, ...], tuple["Document | None", list[Problem]]]
"""Parsed sources kept by a long-running process, keyed by what decides the result.

Two kinds of key: the file's bytes (``sha256``), and its identity on disk (inode, size, mtime
and ctime in nanoseconds, which every write changes and no tool can set back), so an unchanged
file is not even read again."""


def read_document(config: Config, path: Path, kind: Literal["post", "page"], bundle: Path | None,
                  assets: tuple[str, ...], memo: DocumentMemo | None = None) -> tuple[Document | None, list[Problem]]:
    """Read one source file; returns the document or the problems that stop it.

    ``memo`` (kept by the dev server between builds) maps the file's bytes and everything else the
    result depends on to the result, so an unchanged file is read but not parsed again.
    """
    rel = _rel(config.root, path)
    limit = int(config.max_source_mb * 1024 * 1024)
    try:
        st = path.stat()
        size = st.st_size
        seen: tuple[object, ...] = ()
        if memo is not None:
            seen = ("stat", rel, kind, bundle, assets, config.timezone, _taxonomies(config), limit, identity(st))
            if seen in memo:
                return memo[seen]
        if size > limit:
            return None, [Problem(rel, None, f"file is {size / 1048576:.1f} MB, over the {config.max_source_mb:g} MB limit "
                                            "for a source (raise max_source_mb in the config if it is meant to be this big)")]
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(rel, None, f"cannot read file: {exc.strerror}")]
    key: tuple[object, ...] = ()
    if memo is not None:
        key = (rel, kind, bundle, assets, config.timezone, _taxonomies(config), hashlib.sha256(data).digest())
        result = memo.get(key) or _parse_document(config, path, rel, data, kind, bundle, assets)
        memo[key] = result
        if len(data) == size and settled(st):  # see blogen.fileid
            memo[seen] = result
        return result
    return _parse_document(config, path, rel, data, kind, bundle, assets)


def _taxonomies(config: Config) -> tuple[str, ...]:
    """The front-matter keys that hold a taxonomy's terms (the site may declare its own, like ``authors``)."""
    return tuple(t.key for t in config.taxonomies)


def _parse_document(config: Config, path: Path, rel: str, data: bytes, kind: Literal["post", "page"],
                    bundle: Path | None, assets: tuple[str, ...]) -> tuple[Document | None, list[Problem]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [Problem(rel, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8")]
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    split, problems = split_source(text, rel)
    if split is None:
        return None, problems
    meta, problems = validate(split, rel, config.tzinfo, _taxonomies(config))
    if any(p.severity == "error" for p in problems):
        return None, problems
    stem = bundle.name if bundle is not None else path.name.rsplit(".", 1)[0]
    name, name_date = name_and_date(stem)
    digest = hashlib.sha256(f"{split.body_line}\n{split.body}".encode()).hexdigest()
    doc = Document(
        kind=kind, source=rel, name=name, name_date=name_date, meta=meta, body=split.body,
        body_line=split.body_line, digest=digest,
        bundle=_rel(config.root, bundle) if bundle is not None else None, assets=assets,
    )
    return doc, problems


def load_content(config: Config, memo: DocumentMemo | None = None, inputs: Inputs | None = None) -> Content:
    """Read every post, page and static file of the site; raise BlogenError with all problems found.

    ``inputs``: the build's walk of the inputs (``blogen.content.inputs``), taken before anything was
    read; else one is taken here. Its problems (a symlink leading out of the site, a FIFO in the
    theme) are reported here with the content's own, as they stop the build alike.
    """
    root = config.root
    content = root / "content"
    if not content.is_dir():
        raise BlogenError.one("content", None, "no content/ folder: is this a blogen site? (use --root, or blogen init)")
    if inputs is None:
        inputs = walk_inputs(root)
    files = sorted(Path(inputs.path(key)) for key in inputs.under("content"))
    # Paths as strings from here: pathlib's hashing and parents cost more than everything else in a rebuild.
    names = [str(f) for f in files]
    reading = _Reading(config, memo, content, str(content), list(inputs.problems), *_bundles(str(content), names))
    for f, name in zip(files, names, strict=True):
        reading.add(f, name)
    if any(p.severity == "error" for p in reading.problems):
        raise BlogenError(reading.problems)
    if memo is not None:  # keep what this build used, so a long session does not hoard every version of every file
        used = {id(d) for d in reading.documents}
        for key in [k for k, (doc, _) in memo.items() if doc is None or id(doc) not in used]:
            del memo[key]
    return Content(tuple(reading.documents), tuple(reading.static),
                   tuple(p for p in reading.problems if p.severity == "warning"), tuple(reading.loose))


def _bundles(top: str, names: list[str]) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    """Which bundle each file of content/ (``top``) is in: the nearest folder above it that holds an
    ``index.md`` (None: in none); and each bundle's files besides that index, relative to its folder."""
    bundles = {os.path.dirname(n) for n in names if os.path.basename(n) in _BUNDLE_INDEX}

    def bundle_of(name: str) -> str | None:
        folder = os.path.dirname(name)
        while len(folder) >= len(top):  # nearest first
            if folder in bundles:
                return folder
            folder = os.path.dirname(folder)
        return None

    owner = {n: bundle_of(n) for n in names} if bundles else dict.fromkeys(names)
    assets: dict[str, list[str]] = {}
    for n, b in owner.items():
        if b is not None and not (os.path.dirname(n) == b and os.path.basename(n) in _BUNDLE_INDEX):
            assets.setdefault(b, []).append(n[len(b) + 1:].replace(os.sep, "/"))
    return owner, assets


@dataclass(slots=True)
class _Reading:
    """One read of content/ under way: what places each file (its bundle), and what was found so far."""

    config: Config
    memo: DocumentMemo | None
    content: Path
    top: str  # content/ as a string, the prefix of every file's name
    problems: list[Problem]
    owner: dict[str, str | None]  # file -> the bundle folder it is in (see ``_bundles``)
    bundle_assets: dict[str, list[str]]  # bundle folder -> its files besides the index
    documents: list[Document] = field(default_factory=list)
    static: list[StaticFile] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)

    def add(self, f: Path, name: str) -> None:
        """Place one file: a static file, a post or page (or a file of its bundle), else a warning that it is ignored."""
        rel = _rel(self.content, f)
        section = rel.split("/", 1)[0] if "/" in rel else ""
        if section == "static":
            self.static.append(StaticFile(_rel(self.config.root, f), rel.removeprefix("static/")))
        elif section not in ("posts", "pages"):
            self.problems.append(Problem(_rel(self.config.root, f), None, "ignored: content files belong in content/posts/, content/pages/ or content/static/", "warning"))
        else:
            self._add_source(f, name, section)

    def _add_source(self, f: Path, name: str, section: str) -> None:
        """A file in content/posts/ or content/pages/: a document, a bundle's index or one of its files, or a loose file."""
        kind: Literal["post", "page"] = "post" if section == "posts" else "page"
        bundle = self.owner[name]
        if bundle is not None and bundle == os.path.join(self.top, section):
            self.problems.append(Problem(_rel(self.config.root, f), None, f"content/{section}/ itself cannot be a bundle; move index.md into a folder of its own"))
        elif bundle is not None:
            if os.path.dirname(name) == bundle and f.name in _BUNDLE_INDEX:
                self._read(f, kind, f.parent, tuple(sorted(self.bundle_assets.get(bundle, ()))))
            # other files in a bundle are its assets
        elif f.suffix in SOURCE_SUFFIXES:
            self._read(f, kind, None, ())
        else:
            self.loose.append(_rel(self.config.root, f))
            self.problems.append(Problem(_rel(self.config.root, f), None, f"ignored: only Markdown files belong in content/{section}/ outside a bundle; put images in the post's bundle folder or in content/static/", "warning"))

    def _read(self, f: Path, kind: Literal["post", "page"], bundle: Path | None, assets: tuple[str, ...]) -> None:
        doc, found = read_document(self.config, f, kind, bundle, assets, self.memo)
        self.problems.extend(found)
        if doc is not None:
            self.documents.append(doc)
