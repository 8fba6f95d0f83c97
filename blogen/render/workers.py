"""A big site's pages rendered in worker processes, forked once the model is made.

Rendering the pages of a cold build of 1,000 posts takes this process alone about 1.5 s while the
second core idles. Forked after the model is complete, workers share it (copy-on-write; the parent
freezes its objects out of the collector first, so the workers' collections do not touch, and so
copy, the pages that hold them); each makes its own ``Renderer`` and renders spans of routes. The
parent takes each span's outcomes in order, merges the template problems, and hands the bytes to
the writer (the sink) meanwhile, so writing overlaps rendering. Only a few spans are in flight at
once: a big site's pages are never all in memory together.

Only a render without a memo comes here: a memo (the dev server's, or the one a build keeps in its
snapshot) is filled as pages are rendered, in this process.
"""

from __future__ import annotations

import gc
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from blogen.core.errors import Severity
from blogen.core.processes import worker_count
from blogen.core.progress import Progress
from blogen.model.values import Route, Site
from blogen.render.outcomes import Collector, Outcome, RenderResult, render_route
from blogen.render.renderer import Renderer
from blogen.render.search import SEARCH_KINDS
from blogen.render.templates import TemplateErrors

# Below this many routes, forking and a second set of views cost more than they save.
PARALLEL_ROUTES = 400
# What the workers may add to the build's memory. Each copies about 20 KiB per post of the model it
# shares (every object it reads has its reference count written, so the page holding it is copied:
# about 97 MiB each at 5,000 posts), so a bigger site renders in this process alone and stays
# within the memory a cold build of it needs anyway (164 MiB at 5,000 posts, against 311 with two workers).
MEMORY_BUDGET = 64 << 20
COPIED_PER_POST = 20 << 10
SPAN = 24  # routes per task: small enough that the last spans even out, big enough that handing them over is cheap
IN_FLIGHT = 3  # spans per worker submitted ahead: keeps the workers busy while the parent writes

ErrorKey = tuple[str, int | None, str, Severity]


@dataclass(frozen=True, slots=True)
class _Work:
    """What every worker renders from; set in the parent just before it forks, so the workers inherit it."""

    site: Site
    routes: Sequence[Route]
    template_lines: Mapping[str, int]
    previous: Mapping[str, Any]
    intact: frozenset[str]


_work: _Work | None = None
_renderer: Renderer | None = None  # a worker's own, made for its first span


def worth_workers(site: Site, routes: Sequence[Route], jobs: int | None) -> bool:
    """Whether to render in workers: more than one may run, fork is there, the site is big enough to
    gain and small enough that the workers' copies of its model fit ``MEMORY_BUDGET``."""
    workers = worker_count(jobs)
    return workers > 1 and hasattr(os, "fork") and len(routes) >= PARALLEL_ROUTES \
        and workers * len(site.posts) * COPIED_PER_POST <= MEMORY_BUDGET


def render_in_workers(site: Site, routes: Sequence[Route], template_lines: Mapping[str, int],
                      previous: Mapping[str, Any], intact: frozenset[str], progress: Progress | None,
                      sink: Callable[[str, bytes], None] | None, jobs: int | None) -> RenderResult:
    """``render_routes`` in worker processes: the same result, the same bytes to the sink in route order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _work
    spans = _spans(routes)
    workers = min(worker_count(jobs), len(spans))
    collector = Collector(sink)
    errors = TemplateErrors()
    interned = {p.source: p.source for p in site.posts}  # the model's own strings
    done = 0
    _work = _Work(site, routes, template_lines, previous, intact)
    gc.freeze()  # the model's objects out of every collection: the workers' would write to (so copy) their pages
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            waiting: Iterator[list[int]] = iter(spans)
            pending: deque[Future[tuple[list[Outcome], dict[ErrorKey, list[str]]]]] = deque()
            for span in waiting:
                pending.append(pool.submit(_render_span, span))
                if len(pending) == 1:
                    gc.unfreeze()  # the workers are forked at the first task
                if len(pending) >= workers * IN_FLIGHT:
                    break
            while pending:
                outcomes, seen = pending.popleft().result()
                more = next(waiting, None)
                if more is not None:
                    pending.append(pool.submit(_render_span, more))
                failed_before = errors.failed
                for outcome in outcomes:
                    collector.take(_shared(outcome, interned), failed_before)
                for key, pages in seen.items():
                    for page in pages:
                        errors.add(*key[:3], page, key[3])
                done += len(outcomes)
                if progress is not None:
                    progress("rendering pages", done, len(routes))
    finally:
        _work = None
        gc.unfreeze()
    return collector.result(errors.problems())


def _spans(routes: Sequence[Route]) -> list[list[int]]:
    """The routes' positions in tasks, in order; the search index's routes all in one, since the index's
    terms are worked out once per renderer."""
    spans: list[list[int]] = []
    search: list[int] = []
    current: list[int] = []
    for i, route in enumerate(routes):
        if route.kind in SEARCH_KINDS:
            if not search:
                spans.append(search)
            search.append(i)
            continue
        if route.kind in ("static", "asset"):
            continue
        if not current:
            spans.append(current)
        current.append(i)
        if len(current) >= SPAN:
            current = []
    return spans


def _render_span(span: list[int]) -> tuple[list[Outcome], dict[ErrorKey, list[str]]]:
    """In a worker: render the routes at ``span``; returns their outcomes and the template problems they met."""
    global _renderer
    work = _work
    assert work is not None
    if _renderer is None:
        _renderer = Renderer(work.site, template_lines=work.template_lines)
    renderer = _renderer
    renderer.errors = TemplateErrors()  # this span's problems only: the parent merges them in order
    outcomes = []
    for i in span:
        outcome = render_route(renderer, work.routes[i], work.previous, work.intact)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes, renderer.errors.seen


def _shared(outcome: Outcome, interned: dict[str, str]) -> Outcome:
    """The outcome with the strings of its notes shared with every other page's: the same links and post
    sources recur on thousands of pages, and the parent keeps every page's notes until the build ends."""
    note = outcome.note
    if note is None or outcome.kept:
        return outcome
    links, reads, shown = note[1], note[2], note[3]
    note[1] = [sys.intern(t) for t in links]
    if reads is not None:
        note[2] = [interned.setdefault(s, s) for s in reads]
    if shown is not None:
        note[3] = [interned.setdefault(s, s) for s in shown]
    return outcome
