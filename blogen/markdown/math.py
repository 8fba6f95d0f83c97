"""TeX math in Markdown: ``$…$`` inline, ``$$…$$`` display and ```` ```math ```` fences, drawn as MathML at build time.

Where a dollar sign starts math follows pandoc (and GitHub): an opening ``$`` is followed by a
non-space, a closing ``$`` is preceded by a non-space and not followed by a digit, and ``\\$`` is a
dollar. So ``$5 and $10``, ``$HOME`` and a ``$ ls`` prompt stay text. One rule is blogen's own: a
backtick between the two dollars ends the attempt, so ``costs $5 and `$HOME` is…`` (a price, then a
code span holding a dollar) is not read as one formula. ``$$…$$`` needs no such care: it is math
wherever it is written outside code: a display formula on lines of its own, inline within a line (as
kramdown reads it, so Jekyll blogs' ``where $$a$$ is`` stays in its sentence).

``markdown.math`` (per document, front matter ``math:``) decides which rules are on; see
``math_rules``. The parser rules only mark the formulas; ``typeset`` turns them into MathML once the
document is parsed, so every TeX error is reported at its file line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from blogen.core.errors import Problem
from blogen.markdown.fences import has_fence
from blogen.markdown.mathml import TeXError, tex_to_mathml

if TYPE_CHECKING:
    from markdown_it.renderer import RendererHTML
    from markdown_it.utils import EnvType, OptionsDict

# env keys: the document holds display math (``$$``) / inline math (``$``), set by the rules below.
ENV_DISPLAY = "blogen_math_display"
ENV_INLINE = "blogen_math_inline"
MATH_TOKENS = frozenset({"math_inline", "math_inline_double", "math_block"})
_MATH_INFO_RE = re.compile(r"[ \t]*\{?[ \t]*\.?math\b")  # after a fence's backticks: a ```math fence
_DIGITS = frozenset("0123456789")


# What only TeX looks like: a command (``\\alpha``, ``\\,``), a superscript, a subscript of one character or
# in braces (``x^2``, ``a_i``, ``x_{ij}``; not ``$MY_VAR``). A price or a shell variable has none of them.
_TEX_SIGN = r"\\[A-Za-z,;!]|\^|_(?:\{|[A-Za-z0-9](?![A-Za-z0-9]))"
_TEX_SIGN_RE = re.compile(_TEX_SIGN)
_TEXY_SPAN_RE = re.compile(r"\$[^\s$][^$\n]*?(?:" + _TEX_SIGN + r")[^$\n]*?\$")


def math_rules(mode: str, text: str) -> str:
    """Which math rules a document is parsed with: ``""`` none, ``"all"``, or ``"maybe"`` (all, to be confirmed).

    ``mode`` is ``markdown.math`` for the document: ``"off"``, ``"on"`` or ``"auto"``. A document without
    a dollar sign needs no rules at all (the parse is then the same, and costs nothing more). In
    ``"auto"`` a document is parsed with them only when it shows a sign of math (``$$``, a math fence,
    or a ``$…$`` that only TeX looks like, in plain text); ``uses_math`` then confirms it from the
    tokens, since the sign may have been in code, and the document is parsed again without them when
    it was.
    """
    if mode == "off" or "$" not in text:
        return ""
    if mode == "on":
        return "all"
    signs = "$$" in text or has_fence(text, _MATH_INFO_RE) or _TEXY_SPAN_RE.search(text) is not None
    return "maybe" if signs else ""


def uses_math(tokens: Sequence[Token], env: EnvType) -> bool:
    """Whether a parsed document holds display math, a math fence or an inline formula that only TeX looks like:
    what turns ``$…$`` on under ``"auto"``."""
    if env.get(ENV_DISPLAY):
        return True
    for token in tokens:
        if token.type == "fence" and is_math_fence(token.info):
            return True
        if token.type == "inline" and env.get(ENV_INLINE) and any(
                child.type == "math_inline" and _TEX_SIGN_RE.search(child.content) for child in token.children or ()):
            return True
    return False


def is_math_fence(info: str) -> bool:
    """A ```` ```math ```` fence (also ```` ``` {.math} ````)."""
    return re.match(r"\{?\s*\.?math\b", info.strip()) is not None


def math_plugin(md: MarkdownIt) -> None:
    """``$…$`` and ``$$…$$`` in text, and ``$$`` display blocks (their drawing is ``math_render_plugin``'s)."""
    md.inline.ruler.before("escape", "blogen_math", _inline_math)
    md.block.ruler.before("fence", "blogen_math_block", _display_block)


def math_render_plugin(md: MarkdownIt) -> None:
    """Draw formulas from the MathML ``typeset`` adds; every parser has it, since a math fence needs no parse rule."""
    md.add_render_rule("math_inline", _render_inline)
    md.add_render_rule("math_inline_double", _render_inline)
    md.add_render_rule("math_block", _render_block)


def _display_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """``$$`` at the start of a line, up to a line that ends with ``$$`` (the same line, or one further down
    in the same container, before a blank line): a display formula of its own.

    A line holding more after a closing ``$$`` (``$$a$$ and more``) is a paragraph, with the formula
    in it. The search stops at the end of the list item or quote it is in, so a thousand items that
    each open ``$$`` cost a thousand short looks, not a million.
    """
    if state.is_code_block(start_line):
        return False
    src = state.src
    start = state.bMarks[start_line] + state.tShift[start_line]
    if not src.startswith("$$", start):
        return False
    first = src[start + 2 : state.eMarks[start_line]].rstrip()
    parts: list[str] = []
    last = start_line
    if first.endswith("$$") and first[:-2].strip():
        if "$$" in first[:-2]:
            return False
        parts.append(first[:-2])
    else:
        if "$$" in first:
            return False
        parts.append(first)
        last = _closing_line(state, start_line + 1, end_line, parts)
        if last < 0:
            return False
    if not silent:
        token = state.push("math_block", "math", 0)
        token.block = True
        token.content = "\n".join(parts).strip("\n") + "\n"
        token.markup = "$$"
        token.map = [start_line, last + 1]
        state.env[ENV_DISPLAY] = True
    state.line = last + 1
    return True


def _closing_line(state: StateBlock, line: int, end_line: int, parts: list[str]) -> int:
    """The line that closes a display block (its lines before the ``$$`` added to ``parts``), or -1."""
    while line < end_line and state.sCount[line] >= state.blkIndent:
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].rstrip()
        if not text:
            return -1
        if text.endswith("$$"):
            if "$$" in text[:-2]:
                return -1
            parts.append(text[:-2])
            return line
        if "$$" in text:
            return -1
        parts.append(text)
        line += 1
    return -1


