"""Save-to-rebuilt latency of ``blogen serve`` on a benchmark site.

Two measurements, each ``n`` times, one edit at a time (the next edit waits until the previous one is
served and the server has been quiet for ``SETTLE`` s):

* **save → served**: append a sentence to one post, note the time just after the file is closed, then
  poll the post's URL every ``POLL`` s until the body contains the sentence. This is "save → rebuilt",
  as a client that asks sees it (the server holds requests while a build runs, so a poll lands
  right after the build). It includes the watcher's debounce.
* **save → shown in Chromium**: a real headless Chromium tab (Playwright, Debian's chromium) has
  the post open; after each save the tab is polled until its rendered text contains the sentence.
* **save → browser** (simulated): what an open tab does. Before the edit, load the page, read the
  live-reload script's ``cfg`` (``page``, ``v``) and open the Server-Sent Events channel as the
  script does; after the edit wait for the ``reload`` event, then fetch the page again (the script's
  ``location.reload()``) and check the sentence is in it. The time to the event and to the fetched
  page are both reported; a real browser adds parsing and painting the page on top.

If ``blogen serve`` is not there (``blogen serve --help`` fails), everything is skipped with a note.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from measure import tool_env

POLL = 0.002
SETTLE = 0.4
EDIT_TIMEOUT = 30.0
START_TIMEOUT = 600.0


@dataclass
class ServeResult:
    available: bool
    note: str = ""
    posts: int = 0
    served: list[float] = field(default_factory=list)  # save → page served with the edit (s)
    event: list[float] = field(default_factory=list)  # save → live-reload "reload" event (s)
    browser: list[float] = field(default_factory=list)  # save → reloaded page fetched (s)
    chromium: list[float] = field(default_factory=list)  # save → the text shown in a real Chromium tab (s)
    first_build: float = 0.0  # start → first "Serving" (s)
    restart: float = 0.0  # a second server on the same address, after the first stopped: start → the page served (s)

    def median(self, name: str) -> float | None:
        values = getattr(self, name)
        return statistics.median(values) if values else None


CHROMIUM = os.environ.get("BENCH_CHROMIUM", "/usr/bin/chromium")
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"]


def _measure_chromium(result: ServeResult, url: str, post_source: Path, n: int, log=print) -> None:
    """3. save → the new text is in the page a real (headless) Chromium tab shows, reloaded by blogen's script.

    The tab is polled from here every few milliseconds with ``document.body.innerText``, which
    needs layout, so the time includes the reload, parsing, style and layout of the new page
    (not the paint itself, which headless Chromium does not wait for). Skipped with a note when
    Playwright or Chromium is missing.
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        result.note = (result.note + "; " if result.note else "") + "playwright not installed: Chromium latency not measured"
        return
    if not Path(CHROMIUM).exists():
        result.note = (result.note + "; " if result.note else "") + f"no {CHROMIUM}: Chromium latency not measured"
        return
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROME_FLAGS)
        try:
            page = browser.new_page()
            page.goto(url)
            page.wait_for_load_state("load")
            time.sleep(SETTLE)
            for i in range(n):
                token = f"Chromium edit {i} {uuid.uuid4().hex[:12]}"

                def shown(token: str = token) -> bool:
                    try:
                        return bool(page.evaluate("t => !!document.body && document.body.innerText.includes(t)", token))
                    except PlaywrightError:  # the page is being replaced by the reload
                        return False

                result.chromium.append(_time_until_seen(post_source, token, shown, f"edit {i} not shown in Chromium"))
                time.sleep(SETTLE)
        finally:
            browser.close()
    log(f"serve: save → shown in Chromium median {statistics.median(result.chromium) * 1000:.0f} ms over {n}")


def _time_until_seen(post_source: Path, token: str, seen: Callable[[], bool], what: str) -> float:
    """Append a sentence holding ``token`` to the post, then ask ``seen`` every ``POLL`` s until it
    says yes: the seconds from the save. Both measures that poll (HTTP and Chromium) go through here."""
    t0 = _append(post_source, f"\n\n{token}.\n")
    while True:
        ok = seen()
        now = time.perf_counter()
        if ok:
            return now - t0
        if now - t0 > EDIT_TIMEOUT:
            raise RuntimeError(f"serve: {what} within {EDIT_TIMEOUT} s")
        time.sleep(POLL)


