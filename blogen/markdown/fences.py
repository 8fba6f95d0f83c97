"""Fenced code blocks: the options of an info string, and the HTML of a block (highlighted by Pygments).

``LANG`` comes first (it may be omitted), then options separated by spaces or commas, bare or in
braces, in the forms other generators write them (see ``blogen.markdown.render`` for the list).
An option blogen does not know is a warning, never fatal: the block renders without it. A known
option with a value that cannot be right (``hl_lines=abc``, a line past the end) is an error,
since it would silently highlight the wrong thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from blogen.core.errors import did_you_mean

_CLASS_JUNK_RE = re.compile(r"[^A-Za-z0-9_+-]")
_ID_JUNK_RE = re.compile(r"[^A-Za-z0-9_-]")
_INFO_RE = re.compile(r"([^\s{]*)\s*(.*)", re.DOTALL)
_OPTION_SEP_RE = re.compile(r"[\s,{}]*")
# One option: key=value (quoted, bracketed or bare; a bare value may go on with comma-separated
# line numbers, as in hl_lines=2,4-6), a .class, an #id, a line range, or a bare flag.
_OPTION_RE = re.compile(
    r"""(?P<key>[A-Za-z_][A-Za-z0-9_-]*)
        (?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|\[[^\]]*\]|[^\s,"'\[\]{}]*(?:,[0-9][0-9-]*(?=[\s,}]|$))*))?
        (?=[\s,{}]|$)
      | \.(?P<cls>[^\s,{}.#]+)
      | \#(?P<id>[^\s,{}.#]+)
      | (?P<range>[0-9]{1,9}(?:-[0-9]{1,9})?)(?=[\s,{}]|$)""",
    re.VERBOSE,
)
_BAD_OPTION_RE = re.compile(r"[^\s,{}]+")
_LINE_ITEM_SPLIT_RE = re.compile(r"[\s,]+")
_LINE_ITEM_RE = re.compile(r"([0-9]{1,9})(?:-([0-9]{1,9}))?")
_NUMBER_RE = re.compile(r"[0-9]{1,9}")

_TRUE = frozenset({"true", "yes", "on", "1", "table", "inline"})  # Hugo's linenos=table|inline: numbered
_FALSE = frozenset({"false", "no", "off", "0"})
# Other generators' names for ours: pymdownx's linenums="1", Docusaurus' showLineNumbers,
# Hugo docs' file="...", and filename="..." (Zola, others).
_ALIASES = {"linenums": "linenostart", "showlinenumbers": "linenos", "file": "title", "filename": "title"}
_FENCE_OPTIONS = ("hl_inline", "hl_lines", "linenos", "linenostart", "title")
_KNOWN = "title=\"…\", linenos, linenostart=N, hl_lines=2,4-6, a line range like {2,4-6}, .class and #id"
# Class names for languages whose names hold characters a class had better not (``c#``): the
# name Pygments and Prism also know them by.
_CLASS_NAMES = {"c#": "csharp", "f#": "fsharp", "q#": "qsharp"}


@dataclass(frozen=True, slots=True)
class CodeOptions:
    """How one code block is rendered; validated before rendering so all errors are reported together."""

    lang: str
    linenos: bool
    linenostart: int = 1
    hl_lines: frozenset[int] = frozenset()
    title: str = ""
    classes: tuple[str, ...] = ()
    ident: str = ""
    inline: bool = False  # Hugo's hl_inline: highlighted code inside a paragraph (the highlight shortcode only)


@dataclass(frozen=True, slots=True)
class FenceInfo:
    """An info string read: the options, and what was wrong with it (errors stop the build, warnings do not)."""

    options: CodeOptions
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def _split_lines(code: str) -> list[str]:
    lines = code.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _parse_lines(value: str) -> list[tuple[int, int]] | None:
    """``2,4-6`` (also space-separated, quoted, bracketed, items quoted: ``[2,"4-6"]``) as ranges, or None if malformed."""
    if len(value) >= 2 and value[0] + value[-1] in ('""', "''", "[]"):
        value = value[1:-1]
    ranges: list[tuple[int, int]] = []
    for item in _LINE_ITEM_SPLIT_RE.split(value.strip()):
        item = item.strip("\"'")
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


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'" else value


@dataclass(slots=True)
class _Reading:
    """The options of one info string as they are read; mutable, local to ``parse_info``."""

    code: str
    linenos: bool | None = None
    linenostart: int | None = None
    hl_lines: set[int] | None = None
    title: str = ""
    ident: str = ""
    inline: bool = False
    classes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self, raw: str, ranges: list[tuple[int, int]] | None) -> None:
        if ranges is None:
            self.errors.append(f"invalid fence option '{raw}': expected line numbers like 2,4-6")
            return
        count = len(_split_lines(self.code))
        highest = max(last for _, last in ranges)
        if highest > count:
            noun = "line" if count == 1 else "lines"
            self.errors.append(f"invalid fence option '{raw}': line {highest} is past the end of the block ({count} {noun})")
            return
        found = self.hl_lines if self.hl_lines is not None else set()
        found.update(n for first, last in ranges for n in range(first, last + 1))
        self.hl_lines = found

    def option(self, raw: str, key: str, value: str | None) -> None:
        name = _ALIASES.get(key.lower(), key.lower())  # Hugo's option names are case-insensitive (hl_Lines)
        if name == "linenos":
            flag = "true" if value is None else _unquote(value).lower()
            if flag in _TRUE:
                self.linenos = True
            elif flag in _FALSE:
                self.linenos = False
            else:
                self.errors.append(f"invalid fence option '{raw}': expected linenos=true or linenos=false")
        elif name == "linenostart":
            number = _unquote(value or "")
            if _NUMBER_RE.fullmatch(number):
                self.linenostart = int(number)
            else:
                self.errors.append(f"invalid fence option '{raw}': expected a first line number like linenostart=10")
        elif name == "hl_lines":
            self.lines(raw, _parse_lines(value or ""))
        elif name == "title":
            if value is None:
                self.warnings.append(f"fence option '{raw}' ignored: it needs a value, like title=\"app.js\"")
            else:
                self.title = _unquote(value).strip()
        elif name == "hl_inline":
            flag = "true" if value is None else _unquote(value).lower()
            self.inline = flag in _TRUE
        else:
            hint = did_you_mean(key, _FENCE_OPTIONS)
            self.warnings.append(f"unknown fence option '{raw}' ignored{hint}: blogen knows {_KNOWN}")


def parse_info(info: str, code: str, default_linenos: bool) -> FenceInfo:
    """The language and options of a fence, with a message for each bad (error) or unknown (warning) option."""
    match = _INFO_RE.fullmatch(info)
    lang, rest = (match.group(1), match.group(2).strip()) if match else ("", "")
    reading = _Reading(code)
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
            reading.warnings.append(f"unknown fence option '{rest[pos:end]}' ignored: blogen knows {_KNOWN}")
            pos = end
            continue
        pos = option.end()
        raw = option.group(0)
        if option.group("cls") is not None:
            reading.classes.append(option.group("cls"))
        elif option.group("id") is not None:
            reading.ident = _ID_JUNK_RE.sub("", option.group("id"))
        elif option.group("range") is not None:
            reading.lines(raw, _parse_lines(raw))
        else:
            value = option.group("value")
            if value is not None and value[:1] not in ('"', "'", "["):
                value = value.rstrip(",")
            reading.option(raw, option.group("key"), value)
    if not lang and reading.classes:
        lang = reading.classes.pop(0)  # pandoc's ```{.python .numberLines}: the first class is the language
    linenos = reading.linenos
    if linenos is None:
        linenos = default_linenos or reading.linenostart is not None
    classes = tuple(c for c in (_CLASS_JUNK_RE.sub("", c) for c in reading.classes) if c)
    options = CodeOptions(lang, linenos, 1 if reading.linenostart is None else reading.linenostart,
                          frozenset(reading.hl_lines or ()), reading.title, classes, reading.ident, reading.inline)
    return FenceInfo(options, tuple(reading.errors), tuple(reading.warnings))


def language_class(lang: str) -> str:
    """The ``language-`` class of a block: the name as written, but ``c#`` as ``csharp`` and other
    characters a class cannot safely hold dropped."""
    return _CLASS_JUNK_RE.sub("", _CLASS_NAMES.get(lang.lower(), lang))


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

    if options.inline:  # inside a paragraph: the lines as one <code>, without numbers or highlighted lines
        safe = language_class(options.lang)
        return f'<code class="code-inline{" language-" + safe if safe else ""}">{lines(0, count).rstrip(chr(10))}</code>'
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
    # The language is told once, the CommonMark way (a `language-` class).
    safe = language_class(options.lang)
    code_class = f' class="language-{safe}"' if safe else ""
    div_class = " ".join(("highlight", *options.classes))
    ident = f' id="{options.ident}"' if options.ident else ""
    block = f'<pre tabindex="0"><code{code_class}>{"".join(parts)}</code></pre></div>'
    if not options.title:
        return f'<div class="{div_class}"{ident}>{block}\n'
    # A title names the file the code is from: the caption of a figure holding the block.
    caption = f"<figcaption>{escape_text(options.title)}</figcaption>"
    return f'<figure class="code"{ident}>{caption}<div class="{div_class}">{block}</figure>\n'


# What may come before a fence on its line: indentation, and the markers of the quotes and list items it is in.
_FENCE_LEAD_RE = re.compile(r"[ \t>*+\-0-9.]*")


def has_fence(text: str, info: re.Pattern[str]) -> bool:
    """Whether a line of ``text`` opens a fence (three backticks or tildes after nothing but indentation and
    quote or list markers) whose info string ``info`` matches from its start: a cheap look before parsing.

    The fence markers are found with ``str.find``, several times faster over a long text than a regular
    expression tried at every line start; a marker that overlaps the one before it is passed over, since
    its line then holds a backtick or tilde before it.
    """
    for marker in ("```", "~~~"):
        at = text.find(marker)
        while at >= 0:
            if info.match(text, at + 3) and _FENCE_LEAD_RE.fullmatch(text, text.rfind("\n", 0, at) + 1, at):
                return True
            at = text.find(marker, at + 3)
    return False


def escape_text(text: str) -> str:
    """Text for element content: only ``&``, ``<`` and ``>`` need escaping there (quotes matter in attributes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