def _inline_math(state: StateInline, silent: bool) -> bool:
    """``$…$`` by pandoc's rules (see the module docstring), and ``$$…$$``."""
    src, start = state.src, state.pos
    if src[start] != "$":
        return False
    double = src.startswith("$$", start)
    end = _close_double(src, start + 2) if double else _close_single(src, start + 1)
    if end < 0:
        return False
    tex = src[start + (2 if double else 1) : end]
    if not tex.strip():
        return False
    if not silent:
        token = state.push("math_inline_double" if double else "math_inline", "math", 0)
        token.content = tex
        token.markup = "$$" if double else "$"
        token.meta["display"] = double and _own_lines(src, start, end + 2)
        state.env[ENV_DISPLAY if double else ENV_INLINE] = True
    state.pos = end + (2 if double else 1)
    return True


def _own_lines(src: str, start: int, end: int) -> bool:
    """Whether ``$$…$$`` inside a paragraph stands on lines of its own (``text\n$$x$$\nmore``): a display formula.

    Written within a line (``where $$a$$ is``, or alone in a table cell), it is inline, as kramdown and so
    Jekyll's MathJax blogs have it.
    """
    before = start == 0 or src[start - 1] == "\n"
    after = end == len(src) or src[end] == "\n"
    return before and after and not (start == 0 and end == len(src))


def _close_single(src: str, pos: int) -> int:
    """Where the ``$`` closing a formula that opens just before ``pos`` is, or -1 when it does not open one."""
    if pos >= len(src) or src[pos].isspace():
        return -1
    while pos < len(src):
        char = src[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "`":
            return -1
        if char == "$":
            after = src[pos + 1 : pos + 2]
            return -1 if src[pos - 1].isspace() or (after != "" and after in _DIGITS) else pos
        pos += 1
    return -1


def _close_double(src: str, pos: int) -> int:
    """Where the ``$$`` closing display math opened just before ``pos`` starts, or -1."""
    while pos < len(src) - 1:
        char = src[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "$":
            return pos if src[pos + 1] == "$" else -1
        pos += 1
    return -1


# --------------------------------------------------------------------------- typesetting


def math_fence(token: Token) -> None:
    """A ```` ```math ```` fence is display math: the token is turned into a display block."""
    token.type, token.tag = "math_block", "math"


def typeset(tokens: Sequence[Token], path: str, first_line: int) -> list[Problem]:
    """Give every formula of a parsed document its MathML (``meta["mathml"]``); a problem for each that has a TeX error."""
    problems: list[Problem] = []
    line = first_line
    for token in tokens:
        if token.map is not None:
            line = token.map[0] + first_line
        if token.type == "math_block":
            _typeset(token, True, path, line, problems)
        elif token.type == "inline" and token.children:
            at = line
            for child in token.children:
                if child.type in ("math_inline", "math_inline_double"):
                    _typeset(child, bool(child.meta.get("display")), path, at, problems)
                    at += child.content.count("\n")
                elif child.type in ("softbreak", "hardbreak"):
                    at += 1
                elif child.type in ("html_inline", "text"):
                    at += child.content.count("\n")
    return problems


def _typeset(token: Token, display: bool, path: str, line: int, problems: list[Problem]) -> None:
    try:
        token.meta["mathml"] = tex_to_mathml(token.content, display)
    except TeXError as exc:
        shown = " ".join(token.content.split())
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        problems.append(Problem(path, line, f"TeX error in '{shown}': {exc}"))


def _render_inline(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    mathml = token.meta.get("mathml")
    return mathml if isinstance(mathml, str) else escapeHtml(f"{token.markup}{token.content}{token.markup}")


def _render_block(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # A display formula wider than a phone scrolls inside its own box, which a keyboard can reach (as code blocks).
    mathml = tokens[idx].meta.get("mathml")
    inner = mathml if isinstance(mathml, str) else escapeHtml(tokens[idx].content)
    return f'<div class="math" tabindex="0">{inner}</div>\n'