def serve_available(blogen: str) -> tuple[bool, str]:
    try:
        proc = subprocess.run([blogen, "serve", "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"serve not available ({exc})"
    if proc.returncode != 0:
        return False, "serve not available: `blogen serve --help` fails (" + \
            (proc.stderr.strip().splitlines() or ["no output"])[-1] + ")"
    if "--port" not in proc.stdout:
        return False, "serve not available: `blogen serve --help` lists no --port option"
    return True, ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(host: str, port: int, path: str, timeout: float = EDIT_TIMEOUT) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": f"{host}:{port}"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _append(path: Path, text: str) -> float:
    """Append and close (the editor's save); returns the time just after."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)
    return time.perf_counter()


class _Events:
    """One SSE connection, as the live-reload script opens it; records when each event arrives."""

    def __init__(self, host: str, port: int, page: str, version: str) -> None:
        self.events: list[tuple[str, float]] = []
        self.cond = threading.Condition()
        self.sock = socket.create_connection((host, port), timeout=EDIT_TIMEOUT + 5)
        path = f"/__blogen/events?page={quote(page, safe='')}&v={quote(version, safe='')}"
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
                          f"Origin: http://{host}:{port}\r\n\r\n".encode())
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return
                now = time.perf_counter()
                buf += chunk
                while b"\n\n" in buf:
                    block, buf = buf.split(b"\n\n", 1)
                    for line in block.split(b"\n"):
                        if line.startswith(b"event:"):
                            with self.cond:
                                self.events.append((line[6:].strip().decode(), now))
                                self.cond.notify_all()
        except OSError:
            return

    def wait_for(self, name: str, timeout: float) -> float | None:
        end = time.perf_counter() + timeout
        with self.cond:
            while True:
                for ev, t in self.events:
                    if ev == name:
                        return t
                left = end - time.perf_counter()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


_CFG = re.compile(r"var cfg = (\{.*?\});\s*\n")


def measure_serve(blogen: str, site_root: Path, post_source: Path, page_path: str, posts: int, n: int,
                  log=print) -> ServeResult:
    """A session of edits in one server, then the start of a second server on the same address
    (``blogen serve`` starts from what the last server left)."""
    ok, note = serve_available(blogen)
    if not ok:
        return ServeResult(False, note, posts)
    port = _free_port()
    result = _session(blogen, site_root, post_source, page_path, posts, n, port, log)
    if result.available:
        result.restart = _restart(blogen, site_root, page_path, port)
        log(f"serve: a second server, start → page served {result.restart:.2f} s")
    return result


def _restart(blogen: str, site_root: Path, page_path: str, port: int) -> float:
    """Start ``blogen serve`` on ``port`` and time it until ``page_path`` is served (then stop it)."""
    start = time.perf_counter()
    proc = subprocess.Popen([blogen, "serve", "--root", str(site_root), "--port", str(port)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=tool_env())
    try:
        while time.perf_counter() - start < START_TIMEOUT:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if _get("127.0.0.1", port, page_path, timeout=START_TIMEOUT)[0] == 200:
                    return time.perf_counter() - start
            if proc.poll() is not None:
                break
            time.sleep(POLL)
        return float("nan")
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[Any]) -> None:
    """Stop a server started in its own process group: Ctrl-C as a user would, then a kill if it hangs."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _session(blogen: str, site_root: Path, post_source: Path, page_path: str, posts: int, n: int, port: int,
             log=print) -> ServeResult:
    result = ServeResult(True, "", posts)
    host = "127.0.0.1"
    cmd = [blogen, "serve", "--root", str(site_root), "--port", str(port)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True, env=tool_env())
    lines: list[str] = []
    served = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            m = re.search(r"Serving (https?://\S+)", line)
            if m:
                nonlocal port
                port = urlsplit(m.group(1)).port or port
                served.set()

    threading.Thread(target=reader, daemon=True).start()
    try:
        # ready when it prints "Serving http://…", or (should that line change) when "/" answers 200
        next_probe = time.perf_counter() + 1.0
        while not served.wait(0.05):
            if proc.poll() is not None:
                return ServeResult(False, "serve exited before serving: " + " | ".join(lines[-5:]), posts)
            if time.perf_counter() - start > START_TIMEOUT:
                return ServeResult(False, "serve did not start within the timeout", posts)
            if time.perf_counter() >= next_probe:
                with contextlib.suppress(OSError, http.client.HTTPException):
                    if _get(host, port, "/", timeout=2.0)[0] == 200:
                        break
                next_probe = time.perf_counter() + 1.0
        result.first_build = time.perf_counter() - start
        status, _ = _get(host, port, page_path)
        if status != 200:
            return ServeResult(False, f"serve answered {status} for {page_path}", posts)
        time.sleep(SETTLE)

        # 1. save → served, by polling the page
        for i in range(n):
            token = f"Served edit {i} {uuid.uuid4().hex[:12]}"

            def served_page(token: str = token) -> bool:
                status, body = _get(host, port, page_path)
                return status == 200 and token.encode() in body

            result.served.append(_time_until_seen(post_source, token, served_page, f"edit {i} not served"))
            time.sleep(SETTLE)
        log(f"serve: save → served median {statistics.median(result.served) * 1000:.0f} ms over {n}")

        # 2. save → live-reload event → page fetched again (a browser tab, without the painting)
        for i in range(n):
            status, body = _get(host, port, page_path)
            m = _CFG.search(body.decode("utf-8", "replace"))
            if status != 200 or m is None:
                result.note = "live-reload script not found in the served page; save → browser not measured"
                break
            cfg = json.loads(m.group(1))
            events = _Events(host, port, cfg.get("page", page_path), cfg.get("v", ""))
            try:
                time.sleep(0.05)  # let the server register the tab
                token = f"Browser edit {i} {uuid.uuid4().hex[:12]}"
                t0 = _append(post_source, f"\n\n{token}.\n")
                t_event = events.wait_for("reload", EDIT_TIMEOUT)
                if t_event is None:
                    raise RuntimeError(f"serve: no reload event within {EDIT_TIMEOUT} s (events: {events.events})")
                status, body = _get(host, port, page_path)
                t_page = time.perf_counter()
                if token.encode() not in body:
                    raise RuntimeError("serve: the page fetched after the reload event lacks the edit")
                result.event.append(t_event - t0)
                result.browser.append(t_page - t0)
            finally:
                events.close()
            time.sleep(SETTLE)
        if result.browser:
            log(f"serve: save → reload event median {statistics.median(result.event) * 1000:.0f} ms, "
                f"→ page fetched {statistics.median(result.browser) * 1000:.0f} ms over {len(result.browser)}")
        _measure_chromium(result, f"http://{host}:{port}{page_path}", post_source, n, log)
        return result
    finally:
        _stop(proc)
