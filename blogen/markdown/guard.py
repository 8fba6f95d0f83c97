"""A work budget for parsing one document, so that hostile Markdown fails fast, naming its line.

markdown-it scans forward from every ``[`` for the ``]`` that closes it, from every ``](`` for the
end of the destination, and (GFM autolinks) copies the rest of the paragraph at every ``:``, ``@``
and ``www.``. On honest text those scans are short; on text made of nothing else they run to the
end of the paragraph again and again: 100,000 ``[`` in 100 KB took two minutes (most of it in a
word count of blogen's own, now linear), 33,000 ``[](`` grew with the square of the paragraph.

Rather than guess at which inputs are hostile, the guard counts the parser's own steps: every
token the inline parser skips while it looks for the end of a link label, and the characters link
destination and title scans pass and the autolink rules copy or search. A document may spend
``STEPS_PER_CHAR`` steps per character of its text (with a floor for short texts). The 1,800 real
posts tried (Jekyll, Hugo and Zola blogs) spend at most 0.3 a character; text of nothing but
brackets spends 10 to 20, and the quadratic cases without bound. Past the budget the parse stops
and the document is an error naming the paragraph's line. The count, unlike a clock, is the same
on every machine, so a document that builds once builds everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from blogen.core.errors import BlogenError

STEPS_PER_CHAR = 12
MIN_STEPS = 100_000
SCAN_CHARS_PER_STEP = 8  # a destination or title scan passes characters far faster than the parser skips tokens


class _TooCostly(Exception):
    """Raised inside the parser when the budget is spent; turned into a problem by ``parse``."""


class _Budget:
    """What one parse may still spend, and which paragraph it is in (for the message)."""

    __slots__ = ("left", "line", "text")

    def __init__(self, steps: int) -> None:
        self.left = steps
        self.line: int | None = None  # 0-based line of the inline block being parsed
        self.text = ""

    def spend(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise _TooCostly


_CURRENT: ContextVar[_Budget | None] = ContextVar("blogen_markdown_budget", default=None)


def parse(md: MarkdownIt, text: str, env: dict[str, Any], *, path: str, first_line: int) -> list[Token]:
    """``md.parse(text, env)`` within a budget; a document that overspends is a BlogenError at its paragraph."""
    _install(md)
    budget = _Budget(max(MIN_STEPS, STEPS_PER_CHAR * len(text)))
    reset = _CURRENT.set(budget)
    try:
        return md.parse(text, env)
    except _TooCostly:
        line = None if budget.line is None else budget.line + first_line
        raise BlogenError.one(path, line, _message(budget.text)) from None
    finally:
        _CURRENT.reset(reset)


def _message(paragraph: str) -> str:
    opened = paragraph.count("[") - paragraph.count("]")
    parens = paragraph.count("(") - paragraph.count(")")
    unclosed = [f"{n:,} more '{c}' than '{d}'" for n, c, d in ((opened, "[", "]"), (parens, "(", ")")) if n > 0]
    start = f"this paragraph of {len(paragraph):,} characters is too costly to parse as Markdown"
    if unclosed:
        return (f"{start} ({' and '.join(unclosed)}): brackets that never close make the parser scan to its end "
                "again and again; close them, escape them as \\[ and \\(, or put the text in a code block")
    return (f"{start}: the parser would scan it again and again; split it into shorter paragraphs, or put the text "
            "in a code block")


def _install(md: MarkdownIt) -> None:
    """Count the parser's steps: once per parser (``blogen.markdown.parser`` keeps a few)."""
    if getattr(md, "_blogen_guarded", False):
        return
    helpers = md.helpers
    skip = md.inline.skipToken

    def counted_skip(state: StateInline) -> None:
        budget = _CURRENT.get()
        if budget is not None:
            budget.spend(1)
        skip(state)

    md.inline.skipToken = counted_skip  # type: ignore[method-assign]
    md.helpers = SimpleNamespace(  # type: ignore[assignment]
        parseLinkLabel=helpers.parseLinkLabel,
        parseLinkDestination=_scan_counted(helpers.parseLinkDestination, _destination_stops),
        parseLinkTitle=_scan_counted(helpers.parseLinkTitle, _title_stops),
    )
    for name, rule in _AUTOLINK_RULES.items():
        md.inline.ruler.at(name, rule(_rule_named(md, name)))
    md.core.ruler.at("inline", _inline_by_block)
    md._blogen_guarded = True  # type: ignore[attr-defined]


