"""TeX to MathML at build time (latex2mathml), checked, with the TeX kept beside it; and math as feeds carry it.

Browsers draw MathML Core themselves, so a page with math needs no script and no web font. Each
formula becomes ``<math><semantics>…<annotation encoding="application/x-tex">TeX</annotation>
</semantics></math>``: the annotation keeps the source for copying and for feeds.

latex2mathml is lenient: it passes an unknown command through as the text ``\\foo`` and a
``\\frac`` missing an argument as a fraction with one part. A formula like that would reach the
reader half-drawn, so the tree it makes is checked here, and every problem is a ``TeXError`` whose
message the caller reports at the formula's file line.

Feeds: readers draw MathML unevenly (many web readers drop the element and keep its text, which
runs the symbols and the TeX together), so ``tex_for_feeds`` turns each formula back into its TeX,
in ``<code>``, between the dollars it was written with: what every reader shows, and what a reader
of a technical blog reads.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "msubsup": 3, "mroot": 2, "munder": 2, "mover": 2, "munderover": 3}
_TOKENS = frozenset({"mi", "mo", "mn", "mtext", "ms"})
_COMMAND_RE = re.compile(r"\\[A-Za-z]+")
_ENTITY_RE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);")
# latex2mathml's own errors, by class name, in a writer's words.
_MESSAGES = {
    "NumeratorNotFoundError": "a fraction without a numerator",
    "DenominatorNotFoundError": "a fraction without a denominator",
    "ExtraLeftOrMissingRightError": "\\left and \\right do not pair up",
    "MissingSuperScriptOrSubscriptError": "'^' or '_' with nothing after it",
    "DoubleSubscriptsError": "double subscript (write x_{ab} or {x_a}_b)",
    "DoubleSuperscriptsError": "double superscript (write x^{ab} or {x^a}^b)",
    "NoAvailableTokensError": "an unclosed '{' or a command without its argument",
    "InvalidStyleForGenfracError": "\\genfrac with a style that is not 0 to 3",
    "MissingEndError": "\\begin without its \\end",
    "InvalidAlignmentError": "an array column that is not l, c, r or |",
    "InvalidWidthError": "a width that is not a TeX length",
    "LimitsMustFollowMathOperatorError": "\\limits after something that is not an operator",
    "RecursionError": "a macro that expands itself without end",
}


class TeXError(ValueError):
    """A formula that cannot be drawn as written; the message says why, in the writer's terms."""


def tex_to_mathml(tex: str, display: bool) -> str:
    """``tex`` as a ``<math>`` element (``display="block"`` for display math), with the TeX as its annotation.

    Raises TeXError when latex2mathml refuses the formula or makes a tree that would not draw what was written.
    """
    from latex2mathml.converter import convert_to_element  # lazy: only documents with math load it

    source = tex.strip()
    if not source:
        raise TeXError("empty formula")
    try:
        math = convert_to_element(_dialect(source), display="block" if display else "inline")
    except Exception as exc:  # the library's own errors, and any crash of it on odd input
        raise TeXError(_MESSAGES.get(type(exc).__name__, "cannot read this TeX")) from None
    _check(math)
    body = "".join(_xml(child) for child in math)
    annotation = f'<annotation encoding="application/x-tex">{_escape(source)}</annotation>'
    block = ' display="block"' if display else ""
    return f"<math{block}><semantics>{body}{annotation}</semantics></math>"


# What MathJax and KaTeX read that latex2mathml does not, as what it does read (the annotation keeps the TeX as
# written): aligned-like environments as ``split`` (right/left column pairs), gathered ones as one centred
# column, ``equation`` as its content; labels and numbering switches, which a page's MathML cannot use, dropped.
_DIALECT = (
    (re.compile(r"\\(begin|end)\{(?:aligned|alignedat|alignat\*?)\}(?:\{\d+\})?"), r"\\\1{split}"),
    (re.compile(r"\\begin\{(?:gather\*?|gathered|multline\*?)\}"), r"\\begin{array}{c}"),
    (re.compile(r"\\begin\{eqnarray\*?\}"), r"\\begin{array}{rcl}"),
    (re.compile(r"\\end\{(?:gather\*?|gathered|multline\*?|eqnarray\*?)\}"), r"\\end{array}"),
    (re.compile(r"\\(?:begin|end)\{equation\*?\}|\\label\{[^{}]*\}|\\(?:nonumber|notag)\b"), ""),
)


