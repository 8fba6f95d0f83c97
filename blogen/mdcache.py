"""The Markdown of a build's documents: the on-disk cache in ``.blogen-cache/`` and the worker processes.

An entry is keyed by the source's digest and everything besides it that decides the HTML (the
Markdown options, the renderer's own code and its libraries' versions, whether the title is taken
from the body), so it is never stale; a corrupt or foreign entry is ignored and rendered again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blogen import __version__
from blogen.config import Config, MarkdownOptions
from blogen.content import SOURCE_SUFFIXES, Document
from blogen.errors import BlogenError, Problem
from blogen.markdown import Heading, LinkRef, Rendered, render_markdown
from blogen.stamp import installed_fingerprint

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

log = logging.getLogger(__name__)

CACHE_DIR = ".blogen-cache"
_CACHE_FORMAT = 1
# The renderer's own code: every module ``blogen.markdown`` imports that can change its HTML (urls
# makes heading ids; errors and config only word problems and carry the options, which the key has
# anyway). tests/test_layers.py checks this list against the imports.
RENDERER_SOURCES = ("markdown.py", "mdparser.py", "mdanalysis.py", "fences.py", "highlight.py", "urls.py")
# Below this many uncached documents, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 64


@lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """Everything besides the source and options that decides the HTML: our renderer's code and its libraries.

    Hashing the code itself (not just blogen's version) keeps the cache honest across development
    installs and patched copies; library versions cover upgrades of the parser and highlighter.
    Remembered while the installation stays as it is (see ``stamp.installed_fingerprint``).
    """
    return installed_fingerprint("renderer", _renderer_fingerprint)


def _renderer_fingerprint() -> str:
    from importlib import metadata

    h = hashlib.sha256(f"{_CACHE_FORMAT}|{__version__}".encode())
    for module in RENDERER_SOURCES:
        h.update((Path(__file__).parent / module).read_bytes())
    for dist in ("markdown-it-py", "mdit-py-plugins", "Pygments"):
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


def _to_json(r: Rendered) -> str:
    # By hand rather than dataclasses.asdict, which deep-copies every field and cost half the cache's time.
    def heading(h: Heading) -> dict[str, Any]:
        return {"level": h.level, "id": h.id, "text": h.text, "line": h.line}

    return json.dumps({
        "html": r.html, "summary_html": r.summary_html, "toc": [heading(h) for h in r.toc],
        "headings": [heading(h) for h in r.headings], "title": r.title, "words": r.words,
        "links": [{"target": link.target, "line": link.line, "is_image": link.is_image} for link in r.links],
        "first_image": r.first_image,
    }, ensure_ascii=False, separators=(",", ":"))


def _from_json(text: str) -> Rendered:
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
    )


def _read_cache(root: Path, key: str) -> Rendered | None:
    try:
        return _from_json(_cache_path(root, key).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


_MADE_DIRS: set[Path] = set()  # cache folders this process has made (or found), to skip a mkdir per entry


def _write_cache(root: Path, key: str, text: str) -> None:
    """Store one entry (``_to_json``'s text)."""
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


Job = tuple[str, str, int, bool, MarkdownOptions, Path, str]


def _render_and_store(job: Job) -> tuple[Rendered, str] | BlogenError:
    """Render one document and store it in the cache; returns it with its cache entry's text."""
    body, source, first_line, take_title, options, root, key = job
    try:
        rendered = render_markdown(body, options, path=source, first_line=first_line, take_title=take_title)
    except BlogenError as exc:
        return exc
    text = _to_json(rendered)
    _write_cache(root, key, text)
    return rendered, text


def _render_one(job: Job) -> Rendered | BlogenError:
    """In this process: render one document and store it in the cache."""
    outcome = _render_and_store(job)
    return outcome if isinstance(outcome, BlogenError) else outcome[0]


def _render_in_worker(job: Job) -> str | BlogenError:
    """In a worker process: render one document, store it in the cache, and return the entry's text.

    Workers write the cache so that runs in parallel too. The result goes back as text for the
    main thread to decode: unpickled into a Rendered, its strings would be allocated by the
    executor's result thread, from a malloc arena of that thread's own that never reuses the memory
    the main thread frees meanwhile (each source's text, once its job is done).
    """
    outcome = _render_and_store(job)
    return outcome if isinstance(outcome, BlogenError) else outcome[1]


def worker_count(jobs: int | None) -> int:
    """How many Markdown worker processes ``--jobs`` asks for (default: one per core)."""
    return jobs if jobs is not None else (os.cpu_count() or 1)


def ready() -> None:
    """A task that does nothing: submitting it makes the executor fork its workers."""


def cold_and_big(config: Config, jobs: int | None) -> bool:
    """Whether this build is all but certain to want Markdown worker processes: the cache holds nothing
    yet and ``content/`` has at least ``PARALLEL_THRESHOLD`` Markdown files (counting stops there)."""
    if worker_count(jobs) < 2:
        return False
    try:
        with os.scandir(config.root / CACHE_DIR / "markdown") as entries:
            if next(entries, None) is not None:
                return False
    except OSError:
        pass
    found = 0
    for _top, _dirs, files in os.walk(config.root / "content"):
        found += sum(1 for name in files if name.endswith(SOURCE_SUFFIXES))
        if found >= PARALLEL_THRESHOLD:
            return True
    return False


Progress = Callable[[str, int, int], None]  # (what, done, total): for a progress line on a terminal


def render_documents(config: Config, documents: Sequence[Document], jobs: int | None,
                     memo: dict[str, Rendered] | None = None,
                     progress: Progress | None = None, pool: ProcessPoolExecutor | None = None,
                     prune: bool = True) -> tuple[dict[str, Rendered], int]:
    """Markdown of every document, from the cache where possible; returns (results, number rendered).

    ``memo`` is an in-memory layer over the disk cache for long-running processes (``blogen serve``),
    keyed like the disk cache, so it is exactly as fresh. ``pool``: worker processes to use (started
    early by the caller; see ``_model``), else they are started here when there is enough to do.

    When ``documents`` is a list, its documents are replaced by copies without their text as the
    work is handed out, so each source's text can be freed as soon as its HTML is back instead of
    all of it staying until the end (45 MB at 5,000 posts): the caller gives up the text and keeps
    the rest. ``prune`` drops memo entries this call did not use; the quick rebuild, which passes
    only the changed documents, keeps the others.
    """
    options = config.markdown
    results: dict[str, Rendered] = {}
    todo: list[tuple[str, str]] = []  # (source, cache key)
    work: list[Job] = []
    used: set[str] = set()
    options_repr = repr(options)
    for i, doc in enumerate(documents):
        key = cache_key(doc, options_repr)
        used.add(key)
        hit = memo.get(key) if memo is not None else None
        if hit is None:
            hit = _read_cache(config.root, key)
            if hit is not None and memo is not None:
                memo[key] = hit
        if hit is not None:
            results[doc.source] = hit
        else:
            todo.append((doc.source, key))
            work.append((doc.body, doc.source, doc.body_line, doc.meta.title is None, options, config.root, key))
        if isinstance(documents, list):
            documents[i] = replace(doc, body="")
    total = len(work)
    workers = worker_count(jobs)
    outcomes: list[Rendered | BlogenError] = []
    if pool is not None or (workers > 1 and total >= PARALLEL_THRESHOLD):
        from concurrent.futures import ProcessPoolExecutor  # multiprocessing costs 20 ms to import

        with pool or ProcessPoolExecutor(max_workers=workers) as executor:
            texts = executor.map(_render_in_worker, work, chunksize=max(1, min(64, total // (workers * 8))))
            work.clear()  # every job is queued: the executor holds its text until its result is back
            for text in texts:
                outcomes.append(_from_json(text) if isinstance(text, str) else text)
                if progress is not None:
                    progress("rendering Markdown", len(outcomes), total)
    else:
        work.reverse()
        while work:  # popped, so each source's text is freed once rendered
            outcomes.append(_render_one(work.pop()))
            if progress is not None:
                progress("rendering Markdown", len(outcomes), total)
    problems: list[Problem] = []
    for (source, key), outcome in zip(todo, outcomes, strict=True):
        if isinstance(outcome, BlogenError):
            problems.extend(outcome.problems)
            continue
        results[source] = outcome
        if memo is not None:
            memo[key] = outcome
    if problems:
        raise BlogenError(problems)
    if memo is not None and prune:  # keep this build's results only: a long session must not hoard every draft of every post
        for key in [k for k in memo if k not in used]:
            del memo[key]
    return results, total
