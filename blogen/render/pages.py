"""Turn routes into bytes: the render of every route of a build, keeping pages whose inputs did not change.

Each route is rendered by ``renderer.Renderer`` from what it shows (its template context, a feed's
entries), and the page's fingerprint (``dependencies``) is a digest of the same values. The
environment the templates run in is in ``templates``, and the rewriting of links in the finished
HTML in ``pagelinks``. A big site's routes are shared among worker processes (``workers``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from blogen.core.progress import Progress
from blogen.model.values import Route, Site
from blogen.render.memo import RenderMemo
from blogen.render.outcomes import Collector, RenderResult, render_route
from blogen.render.renderer import Renderer

__all__ = ["RenderResult", "render_routes"]


def render_routes(site: Site, routes: Sequence[Route], template_lines: Mapping[str, int],
                  previous: Mapping[str, Any] | None = None, intact: frozenset[str] = frozenset(),
                  progress: Progress | None = None,
                  memo: RenderMemo | None = None,
                  sink: Callable[[str, bytes], None] | None = None, jobs: int | None = 1) -> RenderResult:
    """Render every generated route; raise BlogenError with all problems.

    With ``sink``, each page's bytes are handed to it as soon as they are made, instead of being
    collected in the result: the writer can then store them at once and a big site's pages are
    never all in memory together.

    ``jobs``: how many worker processes may render (None: one per core). A site with enough routes,
    not so many posts that the workers' copies of the model strain memory, and no ``memo`` to fill
    is rendered in workers (``blogen.render.workers``); its bytes come back here in route order, so
    the result is the same as from this process alone.
    """
    previous = previous or {}
    if memo is None:
        from blogen.render.workers import render_in_workers, worth_workers

        if worth_workers(site, routes, jobs):
            return render_in_workers(site, routes, template_lines, previous, intact, progress, sink, jobs)
    renderer = Renderer(site, template_lines=template_lines, memo=memo)
    collector = Collector(sink)
    for n, route in enumerate(routes, start=1):
        if progress is not None:
            progress("rendering pages", n, len(routes))
        outcome = render_route(renderer, route, previous, intact)
        if outcome is not None:
            collector.take(outcome)
    if memo is not None and (renderer.feed_contents or renderer.json_contents):
        for source in renderer.feed_contents.keys() | renderer.json_contents.keys():
            if source in renderer.index:
                memo.feeds[source] = (site.posts[renderer.index[source]], site.config.base_url,
                                      renderer.feed_contents.get(source), renderer.json_contents.get(source))
    return collector.result(renderer.errors.problems())
