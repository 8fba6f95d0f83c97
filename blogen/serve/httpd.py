"""HTTP for the dev server: the one request-path resolver, Host/Origin checks, and the request handler.

Kept apart from the server's moving parts (builds, watching, tabs) so the rules that keep a request
inside the served folder and away from other sites can be read, and tested, in one place. The
handler asks a ``DevSite`` what a path serves; it never touches the file system except to send a
file the resolver chose.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import mimetypes
import os
import queue
import re
import shutil
import socket
import sys
from contextlib import AbstractContextManager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from blogen.core.errors import Problem
from blogen.serve.livereload import EVENTS_PATH, digest, inject, reload_script

log = logging.getLogger(__name__)
PING_EVERY = 15.0  # SSE comment lines, so dead connections are noticed

_ENCODED = re.compile(r"%[0-9a-fA-F]{2}")
_HOST = re.compile(r"^(?P<name>\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(?::(?P<port>[0-9]{1,5}))?$")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
NAME_MAX = 255  # bytes in one file name, on every common file system
# Files in the served folder that are bookkeeping, not site.
HIDDEN_FILES = frozenset({".blogen-output"})

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}


@dataclass(frozen=True, slots=True)
class Target:
    """Where a request path leads: a file to send, a redirect, or a refusal with its status."""

    kind: Literal["file", "redirect", "missing", "forbidden", "bad"]
    file: Path | None = None
    location: str | None = None


def content_type(path: Path) -> str:
    """The Content-Type for a served file; HTML and text always say UTF-8 (blogen writes nothing else)."""
    suffix = path.suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _encoding = mimetypes.guess_type(path.name, strict=False)
    return guessed or "application/octet-stream"


def resolve_path(served: Path, raw: str) -> Target:
    """Map a request target (``/posts/x/?q``) to a file under ``served``, or say why not.

    The path is percent-decoded exactly once. Anything that could mean a different path to another
    decoder is refused rather than guessed at: NUL, backslashes, ``.``/``..`` segments, and a decoded
    path that still holds a ``%xx`` escape (``%252e`` tricks). The final file is resolved through
    symlinks and must lie inside the served folder. Folders need a trailing slash (301) and an
    ``index.html`` (there are no listings).
    """
    parts = urlsplit(raw)
    path_raw = parts.path
    if not path_raw.startswith("/"):
        return Target("bad")
    try:
        path = unquote(path_raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return Target("bad")
    if "\0" in path or "\\" in path or _ENCODED.search(path):
        return Target("bad")
    segments = path.split("/")[1:]
    if any(s in (".", "..") for s in segments):
        return Target("bad")
    names = [s for s in segments if s]
    if any(n in HIDDEN_FILES for n in names):
        return Target("missing")
    if any(len(os.fsencode(n)) > NAME_MAX for n in names):
        return Target("missing")  # no file can have such a name; the file system would refuse to look
    base = served.resolve()
    candidate = base.joinpath(*names) if names else base
    try:
        real = candidate.resolve()
    except (OSError, RuntimeError):  # symlink loops
        return Target("forbidden")
    if real != base and base not in real.parents:
        return Target("forbidden")
    try:
        return _file_or_folder(base, real, path_raw, parts.query)
    except (OSError, ValueError):  # a path too long, or otherwise one the file system will not look up
        return Target("missing")


def _file_or_folder(base: Path, real: Path, path_raw: str, query: str) -> Target:
    if real.is_dir():
        if not path_raw.endswith("/"):
            return Target("redirect", location=f"{path_raw}/{'?' + query if query else ''}")
        index = (real / "index.html").resolve()
        if base not in index.parents:
            return Target("forbidden")
        return Target("file", index) if index.is_file() else Target("missing")
    if real.is_file():
        return Target("file", real)
    return Target("missing")


def is_loopback(host: str) -> bool:
    """True when binding ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_allowed(header: str | None) -> bool:
    """A Host header naming this machine: ``localhost`` or any loopback address written as such
    (``127.0.0.1``, ``[::1]``, or ``127.0.0.2`` when the server was told to bind that), any port.

    Refusing other names while bound to loopback defeats DNS rebinding: a page on evil.example whose
    name is made to resolve to 127.0.0.1 sends ``Host: evil.example``. An address written as such
    cannot be rebound, so every loopback address is as safe as the one bound.
    """
    if header is None:
        return False
    m = _HOST.match(header.strip().lower())
    if m is None:
        return False
    name = m.group("name").rstrip(".")
    if name in LOOPBACK_NAMES:
        return True
    if not (name.startswith("[") or name.replace(".", "").isdigit()):
        return False  # only an address written in full, never a name
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def origin_allowed(origin: str | None, host_header: str | None, *, loopback: bool) -> bool:
    """May a page from ``origin`` open the live-reload channel? Same-origin requests send none."""
    if origin is None:
        return True
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    if loopback:
        return host_allowed(parts.netloc)
    return host_header is not None and parts.netloc == host_header.strip().lower()


