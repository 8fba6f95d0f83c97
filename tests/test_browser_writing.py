"""The copy button, math and diagrams as a reader meets them: headless Chromium (Debian's, via Playwright) on a
built site served as plain static files.

Skipped only when Chromium or Playwright is missing on a developer machine; under CI (``CI`` set) a
missing browser is a failure, as in tests/test_browser.py.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import NOW, write_site

from blogen.build.pipeline import build_site

CHROMIUM = os.environ.get("BLOGEN_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 10_000

SITE = """\
-- content/posts/tools.md --
---
title: Tools
date: 2024-01-10
---
Install it:

```console
$ sudo apt install graphviz
Reading package lists... Done
# dot -V
dot - graphviz version 2.43.0

$ echo "a $ b"
a $ b
```

```python linenos title="greet.py"
def greet(name):
    return "Hello, " + name
```

The area is $$\\int_0^1 x\\,dx = \\frac{1}{2}$$ and, inline, $e^{i\\pi} + 1 = 0$.

$$
\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}
$$

```dot title="Build steps"
digraph { rankdir=LR; post -> html; html -> feed }
```
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


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built once and served as any static host would."""
    root = write_site(tmp_path_factory.mktemp("writing") / "site", SITE)
    build_site(root, now=NOW, jobs=1)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root / "output")))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def _open(browser: Any, origin: str, **options: Any) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"], **options)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(origin + "/posts/tools/")
    return context, page, problems


def _clipboard(page: Any) -> str:
    return str(page.evaluate("navigator.clipboard.readText()"))


def test_copying_a_console_block_gives_only_the_commands(browser: Any, origin: str) -> None:
    context, page, problems = _open(browser, origin)
    try:
        buttons = page.locator("div.highlight > button.copy")
        assert buttons.count() == 2  # one per code block, none on math or the diagram
        page.evaluate("navigator.clipboard.writeText('before')")
        buttons.nth(0).click()
        page.wait_for_function("document.querySelector('[role=status]').textContent === 'Copied'", timeout=TIMEOUT_MS)
        assert _clipboard(page) == 'sudo apt install graphviz\ndot -V\necho "a $ b"'
        assert buttons.nth(0).inner_text() == "Copied"
        assert problems == []
    finally:
        context.close()


def test_the_keyboard_reaches_the_button_and_line_numbers_are_not_copied(browser: Any, origin: str) -> None:
    context, page, problems = _open(browser, origin)
    try:
        button = page.locator("figure.code div.highlight > button.copy")
        assert page.inner_text("figure.code figcaption") == "greet.py"
        button.focus()
        assert page.evaluate("document.activeElement.className") == "copy"
        page.keyboard.press("Enter")
        page.wait_for_function("document.querySelector('[role=status]').textContent === 'Copied'", timeout=TIMEOUT_MS)
        assert _clipboard(page) == 'def greet(name):\n    return "Hello, " + name'
        assert problems == []
    finally:
        context.close()


def test_without_javascript_there_is_no_button_and_the_code_is_whole(browser: Any, origin: str) -> None:
    context, page, _problems = _open(browser, origin, java_script_enabled=False)
    try:
        assert page.locator("button.copy").count() == 0
        assert "Reading package lists... Done" in page.inner_text("div.highlight >> nth=0")
    finally:
        context.close()


def _axe(page: Any) -> list[dict[str, Any]]:
    from axe_playwright_python.base import AXE_SCRIPT

    page.evaluate(AXE_SCRIPT)
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_math_diagrams_and_buttons_are_accessible_and_follow_the_scheme(browser: Any, origin: str, scheme: str) -> None:
    context, page, problems = _open(browser, origin, color_scheme=scheme)
    try:
        assert page.locator("math").count() == 3
        assert page.locator('math[display="block"]').count() == 1  # $$…$$ within a line stays inline
        box = page.locator("math >> nth=0").bounding_box()
        assert box is not None and box["height"] > 15  # drawn as a formula (a fraction is taller than a line)
        svg = page.locator('svg[role="img"][aria-label="Build steps"]')
        assert svg.count() == 1
        colours = page.evaluate("""() => {
            const text = getComputedStyle(document.querySelector('.prose')).color;
            const edge = getComputedStyle(document.querySelector('.diagram g.edge path')).stroke;
            const label = getComputedStyle(document.querySelector('.diagram g.node text')).fill;
            return [text, edge, label];
        }""")
        assert colours[0] == colours[1] == colours[2]  # lines and labels in the page's own text colour
        assert _axe(page) == []
        assert problems == []
    finally:
        context.close()
