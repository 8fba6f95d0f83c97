"""One route's render and how a build's outcomes are gathered: the steps ``render_routes`` takes in
this process and ``blogen.render.workers`` takes in worker processes, so both give the same result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from blogen.core.errors import BlogenError, Problem
from blogen.model.values import Route
from blogen.render.dependencies import FEED_KINDS
from blogen.render.feeds import check_feed
from blogen.render.jsonfeed import check_json_feed
from blogen.render.renderer import Renderer


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What rendering the routes produced: new bytes, the files kept as they are, and notes for next time."""

    files: dict[str, bytes]  # empty when the bytes went to a sink
    kept: frozenset[str]  # output paths whose inputs are unchanged and whose live file is intact
    # output path -> [input fingerprint, root-relative links, posts whose body it read, posts it shows]
    notes: dict[str, list[Any]]
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one route came to: its bytes (None when kept, or when it failed), its notes for next time,
    the problems its feed check found, and whether the renderer had seen an error by then."""

    output: str
    data: bytes | None
    note: list[Any] | None
    kept: bool
    feed_problems: tuple[Problem, ...]
    failed: bool


def render_route(renderer: Renderer, route: Route, previous: Mapping[str, Any], intact: frozenset[str]) -> Outcome | None:
    """Render one route (None for files that are copied, not rendered), or keep it when its input
    fingerprint equals the one recorded with its intact live file: same inputs, same code, same
    templates give the same bytes. A kept page's recorded links are still checked against today's pages.
    Feeds are parsed back and checked, so a broken one fails the build before anything reaches the output."""
    if route.kind in ("static", "asset"):
        return None
    shows = renderer.shows(route)
    found = previous.get(route.output)
    old: list[Any] = found if isinstance(found, list) and len(found) == 4 else []
    reads = old[2] if old and isinstance(old[2], list) else None
    # A first build has nothing to compare with.
    if shows is not None and old and route.output in intact and old[0] == renderer.fingerprints.of(route, shows, reads)[0]:
        renderer.check_links(route, old[1] if all(isinstance(t, str) for t in old[1]) else [str(t) for t in old[1]])
        return Outcome(route.output, None, old, True, (), renderer.errors.failed)
    data = renderer.render(route, shows)
    if data is None:
        return Outcome(route.output, None, None, False, (), renderer.errors.failed)
    note: list[Any] | None = None
    if shows is not None:
        templated = route.template is not None  # a templated page: count what it read this time
        read = renderer.last_body_reads if templated else None
        fingerprint, shown = renderer.fingerprints.of(route, shows, read)
        # feeds and the sitemap have no templates, so no template links to check again
        note = [fingerprint, renderer.last_links if templated else [], read, None if shown is None else list(shown)]
    checked: list[Problem] = []
    if route.kind in FEED_KINDS:
        checked = check_feed(route.output, data) if route.kind in ("feed", "termfeed") else check_json_feed(route.output, data)
    return Outcome(route.output, data, note, False, tuple(checked), renderer.errors.failed)


class Collector:
    """The outcomes of a build's routes, taken in route order: the result, and the bytes handed to the sink.

    Once a problem has made the build's failure certain, no more bytes are handed over (pages are still
    rendered, to report every problem)."""

    def __init__(self, sink: Callable[[str, bytes], None] | None) -> None:
        self.sink = sink
        self.files: dict[str, bytes] = {}
        self.kept: set[str] = set()
        self.notes: dict[str, list[Any]] = {}
        self.feed_problems: list[Problem] = []
        self.feed_failed = False

    def take(self, outcome: Outcome, failed_before: bool = False) -> None:
        """One route's outcome; ``failed_before``: an error was seen in routes rendered by another renderer."""
        if outcome.note is not None:
            self.notes[outcome.output] = outcome.note
        if outcome.kept:
            self.kept.add(outcome.output)
            return
        if outcome.data is None:
            return
        self.feed_problems.extend(outcome.feed_problems)
        self.feed_failed = self.feed_failed or any(p.severity == "error" for p in outcome.feed_problems)
        if self.sink is None:
            self.files[outcome.output] = outcome.data
        elif not (failed_before or outcome.failed or self.feed_failed):
            self.sink(outcome.output, outcome.data)

    def result(self, template_problems: list[Problem]) -> RenderResult:
        """The result; raise BlogenError with all problems if any is an error."""
        problems = template_problems + self.feed_problems
        if any(p.severity == "error" for p in problems):
            raise BlogenError(problems)
        return RenderResult(self.files, frozenset(self.kept), self.notes, tuple(problems))
