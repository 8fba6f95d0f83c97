"""Template residue: Liquid, Hugo and kramdown syntax left in a document's prose, which blogen shows as text.

A post brought over from Jekyll or Hugo may still hold ``{% include … %}``, ``{{ site.url }}``,
a shortcode blogen could not read, or a kramdown ``{: .class}``; each would reach the reader as
literal text. They are never silent: each is a warning (``path:line: warning: KIND: …``, the kind
first, so the command line can count them by kind) and ``--strict`` fails on them. Code (spans,
blocks, ``<pre>``/``<code>``/``<script>``/``<style>`` in raw HTML) and escaped characters
(``\\{% raw %}``, ``&#123;``) are left alone: there the braces are what the author meant to show.

The scan is a markdown-it core rule that runs before ``text_join``, while escaped characters are
still tokens of their own (``text_special``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:  # the command line imports KINDS: no markdown-it for that
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

# Kinds, as `blogen import` names them too; the command line counts warnings by these.
KINDS = ("liquid-tag", "liquid-output", "hugo-shortcode", "kramdown-attribute", "kramdown-extension")

_RESIDUE_RE = re.compile(
    r"""(?P<hugo>\{\{[<%](?:.{0,300}?[>%]\}\}|[^\n]{0,40}))
      | (?P<tag>\{%.{0,300}?%\})
      | (?P<output>\{\{.{0,300}?\}\})
      | (?P<ext>\{::[^{}\n]{0,200}\})
      | (?P<ial>\{:[^{}\n]{0,200}\})""",
    re.VERBOSE | re.DOTALL,
)
_MASKED = "\x00"  # stands for an escaped character or a code span: never part of residue
_INLINE_CODE_RE = re.compile(r"</?(code|kbd|samp|tt)\b", re.IGNORECASE)
_HTML_CODE_RE = re.compile(r"<(script|style|pre|code)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_LIQUID_NAME_RE = re.compile(r"\{%-?\s*(\w+)\s*([^%]*?)\s*-?%\}", re.DOTALL)

_LIQUID_HINTS = {
    "include": "make it a shortcode: {{{{< {name} … >}}}} with a template theme/shortcodes/{name}.html",
    "post_url": "link to the post's Markdown file instead, e.g. [text](other-post.md)",
    "link": "link to the Markdown file instead, e.g. [text](other-post.md)",
    "highlight": "use a fenced code block (```lang) instead",
    "endhighlight": "use a fenced code block (```lang) instead",
    "raw": "remove it: blogen never runs Liquid, so nothing needs protecting",
    "endraw": "remove it: blogen never runs Liquid, so nothing needs protecting",
}


def residue_rule(state: StateCore) -> None:
    """Add a warning to ``env["blogen_residue"]`` for every piece of residue in prose: (line offset, message)."""
    if "{" not in state.src:
        return
    found: list[tuple[int, str]] = state.env.setdefault("blogen_residue", [])
    # A reference definition's destination is not in the text that uses it: look wherever one may be used.
    coded_refs = any("%7B" in str(ref.get("href", "")) for ref in state.env.get("references", {}).values())
    for token in state.tokens:
        if token.map is None or ("{" not in token.content and not (coded_refs and "[" in token.content)):
            continue
        line = token.map[0]
        if token.type == "inline":
            targets: list[tuple[int, str]] = []
            for offset, message in _scan(_inline_text(token.children or (), targets)):
                found.append((line + offset, message))
            for offset, target in targets:
                for _, message in _scan(target, in_link=True):
                    found.append((line + offset, message))
        elif token.type == "html_block":
            for offset, message in _scan(_HTML_CODE_RE.sub(_blank, token.content)):
                found.append((line + offset, message))


def _blank(match: re.Match[str]) -> str:
    return "\n" * match.group(0).count("\n")


def _inline_text(children: Sequence[Token], targets: list[tuple[int, str]]) -> str:
    """What a reader would see of the inline markup, as one string whose line breaks are the source's;
    code and escaped characters are masked. Link targets that hold template code go to ``targets``
    with the line (offset) they are on."""
    parts: list[str] = []
    in_code = 0  # inside raw <code>…</code> (or kbd, samp, tt) written inline: code, however it is written
    for child in children:
        kind = child.type
        if kind == "html_inline" and _INLINE_CODE_RE.match(child.content):
            in_code = max(0, in_code + (-1 if child.content.startswith("</") else 1))
            parts.append(_MASKED)
        elif in_code and kind != "softbreak" and kind != "hardbreak":
            parts.append(_MASKED)
        elif kind == "text":
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind in ("code_inline", "text_special"):
            parts.append(_MASKED)
        elif kind == "html_inline":  # (a raw HTML block holding a shortcode is a run of these: its code stays code)
            parts.append(_MASKED if child.content.startswith("<!--") else _HTML_CODE_RE.sub(_blank, child.content))
        elif kind in ("link_open", "image"):
            target = str(child.attrGet("href") or child.attrGet("src") or "")
            if "%7B" in target:  # markdown-it percent-encodes the braces (and spaces) of a destination
                targets.append(("".join(parts).count("\n"), unquote(target)))
            if kind == "image":
                parts.append(_inline_text(child.children or (), targets))
    return "".join(parts)


def has_template_code(target: str) -> bool:
    """Whether a link target as written holds Liquid or Hugo code (then it is residue, not a link to check)."""
    return "{{" in target or "{%" in target


def _scan(text: str, in_link: bool = False) -> Iterator[tuple[int, str]]:
    for match in _RESIDUE_RE.finditer(text):
        snippet = _snippet(match.group(0))
        kind = match.lastgroup
        if in_link:  # Hugo and Jekyll ran these before the Markdown; here the link goes nowhere
            name = {"hugo": "hugo-shortcode", "tag": "liquid-tag", "output": "liquid-output"}.get(kind or "", "kramdown-attribute")
            message = (f"{name}: '{snippet}' in a link target is not run: write the URL, or a link to the "
                       "Markdown file, e.g. [text](other-post.md)")
        elif kind == "hugo":
            message = f"hugo-shortcode: '{snippet}' is shown as text: it could not be read as a shortcode (check its quotes and its closing '>}}}}')"
        elif kind == "tag":
            message = f"liquid-tag: '{snippet}' is Jekyll template code, shown as text: {_liquid_hint(match.group(0))}"
        elif kind == "output":
            message = f"liquid-output: '{snippet}' is Jekyll template code, shown as text: write the value it stood for instead"
        elif kind == "ext":
            message = f"kramdown-extension: '{snippet}' is kramdown syntax, shown as text: remove it"
        elif "toc" in match.group(0).lower():
            message = f"kramdown-attribute: '{snippet}' is kramdown's table of contents, shown as text: set 'toc: true' in the front matter instead"
        else:
            message = f"kramdown-attribute: '{snippet}' is a kramdown attribute list, shown as text: remove it (or use raw HTML for the class or id)"
        yield text.count("\n", 0, match.start()), message


def _liquid_hint(tag: str) -> str:
    match = _LIQUID_NAME_RE.match(tag)
    name = match.group(1) if match else ""
    hint = _LIQUID_HINTS.get(name, "remove it, or make it a shortcode with a template in theme/shortcodes/")
    if name == "include" and match is not None:
        included = (match.group(2).split() or ["name"])[0].rsplit(".", 1)[0]
        hint = hint.format(name=included or "name")
    return hint


def _snippet(text: str) -> str:
    text = " ".join(text.replace(_MASKED, "").split())
    return text if len(text) <= 60 else text[:57] + "..."
