"""Search as a reader uses it: headless Chromium (Debian's, via Playwright) on a built site served as
plain static files, typing a word, reading the results, moving with the keyboard and following one.

Skipped only when Chromium or Playwright is missing on a developer machine; under CI (``CI`` set) a
missing browser is a failure, as in tests/test_browser.py.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULT_CONFIG, NOW, write_site

from blogen.build.pipeline import build_site
from blogen.render.searchwords import words

CHROMIUM = os.environ.get("BLOGEN_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 10_000
REPO = Path(__file__).resolve().parent.parent

SITE = """\
-- content/posts/alpha.md --
---
title: Restoring containers
date: 2024-01-10
tags: [criu]
---
The checkpoint failed until the zebrafish label was fixed. Many more words follow here, so that the
excerpt has to pick the part that holds the match and leave the rest out of the result list.
-- content/posts/beta.md --
---
title: Greek notes
date: 2024-02-10
---
Ελληνικά κείμενα and a café in Zürich.
""" + "".join(f"""-- content/posts/filler-{i}.md --
---
title: Filler {i}
date: 2023-0{1 + i % 9}-1{i % 10}
---
Filler text about kayaks number {i}.
""" for i in range(14))


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM}"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    why = _missing()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        try:
            yield b
        finally:
            b.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def static_server() -> Iterator[Any]:
    """Serves a folder as any static host would; ``serve(folder)`` returns its origin."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(folder: Path) -> str:
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield serve
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def _page(browser: Any, origin: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    # a static site's search must not reach any other host
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(origin) else route.abort())
    return context, page, problems


def _search(page: Any, query: str) -> str:
    page.fill("#search-q", query)
    page.wait_for_function("q => document.querySelector('[data-search-status]').textContent.includes(q)",
                           arg=query, timeout=TIMEOUT_MS)
    return str(page.inner_text("[data-search-status]"))


