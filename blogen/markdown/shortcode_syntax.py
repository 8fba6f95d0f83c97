"""Reading one shortcode tag as Hugo writes it: ``{{< name "positional" key="named" n=3 >}}``.

Plain string work, no Markdown: the block and inline rules in ``blogen.markdown.shortcodes``
call ``read_tag`` where a line or a run of text starts with ``{{``, and decide from what it
gives. The forms, as in Hugo:

- ``{{< name args >}}`` and ``{{% name args %}}`` (the second's inner text is Markdown);
- ``{{< name args />}}``, closed at once; ``{{< /name >}}``, the end of a paired one;
- ``{{</* name args */>}}``, which shows ``{{< name args >}}`` as text (how Hugo's docs write about shortcodes).

Arguments are separated by white space (line breaks too); a value is ``"quoted"`` (``\\"`` and
``\\\\`` escape), a ``\\`raw string\\``` or bare. Bare ``true``/``false`` are booleans and bare
numbers (without a leading zero, so ids like ``0123`` stay text) are numbers, as in Hugo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Value = str | int | float | bool

_NAME_RE = re.compile(r"[A-Za-z0-9_][\w./-]*")
_KEY_RE = re.compile(r"([A-Za-z_][\w-]*)[ \t]*=[ \t]*")
_SPACE_RE = re.compile(r"\s*")
_INT_RE = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_FLOAT_RE = re.compile(r"-?(?:0|[1-9][0-9]{0,17})\.[0-9]{1,17}")
LONGEST_TAG = 4000  # characters: a tag is looked for no further than this, so a stray "{{<" costs little


@dataclass(frozen=True, slots=True)
class Tag:
    """A shortcode tag read from ``src[start:end]``."""

    name: str
    markdown: bool  # written {{% … %}}: its inner text is Markdown
    closing: bool  # {{< /name >}}
    self_closing: bool  # {{< name />}}
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Escaped:
    """``{{</* … */>}}``: the text ``{{< … >}}``, shown as it is."""

    text: str
    end: int


@dataclass(frozen=True, slots=True)
class Malformed:
    """Something that starts like a shortcode but is not one; ``reason`` says what is wrong."""

    reason: str


class _Bad(Exception):
    pass


def read_tag(src: str, pos: int, limit: int) -> Tag | Escaped | Malformed | None:
    """The shortcode tag at ``src[pos]``, read no further than ``limit``; None when none starts there."""
    if not src.startswith("{{", pos) or pos + 2 >= limit or src[pos + 2] not in "<%":
        return None
    limit = min(limit, pos + LONGEST_TAG)
    markdown = src[pos + 2] == "%"
    close = "%}}" if markdown else ">}}"
    try:
        i = _skip(src, pos + 3, limit)
        if src.startswith("/*", i):
            return _escaped(src, pos, i, limit, close)
        closing = src.startswith("/", i)
        if closing:
            i = _skip(src, i + 1, limit)
        match = _NAME_RE.match(src, i, limit)
        if match is None:
            raise _Bad("no shortcode name after '{{" + src[pos + 2] + "'")
        name, i = match.group(0), match.end()
        args: list[Value] = []
        kwargs: list[tuple[str, Value]] = []
        while True:
            j = _skip(src, i, limit)
            if src.startswith(close, j):
                return Tag(name, markdown, closing, False, tuple(args), tuple(kwargs), pos, j + 3)
            if src.startswith("/" + close, j) and not closing:
                return Tag(name, markdown, closing, True, tuple(args), tuple(kwargs), pos, j + 4)
            if j >= limit:
                raise _Bad(f"no closing '{close}'")
            if j == i:
                raise _Bad(f"unexpected {src[j]!r} after '{src[pos:j]}'")
            if closing:
                raise _Bad("a closing tag takes no arguments")
            key = _KEY_RE.match(src, j, limit)
            if key is not None:
                value, i = _value(src, key.end(), limit, close)
                kwargs.append((key.group(1), value))
            else:
                value, i = _value(src, j, limit, close)
                args.append(value)
    except _Bad as bad:
        return Malformed(str(bad))


def _skip(src: str, pos: int, limit: int) -> int:
    match = _SPACE_RE.match(src, pos, limit)
    return match.end() if match else pos


def _escaped(src: str, pos: int, i: int, limit: int, close: str) -> Escaped:
    end = src.find("*/", i + 2, limit)
    if end < 0:
        raise _Bad("'/*' is never closed by '*/'")
    j = _skip(src, end + 2, limit)
    if not src.startswith(close, j):
        raise _Bad(f"'*/' is not followed by '{close}'")
    return Escaped(src[pos:pos + 3] + src[i + 2:end] + close, j + 3)


def _value(src: str, pos: int, limit: int, close: str) -> tuple[Value, int]:
    """One argument's value at ``src[pos]`` and where it ends."""
    quote = src[pos] if pos < limit else ""
    if quote == '"':
        out: list[str] = []
        i = pos + 1
        while i < limit:
            ch = src[i]
            if ch == '"':
                return "".join(out), i + 1
            if ch == "\\" and i + 1 < limit and src[i + 1] in '"\\':
                ch = src[i + 1]
                i += 1
            out.append(ch)
            i += 1
        raise _Bad("a quoted argument is never closed")
    if quote == "`":
        end = src.find("`", pos + 1, limit)
        if end < 0:
            raise _Bad("a `raw` argument is never closed")
        return src[pos + 1:end], end + 1
    i = pos
    while i < limit and not src[i].isspace() and not src.startswith(close, i) and not src.startswith("/" + close, i):
        if src[i] in "\"`":
            raise _Bad(f"a quote inside the bare argument '{src[pos:i + 1]}'")
        i += 1
    word = src[pos:i]
    if not word:
        raise _Bad("an argument has no value")
    return _typed(word), i


def _typed(word: str) -> Value:
    if word in ("true", "false"):
        return word == "true"
    if _INT_RE.fullmatch(word):
        return int(word)
    if _FLOAT_RE.fullmatch(word):
        return float(word)
    return word
