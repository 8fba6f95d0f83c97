"""Shortcodes in Markdown: where they are (a block and an inline markdown-it rule), and their HTML.

A shortcode alone on its line (a tag may span several lines) is a block: its HTML is not wrapped
in a paragraph, and it may interrupt one. Anywhere else in text it is inline. A shortcode is
*paired* when its closing tag follows (``{{< /name >}}``, on a line of its own for a block);
what lies between is its inner text. That text is parsed as Markdown, as part of the document
(its headings, links and footnotes count like any other), when the tag is written
``{{% … %}}`` or the template prints ``inner_html``; otherwise it is handed over as written
(``highlight`` takes code, for instance). Code spans and blocks are never looked into, so a
shortcode written there stays text.

Parsing records each use as tokens (``shortcode``, or ``shortcode_open``/``_close`` around
Markdown inner text); the analysis pass gives them their file lines and reports unknown names;
``Expansion.expand`` runs the templates once ids are assigned and leaves one ``shortcode``
token with the finished HTML, which the render rule only prints. Links and images in that HTML
are reported like the document's own, so they are checked, rewritten and sized the same way.
"""

from __future__ import annotations

import html as htmllib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from blogen.core.errors import Problem
from blogen.markdown.shortcode_syntax import Escaped, Malformed, Tag, read_tag
from blogen.markdown.shortcode_templates import Call, ShortcodeSet, Tools, render_shortcode, variables

if TYPE_CHECKING:
    from markdown_it.renderer import RendererHTML
    from markdown_it.utils import EnvType, OptionsDict

ENV_KEY = "blogen_shortcodes"  # the ShortcodeSet of a parse, in markdown-it's env
_FENCE_RE = re.compile(r"(`{3,}|~{3,})")