def _dialect(tex: str) -> str:
    if "\\" not in tex:
        return tex
    for pattern, replacement in _DIALECT:
        tex = pattern.sub(replacement, tex)
    return tex


def _check(element: Element) -> None:
    """Refuse what latex2mathml lets through but TeX would not: unknown commands, missing arguments, stray ``&`` and ``}``."""
    tag = element.tag
    if tag in _TOKENS:
        text = element.text or ""
        command = _COMMAND_RE.match(text)
        if command is not None:
            raise TeXError(f"unknown TeX command '{command.group(0)}'")
        if text == "&":
            raise TeXError("'&' outside a matrix or aligned environment (write \\& for an ampersand)")
        if text in ("}", "{"):
            raise TeXError(f"unbalanced '{text}' (write \\{text} for a brace)")
    want = _ARITY.get(tag)
    if want is not None and len(element) != want:
        raise TeXError("a command without all of its arguments")
    for child in element:
        _check(child)


def _xml(element: Element) -> str:
    """One element as HTML: latex2mathml keeps characters as entity text (``&#x0222B;``), written here as UTF-8."""
    attrs = "".join(f' {name}="{_escape(_text(value), quote=True)}"' for name, value in element.attrib.items()
                    if _safe_attribute(name, _text(value)))
    inner = _escape(_text(element.text or "")) + "".join(_xml(child) + _escape(_text(child.tail or "")) for child in element)
    if not inner:
        return f"<{element.tag}{attrs}/>"
    return f"<{element.tag}{attrs}>{inner}</{element.tag}>"


def _safe_attribute(name: str, value: str) -> bool:
    """Whether an attribute may reach the page: ``\\href`` only to the web or mail (a ``javascript:`` link in a
    formula would get past ``raw_html = false``), and no event handler."""
    if name.lower().startswith("on"):
        return False
    if name.lower() == "href":
        return urlsplit(value.strip()).scheme.lower() in ("", "http", "https", "mailto")
    return True


def _text(value: str) -> str:
    return html.unescape(value) if "&" in value and _ENTITY_RE.search(value) else value


def _escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


# --------------------------------------------------------------------------- feeds

_MATH_RE = re.compile(
    r'<math( display="block")?><semantics>(?:(?!</math>).)*?'
    r'<annotation encoding="application/x-tex">([^<]*)</annotation></semantics></math>',
    re.DOTALL,
)


def tex_for_feeds(page_html: str) -> str:
    """Each formula of a page's HTML as its TeX in ``<code>``, with its dollars (``$x^2$``, ``$$…$$``)."""
    if "<math" not in page_html:
        return page_html

    def tex(match: re.Match[str]) -> str:
        fence = "$$" if match.group(1) else "$"
        return f'<code class="math">{fence}{match.group(2)}{fence}</code>'

    return _MATH_RE.sub(tex, page_html)


# --------------------------------------------------------------------------- plain text

_STYLE_RE = re.compile(r"<style\b[^>]*>.*?</style>", re.DOTALL | re.IGNORECASE)


def readable_html(page_html: str) -> str:
    """A page's HTML as text extractors should read it (summaries, meta descriptions, the search index): each
    formula as its TeX between dollars, not its symbols run together with the TeX, and no diagram stylesheet."""
    if "<math" in page_html:
        page_html = _MATH_RE.sub(lambda m: ("$$" if m.group(1) else "$") + m.group(2) + ("$$" if m.group(1) else "$"),
                                 page_html)
    if "<style" in page_html:
        page_html = _STYLE_RE.sub(" ", page_html)
    return page_html
