"""The Markdown entries of the content-addressed cache (``.blogen-cache/markdown/``; the entries'
one rule is ``blogen.core.cachestore``): each keyed by everything it is made from, and an entry that is
damaged, was made for another key (two entries swapped), or whose fields have the wrong types, is
ignored and made again: a cache only ever saves time.

The Markdown entry of a document is keyed by the source's digest and everything besides it that
decides the HTML (the Markdown options, the renderer's own code and its libraries' versions,
whether the title is taken from the body).

``CACHE_DIR``, ``read_entry`` and ``write_entry`` are ``blogen.core.cachestore``'s, named here too for
the build stages that store other kinds.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from blogen import __version__
from blogen.content.sources import Document
from blogen.core.cachestore import CACHE_DIR as CACHE_DIR
from blogen.core.cachestore import prune
from blogen.core.cachestore import read_entry as read_entry
from blogen.core.cachestore import write_entry as write_entry
from blogen.core.config import MarkdownOptions
from blogen.core.errors import Problem
from blogen.core.install import PACKAGE_DIR, installed_fingerprint
from blogen.core.packed import PackedText
from blogen.markdown.render import Heading, LinkRef, Rendered

_CACHE_FORMAT = 4  # 3: entries carry the document's warnings; 4: the HTML goes packed, after the fields
# The renderer's own code: every module ``blogen.markdown.render`` imports that can change its HTML (errors
# and config only word problems and carry the options, which the key has anyway; the shortcode templates
# are in the key by their digest). tests/test_layers.py checks this list against the imports.
RENDERER_SOURCES = ("markdown/render.py", "markdown/parser.py", "markdown/analysis.py", "markdown/fences.py", "markdown/highlight.py",
                    "markdown/guard.py", "markdown/anchors.py", "markdown/residue.py", "markdown/shortcodes.py",
                    "markdown/shortcode_syntax.py", "markdown/shortcode_templates.py", "core/urls.py",
                    "markdown/math.py", "markdown/mathml.py", "markdown/diagrams.py", "markdown/svg.py", "core/tools.py")


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
    for dist in ("markdown-it-py", "mdit-py-plugins", "Pygments", "Jinja2", "MarkupSafe", "latex2mathml"):  # Jinja draws shortcodes
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


def entry_bytes(r: Rendered) -> bytes:
    """A document's Markdown results as bytes: what the cache stores, and what a worker process sends back.

    The fields as one line of JSON, then the HTML as the model keeps it (``blogen.core.packed``): a
    build that reads the entry takes the packed HTML as it is, never decoding it as JSON nor packing
    it again.
    """
    # By hand rather than dataclasses.asdict, which deep-copies every field and cost half the cache's time.
    def heading(h: Heading) -> list[Any]:
        return [h.level, h.id, h.text, h.line]

    fields: dict[str, Any] = {
        "summary_html": r.summary_html, "toc": [heading(h) for h in r.toc],
        "headings": [heading(h) for h in r.headings], "title": r.title, "words": r.words,
        "links": [[link.target, link.line, link.is_image] for link in r.links], "first_image": r.first_image,
        "warnings": [[w.path, w.line, w.message] for w in r.warnings],
    }
    if r.volatile:  # never stored (see ``Rendered.volatile``), but a worker's result says it
        fields["volatile"] = True
    # json.dumps writes no line break (those in strings are escaped), so the first one ends the fields.
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n" + r.body.data


def _of(kind: type, value: Any, optional: bool = False) -> Any:
    """``value`` if it is of ``kind`` (None too, if ``optional``); else TypeError: the entry is not trusted."""
    if (value is None and optional) or (isinstance(value, kind) and not (kind is int and isinstance(value, bool))):
        return value
    raise TypeError(f"expected {kind.__name__}, not {type(value).__name__}")


def _heading(h: Any) -> Heading:
    level, hid, text, line = _of(list, h)
    return Heading(_of(int, level), _of(str, hid), _of(str, text), _of(int, line))


def entry_from_bytes(data: bytes, *, check: bool = True) -> Rendered:
    """Parse ``entry_bytes``'s bytes; a field missing or of the wrong type, or HTML that does not unpack,
    raises, and the caller renders the document again instead of trusting it. ``check=False`` skips
    unpacking the HTML once to see that it can be: for a worker's own result, which nobody else wrote."""
    head, newline, packed = data.partition(b"\n")
    if not newline:
        raise ValueError("no HTML after the fields")
    body = PackedText(packed)
    if check:
        body.text  # noqa: B018  unpacks, or raises ValueError: a damaged block must fail here, not in a template
    d: dict[str, Any] = _of(dict, json.loads(head))
    headings = tuple(_heading(h) for h in _of(list, d["headings"]))
    # The table of contents is some of the headings: share their objects, as the renderer does (a few MB at 5,000 posts).
    same = {h: h for h in headings}
    links = []
    for link in _of(list, d["links"]):
        target, line, is_image = _of(list, link)
        links.append(LinkRef(_of(str, target), _of(int, line), _of(bool, is_image)))
    warnings = []
    for warning in _of(list, d["warnings"]):
        path, line, message = _of(list, warning)
        warnings.append(Problem(_of(str, path), _of(int, line, optional=True), _of(str, message), "warning"))
    return Rendered(
        body=body, summary_html=_of(str, d["summary_html"], optional=True),
        toc=tuple(same.get(t, t) for t in (_heading(h) for h in _of(list, d["toc"]))), headings=headings,
        title=_of(str, d["title"], optional=True), words=_of(int, d["words"]), links=tuple(links),
        first_image=_of(str, d["first_image"], optional=True), warnings=tuple(warnings),
        volatile=_of(bool, d.get("volatile", False)),
    )


def read_cache(root: Path, key: str) -> Rendered | None:
    """The Markdown results cached for ``key``, or None."""
    data = read_entry(root, "markdown", key)
    try:
        return None if data is None else entry_from_bytes(data)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None


def write_cache(root: Path, key: str, data: bytes) -> None:
    """Store one document's Markdown results (``entry_bytes``'s bytes)."""
    write_entry(root, "markdown", key, data)


def prune_cache(root: Path, used: set[str]) -> int:
    """Remove the Markdown results no document of a full build used (every earlier text of an edited
    post, every entry of an earlier blogen or other options) once they are old enough that no build
    running beside this one can want them (``blogen.core.cachestore.prune``); returns how many went.
    Without it, each save of a post in the dev server would leave an entry behind for good."""
    return prune(root, "markdown", used)