def _scan_counted(scan: Callable[..., Any], stops: Callable[[str, int, int], int]) -> Callable[..., Any]:
    """A link destination or title scan, charged for what it passed: up to where it ended, or (when it
    failed) where ``stops`` says such a scan gives up."""

    def counted(string: str, pos: int, maximum: int, *rest: Any) -> Any:
        result = scan(string, pos, maximum, *rest)
        budget = _CURRENT.get()
        if budget is not None:
            end = result.pos if result.ok else stops(string, pos, maximum)
            budget.spend(1 + max(0, end - pos) // SCAN_CHARS_PER_STEP)
        return result

    return counted


_DESTINATION_END = re.compile(r"[\x00-\x20\x7f]")  # a bare destination ends at a space or control character
_BRACKETED_END = re.compile(r"[\n<>]")  # one in <...> at the next line break or angle bracket


def _destination_stops(string: str, pos: int, maximum: int) -> int:
    if string.startswith("<", pos):
        m = _BRACKETED_END.search(string, pos + 1, maximum)
    else:
        m = _DESTINATION_END.search(string, pos, maximum)
    return m.start() if m else maximum


def _title_stops(string: str, pos: int, maximum: int) -> int:
    opener = string[pos] if pos < maximum else ""
    if opener not in ('"', "'", "("):
        return pos  # not a title: nothing scanned
    end = string.find(")" if opener == "(" else opener, pos + 1, maximum)
    return end if end >= 0 else maximum


def _rule_named(md: MarkdownIt, name: str) -> Callable[[StateInline, bool], bool]:
    rules = md.inline.ruler.__rules__
    return next(r.fn for r in rules if r.name == name)


# The GFM autolink rules copy the rest of the paragraph at every ':', '@' and 'www.', and the
# protocol rule searches all the text before it too: a long paragraph with thousands of those grows
# with its square. Each rule is tried only where it could match, and charged for what it copies
# (thousands of characters a step) and searches (dozens).
COPY_CHARS_PER_STEP = 16384
SEARCH_CHARS_PER_STEP = 32
_PROTOCOLS = ("http", "https", "mailto", "xmpp")
_EMAIL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_")

_Rule = Callable[[StateInline, bool], bool]


def _charged(rule: _Rule, could_match: Callable[[StateInline], bool], searches: bool = False) -> _Rule:
    def guarded(state: StateInline, silent: bool) -> bool:
        if not could_match(state):
            return False
        budget = _CURRENT.get()
        if budget is not None:
            searched = len(state.pending) // SEARCH_CHARS_PER_STEP if searches else 0
            budget.spend(1 + (state.posMax - state.pos) // COPY_CHARS_PER_STEP + searched)
        return rule(state, silent)

    return guarded


def _at_www(state: StateInline) -> bool:
    return state.src.startswith("www.", state.pos)


def _after_protocol(state: StateInline) -> bool:
    return state.src[state.pos] == ":" and state.pending.endswith(_PROTOCOLS)


def _after_local_part(state: StateInline) -> bool:
    return state.src[state.pos] == "@" and state.pending[-1:] in _EMAIL_CHARS if state.pending else False


_AUTOLINK_RULES: dict[str, Callable[[_Rule], _Rule]] = {
    "gfm_autolink_www": lambda rule: _charged(rule, _at_www),
    "gfm_autolink_protocol": lambda rule: _charged(rule, _after_protocol, searches=True),
    "gfm_autolink_email": lambda rule: _charged(rule, _after_local_part),
}


def _inline_by_block(state: StateCore) -> None:
    """markdown-it's core ``inline`` rule, noting which block each inline parse belongs to."""
    budget = _CURRENT.get()
    for token in state.tokens:
        if token.type != "inline":
            continue
        if budget is not None:
            budget.line = token.map[0] if token.map else None
            budget.text = token.content
        if token.children is None:
            token.children = []
        state.md.inline.parse(token.content, state.md, state.env, token.children)
