"""Tests for blogen.markdown: HTML shapes from fixture files, and the facts reported beside the HTML."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import read, snapshot
from markdown_it import MarkdownIt
from markdown_it.utils import read_fixture_file

from blogen.build.pipeline import BuildReport
from blogen.core.config import MarkdownOptions, check_style
from blogen.core.errors import BlogenError
from blogen.markdown.render import (
    Heading,
    LinkRef,
    Rendered,
    ShortcodeSet,
    alerts_plugin,
    highlight_css,
    render_markdown,
    slugify,
)
from blogen.markdown.shortcode_templates import builtin_shortcodes, make_shortcode_set

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"

# Each fixture file is rendered with one set of options.
FIXTURE_OPTIONS = {
    "default.md": MarkdownOptions(),
    "no_raw_html.md": MarkdownOptions(raw_html=False),
    "smart.md": MarkdownOptions(smart_punctuation=True),
    "line_numbers.md": MarkdownOptions(line_numbers=True),
    "shortcodes.md": MarkdownOptions(),
    "dialects.md": MarkdownOptions(),
    "github_ids.md": MarkdownOptions(heading_ids="github"),
    "kramdown_ids.md": MarkdownOptions(heading_ids="kramdown"),
}

DEFAULT = MarkdownOptions()


def render(text: str, options: MarkdownOptions = DEFAULT, *, first_line: int = 1, take_title: bool = False) -> Rendered:
    return render_markdown(text, options, path="posts/x.md", first_line=first_line, take_title=take_title)


def fixture_cases() -> list[object]:
    cases: list[object] = []
    for path in sorted(FIXTURES.glob("*.md")):
        for line, title, source, expected in read_fixture_file(path):
            cases.append(pytest.param(path.name, source, expected, id=f"{path.stem}:{line}:{title}"))
    return cases


def test_every_fixture_file_has_options() -> None:
    assert {p.name for p in FIXTURES.glob("*.md")} == set(FIXTURE_OPTIONS)


@pytest.mark.parametrize(("file", "source", "expected"), fixture_cases())
def test_fixture(file: str, source: str, expected: str) -> None:
    assert render(source, FIXTURE_OPTIONS[file]).html == expected


# --------------------------------------------------------------------------- headings


def test_headings_report_level_id_text_and_file_line() -> None:
    doc = "# Top\n\nText.\n\n## Second *part*\n\n### Third {#three}\n\n#### Deep\n"
    result = render(doc, first_line=5)
    assert result.headings == (
        Heading(1, "top", "Top", 5),
        Heading(2, "second-part", "Second part", 9),
        Heading(3, "three", "Third", 11),
        Heading(4, "deep", "Deep", 13),
    )
    assert [h.id for h in result.toc] == ["second-part", "three"]


def test_duplicate_and_explicit_ids_are_unique() -> None:
    doc = "## A\n\n## A\n\n## B {#a}\n\n## B {#a}\n"
    ids = [h.id for h in render(doc).headings]
    assert ids == ["a-2", "a-3", "a", "a-1"]
    assert len(set(ids)) == len(ids)


def test_hostile_explicit_id_cannot_break_out_of_the_attribute() -> None:
    result = render('## Hi {#a"><img/src=x/onerror=alert(1)>}\n', MarkdownOptions(raw_html=False))
    assert result.headings[0].id == "aimgsrcxonerroralert1"
    assert result.headings[0].text == "Hi"
    assert "<img" not in result.html


def test_heading_id_does_not_collide_with_footnote_ids() -> None:
    result = render("## fn1\n\nText.[^n]\n\n[^n]: Note.\n")
    assert result.headings[0].id == "fn1-1"
    assert 'id="fn1"' in result.html  # the footnote keeps its id


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("  C++ & Rust  ", "c-rust"),
        ("snake_case_name", "snake-case-name"),
        ("Ünïcödé Straße", "ünïcödé-straße"),
        ("Глава 2", "глава-2"),
        ("!!!", "section"),
        ("", "section"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_self_links_only_on_levels_two_to_six() -> None:
    html = render("# One\n\n## Fish & *Chips*\n\n### `code` ![alt](x.png)\n").html
    assert html.startswith('<h1 id="one">One</h1>\n')
    # the heading's own text is the link: its accessible name is the heading text
    assert '<h2 id="fish-chips"><a href="#fish-chips">Fish &amp; <em>Chips</em></a></h2>' in html
    assert '<h3 id="code-alt"><a href="#code-alt"><code>code</code> <img src="x.png" alt="alt"></a></h3>' in html


@pytest.mark.parametrize("heading", ["## See [the docs](https://x.org) & more", "## Note[^1] & more", "## Raw <b>html</b> & more"])
def test_heading_that_cannot_be_a_link_gets_a_labelled_anchor_after_it(heading: str) -> None:
    # a link may not hold a link (nor a footnote reference); raw HTML might hold one or leave an element open
    html = render(f"{heading}\n\n[^1]: x\n").html
    assert '<a class="anchor" href="#' in html
    assert ' aria-label="Link to this section: ' in html and '& more">#</a></h2>' in html.replace("&amp;", "&")
    assert re.match(r'<h2 id="[a-z-]+">[^<]', html)  # the text is not wrapped in a link


# --------------------------------------------------------------------------- title


def test_take_title_removes_leading_h1() -> None:
    result = render("# My Post\n\nBody text.\n", take_title=True)
    assert result.title == "My Post"
    assert result.html == "<p>Body text.</p>\n"
    assert result.headings == ()
    assert result.words == 2


def test_take_title_accepts_setext_heading() -> None:
    result = render("My *Post*\n=======\n\nBody.\n", take_title=True)
    assert result.title == "My Post"
    assert "<h1" not in result.html


def test_take_title_leaves_document_alone_when_first_block_is_not_h1() -> None:
    for doc in ("Intro.\n\n# Later\n", "## Second level\n"):
        result = render(doc, take_title=True)
        assert result.title is None
        assert "<h" in result.html


def test_without_take_title_nothing_is_removed() -> None:
    result = render("# My Post\n\nBody.\n")
    assert result.title is None
    assert '<h1 id="my-post">My Post</h1>' in result.html


# --------------------------------------------------------------------------- summary


@pytest.mark.parametrize("raw_html", [True, False])
def test_more_marker_splits_summary(raw_html: bool) -> None:
    doc = "First *para*.\n\n  <!--   MORE   -->  \n\nSecond.\n"
    result = render(doc, MarkdownOptions(raw_html=raw_html))
    assert result.summary_html == "<p>First <em>para</em>.</p>\n"
    assert result.html == "<p>First <em>para</em>.</p>\n<p>Second.</p>\n"
    assert "more" not in result.html.lower()


def test_no_marker_means_no_summary() -> None:
    assert render("Just text.\n").summary_html is None


def test_marker_in_code_is_code() -> None:
    result = render("```\n<!-- more -->\n```\n")
    assert result.summary_html is None
    assert "&lt;!-- more --&gt;" in result.html


def test_nested_marker_is_hidden_but_does_not_split() -> None:
    result = render("- a\n\n  <!-- more -->\n- b\n", MarkdownOptions(raw_html=False))
    assert result.summary_html is None
    assert "more" not in result.html


# --------------------------------------------------------------------------- alerts, figures, tasks


def test_alerts_plugin_works_on_its_own() -> None:
    md = MarkdownIt("commonmark").use(alerts_plugin)
    html = md.render("> [!Important]\n> Read this.\n")
    assert html == '<div class="alert alert-important">\n<p class="alert-title">Important</p>\n<p>Read this.</p>\n</div>\n'


def test_alert_title_is_not_counted_as_words() -> None:
    assert render("> [!NOTE]\n> Two words\n").words == 2


def test_figure_and_plain_image() -> None:
    result = render('![Board](board.png "The finished board")\n\n![Icon](icon.png)\n')
    assert '<figure><img src="board.png" alt="Board"><figcaption>The finished board</figcaption></figure>' in result.html
    assert 'title="' not in result.html
    assert '<p><img src="icon.png" alt="Icon"></p>' in result.html
    assert result.first_image == "board.png"


def test_task_checkboxes_are_disabled_and_labelled_by_their_text() -> None:
    html = render("- [x] Done thing\n- [ ] Open [thing](/x)\n").html
    assert html.count("disabled") == 2
    assert '<li class="task-list-item"><label><input type="checkbox" disabled checked> Done thing</label></li>' in html
    assert '<label><input type="checkbox" disabled> Open <a href="/x">thing</a></label>' in html
    assert "aria-label" not in html  # the text is not written twice


def test_task_item_text_that_cannot_be_a_label_gives_an_aria_label() -> None:
    # raw HTML might hold a control or a label, which a <label> may not contain
    html = render("- [ ] Press <kbd>Ctrl</kbd>\n").html
    assert '<input type="checkbox" disabled aria-label="Press Ctrl"> Press <kbd>Ctrl</kbd>' in html
    assert "<label>" not in html


def test_task_item_without_a_paragraph_still_gets_a_labelled_checkbox() -> None:
    html = render("- [ ] \n  ```\n  code\n  ```\n").html
    assert '<li class="task-list-item">\n<input type="checkbox" disabled aria-label="Task">\n' in html


# --------------------------------------------------------------------------- code


def _class_of(ttype: object, light: str = "xcode", dark: str = "github-dark") -> str:
    from blogen.markdown.highlight import palette

    return palette(light, dark).class_of(ttype)


def test_known_language_is_highlighted() -> None:
    from pygments.token import Keyword

    html = render("```python\nimport os\n```\n").html
    assert f'<span class="{_class_of(Keyword.Namespace)}">import</span>' in html
    assert html.startswith('<div class="highlight"><pre tabindex="0"><code class="language-python">')


def test_language_alias_is_case_insensitive() -> None:
    assert '<span class="t' in render("```Python\nimport os\n```\n").html


def test_code_classes_are_short_shared_by_look_and_merged() -> None:
    from pygments.token import Keyword, Name

    # `static` (Keyword) and `int` (Keyword.Type) look alike in xcode and in github-dark: one class, one span
    assert _class_of(Keyword) == _class_of(Keyword.Type)
    assert _class_of(Keyword) != _class_of(Name.Function)
    html = render("```c\nstatic int f(void);\n```\n").html
    keyword, function = _class_of(Keyword), _class_of(Name.Function)
    assert f'<span class="{keyword}">static int</span> <span class="{function}">f</span>(<span class="{keyword}">void</span>);' in html
    # punctuation has no look of its own in either style: no span at all; nor do spaces between runs
    assert _class_of(Name.Function).startswith("t") and len(_class_of(Name.Function)) == 2
    assert "<span" not in render("```c\n();\n```\n").html


def test_a_run_goes_on_across_line_ends_unless_lines_are_numbered_or_highlighted() -> None:
    from pygments.token import Generic

    output = "go " + _class_of(Generic.Output)  # a session's output is also marked "go", for the copy button
    doc = "$ ls\none\ntwo\n"
    assert f'<span class="{output}">one\ntwo</span>\n</code>' in render(f"```console\n{doc}```\n").html
    for options in ("linenos", "hl_lines=2"):
        html = render(f"```console {options}\n{doc}```\n").html
        # each line balanced on its own, so numbers and highlight wrappers can go around it
        assert f'<span class="{output}">one</span>' in html and f'<span class="{output}">two</span>' in html


def test_spaces_never_join_a_run_whose_look_shows_on_them() -> None:
    # github-dark gives deleted lines a background: the spaces between two deleted words keep it,
    # but spaces before them (plain) stay plain
    html = render("```diff\n-a b\n```\n").html
    from pygments.token import Generic

    deleted = _class_of(Generic.Deleted)
    assert f'<span class="{deleted}">-a b</span>' in html
    # nor line ends: two deleted lines stay two spans, so the background does not paint the line end
    html = render("```diff\n-a\n-b\n```\n").html
    assert f'<span class="{deleted}">-a</span>\n<span class="{deleted}">-b</span>\n' in html


def test_code_css_gives_every_token_type_the_look_pygments_gives_it() -> None:
    """Our classes and CSS against Pygments' own formatter, for every standard token type, in both schemes."""
    from pygments.formatters import HtmlFormatter
    from pygments.token import STANDARD_TYPES, Token, Whitespace

    def looks(css: str) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
            decls = dict(d.split(":", 1) for d in body.split(";") if d)
            for selector in selectors.split(","):  # the dark rules are scoped by the scheme: `<scope> .t1`
                out.setdefault(selector.strip().rsplit(" ", 1)[-1], {}).update(decls)
        return out

    def pygments_look(style: str, ttype: object) -> dict[str, str]:
        formatter = HtmlFormatter(style=style)
        while ttype not in formatter.ttype2class and ttype is not Token:
            ttype = ttype.parent  # type: ignore[attr-defined]
        cls = formatter.ttype2class.get(ttype, "")
        body = formatter.class2style[cls][0] if cls in formatter.class2style else ""
        base = formatter.style.style_for_token(Token)["color"]
        decls = dict(d.strip().split(": ", 1) for d in body.split(";") if d.strip())
        if base and decls.get("color", "").lower().lstrip("#") == base.lower():
            del decls["color"]
        # the same look in fewer bytes: `700` is `bold`, and a span has no other background to keep
        names = {"background-color": "background"}
        return {names.get(k, k): {"bold": "700"}.get(v.lower(), v.lower()) for k, v in decls.items()}

    def short(value: str) -> str:  # #aabbcc -> #abc, as Pygments' webify does too
        return value if not re.fullmatch(r"#([0-9a-f])\1([0-9a-f])\2([0-9a-f])\3", value) else "#" + value[1::2]

    for light, dark in (("xcode", "github-dark"), ("default", "monokai")):
        css = highlight_css(light, dark)
        light_css, dark_css = css.split("@media screen and (prefers-color-scheme:dark){", 1)
        light_rules, dark_rules = looks(light_css), looks(dark_css.split("\n}\n", 1)[0])
        chosen = css.split("@media screen{", 1)[1].split("\n}\n", 1)[0]  # the reader chose dark: the same looks
        assert looks(chosen) == dark_rules
        selectors = [sel.strip() for group in re.findall(r"([^{}]+)\{", chosen) for sel in group.split(",")]
        assert selectors and all(sel.startswith("[data-scheme=dark] ") for sel in selectors)
        resets = {"inherit", "none", "transparent", "0"}
        for ttype in STANDARD_TYPES:
            if ttype in Whitespace:
                assert not _class_of(ttype, light, dark)  # a colour never shows on spaces: no class, no rule
                continue
            cls = _class_of(ttype, light, dark)
            got_light = light_rules.get(f".{cls}", {}) if cls else {}
            got_dark = {**got_light, **dark_rules.get(f".{cls}", {})} if cls else {}
            got_dark = {k: v for k, v in got_dark.items() if v not in resets}
            want_light = {k: short(v) for k, v in pygments_look(light, ttype).items()}
            want_dark = {k: short(v) for k, v in pygments_look(dark, ttype).items()}
            assert (got_light, got_dark) == (want_light, want_dark), (light, dark, ttype)


