"""Jekyll's Liquid in a post, converted to what blogen writes for the same output.

Jekyll renders Liquid over the whole document before Markdown, code blocks included, so this
pass does too. What maps is converted: ``{% raw %}`` unwrapped (its text kept literal),
``{% comment %}`` dropped (Jekyll printed nothing), ``{% highlight %}`` turned into a fenced
block, ``{% post_url %}`` and ``{% link %}`` into portable links to the ``.md`` file, includes
into shortcodes (``{% include note.html k=v %}`` -> ``{{< note k="v" >}}``), a block tag of a
plugin into a paired shortcode, ``{% include_relative %}`` inlined, and ``{{ site.x }}`` /
``{{ page.x }}`` / ``{{ "/x" | relative_url }}`` replaced by the text Jekyll printed. What does
not map stays in place; the final residue scan reports it at its line in the new file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from blogen.importers.fields import snippet
from blogen.importers.prose import mark_literal
from blogen.importers.values import SHORTCODE_KIND, Finding

_START = re.compile(r"\{[{%]")
_TAG = re.compile(r"\{%(-?)\s*(\w+)(.*?)(-?)%\}", re.S)
_OUTPUT = re.compile(r"""\{\{(-?)((?:"[^"\n]*"|'[^'\n]*'|[^"'}]|\}(?!\})){0,400}?)(-?)\}\}""", re.S)
_STRING = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)')\s*$""")
_PARAM = re.compile(r"""([\w-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"']+)""")
_HL_OPTION = re.compile(r"""(\w+)(?:=("[^"]*"|'[^']*'|\S+))?""")
_LIQUID_TAGS = frozenset({"if", "elsif", "else", "endif", "unless", "endunless", "for", "endfor", "break", "continue",
                          "case", "when", "endcase", "assign", "capture", "endcapture", "cycle", "increment", "decrement",
                          "tablerow", "endtablerow", "liquid", "echo", "render", "include", "include_relative"})
_EMPTY_URL_KEYS = frozenset({"url", "baseurl", "github.url"})
MARK = "\ue001"  # brackets the number of a highlight block left for the HTML pass: MARK + n + MARK


@dataclass(frozen=True, slots=True)
class Highlight:
    """A ``{% highlight %}`` block: its code (Liquid converted), language and blogen fence options."""

    lang: str
    options: str
    code: str
    indent: str  # the indentation of the line it opened on (inside a list item, say)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a document's Liquid can see, and how its references resolve."""

    where: str
    first_line: int
    site: Mapping[str, Any]
    page: Mapping[str, Any]
    own_url: str | None
    post_url: Callable[[str], str | None]  # post_url argument -> link target
    link: Callable[[str], str | None]  # link argument -> link target
    include_relative: Callable[[str], str | None]  # path -> text of the included file
    include_file: Callable[[str], str | None] = lambda name: None  # a file of the includes folder -> its text
    html: bool = False  # an HTML document: highlight blocks are left as marks for the HTML pass


@dataclass(slots=True)
class Outcome:
    text: str = ""
    findings: list[Finding] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)
    shortcodes: dict[str, int] = field(default_factory=dict)  # custom shortcode name -> line first used


def _line_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """If ``text[start:end]`` stands alone on its line(s), the span of those whole lines with the newline."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le
    if text[ls:start].strip() or text[end:le].strip():
        return None
    return ls, min(le + 1, len(text))


def _value(expr: str, scope: Scope) -> str | None:
    """The text Jekyll printed for ``{{ expr }}``, when it can be known; None otherwise."""
    parts = [p.strip() for p in expr.split("|")]
    head, filters = parts[0], parts[1:]
    m = _STRING.match(head)
    value: Any
    if m:
        value = m.group(1) if m.group(1) is not None else m.group(2)
    elif re.fullmatch(r"-?\d+(\.\d+)?|true|false", head):
        value = head
    elif head.startswith("site."):
        key = head[5:]
        value = "" if key in _EMPTY_URL_KEYS else scope.site.get(key)
    elif head.startswith("page."):
        key = head[5:]
        value = scope.own_url if key == "url" else scope.page.get(key)
    else:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = str(value)
    for f in filters:
        name, _, arg = f.partition(":")
        name, arg = name.strip(), arg.strip()
        if name in ("relative_url", "absolute_url"):
            text = text if text.startswith(("/", "#")) or "://" in text else "/" + text
        elif name == "prepend" and arg in ("site.baseurl", "site.url"):
            continue
        elif name in ("escape", "xml_escape"):
            text = html.escape(text)
        elif name in ("upcase", "downcase", "strip"):
            text = {"upcase": text.upper, "downcase": text.lower, "strip": text.strip}[name]()
        elif name in ("markdownify", "smartify"):
            continue
        else:
            return None
    return text


def _fence_options(options: str, where: str, line: int, findings: list[Finding]) -> str:
    """blogen's fence options for a highlight tag's ``linenos`` and ``mark_lines``; others dropped, with a warning."""
    info: list[str] = []
    for m in _HL_OPTION.finditer(options):
        key, value = m.group(1), (m.group(2) or "").strip("\"'")
        if key == "linenos":
            info.append("linenos")
        elif key == "mark_lines" and re.fullmatch(r"[\d\s]+", value):
            info.append(f"hl_lines={','.join(value.split())}")
        else:
            findings.append(Finding(where, line, "highlight-option", f"option '{m.group(0)}' has no equivalent; dropped"))
    return " ".join(info)


def fence(block: Highlight) -> str:
    """A fenced code block for a highlight block, indented like the tag was."""
    longest = max((len(run) for run in re.findall(r"`+", block.code)), default=0)
    marker = "`" * max(3, longest + 1)
    head = " ".join(p for p in (block.lang, block.options) if p)
    return f"{block.indent}{marker}{head}\n{block.code}\n{block.indent}{marker}"


def _shortcode_params(args: str, scope: Scope) -> str | None:
    """``k=v k2="v 2"`` as ``k="v" k2="v 2"``; None if a value is a variable that cannot be known."""
    out: list[str] = []
    rest = args
    for m in _PARAM.finditer(args):
        key, raw = m.group(1), m.group(2)
        value = raw[1:-1] if raw[0] in "\"'" else _value(raw, scope)
        if value is None:
            return None
        out.append(f'{key}="{value.replace(chr(34), "&quot;")}"')
        rest = rest.replace(m.group(0), "", 1)
    if rest.strip():
        return None
    return " ".join(out)


class _Converter:
    """One pass over a document's text; see the module's note."""

    def __init__(self, text: str, scope: Scope, out: Outcome, depth: int) -> None:
        self.text = text
        self.scope = scope
        self.out = out
        self.depth = depth
        self.parts: list[str] = []
        self.starts = [0, *(i + 1 for i, ch in enumerate(text) if ch == "\n")]

    def line(self, offset: int) -> int:
        import bisect

        return self.scope.first_line + bisect.bisect_right(self.starts, offset) - 1

    def nested(self, offset: int) -> Scope:
        """The scope for text that starts at ``offset`` (so its findings name the right lines)."""
        return replace(self.scope, first_line=self.line(offset), html=False)

    def find(self, pattern: str, pos: int) -> re.Match[str] | None:
        return re.compile(r"\{%-?\s*" + pattern + r"\s*-?%\}").search(self.text, pos)

    def emit_until(self, pos: int, end: int) -> None:
        self.parts.append(self.text[pos:end])

    def cut(self, m_start: int, m_end: int, left_trim: bool, right_trim: bool) -> int:
        """Drop a converted tag; its whole line when it stands alone there. Returns where to continue."""
        span = None if left_trim or right_trim else _line_span(self.text, m_start, m_end)
        if span is not None:
            self._trim_to(span[0])
            return span[1]
        if left_trim and self.parts:
            self.parts[-1] = self.parts[-1].rstrip()
        if right_trim:
            while m_end < len(self.text) and self.text[m_end].isspace():
                m_end += 1
        return m_end

    def _trim_to(self, line_start: int) -> None:
        """Remove what was emitted of the current line (only whitespace) before a tag alone on it."""
        if self.parts:
            last = self.parts[-1]
            cut = last.rfind("\n") + 1
            if not last[cut:].strip():
                self.parts[-1] = last[:cut]

    def run(self) -> str:
        pos = 0
        while (m := _START.search(self.text, pos)) is not None:
            self.emit_until(pos, m.start())
            pos = self.output(m.start()) if self.text.startswith("{{", m.start()) else self.tag(m.start())
        self.emit_until(pos, len(self.text))
        return "".join(self.parts)

    def output(self, at: int) -> int:
        m = _OUTPUT.match(self.text, at)
        if m is None:
            self.parts.append("{{")
            return at + 2
        value = _value(m.group(2), self.scope)
        self.parts.append(m.group(0) if value is None else mark_literal(value))  # what Liquid printed is text
        return m.end()

    def tag(self, at: int) -> int:
        m = _TAG.match(self.text, at)
        if m is None:
            self.parts.append("{%")
            return at + 2
        name, args = m.group(2), m.group(3).strip()
        lt, rt = bool(m.group(1)), bool(m.group(4))
        handler = getattr(self, f"tag_{name}", None)
        if handler is not None:
            done: int | None = handler(m, args, lt, rt)
            if done is not None:
                return done
        elif name not in _LIQUID_TAGS and not name.startswith("end"):
            done = self.block_tag(m, name, args)
            if done is not None:
                return done
        self.parts.append(m.group(0))  # left in place: the residue scan reports it
        return m.end()

    def tag_raw(self, m: re.Match[str], args: str, lt: bool, rt: bool) -> int:
        end = self.find("endraw", m.end())
        start = self.cut(m.start(), m.end(), lt, rt)
        if end is None:
            self.out.findings.append(Finding(self.scope.where, self.line(m.start()), "liquid-tag",
                                             "{% raw %} is never closed; unwrapped to the end"))
            self.parts.append(mark_literal(self.text[start:]))
            return len(self.text)
        span = _line_span(self.text, end.start(), end.end())
        inner_end = span[0] if span is not None and span[0] >= start else end.start()
        self.parts.append(mark_literal(self.text[start:inner_end]))
        return span[1] if span is not None and span[0] >= start else end.end()

    def tag_comment(self, m: re.Match[str], args: str, lt: bool, rt: bool) -> int | None:
        end = self.find("endcomment", m.end())
        if end is None:
            return None
        self.cut(m.start(), m.end(), lt, rt)
        span = _line_span(self.text, end.start(), end.end())
        return span[1] if span is not None else end.end()

    def tag_highlight(self, m: re.Match[str], args: str, lt: bool, rt: bool) -> int | None:
        end = self.find("endhighlight", m.end())
        if end is None:
            return None
        lang, _, options = args.partition(" ")
        ls = self.text.rfind("\n", 0, m.start()) + 1
        indent = re.match(r"[ \t]*", self.text[ls:m.start()])
        lead = self.text[ls:m.start()]
        inner = self.text[m.end():end.start()]
        inner = re.sub(r"\A[ \t]*\n", "", inner)
        inner = re.sub(r"\n[ \t]*\Z", "", inner)
        code = convert_liquid(inner, self.nested(m.end()), depth=self.depth + 1, into=self.out).rstrip("\n")
        info = _fence_options(options, self.scope.where, self.line(m.start()), self.out.findings)
        block = Highlight(lang.strip(), info, code, indent.group(0) if indent and not lead.strip() else "")
        if lead.strip():  # text before the tag on its line: the fence starts on the next line
            self.parts.append("\n")
        else:
            self._trim_to(ls)
        if self.scope.html:
            self.out.highlights.append(block)
            self.parts.append(f"{MARK}{len(self.out.highlights) - 1}{MARK}")
        else:
            self.parts.append(fence(block))
        le = self.text.find("\n", end.end())
        le = len(self.text) if le < 0 else le
        if self.text[end.end():le].strip():
            self.parts.append("\n")
            return end.end()
        return le

    def tag_post_url(self, m: re.Match[str], args: str, lt: bool, rt: bool) -> int | None:
        target = self.scope.post_url(args.strip("\"' "))
        if target is None:
            self.out.findings.append(Finding(self.scope.where, self.line(m.start()), "dead-reference",
                                             f"{snippet(m.group(0))}: no such post in this blog"))
            return None
        self.parts.append(target)
        return m.end()

    def tag_link(self, m: re.Match[str], args: str, lt: bool, rt: bool) -> int | None:
        target = self.scope.link(args.strip("\"' "))
        if target is None:
            self.out.findings.append(Finding(self.scope.where, self.line(m.start()), "dead-reference",
                                             f"{snippet(m.group(0))}: no such file in this blog"))
            return None
        self.parts.append(target)
        return m.end()

    def tag_include(self, m: re.Match[str], args: str, lt: bool, rt: bool) -> int | None:
        """A template include becomes a shortcode; an included plain file (CSS, SVG, text) is inlined."""
        name, _, params = args.partition(" ")
        if "{{" in name or not re.fullmatch(r"[\w./-]+", name):
            return None
        if not re.search(r"\.(html?|liquid|md|markdown)$", name):
            text = self.scope.include_file(name.lstrip("/")) if not params.strip() else None
            if text is None:
                return None
            self.parts.append(text.rstrip("\n"))
            return m.end()
        converted = _shortcode_params(params, self.scope)
        if converted is None:
            return None
        short = re.sub(r"\.(html?|liquid|md|markdown)$", "", name).lstrip("/")
        self.out.shortcodes.setdefault(short, self.line(m.start()))
        self.parts.append("{{< " + " ".join(p for p in (short, converted) if p) + " >}}")
        return m.end()

    def tag_include_relative(self, m: re.Match[str], args: str, lt: bool, rt: bool) -> int | None:
        if self.depth > 4:
            return None
        included = self.scope.include_relative(args.split()[0] if args else "")
        if included is None:
            return None
        self.parts.append(convert_liquid(included, self.scope, depth=self.depth + 1, into=self.out))
        return m.end()

    def tag_gist(self, m: re.Match[str], args: str, lt: bool, rt: bool) -> int | None:
        words = args.split()
        if not words or not re.fullmatch(r"(?:[\w-]+/)?[0-9a-f]+", words[0]):
            return None
        user, _, gist_id = words[0].rpartition("/")
        params = ([f'user="{user}"'] if user else []) + [f'id="{gist_id}"'] + ([f'file="{words[1]}"'] if len(words) > 1 else [])
        self.parts.append("{{< gist " + " ".join(params) + " >}}")
        return m.end()

    def tag_youtube(self, m: re.Match[str], args: str, lt: bool, rt: bool) -> int | None:
        video = re.search(r"(?:v=|youtu\.be/|embed/)?([\w-]{11})\b", args.strip("\"' "))
        if video is None:
            return None
        self.parts.append(f'{{{{< youtube id="{video.group(1)}" >}}}}')
        return m.end()

    def tag_vimeo(self, m: re.Match[str], args: str, lt: bool, rt: bool) -> int | None:
        video = re.search(r"(\d{5,})", args)
        if video is None:
            return None
        self.parts.append(f'{{{{< vimeo id="{video.group(1)}" >}}}}')
        return m.end()

    def block_tag(self, m: re.Match[str], name: str, args: str) -> int | None:
        """A plugin's block tag with no arguments (``{% note %}…{% endnote %}``) as a paired shortcode."""
        end = self.find(f"end{name}", m.end())
        if end is None or args:
            return None
        self.out.shortcodes.setdefault(name, self.line(m.start()))
        inner = convert_liquid(self.text[m.end():end.start()], self.nested(m.end()), depth=self.depth + 1, into=self.out)
        self.parts.append(f"{{{{< {name} >}}}}{inner}{{{{< /{name} >}}}}")
        return end.end()


def convert_liquid(text: str, scope: Scope, *, depth: int = 0, into: Outcome | None = None) -> str:
    """``text`` with its Liquid converted (see the module's note); findings, highlights and shortcodes go to ``into``."""
    out = into if into is not None else Outcome()
    return _Converter(text, scope, out, depth).run()


def convert(text: str, scope: Scope) -> Outcome:
    """A document's body with its Liquid converted."""
    out = Outcome()
    out.text = convert_liquid(text, scope, into=out)
    for name, line in out.shortcodes.items():
        out.findings.append(Finding(scope.where, line, SHORTCODE_KIND, name))
    return out
