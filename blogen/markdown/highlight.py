"""Everything that touches Pygments, kept in its own module so that importing it is the only way Pygments gets loaded.

``blogen.markdown.fences`` imports this module lazily, the first time a document has a fenced
block with a language (and ``blogen.markdown.render`` when the site CSS is written), because importing Pygments and
looking lexers up costs tens of milliseconds that a build without code should not pay.

Classes
-------
Code is not marked up with Pygments' own classes (one per token type: ``k``, ``kd``, ``kt``,
``nf``, ...) but with blogen's short classes ``t0``, ``t1``, ... (the theme contract; see
``Palette``). A class stands for one *pair* of looks, the one the light style gives a token
and the one the dark style gives it, so every token type both styles draw alike shares one
class, a token that both styles leave at the block's own text colour gets no span at all,
and neighbouring tokens with the same class share one span. The HTML of a block therefore
depends on the two styles, which are part of the Markdown cache key (``MarkdownOptions``),
and the CSS holds one rule per class and scheme instead of one per token type.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pygments.lexers import get_lexer_by_name  # type: ignore[import-untyped]
from pygments.styles import get_style_by_name  # type: ignore[import-untyped]
from pygments.token import STANDARD_TYPES, Generic, Token, Whitespace  # type: ignore[import-untyped]
from pygments.util import ClassNotFound  # type: ignore[import-untyped]

from blogen.core.config import check_style

logger = logging.getLogger(__name__)

# The CSS scope of the block rules; fences.py emits the matching wrapper. Token rules are
# written as bare `.tN`: the classes are blogen's own, appear only inside code blocks, and
# the theme contract (README, "Code markup") keeps the names `t...` for them.
SCOPE = ".highlight"
CLASS_PREFIX = "t"

# Properties a token can get from a Pygments style, in the order Pygments writes them, and
# the value that takes a light-scheme setting back off in the dark scheme.
_RESET = {
    "color": "inherit",
    "font-weight": "inherit",
    "font-style": "inherit",
    "text-decoration": "none",
    "background": "none",
    "border": "0",
}
# Properties that show on a run of spaces (the rest only change how glyphs look).
_SOLID = frozenset({"text-decoration", "background", "border"})

Decls = tuple[tuple[str, str], ...]
_HEX = re.compile(r"[0-9a-f]{3}|[0-9a-f]{6}")


@lru_cache(maxsize=256)
def _lexer(name: str) -> Any:
    """The lexer for a fence language, or None; cached because unknown names make Pygments scan plugins.

    ``stripnl=False`` keeps leading and trailing blank lines, so Pygments' line numbering
    matches the block's (``hl_lines`` was validated against the block's own lines).
    """
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None
    except Exception:  # a broken third-party lexer plugin must not fail the build
        logger.warning("Pygments failed to load a lexer for %r; showing the code unhighlighted", name, exc_info=True)
        return None


def has_lexer(lang: str) -> bool:
    """Whether Pygments knows the language name (aliases are case-insensitive)."""
    return _lexer(lang.lower()) is not None


# --------------------------------------------------------------------------- the palette


def _colour(value: str) -> str:
    """A Pygments colour (``A90D91``) as short lower-case CSS (``#a90d91``, ``#fff``); other values as given."""
    value = value.lower()
    if not _HEX.fullmatch(value):
        return value  # `transparent`, `var(...)`: what a third-party style may use for a background
    if len(value) == 6 and value[0::2] == value[1::2]:
        value = value[0::2]
    return "#" + value


def _decls(ndef: dict[str, Any], base: dict[str, Any]) -> Decls:
    """What a style sets on a token beyond what the whole block already has (Pygments' own CSS mapping)."""
    out: list[tuple[str, str]] = []
    if ndef["color"] and (not base["color"] or ndef["color"].lower() != base["color"].lower()):
        out.append(("color", _colour(ndef["color"])))
    if ndef["bold"] and not base["bold"]:
        out.append(("font-weight", "700"))
    if ndef["italic"] and not base["italic"]:
        out.append(("font-style", "italic"))
    if ndef["underline"] and not base["underline"]:
        out.append(("text-decoration", "underline"))
    if ndef["bgcolor"]:
        out.append(("background", _colour(ndef["bgcolor"])))
    if ndef["border"]:
        out.append(("border", f"1px solid {_colour(ndef['border'])}"))
    return tuple(out)


def _css(decls: Iterable[tuple[str, str]]) -> str:
    return ";".join(f"{prop}:{value}" for prop, value in decls)


@dataclass(frozen=True, slots=True)
class _Scheme:
    """One Pygments style as the CSS of a block and a look per token type."""

    block: Decls  # background and text colour of the whole block
    looks: dict[Any, Decls]  # token type -> declarations, for every type the style resolves itself

    @classmethod
    def load(cls, name: str, types: Iterable[Any]) -> _Scheme:
        style = get_style_by_name(name)
        base = style.style_for_token(Token)
        block = [("background", _colour(style.background_color.lstrip("#")))] if style.background_color else []
        if base["color"]:
            block.append(("color", _colour(base["color"])))
        looks = {}
        for ttype in types:
            known = ttype
            while not style.styles_token(known) and known.parent is not None:
                known = known.parent
            looks[ttype] = _decls(style.style_for_token(known), base)
        return cls(tuple(block), looks)


@dataclass(frozen=True, slots=True)
class Palette:
    """Two Pygments styles (light, dark) as blogen's short token classes and their CSS.

    Every token type either style knows, or Pygments names, is given the pair of looks it gets
    in the two styles (what it sets beyond the block's own colours); each distinct pair that
    is not "nothing in both" becomes a class ``t0``, ``t1``, ... in a fixed order, so the names
    depend only on the two styles. Other token types take the class of their nearest known
    parent, as Pygments' own CSS cascade would give them.
    """

    light: _Scheme
    dark: _Scheme
    classes: dict[Any, str]  # token type -> class; "" for no span
    rules: dict[str, tuple[Decls, Decls]]  # class -> (light looks, dark looks)
    solid: frozenset[str]  # classes whose look shows on spaces (background, underline, border)
    _lookup: dict[Any, str] = field(default_factory=dict)
    _looks: dict[Any, tuple[str, str | None]] = field(default_factory=dict)

    def class_of(self, ttype: Any) -> str:
        found = self._lookup.get(ttype)
        if found is None:
            known = ttype
            while known not in self.classes:
                known = known.parent
            found = self._lookup[ttype] = self.classes[known]
        return found

    def looks_of(self, ttype: Any) -> tuple[str, str | None]:
        """The class of a token of this type in a block, and of one that is only spaces: None when its look
        would not show there (a colour, weight or slant is invisible on spaces; a background, underline or
        border is not, and a console session's prompt or output keeps its class whatever it holds).

        Kept for the life of the palette (one per pair of styles, so per build): a token type's class is
        worked out once, not once per block.
        """
        found = self._looks.get(ttype)
        if found is None:
            session = _session_class(ttype, self)
            cls = session or self.class_of(ttype)
            found = self._looks[ttype] = (cls, cls if session is not None or cls in self.solid else None)
        return found


@lru_cache(maxsize=8)
def palette(light: str, dark: str) -> Palette:
    """The palette of two installed styles; raises ValueError for a style Pygments does not have."""
    for name in (light, dark):
        if not check_style(name):
            raise ValueError(f"unknown Pygments style {name!r}")
    types: set[Any] = set(STANDARD_TYPES)
    for name in (light, dark):
        types.update(ttype for ttype, _ in get_style_by_name(name))
    ordered = sorted(types)  # token types sort as tuples: Token, Token.Comment, Token.Comment.Hashbang, ...
    schemes = (_Scheme.load(light, ordered), _Scheme.load(dark, ordered))
    names: dict[tuple[Decls, Decls], str] = {}
    classes: dict[Any, str] = {}
    for ttype in ordered:
        pair = (schemes[0].looks[ttype], schemes[1].looks[ttype])
        if pair == ((), ()) or (ttype in Whitespace and not _shows_on_spaces(pair)):
            classes[ttype] = ""  # nothing to show, or nothing that would show on spaces
            continue
        if pair not in names:
            names[pair] = f"{CLASS_PREFIX}{_base36(len(names))}"
        classes[ttype] = names[pair]
    rules = {name: pair for pair, name in names.items()}
    solid = frozenset(name for name, pair in rules.items() if _shows_on_spaces(pair))
    return Palette(schemes[0], schemes[1], classes, rules, solid)


def _shows_on_spaces(pair: tuple[Decls, Decls]) -> bool:
    return any(prop in _SOLID for prop, _ in pair[0] + pair[1])


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = digits[n % 36]
    while n >= 36:
        n //= 36
        out = digits[n % 36] + out
    return out


# --------------------------------------------------------------------------- HTML


def _escape(text: str) -> str:
    # Text content needs only these three; quotes matter in attributes, and code has many.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# A session's prompts (``$ ``, ``# ``, ``> ``, ``>>> ``) and output are marked whatever their colours, so the
# copy button can leave them out and a reader's selection skips the prompts (the theme contract).
PROMPT_CLASS = "gp"
OUTPUT_CLASS = "go"


def _session_class(ttype: Any, colours: Palette) -> str | None:
    """The class of a prompt or output token of a console session (``gp``/``go`` with its colour), else None."""
    if ttype in Generic.Prompt:
        look = colours.class_of(Generic.Prompt)  # one look for every kind of prompt, so `(venv) $ ` is one run
        return f"{PROMPT_CLASS} {look}" if look else PROMPT_CLASS
    if ttype in Generic.Output:
        look = colours.class_of(ttype)
        return f"{OUTPUT_CLASS} {look}" if look else OUTPUT_CLASS
    return None


def _add_run(runs: list[tuple[str, list[str]]], cls: str, texts: list[str]) -> None:
    if runs and runs[-1][0] == cls:
        runs[-1][1].extend(texts)
    else:
        runs.append((cls, texts))


def _html(runs: Iterable[tuple[str, list[str]]]) -> str:
    return "".join(f'<span class="{cls}">{_escape("".join(texts))}</span>' if cls else _escape("".join(texts))
                   for cls, texts in runs)


def _tokens(code: str, lang: str) -> list[tuple[Any, str]] | None:
    """The lexer's tokens, or None when the language is unknown or the lexer fails."""
    lexer = _lexer(lang.lower())
    if lexer is None:
        return None
    try:
        return list(lexer.get_tokens(code))
    except Exception:  # lexers are third-party code; a crash must degrade, not abort
        logger.warning("Pygments failed to highlight a %r block; showing it unhighlighted", lang, exc_info=True)
        return None


@dataclass(frozen=True, slots=True)
class Highlighted:
    """A highlighted block as its lines; ``html`` gives any run of consecutive lines as balanced HTML."""

    lines: list[list[tuple[str | None, str]]]
    solid: frozenset[str]

    def __len__(self) -> int:
        return len(self.lines)

    def html(self, start: int, stop: int) -> str:
        """Lines ``start`` to ``stop - 1``, each ending in a line end, with every span closed at the end.

        Within the run a span may go on across line ends (``<span class="t1">output 1\noutput 2</span>``),
        which saves a closing and an opening tag for every line that continues the look of the line
        before (a console session's output, a long comment). The caller cuts the block where line
        numbers or highlighted-line wrappers must go around single lines.
        """
        # Runs with neighbours of one class joined. A piece of class None (spaces) waits in ``gap`` for the
        # next piece that has a class: between two pieces of one class it joins them (``static int`` is one
        # run), else it is plain text; a line end is such a piece too, so the last one is always plain.
        solid = self.solid
        runs: list[tuple[str, list[str]]] = []
        gap: list[str] = []
        before = ""  # the class of the last piece that has one
        for line in self.lines[start:stop]:
            for cls, text in line:
                if cls is None:
                    gap.append(text)
                    continue
                if gap:
                    _add_run(runs, before if before == cls and before not in solid else "", gap)
                    gap = []
                before = cls
                if runs and runs[-1][0] == cls:
                    runs[-1][1].append(text)
                else:
                    runs.append((cls, [text]))
            gap.append("\n")
        if gap:
            _add_run(runs, "", gap)
        return _html(runs)


def highlight_lines(code: str, lang: str, light: str, dark: str) -> Highlighted | None:
    """``code`` highlighted in the classes of the ``light``/``dark`` palette, or None when ``lang`` is unknown."""
    tokens = _tokens(code, lang)
    if tokens is None:
        return None
    colours = palette(light, dark)
    looks = colours.looks_of
    lines: list[list[tuple[str | None, str]]] = []
    line: list[tuple[str | None, str]] = []
    for ttype, value in tokens:  # each cut at its line ends
        cls, blank = looks(ttype)
        if "\n" not in value:
            if value:
                line.append((blank if value.isspace() else cls, value))
            continue
        for k, piece in enumerate(value.split("\n")):
            if k:
                lines.append(line)
                line = []
            if piece:
                line.append((blank if piece.isspace() else cls, piece))
    if line:
        lines.append(line)  # (a line end at the very end starts no line of its own)
    return Highlighted(lines, colours.solid)


# --------------------------------------------------------------------------- CSS


# The theme's colour-scheme choice: ``<html data-scheme="light|dark">`` overrides the system's
# preference (a toggle sets it); without the attribute the system decides.
SCHEME_ATTR = "data-scheme"


def highlight_css(light: str, dark: str) -> str:
    """CSS for highlighted code: the light style by default, the dark one for a dark colour scheme.

    One rule per look and scheme, listing every class that has it. In the dark scheme a class
    that the light style draws and the dark one leaves alone is set back (``color:inherit``
    and so on), so it never keeps a light colour on a dark background. The dark rules apply
    under ``prefers-color-scheme: dark`` unless the page says ``data-scheme="light"``, and
    whenever it says ``data-scheme="dark"`` (a theme's toggle): they are written twice, which
    gzip all but erases. Screen only: a page printed from a dark screen keeps light code on paper.
    ``.highlight`` also gets ``--code-bg``, its background, for a theme's scroll shadows. No
    comment is shipped: every page downloads this.
    """
    colours = palette(light, dark)
    out = _block_rules(colours.light.block, (), "")
    out.extend(_grouped(((name, lt) for name, (lt, _) in colours.rules.items()), ""))
    dark_rules = []
    for name, (lt, dk) in colours.rules.items():
        set_here = {prop for prop, _ in dk}
        resets = tuple((prop, _RESET[prop]) for prop, _ in lt if prop not in set_here)
        dark_rules.append((name, dk + resets))
    for prefix, wrap in ((f":root:not([{SCHEME_ATTR}=light]) ", "@media screen and (prefers-color-scheme:dark){"),
                         (f"[{SCHEME_ATTR}=dark] ", "@media screen{")):
        out.append(wrap)
        out.extend(_block_rules(colours.dark.block, colours.light.block, prefix))
        out.extend(_grouped(dark_rules, prefix))
        out.append("}")
    # Let the style's colours reach the code even when a theme styles pre/code.
    out.append(f"{SCOPE} pre,{SCOPE} code{{background:none;color:inherit}}")
    # Line numbers are for reading only: never copied with the code; nor are a console session's prompts.
    # (Their colour is the theme's: dimming them here would break contrast.)
    out.append(f"{SCOPE} .linenos{{-webkit-user-select:none;user-select:none;padding-right:1ch}}")
    out.append(f"{SCOPE} .{PROMPT_CLASS}{{-webkit-user-select:none;user-select:none}}")
    return "\n".join(out) + "\n"


def _block_rules(block: Decls, light: Decls, prefix: str) -> list[str]:
    """The block's background (also as ``--code-bg``) and colour; in the dark scheme also a reset of a
    light text colour it does not set."""
    decls = list(block)
    decls.extend(("--code-bg", value) for prop, value in block if prop == "background")
    if any(p == "color" for p, _ in light) and not any(p == "color" for p, _ in block):
        decls.append(("color", "inherit"))
    return [f"{prefix}{SCOPE}{{{_css(decls)}}}"] if decls else []


def _grouped(rules: Iterable[tuple[str, Decls]], prefix: str) -> list[str]:
    """Classes with identical declarations share one rule; classes with none get none."""
    grouped: dict[str, list[str]] = {}
    for name, decls in rules:
        if decls:
            grouped.setdefault(_css(decls), []).append(f"{prefix}.{name}")
    return [f"{','.join(selectors)}{{{decls}}}" for decls, selectors in grouped.items()]