def test_a_word_from_a_post_finds_it_and_the_keyboard_follows_it(browser: Any, static_server: Any, tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", SITE, config=DEFAULT_CONFIG + "[search]\nenabled = true\n")
    build_site(root, now=NOW, jobs=1)
    origin = static_server(root / "output")
    context, page, problems = _page(browser, origin)
    try:
        page.goto(origin + "/")
        page.fill("body > header form input", "zebrafish")  # the box in the header
        page.press("body > header form input", "Enter")
        page.wait_for_url("**/search/?q=zebrafish", timeout=TIMEOUT_MS)
        page.wait_for_selector("[data-search-results] li", timeout=TIMEOUT_MS)
        assert page.input_value("#search-q") == "zebrafish"
        assert page.inner_text("[data-search-status]") == "1 note matches “zebrafish”."
        assert page.get_attribute("[data-search-status]", "role") == "status"  # announced by screen readers
        result = page.locator("[data-search-results] li").first
        assert result.locator("h2 a").inner_text() == "Restoring containers"
        assert result.locator("time").inner_text() == "10 January 2024"
        assert result.locator("mark").all_inner_texts() == ["zebrafish"]
        excerpt = result.locator("p").last.inner_text()
        assert excerpt.startswith("The checkpoint failed") and excerpt.endswith("…"), excerpt
        # a prefix finds longer words; an accented or Greek word finds its folded form
        assert _search(page, "kaya") == "14 notes match “kaya”."
        assert page.locator("[data-search-results] li").count() == 10
        page.click("text=Show more results")
        page.wait_for_function("document.querySelectorAll('[data-search-results] li').length === 14", timeout=TIMEOUT_MS)
        assert _search(page, "CAFE zurich") == "1 note matches “CAFE zurich”."
        assert page.locator("[data-search-results] mark").all_inner_texts() == ["café", "Zürich"]
        assert _search(page, "ελληνικα") == "1 note matches “ελληνικα”."
        assert _search(page, "nothing-like-this") == "No notes match “nothing-like-this”."
        # keyboard: down from the field to the results, up back to it, enter follows the focused result
        _search(page, "label checkpoint")
        page.focus("#search-q")
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.textContent") == "Restoring containers"
        page.keyboard.press("ArrowUp")
        assert page.evaluate("document.activeElement.id") == "search-q"
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_url("**/posts/alpha/", timeout=TIMEOUT_MS)
        assert page.inner_text("h1") == "Restoring containers"
        assert problems == []
    finally:
        context.close()


def test_without_javascript_the_search_page_points_to_tags_and_archive(browser: Any, static_server: Any,
                                                                        tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", SITE, config=DEFAULT_CONFIG + "[search]\nenabled = true\n")
    build_site(root, now=NOW, jobs=1)
    origin = static_server(root / "output")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(origin + "/search/?q=zebrafish")
        text = page.inner_text("main")
        assert "Search needs JavaScript" in text
        page.click("main a[href='../archive/']")
        page.wait_for_url("**/archive/", timeout=TIMEOUT_MS)
    finally:
        context.close()


def test_this_sites_posts_are_each_found_by_a_word_of_their_body(browser: Any, static_server: Any, tmp_path: Path) -> None:
    """The repository's own site: for every post, its rarest word of six letters or more finds it."""
    root = tmp_path / "repo-site"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "theme", root / "theme")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    build_site(root, jobs=1)
    out = root / "output"
    meta = json.loads((out / "search/index.json").read_text())
    docs = {d: json.loads((out / f"search/d/{d}.json").read_text()) for d in meta["docs"]}
    posts = sorted(root.glob("content/posts/**/*.md"))
    assert len(posts) >= 4 and sum(1 for d in docs.values() if "date" in d) == len(posts)
    seen: dict[bytes, int] = {}
    for doc in docs.values():
        for w in set(words(doc["text"])):
            seen[w] = seen.get(w, 0) + 1
    origin = static_server(out)
    context, page, problems = _page(browser, origin)
    try:
        page.goto(origin + "/search/")
        for doc in (d for d in docs.values() if "date" in d):
            candidates = [w.decode() for w in words(doc["text"]) if len(w) >= 6 and w.isalpha()]
            word = min(candidates, key=lambda w: (seen[w.encode()], w))
            _search(page, word)
            titles = page.locator("[data-search-results] h2 a").all_inner_texts()
            assert doc["title"] in titles, (word, titles)
        assert problems == []
    finally:
        context.close()


def test_comments_load_from_their_host_only_when_asked(browser: Any, static_server: Any, tmp_path: Path) -> None:
    config = DEFAULT_CONFIG + ('[comments]\nprovider = "giscus"\nrepo = "robin/notes"\nrepo_id = "R_1"\ncategory = "C"\n'
                               'category_id = "DIC_1"\n')
    root = write_site(tmp_path / "site", SITE, config=config)
    build_site(root, now=NOW, jobs=1)
    origin = static_server(root / "output")
    context = browser.new_context()
    asked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(origin):
            r.continue_()
        else:
            asked.append(r.request.url)
            r.fulfill(status=200, content_type="text/javascript", body="document.currentScript.dataset.ran = 'yes';")

    context.route("**/*", route)
    try:
        page = context.new_page()
        page.goto(origin + "/posts/alpha/")
        page.mouse.wheel(0, 5000)  # scrolling to them is not asking, with load = "click"
        page.wait_for_timeout(300)
        assert asked == []
        page.click("text=Show comments")
        page.wait_for_selector("[data-comments] script[data-ran='yes']", state="attached", timeout=TIMEOUT_MS)
        assert asked == ["https://giscus.app/client.js"]
        script = page.locator("[data-comments] script")
        assert script.get_attribute("data-repo") == "robin/notes" and script.get_attribute("data-category-id") == "DIC_1"
        assert script.get_attribute("data-mapping") == "pathname" and script.get_attribute("crossorigin") == "anonymous"
    finally:
        context.close()
