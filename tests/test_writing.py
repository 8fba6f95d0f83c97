"""What a technical writer gets without a plugin: TeX math as MathML, Graphviz (and mermaid) diagrams as inline
SVG, code block titles and console sessions marked for the copy button; each as a reader or writer would notice
it in the built pages, the feeds and the messages of a build. (The button itself is driven in Chromium in
tests/test_browser_writing.py.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULT_CONFIG, read, snapshot

from blogen.build.pipeline import BuildReport

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")

Site = Callable[..., Path]
Build = Callable[..., BuildReport]
Cli = Callable[..., tuple[int, str, str]]


def _post(body: str, front: str = "") -> str:
    return f"-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\n{front}---\n{body}"


def _prose(root: Path, rel: str = "posts/a/index.html") -> str:
    html = read(root, rel)
    return html[html.index('<div class="prose">'):html.index("</article>")]


def _maths(html: str) -> list[str]:
    return re.findall(r'<annotation encoding="application/x-tex">([^<]*)</annotation>', html)


# --------------------------------------------------------------------------- math


def test_inline_display_and_fenced_math_become_mathml_with_the_tex_kept(site: Site, build: Build) -> None:
    root = site(_post(
        "The area $\\int_0^1 x\\,dx$ is a half.\n\n$$\ne^{i\\pi} + 1 = 0\n$$\n\n"
        "```math\n\\sum_{k=1}^n k = \\frac{n(n+1)}{2}\n```\n"))
    build(root)
    prose = _prose(root)
    assert prose.count("<math") == 3
    assert prose.count('<math display="block">') == 2
    assert _maths(prose) == ["\\int_0^1 x\\,dx", "e^{i\\pi} + 1 = 0", "\\sum_{k=1}^n k = \\frac{n(n+1)}{2}"]
    assert '<mspace width="0.167em"/>' in prose  # \, is a thin space, not a lost backslash
    assert "<mo>∫</mo>" in prose and "<mi>π</mi>" in prose and "<mfrac>" in prose
    assert "$" not in prose.replace("$$", "")  # no dollar left over in the page


def test_prices_and_dollars_in_code_stay_text(site: Site, build: Build) -> None:
    body = ("It costs $5 and $10, or $ 20 in cash.\n\nRun `echo $HOME` then `$PATH`.\n\n"
            "```sh\necho \"$HOME\" $$\n```\n\n$$\nx^2\n$$\n")
    root = site(_post(body, "math: true\n"))
    build(root)
    prose = _prose(root)
    assert "It costs $5 and $10, or $ 20 in cash." in prose
    assert "<code>echo $HOME</code>" in prose and "<code>$PATH</code>" in prose
    assert _maths(prose) == ["x^2"]


@pytest.mark.parametrize(("setting", "front", "inline_is_math"), [
    (None, "", False),  # "auto": a lone $…$ in a post without display math may be a price
    (None, "math: true\n", True),
    ("true", "", True),
    ("false", "", False),
    ("true", "math: false\n", False),  # a post's front matter wins over the site's setting
])
def test_the_math_setting_and_a_posts_front_matter_decide_inline_math(
        site: Site, build: Build, setting: str | None, front: str, inline_is_math: bool) -> None:
    config = DEFAULT_CONFIG + (f"[markdown]\nmath = {setting}\n" if setting else "")
    root = site(_post("Let $x$ be a number.\n", front), config=config)
    build(root)
    prose = _prose(root)
    assert ("<math>" in prose) is inline_is_math
    assert ("Let $x$ be" in prose) is not inline_is_math


def test_auto_reads_a_lone_formula_that_only_tex_looks_like_and_keeps_its_backslashes(site: Site, build: Build) -> None:
    root = site(_post("The area $\\int_0^1 x\\,dx$ is $0.5, and $a_i$ costs $5.\n")
                + _post("Set $MY_VAR and $HOME_DIR, pay $5_000 or $6.\n").replace("a.md", "b.md"))
    build(root)
    prose = _prose(root)
    assert _maths(prose) == ["\\int_0^1 x\\,dx", "a_i"]
    assert "is $0.5, and" in prose and "costs $5." in prose
    assert "x,dx" not in prose
    assert "Set $MY_VAR and $HOME_DIR, pay $5_000 or $6." in _prose(root, "posts/b/index.html")


def test_auto_turns_on_inline_math_where_the_post_has_display_math(site: Site, build: Build) -> None:
    root = site(_post("Let $x$ be real, and\n\n$$x^2 \\geq 0$$\n") + _post("Only $x$ and $5.", "").replace("a.md", "b.md"))
    build(root)
    assert _maths(_prose(root)) == ["x", "x^2 \\geq 0"]
    assert "Only $x$ and $5." in _prose(root, "posts/b/index.html")


def test_environments_mathjax_readers_use_are_drawn_as_tables(site: Site, build: Build) -> None:
    body = ("$$\n\\begin{aligned}\n a &= b + c \\\\\n d &= e \\label{eq:d}\n\\end{aligned}\n$$\n\n"
            "$$\\begin{equation} f(x) = x \\end{equation}$$\n")
    root = site(_post(body))
    report = build(root)
    assert report.warnings == ()
    prose = _prose(root)
    assert prose.count("<mtr>") == 2 and '<mtd columnalign="right"><mi>a</mi></mtd>' in prose
    assert "&amp;" not in prose.split("<annotation")[0]  # no stray ampersand drawn as a symbol
    assert "\\label{eq:d}" in _maths(prose)[0]  # the TeX as written is kept for copying


def test_double_dollars_within_a_line_are_inline_as_kramdown_has_them(site: Site, build: Build) -> None:
    body = ("If the loss is $$L$$ and\n$$\nv = 2\n$$\nthen more.\n\n"
            "| op | derivative |\n|----|----|\n| `a * b` | $$\\frac{\\partial}{\\partial a} = b$$ |\n")
    root = site(_post(body))
    build(root)
    prose = _prose(root)
    assert "<p>If the loss is <math><semantics><mrow><mi>L</mi>" in prose  # in its sentence
    assert '<math display="block"><semantics><mrow><mi>v</mi>' in prose  # on lines of its own
    assert re.search(r"<td><math><semantics>.*?\\partial a\} = b</annotation>", prose)  # a table cell


def test_math_off_leaves_every_dollar_and_fence_as_written(site: Site, build: Build) -> None:
    root = site(_post("$$x$$ and $y$\n\n```math\nz\n```\n"), config=DEFAULT_CONFIG + "[markdown]\nmath = false\n")
    build(root)
    prose = _prose(root)
    assert "<math" not in prose
    assert "$$x$$ and $y$" in prose and 'class="language-math"' in prose


def test_a_tex_error_is_reported_at_its_line_and_the_output_is_left_alone(site: Site, cli: Cli) -> None:
    root = site(_post("Fine $$a$$.\n"))
    assert cli("build", "--root", str(root))[0] == 0
    before = snapshot(root / "output")
    (root / "content/posts/a.md").write_text(
        (root / "content/posts/a.md").read_text() + "\n$$\n\\frac{1}\n$$\n\nAnd $$\\foo{x}$$ here.\n")
    code, _out, err = cli("build", "--root", str(root))
    assert code == 1
    assert "Traceback" not in err
    assert "/content/posts/a.md:7: TeX error in '\\frac{1}': " in err  # where the display formula opens
    assert "/content/posts/a.md:11: TeX error in '\\foo{x}': unknown TeX command '\\foo'" in err
    assert snapshot(root / "output") == before


def test_feeds_carry_each_formula_as_its_tex(site: Site, build: Build) -> None:
    root = site(_post("Area $$\\frac{a}{2}$$ and $x<y$.\n", "math: true\n"))
    build(root)
    atom = read(root, "feed.xml")
    assert "&lt;math" not in atom and "<math" not in atom
    assert "&lt;code class=\"math\"&gt;$\\frac{a}{2}$&lt;/code&gt;" in atom
    assert "$x&amp;lt;y$" in atom  # the TeX's own < escaped in the HTML, the HTML escaped in the XML
    item = json.loads(read(root, "feed.json"))["items"][0]
    assert '<code class="math">$\\frac{a}{2}$</code>' in item["content_html"]
    assert "<math" not in item["content_html"]


def test_a_summary_and_the_meta_description_read_the_tex_not_the_symbols(site: Site, build: Build) -> None:
    root = site(_post("Euler: $$e^{i\\pi}+1=0$$ holds.\n"))
    build(root)
    page = read(root, "posts/a/index.html")
    assert '<meta name="description" content="Euler: $e^{i\\pi}+1=0$ holds.">' in page


# --------------------------------------------------------------------------- diagrams

DOT = "```dot title=\"Flow\"\ndigraph { a -> b; b [style=filled fillcolor=\"red:blue\"] }\n```\n"


@needs_dot
def test_a_dot_fence_becomes_an_accessible_inline_svg_in_both_schemes(site: Site, build: Build) -> None:
    root = site(_post("Before.\n\n" + DOT + "\n```graphviz\ngraph { x -- y }\n```\n"))
    report = build(root)
    assert report.warnings == ()
    prose = _prose(root)
    assert prose.count("<svg") == 2 and "<pre" not in prose
    assert '<figure class="diagram diagram-dot"><svg role="img" aria-label="Flow"' in prose
    assert "<figcaption>Flow</figcaption>" in prose
    assert '<svg role="img" aria-label="Diagram"' in prose  # the untitled one still has a name
    assert 'stroke="currentColor"' in prose and 'stroke="black"' not in prose  # lines follow the text colour
    assert "<title>" not in prose  # Graphviz's per-node tooltips are not read out instead of the label
    assert "<?xml" not in prose and "<!DOCTYPE" not in prose


@needs_dot
def test_ids_stay_unique_when_diagrams_repeat_on_one_page(site: Site, build: Build) -> None:
    # The same gradient diagram twice in a post, and once more in another: the home page shows both posts whole.
    spec = _post(DOT + "\n" + DOT) + _post(DOT).replace("a.md", "b.md")
    root = site(spec, config=DEFAULT_CONFIG + "[feed]\nenabled = false\n")
    build(root)
    for rel in ("posts/a/index.html", "index.html"):
        ids = re.findall(r'\sid="([^"]+)"', read(root, rel))
        assert len(ids) == len(set(ids)), rel
        refs = set(re.findall(r"url\(#([^)]+)\)", read(root, rel)))
        assert refs and refs <= set(ids), rel  # each gradient fill still finds its own gradient


@needs_dot
def test_a_diagram_cannot_bring_scripts_or_files_into_the_page(site: Site, build: Build, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG not really")
    body = ("```dot\ndigraph {\n"
            ' a [URL="javascript:alert(1)" label="click"]\n'
            ' b [URL="https://example.com/" label="safe"]\n'
            f' c [image="{secret}" label=""]\n'
            "}\n```\n")
    root = site(_post(body))
    build(root)
    prose = _prose(root)
    assert "javascript:" not in prose and "alert(1)" not in prose
    assert "https://example.com/" in prose
    assert str(secret) not in prose and "<image" not in prose


@needs_dot
def test_a_dot_mistake_names_the_file_and_line(site: Site, cli: Cli) -> None:
    root = site(_post("Text.\n\n```dot\ndigraph {\n  a -> b\n  b -> -> c\n}\n```\n"))
    code, _out, err = cli("build", "--root", str(root))
    assert code == 1 and "Traceback" not in err
    line = next(line for line in err.splitlines() if "dot diagram" in line)
    where, line_number, message = line.split(":", 2)
    assert where.endswith("content/posts/a.md") and "syntax error" in message
    assert int(line_number) == 10  # the fence opens on line 7; Graphviz names the diagram's third line  # Graphviz names the line with the mistake or the one after it


@needs_dot
def test_rebuilds_never_run_dot_again_for_an_unchanged_diagram(site: Site, build: Build,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    real = subprocess.run

    def counting(command: list[str], *args: Any, **kw: Any) -> Any:
        runs.append(Path(command[0]).name)
        return real(command, *args, **kw)

    monkeypatch.setattr(subprocess, "run", counting)  # the module diagrams runs its programs with
    root = site(_post("One.\n\n" + DOT) + _post("Other.\n").replace("a.md", "b.md"))
    build(root)
    assert runs == ["dot"]
    (root / "content/posts/a.md").write_text((root / "content/posts/a.md").read_text().replace("One.", "One, edited."))
    build(root)
    (root / "content/posts/b.md").write_text((root / "content/posts/b.md").read_text() + "\n" + DOT)  # same diagram
    build(root)
    assert runs == ["dot"]
    assert _prose(root, "posts/b/index.html").count("<svg") == 1


def test_without_graphviz_a_diagram_is_shown_as_code_with_a_warning(site: Site, build: Build,
                                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    root = site(_post("Text.\n\n" + DOT + "\n```mermaid\ngraph TD; A-->B\n```\n"))
    report = build(root)
    messages = [(w.path, w.line, w.message) for w in report.warnings]
    assert ("content/posts/a.md", 7, "dot diagram shown as code: Graphviz's 'dot' is not installed "
            "(apt install graphviz, brew install graphviz)") in messages
    assert any(line == 11 and "mermaid-cli's 'mmdc' is not installed" in message for _p, line, message in messages)
    prose = _prose(root)
    assert "<svg" not in prose
    assert 'class="language-dot"' in prose and 'class="language-mermaid"' in prose


@needs_dot
def test_turning_diagrams_off_shows_the_fences_as_code(site: Site, build: Build) -> None:
    root = site(_post(DOT), config=DEFAULT_CONFIG + "[markdown]\ndiagrams = false\n")
    report = build(root)
    assert report.warnings == ()
    assert "<svg" not in _prose(root) and "<figcaption>Flow</figcaption>" in _prose(root)


# --------------------------------------------------------------------------- code blocks


def test_a_console_block_marks_prompts_and_output_and_a_title_labels_a_block(site: Site, build: Build) -> None:
    body = ("```console\n$ ls -l\ntotal 0\n# apt install graphviz\n```\n\n"
            "```python title=\"app.py\"\nprint('hi')\n```\n")
    root = site(_post(body))
    build(root)
    prose = _prose(root)
    prompts = re.findall(r'<span class="gp[^"]*">([^<]*)</span>', prose)
    outputs = re.findall(r'<span class="go[^"]*">([^<]*)</span>', prose)
    assert prompts == ["$ ", "# "] and outputs == ["total 0"]
    assert '<figure class="code"><figcaption>app.py</figcaption><div class="highlight">' in prose
    page = read(root, "posts/a/index.html")
    assert "navigator.clipboard" in page  # the copy button's script
    css = next((root / "output").glob("style.*.css")).read_text()
    assert re.search(r"\.gp\{[^}]*user-select:none", css)  # a reader's own selection skips the prompts too



needs_mmdc = pytest.mark.skipif(shutil.which("mmdc") is None, reason="mermaid-cli's mmdc is not installed")


@needs_mmdc
def test_a_mermaid_fence_becomes_an_inline_svg_and_its_mistake_names_the_line(site: Site, build: Build, cli: Cli) -> None:
    root = site(_post("```mermaid title=\"Flow\"\ngraph TD\n  A-->B\n```\n\n```mermaid\ngraph TD\n  A-->B\n```\n"))
    report = build(root)
    assert report.warnings == ()
    prose = _prose(root)
    assert '<figure class="diagram diagram-mermaid"><svg role="img" aria-label="Flow"' in prose
    assert prose.count("<svg") == 2 and "<script" not in prose
    ids = re.findall(r'\sid="([^"]+)"', prose)
    assert len(ids) == len(set(ids))  # mermaid names both roots "mermaid": each gets its own prefix
    (root / "content/posts/a.md").write_text((root / "content/posts/a.md").read_text()
                                             + "\n```mermaid\ngraph TD\n  A-->B\n  B-->>-C((\n```\n")
    code, _out, err = cli("build", "--root", str(root))
    assert code == 1 and "Traceback" not in err
    assert "/content/posts/a.md:18: mermaid diagram: Parse error on line 3" in err


def test_a_formula_cannot_carry_a_script_link(site: Site, build: Build) -> None:
    # \href in TeX becomes a MathML link: only to the web or mail, so a formula cannot get a
    # javascript: link past raw_html = false.
    root = site(_post("$\\href{javascript:alert(1)}{x}$ and $\\href{https://example.org/}{y}$ and "
                      "$\\href{ JaVaScRiPt:alert(2)}{z}$\n", "math: true\n"))
    build(root)
    page = read(root, "posts/a/index.html")
    assert 'href="https://example.org/"' in page
    assert 'href="javascript' not in page.lower() and 'href=" javascript' not in page.lower()
    assert "<mi>x</mi>" in page and "<mi>z</mi>" in page  # the formulas are still drawn
