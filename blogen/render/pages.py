"""Turn routes into bytes: the render of every route of a build, keeping pages whose inputs did not change.

Each route is rendered by ``renderer.Renderer`` from what it shows (its template context, a feed's
entries), and the page's fingerprint (``dependencies``) is a digest of the same values. The
environment the templates run in is in ``templates``, and the rewriting of links in the finished
HTML in ``pagelinks``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from blogen.core.errors import BlogenError, Problem
from blogen.model.values import Route, Site
from blogen.render.dependencies import FEED_KINDS
from blogen.render.feeds import check_feed
from blogen.render.jsonfeed import check_json_feed
from blogen.render.renderer import Renderer, RenderMemo


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What rendering the routes produced: new bytes, the files kept as they are, and notes for next time."""

    files: dict[str, bytes]  # empty when the bytes went to a sink
    kept: frozenset[str]  # output paths whose inputs are unchanged and whose live file is intact
    # output path -> [input fingerprint, root-relative links, posts whose body it read, posts it shows]
    notes: dict[str, list[Any]]
    warnings: tuple[Problem, ...] = ()


def render_routes(site: Site, routes: Sequence[Route], template_lines: Mapping[str, int],
                  previous: Mapping[str, Any] | None = None, intact: frozenset[str] = frozenset(),
                  progress: Callable[[str, int, int], None] | None = None,
                  memo: RenderMemo | None = None,
                  sink: Callable[[str, bytes], None] | None = None) -> RenderResult:
    """Render every generated route; raise BlogenError with all problems.

    With ``sink``, each page's bytes are handed to it as soon as they are made, instead of being
    collected in the result: the writer can then store them at once and a big site's pages are
    never all in memory together. Once a problem has made the build's failure certain, pages are
    still rendered (to report every problem) but no longer handed over.

    A route whose input fingerprint equals the one recorded with the live file (``previous``), and
    whose live file is intact, is not rendered again: same inputs, same code, same templates give
    the same bytes. Its recorded links are still checked against today's pages. Feeds are parsed
    back and checked, so a broken one fails the build before anything reaches the output folder.
    """
    renderer = Renderer(site, template_lines=template_lines, memo=memo)
    previous = previous or {}
    out: dict[str, bytes] = {}
    kept: set[str] = set()
    notes: dict[str, list[Any]] = {}
    feed_problems: list[Problem] = []
    feed_failed = False
    for n, route in enumerate(routes, start=1):
        if progress is not None:
            progress("rendering pages", n, len(routes))
        if route.kind in ("static", "asset"):
            continue
        shows = renderer.shows(route)
        found = previous.get(route.output)
        old: list[Any] = found if isinstance(found, list) and len(found) == 4 else []
        reads = old[2] if old and isinstance(old[2], list) else None
        # A first build has nothing to compare with.
        if shows is not None and old and route.output in intact and old[0] == renderer.fingerprints.of(route, shows, reads)[0]:
            kept.add(route.output)
            notes[route.output] = old
            renderer.check_links(route, old[1] if all(isinstance(t, str) for t in old[1]) else [str(t) for t in old[1]])
            continue
        data = renderer.render(route, shows)
        if data is None:
            continue
        if sink is None:
            out[route.output] = data
        if shows is not None:
            templated = route.template is not None  # a templated page: count what it read this time
            read = renderer.last_body_reads if templated else None
            fingerprint, shown = renderer.fingerprints.of(route, shows, read)
            # feeds and the sitemap have no templates, so no template links to check again
            notes[route.output] = [fingerprint, renderer.last_links if templated else [], read,
                                   None if shown is None else list(shown)]
        if route.kind in FEED_KINDS:
            found_problems = check_feed(route.output, data) if route.kind in ("feed", "termfeed") \
                else check_json_feed(route.output, data)
            feed_problems.extend(found_problems)
            feed_failed = feed_failed or any(p.severity == "error" for p in found_problems)
        if sink is not None and not renderer.errors.failed and not feed_failed:
            sink(route.output, data)
    if memo is not None and (renderer.feed_contents or renderer.json_contents):
        for source in renderer.feed_contents.keys() | renderer.json_contents.keys():
            if source in renderer.index:
                memo.feeds[source] = (site.posts[renderer.index[source]], site.config.base_url,
                                      renderer.feed_contents.get(source), renderer.json_contents.get(source))
    problems = renderer.errors.problems() + feed_problems
    if any(p.severity == "error" for p in problems):
        raise BlogenError(problems)
    return RenderResult(out, frozenset(kept), notes, tuple(problems))
