"""The Markdown of a build's documents: from the cache (``blogen.incremental.cache``) where it has them,
else rendered, in worker processes when there are many."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from blogen.content.inputs import SOURCE_SUFFIXES, Inputs
from blogen.content.sources import Document
from blogen.content.theme import shortcode_sources
from blogen.core.config import Config, MarkdownOptions
from blogen.core.errors import BlogenError, Problem
from blogen.core.processes import worker_count
from blogen.core.progress import Progress
from blogen.incremental.cache import (
    CACHE_DIR,
    cache_key,
    entry_bytes,
    entry_from_bytes,
    prune_cache,
    read_cache,
    read_entry,
    write_cache,
    write_entry,
)
from blogen.markdown.diagrams import Diagrams, find_diagram_tools, has_diagram_fence
from blogen.markdown.render import Rendered, render_markdown
from blogen.markdown.shortcode_templates import ShortcodeSet, make_shortcode_set

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

log = logging.getLogger(__name__)

# Below this many uncached documents, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 64
_CHUNK = 16  # documents per task handed to a worker


Job = tuple[str, str, int, bool, MarkdownOptions, Path, str, ShortcodeSet, Diagrams]


@dataclass(frozen=True, slots=True)
class DiagramCache:
    """The drawn diagrams of a site, in its content-addressed cache (``.blogen-cache/diagram/``): a worker
    process that draws one keeps it there for every later build."""

    root: Path

    def get(self, key: str) -> bytes | None:
        return read_entry(self.root, "diagram", key)

    def put(self, key: str, data: bytes) -> None:
        write_entry(self.root, "diagram", key, data)


def document_options(options: MarkdownOptions, doc: Document) -> MarkdownOptions:
    """The site's Markdown options as one document has them: its front matter ``math: true|false`` overrides
    ``markdown.math`` (a value of another type is reported by the model, and ignored here)."""
    math = doc.meta.extra.get("math") if doc.meta.extra else None
    if isinstance(math, bool):
        return replace(options, math="on" if math else "off")
    return options


def document_key(doc: Document, options_repr: str, options: MarkdownOptions, diagrams: Diagrams,
                 may_draw: bool | None = None) -> str:
    """The Markdown cache key of one document: the site's options (and the document's own ``math:``), and for a
    document that may hold a diagram, the identity of the diagram programs, so installing or upgrading one renders
    it again; other documents' keys do not change with them. ``may_draw``: whether it may hold a diagram, when
    its text is not at hand."""
    extra = "" if options.math == "auto" or "math" not in (doc.meta.extra or {}) else f"|math={options.math}"
    if may_draw is None:
        may_draw = has_diagram_fence(doc.body)
    if options.diagrams and may_draw:
        extra += f"|diagrams={diagrams.tools.identity('dot')}|{diagrams.tools.identity('mermaid')}"
    return cache_key(doc, options_repr + extra)


def site_shortcodes(config: Config) -> ShortcodeSet:
    """The shortcode templates the site's Markdown is drawn with: its own ``theme/shortcodes/`` over the built-in ones."""
    return make_shortcode_set(shortcode_sources(config.root))


def markdown_key_options(config: Config, shortcodes: ShortcodeSet) -> str:
    """Everything besides a document that decides its HTML, as the text the cache key hashes
    (``cache_key``'s ``options``): the Markdown options and the shortcode templates' digest."""
    return f"{config.markdown!r}|shortcodes={shortcodes.digest}"


def _render_and_store(job: Job) -> tuple[Rendered, bytes] | BlogenError:
    """Render one document and store it in the cache; returns it with its cache entry's bytes."""
    body, source, first_line, take_title, options, root, key, shortcodes, diagrams = job
    try:
        rendered = render_markdown(body, options, path=source, first_line=first_line, take_title=take_title,
                                   shortcodes=shortcodes, diagrams=diagrams)
    except BlogenError as exc:
        return exc
    data = entry_bytes(rendered)
    if not rendered.volatile:  # a diagram program failed on its own: try again next build
        write_cache(root, key, data)
    return rendered, data


def _render_one(job: Job) -> Rendered | BlogenError:
    """In this process: render one document and store it in the cache."""
    outcome = _render_and_store(job)
    return outcome if isinstance(outcome, BlogenError) else outcome[0]


def _render_in_worker(job: Job) -> bytes | BlogenError:
    """In a worker process: render one document, store it in the cache, and return the entry's bytes.

    Workers write the cache so that runs in parallel too. The result goes back as the entry for the
    main thread to decode: unpickled into a Rendered, its strings would be allocated by the
    executor's result thread, from a malloc arena of that thread's own that never reuses the memory
    the main thread frees meanwhile (each source's text, once its job is done). Its HTML is packed
    already, and stays as it came.
    """
    outcome = _render_and_store(job)
    return outcome if isinstance(outcome, BlogenError) else outcome[1]


def ready() -> None:
    """A task that does nothing: submitting it makes the executor fork its workers."""