def test_unknown_language_is_escaped_plain_text() -> None:
    html = render("```klingon\nif (a < b) { x(); }\n```\n").html
    assert "<span" not in html
    assert "if (a &lt; b) { x(); }" in html


def test_line_numbers_are_unselectable_spans_not_text() -> None:
    html = render("```python linenos\nx = 1\ny = 2\n```\n").html
    assert html.count('<span class="linenos">') == 2
    assert "<table" not in html
    css = highlight_css("default", "monokai")
    assert ".highlight .linenos{-webkit-user-select:none;user-select:none" in css


def test_highlighted_lines() -> None:
    html = render("```text hl_lines=1,3-4\na\nb\nc\nd\n```\n").html
    # consecutive highlighted lines share one wrapper (a block: it looks the same as one per line)
    assert '<code class="language-text"><span class="hll">a\n</span>b\n<span class="hll">c\nd\n</span></code>' in html
    numbered = render("```text linenos hl_lines=1,3-4\na\nb\nc\nd\n```\n").html
    assert numbered.count('<span class="hll"><span class="linenos">') == 3  # numbered lines go one by one


def test_runs_go_on_across_ordinary_lines_of_a_block_with_highlighted_lines() -> None:
    from pygments.token import Generic

    output = "go " + _class_of(Generic.Output)  # marked "go" for the copy button
    html = render("```console hl_lines=2\n$ ls\none\ntwo\nthree\n```\n").html
    assert f'<span class="hll"><span class="{output}">one</span>\n</span><span class="{output}">two\nthree</span>\n' in html


