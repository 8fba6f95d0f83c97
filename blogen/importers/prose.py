"""Where a Markdown text is prose and where it is code, and literal template text kept literal.

Conversions that change links or attributes must leave code alone, and so must the count of
template residue: ``{{ x }}`` in a code block is an example, in prose it is a leftover. Code
blocks are found by markdown-it itself (the parser blogen uses), code spans by CommonMark's
backtick rule on each line.

Template text that the old site printed literally (inside Jekyll's ``{% raw %}``, or a Hugo
shortcode written ``{{</* x */>}}``) is marked while converting by replacing its opening brace
with ``LITERAL_BRACE``, so that no later step takes it for template syntax; ``settle_literals``
turns each mark back into ``{`` in code and into ``&#123;`` in prose, where blogen would
otherwise read it as a shortcode or report it as residue. Both render as ``{``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import block, normalize
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

from blogen.markdown.parser import parser

LITERAL_BRACE = "\ue000"
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)


@lru_cache(maxsize=16)
def _blocks(text: str) -> list[Token]:
    """The block-level tokens of ``text`` as blogen's own parser finds them (footnotes, tables, alerts
    included), without the inline pass, which code and HTML blocks do not need. Several steps look
    at the same text, hence the small cache; callers only read the tokens."""
    md: MarkdownIt = parser(True, False)
    state = StateCore(text, md, {})
    normalize(state)
    block(state)
    return state.tokens


def code_lines(text: str) -> list[bool]:
    """For each line of ``text``: whether it belongs to a fenced or indented code block (fences included)."""
    n = text.count("\n") + 1
    flags = [False] * n
    for token in _blocks(text):
        if token.type in ("fence", "code_block") and token.map:
            start, end = token.map
            for i in range(start, min(end, n)):
                flags[i] = True
    return flags


def html_lines(text: str) -> list[bool]:
    """For each line: whether it belongs to a raw HTML block (where Markdown link syntax means nothing)."""
    n = text.count("\n") + 1
    flags = [False] * n
    for token in _blocks(text):
        if token.type == "html_block" and token.map:
            for i in range(token.map[0], min(token.map[1], n)):
                flags[i] = True
    return flags


def blank_code_spans(text: str) -> str:
    """``text`` with its inline code spans blanked out (same length, newlines kept), so positions still
    match. A code span may run over lines within a paragraph, so pass whole paragraphs."""
    return _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def prose_masked(text: str) -> list[str]:
    """For each line of ``text``: the line with code spans blanked (spans may cross lines inside a
    paragraph), or ``""`` for a line of a code block. What the conversions may look at."""
    lines = text.split("\n")
    flags = code_lines(text)
    out = [""] * len(lines)
    start = 0
    while start < len(lines):
        if flags[start] or not lines[start].strip():
            start += 1
            continue
        end = start
        while end < len(lines) and not flags[end] and lines[end].strip():
            end += 1
        masked = blank_code_spans("\n".join(lines[start:end])).split("\n")
        out[start:end] = masked
        start = end
    return out


def settle_literals(text: str) -> str:
    """Turn each literal-brace mark into ``{`` in code and ``&#123;`` in prose (see the module's note)."""
    if LITERAL_BRACE not in text:
        return text
    lines = text.split("\n")
    masks = prose_masked(text)
    for i, line in enumerate(lines):
        if LITERAL_BRACE not in line:
            continue
        masked = masks[i]  # a mark blanked out lies in a code span; a line of a code block is all blank
        lines[i] = "".join(("&#123;" if j < len(masked) and masked[j] == LITERAL_BRACE else "{") if ch == LITERAL_BRACE else ch
                           for j, ch in enumerate(line))
    return "\n".join(lines)


def mark_literal(text: str) -> str:
    """``text`` with the opening brace of every ``{{`` and ``{%`` marked literal."""
    return re.sub(r"\{(?=[{%])", LITERAL_BRACE, text)


_SHORTCODE = re.compile(r"\{\{[<%]\s*/?\s*[\w./-]+.*?[>%]\}\}", re.S)
_RESIDUE = (
    (_SHORTCODE, ""),  # a shortcode call is blogen's own syntax (its template is listed apart), not residue
    (re.compile(r"\{%-?\s*\w.*?%\}", re.S), "liquid-tag"),
    (re.compile(r"\{\{(?![<%]).{1,300}?\}\}", re.S), "liquid-output"),
    (re.compile(r"\{::?[^}\n]*\}"), "kramdown-attribute"),
)


def residue(text: str, output_kind: str = "liquid-output") -> list[tuple[int, str, str]]:
    """Template syntax left in prose: (line number from 1, kind, the text), in order.

    ``output_kind`` names ``{{ … }}``: Liquid's in a Jekyll site, Go templates' in a Hugo one.
    """
    found: list[tuple[int, str, str]] = []
    for i, masked in enumerate(prose_masked(text)):
        if "{" not in masked:
            continue
        taken: list[tuple[int, int]] = []
        for pattern, kind in _RESIDUE:
            for m in pattern.finditer(masked):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                if kind:
                    found.append((i + 1, output_kind if kind == "liquid-output" else kind, m.group(0)))
    return found


def code_blocks(text: str) -> list[tuple[int, int, str]]:
    """Every code block of ``text``: (first line, line after the last, ``fence`` or ``code_block``), 0-based."""
    return [(t.map[0], t.map[1], t.type) for t in _blocks(text) if t.type in ("fence", "code_block") and t.map]
