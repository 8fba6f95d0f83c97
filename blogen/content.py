"""The only reader of content/: walk it, split and validate front matter, and list static files."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from blogen.config import Config
from blogen.errors import BlogenError, Problem
from blogen.frontmatter import FrontMatter, split_source, validate

SOURCE_SUFFIXES = (".md", ".markdown")
_DATE_PREFIX = re.compile(r"^(\d{4})-(\d\d)-(\d\d)-(.+)$")


def is_editor_noise(name: str) -> bool:
    """Files editors and tools leave beside real ones; never content, never a reason to rebuild.

    Dotfiles (vim ``.x.swp``, emacs ``.#x`` locks, GNOME ``.goutputstream-*``), emacs ``#x#``
    autosaves, ``x~`` backups, vim's ``4913`` write probe, and temporary or partial downloads.
    """
    return (
        name.startswith((".", "#", "~"))
        or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", ".bak"))
        or name == "4913"
        or name.startswith(".goutputstream-")
    )


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


def _walk(root: Path, top: Path, problems: list[Problem]) -> list[Path]:
    """Every non-noise file under ``top``, following symlinks only while they stay inside the site."""
    found: list[Path] = []
    seen: set[Path] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        real = folder.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(_rel(root, folder), None, f"cannot read folder: {exc.strerror}"))
            continue
        for entry in entries:
            path = Path(entry.path)
            if is_editor_noise(entry.name) or entry.name == "__pycache__":
                continue
            if entry.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    problems.append(Problem(_rel(root, path), None, f"symlink points outside the site (to {os.readlink(path)}); blogen will not publish files from outside the site root"))
                    continue
                if not target.exists():
                    problems.append(Problem(_rel(root, path), None, f"broken symlink (to {os.readlink(path)})"))
                    continue
            if entry.is_dir():
                stack.append(path)
            elif entry.is_file():
                found.append(path)
    return sorted(found)


def _rel(root: Path, path: Path) -> str:
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


def read_document(config: Config, path: Path, kind: Literal["post", "page"], bundle: Path | None,
                  assets: tuple[str, ...], memo: DocumentMemo | None = None) -> tuple[Document | None, list[Problem]]:
    """Read one source file; returns the document or the problems that stop it.

    ``memo`` (kept by the dev server between builds) maps the file's bytes and everything else the
    result depends on to the result, so an unchanged file is read but not parsed again.
    """
    rel = _rel(config.root, path)
    limit = int(config.max_source_mb * 1024 * 1024)
    try:
        size = path.stat().st_size
        if size > limit:
            return None, [Problem(rel, None, f"file is {size / 1048576:.1f} MB, over the {config.max_source_mb:g} MB limit "
                                            "for a source (raise max_source_mb in the config if it is meant to be this big)")]
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(rel, None, f"cannot read file: {exc.strerror}")]
    key: tuple[object, ...] = ()
    if memo is not None:
        key = (rel, kind, bundle, assets, config.timezone, hashlib.sha256(data).digest())
        if key in memo:
            return memo[key]
        result = _parse_document(config, path, rel, data, kind, bundle, assets)
        memo[key] = result
        return result
    return _parse_document(config, path, rel, data, kind, bundle, assets)


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
    meta, problems = validate(split, rel, config.tzinfo)
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


def load_content(config: Config, memo: DocumentMemo | None = None) -> Content:
    """Read every post, page and static file of the site; raise BlogenError with all problems found."""
    root = config.root
    content = root / "content"
    problems: list[Problem] = []
    if not content.is_dir():
        raise BlogenError.one("content", None, "no content/ folder: is this a blogen site? (use --root, or blogen init)")
    files = _walk(root, content, problems)
    documents: list[Document] = []
    static: list[StaticFile] = []
    by_folder: dict[Path, list[Path]] = {}
    for f in files:
        by_folder.setdefault(f.parent, []).append(f)
    bundles = {folder for folder, fs in by_folder.items() if any(f.name in ("index.md", "index.markdown") for f in fs)}
    for f in files:
        part = f.relative_to(content).parts
        section = part[0] if len(part) > 1 else ""
        if section == "static":
            static.append(StaticFile(_rel(root, f), f.relative_to(content / "static").as_posix()))
            continue
        if section not in ("posts", "pages"):
            problems.append(Problem(_rel(root, f), None, "ignored: content files belong in content/posts/, content/pages/ or content/static/", "warning"))
            continue
        kind: Literal["post", "page"] = "post" if section == "posts" else "page"
        bundle = next((b for b in bundles if f.parent == b or b in f.parents), None)
        if bundle is not None and bundle == content / section:
            problems.append(Problem(_rel(root, f), None, f"content/{section}/ itself cannot be a bundle; move index.md into a folder of its own"))
            continue
        if bundle is not None:
            if f.parent == bundle and f.name in ("index.md", "index.markdown"):
                assets = tuple(sorted(a.relative_to(bundle).as_posix() for a in files
                                      if (a.parent == bundle or bundle in a.parents) and a != f))
                doc, found = read_document(config, f, kind, bundle, assets, memo)
                problems.extend(found)
                if doc is not None:
                    documents.append(doc)
            continue  # other files in a bundle are its assets
        if f.suffix in SOURCE_SUFFIXES:
            doc, found = read_document(config, f, kind, None, (), memo)
            problems.extend(found)
            if doc is not None:
                documents.append(doc)
        else:
            problems.append(Problem(_rel(root, f), None, f"ignored: only Markdown files belong in content/{section}/ outside a bundle; put images in the post's bundle folder or in content/static/", "warning"))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise BlogenError(problems)
    return Content(tuple(documents), tuple(static), tuple(p for p in problems if p.severity == "warning"))
