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


# --- the default theme in a browser: scheme toggle, phone tables, reading from disk, the overlay ---------

THEME_SITE = """\
-- content/posts/alpha.md --
---
title: Alpha
date: 2024-01-10
tags: [one]
---
Set `PermitRootLogin prohibit-password` in the config and restart the daemon so that it reads the file again.

```python
def hello() -> str:
    return "a line long enough to scroll sideways on any phone screen, and then some more words"
```
-- content/posts/beta.md --
---
title: Beta
date: 2024-02-10
tags: [one, two]
---
| When | Event | Notes |
|---|---|---|
| Nov 2000 | Spirit distilled and filled | 242 litres at 100 degrees proof into a refill sherry hogshead |
| Mar 2011 | First bottling, age 10 | 120 bottles at 54.8 percent; duty and VAT paid on the way out |
"""

PHONE = {"width": 390, "height": 844}
LIGHT_BG, DARK_BG = "rgb(250, 250, 248)", "rgb(22, 23, 25)"
# Recorded before the first frame is drawn: what the reader would see first.
FIRST_PAINT = """
window.__first = null;
requestAnimationFrame(() => {
  window.__first = {scheme: document.documentElement.getAttribute("data-scheme"),
                    bg: document.body ? getComputedStyle(document.body).backgroundColor : null};
});
new MutationObserver((_, obs) => {
  if (document.body) { window.__atBody = document.documentElement.getAttribute("data-scheme"); obs.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The theme site built with the default theme and served over HTTP: (output folder, origin)."""
    import functools
    import http.server
    import threading

    from blogen.build.pipeline import build_site

    root = write_site(tmp_path_factory.mktemp("theme") / "site", THEME_SITE)
    build_site(root)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root / "output"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None  # type: ignore[method-assign]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield root / "output", f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _bg(page: Any) -> str:
    return str(page.evaluate("() => getComputedStyle(document.body).backgroundColor"))


def test_scheme_toggle_is_remembered_across_pages_without_a_flash(browser: Any, built: tuple[Path, str]) -> None:
    _, origin = built
    context = browser.new_context(color_scheme="light")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(FIRST_PAINT)
    try:
        page = context.new_page()
        page.goto(origin + "/posts/alpha/")
        assert _bg(page) == LIGHT_BG and page.evaluate("() => document.documentElement.getAttribute('data-scheme')") is None
        button = page.locator("button.scheme")
        assert button.get_attribute("aria-label") == "Colour scheme: automatic"
        button.click()  # auto -> dark (the scheme the system does not show)
        assert _bg(page) == DARK_BG and button.get_attribute("aria-label") == "Colour scheme: dark"
        code = page.evaluate("() => getComputedStyle(document.querySelector('.highlight')).backgroundColor")
        assert code == "rgb(13, 17, 23)"  # the dark Pygments style follows the choice, not the system
        page.locator("a", has_text="Beta").first.click()
        page.wait_for_url("**/posts/beta/")
        page.wait_for_function("() => window.__first !== null")
        first = page.evaluate("() => window.__first")
        assert first == {"scheme": "dark", "bg": DARK_BG}  # the first frame is already dark
        assert page.evaluate("() => window.__atBody") == "dark"  # set before any of the body was parsed
        page.locator("button.scheme").click()  # dark -> light (the system's own)
        assert page.evaluate("() => document.documentElement.getAttribute('data-scheme')") == "light"
        page.locator("button.scheme").click()  # light -> automatic again
        assert page.evaluate("() => document.documentElement.getAttribute('data-scheme')") is None
        page.goto(origin + "/")
        assert page.evaluate("() => localStorage.getItem('blogen-scheme')") is None and _bg(page) == LIGHT_BG
    finally:
        context.close()


