"""kramdown's own syntax in a Jekyll post, converted where blogen has an equivalent and dropped where it only styled the old theme.

- ``{:toc}`` (with the list item it replaces) becomes ``toc: true`` in the front matter;
- a heading's ``{: #id}`` becomes blogen's ``{#id}``, so old links to that heading still land;
- ``{: .language-x}`` after a code block gives the block its language;
- other attribute lists (``{: .note}``, ``![](x){: .right}``, ``[a](b){:target="_blank"}``) were hooks
  for the old theme's CSS and behaviour: they are dropped, and counted;
- ``{::comment}`` and ``{::options}`` are dropped, ``{::nomarkdown}`` keeps its raw HTML.

Only prose is touched: code blocks and code spans are examples, not syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from blogen.importers.prose import code_blocks, code_lines, prose_masked

_BLOCK_IAL = re.compile(r"^[ \t]{0,3}\{:(?![:/])\s*([^}]*)\}[ \t]*$")
_ALD = re.compile(r"^[ \t]{0,3}\{:[\w-]+:[^}]*\}[ \t]*$")
_TOC = re.compile(r"^[ \t]{0,3}\{:\s*toc\s*\}[ \t]*$")
_TOC_SEED = re.compile(r"^[ \t]{0,3}(?:[*+-]|\d+[.)])[ \t]+\S.*$")
_SPAN_IAL = re.compile(r"(?<=[)\]*_`>])\{:(?![:/])[^}\n]*\}")
_HEADING = re.compile(r"^(#{1,6}[ \t].*?)[ \t]*(?:\{:?\s*#([\w:.-]+)[^}]*\})?[ \t]*$")
_SETEXT = re.compile(r"^[ \t]{0,3}(=+|-+)[ \t]*$")
_ID = re.compile(r"#([\w:.-]+)")
_LANG = re.compile(r"""(?:\.language-|class\s*=\s*["']?language-|\blang\s*=\s*["']?)([\w+#.-]+)""")
_SELF_CLOSED = re.compile(r"\{::\w+\b[^}]*/\}")
_PAIRED = re.compile(r"\{::(comment|nomarkdown)\b[^}]*\}(.*?)\{:/(?:\1)?\}", re.S)


@dataclass(slots=True)
class Kramdown:
    text: str
    toc: bool = False
    dropped: list[str] = field(default_factory=list)  # attribute lists removed (they styled the old theme)


def _extensions(text: str, out: Kramdown) -> str:
    def drop(m: re.Match[str]) -> str:
        out.dropped.append(m.group(0))
        return ""

    text = _SELF_CLOSED.sub(drop, text)
    return _PAIRED.sub(lambda m: "" if m.group(1) == "comment" else m.group(2), text)


def _fence_block(lines: list[str], block: tuple[int, int, str], lang: str, replace: dict[int, list[str]]) -> None:
    """Write a code block as a fence with ``lang`` (an indented one is un-indented)."""
    start, end, kind = block
    if kind == "fence":
        m = re.match(r"^([ \t]*)(`{3,}|~{3,})[ \t]*$", lines[start])
        if m is not None and lang:
            replace[start] = [f"{m.group(1)}{m.group(2)}{lang}"]
        return
    body = [re.sub(r"^(?: {4}|\t)", "", line) for line in lines[start:end]]
    while body and not body[-1].strip():
        body.pop()
    longest = max((len(run) for line in body for run in re.findall(r"`+", line)), default=0)
    marker = "`" * max(3, longest + 1)
    replace[start] = [f"{marker}{lang}", *body, marker]
    for k in range(start + 1, end):
        replace[k] = []


def _code_near(lines: list[str], ial_at: int, blocks: list[tuple[int, int, str]]) -> tuple[int, int, str] | None:
    """The code block an attribute list on line ``ial_at`` belongs to: the one ending right above it, else the
    one starting below it (after blank lines), as kramdown attaches them."""
    above = next((b for b in blocks if b[1] == ial_at), None)
    if above is not None:
        return above
    below = ial_at + 1
    while below < len(lines) and not lines[below].strip():
        below += 1
    return next((b for b in blocks if b[0] == below), None)


def convert_kramdown(text: str) -> Kramdown:
    """The post's body with kramdown's syntax converted or dropped; see the module's note."""
    out = Kramdown(text)
    if "{:" not in text:
        return out
    text = _extensions(text, out)
    lines = text.split("\n")
    flags = code_lines(text)
    masks = prose_masked(text)
    blocks = code_blocks(text)
    replace: dict[int, list[str]] = {}
    for i, line in enumerate(lines):
        if flags[i] or "{:" not in line:
            continue
        if _TOC.match(line):
            out.toc = True
            replace[i] = []
            if i > 0 and _TOC_SEED.match(lines[i - 1]):
                replace[i - 1] = []
            continue
        if _ALD.match(line):
            out.dropped.append(line.strip())
            replace[i] = []
            continue
        block = _BLOCK_IAL.match(line)
        if block is not None:
            _block_ial(lines, i, block.group(1), blocks, replace, out)
            continue
        heading_ial = _HEADING.match(line) if line.lstrip().startswith("#") else None
        if heading_ial is not None and heading_ial.group(2):
            replace[i] = [f"{heading_ial.group(1)} {{#{heading_ial.group(2)}}}"]
            continue
        masked = masks[i]
        new = line
        for m in reversed(list(_SPAN_IAL.finditer(masked))):
            out.dropped.append(m.group(0))
            new = new[:m.start()] + new[m.end():]
        if new != line:
            replace[i] = [new]
    out.text = "\n".join(part for n, line in enumerate(lines) for part in replace.get(n, [line]))
    return out


def _block_ial(lines: list[str], i: int, attrs: str, blocks: list[tuple[int, int, str]],
               replace: dict[int, list[str]], out: Kramdown) -> None:
    """A block attribute list on line ``i``: an id for the heading above, a language for the code above, else dropped."""
    replace[i] = []
    above = lines[i - 1] if i > 0 else ""
    ident = _ID.search(attrs)
    lang = _LANG.search(attrs)
    if ident is not None and above.lstrip().startswith("#"):
        replace[i - 1] = [f"{replace.get(i - 1, [above])[0].rstrip()} {{#{ident.group(1)}}}"]
    elif ident is not None and i > 1 and _SETEXT.match(above) and lines[i - 2].strip():
        replace[i - 2] = [f"{lines[i - 2].rstrip()} {{#{ident.group(1)}}}"]
    else:
        # Also for an attribute list that only styled it: a code block next to one is written as a fence,
        # so that taking the line out never joins it to another indented block.
        block = _code_near(lines, i, blocks)
        if block is not None:
            _fence_block(lines, block, lang.group(1) if lang else "", replace)
        if lang is None or block is None:
            out.dropped.append(lines[i].strip())
