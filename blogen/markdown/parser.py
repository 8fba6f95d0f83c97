"""markdown-it set up for blogen's Markdown dialect: the rules that parse our extensions and render our HTML.

The extensions are GitHub alerts, ``{#custom-id}`` on headings and the ``<!-- more -->``
marker; the render rules give headings their self-links, code blocks their highlighting,
task items, figures, tables and footnotes their accessible markup. The token rewrites that
need a whole document (figures, task boxes, heading ids) are done in ``blogen.markdown.analysis``
and only drawn here. Kept apart from ``blogen.markdown.render`` so that what the HTML looks like
can be read without the bookkeeping of a render.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin

from blogen.core.config import MarkdownOptions
from blogen.markdown.diagrams import render_diagram
from blogen.markdown.fences import CodeOptions, code_html, escape_text
from blogen.markdown.math import math_plugin, math_render_plugin
from blogen.markdown.residue import residue_rule
from blogen.markdown.shortcodes import shortcodes_plugin

if TYPE_CHECKING:
    from markdown_it.renderer import RendererHTML
    from markdown_it.utils import EnvType, OptionsDict

_DEFAULT = MarkdownOptions()


# --------------------------------------------------------------------------- patterns

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
    if "[!" not in state.src:  # no marker anywhere: no token to look at
        return
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
    if "{#" not in state.src:  # no id written anywhere: no heading to look at
        return
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


def _render_footnote_block_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                                env: EnvType) -> str:
    # A labelled section: an unnamed <section> is a validator warning and a landmark without a name.
    return '<hr class="footnotes-sep">\n<section class="footnotes" aria-label="Footnotes">\n<ol class="footnotes-list">\n'


# --------------------------------------------------------------------------- parser factory


_ESCAPED_CHAR_RE = re.compile(r"\\(.)", re.DOTALL)


def _stop_at_www_only(md: MarkdownIt) -> None:
    """Make the text rule stop at a ``w`` only where ``www.`` starts, not at every ``w`` of the prose.

    The GFM autolink plugin adds ``w`` to the characters where markdown-it's text rule stops to try
    every inline rule, for the sake of ``www.`` links; at any other ``w`` every rule fails and the
    ``w`` joins the pending text, just as it does when the text rule runs on past it. So the tokens
    are the same, and a parse of ordinary prose (which has a ``w`` every few words) costs a tenth
    less. Left as it is when markdown-it's stop characters are not the one character class this
    expects.
    """
    pattern = md.inline.terminator_re.pattern
    if not (pattern.startswith("[") and pattern.endswith("]")):
        return
    chars = set(_ESCAPED_CHAR_RE.sub(r"\1", pattern[1:-1]))
    if "w" not in chars:
        return
    chars.discard("w")
    md.inline.terminator_re = re.compile("[" + re.escape("".join(sorted(chars))) + r"]|www\.")


def parser_for(text: str, raw_html: bool, smart_punctuation: bool, math: bool = False) -> MarkdownIt:
    """The parser for one document: without the rules for footnotes, shortcodes or the ``<!-- more -->``
    marker when its text holds none of the characters each of them starts with (``[^``, ``{{``, ``<!--``).

    Those rules could match nothing there, so the tokens are the same; but markdown-it asks each of them
    at every line (and the footnote rule at every ``[``): several percent of a parse.
    """
    return parser(raw_html, smart_punctuation, math, "[^" in text, "{{" in text, "<!--" in text)


@lru_cache(maxsize=64)
def parser(raw_html: bool, smart_punctuation: bool, math: bool = False,
           footnotes: bool = True, shortcodes: bool = True, more: bool = True) -> MarkdownIt:
    """One configured parser per distinct option set; building one costs far more than a small post.

    ``math``: with the rules for ``$…$`` and ``$$…$$`` (``blogen.markdown.math``), for the documents that
    may hold them; the others are parsed without, which is the same for a text without a dollar sign.
    ``footnotes``, ``shortcodes``, ``more``: with those rules (see ``parser_for``).
    """
    md = MarkdownIt(
        "commonmark",
        # GFM's strikethrough: ~one~ as well as ~~two~~ tildes, three or more are text.
        {"html": raw_html, "typographer": smart_punctuation, "xhtmlOut": False, "tasklists": True,
         "strikethrough_single_tilde": True},
    )
    md.enable(["table", "strikethrough"])
    if smart_punctuation:
        md.enable(["replacements", "smartquotes"])
    md.use(gfm_autolink_plugin)
    if footnotes:
        md.use(footnote_plugin, inline=False)
    md.use(alerts_plugin)
    if shortcodes:
        md.use(shortcodes_plugin)
    md.use(math_render_plugin)
    if math:
        md.use(math_plugin)
    md.core.ruler.before("text_join", "blogen_residue", residue_rule)
    md.core.ruler.after("inline", "blogen_custom_id", _custom_id_rule)
    if more:
        md.block.ruler.before("html_block", "blogen_more", _more_rule, {"alt": ["paragraph", "reference", "blockquote"]})
    md.add_render_rule("more_marker", _render_nothing)
    md.add_render_rule("text", _render_text)
    md.add_render_rule("code_inline", _render_code_inline)
    md.add_render_rule("heading_open", _render_heading_open)
    md.add_render_rule("heading_close", _render_heading_close)
    md.add_render_rule("fence", _render_code)
    md.add_render_rule("code_block", _render_code)
    md.add_render_rule("diagram", render_diagram)
    md.add_render_rule("task_checkbox", _render_checkbox)
    md.add_render_rule("task_label_close", _render_label_close)
    md.add_render_rule("figure", _render_figure)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)
    md.add_render_rule("footnote_block_open", _render_footnote_block_open)
    _stop_at_www_only(md)  # last: a plugin that adds a stop character makes markdown-it build its own again
    return md