class Tab:
    """One open live-reload connection: the page it shows and the bytes it was last in step with."""

    def __init__(self, page: str, body: bytes) -> None:
        self.page = page
        self.body = body
        self.messages: queue.Queue[str | None] = queue.Queue()

    def send(self, event: str, data: object) -> None:
        self.messages.put(f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n")

    def end(self) -> None:
        self.messages.put(None)


class DevSite(Protocol):
    """What the handler needs from the dev server."""

    loopback: bool
    request_wait: float

    def reading(self, timeout: float) -> AbstractContextManager[bool]: ...
    def lookup(self, raw: str) -> tuple[int, Target, bytes | None]: ...
    def problems(self) -> tuple[Problem, ...]: ...
    def open_tab(self, page: str, version: str) -> Tab: ...
    def close_tab(self, tab: Tab) -> None: ...


class DevHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], site: DevSite) -> None:
        self.site = site
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log instead of printing to stderr: a tab closed mid-response is routine, anything else a bug."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            log.debug("connection from %s ended: %s", client_address, exc)
        else:  # one line, as the command line reports a bug; the traceback only with -v
            log.error("error while answering %s: %s: %s", client_address[0], type(exc).__name__, exc,
                      exc_info=log.isEnabledFor(logging.DEBUG))


class DevHTTPServer6(DevHTTPServer):
    address_family = socket.AF_INET6


def make_http_server(host: str, port: int, site: DevSite) -> DevHTTPServer:
    """Bind ``host:port`` (IPv6 when the host is an IPv6 address); raises OSError as ``bind`` does."""
    cls = DevHTTPServer6 if ":" in host else DevHTTPServer
    return cls((host.strip("[]"), port), site)


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD of the built site, plus the live-reload event stream."""

    server: DevHTTPServer
    server_version = "blogen-serve"
    answered = False  # a status line went out for the current request
    timeout = 60  # drop connections that never send a request; event streams only write after that
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _refuse(self, status: int, text: str) -> None:
        body = f"{status} {text}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_response(self, code: int, message: str | None = None) -> None:
        self.answered = True
        super().send_response(code, message)

    def handle_one_request(self) -> None:
        """As http.server does, but a TLS handshake (someone opened https://) gets a plain-HTTP 400 at
        once, where it would otherwise wait a minute for a request line that never comes."""
        peek = getattr(self.rfile, "peek", None)  # a buffered socket file has it
        try:
            first = peek(1)[:1] if peek is not None else b""
        except OSError:
            first = b""
        if first == b"\x16":  # the first byte of a TLS record: a handshake
            self.close_connection = True
            self.request_version, self.requestline, self.command = "HTTP/1.0", "", ""
            self._refuse(400, "Bad Request: this dev server speaks plain HTTP; open http://, not https://")
            return
        super().handle_one_request()

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        """Answer the request; a bug while answering still gets an answer (500), never a dropped connection."""
        self.answered = False
        try:
            self._answer()
        except OSError:
            raise  # the client went away: nobody to answer
        except Exception:
            if not self.answered:
                self._refuse(500, "Internal Server Error")
            raise

    def _answer(self) -> None:
        dev = self.server.site
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1:  # which one is meant? (RFC 9112 says: refuse)
            self._refuse(400, "Bad Request: more than one Host header")
            return
        # A request target in absolute form names its host itself, which then counts as the Host.
        named = urlsplit(self.path).netloc if not self.path.startswith("/") else ""
        if dev.loopback and not (host_allowed(self.headers.get("Host")) and (not named or host_allowed(named))):
            self._refuse(403, "Forbidden: this dev server only answers to localhost and loopback addresses (127.0.0.1, [::1])")
            return
        if urlsplit(self.path).path == EVENTS_PATH:
            self._events(dev)
            return
        with dev.reading(dev.request_wait):
            self._send(dev)

    def _send(self, dev: DevSite) -> None:
        status, target, body = dev.lookup(self.path)
        if status in (400, 403):
            self._refuse(status, "Bad Request" if status == 400 else "Forbidden")
            return
        if status == 301 and target.location is not None:
            self.send_response(301)
            self.send_header("Location", target.location)
            self.send_header("Content-Length", "0")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            return
        if body is not None:
            page = urlsplit(self.path).path
            data = inject(body, reload_script(page, digest(body), dev.problems()))
            self._start(status, "text/html; charset=utf-8", len(data))
            if self.command != "HEAD":
                self.wfile.write(data)
            return
        assert target.file is not None
        try:
            with target.file.open("rb") as f:
                size = f.seek(0, 2)
                f.seek(0)
                self._start(status, content_type(target.file), size)
                if self.command != "HEAD":
                    shutil.copyfileobj(f, self.wfile)
        except OSError as exc:
            log.debug("cannot send %s: %s", target.file, exc)

    def _start(self, status: int, ctype: str, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()

    def _start_events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _events(self, dev: DevSite) -> None:
        """The live-reload channel: Server-Sent Events until the tab goes away or the server stops."""
        if not origin_allowed(self.headers.get("Origin"), self.headers.get("Host"), loopback=dev.loopback):
            self._refuse(403, "Forbidden: foreign origin")
            return
        query = parse_qs(urlsplit(self.path).query)
        page = query.get("page", ["/"])[0]
        version = query.get("v", [""])[0]
        if self.command == "HEAD":
            self._start_events()
            return
        self.close_connection = True
        # Registered before the headers go out: once a client sees them, it hears of every later build.
        tab = dev.open_tab(page, version)
        try:
            self._start_events()
            self.wfile.write(b"retry: 1000\n\n")
            while True:
                try:
                    message = tab.messages.get(timeout=PING_EVERY)
                except queue.Empty:
                    self.wfile.write(b": ping\n\n")
                    continue
                if message is None:
                    return
                self.wfile.write(message.encode())
        except OSError:
            return  # the tab went away
        finally:
            dev.close_tab(tab)