def test_leading_blank_lines_keep_their_numbers() -> None:
    html = render("```python linenos hl_lines=2\n\nx = 1\n```\n").html
    assert '<span class="hll"><span class="linenos">2</span><span class="t' in html


def test_bad_fence_options_report_every_problem_with_file_lines() -> None:
    doc = "Intro.\n\n```python hl_lines=abc\nx\n```\n\n- item\n\n  ```c hl_lines=3 colour=red\n  y\n  ```\n"
    with pytest.raises(BlogenError) as caught:
        render(doc, first_line=10)
    problems = caught.value.problems
    assert [(p.path, p.line) for p in problems] == [("posts/x.md", 12), ("posts/x.md", 18)]
    assert [p.message for p in problems] == [
        "invalid fence option 'hl_lines=abc': expected line numbers like 2,4-6",
        "invalid fence option 'hl_lines=3': line 3 is past the end of the block (1 line)",
    ]


def test_unknown_fence_options_are_warnings_and_the_block_renders() -> None:
    result = render("Intro.\n\n```text colour=red {copy=true} linenoss\ny\n```\n", first_line=10)
    assert result.html.endswith('<div class="highlight"><pre tabindex="0"><code class="language-text">y\n</code></pre></div>\n')
    assert [(w.line, w.severity, w.message.split(" ignored")[0]) for w in result.warnings] == [
        (12, "warning", "unknown fence option 'colour=red'"),
        (12, "warning", "unknown fence option 'copy=true'"),
        (12, "warning", "unknown fence option 'linenoss'"),
    ]
    assert "(did you mean 'linenos'?)" in result.warnings[2].message
    assert [w.message for w in render("```text title\nx\n```\n").warnings] == [
        "fence option 'title' ignored: it needs a value, like title=\"app.js\""]


