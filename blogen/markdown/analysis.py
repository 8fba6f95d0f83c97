"""One pass over a parsed document's tokens: the facts the site needs besides the HTML, and the rewrites they imply.

The pass validates fence options, turns captioned images into figures and task items into
checkboxes, counts words and collects links and the first image; then headings get unique
ids (``{#custom-id}`` first) and their self-links. The parser and the render rules that draw
these tokens are in ``blogen.markdown.parser``; the two meet only in token types and ``meta`` keys.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from html import unescape as htmlunescape

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from blogen.core.config import MarkdownOptions
from blogen.core.errors import Problem
from blogen.markdown.anchors import FALLBACK, SLUGGERS, blogen_slug, unique_ids
from blogen.markdown.diagrams import DIAGRAM_LANGS
from blogen.markdown.fences import CodeOptions, parse_info
from blogen.markdown.math import is_math_fence, math_fence
from blogen.markdown.residue import has_template_code


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading as the table of contents and the fragment-link checker need it."""

    level: int
    id: str
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class LinkRef:
    """A link or image target, kept as written so the link checker can report it in the author's words."""

    target: str
    line: int
    is_image: bool


# --------------------------------------------------------------------------- analysis


def plain_text(children: Sequence[Token] | None) -> str:
    """What a reader sees of some inline markup, as one line of plain text."""
    parts: list[str] = []
    for child in children or ():
        if child.type in ("text", "text_special", "code_inline", "math_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(plain_text(child.children))
    return " ".join("".join(parts).split())


# Inline markup that joins the text around it into one word (``foo*bar*``); any other token that is not
# text (code, a break, an image, raw HTML) separates words.
_JOINING = frozenset({"em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close", "link_open", "link_close"})


# A run of non-space with at least one letter or digit, matched from its first one: a leading \S* would
# make findall quadratic on a long run without any (100,000 "[" took minutes).
_PROSE_WORD_RE = re.compile(r"[^\W_]\S*")


def _count_prose(text: str) -> int:
    """Whitespace-separated words, ignoring lone punctuation such as a spaced dash."""
    return len(_PROSE_WORD_RE.findall(text))


def _count_breaks(children: Sequence[Token] | None) -> int:
    total = 0
    for child in children or ():
        if child.type in ("softbreak", "hardbreak"):
            total += 1
        elif child.type == "html_inline":
            total += child.content.count("\n")
        elif child.type == "image":
            total += _count_breaks(child.children)
    return total


def _is_figure(tokens: Sequence[Token], i: int) -> bool:
    """A paragraph holding nothing but one image with a title."""
    if i + 2 >= len(tokens) or tokens[i + 1].type != "inline" or tokens[i + 2].type != "paragraph_close":
        return False
    children = tokens[i + 1].children or []
    return len(children) == 1 and children[0].type == "image" and bool(children[0].attrGet("title"))


_HTML_LINK_RE = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)\b[^>]*?\s(href|src)=(?:\"([^\"]*)\"|'([^']*)')", re.DOTALL)
_HTML_UNREAD_RE = re.compile(r"<!--.*?(?:-->|$)|<(script|style)\b.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_SHORTCODE_TOKENS = frozenset({"shortcode", "shortcode_open", "shortcode_inline_open"})
# The block tokens ``analyse`` does something with; it passes every other one on as it is.
_LOOKED_AT = frozenset({"inline", "heading_open", "fence", "code_block", "html_block", "list_item_open",
                        "paragraph_open", "more_marker"} | _SHORTCODE_TOKENS)


@dataclass(slots=True)
class _Walk:
    """What one pass over a document's tokens has gathered so far; mutable, but local to one call."""

    md: MarkdownIt
    path: str
    words: int = 0  # counted by ``count_words`` once the pass is over
    first_image: str | None = None
    first_image_line: int = 0
    links: list[LinkRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    shortcodes: bool = False  # the document uses one: they are drawn once ids are assigned
    math: bool = False  # it has a ```math fence (its formulas are typeset after this pass)
    diagrams: list[Token] = field(default_factory=list)  # its diagram fences, drawn after this pass
    # The prose of the document as the reader sees it, for the word count: the text of each inline block
    # and caption, each after a space (a word never runs from one into the next), a space for each token
    # that separates words. One count at the end instead of one per paragraph.
    prose: list[str] = field(default_factory=list)

    def inline(self, token: Token, line: int) -> None:
        prose = self.prose
        prose.append(" ")
        for child in token.children or ():
            kind = child.type
            if kind == "text" or kind == "text_special":
                prose.append(child.content)
                continue
            if kind in _JOINING:
                if kind == "link_open":
                    self.link(self.target(child, "href"), line, False)
                continue
            prose.append(" ")
            if kind == "image":
                src = self.target(child, "src")
                if self.link(src, line, True) and self.first_image is None:
                    self.first_image, self.first_image_line = src, line
                line += _count_breaks(child.children)
            elif kind in ("softbreak", "hardbreak"):
                line += 1
            elif kind == "html_inline":
                self.html(child.content, line)
                line += child.content.count("\n")
            elif kind in _SHORTCODE_TOKENS:
                self.shortcode(child, line)
                line += int(child.meta.get("newlines", 0))

    def caption(self, text: str) -> None:
        self.prose.append(" ")
        self.prose.append(text)

    def count_words(self) -> None:
        self.words = _count_prose("".join(self.prose))
        self.prose.clear()

    def link(self, target: str, line: int, is_image: bool) -> bool:
        """Note a link or image; one whose target holds template code is residue (reported as such), not a link."""
        if has_template_code(target):
            return False
        self.links.append(LinkRef(target, line, is_image))
        return True

    def html(self, html: str, line: int) -> None:
        """The links of raw HTML, so a broken one is reported at its file line like any other (not those
        in comments, scripts or style sheets, which no reader follows)."""
        if "=" not in html:
            return
        if "<!--" in html or "<s" in html or "<S" in html:
            html = _HTML_UNREAD_RE.sub(lambda m: "\n" * m.group(0).count("\n"), html)
        for match in _HTML_LINK_RE.finditer(html):
            value = match.group(3) if match.group(3) is not None else match.group(4)
            if value:
                target = as_written(self.md, htmlunescape(value))
                self.link(target, line + html.count("\n", 0, match.start()), match.group(1).lower() == "img")

    def shortcode(self, token: Token, line: int) -> None:
        self.shortcodes = True
        token.meta["line"] = line
        problem = token.meta.get("problem")
        if isinstance(problem, str):
            self.problems.append(Problem(self.path, line, problem))

    def target(self, token: Token, attr: str) -> str:
        # markdown-it percent-encodes destinations; undo that so targets read as written.
        value = str(token.attrGet(attr) or "")
        return as_written(self.md, value) if value else value


# A destination that markdown-it's ``normalizeLinkText`` gives back unchanged, known without taking it
# apart: no percent sign (nothing to decode), no "@" or space, and either no scheme (nothing before the
# first "/", "?" or "#" holds a ":"; not "//host") or http(s) with a plain host name (letters, digits and
# "-", so no port, user or punycode to touch). Most links of a blog are one or the other.
_PLAIN_TARGET_RE = re.compile(r"(?:https?://([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*)|(?!//)[^:/?#%@\s]*)"
                              r"(?:[/?#][^%@\s]*)?")


def as_written(md: MarkdownIt, value: str) -> str:
    """A destination as the author wrote it (``md.normalizeLinkText``), at once for the common plain ones."""
    plain = _PLAIN_TARGET_RE.fullmatch(value)
    if plain is not None:
        host = plain.group(1)
        if host is None or (len(host) <= 255 and "xn--" not in host.lower()):
            return value
    return md.normalizeLinkText(value)


def analyse(  # noqa: C901, PLR0912, PLR0915 (one flat list of checks; see pyproject.toml)
    md: MarkdownIt,
    tokens: list[Token],
    options: MarkdownOptions,
    path: str,
    first_line: int,
) -> tuple[list[Token], _Walk, list[tuple[Token, Token, Token]], int | None]:
    """One pass that reads fences, rewrites figures and task items, and gathers facts and problems (``walk.problems``)."""
    walk = _Walk(md, path)
    headings: list[tuple[Token, Token, Token]] = []
    out: list[Token] = []
    more_at: int | None = None
    block_line = first_line
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.map is not None:
            block_line = token.map[0] + first_line
        kind = token.type
        if kind not in _LOOKED_AT:  # most tokens (closing tags, lists, quotes, tables): nothing to do
            out.append(token)
            i += 1
            continue
        if kind == "inline":
            walk.inline(token, block_line)
        elif kind == "heading_open" and i + 2 < len(tokens):
            headings.append((token, tokens[i + 1], tokens[i + 2]))
        elif kind == "fence":
            info = unescapeAll(token.info).strip() if token.info else ""
            if options.math != "off" and is_math_fence(info):
                math_fence(token)
                walk.math = True
                out.append(token)
                i += 1
                continue
            fence = parse_info(info, token.content, options.line_numbers)
            walk.problems.extend(Problem(path, block_line, message) for message in fence.errors)
            walk.problems.extend(Problem(path, block_line, message, "warning") for message in fence.warnings)
            token.meta["code"] = replace(fence.options, inline=False) if fence.options.inline else fence.options  # a block
            if options.diagrams and fence.options.lang.lower() in DIAGRAM_LANGS:
                token.meta["line"] = block_line
                walk.diagrams.append(token)
        elif kind == "code_block":
            token.meta["code"] = CodeOptions(lang="", linenos=options.line_numbers)
        elif kind == "html_block":
            walk.html(token.content, block_line)
        elif kind in _SHORTCODE_TOKENS:
            walk.shortcode(token, block_line)
        elif kind == "list_item_open" and "checked" in token.meta:
            checked = bool(token.meta.pop("checked"))
            box = Token("task_checkbox", "input", 0, meta={"checked": checked})
            if i + 2 < len(tokens) and tokens[i + 1].type == "paragraph_open" and tokens[i + 2].type == "inline":
                inline = tokens[i + 2]
                children = inline.children or []
                text = plain_text(children)
                if text and not any(c.type == "html_inline" for c in children):
                    # The item's own text names the box: not written a second time as an aria-label.
                    # (Raw HTML might hold a control or a label, which a label may not contain.)
                    box.meta["wrap"] = True
                    inline.children = [box, *children, Token("task_label_close", "label", -1)]
                else:
                    box.meta["label"] = text
                    inline.children = [box, *children]
            else:
                box.block = True
                out.append(token)
                out.append(box)
                i += 1
                continue
        elif kind == "paragraph_open" and _is_figure(tokens, i):
            inline = tokens[i + 1]
            walk.inline(inline, block_line)
            image = (inline.children or [])[0]
            caption = str(image.attrGet("title"))
            walk.caption(caption)
            if image.attrs:
                image.attrs.pop("title", None)
            out.append(
                Token("figure", "figure", 0, children=[image], content=caption, block=True, level=token.level, map=token.map)
            )
            i += 3
            continue
        elif kind == "more_marker" and token.level == 0 and more_at is None:
            more_at = len(out)
        out.append(token)
        i += 1
    walk.count_words()
    return out, walk, headings, more_at


# --------------------------------------------------------------------------- heading ids

def slugify(text: str) -> str:
    """The id a heading with this text gets in blogen's own style: lower-case alphanumeric runs joined by ``-``, or ``section``.

    Non-ASCII letters are kept (browsers handle them in fragments and they keep
    non-English headings readable); everything else separates words.
    """
    return blogen_slug(text) or FALLBACK


# Inline content that may sit inside a link: a heading made of only these is its own self-link.
# Links, footnote references and raw HTML (which may hold a link or leave an element open) may not.
_LINKABLE = frozenset({
    "text", "text_special", "code_inline", "math_inline", "softbreak", "hardbreak", "image",
    "em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close",
})


def assign_ids(headings: list[tuple[Token, Token, Token]], reserved: set[str], first_line: int,
               style: str = "blogen") -> list[Heading]:
    """Give every heading a unique id in the site's style (``markdown.heading_ids``); explicit ``{#id}``s
    are claimed first so they never get a suffix because of an earlier automatic id."""
    unique = unique_ids(set(reserved))
    slug = SLUGGERS.get(style, blogen_slug)

    texts = [plain_text(inline.children) for _, inline, _ in headings]
    ids: list[str | None] = [None] * len(headings)
    for k, (opener, _, _) in enumerate(headings):
        custom = opener.meta.get("custom_id")
        if isinstance(custom, str) and custom:
            ids[k] = unique(custom)
    result: list[Heading] = []
    for k, (opener, inline, closer) in enumerate(headings):
        ident = ids[k] or unique(slug(texts[k]) or FALLBACK)
        level = int(opener.tag[1:]) if opener.tag[1:].isdigit() else 1
        opener.attrSet("id", ident)
        if level >= 2 and texts[k] and all(c.type in _LINKABLE for c in inline.children or ()):
            opener.meta["link"] = ident  # the heading's own text links to it
            closer.meta["link"] = True
        elif level >= 2:
            closer.meta["anchor"] = ident  # text that cannot sit inside a link: a "#" link after it
            closer.meta["label"] = texts[k]
        line = (opener.map[0] if opener.map else 0) + first_line
        result.append(Heading(level, ident, texts[k], line))
    return result
