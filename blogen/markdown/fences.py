"""Fenced code blocks: the options of an info string, and the HTML of a block (highlighted by Pygments).

``LANG`` comes first (it may be omitted), then options separated by spaces or commas,
optionally wrapped in one pair of braces; see ``blogen.markdown.render`` for the accepted forms.
Any other option, or a malformed value, is an error: a misspelt option that silently did
nothing would be worse than a failed build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from blogen.core.errors import did_you_mean

_CLASS_JUNK_RE = re.compile(r"[^A-Za-z0-9_+-]")
_INFO_RE = re.compile(r"([^\s{]*)\s*(.*)", re.DOTALL)
_OPTION_SEP_RE = re.compile(r"[\s,]*")
_OPTION_RE = re.compile(
    r"""(?P<key>[A-Za-z_][A-Za-z0-9_-]*)
        (?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|\[[^\]]*\]|[^\s"'\[]*))?
        (?=[\s,]|$)""",
    re.VERBOSE,
)
_BAD_OPTION_RE = re.compile(r"[^\s,]+")
_LINE_ITEM_SPLIT_RE = re.compile(r"[\s,]+")
_LINE_ITEM_RE = re.compile(r"([0-9]{1,9})(?:-([0-9]{1,9}))?")
_NUMBER_RE = re.compile(r"[0-9]{1,9}")

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
_FENCE_OPTIONS = ("hl_lines", "linenos", "linenostart")
_FENCE_SYNTAX = "expected linenos, linenostart=N or hl_lines=2,4-6"


@dataclass(frozen=True, slots=True)
class CodeOptions:
    """How one code block is rendered; validated before rendering so all errors are reported together."""

    lang: str
    linenos: bool
    linenostart: int = 1
    hl_lines: frozenset[int] = frozenset()


def _split_lines(code: str) -> list[str]:
    lines = code.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _parse_lines(value: str) -> list[tuple[int, int]] | None:
    """``2,4-6`` (also space-separated, quoted or bracketed) as ranges, or None if malformed."""
    if len(value) >= 2 and value[0] + value[-1] in ('""', "''", "[]"):
        value = value[1:-1]
    ranges: list[tuple[int, int]] = []
    for item in _LINE_ITEM_SPLIT_RE.split(value.strip()):
        if not item:
            continue
        match = _LINE_ITEM_RE.fullmatch(item)
        if match is None:
            return None
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first:
            return None
        ranges.append((first, last))
    return ranges or None


def parse_info(info: str, code: str, default_linenos: bool) -> tuple[CodeOptions, list[str]]:
    """The language and options of a fence, plus a message for each bad option."""
    match = _INFO_RE.fullmatch(info)
    lang, rest = (match.group(1), match.group(2).strip()) if match else ("", "")
    if len(rest) >= 2 and rest[0] == "{" and rest[-1] == "}":
        rest = rest[1:-1]
    errors: list[str] = []
    linenos: bool | None = None
    linenostart: int | None = None
    hl_lines: frozenset[int] = frozenset()
    pos = 0
    while True:
        sep = _OPTION_SEP_RE.match(rest, pos)
        pos = sep.end() if sep else pos
        if pos >= len(rest):
            break
        option = _OPTION_RE.match(rest, pos)
        if option is None:
            bad = _BAD_OPTION_RE.match(rest, pos)
            end = bad.end() if bad else len(rest)
            errors.append(f"invalid fence option '{rest[pos:end]}': {_FENCE_SYNTAX}")
            pos = end
            continue
        pos = option.end()
        raw = option.group(0)
        key = option.group("key")
        value = option.group("value")
        if value is not None and value[:1] not in ('"', "'", "["):
            value = value.rstrip(",")
        if key == "linenos":
            flag = "true" if value is None else value.strip("\"'").lower()
            if flag in _TRUE:
                linenos = True
            elif flag in _FALSE:
                linenos = False
            else:
                errors.append(f"invalid fence option '{raw}': expected linenos=true or linenos=false")
        elif key == "linenostart":
            number = (value or "").strip("\"'")
            if _NUMBER_RE.fullmatch(number):
                linenostart = int(number)
            else:
                errors.append(f"invalid fence option '{raw}': expected a first line number like linenostart=10")
        elif key == "hl_lines":
            ranges = _parse_lines(value or "")
            if ranges is None:
                errors.append(f"invalid fence option '{raw}': expected line numbers like 2,4-6")
                continue
            count = len(_split_lines(code))
            highest = max(last for _, last in ranges)
            if highest > count:
                noun = "line" if count == 1 else "lines"
                errors.append(f"invalid fence option '{raw}': line {highest} is past the end of the block ({count} {noun})")
                continue
            hl_lines = frozenset(n for first, last in ranges for n in range(first, last + 1))
        else:
            hint = did_you_mean(key, _FENCE_OPTIONS)
            errors.append(f"unknown fence option '{raw}'{hint}: {_FENCE_SYNTAX}")
    if linenos is None:
        linenos = default_linenos or linenostart is not None
    return CodeOptions(lang, linenos, 1 if linenostart is None else linenostart, hl_lines), errors


def code_html(code: str, options: CodeOptions, light: str, dark: str) -> str:
    """The block in our one code wrapper, highlighted in the ``light``/``dark`` styles' classes when Pygments knows the language."""
    highlighted = None
    if options.lang:
        from blogen.markdown import highlight  # lazy: Pygments is only loaded for documents that need it

        highlighted = highlight.highlight_lines(code, options.lang, light, dark)
    if highlighted is not None:
        count, lines = len(highlighted), highlighted.html
    else:
        plain = [escape_text(line) for line in _split_lines(code)]
        count = len(plain)

        def lines(start: int, stop: int) -> str:
            return "".join(f"{line}\n" for line in plain[start:stop])

    # Lines go out in runs: a numbered line on its own (its number comes first), otherwise a run
    # of highlighted or of ordinary lines, so a highlighted run gets one wrapper.
    def group(i: int) -> tuple[int, bool]:
        return (i if options.linenos else 0, i + 1 in options.hl_lines)

    width = len(str(options.linenostart + count - 1))
    parts: list[str] = []
    start = 0
    while start < count:
        stop = start + 1
        while stop < count and group(stop) == group(start):
            stop += 1
        html = lines(start, stop)
        if options.linenos:
            html = f'<span class="linenos">{options.linenostart + start:>{width}}</span>{html}'
        parts.append(f'<span class="hll">{html}</span>' if start + 1 in options.hl_lines else html)
        start = stop
    # The language is told once, the CommonMark way (a `language-` class); characters a class
    # cannot hold are dropped from it.
    safe = _CLASS_JUNK_RE.sub("", options.lang)
    code_class = f' class="language-{safe}"' if safe else ""
    return f'<div class="highlight"><pre tabindex="0"><code{code_class}>{"".join(parts)}</code></pre></div>\n'


def escape_text(text: str) -> str:
    """Text for element content: only ``&``, ``<`` and ``>`` need escaping there (quotes matter in attributes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
