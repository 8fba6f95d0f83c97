"""The dev server over real sockets on 127.0.0.1: safety of paths and hosts, waiting, errors, life cycle."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from conftest import write_site

from blogen.build.pipeline import BuildReport, build_site
from blogen.output.record import spare_path
from blogen.serve.httpd import host_allowed, resolve_path
from blogen.serve.livereload import page_update, stylesheet_hrefs, without_stylesheet_hrefs
from blogen.serve.loop import BuildOutcome
from blogen.serve.server import DevServer, PortBusy, serve

DEADLINE = 10.0

SITE = """\
-- content/posts/alpha.md --
---
title: Alpha
date: 2024-01-10
tags: [one]
---
Alpha body text.
-- content/posts/beta.md --
---
title: Beta
date: 2024-02-10
tags: [two]
---
Beta body text.
-- content/about.md --
---
title: About
---
About this site.
-- theme/static/style.css --
body { color: rgb(1, 2, 3); }
"""

BROKEN_ALPHA = "---\ntitle: Alpha\ndate: 2024-01-10\ntags: [one\n---\nAlpha body text.\n"


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(port: int, path: str, *, method: str = "GET", host: str | None = "default",
            headers: dict[str, str] | None = None) -> Response:
    """One raw request: the path goes out exactly as given (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE * 2)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if host == "default":
            conn.putheader("Host", f"127.0.0.1:{port}")
        elif host is not None:
            conn.putheader("Host", host)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


class Events:
    """A live-reload connection read line by line, like a tab's EventSource."""

    def __init__(self, port: int, page: str, version: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
        self.sock.sendall(f"GET /__blogen/events?page={page}&v={version} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode())
        self.file = self.sock.makefile("rb")
        self.status = int(self.file.readline().split()[1])
        while self.file.readline() not in (b"\r\n", b"\n", b""):
            pass

    def next_event(self) -> tuple[str, str]:
        """The next ``event:``/``data:`` pair (skipping retry and ping lines); waits up to the socket timeout."""
        event, data = "", ""
        while True:
            line = self.file.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and event:
                return event, data
            elif line == "" and not self.file.peek(1):
                raise AssertionError("event stream closed")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., tuple[DevServer, list[str]]]]:
    servers: list[DevServer] = []

    def start(spec: str = SITE, *, wait: bool = True, **kw: Any) -> tuple[DevServer, list[str]]:
        root = write_site(tmp_path / "site", spec)
        lines: list[str] = []
        kw.setdefault("port", 0)
        dev = DevServer(root, echo=lines.append, **kw)
        servers.append(dev)
        dev.start()
        if wait:
            assert dev.wait_first_build(DEADLINE * 3)
        return dev, lines

    yield start
    for dev in servers:
        dev.close()


def version_of(dev: DevServer, page: str) -> str:
    m = re.search(r'"v": "([0-9a-f]+)"', request(dev.port, page).text)
    assert m is not None
    return m.group(1)


def builds(dev: DevServer) -> int:
    outcome = dev.builder.outcome
    return 0 if outcome is None else outcome.generation


# --- paths ----------------------------------------------------------------------------------------


def test_traversal_probes_never_reach_outside(make_server: Callable[..., tuple[DevServer, list[str]]], tmp_path: Path) -> None:
    dev, _ = make_server()
    secret = "TOP-SECRET-CONTENT"
    (dev.served.parent / "secret.txt").write_text(secret)  # beside the served folder
    (tmp_path / "secret.txt").write_text(secret)
    (dev.served / "link.txt").symlink_to(tmp_path / "secret.txt")
    (dev.served / "linkdir").symlink_to(dev.served.parent, target_is_directory=True)
    probes = [
        "/../secret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt", "/posts/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt", "/%5c..%5csecret.txt", "/%252e%252e/secret.txt", "/%252e%252e%252fsecret.txt",
        "/secret.txt%00.html", "/%00", "/link.txt", "/linkdir/secret.txt", "/linkdir/", "//../secret.txt",
        "/./secret.txt", "/posts/../../secret.txt", "/%c0%ae%c0%ae/secret.txt",
    ]
    for probe in probes:
        resp = request(dev.port, probe)
        assert secret not in resp.text, probe
        assert resp.status in (400, 403, 404), (probe, resp.status)
    assert request(dev.port, "/link.txt").status == 403


