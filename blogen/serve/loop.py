"""The dev server's build loop: one build at a time, a queue of at most one more, and a read gate.

Requests must never see a half-built site, so this module is also the gate they pass: a request
waits while a build is running or about to run (bounded), and a build waits for requests already
reading files to finish. Whatever a build raises becomes problems to show; the loop never dies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from blogen.build.pipeline import BuildReport
from blogen.core.errors import BlogenError, Problem

log = logging.getLogger(__name__)

# How long a build waits for requests that are still reading the previous site.
READERS_GRACE = 2.0
# How long "a change was seen, its build is coming" holds requests if the build never comes.
ACTIVITY_HOLD = 3.0


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """The result of one build: a report when it worked, the problems when it did not."""

    generation: int
    report: BuildReport | None
    problems: tuple[Problem, ...]  # errors when report is None, else warnings
    changes: frozenset[str]  # the site files whose change asked for this build
    seconds: float  # the build alone
    since_change: float | None  # from the first file event of the burst to the end of the build

    @property
    def ok(self) -> bool:
        return self.report is not None


def internal_error(exc: BaseException) -> Problem:
    """An unexpected exception, reported like a site error so the server keeps running."""
    return Problem("(blogen)", None, f"internal error: {type(exc).__name__}: {exc} (this is a bug in blogen, not your site; "
                                     "the server keeps running)")


class DevBuilder:
    """Run ``build`` in one background thread whenever asked; changes during a build queue one more."""

    def __init__(self, build: Callable[[], BuildReport], on_built: Callable[[BuildOutcome], None],
                 between: Callable[[], None] | None = None) -> None:
        self._build = build
        self._on_built = on_built
        self._between = between  # work for the next build, done after a good one unless another is asked for
        self._cond = threading.Condition()
        self._requested = False
        self._changes: set[str] = set()
        self._activity_since: float | None = None
        self._building = False
        self._readers = 0
        self._stopping = False
        self._generation = 0
        self._started = 0  # builds begun
        self._finished = 0  # builds ended
        self.outcome: BuildOutcome | None = None  # the latest, good or bad
        self.good: BuildOutcome | None = None  # the latest good one: what output/ holds
        self._thread = threading.Thread(target=self._loop, name="blogen-build", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> bool:
        """Ask the loop to end; True if it did within ``timeout`` (a running build cannot be cut short)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    # --- asking for builds ------------------------------------------------------------------------

    def note_activity(self) -> None:
        """A relevant file event was seen; hold requests until its (debounced) build has run."""
        with self._cond:
            if self._activity_since is None:
                self._activity_since = time.monotonic()

    def request(self, changes: frozenset[str] = frozenset()) -> None:
        """Build as soon as the current build (if any) has finished; many requests make one build."""
        with self._cond:
            self._requested = True
            self._changes.update(changes)
            if self._activity_since is None:
                self._activity_since = time.monotonic()
            self._cond.notify_all()

    def _busy(self) -> bool:
        if self._building or self._requested:
            return True
        since = self._activity_since
        return since is not None and time.monotonic() - since < ACTIVITY_HOLD

    def _wait_idle_locked(self, timeout: float) -> bool:
        """Wait for the builds that cover every change seen so far, not for later ones.

        Under a stream of saves the server is never idle; waiting only for the build already
        running, or the one that will pick up changes seen before this request, bounds the wait.
        """
        deadline = time.monotonic() + timeout
        need = self._started + (1 if self._requested or self._activity_since is not None else 0)
        while self._busy() and self._finished < need and not self._stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._cond.wait(min(left, 0.25))
        return True

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no build is running or queued; False if ``timeout`` ran out first."""
        with self._cond:
            return self._wait_idle_locked(timeout)

    @contextmanager
    def reading(self, timeout: float) -> Iterator[bool]:
        """Hold builds off while a request reads the site; yields False if it waited ``timeout`` in vain."""
        with self._cond:
            idle = self._wait_idle_locked(timeout)
            self._readers += 1  # in the same hold of the lock, so no build can start in between
        try:
            yield idle
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    # --- the loop ---------------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._requested and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                self._requested = False
                self._building = True
                self._started += 1
                changes = frozenset(self._changes)
                self._changes = set()
                since = self._activity_since
                self._activity_since = None
                grace = time.monotonic() + READERS_GRACE
                while self._readers and time.monotonic() < grace:
                    self._cond.wait(0.05)
            try:
                outcome = self._run(changes, since)
                with self._cond:
                    self.outcome = outcome
                    if outcome.ok:
                        self.good = outcome
                try:
                    self._on_built(outcome)
                except Exception as exc:
                    log.error("publishing a build failed: %s: %s", type(exc).__name__, exc,
                              exc_info=log.isEnabledFor(logging.DEBUG))
            finally:
                with self._cond:
                    self._building = False
                    self._finished += 1
                    self._cond.notify_all()
            self._idle_work(outcome.ok)

    def _idle_work(self, ok: bool) -> None:
        """``between``, after a good build and before the next one: requests are served meanwhile (it
        must not change what they read), and a save made meanwhile is built once it returns."""
        with self._cond:
            if self._between is None or not ok or self._requested or self._stopping:
                return
        try:
            self._between()
        except Exception as exc:  # only the next build's speed depends on it
            log.debug("preparing for the next build failed: %s: %s", type(exc).__name__, exc)

    def _run(self, changes: frozenset[str], since: float | None) -> BuildOutcome:
        self._generation += 1
        start = time.monotonic()
        report: BuildReport | None = None
        try:
            report = self._build()
            problems = tuple(report.warnings)
        except BlogenError as exc:
            problems = exc.problems or (Problem("(blogen)", None, "the build failed without saying why"),)
        except Exception as exc:  # the server must outlive any bug in the build
            # One line, as the command line reports a bug; the traceback only with -v.
            log.error("build crashed: %s: %s", type(exc).__name__, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            problems = (internal_error(exc),)
        end = time.monotonic()
        return BuildOutcome(self._generation, report, problems, changes, end - start,
                            None if since is None else end - since)


def describe(outcome: BuildOutcome, *, first: bool, had_good: bool) -> list[str]:
    """The terminal lines for one build: its problems, then one summary line.

    ``first`` is the server's first build; ``had_good`` says whether an earlier build worked, i.e.
    whether the browser still has something good to show under the errors.
    """
    lines = [p.format() for p in outcome.problems]
    ms = round(outcome.seconds * 1000)
    report = outcome.report
    if report is None:
        n = sum(1 for p in outcome.problems if p.severity == "error")
        lines.append(f"build failed in {ms} ms: {n} error{'s' * (n != 1)}; "
                     + ("showing the last good build with the errors over it" if had_good else "no page to show until it is fixed"))
        return lines
    changed = len(report.written) + len(report.removed)
    if first:
        site = report.site
        lines.append(f"built {len(site.posts)} post{'s' * (len(site.posts) != 1)} and {len(site.pages)} "
                     f"page{'s' * (len(site.pages) != 1)} in {ms} ms")
    else:
        detail = f"{changed} file{'s' * (changed != 1)} changed"
        if report.rendered:
            detail += f" ({report.rendered} Markdown file{'s' * (report.rendered != 1)} rendered)"
        lines.append(f"rebuilt in {ms} ms: {detail}; {report.plan.reason}")
    return lines