def cold_and_big(config: Config, jobs: int | None, inputs: Inputs) -> bool:
    """Whether this build is all but certain to want Markdown worker processes: the cache holds nothing
    yet and the walk found at least ``PARALLEL_THRESHOLD`` Markdown files under ``content/``."""
    if worker_count(jobs) < 2:
        return False
    try:
        with os.scandir(config.root / CACHE_DIR / "markdown") as entries:
            if next(entries, None) is not None:
                return False
    except OSError:
        pass
    return sum(1 for key in inputs.under("content") if key.endswith(SOURCE_SUFFIXES)) >= PARALLEL_THRESHOLD


def render_documents(config: Config, documents: Sequence[Document], jobs: int | None,
                     memo: dict[str, Rendered] | None = None,
                     progress: Progress | None = None, pool: ProcessPoolExecutor | None = None,
                     prune: bool = True) -> tuple[dict[str, Rendered], int]:
    """Markdown of every document, from the cache where possible; returns (results, number rendered).

    ``memo`` is an in-memory layer over the disk cache for long-running processes (``blogen serve``),
    keyed like the disk cache, so it is exactly as fresh. ``pool``: worker processes to use (started
    early by the caller; see ``stages.make_model``), else they are started here when there is enough to do.

    When ``documents`` is a list, its documents are replaced by copies without their text as the
    work is handed out, so each source's text can be freed as soon as its HTML is back instead of
    all of it staying until the end (45 MB at 5,000 posts): the caller gives up the text and keeps
    the rest. ``prune`` drops the entries this call did not use, from the memo and (once old) from the
    disk cache; the quick rebuild, which passes only the changed documents, keeps the others.
    """
    results: dict[str, Rendered] = {}
    todo: list[tuple[str, str]] = []  # (source, cache key)
    work: list[Job] = []
    used: set[str] = set()
    shortcodes = site_shortcodes(config)
    options_repr = markdown_key_options(config, shortcodes)
    diagrams = Diagrams(find_diagram_tools(), DiagramCache(config.root))
    for i, doc in enumerate(documents):
        options = document_options(config.markdown, doc)
        key = document_key(doc, options_repr, options, diagrams)
        used.add(key)
        hit = _cached(config.root, key, memo)
        if hit is not None:
            results[doc.source] = hit
        else:
            todo.append((doc.source, key))
            work.append((doc.body, doc.source, doc.body_line, doc.meta.title is None, options, config.root, key,
                         shortcodes, diagrams))
        if isinstance(documents, list):
            documents[i] = replace(doc, body="")
    total = len(work)
    outcomes = _render_all(work, jobs, pool, progress)
    problems: list[Problem] = []
    for (source, key), outcome in zip(todo, outcomes, strict=True):
        if isinstance(outcome, BlogenError):
            problems.extend(outcome.problems)
            continue
        results[source] = outcome
        if memo is not None and not outcome.volatile:
            memo[key] = outcome
    if problems:
        raise BlogenError(problems)
    if prune:  # keep this build's results only: a long session must not hoard every draft of every post
        prune_cache(config.root, used)
        if memo is not None:
            for key in [k for k in memo if k not in used]:
                del memo[key]
    return results, total


def _cached(root: Path, key: str, memo: dict[str, Rendered] | None) -> Rendered | None:
    """A document's Markdown from the memory layer, else from the disk cache (then kept in memory too)."""
    hit = memo.get(key) if memo is not None else None
    if hit is None:
        hit = read_cache(root, key)
        if hit is not None and memo is not None:
            memo[key] = hit
    return hit


def _render_all(work: list[Job], jobs: int | None, pool: ProcessPoolExecutor | None,
                progress: Progress | None) -> list[Rendered | BlogenError]:
    """Render every job, in worker processes when there are many (or ``pool`` is given), in order.

    ``work`` is emptied as the jobs are handed out, so each source's text can be freed once its
    job is done.
    """
    total = len(work)
    workers = worker_count(jobs)
    outcomes: list[Rendered | BlogenError] = []
    if pool is not None or (workers > 1 and total >= PARALLEL_THRESHOLD):
        from concurrent.futures import ProcessPoolExecutor  # multiprocessing costs 20 ms to import

        with pool or ProcessPoolExecutor(max_workers=workers) as executor:
            # Chunks of up to 16 documents (60-70 ms of work): handing one over costs a fraction of a
            # millisecond, and at the end the workers finish within a chunk of each other.
            entries = executor.map(_render_in_worker, work, chunksize=max(1, min(_CHUNK, total // (workers * 8))))
            work.clear()  # every job is queued: the executor holds its text until its result is back
            for entry in entries:
                outcomes.append(entry_from_bytes(entry, check=False) if isinstance(entry, bytes) else entry)
                if progress is not None:
                    progress("rendering Markdown", len(outcomes), total)
    else:
        work.reverse()
        while work:  # popped, so each source's text is freed once rendered
            outcomes.append(_render_one(work.pop()))
            if progress is not None:
                progress("rendering Markdown", len(outcomes), total)
    return outcomes