def test_without_javascript_the_system_scheme_rules_and_the_button_is_hidden(browser: Any, built: tuple[Path, str]) -> None:
    _, origin = built
    context = browser.new_context(color_scheme="dark", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(origin + "/posts/alpha/")
        assert _bg(page) == DARK_BG
        assert not page.locator("button.scheme").is_visible()
    finally:
        context.close()


def test_phone_table_scrolls_with_a_cue_and_keeps_readable_cells(browser: Any, built: tuple[Path, str]) -> None:
    _, origin = built
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(origin + "/posts/beta/")
        facts = page.evaluate("""() => {
          const wrap = document.querySelector('.table-wrap');
          const cells = [...wrap.querySelectorAll('td, th')].map(c => c.getBoundingClientRect().width);
          return {page: document.documentElement.scrollWidth - innerWidth, scrolls: wrap.scrollWidth > wrap.clientWidth,
                  narrowest: Math.min(...cells), cue: getComputedStyle(wrap).backgroundImage};
        }""")
        assert facts["page"] <= 0  # the page itself never scrolls sideways
        assert facts["scrolls"]  # the table does, inside its own box ...
        assert facts["narrowest"] >= 140  # ... so no column is squeezed to a word per line
        assert facts["cue"].count("radial-gradient") == 2  # and shadows show the hidden edges
    finally:
        context.close()


def test_phone_inline_code_never_splits_and_code_blocks_show_they_scroll(browser: Any, built: tuple[Path, str]) -> None:
    _, origin = built
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(origin + "/posts/alpha/")
        assert page.evaluate("() => document.querySelector('p code').getClientRects().length") == 1
        pre = page.evaluate("""() => { const pre = document.querySelector('.highlight pre');
          return {scrolls: pre.scrollWidth > pre.clientWidth, cue: getComputedStyle(pre).backgroundImage}; }""")
        assert pre["scrolls"] and pre["cue"].count("radial-gradient") == 2
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}])
def test_header_has_one_height_on_every_page(browser: Any, built: tuple[Path, str], viewport: dict[str, int]) -> None:
    _, origin = built
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        heights = set()
        for path in ("/", "/posts/alpha/", "/tags/", "/tags/one/", "/archive/", "/404.html"):
            page.goto(origin + path)
            heights.add(page.evaluate("() => document.querySelector('header.site').getBoundingClientRect().height"))
        assert len(heights) == 1, heights
    finally:
        context.close()


def test_file_urls_build_reads_from_disk(browser: Any, tmp_path: Path) -> None:
    """`blogen build --file-urls`: every link opens its page from file://, never a directory listing."""
    from blogen.cli.commands import main

    root = write_site(tmp_path / "site", THEME_SITE)
    assert main(["build", "--root", str(root), "--file-urls", "--output", "offline", "-q"]) == 0
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto((root / "offline" / "index.html").as_uri())
        page.locator(".entry h2 a", has_text="Beta").click()
        assert page.locator("h1").inner_text() == "Beta"
        page.locator(".tags a", has_text="two").first.click()
        assert page.locator("h1").inner_text() == "two" and page.url.endswith("/tags/two/index.html")
        page.locator("nav a", has_text="Archive").click()
        assert page.locator("h1").inner_text() == "Archive"
        page.locator(".brand").click()
        assert page.url == (root / "offline" / "index.html").as_uri()
        assert "Index of" not in page.content()
    finally:
        context.close()


def _axe(page: Any, context: str) -> list[dict[str, Any]]:
    from axe_playwright_python.base import AXE_SCRIPT

    page.evaluate(AXE_SCRIPT)
    result = page.evaluate("async (ctx) => (await axe.run(ctx, {resultTypes: ['violations']})).violations", context)
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result]


@pytest.fixture
def dev_default_theme(tmp_path: Path) -> Iterator[DevServer]:
    root = write_site(tmp_path / "site", THEME_SITE)
    server = DevServer(root, port=0)
    server.start()
    try:
        assert server.wait_first_build(30)
        yield server
    finally:
        server.close()


@pytest.mark.parametrize(("scheme", "choice", "viewport"), [
    ("light", None, PHONE), ("dark", None, PHONE), ("light", "dark", {"width": 1280, "height": 800}),
])
def test_error_overlay_is_readable(browser: Any, dev_default_theme: DevServer, scheme: str, choice: str | None,
                                   viewport: dict[str, int]) -> None:
    """The overlay over the default theme: axe finds nothing in it, in either scheme, on a phone too."""
    from playwright.sync_api import expect

    context = browser.new_context(color_scheme=scheme, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(dev_default_theme.url + "posts/alpha/")
        wait_connected(page)
        if choice is not None:
            page.evaluate(f"() => {{ localStorage.setItem('blogen-scheme', '{choice}'); }}")
            page.reload()
            wait_connected(page)
        (dev_default_theme.root / "content/posts/alpha.md").write_text("---\ntitle: Alpha\ndate: [\n---\nx\n")
        overlay = page.locator("#__blogen-overlay")
        expect(overlay).to_contain_text("content/posts/alpha.md:4: YAML syntax error", timeout=TIMEOUT_MS)
        assert _axe(page, "#__blogen-overlay") == []
        colours = page.evaluate("""() => { const pre = document.querySelector('#__blogen-overlay pre');
          const s = getComputedStyle(pre); return [s.color, s.backgroundColor]; }""")
        assert colours[0] != colours[1]
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        page.locator("#__blogen-overlay button", has_text="Hide").click()
        expect(overlay).to_have_count(0)
    finally:
        context.close()
