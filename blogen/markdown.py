"""Turn the Markdown body of a post into HTML plus the facts the site needs about it (title, headings, links, words).

The dialect is CommonMark with GitHub's extensions (tables, strikethrough, autolinks,
task lists, footnotes, alerts) and a few of our own: heading ids with ``{#custom-id}``
and self-links, ``<!-- more -->`` summaries, captioned figures and Pygments highlighting.

Fenced code info strings
------------------------
``LANG`` comes first (it may be omitted), then options separated by spaces or commas,
optionally wrapped in one pair of braces::

    ```python linenos hl_lines=2,4-6
    ```python {linenostart=10 hl_lines="2 4-6"}
    ```js {hl_lines=[2,4], linenos=false}
    ```{linenos}

``linenos`` (alone, or ``=true/false/yes/no/on/off/1/0``) turns line numbers on or off;
the default is ``MarkdownOptions.line_numbers``. ``linenostart=N`` numbers from N and
implies ``linenos`` unless ``linenos=false`` is given too. ``hl_lines`` takes line
numbers and ranges (``N`` or ``N-M``) separated by commas or spaces, bare, quoted or in
square brackets; they count from the first line of the block whatever ``linenostart``
is, and must lie within the block. Any other option, or a malformed value, is an error
(a misspelt option that silently did nothing would be worse than a failed build).
An unknown or missing language is shown as escaped plain text; Pygments never guesses.

``Rendered.links``: ``target`` is the destination as the author wrote it, after Markdown
has resolved entities, backslash escapes and reference definitions; markdown-it's
percent-encoding is undone, so ``[a](café.md)``, ``[a](caf%C3%A9.md)`` and ``<a b>`` give
``café.md``, ``café.md`` and ``a b`` (reserved characters such as ``%2F`` stay encoded).
Refused destinations (``javascript:`` and the like) are not links at all. ``line`` is the
exact file line of the link, counted from the line breaks before it in its paragraph; it
can be too small only when an earlier code span, link title or destination in the same
paragraph spans several lines. Links inside raw HTML are not reported.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin

from blogen.config import MarkdownOptions
from blogen.errors import BlogenError, Problem
from blogen.fences import CodeOptions, code_html, escape_text, parse_info

if TYPE_CHECKING:
    from markdown_it.renderer import RendererHTML
    from markdown_it.utils import EnvType, OptionsDict

__all__ = [
    "Heading",
    "LinkRef",
    "Rendered",
    "alerts_plugin",
    "check_style",
    "highlight_css",
    "render_markdown",
    "slugify",
]

logger = logging.getLogger(__name__)
_DEFAULT = MarkdownOptions()


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


@dataclass(frozen=True, slots=True)
class Rendered:
    """The HTML of one document and everything about it that templates and checks need."""

    html: str
    summary_html: str | None
    toc: tuple[Heading, ...]
    headings: tuple[Heading, ...]
    title: str | None
    words: int
    links: tuple[LinkRef, ...]
    first_image: str | None


# --------------------------------------------------------------------------- patterns

_SLUG_WORD_RE = re.compile(r"[^\W_]+")  # runs of characters for which str.isalnum() is true
_ID_JUNK_RE = re.compile(r"[^A-Za-z0-9_-]")
_CUSTOM_ID_RE = re.compile(r"[ \t]*\{#([^{}\s]*)\}$")
_MORE_RE = re.compile(r"<!--[ \t]*more[ \t]*-->[ \t]*", re.IGNORECASE)
_ALERT_RE = re.compile(r"\[!([A-Za-z]+)\][ \t]*(?:\n|$)")
_ALERT_TITLES = {
    "note": "Note",
    "tip": "Tip",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
}


def slugify(text: str) -> str:
    """The id a heading with this text gets: lower-case alphanumeric runs joined by ``-``, or ``section``.

    Non-ASCII letters are kept (browsers handle them in fragments and they keep
    non-English headings readable); everything else separates words.
    """
    return "-".join(_SLUG_WORD_RE.findall(text.lower())) or "section"


# --------------------------------------------------------------------------- plugins


def alerts_plugin(md: MarkdownIt) -> None:
    """Turn GitHub alerts (a blockquote opening with ``[!NOTE]`` etc.) into ``div.alert`` blocks.

    Done as a core rule on the finished token stream rather than in the blockquote parser
    so it composes with every other block rule unchanged. The marker must be alone on the
    first line and the quote must have more content, as on GitHub; an unknown kind leaves
    the blockquote untouched.
    """
    md.core.ruler.after("inline", "blogen_alerts", _alerts_rule)
    md.add_render_rule("alert_title", _render_alert_title)


def _alerts_rule(state: StateCore) -> None:
    tokens = state.tokens
    i = 0
    while i < len(tokens) - 2:
        opener = tokens[i]
        inline = tokens[i + 2]
        if opener.type != "blockquote_open" or tokens[i + 1].type != "paragraph_open" or inline.type != "inline":
            i += 1
            continue
        match = _ALERT_RE.match(inline.content)
        kind = match.group(1).lower() if match else ""
        if match is None or kind not in _ALERT_TITLES:
            i += 1
            continue
        children = inline.children or []
        cut = next((k for k, c in enumerate(children) if c.type in ("softbreak", "hardbreak")), None)
        close = _matching_close(tokens, i, "blockquote_close")
        if cut is None and close == i + 4:
            i += 1  # nothing but the marker: GitHub shows it as a plain quote
            continue
        opener.type, opener.tag = "alert_open", "div"
        opener.attrs = {"class": f"alert alert-{kind}"}
        opener.meta = {"kind": kind}
        tokens[close].type, tokens[close].tag = "alert_close", "div"
        if cut is None:
            del tokens[i + 1 : i + 4]  # the paragraph held only the marker
        else:
            inline.children = children[cut + 1 :]
            inline.content = inline.content[match.end() :]
        title = Token("alert_title", "p", 0, content=_ALERT_TITLES[kind], block=True, level=opener.level + 1)
        tokens.insert(i + 1, title)
        i += 2


def _matching_close(tokens: Sequence[Token], start: int, close_type: str) -> int:
    level = tokens[start].level
    for k in range(start + 1, len(tokens)):
        if tokens[k].type == close_type and tokens[k].level == level:
            return k
    return len(tokens) - 1  # unreachable for well-formed streams; keeps the caller total


def _custom_id_rule(state: StateCore) -> None:
    """Strip a trailing ``{#id}`` from headings, before the typographer can turn ``--`` into a dash.

    Only a literal ``{#...}`` in the final text of the heading counts, so ``\\{#id}``
    escapes it. The id is sanitised here; duplicates are resolved later with the rest.
    """
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or i + 1 >= len(tokens):
            continue
        inline = tokens[i + 1]
        children = inline.children
        if not children or children[-1].type != "text":
            continue
        last = children[-1]
        match = _CUSTOM_ID_RE.search(last.content)
        if match is None:
            continue
        last.content = last.content[: match.start()]
        if not last.content:
            children.pop()
        if children and children[-1].type == "text":
            children[-1].content = children[-1].content.rstrip()
        inline.content = _CUSTOM_ID_RE.sub("", inline.content).rstrip()
        token.meta["custom_id"] = _ID_JUNK_RE.sub("", match.group(1))


def _more_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Recognise a ``<!-- more -->`` line whether or not raw HTML is enabled."""
    if state.is_code_block(start_line):
        return False
    pos = state.bMarks[start_line] + state.tShift[start_line]
    if _MORE_RE.fullmatch(state.src, pos, state.eMarks[start_line]) is None:
        return False
    if silent:
        return True
    token = state.push("more_marker", "", 0)
    token.map = [start_line, start_line + 1]
    state.line = start_line + 1
    return True


# --------------------------------------------------------------------------- renderers


def _render_nothing(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return ""


# Text between tags needs only `&`, `<` and `>` escaped; markdown-it also turns every `"` into
# `&quot;`, which only an attribute value needs (attributes keep markdown-it's escaping).
def _render_text(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return escape_text(tokens[idx].content)


def _render_code_inline(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    return f"<code{self.renderAttrs(token)}>{escape_text(token.content)}</code>"


def _render_alert_title(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return f'<p class="alert-title">{escapeHtml(tokens[idx].content)}</p>\n'


def _render_heading_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    html = self.renderToken(tokens, idx, options, env)
    link = tokens[idx].meta.get("link")
    return f'{html}<a href="#{escapeHtml(link)}">' if isinstance(link, str) else html


def _render_heading_close(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    if token.meta.get("link"):
        return f"</a></{token.tag}>\n"
    anchor = token.meta.get("anchor")
    if not isinstance(anchor, str):
        return f"</{token.tag}>\n"
    text = str(token.meta.get("label") or "")
    label = escapeHtml(f"Link to this section: {text}" if text else "Link to this section")
    space = " " if text else ""
    return f'{space}<a class="anchor" href="#{escapeHtml(anchor)}" aria-label="{label}">#</a></{token.tag}>\n'


def _render_code(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    code = token.meta.get("code")
    if not isinstance(code, CodeOptions):
        code = CodeOptions(lang="", linenos=False)
    light, dark = env.get("blogen_styles") or (_DEFAULT.highlight_light, _DEFAULT.highlight_dark)
    return code_html(token.content, code, light, dark)


def _render_checkbox(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """A disabled checkbox named by its item: a <label> around the item's text, else an aria-label."""
    token = tokens[idx]
    checked = " checked" if token.meta.get("checked") else ""
    if token.meta.get("wrap"):
        return f'<label><input type="checkbox" disabled{checked}> '
    label = escapeHtml(str(token.meta.get("label") or "Task"))
    html = f'<input type="checkbox" disabled{checked} aria-label="{label}">'
    return html + (" " if not token.block else "\n")


def _render_label_close(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return "</label>"


def _render_figure(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    img = self.renderInline(token.children or [], options, env)
    return f"<figure>{img}<figcaption>{escapeHtml(token.content)}</figcaption></figure>\n"


def _render_table_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # Numbered labels: axe wants regions with the same role to have distinct names.
    count = int(env.get("blogen_tables", 0)) + 1
    env["blogen_tables"] = count
    return f'<div class="table-wrap" tabindex="0" role="region" aria-label="Table {count}">\n' + self.renderToken(
        tokens, idx, options, env
    )


def _render_table_close(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


def _render_footnote_anchor(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # The plugin's bare "↩" link has no accessible name worth hearing; give it one.
    meta = tokens[idx].meta
    number = int(meta.get("id", 0)) + 1
    sub = int(meta.get("subId", 0))
    ident = f"{number}:{sub}" if sub > 0 else str(number)
    return f' <a href="#fnref{ident}" class="footnote-backref" aria-label="Back to reference {ident}">\u21a9\ufe0e</a>'


# --------------------------------------------------------------------------- parser factory


def _render_footnote_block_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                                env: EnvType) -> str:
    # A labelled section: an unnamed <section> is a validator warning and a landmark without a name.
    return '<hr class="footnotes-sep">\n<section class="footnotes" aria-label="Footnotes">\n<ol class="footnotes-list">\n'


@lru_cache(maxsize=8)
def _parser(raw_html: bool, smart_punctuation: bool) -> MarkdownIt:
    """One configured parser per distinct option set; building one costs far more than a small post."""
    md = MarkdownIt(
        "commonmark",
        {"html": raw_html, "typographer": smart_punctuation, "xhtmlOut": False, "tasklists": True},
    )
    md.enable(["table", "strikethrough"])
    if smart_punctuation:
        md.enable(["replacements", "smartquotes"])
    md.use(gfm_autolink_plugin)
    md.use(footnote_plugin, inline=False)
    md.use(alerts_plugin)
    md.core.ruler.after("inline", "blogen_custom_id", _custom_id_rule)
    md.block.ruler.before("html_block", "blogen_more", _more_rule, {"alt": ["paragraph", "reference", "blockquote"]})
    md.add_render_rule("more_marker", _render_nothing)
    md.add_render_rule("text", _render_text)
    md.add_render_rule("code_inline", _render_code_inline)
    md.add_render_rule("heading_open", _render_heading_open)
    md.add_render_rule("heading_close", _render_heading_close)
    md.add_render_rule("fence", _render_code)
    md.add_render_rule("code_block", _render_code)
    md.add_render_rule("task_checkbox", _render_checkbox)
    md.add_render_rule("task_label_close", _render_label_close)
    md.add_render_rule("figure", _render_figure)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)
    md.add_render_rule("footnote_block_open", _render_footnote_block_open)
    return md


# --------------------------------------------------------------------------- analysis


def _plain_text(children: Sequence[Token] | None) -> str:
    """What a reader sees of some inline markup, as one line of plain text."""
    parts: list[str] = []
    for child in children or ():
        if child.type in ("text", "text_special", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_plain_text(child.children))
    return " ".join("".join(parts).split())


def _count_words(children: Sequence[Token]) -> int:
    """Words of prose: markup joins text (``foo*bar*`` is one word), code and breaks separate it."""
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "text_special"):
            parts.append(child.content)
        elif child.type not in (
            "em_open",
            "em_close",
            "strong_open",
            "strong_close",
            "s_open",
            "s_close",
            "link_open",
            "link_close",
        ):
            parts.append(" ")
    return _count_prose("".join(parts))


_PROSE_WORD_RE = re.compile(r"\S*[^\W_]\S*")  # a run of non-space with at least one letter or digit


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


@dataclass(slots=True)
class _Walk:
    """What one pass over a document's tokens has gathered so far; mutable, but local to one call."""

    md: MarkdownIt
    words: int = 0
    first_image: str | None = None
    links: list[LinkRef] = field(default_factory=list)

    def inline(self, token: Token, line: int) -> None:
        children = token.children or []
        self.words += _count_words(children)
        for child in children:
            if child.type == "link_open":
                self.links.append(LinkRef(self.target(child, "href"), line, False))
            elif child.type == "image":
                src = self.target(child, "src")
                self.links.append(LinkRef(src, line, True))
                if self.first_image is None:
                    self.first_image = src
                line += _count_breaks(child.children)
            elif child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "html_inline":
                line += child.content.count("\n")

    def target(self, token: Token, attr: str) -> str:
        # markdown-it percent-encodes destinations; undo that so targets read as written.
        value = str(token.attrGet(attr) or "")
        return self.md.normalizeLinkText(value) if value else value


def _analyse(
    md: MarkdownIt,
    tokens: list[Token],
    options: MarkdownOptions,
    path: str,
    first_line: int,
) -> tuple[list[Token], _Walk, list[tuple[Token, Token, Token]], int | None]:
    """One pass that validates fences, rewrites figures and task items, and gathers facts."""
    walk = _Walk(md)
    problems: list[Problem] = []
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
        if kind == "inline":
            walk.inline(token, block_line)
        elif kind == "heading_open" and i + 2 < len(tokens):
            headings.append((token, tokens[i + 1], tokens[i + 2]))
        elif kind == "fence":
            info = unescapeAll(token.info).strip() if token.info else ""
            code, errors = parse_info(info, token.content, options.line_numbers)
            problems.extend(Problem(path, block_line, message) for message in errors)
            token.meta["code"] = code
        elif kind == "code_block":
            token.meta["code"] = CodeOptions(lang="", linenos=options.line_numbers)
        elif kind == "list_item_open" and "checked" in token.meta:
            checked = bool(token.meta.pop("checked"))
            box = Token("task_checkbox", "input", 0, meta={"checked": checked})
            if i + 2 < len(tokens) and tokens[i + 1].type == "paragraph_open" and tokens[i + 2].type == "inline":
                inline = tokens[i + 2]
                children = inline.children or []
                text = _plain_text(children)
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
            walk.words += _count_prose(caption)
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
    if problems:
        raise BlogenError(problems)
    return out, walk, headings, more_at


# Inline content that may sit inside a link: a heading made of only these is its own self-link.
# Links, footnote references and raw HTML (which may hold a link or leave an element open) may not.
_LINKABLE = frozenset({
    "text", "text_special", "code_inline", "softbreak", "hardbreak", "image",
    "em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close",
})


def _assign_ids(headings: list[tuple[Token, Token, Token]], reserved: set[str], first_line: int) -> list[Heading]:
    """Give every heading a unique id; explicit ``{#id}``s are claimed first so they never get a suffix
    because of an earlier automatic id."""
    used = set(reserved)
    next_suffix: dict[str, int] = {}

    def unique(base: str) -> str:
        if base not in used:
            used.add(base)
            return base
        n = next_suffix.get(base, 0)
        while True:
            n += 1
            candidate = f"{base}-{n}"
            if candidate not in used:
                break
        next_suffix[base] = n
        used.add(candidate)
        return candidate

    texts = [_plain_text(inline.children) for _, inline, _ in headings]
    ids: list[str | None] = [None] * len(headings)
    for k, (opener, _, _) in enumerate(headings):
        custom = opener.meta.get("custom_id")
        if isinstance(custom, str) and custom:
            ids[k] = unique(custom)
    result: list[Heading] = []
    for k, (opener, inline, closer) in enumerate(headings):
        ident = ids[k] or unique(slugify(texts[k]))
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


# --------------------------------------------------------------------------- public API


def render_markdown(
    text: str,
    options: MarkdownOptions,
    *,
    path: str,
    first_line: int = 1,
    take_title: bool = False,
) -> Rendered:
    """Render one document body; line numbers reported are file lines (``first_line`` is the body's first).

    Raises BlogenError listing every bad fence option; Markdown itself never fails, and
    any unexpected internal failure is also reported as a BlogenError rather than a crash.
    With ``take_title`` a leading level-1 heading is removed from the HTML and returned
    as ``title``; it then counts for nothing else (words, links, headings).
    """
    try:
        return _render(text, options, path=path, first_line=first_line, take_title=take_title)
    except BlogenError:
        raise
    except Exception as exc:  # a bug of ours or of a plugin must not take the whole build down
        logger.exception("internal error rendering Markdown in %s", path)
        raise BlogenError.one(path, None, f"could not render Markdown (internal error: {exc!r})") from exc


def _render(text: str, options: MarkdownOptions, *, path: str, first_line: int, take_title: bool) -> Rendered:
    md = _parser(options.raw_html, options.smart_punctuation)
    env: dict[str, Any] = {"blogen_styles": (options.highlight_light, options.highlight_dark)}
    tokens = md.parse(text, env)

    title: str | None = None
    if take_title and len(tokens) >= 3 and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
        title = _plain_text(tokens[1].children)
        tokens = tokens[3:]

    tokens, walk, heading_tokens, more_at = _analyse(md, tokens, options, path, first_line)

    # Footnotes use fn<N>/fnref<N>; keep headings off those ids.
    footnote_count = len(env.get("footnotes", {}).get("list", {}))
    reserved = {f"{prefix}{n}" for n in range(1, footnote_count + 1) for prefix in ("fn", "fnref")}
    headings = _assign_ids(heading_tokens, reserved, first_line)

    summary_html: str | None = None
    if more_at is None:
        html = md.renderer.render(tokens, md.options, env)
    else:
        summary_html = md.renderer.render(tokens[:more_at], md.options, env)
        html = summary_html + md.renderer.render(tokens[more_at + 1 :], md.options, env)

    return Rendered(
        html=html,
        summary_html=summary_html,
        toc=tuple(h for h in headings if h.level in (2, 3)),
        headings=tuple(headings),
        title=title,
        words=walk.words,
        links=tuple(walk.links),
        first_image=walk.first_image,
    )


def highlight_css(light: str, dark: str) -> str:
    """The stylesheet for highlighted code (light by default, dark under ``prefers-color-scheme``).

    Raises ValueError for a style Pygments does not have; validate with ``check_style`` first.
    """
    from blogen import highlight

    return highlight.highlight_css(light, dark)


def check_style(name: str) -> bool:
    """True if Pygments has a style with this name (for validating the configuration)."""
    from blogen import highlight

    return highlight.check_style(name)


def decode_href(value: str) -> str:
    """An ``href``/``src`` value as it appears in our HTML, turned back into the target as written.

    The inverse of what the renderer does to destinations (HTML-escaping and percent-encoding),
    so a rewritten page can find the links that ``Rendered.links`` reported.
    """
    import html

    return _parser(True, False).normalizeLinkText(html.unescape(value))