def test_resolver_rules(tmp_path: Path) -> None:
    served = tmp_path / "out"
    (served / "posts" / "a").mkdir(parents=True)
    (served / "posts" / "a" / "index.html").write_text("a")
    (served / "empty").mkdir()
    assert resolve_path(served, "/posts/a/").file == (served / "posts/a/index.html").resolve()
    assert resolve_path(served, "/posts/a?x=1").location == "/posts/a/?x=1"
    assert resolve_path(served, "/empty/").kind == "missing"  # no directory listings
    assert resolve_path(served, "/posts/%2e%2e/").kind == "bad"
    assert resolve_path(served, "/%252e%252e/").kind == "bad"
    assert resolve_path(served, "/.blogen-output").kind == "missing"


def test_host_header_is_checked_on_loopback(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    dev, _ = make_server()
    p = dev.port
    for host in ["localhost", f"localhost:{p}", "127.0.0.1", f"127.0.0.1:{p}", "[::1]", f"[::1]:{p}", "LOCALHOST"]:
        assert request(dev.port, "/", host=host).status == 200, host
    foreign: list[str | None] = ["evil.example", f"evil.example:{p}", "localhost.evil.example", "127.0.0.1.nip.io", "", None]
    for bad in foreign:
        resp = request(dev.port, "/", host=bad)
        assert resp.status == 403, bad
        assert "Alpha" not in resp.text
    assert not host_allowed("localhost:80:80")


def test_foreign_origin_cannot_open_the_event_channel(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    dev, _ = make_server()
    resp = request(dev.port, "/__blogen/events?page=/", headers={"Origin": "http://evil.example"})
    assert resp.status == 403
    resp = request(dev.port, "/__blogen/events?page=/", headers={"Origin": "null"})
    assert resp.status == 403
    resp = request(dev.port, "/__blogen/events?page=/", method="HEAD", headers={"Origin": f"http://localhost:{dev.port}"})
    assert resp.status == 200
    assert resp.headers["content-type"].startswith("text/event-stream")


# --- responses ------------------------------------------------------------------------------------


def test_script_only_in_html_responses(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    dev, _ = make_server()
    page = request(dev.port, "/posts/alpha/")
    assert page.status == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text.count("data-blogen-live-reload") == 1
    assert page.text.index("data-blogen-live-reload") < page.text.rindex("</body>")
    for path in dev.served.rglob("*"):
        if path.is_file():
            assert b"blogen-live-reload" not in path.read_bytes() and b"EventSource" not in path.read_bytes(), path
    (css,) = stylesheet_hrefs(page.body)
    sheet = request(dev.port, urljoin("/posts/alpha/", css))  # the theme may link relatively
    assert sheet.status == 200
    assert sheet.headers["content-type"] == "text/css; charset=utf-8"
    assert b"rgb(1, 2, 3)" in sheet.body and b"<script" not in sheet.body
    assert request(dev.port, "/feed.xml").headers["content-type"] == "application/xml"
    assert request(dev.port, "/favicon.svg").headers["content-type"] == "image/svg+xml"


def test_head_404_no_store_and_redirect(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    dev, _ = make_server()
    get = request(dev.port, "/posts/alpha/")
    head = request(dev.port, "/posts/alpha/", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.body))
    missing = request(dev.port, "/no/such/page/")
    assert missing.status == 404
    assert "Page not found" in missing.text and "data-blogen-live-reload" in missing.text
    assert request(dev.port, "/posts/").status == 404  # a folder without index.html: no listing
    moved = request(dev.port, "/posts/alpha?x=1")
    assert moved.status == 301 and moved.headers["location"] == "/posts/alpha/?x=1"
    for resp in (get, head, missing, moved, request(dev.port, "/", host="evil.example"), request(dev.port, "/favicon.svg")):
        assert resp.headers["cache-control"] == "no-store"


def test_page_update_rules() -> None:
    old = b'<link rel="stylesheet" href="/style.aaa.css"><p>x</p>'
    new = b'<link rel="stylesheet" href="/style.bbb.css"><p>x</p>'
    assert without_stylesheet_hrefs(old) == without_stylesheet_hrefs(new)
    assert page_update(old, new, ["style.bbb.css"]).action == "css"
    assert page_update(old, new, []).sheets == ("/style.bbb.css",)
    assert page_update(old, new.replace(b"x", b"y"), []).action == "reload"
    assert page_update(old, old, ["posts/b/index.html"]).action == "none"
    assert page_update(old, old, ["extra.css"]).bust
    assert page_update(b'<img src="a.png">', b'<img src="a.png">', ["posts/x/a.png"]).action == "reload"


# --- building -------------------------------------------------------------------------------------


def test_requests_wait_for_a_running_build(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    entered, release = threading.Event(), threading.Event()
    hold = threading.Event()

    def held_build(root: Path, **kw: Any) -> BuildReport:
        if hold.is_set():
            entered.set()
            assert release.wait(DEADLINE * 2)
        return build_site(root, **kw)

    dev, _ = make_server(build_function=held_build)
    hold.set()
    (dev.root / "content/posts/alpha.md").write_text("---\ntitle: Alpha\ndate: 2024-01-10\n---\nFresh words.\n")
    assert entered.wait(DEADLINE)
    got: list[Response] = []
    done = threading.Event()

    def fetch() -> None:
        got.append(request(dev.port, "/posts/alpha/"))
        done.set()

    threading.Thread(target=fetch, daemon=True).start()
    assert not done.wait(0.5), "a request was answered while the build was running"
    release.set()
    assert done.wait(DEADLINE)
    assert got[0].status == 200 and "Fresh words." in got[0].text


def test_changes_during_a_build_queue_exactly_one_more(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    entered, release = threading.Event(), threading.Event()
    hold = threading.Event()
    running = threading.Lock()
    overlaps: list[int] = []

    def held_build(root: Path, **kw: Any) -> BuildReport:
        if not running.acquire(blocking=False):
            overlaps.append(1)
            running.acquire()
        try:
            if hold.is_set():
                hold.clear()
                entered.set()
                assert release.wait(DEADLINE * 2)
            return build_site(root, **kw)
        finally:
            running.release()

    dev, _ = make_server(build_function=held_build)
    start = builds(dev)
    hold.set()
    dev.builder.request(frozenset({"x"}))
    assert entered.wait(DEADLINE)
    for i in range(5):
        dev.builder.request(frozenset({f"y{i}"}))
    release.set()
    wait_until(lambda: builds(dev) >= start + 2 and dev.builder.wait_idle(0), "two builds")
    assert builds(dev) == start + 2
    assert not overlaps


def test_error_overlay_and_recovery(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    dev, lines = make_server()
    post = dev.root / "content/posts/alpha.md"
    events = Events(dev.port, "/posts/alpha/", version_of(dev, "/posts/alpha/"))
    try:
        post.write_text(BROKEN_ALPHA)
        assert events.next_event()[0] == "problems"
        page = request(dev.port, "/posts/alpha/")
        assert page.status == 200 and "Alpha body text." in page.text  # the last good page ...
        assert "content/posts/alpha.md:5: YAML syntax error" in page.text  # ... with the errors over it
        assert any(line.startswith("content/posts/alpha.md:5: YAML syntax error") for line in lines)
        assert any(line.startswith("build failed") for line in lines)
        post.write_text("---\ntitle: Alpha\ndate: 2024-01-10\ntags: [one]\n---\nAlpha mended.\n")
        assert events.next_event()[0] == "ok"
        assert events.next_event()[0] == "reload"
    finally:
        events.close()
    page = request(dev.port, "/posts/alpha/")
    assert "Alpha mended." in page.text and '"problems": []' in page.text


def test_unexpected_exception_is_reported_and_survived(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    boom = threading.Event()

    def flaky(root: Path, **kw: Any) -> BuildReport:
        if boom.is_set():
            raise ZeroDivisionError("kaboom")
        return build_site(root, **kw)

    dev, lines = make_server(build_function=flaky)
    start = builds(dev)
    boom.set()
    dev.builder.request()
    wait_until(lambda: builds(dev) > start and dev.builder.wait_idle(0), "the crashing build")
    page = request(dev.port, "/")
    assert page.status == 200 and "ZeroDivisionError: kaboom" in page.text and "bug in blogen" in page.text
    assert any("internal error: ZeroDivisionError: kaboom" in line for line in lines)
    boom.clear()
    dev.builder.request()
    wait_until(lambda: builds(dev) > start + 1 and dev.builder.wait_idle(0), "the next build")
    assert '"problems": []' in request(dev.port, "/").text


def test_broken_site_at_start_serves_an_error_page(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    dev, lines = make_server(SITE.replace("tags: [one]", "tags: [one"))
    page = request(dev.port, "/posts/alpha/")
    assert page.status == 500
    assert "content/posts/alpha.md:5: YAML syntax error" in page.text
    assert "data-blogen-live-reload" in page.text
    assert any("no page to show" in line for line in lines)
    events = Events(dev.port, "/posts/alpha/", version_of(dev, "/posts/alpha/"))
    try:
        event, data = events.next_event()  # a tab that connects is told the current errors at once
        assert event == "problems" and "content/posts/alpha.md" in data
        (dev.root / "content/posts/alpha.md").write_text("---\ntitle: Alpha\ndate: 2024-01-10\n---\nNow fine.\n")
        assert events.next_event() == ("ok", "{}")
        assert events.next_event()[0] == "reload"
    finally:
        events.close()
    assert "Now fine." in request(dev.port, "/posts/alpha/").text


def test_reload_only_for_changed_pages_and_css_swap(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    dev, lines = make_server()
    alpha = Events(dev.port, "/posts/alpha/", version_of(dev, "/posts/alpha/"))
    beta = Events(dev.port, "/posts/beta/", version_of(dev, "/posts/beta/"))
    try:
        (dev.root / "content/posts/alpha.md").write_text("---\ntitle: Alpha\ndate: 2024-01-10\ntags: [one]\n---\nEdited.\n")
        assert alpha.next_event() == ("ok", "{}")
        assert alpha.next_event()[0] == "reload"
        assert beta.next_event() == ("ok", "{}")  # beta's page did not change: no reload for it
        # The terminal says how each build went, and why a full one was full.
        assert re.match(r"rebuilt in \d+ ms: \d+ files? changed.*; (patched 1 post: content/posts/alpha.md|full build: .+)$",
                        lines[-1]), lines[-1]
        (dev.root / "theme/static/style.css").write_text("body { color: rgb(9, 9, 9); }\n")
        assert beta.next_event() == ("ok", "{}")
        event, data = beta.next_event()
        assert event == "css" and "style." in data
        assert re.match(r"rebuilt in \d+ ms: \d+ files changed.*; full build: theme changed: theme/static/style.css$", lines[-1]), \
            lines[-1]
    finally:
        alpha.close()
        beta.close()


def test_a_jetbrains_safe_write_is_one_rebuild_and_its_temporaries_none(
        make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    dev, lines = make_server(SITE + "-- content/static/notes.txt --\nnotes\n")
    first = builds(dev)
    # Temporaries that come and go by themselves, in content/ and theme/: nothing to build.
    for folder in (dev.root / "content/static", dev.root / "theme/static"):
        tmp, old = folder / "notes.txt___jb_tmp___", folder / "notes.txt___jb_old___"
        tmp.write_text("half saved")
        tmp.rename(old)
        old.unlink()
    time.sleep(0.5)  # many times the watcher's quiet time
    assert builds(dev) == first
    alpha = Events(dev.port, "/posts/alpha/", version_of(dev, "/posts/alpha/"))
    try:
        # The save itself, as a JetBrains IDE makes it (write the new text beside the file, move the file
        # away, the new one into place, delete the old): one build, with the new text.
        post = dev.root / "content/posts/alpha.md"
        tmp, old = post.with_name("alpha.md___jb_tmp___"), post.with_name("alpha.md___jb_old___")
        tmp.write_text("---\ntitle: Alpha\ndate: 2024-01-10\ntags: [one]\n---\nSaved by PyCharm.\n")
        post.rename(old)
        tmp.rename(post)
        old.unlink()
        assert alpha.next_event() == ("ok", "{}")
        assert alpha.next_event()[0] == "reload"
    finally:
        alpha.close()
    time.sleep(0.5)
    assert builds(dev) == first + 1
    assert "Saved by PyCharm." in request(dev.port, "/posts/alpha/").text
    assert re.match(r"rebuilt in \d+ ms: .*; (patched 1 post: content/posts/alpha.md|full build: .+)$", lines[-1]), lines[-1]
    assert not [line for line in lines if "jb_" in line]
    assert not [p for p in dev.served.rglob("*") if "jb_" in p.name]


def test_the_first_save_finds_the_folder_its_build_writes_into_readied(
        make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    """A session's first build writes a new folder, which leaves no spare for the next one: the
    first save's build would first link every served file into one (a second at 5,000 posts). The
    server does that while it waits for the save, and the save still serves exactly its change."""
    dev, lines = make_server()
    spare = spare_path(dev.served)

    def inodes(folder: Path) -> dict[str, int]:
        return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()} \
            if folder.is_dir() else {}

    served = inodes(dev.served)
    wait_until(lambda: inodes(spare) == served, "the spare folder, the served files linked into it")
    beta = request(dev.port, "/posts/beta/").text
    post = dev.root / "content/posts/alpha.md"
    post.write_text(post.read_text().replace("Alpha body text.", "Alpha saved once."))
    wait_until(lambda: "Alpha saved once." in request(dev.port, "/posts/alpha/").text, "the saved page")
    assert re.match(r"rebuilt in \d+ ms: .*; patched 1 post: content/posts/alpha.md$", lines[-1]), lines[-1]
    assert request(dev.port, "/posts/beta/").text == beta
    after = inodes(dev.served)
    assert after.keys() == served.keys()
    assert [rel for rel in after if after[rel] != served[rel]] != []  # the changed pages: new files
    assert "Alpha body text." not in request(dev.port, "/posts/alpha/").text


def test_a_shortcode_template_edit_reloads_the_pages_that_use_it(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    spec = SITE.replace("Alpha body text.", "Alpha {{< kbd Ctrl >}} text.") + "-- theme/shortcodes/kbd.html --\n<kbd>{{ get(0) }}</kbd>\n"
    dev, _ = make_server(spec)
    assert "Alpha <kbd>Ctrl</kbd> text." in request(dev.port, "/posts/alpha/").text
    alpha = Events(dev.port, "/posts/alpha/", version_of(dev, "/posts/alpha/"))
    beta = Events(dev.port, "/posts/beta/", version_of(dev, "/posts/beta/"))
    try:
        (dev.root / "theme/shortcodes/kbd.html").write_text("<kbd class=\"key\">{{ get(0) }}</kbd>")
        assert alpha.next_event() == ("ok", "{}")
        assert alpha.next_event()[0] == "reload"
        assert beta.next_event() == ("ok", "{}")  # beta uses no shortcode: its page did not change
        (dev.root / "theme/shortcodes/kbd.html").unlink()  # gone: the page that used it shows the error
        assert alpha.next_event()[0] == "problems"
    finally:
        alpha.close()
        beta.close()
    page = request(dev.port, "/posts/alpha/").text
    assert "Alpha <kbd class=\"key\">Ctrl</kbd> text." in page and "unknown shortcode 'kbd'" in page


def test_a_stale_tab_reloads_when_it_connects(make_server: Callable[..., tuple[DevServer, list[str]]]) -> None:
    dev, _ = make_server()
    events = Events(dev.port, "/posts/alpha/", "0" * 20)
    try:
        assert events.next_event()[0] == "reload"
    finally:
        events.close()


# --- life cycle -----------------------------------------------------------------------------------


def test_busy_port_moves_on_unless_explicit(make_server: Callable[..., tuple[DevServer, list[str]]], tmp_path: Path) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    busy = blocker.getsockname()[1]
    try:
        dev, lines = make_server(port=busy)
        assert dev.port != busy
        assert f"port {busy} is busy; serving on {dev.port} instead" in lines
        assert request(dev.port, "/").status == 200
        with pytest.raises(PortBusy, match=f"port {busy} is busy"):
            make_server(port=busy, port_explicit=True)
        out: list[str] = []
        assert serve(dev.root, port=busy, port_explicit=True, echo=out.append) == 1
        assert any(f"port {busy} is busy" in line for line in out)
    finally:
        blocker.close()


def test_stop_is_quick_and_leaves_its_site_for_the_next_server(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", SITE)
    stop = threading.Event()
    ready: list[DevServer] = []
    lines: list[str] = []
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(serve(root, port=0, echo=lines.append, stop=stop,
                                                                on_ready=ready.append)), daemon=True)
    thread.start()
    wait_until(lambda: bool(ready), "the server to be ready", DEADLINE * 3)
    dev = ready[0]
    assert lines[-1] == f"Serving http://127.0.0.1:{dev.port}/"
    events = Events(dev.port, "/", version_of(dev, "/"))  # an open tab must not keep the server alive
    t0 = time.monotonic()
    stop.set()
    thread.join(2.0)
    assert not thread.is_alive() and time.monotonic() - t0 < 2.0
    assert codes == [0]
    assert dev.served.parent == root.resolve() / ".blogen-cache/serve"  # in the site's cache, for the next server
    assert (dev.served / "index.html").is_file() and (dev.served.parent / f".{dev.served.name}.blogen-record").is_file()
    events.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", dev.port), timeout=1).close()


@contextmanager
def serve_process(root: Path, tmp: Path) -> Iterator[subprocess.Popen[str]]:
    """``serve`` in a real process with its own TMPDIR, yielded once it says it is serving."""
    code = ("import sys; from pathlib import Path; from blogen.serve.server import serve; "
            "sys.exit(serve(Path(sys.argv[1]), port=0, echo=lambda s: print(s, flush=True)))")
    with subprocess.Popen([sys.executable, "-c", code, str(root)], stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "TMPDIR": str(tmp)}) as proc:
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("Serving "):
                    break
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_process_and_leaves_its_site_for_the_next(tmp_path: Path, signum: signal.Signals) -> None:
    root = write_site(tmp_path / "site", SITE)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with serve_process(root, tmp) as proc:
        t0 = time.monotonic()
        proc.send_signal(signum)
        assert proc.wait(timeout=5) == 0
        assert time.monotonic() - t0 < 2.0
    assert list(tmp.iterdir()) == []  # nothing in the system's temporary folder
    (served,) = [p for p in (root / ".blogen-cache/serve").iterdir() if not p.name.startswith(".")]
    assert (served / "index.html").is_file()
    assert (served.parent / f".{served.name}.blogen-record").is_file()


def test_outcome_is_a_value() -> None:
    assert BuildOutcome.__dataclass_params__.frozen  # type: ignore[attr-defined]
