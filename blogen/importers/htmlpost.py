"""An HTML post (Jekyll's ``.html`` posts, Hugo's ``.html`` content) as a Markdown file that renders the same HTML.

Markdown passes raw HTML through only block by block: an HTML block ends at the first blank
line, and what follows is read as Markdown again (``*`` becomes emphasis, an indented line a code
block). So the body is made into HTML blocks that never end early: blank lines between elements
are dropped (HTML collapses that white space anyway), a blank line inside ``<pre>`` or
``<textarea>``, where it shows, becomes ``&#10;`` at the start of the next line (the same
newline, written so Markdown does not see a blank line), and a body that does not open with a
block-level tag is wrapped in a ``<div>``.

A ``{% highlight %}`` block becomes a fenced block between two HTML blocks, so it is
highlighted like every other code block, when the HTML after it opens with a block-level tag;
otherwise it is written as ``<pre><code>`` in place. The summary marker goes between two blocks
in the same way, moved down to the next block-level tag when it sits inside running text.
"""

from __future__ import annotations

import html
import re

from blogen.importers.liquid import MARK, Highlight, fence

MORE = "\ue004"  # where the summary ends, placed by the excerpt conversion
_BLOCK_NAMES = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt"
    "|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main"
    "|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead"
    "|title|tr|track|ul")
_BLOCK_START = re.compile(rf"^[ \t]{{0,3}}</?(?:{_BLOCK_NAMES})(?:[ \t/>]|$)", re.I)
_KEEP_SPACE = re.compile(r"<(/?)(pre|textarea)\b", re.I)
_SPLIT = re.compile(f"({MARK}\\d+{MARK}|{MORE})")


def _flatten(segment: str) -> str:
    """The HTML with no blank line left: dropped between elements, ``&#10;`` where white space shows."""
    out: list[str] = []
    depth = 0
    pending = 0
    for line in segment.split("\n"):
        if not line.strip():
            if depth > 0:
                pending += 1
            continue
        if pending:
            line = "&#10;" * pending + line
            pending = 0
        out.append(line)
        for m in _KEEP_SPACE.finditer(line):
            depth = max(0, depth - 1) if m.group(1) else depth + 1
    if pending:
        out.append("&#10;" * pending)
    return "\n".join(out)


def _starts_block(segment: str) -> bool:
    first = next((line for line in segment.split("\n") if line.strip()), None)
    return first is None or _BLOCK_START.match(first) is not None


def _move_to_block(segment: str) -> tuple[str, str] | None:
    """Split ``segment`` before its first line that opens with a block-level tag: (before, from there)."""
    lines = segment.split("\n")
    for i, line in enumerate(lines):
        if i and _BLOCK_START.match(line):
            return "\n".join(lines[:i]), "\n".join(lines[i:])
    return None


def _inline_pre(block: Highlight) -> str:
    cls = f' class="language-{html.escape(block.lang)}"' if block.lang else ""
    return f"<pre><code{cls}>{html.escape(block.code, quote=False)}</code></pre>"


def html_to_markdown(text: str, highlights: list[Highlight]) -> str:
    """An HTML body (its Liquid converted, highlight blocks and the summary marker left as marks) as Markdown."""
    parts = _SPLIT.split(text)
    html_parts = parts[0::2]
    marks = parts[1::2]
    pieces: list[str] = [html_parts[0]]
    for mark, following in zip(marks, html_parts[1:], strict=True):
        if mark == MORE:
            if _starts_block(following):
                pieces.extend(["\n\n<!-- more -->\n\n", following])
                continue
            moved = _move_to_block(following)
            if moved is None:
                pieces.append(following)
            else:
                pieces.extend([moved[0], "\n\n<!-- more -->\n\n", moved[1]])
            continue
        block = highlights[int(mark.strip(MARK))]
        if _starts_block(following):
            pieces.extend(["\n\n", fence(Highlight(block.lang, block.options, block.code, "")), "\n\n", following])
        else:
            pieces.extend([_inline_pre(block), following])
    out: list[str] = []
    for piece in pieces:
        if piece.startswith(("\n\n", "```")):
            out.append(piece)
        else:
            out.append(_flatten(piece))
    body = "".join(out).strip("\n")
    if not _starts_block(body.split("\n\n", 1)[0] if body else body):
        body = f"<div>\n{body}\n</div>"
    return body + "\n"
