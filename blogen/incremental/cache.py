"""The Markdown cache in ``.blogen-cache/markdown/``: one entry per document, keyed by content.

An entry is keyed by the source's digest and everything besides it that decides the HTML (the
Markdown options, the renderer's own code and its libraries' versions, whether the title is taken
from the body), so it is never stale; a corrupt or foreign entry is ignored and rendered again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from blogen import __version__
from blogen.content.sources import Document
from blogen.core.config import MarkdownOptions
from blogen.core.errors import Problem
from blogen.core.install import PACKAGE_DIR, installed_fingerprint
from blogen.markdown.render import Heading, LinkRef, Rendered

log = logging.getLogger(__name__)

CACHE_DIR = ".blogen-cache"
_CACHE_FORMAT = 2  # 2: entries carry the document's warnings
# The renderer's own code: every module ``blogen.markdown.render`` imports that can change its HTML (errors
# and config only word problems and carry the options, which the key has anyway; the shortcode templates
# are in the key by their digest). tests/test_layers.py checks this list against the imports.
RENDERER_SOURCES = ("markdown/render.py", "markdown/parser.py", "markdown/analysis.py", "markdown/fences.py", "markdown/highlight.py",
                    "markdown/anchors.py", "markdown/residue.py", "markdown/shortcodes.py", "markdown/shortcode_syntax.py",
                    "markdown/shortcode_templates.py", "core/urls.py")


@lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """Everything besides the source and options that decides the HTML: our renderer's code and its libraries.

    Hashing the code itself (not just blogen's version) keeps the cache honest across development
    installs and patched copies; library versions cover upgrades of the parser and highlighter.
    Remembered while the installation stays as it is (see ``record.installed_fingerprint``).
    """
    return installed_fingerprint("renderer", _renderer_fingerprint)


def _renderer_fingerprint() -> str:
    from importlib import metadata

    h = hashlib.sha256(f"{_CACHE_FORMAT}|{__version__}".encode())
    for module in RENDERER_SOURCES:
        h.update((PACKAGE_DIR / module).read_bytes())
    for dist in ("markdown-it-py", "mdit-py-plugins", "Pygments", "Jinja2", "MarkupSafe"):  # Jinja draws shortcodes
        try:
            h.update(f"|{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"|{dist}=?".encode())
    # Code classes stand for a style's looks, so a style from another package counts with its version.
    for ep in sorted(metadata.entry_points(group="pygments.styles"), key=lambda e: e.name):
        owner = ep.dist
        h.update(f"|style {ep.name}={owner.name if owner else '?'}={owner.version if owner else '?'}".encode())
    return h.hexdigest()


def cache_key(doc: Document, options: MarkdownOptions | str) -> str:
    """``options`` may be given as its repr, worked out once per build instead of once per document."""
    take_title = doc.meta.title is None
    parts = f"{renderer_fingerprint()}|{options if isinstance(options, str) else repr(options)}|{take_title}|{doc.digest}"
    return hashlib.sha256(parts.encode()).hexdigest()


def _cache_path(root: Path, key: str) -> Path:
    return root / CACHE_DIR / "markdown" / key[:2] / f"{key}.json"


def entry_text(r: Rendered) -> str:
    # By hand rather than dataclasses.asdict, which deep-copies every field and cost half the cache's time.
    def heading(h: Heading) -> dict[str, Any]:
        return {"level": h.level, "id": h.id, "text": h.text, "line": h.line}

    return json.dumps({
        "html": r.html, "summary_html": r.summary_html, "toc": [heading(h) for h in r.toc],
        "headings": [heading(h) for h in r.headings], "title": r.title, "words": r.words,
        "links": [{"target": link.target, "line": link.line, "is_image": link.is_image} for link in r.links],
        "first_image": r.first_image,
        "warnings": [[w.path, w.line, w.message] for w in r.warnings],
    }, ensure_ascii=False, separators=(",", ":"))


def entry_from_text(text: str) -> Rendered:
    """Parse a cache entry; any mismatch raises, and the caller re-renders instead of trusting it."""
    d: dict[str, Any] = json.loads(text)
    headings = tuple(Heading(**h) for h in d["headings"])
    # The table of contents is some of the headings: share their objects, as the renderer does (a few MB at 5,000 posts).
    same = {h: h for h in headings}
    return Rendered(
        html=str(d["html"]),
        summary_html=None if d["summary_html"] is None else str(d["summary_html"]),
        toc=tuple(same.get(t, t) for t in (Heading(**h) for h in d["toc"])),
        headings=headings,
        title=None if d["title"] is None else str(d["title"]),
        words=int(d["words"]),
        links=tuple(LinkRef(**link) for link in d["links"]),
        first_image=None if d["first_image"] is None else str(d["first_image"]),
        warnings=tuple(Problem(str(p), None if n is None else int(n), str(m), "warning") for p, n, m in d["warnings"]),
    )


def read_cache(root: Path, key: str) -> Rendered | None:
    try:
        return entry_from_text(_cache_path(root, key).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


_MADE_DIRS: set[Path] = set()  # cache folders this process has made (or found), to skip a mkdir per entry


def write_cache(root: Path, key: str, text: str) -> None:
    """Store one entry (``entry_text``'s text)."""
    path = _cache_path(root, key)
    try:
        if path.parent not in _MADE_DIRS:
            path.parent.mkdir(parents=True, exist_ok=True)
            _MADE_DIRS.add(path.parent)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only or full disk only costs speed next time
        log.debug("cannot write Markdown cache %s: %s", path, exc)
