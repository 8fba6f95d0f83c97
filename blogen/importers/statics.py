"""Files the old site published as they are, and where each goes in the new site.

Static files go to ``content/static/`` at the URLs they had, unless blogen serves something
there itself, a document of the import took the URL, or the file is named like an image but is
not one (blogen reads every image it publishes). A page of the old site that is a whole HTML
document of its own is one of them too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from blogen.core.errors import BlogenError
from blogen.importers.placing import NewSite, reserved_file
from blogen.importers.sourcefs import SourceTree, read_head
from blogen.importers.values import Entry, Finding, StaticFile

_DOCUMENT = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)


def standalone(entry: Entry) -> str | None:
    """Where a document that is a whole HTML page of its own (``<!doctype html>``…) goes under content/static/.

    The old generator published it as it is, without a layout; blogen's theme must not wrap it
    either, so it is copied to the URL it had.
    """
    if entry.doc.fmt != "html" or not entry.old_url or not _DOCUMENT.match(entry.body) or "{%" in entry.body \
            or "{{" in entry.body:
        return None
    path = entry.old_url.lstrip("/")
    return "content/static/" + (path + "index.html" if not path or path.endswith("/") else path)


def place_static(static: tuple[StaticFile, ...], claimed: Mapping[str, str], site: NewSite, base_path: str,
                  tree: SourceTree) -> tuple[list[tuple[Path, str, str]], list[Finding], dict[str, str]]:
    """Each static file's place under content/static/, unless something of the new site is served there."""
    out: list[tuple[Path, str, str]] = []
    findings: list[Finding] = []
    urls: dict[str, str] = {}
    seen: dict[str, str] = {}
    for f in static:
        key = f.target.casefold()
        parts = f.target.split("/")
        if any(p.startswith(".") or p in ("", "..") for p in parts):
            findings.append(Finding(f.shown, None, "not-imported", "a dotfile: blogen does not publish files whose names start with '.'"))
            continue
        if key == "favicon.svg" and same_file(site.root / "theme/static/favicon.svg", f.path):
            continue  # brought over before
        if _not_an_image(f, tree):
            findings.append(Finding(f.shown, None, "not-imported", "named like an image but not one (a broken image on the "
                                    "old site too; blogen stops at images it cannot read)"))
            continue
        if key == "favicon.svg" and not (site.root / "theme/static/favicon.svg").exists():
            out.append((f.path, f.shown, "theme/static/favicon.svg"))
            urls[f.rel] = base_path + "favicon.svg"
            continue
        if reserved_file(key, site.theme_files):
            top = f.target.split("/", 1)[0]
            what = f"pages under /{top}/" if "/" in f.target else f"/{f.target}"
            findings.append(Finding(f.shown, None, "not-imported", f"blogen makes its own {what}"))
            continue
        owner = claimed.get(key) or seen.get(key)
        if owner is not None:
            findings.append(Finding(f.shown, None, "not-imported", f"/{f.target} is already taken by {owner}"))
            continue
        seen[key] = f.shown
        out.append((f.path, f.shown, f"content/static/{f.target}"))
        urls[f.rel] = base_path + f.target
    return out, findings, urls


_RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")
_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"\x00\x00\x01\x00")


def _not_an_image(f: StaticFile, tree: SourceTree) -> bool:
    """A file named like a raster image that holds something else (often an HTML error page saved by mistake).

    blogen reads every image it publishes and stops at one it cannot read; such a file showed as a
    broken image on the old site too, so it is left out (and listed) rather than stop the build.
    """
    if not f.target.lower().endswith(_RASTER):
        return False
    try:
        head = read_head(f.path, f.shown, tree.root, 16)
    except BlogenError:
        return True
    return not (head.startswith(_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"))


def existing_same(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def same_file(existing: Path, source: Path) -> bool:
    try:
        if existing.is_symlink() or not existing.is_file():
            return False
        a, b = existing.stat(), source.stat()
        if a.st_size != b.st_size:
            return False
        return existing.read_bytes() == source.read_bytes() if a.st_size < (64 << 20) else False
    except OSError:
        return False

