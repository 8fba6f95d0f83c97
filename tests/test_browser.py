"""Live reload as a user sees it: headless Chromium (Debian's, via Playwright) against a real dev server.

Skipped only when Chromium or Playwright is missing on a developer machine; under CI (``CI`` set) a
missing browser is a failure, so these tests cannot silently stop running.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import write_site

from blogen.serve.server import DevServer

CHROMIUM = os.environ.get("BLOGEN_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 10_000

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
-- theme/static/style.css --
body { color: rgb(1, 2, 3); }
"""


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


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[DevServer]:
    root = write_site(tmp_path / "site", SITE)
    server = DevServer(root, port=0)
    server.start()
    try:
        assert server.wait_first_build(30)
        yield server
    finally:
        server.close()


@pytest.fixture
def open_page(browser: Any, dev: DevServer) -> Iterator[Callable[[str], Any]]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)

    def open_(path: str) -> Any:
        page = context.new_page()
        page.goto(dev.url.rstrip("/") + path)
        wait_connected(page)
        return page

    yield open_
    context.close()


def wait_connected(page: Any) -> None:
    """Wait until the page's live-reload connection is open (edits before that are seen on connect anyway)."""
    page.wait_for_function("() => window.__blogen && document.readyState === 'complete'")


def events_seen(page: Any) -> int:
    return int(page.evaluate("() => window.__blogen.seen"))


def wait_more_events(page: Any, than: int) -> None:
    page.wait_for_function(f"() => window.__blogen && window.__blogen.seen > {than}")


def test_edit_shows_without_manual_reload(open_page: Callable[[str], Any], dev: DevServer) -> None:
    from playwright.sync_api import expect

    page = open_page("/posts/alpha/")
    expect(page.locator("main")).to_contain_text("Alpha body text.")
    (dev.root / "content/posts/alpha.md").write_text("---\ntitle: Alpha\ndate: 2024-01-10\ntags: [one]\n---\nBrand new words.\n")
    expect(page.locator("main")).to_contain_text("Brand new words.", timeout=TIMEOUT_MS)


def test_css_change_swaps_the_stylesheet_without_reload(open_page: Callable[[str], Any], dev: DevServer) -> None:
    from playwright.sync_api import expect

    page = open_page("/posts/alpha/")
    expect(page.locator("body")).to_have_css("color", "rgb(1, 2, 3)")
    page.evaluate("() => { window.__marker = 'still here'; }")
    (dev.root / "theme/static/style.css").write_text("body { color: rgb(9, 8, 7); }\n")
    expect(page.locator("body")).to_have_css("color", "rgb(9, 8, 7)", timeout=TIMEOUT_MS)
    assert page.evaluate("() => window.__marker") == "still here"
    assert page.evaluate("() => window.__blogen.last") == "css"
    assert page.locator('link[rel="stylesheet"]').count() == 1


def test_error_overlay_then_recovery(open_page: Callable[[str], Any], dev: DevServer) -> None:
    from playwright.sync_api import expect

    page = open_page("/posts/alpha/")
    post = dev.root / "content/posts/alpha.md"
    post.write_text("---\ntitle: Alpha\ndate: 2024-01-10\ntags: [one\n---\nAlpha body text.\n")
    overlay = page.locator("#__blogen-overlay")
    expect(overlay).to_contain_text("content/posts/alpha.md:5", timeout=TIMEOUT_MS)
    expect(overlay).to_contain_text("YAML syntax error")
    expect(page.locator("main")).to_contain_text("Alpha body text.")  # the last good page is under it
    post.write_text("---\ntitle: Alpha\ndate: 2024-01-10\ntags: [one]\n---\nAlpha is fixed.\n")
    expect(overlay).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.locator("main")).to_contain_text("Alpha is fixed.", timeout=TIMEOUT_MS)


def test_new_post_appears_on_the_open_home_page(open_page: Callable[[str], Any], dev: DevServer) -> None:
    from playwright.sync_api import expect

    page = open_page("/")
    expect(page.locator("main")).to_contain_text("Beta")
    (dev.root / "content/posts/gamma.md").write_text("---\ntitle: Gamma arrives\ndate: 2024-03-01\n---\nGamma.\n")
    expect(page.locator("main")).to_contain_text("Gamma arrives", timeout=TIMEOUT_MS)


def test_unrelated_tab_does_not_reload(open_page: Callable[[str], Any], dev: DevServer) -> None:
    from playwright.sync_api import expect

    beta = open_page("/posts/beta/")
    alpha = open_page("/posts/alpha/")
    beta.evaluate("() => { window.__marker = 'untouched'; }")
    before = events_seen(beta)
    (dev.root / "content/posts/alpha.md").write_text("---\ntitle: Alpha\ndate: 2024-01-10\ntags: [one]\n---\nOnly alpha changed.\n")
    expect(alpha.locator("main")).to_contain_text("Only alpha changed.", timeout=TIMEOUT_MS)
    wait_more_events(beta, before)  # beta heard about the build ...
    assert beta.evaluate("() => window.__blogen.last") == "ok"
    assert beta.evaluate("() => window.__marker") == "untouched"  # ... and stayed put


def test_deleted_post_gives_the_404_page(open_page: Callable[[str], Any], dev: DevServer) -> None:
    from playwright.sync_api import expect

    page = open_page("/posts/beta/")
    (dev.root / "content/posts/beta.md").unlink()
    expect(page.locator("main")).to_contain_text("Page not found", timeout=TIMEOUT_MS)


def test_page_reconnects_after_the_server_restarts(browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    root = write_site(tmp_path / "site", SITE)
    first = DevServer(root, port=0)
    first.start()
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    second: DevServer | None = None
    try:
        assert first.wait_first_build(30)
        port = first.port
        page = context.new_page()
        page.goto(first.url + "posts/alpha/")
        wait_connected(page)
        first.close()
        (root / "content/posts/alpha.md").write_text("---\ntitle: Alpha\ndate: 2024-01-10\n---\nWritten while it was down.\n")
        second = DevServer(root, port=port, port_explicit=True)
        second.start()
        expect(page.locator("main")).to_contain_text("Written while it was down.", timeout=TIMEOUT_MS)
    finally:
        context.close()
        first.close()
        if second is not None:
            second.close()
