"""Dev server edges: every request gets an HTTP answer, any loopback address it binds is its own
Host, and the temporary folders of killed servers are cleaned up (only those)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import write_site

from blogen.serve import tempdirs
from blogen.serve.server import DevServer

SITE = """\
-- content/posts/alpha.md --
---
title: Alpha
date: 2024-01-10
---
Alpha body text.
"""


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temporary folder, as the dev server sees it, is one of the test's own."""
    top = tmp_path / "systemp"
    top.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(top))
    return top


@pytest.fixture
def server(tmp_path: Path, own_tmp: Path) -> Iterator[DevServer]:
    dev = DevServer(write_site(tmp_path / "site", SITE), port=0)
    dev.start()
    assert dev.wait_first_build(60)
    yield dev
    dev.close()


def _get(host: str, port: int, path: str, host_header: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host_header or f"{host}:{port}")
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/" + "a" * 256, "/" + "a" * 256 + "/", "/posts/" + "%C3%A9" * 200 + "/",
                                  "/" + "/".join(["b" * 200] * 30), "/" + "c" * 60000,
                                  "/" + "d" * 70000])
def test_every_request_gets_an_answer(server: DevServer, path: str) -> None:
    status, body = _get("127.0.0.1", server.port, path)
    assert status in (404, 414), status
    assert body
    assert _get("127.0.0.1", server.port, "/")[0] == 200  # and the server is still there


def test_any_loopback_address_it_was_told_to_bind_is_its_own_host(tmp_path: Path, own_tmp: Path) -> None:
    dev = DevServer(write_site(tmp_path / "site", SITE), host="127.0.0.2", port=0)
    try:
        dev.start()
        assert dev.wait_first_build(60)
        assert dev.url == f"http://127.0.0.2:{dev.port}/"
        assert _get("127.0.0.2", dev.port, "/")[0] == 200
        assert _get("127.0.0.2", dev.port, "/", host_header="127.0.0.2")[0] == 200
        assert _get("127.0.0.2", dev.port, "/", host_header="localhost")[0] == 200
        for foreign in ("evil.example", "127.0.0.2.nip.io", "2130706433", "0x7f000002"):
            assert _get("127.0.0.2", dev.port, "/", host_header=foreign)[0] == 403, foreign
    finally:
        dev.close()


def _folder(top: Path, name: str, owner: dict[str, object] | None) -> Path:
    folder = top / name
    (folder / "site/posts").mkdir(parents=True)
    (folder / "site/posts/index.html").write_text("old")
    if owner is not None:
        (folder / tempdirs.MARK).write_text(json.dumps(owner))
    return folder


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporary_folders_left_by_killed_servers_are_removed_by_the_next_one(tmp_path: Path, own_tmp: Path) -> None:
    """A server whose site's cache cannot be written builds in a temporary folder instead; one killed
    cannot remove it, so the next one removes those whose server is gone, and nothing else."""
    me = tempdirs._me()
    dead = _folder(own_tmp, "blogen-serve-dead", {**me, "pid": _dead_pid()})
    reused = _folder(own_tmp, "blogen-serve-reused", {**me, "started": -1})  # our pid, but not our process
    rebooted = _folder(own_tmp, "blogen-serve-rebooted", {**me, "boot": "another boot"})
    alive = _folder(own_tmp, "blogen-serve-alive", me)
    unmarked = _folder(own_tmp, "blogen-serve-unmarked", None)
    other_program = _folder(own_tmp, "other-program", {**me, "pid": _dead_pid()})
    strange = _folder(own_tmp, "blogen-serve-strange", {"pid": "not a pid"})
    elsewhere = tmp_path / "elsewhere"
    _folder(elsewhere.parent, elsewhere.name, {**me, "pid": _dead_pid()})
    (own_tmp / "blogen-serve-link").symlink_to(elsewhere)
    someone_elses = _folder(own_tmp, "blogen-serve-someone", {**me, "pid": _dead_pid()})
    if os.getuid() == 0:
        os.chown(someone_elses, os.getuid() + 1, -1)  # another user's: never touched

    root = write_site(tmp_path / "site", SITE)
    (root / ".blogen-cache").write_text("not a folder")  # so the cache cannot hold the server's site
    dev = DevServer(root, port=0)
    dev.start()
    try:
        assert dev.wait_first_build(60)
        assert dev.served.parent.parent == own_tmp
        assert json.loads((dev.served.parent / tempdirs.MARK).read_text())["pid"] == os.getpid()
        assert (dev.served / "index.html").is_file()
    finally:
        dev.close()
    for gone in (dead, reused, rebooted):
        assert not gone.exists(), gone
    for kept in (alive, unmarked, other_program, strange, elsewhere, own_tmp / "blogen-serve-link"):
        assert kept.exists(), kept
    assert (elsewhere / "site/posts/index.html").read_text() == "old"
    if os.getuid() == 0:
        assert someone_elses.exists()
    assert not dev.served.parent.exists()


def test_a_killed_serve_process_leaves_no_temporary_folder_and_the_next_one_builds_where_it_did(
        tmp_path: Path, own_tmp: Path) -> None:
    root = write_site(tmp_path / "site", SITE)
    env = {**os.environ, "TMPDIR": str(own_tmp)}
    with subprocess.Popen([sys.executable, "-m", "blogen", "serve", "--root", str(root), "--port", "0"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True) as proc:
        try:
            assert proc.stdout is not None
            deadline = time.monotonic() + 60
            while "Serving" not in proc.stdout.readline():
                assert time.monotonic() < deadline and proc.poll() is None, "serve did not start"
            (served,) = [p for p in (root / ".blogen-cache/serve").iterdir() if not p.name.startswith(".")]
            assert (served / "index.html").is_file()
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    assert not [p for p in own_tmp.iterdir() if p.name.startswith(tempdirs.PREFIX)]
    (root / "content/posts/alpha.md").write_text(SITE.split("--\n", 1)[1].replace("Alpha body text.", "Edited while stopped."))
    dev = DevServer(root, port=int(served.name.rsplit("-", 1)[1]), port_explicit=True)
    dev.start()
    try:
        assert dev.wait_first_build(60)
        assert dev.served == served
        assert "Edited while stopped." in (served / "posts/alpha/index.html").read_text()
    finally:
        dev.close()


def _raw(port: int, data: bytes) -> bytes:
    """Send bytes as they are; the first line of the answer (or what came before the server closed)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


def test_a_tls_handshake_two_hosts_and_a_foreign_absolute_target_are_answered(server: DevServer) -> None:
    host = f"Host: 127.0.0.1:{server.port}\r\n".encode()
    hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64)  # the start of a TLS ClientHello
    assert _raw(server.port, hello) == b"HTTP/1.0 400 Bad Request"
    assert _raw(server.port, b"GET / HTTP/1.1\r\n" + host + b"Host: evil.example\r\n\r\n") == b"HTTP/1.0 400 Bad Request"
    assert _raw(server.port, b"GET http://evil.example/ HTTP/1.1\r\n" + host + b"\r\n") == b"HTTP/1.0 403 Forbidden"
    own = f"GET http://127.0.0.1:{server.port}/ HTTP/1.1\r\n".encode()
    assert _raw(server.port, own + host + b"\r\n") == b"HTTP/1.0 200 OK"