def shortcodes_plugin(md: MarkdownIt) -> None:
    """Recognise shortcodes; they are drawn only when ``env[ENV_KEY]`` holds a ``ShortcodeSet``."""
    md.block.ruler.before("paragraph", "blogen_shortcode", _block_rule,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.inline.ruler.after("text", "blogen_shortcode", _inline_rule)  # "{" ends a text run: tried only there
    md.core.ruler.after("inline", "blogen_html_shortcodes", _html_block_rule)
    md.add_render_rule("shortcode", _render_shortcode)


def _render_shortcode(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return str(tokens[idx].meta.get("html", ""))


# --------------------------------------------------------------------------- parsing


def _inner_is_markdown(shortcodes: ShortcodeSet, tag: Tag) -> bool:
    if tag.markdown:
        return True
    return shortcodes.find(tag.name) is not None and "inner_html" in variables(shortcodes, tag.name)


def _meta(shortcodes: ShortcodeSet, tag: Tag, closed: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"tag": tag}
    if shortcodes.find(tag.name) is None:
        meta["problem"] = shortcodes.unknown(tag.name)
    elif not closed and not tag.self_closing and {"inner", "inner_html"} & variables(shortcodes, tag.name) \
            and "paired" not in variables(shortcodes, tag.name):
        # Its template draws inner text (and does not ask whether there is any): a forgotten closing
        # tag, not a shortcode meant to stand alone.
        o, c = ("{{%", "%}}") if tag.markdown else ("{{<", ">}}")
        meta["problem"] = (f"shortcode '{tag.name}' is never closed: add {o} /{tag.name} {c} after its text "
                           f"(on a line of its own when the shortcode starts one), or write {o} {tag.name} /{c}")
    return meta


def _block_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    src = state.src
    pos = state.bMarks[start_line] + state.tShift[start_line]
    if not src.startswith("{{", pos):  # first: this rule is asked at every line a block could start
        return False
    shortcodes = state.env.get(ENV_KEY)
    if not isinstance(shortcodes, ShortcodeSet) or state.is_code_block(start_line):
        return False
    tag = read_tag(src, pos, state.eMarks[end_line - 1])
    if not isinstance(tag, Tag) or tag.closing:
        return False
    last = start_line  # the line the tag ends on: nothing but spaces may follow it there
    while last < end_line - 1 and state.eMarks[last] < tag.end:
        last += 1
    if state.eMarks[last] < tag.end or src[tag.end:state.eMarks[last]].strip():
        return False
    if silent:
        return True
    close = None if tag.self_closing else _closing_line(state, tag, last + 1, end_line)
    meta = _meta(shortcodes, tag, close is not None)
    if close is None:
        token = state.push("shortcode", "", 0)
        token.map, token.meta, token.block = [start_line, last + 1], meta, True
        state.line = last + 1
        return True
    if "problem" in meta or not _inner_is_markdown(shortcodes, tag):
        token = state.push("shortcode", "", 0)
        meta["inner"] = state.getLines(last + 1, close, state.blkIndent, True)
        token.map, token.meta, token.block = [start_line, close + 1], meta, True
        state.line = close + 1
        return True
    opener = state.push("shortcode_open", "", 1)
    opener.map, opener.meta, opener.block = [start_line, last + 1], meta, True
    meta["inner"] = state.getLines(last + 1, close, state.blkIndent, True)
    old_parent, old_max = state.parentType, state.lineMax
    state.parentType, state.lineMax = "shortcode", close
    state.md.block.tokenize(state, last + 1, close)
    state.parentType, state.lineMax = old_parent, old_max
    closer = state.push("shortcode_close", "", -1)
    closer.map, closer.block = [close, close + 1], True
    state.line = close + 1
    return True


def _closing_line(state: StateBlock, tag: Tag, first: int, end_line: int) -> int | None:
    """The line of the tag that closes ``tag`` (alone on its line, outside fenced code), or None."""
    src = state.src
    depth = 1
    fence: str | None = None
    for line in range(first, end_line):
        start, end = state.bMarks[line] + state.tShift[line], state.eMarks[line]
        if start < end and state.sCount[line] < state.blkIndent:
            return None  # the container (list item, quote) ended before it
        text = src[start:end]
        if fence is not None:
            stripped = text.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            continue
        found = _FENCE_RE.match(text)
        if found is not None:
            fence = found.group(1)
            continue
        if not text.startswith("{{"):
            continue
        other = read_tag(src, start, end)
        if not isinstance(other, Tag) or other.name != tag.name:
            continue
        if other.closing:
            depth -= 1
            if depth == 0:
                return line if not src[other.end:end].strip() else None
        elif not other.self_closing and not src[other.end:end].strip():
            depth += 1
    return None


def _inline_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "{" or not src.startswith("{{", pos):
        return False
    shortcodes = state.env.get(ENV_KEY)
    if not isinstance(shortcodes, ShortcodeSet):
        return False
    tag = read_tag(src, pos, state.posMax)
    if tag is None or isinstance(tag, Malformed):
        return False  # left as text: the residue scan reports it
    if isinstance(tag, Escaped):
        if not silent:
            token = state.push("text_special", "", 0)  # like an escaped character: shown, never residue
            token.content, token.info = tag.text, "escape"
        state.pos = tag.end
        return True
    if tag.closing:
        return False
    close = None if tag.self_closing else _closing_tag(src, tag, state.posMax)
    if silent:
        state.pos = close.end if close is not None else tag.end
        return True
    meta = _meta(shortcodes, tag, close is not None)
    if close is not None:
        meta["inner"] = src[tag.end:close.start]
    if close is not None and "problem" not in meta and _inner_is_markdown(shortcodes, tag):
        opener = state.push("shortcode_inline_open", "", 1)
        meta["newlines"] = src.count("\n", tag.start, tag.end)  # the inner text's own breaks are tokens
        opener.meta = meta
        old_max = state.posMax
        state.pos, state.posMax = tag.end, close.start
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("shortcode_inline_close", "", -1)
    else:
        token = state.push("shortcode", "", 0)
        meta["newlines"] = src.count("\n", tag.start, close.end if close is not None else tag.end)
        token.meta = meta
    state.pos = close.end if close is not None else tag.end
    return True


def _closing_tag(src: str, tag: Tag, limit: int) -> Tag | None:
    """The tag that closes ``tag`` later in the same run of inline text, or None."""
    depth = 1
    pos = tag.end
    while True:
        pos = src.find("{{", pos, limit)
        if pos < 0:
            return None
        other = read_tag(src, pos, limit)
        if not isinstance(other, Tag):
            pos += 2
            continue
        if other.name == tag.name:
            if other.closing:
                depth -= 1
                if depth == 0:
                    return other
            elif not other.self_closing:
                depth += 1
        pos = other.end


_HTML_UNTOUCHED_RE = re.compile(r"<(script|style|pre|code)\b.*?(?:</\1\s*>|$)|<!--.*?(?:-->|$)", re.IGNORECASE | re.DOTALL)


def _html_block_rule(state: StateCore) -> None:
    """Shortcodes in raw HTML blocks (Hugo and Jekyll expand them there too: a note's ``<div>`` holding
    a badge): such a block becomes a run of raw HTML and shortcode tokens, drawn in place. Code,
    scripts, styles and comments in it are left alone."""
    shortcodes = state.env.get(ENV_KEY)
    if not isinstance(shortcodes, ShortcodeSet):
        return
    for token in state.tokens:
        if token.type == "html_block" and "{{" in token.content:
            children = _html_with_shortcodes(state, token.content, shortcodes)
            if children is not None:
                token.type, token.children = "inline", children  # drawn as its children, with no paragraph


def _html_with_shortcodes(state: StateCore, html: str, shortcodes: ShortcodeSet) -> list[Token] | None:
    untouched = [m.span() for m in _HTML_UNTOUCHED_RE.finditer(html)]
    out: list[Token] = []
    done = pos = 0
    while (pos := html.find("{{", pos)) >= 0:
        if any(a <= pos < b for a, b in untouched):
            pos += 2
            continue
        tag = read_tag(html, pos, len(html))
        if not isinstance(tag, Tag | Escaped) or (isinstance(tag, Tag) and tag.closing):
            pos += 2
            continue
        if pos > done:
            out.append(Token("html_inline", "", 0, content=html[done:pos]))
        if isinstance(tag, Escaped):
            out.append(Token("text_special", "", 0, content=tag.text, info="escape"))
            done = pos = tag.end
            continue
        close = None if tag.self_closing else _closing_tag(html, tag, len(html))
        end = close.end if close is not None else tag.end
        meta = _meta(shortcodes, tag, close is not None)
        meta["newlines"] = html.count("\n", pos, end)
        if close is not None:
            meta["inner"] = html[tag.end:close.start]
        if close is not None and "problem" not in meta and _inner_is_markdown(shortcodes, tag):
            meta["newlines"] = html.count("\n", pos, tag.end)
            inner = state.md.parseInline(meta["inner"], state.env)[0].children or []
            out.extend([Token("shortcode_inline_open", "", 1, meta=meta), *inner, Token("shortcode_inline_close", "", -1)])
            out.append(Token("html_inline", "", 0, content="\n" * html.count("\n", close.start, close.end)))
        else:
            out.append(Token("shortcode", "", 0, meta=meta))
        done = pos = end
    if not out:
        return None
    if done < len(html):
        out.append(Token("html_inline", "", 0, content=html[done:]))
    return out


# --------------------------------------------------------------------------- drawing


_LINK_ATTR_RE = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)\b[^>]*?\s(href|src)=(?:\"([^\"]*)\"|'([^']*)')", re.DOTALL)


@dataclass(slots=True)
class Expansion:
    """The state of one document's shortcode expansion; mutable, local to one render."""

    md: MarkdownIt
    env: dict[str, Any]
    shortcodes: ShortcodeSet
    source: str
    tools: Tools
    decode: Callable[[str], str]
    problems: list[Problem] = field(default_factory=list)
    links: list[tuple[str, int, bool]] = field(default_factory=list)  # (target, line, is an image)
    ordinals: Counter[str] = field(default_factory=Counter)

    def expand(self, tokens: list[Token], inline: bool = False) -> list[Token]:
        """``tokens`` with each shortcode (and what it holds) replaced by one token holding its HTML."""
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.type == "inline" and token.children:
                token.children = self.expand(token.children, inline=True)
            if token.type in ("shortcode_open", "shortcode_inline_open"):
                close = _matching(tokens, i)
                inner = self.expand(tokens[i + 1:close], inline)
                out.append(self.draw(token, inner, inline))
                i = close + 1
                continue
            if token.type == "shortcode":
                out.append(self.draw(token, None, inline))
            else:
                out.append(token)
            i += 1
        return out

    def draw(self, token: Token, inner: list[Token] | None, inline: bool) -> Token:
        meta = token.meta
        tag: Tag = meta["tag"]
        line = int(meta.get("line", 0))
        drawn = Token("shortcode", "", 0, block=token.block, map=token.map, meta={"html": ""})
        if "problem" in meta:
            return drawn  # reported by the analysis pass
        inner_html = None
        if inner is not None:
            inner_html = self.md.renderer.render(inner, self.md.options, self.env)  # block or inline tokens alike
        self.env["blogen_shortcode_line"] = line  # where highlight() reports its option problems
        call = Call(tag.name, tag.args, dict(tag.kwargs), meta.get("inner"), inner_html, tag.markdown, self.source,
                    line, self.ordinals[tag.name], inline)
        self.ordinals[tag.name] += 1
        outcome = render_shortcode(self.shortcodes, call, self.tools)
        self.problems.extend(outcome.problems)
        html = outcome.html
        if token.block and html and not html.endswith("\n"):
            html += "\n"
        drawn.meta["html"] = html
        self.note_links(html, inner_html or "", line)
        return drawn

    def note_links(self, html: str, inner_html: str, line: int) -> None:
        """Report the links and images the template itself wrote (those of the inner text are the document's own)."""
        if "=" not in html:
            return
        own = Counter(_links_in(inner_html))
        for found in _links_in(html):
            if own[found]:
                own[found] -= 1
                continue
            tag, value = found
            self.links.append((self.decode(htmllib.unescape(value)), line, tag.lower() == "img"))


def _links_in(html: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(3) if m.group(3) is not None else m.group(4)) for m in _LINK_ATTR_RE.finditer(html)]


def _matching(tokens: Sequence[Token], start: int) -> int:
    depth = 0
    for k in range(start, len(tokens)):
        depth += tokens[k].nesting if tokens[k].type.startswith("shortcode") else 0
        if depth == 0:
            return k
    return len(tokens) - 1
