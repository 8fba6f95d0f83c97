"""Hugo's shortcodes in a page, converted to what blogen writes for the same output.

Hugo expands shortcodes over the whole content, code blocks included, so this pass does too.
``ref`` and ``relref`` become portable links to the ``.md`` file; ``highlight`` becomes a fenced
block; ``figure``, ``youtube``, ``vimeo``, ``gist`` and ``details`` stay shortcodes (blogen has
them built in), their positional arguments named; ``tweet``, ``x`` and ``instagram`` become a
link to the post; ``param`` becomes the value; ``comment`` is dropped as Hugo drops it. A custom
shortcode stays as written and is listed, so its template can be made once. An escaped call
(``{{</* x */>}}``) is the literal text Hugo showed.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from blogen.importers.fields import snippet
from blogen.importers.prose import mark_literal
from blogen.importers.values import SHORTCODE_KIND, Finding

_ESCAPED = re.compile(r"\{\{([<%])/\*(.*?)\*/([>%])\}\}", re.S)
_CALL = re.compile(r"\{\{([<%])-?\s*(/?)\s*([\w./-]+)((?:[^>%\"`]|\"(?:\\.|[^\"\\])*\"|`[^`]*`|[>%](?!\}\}))*?)\s*(/?)\s*-?([>%])\}\}", re.S)
_ARG = re.compile(r"""([\w-]+)\s*=\s*("(?:\\.|[^"\\])*"|`[^`]*`|[^\s"`]+)|("(?:\\.|[^"\\])*"|`[^`]*`|[^\s"`=]+)""")
BUILTIN = frozenset({"figure", "youtube", "vimeo", "gist", "details"})
_POSITIONAL = {"youtube": ("id",), "vimeo": ("id",), "gist": ("user", "id", "file"), "figure": ("src",),
               "details": ("summary",)}


@dataclass(frozen=True, slots=True)
class Scope:
    where: str
    first_line: int
    params: Mapping[str, Any]  # the page's front matter, then the site's params, for {{< param >}}
    ref: Callable[[str], str | None]  # a ref/relref argument -> link target


@dataclass(slots=True)
class Outcome:
    text: str = ""
    findings: list[Finding] = field(default_factory=list)
    shortcodes: dict[str, int] = field(default_factory=dict)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"`":
        inner = value[1:-1]
        return inner.replace('\\"', '"') if value[0] == '"' else inner
    return value


def parse_args(text: str) -> tuple[list[str], dict[str, str]]:
    """A call's positional and named arguments, unquoted."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for m in _ARG.finditer(text):
        if m.group(1):
            named[m.group(1)] = _unquote(m.group(2))
        else:
            positional.append(_unquote(m.group(3)))
    return positional, named


def _named(name: str, positional: list[str], named: dict[str, str]) -> str:
    keys = _POSITIONAL.get(name, ())
    merged = {**dict(zip(keys, positional, strict=False)), **named}
    return " ".join(f'{k}="{v.replace(chr(34), "&quot;")}"' for k, v in merged.items())


def _hl_options(options: str) -> str:
    """blogen's fence options from ``highlight``'s ``linenos=table,hl_lines=2 4-6,linenostart=3``."""
    out: list[str] = []
    for item in re.split(r",(?![^\[]*\])", options):
        key, _, value = item.strip().partition("=")
        key, value = key.strip().lower(), value.strip().strip("\"'[]")
        if key == "linenos" and value.lower() not in ("false", "no", "0", ""):
            out.append("linenos")
        elif key == "hl_lines" and value:
            lines = " ".join(re.split(r"[\s,]+", value.replace('"', "")))
            out.append(f'hl_lines="{lines}"')
        elif key == "linenostart" and value.isdigit():
            out.append(f"linenostart={value}")
    return " ".join(out)


class _Converter:
    def __init__(self, text: str, scope: Scope, out: Outcome) -> None:
        self.text = text
        self.scope = scope
        self.out = out
        self.starts = [0, *(i + 1 for i, ch in enumerate(text) if ch == "\n")]

    def line(self, offset: int) -> int:
        return self.scope.first_line + bisect.bisect_right(self.starts, offset) - 1

    def closing(self, name: str, pos: int) -> re.Match[str] | None:
        return re.compile(r"\{\{[<%]-?\s*/\s*" + re.escape(name) + r"\s*-?[>%]\}\}").search(self.text, pos)

    def run(self) -> str:
        parts: list[str] = []
        pos = 0
        while (m := _CALL.search(self.text, pos)) is not None:
            parts.append(self.text[pos:m.start()])
            replaced, pos = self.call(m)
            parts.append(replaced)
        parts.append(self.text[pos:])
        return "".join(parts)

    def call(self, m: re.Match[str]) -> tuple[str, int]:
        closing, name, rest, self_closed = m.group(2), m.group(3), m.group(4), m.group(5)
        if closing:
            return m.group(0), m.end()
        positional, named = parse_args(rest)
        if name in ("ref", "relref"):
            arg = named.get("path") or (positional[0] if positional else "")
            target = self.scope.ref(arg)
            if target is None:
                self.out.findings.append(Finding(self.scope.where, self.line(m.start()), "dead-reference",
                                                 f"{snippet(m.group(0))}: no such page in this site"))
                return m.group(0), m.end()
            return target, m.end()
        if name == "highlight" and not self_closed:
            end = self.closing("highlight", m.end())
            if end is not None:
                lang = positional[0] if positional else ""
                options = _hl_options(positional[1] if len(positional) > 1 else "")
                code = self.text[m.end():end.start()].strip("\n")
                longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
                marker = "`" * max(3, longest + 1)
                head = " ".join(p for p in (lang, options) if p)
                return f"{marker}{head}\n{code}\n{marker}", end.end()
        if name in ("tweet", "x", "twitter"):
            user = named.get("user", positional[0] if len(positional) > 1 else "")
            ident = named.get("id", positional[-1] if positional else "")
            if ident.isdigit():
                return f"[A post by @{user}](https://x.com/{user or 'i/web'}/status/{ident})" if user else \
                    f"[A post on X](https://x.com/i/web/status/{ident})", m.end()
        if name == "instagram" and (named.get("id") or positional):
            return f"[A post on Instagram](https://www.instagram.com/p/{named.get('id') or positional[0]}/)", m.end()
        if name == "param" and positional:
            value = self.scope.params.get(positional[0]) or self.scope.params.get(positional[0].lower())
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                return mark_literal(str(value)), m.end()
            self.out.findings.append(Finding(self.scope.where, self.line(m.start()), "hugo-shortcode",
                                             f"{snippet(m.group(0))}: '{positional[0]}' is set neither on the page nor in the site's params"))
            return m.group(0), m.end()
        if name == "comment" and not self_closed:
            end = self.closing("comment", m.end())
            if end is not None:
                return "", end.end()
        if name in BUILTIN:
            args = _named(name, positional, named)
            return "{{" + m.group(1) + " " + " ".join(p for p in (name, args) if p) + (" /" if self_closed else "") + " " \
                + m.group(6) + "}}", m.end()
        self.out.shortcodes.setdefault(name, self.line(m.start()))
        return m.group(0), m.end()


def convert(text: str, scope: Scope) -> Outcome:
    """A page's body with its shortcodes converted; see the module's note."""
    out = Outcome()
    text = _ESCAPED.sub(lambda e: mark_literal("{{" + e.group(1) + e.group(2) + e.group(3) + "}}"), text)
    out.text = _Converter(text, scope, out).run()
    for name, line in out.shortcodes.items():
        out.findings.append(Finding(scope.where, line, SHORTCODE_KIND, name))
    return out