@pytest.mark.parametrize(
    "info",
    [
        "linenos=maybe",
        "linenostart=-1",
        "hl_lines=0",
        "hl_lines=3-2",
        "hl_lines=",
        "hl_lines=[1,x]",
    ],
)
def test_invalid_fence_option_values(info: str) -> None:
    with pytest.raises(BlogenError, match="invalid fence option"):
        render(f"```python {info}\na\nb\n```\n")


def test_info_string_cannot_inject_markup() -> None:
    html = render('```"><script>alert(1)</script> linenos\nx\n```\n').html
    assert "<script>" not in html
    assert 'class="language-scriptalert1script"' in html


def test_pygments_is_not_imported_for_documents_without_languages() -> None:
    code = (
        "import sys\n"
        "from blogen.core.config import MarkdownOptions\n"
        "from blogen.markdown.render import render_markdown\n"
        "render_markdown('# Hi\\n\\n```\\nplain\\n```\\n\\n    indented\\n', MarkdownOptions(), path='x')\n"
        "assert 'pygments' not in sys.modules, 'pygments imported'\n"
        "render_markdown('```python\\nx\\n```\\n', MarkdownOptions(), path='x')\n"
        "assert 'pygments' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


# --------------------------------------------------------------------------- options


def test_raw_html_on_and_off() -> None:
    doc = "<aside>note</aside>\n\nPress <kbd>Ctrl</kbd> <script>x</script>\n"
    on = render(doc, MarkdownOptions(raw_html=True)).html
    off = render(doc, MarkdownOptions(raw_html=False)).html
    assert "<aside>note</aside>" in on
    assert "<kbd>Ctrl</kbd>" in on
    assert "<aside>" not in off
    assert "<script>" not in off
    assert "&lt;kbd&gt;Ctrl&lt;/kbd&gt;" in off


def test_quotes_are_escaped_in_attributes_only() -> None:
    html = render('"a" `"b"` [l](/x "t\\"q") ![i"m](/y.png)\n').html
    assert html == '<p>"a" <code>"b"</code> <a href="/x" title="t&quot;q">l</a> <img src="/y.png" alt="i&quot;m"></p>\n'


def test_smart_punctuation_on_and_off() -> None:
    doc = '"Hi" -- it\'s...\n'
    assert render(doc, MarkdownOptions(smart_punctuation=True)).html == "<p>“Hi” – it’s…</p>\n"
    assert render(doc, MarkdownOptions(smart_punctuation=False)).html == "<p>\"Hi\" -- it's...</p>\n"


def test_line_numbers_option_is_the_default_for_fences() -> None:
    html = render("```python\nx\n```\n", MarkdownOptions(line_numbers=True)).html
    assert '<span class="linenos">1</span>' in html


# --------------------------------------------------------------------------- words and links


def test_words_exclude_code() -> None:
    doc = (
        "## Two words\n\n"
        "Use the `very long inline code` function *carefully*, un*believ*able.\n\n"
        "```python\nthese words do not count\n```\n\n"
        "    nor these indented ones\n\n"
        "- [x] task item\n\n"
        "| cell one | two |\n|---|---|\n| three | — |\n"
    )
    # 2 heading + "Use the function carefully, unbelievable." (5) + task (2) + cells (4); a lone dash is not a word
    assert render(doc).words == 13


def test_links_are_reported_with_file_lines_in_document_order() -> None:
    doc = (
        "Intro [one](a.md) and\n"
        "a second line with ![pic](img/p.png) and <https://example.org/x>\n"
        "and www.example.com.\n\n"
        "| [cell](c.md) |\n|---|\n| [row](r.md) |\n\n"
        "[ref link][r] and [café](café.html#été)\n\n"
        "[r]: /target/\n"
    )
    result = render(doc, first_line=4)
    assert result.links == (
        LinkRef("a.md", 4, False),
        LinkRef("img/p.png", 5, True),
        LinkRef("https://example.org/x", 5, False),
        LinkRef("http://www.example.com", 6, False),
        LinkRef("c.md", 8, False),
        LinkRef("r.md", 10, False),
        LinkRef("/target/", 12, False),
        LinkRef("café.html#été", 12, False),
    )
    assert result.first_image == "img/p.png"


def test_link_targets_read_as_written_whatever_their_form() -> None:
    # Plain targets, and those markdown-it encodes (percent-encoding, an IDN host in punycode, a port, a
    # user): each is reported as the author wrote it, whether in Markdown or in raw HTML.
    targets = ["posts/a.md#setup", "/about/?tab=1", "https://example.org/x/y?q=1#f", "http://example.org",
               "https://xn--caf-dma.example/menu", "https://example.org:8443/x", "mailto:me@example.org",
               "caf%C3%A9.md", "https://example.org/a%2Fb", "//cdn.example.org/lib.js", "a:b/c"]
    doc = "".join(f"[t{k}]({t})\n" for k, t in enumerate(targets)) + '\n<a href="https://xn--caf-dma.example/">x</a>\n'
    found = [link.target for link in render(doc).links]
    assert found == [
        "posts/a.md#setup", "/about/?tab=1", "https://example.org/x/y?q=1#f", "http://example.org",
        "https://café.example/menu", "https://example.org:8443/x", "mailto:me@example.org",
        "café.md", "https://example.org/a%2Fb", "//cdn.example.org/lib.js", "a:b/c", "https://café.example/",
    ]


def test_first_image_is_none_without_images() -> None:
    assert render("[a](b)\n").first_image is None


# --------------------------------------------------------------------------- robustness


NASTY = [
    "",
    "\x00",
    ">" * 3000 + " deep",
    "".join("  " * i + "- a\n" for i in range(300)),
    "[" * 5000 + "]" * 5000,
    "*a" * 5000,
    "## " + "{#" * 3000 + "}",
    "# x\n" * 2000,
    "```" + "x " * 2000 + "\ny\n```\n",
    "```python hl_lines=1-999999999\nx\n```\n",
    "> [!NOTE]\n> > [!TIP]\n> > - [x] ![a](b 'c')\n",
    "<!-- more -->\n<!-- more -->\n",
    "[^1]\n\n[^1]: # heading in a note\n",
    "\r\n\r\n```\r\ncode\r\n```\r",
]


@pytest.mark.parametrize("doc", NASTY, ids=range(len(NASTY)))
@pytest.mark.parametrize("options", [DEFAULT, MarkdownOptions(raw_html=False, smart_punctuation=True, line_numbers=True)])
def test_nasty_input_renders_or_reports_fence_problems(doc: str, options: MarkdownOptions) -> None:
    try:
        result = render(doc, options, take_title=True)
    except BlogenError as error:
        assert all("fence option" in p.message for p in error.problems)
        return
    ids = [h.id for h in result.headings]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------- css and styles


def test_highlight_css_has_light_rules_and_dark_media_query() -> None:
    css = highlight_css("default", "monokai")
    light, dark = css.split("@media screen and (prefers-color-scheme:dark){", 1)
    assert ".highlight{background:#f8f8f8;--code-bg:#f8f8f8}" in light
    assert ":root:not([data-scheme=light]) .highlight{background:#272822;color:#f8f8f2;--code-bg:#272822}" in dark
    assert "[data-scheme=dark] .highlight{background:#272822;color:#f8f8f2;--code-bg:#272822}" in dark
    # a class the light style colours and the dark one leaves alone is set back, never dark-on-dark
    assert "{color:inherit}" in dark
    # one rule per look: classes with identical declarations share it; comments are gone
    assert re.search(r"\n\.t\w+,\.t\w+[,{]", light) and "/* Comment */" not in css
    assert ".highlight .linenos" in css and "opacity" not in css
    assert "\npre{" not in css and "\npre {" not in css  # no unscoped rule for every `pre` of the site
    assert css == highlight_css("default", "monokai")


def test_highlight_css_rejects_unknown_style() -> None:
    with pytest.raises(ValueError, match="nosuchstyle"):
        highlight_css("nosuchstyle", "monokai")


@pytest.mark.parametrize(
    ("name", "known"), [("monokai", True), ("default", True), ("nosuchstyle", False), ("_mapping", False), ("", False)]
)
def test_check_style(name: str, known: bool) -> None:
    assert check_style(name) is known


# --------------------------------------------------------------------------- shortcodes


def _set(**templates: str) -> ShortcodeSet:
    """A site's shortcode templates (by name) over the built-in ones, as a build makes them."""
    own = [(f"{name}.html", f"theme/shortcodes/{name}.html", text) for name, text in templates.items()]
    return make_shortcode_set([*own, *((t.path, t.shown, t.source) for t in builtin_shortcodes().templates)])


def _with(shortcodes: ShortcodeSet, text: str, first_line: int = 1) -> Rendered:
    return render_markdown(text, DEFAULT, path="content/posts/x.md", first_line=first_line, shortcodes=shortcodes)


def test_an_unknown_shortcode_names_the_file_line_and_the_template_to_create() -> None:
    with pytest.raises(BlogenError) as caught:
        render("Intro.\n\n{{< tweet user=x id=1 >}}\n\nAnd {{% notice info %}}inline{{% /notice %}}.\n", first_line=4)
    assert [p.format() for p in caught.value.problems] == [
        "posts/x.md:6: unknown shortcode 'tweet': create theme/shortcodes/tweet.html to draw it "
        "(known: callout, details, figure, gist, highlight, vimeo, youtube)",
        "posts/x.md:8: unknown shortcode 'notice': create theme/shortcodes/notice.html to draw it "
        "(known: callout, details, figure, gist, highlight, vimeo, youtube)",
    ]


def test_hugo_ref_says_to_link_the_markdown_file() -> None:
    with pytest.raises(BlogenError, match=r"shortcode 'ref' is Hugo's own: link to the Markdown file instead"):
        render('See [it]({{< ref "other.md" >}}).\n')


def test_a_site_template_overrides_a_built_in_one_and_adds_new_ones() -> None:
    shortcodes = _set(youtube='<a href="https://youtu.be/{{ get(0) }}">video</a>', kbd="<kbd>{{ inner }}</kbd>")
    html = _with(shortcodes, "{{< youtube abc >}}\n\nPress {{< kbd >}}Ctrl{{< /kbd >}}.\n").html
    assert html == '<a href="https://youtu.be/abc">video</a>\n<p>Press <kbd>Ctrl</kbd>.</p>\n'
    assert shortcodes != builtin_shortcodes() and shortcodes == _set(youtube='<a href="https://youtu.be/{{ get(0) }}">video</a>',
                                                                    kbd="<kbd>{{ inner }}</kbd>")


def test_a_template_gets_arguments_typed_as_hugo_types_them() -> None:
    shortcodes = _set(show="{% for a in args %}[{{ a }}:{{ a.__class__.__name__ }}]{% endfor %}"
                           "{% for k, v in kwargs|dictsort %}({{ k }}={{ v }}:{{ v.__class__.__name__ }}){% endfor %}"
                           "{{ name }} {{ page.source }}:{{ line }} #{{ ordinal }}")
    html = _with(shortcodes, 'x\n\n{{< show "quoted" bare 3 0123 true `raw "q"` n=4 f=1.5 s="t" b=false >}}\n\n{{< show >}}\n',
                 first_line=7).html
    assert html == ('<p>x</p>\n[quoted:str][bare:str][3:int][0123:str][True:bool][raw &#34;q&#34;:str]'
                    '(b=False:bool)(f=1.5:float)(n=4:int)(s=t:str)show content/posts/x.md:9 #0\n'
                    "show content/posts/x.md:11 #1\n")


def test_inner_text_is_markdown_for_percent_tags_and_when_the_template_prints_inner_html() -> None:
    shortcodes = _set(raw="<pre>{{ inner }}</pre>", md="<div>{{ inner_html }}</div>", hugo="<div>{{ inner }}</div>")
    doc = ("{{< raw >}}\n## Not a heading [x](a.md)\n{{< /raw >}}\n\n"
           "{{< md >}}\n## In md\n\n[y](b.md)\n{{< /md >}}\n\n"
           "{{% hugo %}}\n## In percent\n{{% /hugo %}}\n\n{{< hugo >}}\n**as written**\n{{< /hugo >}}\n")
    result = _with(shortcodes, doc)
    assert "<pre>## Not a heading [x](a.md)\n</pre>" in result.html
    assert '<div><h2 id="in-md"><a href="#in-md">In md</a></h2>\n<p><a href="b.md">y</a></p>\n</div>' in result.html
    assert '<div><h2 id="in-percent">' in result.html and "<div>**as written**\n</div>" in result.html
    # Markdown inner text is part of the document: its headings are in the table of contents, its links are checked.
    assert [h.id for h in result.toc] == ["in-md", "in-percent"]
    assert [(link.target, link.line) for link in result.links] == [("b.md", 8)]


def test_links_and_images_a_template_writes_are_reported_at_the_shortcode_line() -> None:
    result = render("Intro ![a](first.png).\n\n{{< figure src=\"photo.jpg\" link=\"other.md\" caption=\"[c](c.md)\" >}}\n",
                    first_line=3)
    assert [(link.target, link.line, link.is_image) for link in result.links] == [
        ("first.png", 3, True), ("other.md", 5, False), ("photo.jpg", 5, True), ("c.md", 5, False)]
    assert result.first_image == "first.png"
    assert render('{{< figure src="photo.jpg" >}}\n\n![a](later.png)\n').first_image == "photo.jpg"


def test_template_errors_name_the_template_its_line_and_the_shortcode_use() -> None:
    shortcodes = _set(broken="<p>\n{{ nope.x }}</p>", syntax="{% if %}", picky="{{ fail('needs an id') }}")
    with pytest.raises(BlogenError) as caught:
        _with(shortcodes, "{{< broken >}}\n\n{{< syntax >}}\n\n{{< picky >}}\n", first_line=10)
    assert [p.format() for p in caught.value.problems] == [
        "content/posts/x.md:14: shortcode 'picky': needs an id",
        "theme/shortcodes/broken.html:2: undefined variable: 'nope' is undefined (in the shortcode at content/posts/x.md:10)",
        "theme/shortcodes/syntax.html:1: template syntax error: Expected an expression, got 'end of statement block' "
        "(in the shortcode at content/posts/x.md:12)",
    ]


def test_built_in_shortcodes_say_what_they_need() -> None:
    with pytest.raises(BlogenError) as caught:
        render("{{< youtube >}}\n\n{{< figure alt=x >}}\n\n{{< callout purple >}}\nx\n{{< /callout >}}\n")
    assert [p.message for p in caught.value.problems] == [
        "shortcode 'youtube': youtube needs the video id: {{< youtube dQw4w9WgXcQ >}}",
        "shortcode 'figure': figure needs the image: {{< figure src=\"photo.jpg\" alt=\"…\" >}}",
        "shortcode 'callout': unknown callout type 'purple': use note, tip, important, warning or caution",
    ]


def test_a_shortcode_whose_template_draws_inner_text_must_be_closed() -> None:
    with pytest.raises(BlogenError) as caught:
        render("{{< details summary=S >}}\n\nThe rest of the page.\n\n{{% callout %}}x\n", first_line=2)
    assert [p.format() for p in caught.value.problems] == [
        "posts/x.md:2: shortcode 'details' is never closed: add {{< /details >}} after its text (on a line of its own "
        "when the shortcode starts one), or write {{< details />}}",
        "posts/x.md:6: shortcode 'callout' is never closed: add {{% /callout %}} after its text (on a line of its own "
        "when the shortcode starts one), or write {{% callout /%}}",
    ]
    assert render("{{< details summary=S />}}\n").html == "<details>\n<summary>S</summary>\n</details>\n"


def test_a_closing_tag_inside_fenced_code_does_not_close_the_shortcode() -> None:
    html = render("{{< details >}}\n```\n{{< /details >}}\n```\n{{< /details >}}\n").html
    assert html.startswith("<details>\n<summary>Details</summary>\n<div class=\"highlight\"><pre tabindex=\"0\"><code>{{&lt; /details &gt;}}")
    assert html.endswith("</code></pre></div>\n</details>\n")


def test_hugo_highlight_inline_and_option_names_in_any_case() -> None:
    html = render('Some {{< highlight text "hl_inline=true" >}}x = 1{{< /highlight >}} code.\n\n```text {hl_Lines=1}\ny\n```\n').html
    assert html == ('<p>Some <code class="code-inline language-text">x = 1</code> code.</p>\n'
                    '<div class="highlight"><pre tabindex="0"><code class="language-text"><span class="hll">y\n</span></code></pre></div>\n')


def test_highlight_options_problems_are_reported_as_a_fences_are() -> None:
    result = render("{{< highlight text \"hl_lines=1 style=monokai\" >}}\na\n{{< /highlight >}}\n", first_line=3)
    assert [(w.line, w.message.split(" ignored")[0]) for w in result.warnings] == [(3, "unknown fence option 'style=monokai'")]
    with pytest.raises(BlogenError, match=r"posts/x.md:3: invalid fence option 'hl_lines=9'"):
        render("{{< highlight text \"hl_lines=9\" >}}\na\n{{< /highlight >}}\n", first_line=3)


# --------------------------------------------------------------------------- template residue


def test_each_kind_of_residue_in_prose_is_a_warning_at_its_line() -> None:
    doc = ("# T\n\nSee {% post_url 2019-01-01-x %} and {{ site.url }}.\n{: .note}\n\n* TOC\n{:toc}\n\n"
           "{::comment}\nx\n{:/comment}\n\n{{< youtube \"unclosed >}}\n\n{% include note.html text=\"hi\" %}\n")
    result = render(doc, first_line=3)
    assert [(w.line, w.severity, w.message) for w in result.warnings] == [
        (5, "warning", "liquid-output: '{{ site.url }}' is Jekyll template code, shown as text: write the value it stood for instead"),
        (5, "warning", "liquid-tag: '{% post_url 2019-01-01-x %}' is Jekyll template code, shown as text: link to the post's "
                       "Markdown file instead, e.g. [text](other-post.md)"),
        (6, "warning", "kramdown-attribute: '{: .note}' is a kramdown attribute list, shown as text: remove it "
                       "(or use raw HTML for the class or id)"),
        (9, "warning", "kramdown-attribute: '{:toc}' is kramdown's table of contents, shown as text: set 'toc: true' "
                       "in the front matter instead"),
        (11, "warning", "kramdown-extension: '{::comment}' is kramdown syntax, shown as text: remove it"),
        (13, "warning", "kramdown-attribute: '{:/comment}' is a kramdown attribute list, shown as text: remove it "
                        "(or use raw HTML for the class or id)"),
        (15, "warning", "hugo-shortcode: '{{< youtube \"unclosed >}}' is shown as text: it could not be read as a "
                        "shortcode (check its quotes and its closing '>}}')"),
        (17, "warning", "liquid-tag: '{% include note.html text=\"hi\" %}' is Jekyll template code, shown as text: make it a "
                        "shortcode: {{< note … >}} with a template theme/shortcodes/note.html"),
    ]


def test_residue_in_code_escaped_or_in_raw_html_code_is_not_reported() -> None:
    doc = ("`{{ x }}` and \\{% raw %} and &#123;{ y }}\n\n```liquid\n{% if x %}{{ y }}{% endif %}\n```\n\n"
           "    {: .x}\n\n<pre>{{ z }}</pre>\n\n<script>var t = `{{ w }}`;</script>\n\n"
           "like <code>{%&nbsp;for x in y&nbsp;%}</code> in\njinja2, or <kbd>{{</kbd> <!-- {{ hidden }} -->\n\n"
           "<!--\n{% comment %}\n-->\n")
    assert render(doc).warnings == ()


def test_residue_in_raw_html_and_in_link_targets_is_reported_and_not_checked_as_a_link() -> None:
    result = render('<img src="{{ site.baseurl }}/a.png">\n\n[b]({{site.url}}/b/) and ![c]({%link c.png%})\n\n'
                    'Posted [first][orig].\n\n[orig]: <{{% param url %}}>\n')
    assert [(w.line, w.message.split(":")[0]) for w in result.warnings] == [
        (1, "liquid-output"), (3, "liquid-output"), (3, "liquid-tag"), (5, "hugo-shortcode")]
    assert "in a link target is not run: write the URL" in result.warnings[1].message
    assert result.links == ()


# --------------------------------------------------------------------------- heading id styles


def test_heading_aliases_give_every_styles_id() -> None:
    from blogen.markdown.anchors import heading_aliases

    found = heading_aliases(["People & Body", "2. Setup", "People & Body"])
    assert found["people-body"] == {0} and found["people--body"] == {0} and found["people--body-1"] == {2}
    assert found["2-setup"] == {1} and found["setup"] == {1}


# --------------------------------------------------------------------------- in a build


RESIDUE_SITE = """\
-- content/posts/old.md --
---
title: Old
date: 2024-01-01
---
Hello {{ site.author }}.
{: .lead}

{% include note.html %}
-- content/posts/clean.md --
---
title: Clean
date: 2024-01-02
---
Nothing `{{ here }}`.
"""


def test_residue_is_a_warning_at_build_counted_by_kind_listed_by_check_and_fatal_with_strict(
        site: Callable[..., Path], cli: Callable[..., tuple[int, str, str]]) -> None:
    root = site(RESIDUE_SITE, config='title = "T"\nbase_url = "https://notes.blog/"\n')
    code, out, err = cli("build", "--root", str(root))
    assert code == 0, err
    assert [line.replace(f"{root}/", "").split(" is ")[0] for line in err.splitlines()] == [
        "content/posts/old.md:5: warning: liquid-output: '{{ site.author }}'",
        "content/posts/old.md:6: warning: kramdown-attribute: '{: .lead}'",
        "content/posts/old.md:8: warning: liquid-tag: '{% include note.html %}'",
    ]
    assert out.rstrip().endswith("; 3 warnings (1 kramdown-attribute, 1 liquid-output, 1 liquid-tag)")
    code, out, err = cli("build", "--root", str(root))  # nothing changed: said again, from the last build's record
    assert code == 0 and err.count("warning:") == 3
    code, out, err = cli("check", "--root", str(root))
    assert code == 0 and err.count("warning:") == 3
    assert out.rstrip().endswith("0 errors, 3 warnings (1 kramdown-attribute, 1 liquid-output, 1 liquid-tag)")
    before = sorted(p.name for p in (root / "output").rglob("*"))
    code, _, err = cli("build", "--root", str(root), "--strict")
    assert code == 1 and "content/posts/old.md:8: liquid-tag" in err and "build failed: 3 errors" in err
    assert sorted(p.name for p in (root / "output").rglob("*")) == before


def test_a_sites_shortcode_template_draws_and_editing_it_renders_the_post_again(
        site: Callable[..., Path], build: Callable[..., BuildReport]) -> None:
    root = site("-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\n---\n{{< kbd Ctrl >}} and {{< youtube abc >}}\n"
                "-- content/posts/b.md --\n---\ntitle: B\ndate: 2024-01-02\n---\nNo shortcodes.\n"
                "-- theme/shortcodes/kbd.html --\n<kbd>{{ get(0) }}</kbd>\n")
    build(root)
    assert "<kbd>Ctrl</kbd> and <span class=\"video\">" in read(root, "posts/a/index.html")
    (root / "theme/shortcodes/kbd.html").write_text("<kbd class=\"key\">{{ get(0) }}</kbd>\n")
    report = build(root)
    assert report.rendered == 2  # the templates are in every document's cache key
    assert "<kbd class=\"key\">Ctrl</kbd>" in read(root, "posts/a/index.html")
    (root / "theme/shortcodes/youtube.html").write_text("<a href=\"https://youtu.be/{{ get(0) }}\">video</a>\n")
    build(root)
    assert "<a href=\"https://youtu.be/abc\">video</a>" in read(root, "posts/a/index.html")  # overrides the built-in


def test_an_unknown_shortcode_fails_the_build_and_leaves_the_output_as_it_was(
        site: Callable[..., Path], cli: Callable[..., tuple[int, str, str]]) -> None:
    root = site("-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\n---\nOne.\n")
    assert cli("build", "--root", str(root))[0] == 0
    before = snapshot(root / "output")
    (root / "content/posts/a.md").write_text("---\ntitle: A\ndate: 2024-01-01\n---\nOne.\n\n{{< tweet 123 >}}\n")
    code, _, err = cli("build", "--root", str(root))
    assert code == 1
    assert "content/posts/a.md:7: unknown shortcode 'tweet': create theme/shortcodes/tweet.html to draw it" in err
    assert snapshot(root / "output") == before


def test_heading_ids_takes_one_of_three_styles(site: Callable[..., Path]) -> None:
    from blogen.core.config import load_config

    root = site("", config='title = "T"\nbase_url = "https://e.org/"\n[markdown]\nheading_ids = "hugo"\n')
    with pytest.raises(BlogenError) as caught:
        load_config(root)
    assert [p.format() for p in caught.value.problems] == [
        "blogen.toml:4: config key 'markdown.heading_ids' must be \"blogen\", \"github\" or \"kramdown\", not 'hugo'"]
    (root / "blogen.toml").write_text('title = "T"\nbase_url = "https://e.org/"\n[markdown]\nheading_ids = "kramdown"\n')
    assert load_config(root).markdown.heading_ids == "kramdown"


def test_raw_html_links_are_reported_but_not_those_in_comments_or_scripts() -> None:
    doc = ('<p><a href="a.md">a</a> <img src=\'b.png\' alt="">\n<a href="c.md">c</a></p>\n\n'
           '<!-- <a href="old.md">old</a> -->\n\n<script>var x = \'<a href="js.md">\';</script>\n\n'
           'Inline <a href="d.md">d</a> and <!-- <img src="e.png"> -->.\n')
    assert [(link.target, link.line, link.is_image) for link in render(doc, first_line=3).links] == [
        ("a.md", 3, False), ("b.png", 3, True), ("c.md", 4, False), ("d.md", 10, False)]


def test_an_imported_shortcodes_starter_template_shows_what_it_is_given() -> None:
    from blogen.markdown.shortcode_templates import starter_template

    shortcodes = _set(note=starter_template("note", "content/posts/a.md"))
    html = _with(shortcodes, '{{< note text="careful" level=2 >}}\n\nA {{< note x >}} inline.\n\n'
                             "{{% note warn %}}\n**Hi**\n{{% /note %}}\n").html
    assert html == ('<div class="shortcode-note">\n<p>careful 2</p>\n</div>\n'
                    '<p>A <span class="shortcode-note">x</span> inline.</p>\n'
                    '<div class="shortcode-note">\n<p>warn</p>\n<p><strong>Hi</strong></p>\n</div>\n')


def test_shortcodes_in_raw_html_blocks_are_drawn_but_not_in_its_code_or_comments() -> None:
    doc = ('Intro.\n\n<div class="note">\n  <h5>Gather {{< gist a 1 >}}</h5>\n  <p>See <a href="x.md">x</a>.</p>\n'
           '  <pre>{{< gist b 2 >}}</pre>\n  <!-- {{< nope >}} -->\n  <p>{{</* gist c */>}} and {{ site.url }}</p>\n</div>\n')
    result = render(doc, first_line=10)
    assert result.html == (
        '<p>Intro.</p>\n<div class="note">\n  <h5>Gather <a href="https://gist.github.com/a/1">gist 1 by a on GitHub</a></h5>\n'
        '  <p>See <a href="x.md">x</a>.</p>\n  <pre>{{< gist b 2 >}}</pre>\n  <!-- {{< nope >}} -->\n'
        '  <p>{{&lt; gist c &gt;}} and {{ site.url }}</p>\n</div>\n')
    assert [(link.target, link.line) for link in result.links] == [("https://gist.github.com/a/1", 13), ("x.md", 14)]
    assert [(w.line, w.message.split(":")[0]) for w in result.warnings] == [(17, "liquid-output")]
