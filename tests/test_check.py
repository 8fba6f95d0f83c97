"""`blogen check`: build validation without writing, unreferenced bundle files, and external links."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import snapshot

Cli = Callable[..., tuple[int, str, str]]


class _Handler(http.server.BaseHTTPRequestHandler):
    """A tiny web with a live page, a dead one, a broken server and a slow one."""

    def do_HEAD(self) -> None:
        if self.path == "/no-head":
            self.send_error(405)
            return
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        if self.path == "/slow":
            time.sleep(4)
        code = {"/ok": 200, "/no-head": 200, "/gone": 404, "/boom": 503, "/slow": 200}.get(self.path, 404)
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _site(site: Callable[..., Path], web: str, links: str) -> Path:
    return site(f"""\
-- content/posts/a/index.md --
---
title: A
date: 2024-01-01
---
{links}
-- content/posts/a/orphan.txt --
nobody links me
""")


def test_check_writes_nothing_and_lists_unreferenced_files(site: Callable[..., Path], cli: Cli, web: str) -> None:
    root = _site(site, web, "Just text.")
    code, out, err = cli("check", "--root", str(root))
    assert code == 0, err
    assert "content/posts/a/orphan.txt: warning: not linked from its post or page (it is still published)" in err
    # the other warning: the tests' base_url, example.org, is a placeholder
    assert "blogen.toml:4: warning: base_url 'https://example.org/' is a placeholder" in err
    assert "checked 1 post, 0 pages and 0 links: 0 errors, 2 warnings" in out
    assert not (root / "output").exists()


def test_check_fails_on_what_build_fails_on(site: Callable[..., Path], cli: Cli, web: str) -> None:
    root = _site(site, web, "[x](missing.md)")
    code, _, err = cli("check", "--root", str(root))
    assert code == 1
    assert "content/posts/a/index.md:5: broken link 'missing.md' (no such file content/posts/a/missing.md)" in err
    assert snapshot(root / "output") == {}


def test_external_links_dead_fail_flaky_warn(site: Callable[..., Path], cli: Cli, web: str) -> None:
    root = _site(site, web, f"[ok]({web}/ok) [nohead]({web}/no-head)\n\n[gone]({web}/gone)\n\n[boom]({web}/boom) [slow]({web}/slow)")
    code, out, err = cli("check", "--root", str(root), "--external", "--timeout", "2")
    assert code == 1
    assert f"content/posts/a/index.md:7: dead external link {web}/gone (404 Not Found)" in err
    assert f"content/posts/a/index.md:9: warning: unreachable external link {web}/boom (503 Service Unavailable)" in err
    assert f"content/posts/a/index.md:9: warning: unreachable external link {web}/slow (timed out after 2 s)" in err
    assert "/ok" not in err and "/no-head" not in err
    assert "5 external URLs fetched" in out


def test_flaky_links_pass_unless_strict_and_good_answers_are_cached(site: Callable[..., Path], cli: Cli, web: str) -> None:
    root = _site(site, web, f"[ok]({web}/ok) [boom]({web}/boom)")
    (root / "content/posts/a/orphan.txt").unlink()
    code, _, err = cli("check", "--root", str(root), "--external")
    assert code == 0, err
    code, _, err = cli("check", "--root", str(root), "--external", "--strict")
    assert code == 1 and "unreachable external link" in err
    cache = (root / ".blogen-cache/external.json").read_text()
    assert f'"{web}/ok"' in cache and '"ok"' in cache


def test_good_answers_are_reused_for_a_day_and_failures_retried(tmp_path: Path) -> None:
    from blogen.build.check import LinkResult, check_external

    asked: list[str] = []

    def probe(url: str, timeout: float) -> LinkResult:
        asked.append(url)
        return LinkResult(url, "ok" if url.endswith("/ok") else "flaky", "x")

    urls = ["https://a.example/ok", "https://a.example/bad"]
    check_external(tmp_path, urls, timeout=1, probe=probe, now=1000.0)
    check_external(tmp_path, urls, timeout=1, probe=probe, now=2000.0)
    assert asked == ["https://a.example/bad", "https://a.example/ok", "https://a.example/bad"]
    check_external(tmp_path, urls, timeout=1, probe=probe, now=1000.0 + 24 * 3600 + 1)
    assert asked[-2:] == ["https://a.example/bad", "https://a.example/ok"]
