"""scripts/sitecheck without its checkers: the command line, which pages it opens, and its local server.

The checkers themselves (vnu, axe-core, Lighthouse) are installed and run by ``scripts/sitecheck``; CI runs it
after the tests. These tests only pin down the script's own logic, on the golden copy of the fixture site.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "sitecheck"
GOLDEN = REPO / "tests" / "golden" / "site"


@pytest.fixture(scope="module")
def sitecheck() -> Iterator[ModuleType]:
    loader = SourceFileLoader("sitecheck", str(SCRIPT))
    spec = spec_from_loader("sitecheck", loader)
    assert spec is not None
    module = module_from_spec(spec)
    sys.modules["sitecheck"] = module  # its dataclasses look their module up there
    try:
        loader.exec_module(module)
        yield module
    finally:
        del sys.modules["sitecheck"]


def test_help_exits_0_and_names_every_check() -> None:
    p = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    for word in ("vnu", "axe", "weight", "--lighthouse", "--built", ".sitecheck-cache"):
        assert word in p.stdout


@pytest.mark.parametrize("args", [["--site", "nope"], ["--base-url", "https://x.example/"], ["--built", "/nonexistent"]])
def test_usage_errors_exit_2_before_installing_anything(args: list[str], tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, str(SCRIPT), "--cache", str(tmp_path / "cache"), *args],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    assert not (tmp_path / "cache").exists()


def test_pages_opened_on_the_fixture_site(sitecheck: ModuleType) -> None:
    site = sitecheck.Site("golden", GOLDEN, "https://fixture.example/")
    sitecheck.discover(site, max_posts=12)
    paths = {p["kind"]: [] for p in site.pages}
    for p in site.pages:
        paths[p["kind"]].append(p["path"])
    assert paths == {
        "home": ["/", "/page/2/"],
        "post": ["/posts/selinux-notes/", "/posts/strictmodes/", "/posts/bench-psu/"],  # richest first; no alias page
        "page": ["/about/"],
        "tag": ["/tags/selinux/"],
        "tags": ["/tags/"],
        "terms": ["/categories/", "/series/"],
        "term": ["/categories/android/", "/series/access-refused/"],
        "archive": ["/archive/"],
        "404": ["/" + sitecheck.MISSING_PATH],
    }
    assert site.rich_post == "/posts/selinux-notes/"
    assert site.features["/posts/selinux-notes/"] == ["table", "tasks", "footnotes"]
    assert [p["path"] for p in site.pages if p["weight"]] == ["/", *paths["post"]]


def test_server_answers_missing_pages_with_the_404_page(sitecheck: ModuleType) -> None:
    server = sitecheck.Server()
    try:
        server.serve(GOLDEN)
        with urllib.request.urlopen(server.origin + "/about/", timeout=10) as r:
            assert r.status == 200
            assert b"<h1>" in r.read()
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(server.origin + "/no/such/page/", timeout=10)
        assert e.value.code == 404
        assert e.value.read() == (GOLDEN / "404.html").read_bytes()
        e.value.close()
        assert server.origin.startswith("http://127.0.0.1:")
    finally:
        server.shutdown()
        server.server_close()


def test_theme_part_leaves_out_only_the_posts_own_text(sitecheck: ModuleType) -> None:
    page = ('<html><body><header>h</header>\n<div class="wrap"><div class="prose">\n<p>own</p>'
            '<div class="x"><div>nested</div></div>\n</div></div>\n<footer>f</footer></body></html>')
    assert sitecheck.theme_part(page) == ('<html><body><header>h</header>\n<div class="wrap"><div class="prose"></div></div>\n'
                                          '<footer>f</footer></body></html>')
    golden = (GOLDEN / "posts/selinux-notes/index.html").read_text()
    part = sitecheck.theme_part(golden)
    assert "<p>Short intro.</p>" in golden and "<p>Short intro.</p>" not in part and "<header" in part and "</footer>" in part
    assert sitecheck.gzipped(part.encode()) < sitecheck.gzipped(golden.encode()) < len(golden.encode())
