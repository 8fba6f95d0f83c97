"""``blogen serve``: build into a folder of its own, serve it over HTTP, and keep open tabs in step.

The pieces: a watcher (``watch``) hands debounced change sets to the build loop (``loop``), which
builds into its folder (``persist``) and, once the new site is complete, tells every open tab what it must
do (``livereload``: nothing, swap stylesheets, reload, show or clear errors) over Server-Sent Events.
The walk of the inputs that decides each build runs in a process of its own beside it
(``blogen.incremental.scan``). Requests go through one resolver (``httpd``) and wait while a build runs,
so nothing half-built or stale is ever served.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import logging
import shutil
import signal
import threading
import time
import webbrowser
from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus
from pathlib import Path
from types import FrameType
from typing import Any

from blogen.build.patch import Memo
from blogen.build.pipeline import BuildReport, build_site
from blogen.content.inputs import Inputs
from blogen.core.errors import BlogenError, Problem
from blogen.incremental.scan import Prescan, WalkProcess, agrees, predict
from blogen.output.writer import ready_spare
from blogen.serve.httpd import DevHTTPServer, Tab, Target, is_loopback, make_http_server, resolve_path
from blogen.serve.livereload import digest, error_page, page_update, problems_json
from blogen.serve.loop import BuildOutcome, DevBuilder, describe
from blogen.serve.persist import Keeper, serve_folder
from blogen.serve.watch import ChangeSet, Watcher

log = logging.getLogger(__name__)

REQUEST_WAIT = 10.0  # longest a request waits for a running build
PORT_TRIES = 20
# What outlives a build is mostly the memo, and Python's full garbage collection walks all of it:
# ~170 ms at 5,000 posts, and it came almost every build. So after each build everything alive is
# frozen out of collection (objects still free as usual when nothing refers to them), and every
# FULL_GC_EVERY builds a full collection runs, which also frees any reference cycles frozen since.
FULL_GC_EVERY = 25
BuildFunction = Callable[..., BuildReport]

_NO_BUILD = error_page("blogen: the site could not be built", "Fix the problems listed; this page reloads by itself.")
_BUILDING = error_page("blogen: building…", "The first build is still running; this page reloads when it is done.")


class PortBusy(Exception):
    """The port asked for (explicitly) is taken."""


class DevServer:
    """The running dev server; ``start`` binds and builds, ``close`` stops everything and cleans up.

    Tests use it directly (port 0, ``.port``); the CLI goes through ``serve``.
    """

    def __init__(self, root: Path, *, host: str = "127.0.0.1", port: int = 8000, port_explicit: bool = False,
                 drafts: bool = True, poll: bool = False, echo: Callable[[str], None] = lambda _line: None,
                 build_function: BuildFunction = build_site, request_wait: float = REQUEST_WAIT) -> None:
        self.root = root.resolve()
        self.host = host
        self.requested_port = port
        self.port_explicit = port_explicit
        self.drafts = drafts
        self.poll = poll
        self.echo = echo
        self.request_wait = request_wait
        self.loopback = is_loopback(host)
        self._build_function = build_function
        # Its first build checks the folder an earlier server left (see ``persist``); after that, the
        # folder is this process's own and taken at its record's word.
        self._memo = Memo(private_output=False)
        self._keeper = Keeper(self.root)
        self.served = self.root / ".blogen-cache" / "serve" / "unbound"  # chosen once the address is known
        self.builder = DevBuilder(self._build, self._publish, self._ready_next)
        self.watcher = Watcher(self.root, self._changed, poll=poll, on_activity=self._activity)
        # The next build's scan of the inputs, begun at the first event of a burst, and the files
        # named by the change sets since: the build looks at those again (see ``incremental.scan.Prescan``).
        self._prescan: Prescan | None = None
        self._named: set[str] = set()
        self._prescan_lock = threading.Lock()
        self._walker: WalkProcess | None = None  # where the scans run, beside the builds (started by ``start``)
        self._walked: Inputs | None = None  # the last scan a build was checked against: the next one starts from it
        self._tabs: set[Tab] = set()
        self._tabs_lock = threading.Lock()
        self._httpd: DevHTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self._first_build = threading.Event()
        self._had_good = False
        self._closing = False
        self.port = 0
        self._builds = 0

    # --- life cycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        shown = self.host if self.loopback or self.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        return f"http://{shown}:{self.port}/"

    def start(self) -> None:
        """Bind (moving to a free port unless the port was explicit), start watching and the first build."""
        try:
            self._httpd = self._bind()
            self.port = int(self._httpd.server_address[1])
            self.served = serve_folder(self.root, self.url)
            self._walker = WalkProcess(self.root)
            if not self.loopback:
                self.echo(f"warning: serving on {self.host} makes this site, drafts included, reachable from the network")
            self.watcher.start()
            if self.watcher.polling:
                why = self.watcher.fallback_reason or "--poll"
                self.echo(f"watching for changes by polling ({why})")
            self.builder.start()
            self.builder.request()
            self._http_thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                                 name="blogen-http", daemon=True)
            self._http_thread.start()
        except BaseException:
            self.close()
            raise

    def _bind(self) -> DevHTTPServer:
        port = self.requested_port
        tries = 1 if self.port_explicit or port == 0 else PORT_TRIES
        for attempt in range(tries):
            try:
                httpd = make_http_server(self.host, port + attempt, self)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                if self.port_explicit:
                    raise PortBusy(f"port {port} is busy; stop whatever uses it or choose another with --port") from None
                continue
            if attempt:
                self.echo(f"port {port} is busy; serving on {port + attempt} instead")
            return httpd
        raise PortBusy(f"ports {port}-{port + tries - 1} are all busy; choose another with --port")

    def wait_first_build(self, timeout: float | None = None) -> bool:
        return self._first_build.wait(timeout)

    def close(self, timeout: float = 1.5) -> None:
        """Stop watcher, server and build loop, end every live-reload connection, and leave the built
        site and its record for the next server (see ``persist``)."""
        deadline = time.monotonic() + timeout
        self._closing = True
        self.watcher.stop(timeout=0.5)
        if self._httpd is not None:
            if self._http_thread is not None and self._http_thread.is_alive():
                self._httpd.shutdown()
            self._httpd.server_close()
        with self._tabs_lock:
            for tab in self._tabs:
                tab.end()
        self.builder.stop(max(0.0, deadline - time.monotonic()))
        if self._walker is not None:
            self._walker.close()
        self._keeper.leave(self.served, max(0.0, deadline - time.monotonic()))
        if not self.served.is_relative_to(self.root):  # a temporary folder (the cache could not be written)
            shutil.rmtree(self.served.parent, ignore_errors=True)
        gc.unfreeze()  # the process may go on (tests do): let what the server kept be collected

    def __enter__(self) -> DevServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- building ---------------------------------------------------------------------------------

    def _build(self) -> BuildReport:
        with self._prescan_lock:
            prescan, named = self._prescan, self._named
            self._prescan, self._named = None, set()
        try:
            return self._build_after(prescan, named)
        finally:
            self._builds += 1
            if self._builds % FULL_GC_EVERY == 0:
                gc.unfreeze()
                gc.collect()
            gc.freeze()
            if self._closing and not self.served.is_relative_to(self.root):  # it may have re-made the temporary folder
                shutil.rmtree(self.served.parent, ignore_errors=True)

    def _build_after(self, prescan: Prescan | None, named: set[str]) -> BuildReport:
        """The build for the changes named since the last one.

        When the scan begun at their first event runs in a process of its own, the build does not
        wait for it: it starts from the last scan with the named files looked at again, and the scan
        is waited for at its end. A scan that finds anything else changed (an event missed or
        merged) has the build made again from it, before any request sees the first one's pages.
        """
        predicted = predict(self._walked, named) if prescan is not None and prescan.beside and self._walked else None
        if prescan is None or predicted is None:
            self._walked = prescan.take(named) if prescan is not None else None
            return self._build_from(self._walked)
        try:
            report = self._build_from(predicted)
        except BlogenError:
            self._walked = prescan.take(named)
            if self._walked is not None and agrees(self._walked, predicted):
                raise
            return self._build_from(self._walked)  # the scan saw more than the events said: its problems are the ones
        self._walked = prescan.take(named)
        if self._walked is not None and agrees(self._walked, predicted):
            return report
        log.debug("the scan found changes no event named: building again from it")
        return self._build_from(self._walked)

    def _build_from(self, inputs: Inputs | None) -> BuildReport:
        report = self._build_function(self.root, drafts=self.drafts, output=str(self.served), base_url=self.url,
                                      memo=self._memo, inputs=inputs)
        self._memo.private_output = True
        self._keeper.built(report, self._memo.snapshot)
        return report

    def _ready_next(self) -> None:
        """Between saves: the spare folder the next build writes into, when the last build left none
        (the first of a session, into a new folder), so the first save rebuilds as fast as the rest."""
        if ready_spare(self.served, private=True):
            log.debug("readied the spare folder of %s for the next build", self.served)

    def _activity(self) -> None:
        """The first event of a burst: hold requests, and start scanning the inputs while it goes quiet."""
        self.builder.note_activity()
        with self._prescan_lock:
            if self._prescan is None:
                walker = self._walker
                self._prescan = Prescan(self.root, walker if walker is not None and walker.alive else None)

    def _changed(self, changes: ChangeSet) -> None:
        log.debug("changed: %s", sorted(changes.paths))
        with self._prescan_lock:
            self._named.update(changes.paths)
        self.builder.request(changes.paths)

    def reading(self, timeout: float) -> AbstractContextManager[bool]:
        """Requests read the site through this gate, so they never see a build in progress."""
        return self.builder.reading(timeout)

    def problems(self) -> tuple[Problem, ...]:
        """The errors to show over pages now (none when the latest build worked)."""
        outcome = self.builder.outcome
        return () if outcome is None or outcome.ok else outcome.problems

    def _publish(self, outcome: BuildOutcome) -> None:
        """Runs after each build, before requests are let through: terminal lines, then every open tab."""
        had_good = self._had_good
        for line in describe(outcome, first=not had_good, had_good=had_good):
            self.echo(line)
        self._had_good = had_good or outcome.ok
        written = outcome.report.written + outcome.report.removed if outcome.report is not None else ()
        with self._tabs_lock:
            bodies: dict[str, bytes] = {}
            for tab in self._tabs:
                if not outcome.ok:
                    tab.send("problems", problems_json(outcome.problems))
                    continue
                tab.send("ok", {})
                if tab.page not in bodies:
                    bodies[tab.page] = self.page_body(tab.page)
                new = bodies[tab.page]
                update = page_update(tab.body, new, written)
                if update.action == "reload":
                    tab.send("reload", {})
                elif update.action == "css":
                    tab.send("css", {"sheets": list(update.sheets), "bust": update.bust, "v": digest(new)})
                tab.body = new
        self._first_build.set()

    # --- what a URL serves ------------------------------------------------------------------------

    def lookup(self, raw: str) -> tuple[int, Target, bytes | None]:
        """Status, target and (for pages) the body a request path gets now, before any script is added."""
        good = self.builder.good is not None
        if not good:
            outcome = self.builder.outcome
            body = _BUILDING if outcome is None else _NO_BUILD
            status = HTTPStatus.SERVICE_UNAVAILABLE if outcome is None else HTTPStatus.INTERNAL_SERVER_ERROR
            return int(status), Target("missing"), body
        target = resolve_path(self.served, raw)
        if target.kind == "file" and target.file is not None:
            if target.file.suffix not in (".html", ".htm"):
                return 200, target, None
            try:
                return 200, target, target.file.read_bytes()
            except OSError:
                return self._not_found()
        if target.kind == "redirect":
            return 301, target, None
        if target.kind == "forbidden":
            return 403, target, None
        if target.kind == "bad":
            return 400, target, None
        return self._not_found()

    def _not_found(self) -> tuple[int, Target, bytes | None]:
        page = self.served / "404.html"
        try:
            return 404, Target("missing", page), page.read_bytes()
        except OSError:
            return 404, Target("missing"), error_page("Not found", "This site has no page at this address.")

    def page_body(self, page: str) -> bytes:
        """What a tab on ``page`` would get if it reloaded now; a redirect or refusal counts as its own body."""
        status, target, body = self.lookup(page)
        if body is not None:
            return body
        return f"{status} {target.kind} {target.location or ''}".encode()

    def open_tab(self, page: str, version: str) -> Tab:
        """Register a live-reload connection; tell it at once if its page changed since it was loaded."""
        with self.builder.reading(self.request_wait), self._tabs_lock:
            body = self.page_body(page)
            tab = Tab(page, body)
            if digest(body) != version:
                tab.send("reload", {})
            elif problems := self.problems():
                tab.send("problems", problems_json(problems))
            self._tabs.add(tab)
        return tab

    def close_tab(self, tab: Tab) -> None:
        with self._tabs_lock:
            self._tabs.discard(tab)


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000, port_explicit: bool = False, drafts: bool = True,
          open_browser: bool = False, poll: bool = False, echo: Callable[[str], None],
          stop: threading.Event | None = None, on_ready: Callable[[DevServer], None] | None = None) -> int:
    """Run the dev server until SIGINT/SIGTERM (or ``stop`` is set); returns the exit code.

    ``echo`` receives every line the terminal should show. ``on_ready`` gets the running server
    (tests use it to learn the port and temp folder).
    """
    stop = stop or threading.Event()
    try:
        dev = DevServer(root, host=host, port=port, port_explicit=port_explicit, drafts=drafts, poll=poll, echo=echo)
    except OSError as exc:
        echo(f"blogen: cannot create a temporary folder: {exc}")
        return 1
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        def on_signal(signum: int, _frame: FrameType | None) -> None:
            stop.set()
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        try:
            dev.start()
        except PortBusy as exc:
            echo(f"blogen: {exc}")
            return 1
        except OSError as exc:
            echo(f"blogen: cannot listen on {host}:{port}: {exc.strerror or exc}")
            return 1
        while not dev.wait_first_build(0.1):
            if stop.is_set():
                return 0
        echo(f"Serving {dev.url}")
        if open_browser:
            with contextlib.suppress(Exception):
                webbrowser.open(dev.url)
        if on_ready is not None:
            on_ready(dev)
        while not stop.wait(0.2):
            pass
        return 0
    finally:
        dev.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
