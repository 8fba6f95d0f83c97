"""Turn the Markdown body of a post into HTML plus the facts the site needs about it (title, headings, links, words).

The dialect is CommonMark with GitHub's extensions (tables, strikethrough, autolinks,
task lists, footnotes, alerts) and a few of our own: heading ids with ``{#custom-id}``
and self-links, ``<!-- more -->`` summaries, captioned figures, Pygments highlighting and
Hugo-style shortcodes (``blogen.markdown.shortcodes``); template residue from other generators
is reported as warnings (``blogen.markdown.residue``).
This module is the public API (``render_markdown``, ``Rendered``). The parser and its render
rules are in ``blogen.markdown.parser``; the pass over the tokens (ids, links, words) is in
``blogen.markdown.analysis``, which defines ``Heading`` and ``LinkRef`` (re-exported here).

Fenced code info strings
------------------------
``LANG`` comes first (it may be omitted), then options separated by spaces or commas, bare
or in braces, in the forms other generators write them::

    ```python linenos hl_lines=2,4-6
    ```python {linenostart=10 hl_lines="2 4-6"}
    ```go {linenos=true,hl_lines=[2,"4-6"],linenostart=5}
    ```js title="app.js" {2,4-6}
    ```text {.wide #listing-1}

``linenos`` (alone, or ``=true/false/yes/no/on/off/1/0``, Hugo's ``table``/``inline``) turns
line numbers on or off; the default is ``MarkdownOptions.line_numbers``. ``linenostart=N``
numbers from N and implies ``linenos`` unless ``linenos=false`` is given too. ``hl_lines`` (or a
bare range) takes line numbers and ranges; they count from the first line of the block whatever
``linenostart`` is, and must lie within the block. ``title`` wraps the block in a figure with
that caption; ``.class`` and ``#id`` go on the block. A known option with a malformed value is an
error; any other option is a warning (``Rendered.warnings``) and is ignored. An unknown or
missing language is shown as escaped plain text; Pygments never guesses.

``Rendered.links``: ``target`` is the destination as the author wrote it, after Markdown
has resolved entities, backslash escapes and reference definitions; markdown-it's
percent-encoding is undone, so ``[a](café.md)``, ``[a](caf%C3%A9.md)`` and ``<a b>`` give
``café.md``, ``café.md`` and ``a b`` (reserved characters such as ``%2F`` stay encoded).
Refused destinations (``javascript:`` and the like) are not links at all. ``line`` is the
exact file line of the link, counted from the line breaks before it in its paragraph; it
can be too small only when an earlier code span, link title or destination in the same
paragraph spans several lines. Links in raw HTML (``href``, ``src``) and those a shortcode's
template writes are reported too, at the line of their HTML block or shortcode.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt

from blogen.core.config import MarkdownOptions
from blogen.core.errors import BlogenError, Problem
from blogen.core.packed import PackedText
from blogen.markdown import guard
from blogen.markdown.analysis import Heading, LinkRef, analyse, assign_ids, plain_text, slugify
from blogen.markdown.diagrams import Diagrams, draw_diagrams, find_diagram_tools
from blogen.markdown.fences import code_html, parse_info
from blogen.markdown.math import ENV_DISPLAY, ENV_INLINE, math_rules, typeset, uses_math
from blogen.markdown.parser import alerts_plugin, parser
from blogen.markdown.shortcode_templates import ShortcodeSet, Tools, builtin_shortcodes
from blogen.markdown.shortcodes import ENV_KEY, Expansion

__all__ = [
    "Heading",
    "LinkRef",
    "Rendered",
    "ShortcodeSet",
    "alerts_plugin",
    "highlight_css",
    "render_markdown",
    "slugify",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rendered:
    """The HTML of one document and everything about it that templates and checks need."""

    body: PackedText  # the HTML, compressed (see ``blogen.core.packed``): ``html`` unpacks it
    summary_html: str | None
    toc: tuple[Heading, ...]
    headings: tuple[Heading, ...]
    title: str | None
    words: int
    links: tuple[LinkRef, ...]
    first_image: str | None
    warnings: tuple[Problem, ...] = ()  # residue, unknown fence options: reported, never fatal
    # Made while a diagram program failed for a reason of its own (its browser did not start): shown as
    # code this time, and not to be cached, so the next build tries again.
    volatile: bool = False

    @property
    def html(self) -> str:
        return self.body.text


# --------------------------------------------------------------------------- public API


def render_markdown(
    text: str,
    options: MarkdownOptions,
    *,
    path: str,
    first_line: int = 1,
    take_title: bool = False,
    shortcodes: ShortcodeSet | None = None,
    diagrams: Diagrams | None = None,
) -> Rendered:
    """Render one document body; line numbers reported are file lines (``first_line`` is the body's first).

    Raises BlogenError listing every bad fence option; Markdown itself never fails, and
    any unexpected internal failure is also reported as a BlogenError rather than a crash.
    With ``take_title`` a leading level-1 heading is removed from the HTML and returned
    as ``title``; it then counts for nothing else (words, links, headings). ``shortcodes``: the
    templates shortcodes are drawn with (the built-in ones when not given). ``diagrams``: the diagram
    programs and where their drawings are kept (found now, and nothing kept, when not given).
    """
    try:
        return _render(text, options, path=path, first_line=first_line, take_title=take_title, shortcodes=shortcodes,
                       diagrams=diagrams)
    except BlogenError:
        raise
    except Exception as exc:  # a bug of ours or of a plugin must not take the whole build down
        logger.exception("internal error rendering Markdown in %s", path)
        raise BlogenError.one(path, None, f"could not render Markdown (internal error: {exc!r})") from exc


def _render(text: str, options: MarkdownOptions, *, path: str, first_line: int, take_title: bool,
            shortcodes: ShortcodeSet | None, diagrams: Diagrams | None) -> Rendered:
    styles = (options.highlight_light, options.highlight_dark)
    drawers = shortcodes if shortcodes is not None else builtin_shortcodes()
    rules = math_rules(options.math, text)
    md = parser(options.raw_html, options.smart_punctuation, bool(rules))
    env: dict[str, Any] = {"blogen_styles": styles, ENV_KEY: drawers}
    tokens = guard.parse(md, text, env, path=path, first_line=first_line)
    if rules == "maybe" and not uses_math(tokens, env):  # "auto": the sign of math was in code; $ is text here
        md = parser(options.raw_html, options.smart_punctuation, False)
        env = {"blogen_styles": styles, ENV_KEY: drawers}
        tokens = guard.parse(md, text, env, path=path, first_line=first_line)

    title: str | None = None
    if take_title and len(tokens) >= 3 and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
        title = plain_text(tokens[1].children)
        tokens = tokens[3:]

    tokens, walk, heading_tokens, more_at = analyse(md, tokens, options, path, first_line)
    problems = walk.problems
    problems.extend(Problem(path, first_line + offset, message, "warning") for offset, message in env.get("blogen_residue", ()))
    if walk.math or env.get(ENV_DISPLAY) or env.get(ENV_INLINE):
        problems.extend(typeset(tokens, path, first_line))
    volatile = False
    if walk.diagrams:
        drawn, volatile = draw_diagrams(walk.diagrams, diagrams or Diagrams(find_diagram_tools()), path, text)
        problems.extend(drawn)

    # Footnotes use fn<N>/fnref<N>; keep headings off those ids.
    footnote_count = len(env.get("footnotes", {}).get("list", {}))
    reserved = {f"{prefix}{n}" for n in range(1, footnote_count + 1) for prefix in ("fn", "fnref")}
    headings = assign_ids(heading_tokens, reserved, first_line, options.heading_ids)

    links, first_image = walk.links, walk.first_image
    if walk.shortcodes and not any(p.severity == "error" for p in problems):
        marker = tokens[more_at] if more_at is not None else None
        expansion = Expansion(md, env, env[ENV_KEY], path, _tools(md, env, options, path, problems), md.normalizeLinkText)
        tokens = expansion.expand(tokens)
        problems.extend(expansion.problems)
        if marker is not None:
            more_at = next(k for k, t in enumerate(tokens) if t is marker)
        links, first_image = _with_shortcode_links(walk.links, walk.first_image, walk.first_image_line, expansion.links)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise BlogenError(errors)

    summary_html: str | None = None
    if more_at is None:
        html = md.renderer.render(tokens, md.options, env)
    else:
        summary_html = md.renderer.render(tokens[:more_at], md.options, env)
        html = summary_html + md.renderer.render(tokens[more_at + 1 :], md.options, env)

    return Rendered(
        body=PackedText.of(html),
        summary_html=summary_html,
        toc=tuple(h for h in headings if h.level in (2, 3)),
        headings=tuple(headings),
        title=title,
        words=walk.words,
        links=tuple(links),
        first_image=first_image,
        warnings=tuple(sorted(set(problems), key=Problem.sort_key)),
        volatile=volatile,
    )


def _with_shortcode_links(own: list[LinkRef], first: str | None, first_line: int,
                          found: list[tuple[str, int, bool]]) -> tuple[list[LinkRef], str | None]:
    """The document's links with those its shortcodes wrote, in line order, and its first image
    (``first``, the first Markdown image, at ``first_line``, unless a shortcode drew one before it)."""
    extra = [LinkRef(target, line, is_image) for target, line, is_image in found]
    links = list(heapq.merge(own, extra, key=lambda link: link.line))
    drawn = next((link for link in extra if link.is_image), None)
    if drawn is not None and (first is None or drawn.line < first_line):
        first = drawn.target
    return links, first


def _tools(md: MarkdownIt, env: dict[str, Any], options: MarkdownOptions, path: str, problems: list[Problem]) -> Tools:
    """What shortcode templates may ask for: highlighted code (its option problems reported as a fence's are) and inline Markdown."""
    light, dark = options.highlight_light, options.highlight_dark

    def highlight(code: str, lang: str, extra: str) -> str:
        fence = parse_info(f"{lang} {extra}".strip(), code, options.line_numbers)
        line = int(env.get("blogen_shortcode_line", 0))
        problems.extend(Problem(path, line or None, m) for m in fence.errors)
        problems.extend(Problem(path, line or None, m, "warning") for m in fence.warnings)
        return code_html(code.strip("\n") + "\n", fence.options, light, dark)

    def markdownify(text: str) -> str:
        # Inline only, and without shortcodes (a caption holding one shows it as text).
        return str(md.renderer.render(md.parseInline(text, {"blogen_styles": (light, dark)}), md.options, {}))

    return Tools(highlight, markdownify)


def highlight_css(light: str, dark: str) -> str:
    """The stylesheet for highlighted code (light by default, dark under ``prefers-color-scheme``).

    Raises ValueError for a style Pygments does not have; validate with ``check_style`` first.
    """
    from blogen.markdown import highlight

    return highlight.highlight_css(light, dark)


def decode_href(value: str) -> str:
    """An ``href``/``src`` value as it appears in our HTML, turned back into the target as written.

    The inverse of what the renderer does to destinations (HTML-escaping and percent-encoding),
    so a rewritten page can find the links that ``Rendered.links`` reported.
    """
    import html

    return parser(True, False).normalizeLinkText(html.unescape(value))


def encode_href(target: str) -> str:
    """A link target as written, as the renderer writes it into ``href``/``src`` (percent-encoded, before
    HTML escaping): the inverse of ``decode_href``."""
    return parser(True, False).normalizeLink(target)
