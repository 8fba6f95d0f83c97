"""A Hugo page's body converted: shortcodes, code-fence attributes, and HTML content made Markdown-safe."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from blogen.importers import shortcodes
from blogen.importers.htmlpost import MORE, html_to_markdown
from blogen.importers.prose import code_blocks
from blogen.importers.values import Body, Finding, Placed

_FENCE_OPEN = re.compile(r"^([ \t]*(?:>[ \t]?)*[ \t]*)(`{3,}|~{3,})([^{`]*?)\s*\{(.*)\}\s*$")
_ATTR = re.compile(r"""([\w-]+)\s*=\s*("[^"]*"|'[^']*'|\[[^\]]*\]|[^\s,]+)|([\w-]+)""")


def fence_info(lang: str, attrs: str, where: str, line: int, findings: list[Finding]) -> str:
    """A fence info string blogen accepts, from Hugo's ``lang {linenos=table hl_lines=[2,"4-6"] file="x"}``."""
    kept: list[str] = []
    for m in _ATTR.finditer(attrs):
        key = (m.group(1) or m.group(3)).lower()
        value = (m.group(2) or "").strip("\"'")
        if key == "linenos":
            kept.append("linenos=false" if value.lower() in {"false", "no", "off", "0"} else "linenos")
        elif key == "hl_lines" and value:
            lines = " ".join(re.sub(r"[\[\]\"',]", " ", value).split())
            kept.append(f'hl_lines="{lines}"')
        elif key == "linenostart" and value.isdigit():
            kept.append(f"linenostart={value}")
        else:
            findings.append(Finding(where, line, "fence-attribute", f"{{{m.group(0)}}} has no equivalent; dropped"))
    return " ".join(part for part in [lang.strip(), *kept] if part)


def _fences(text: str, where: str, first_line: int, findings: list[Finding]) -> str:
    lines = text.split("\n")
    for start, _end, kind in code_blocks(text):
        if kind != "fence":
            continue
        m = _FENCE_OPEN.match(lines[start])
        if m is not None:
            info = fence_info(m.group(3), m.group(4), where, first_line + start, findings)
            lines[start] = f"{m.group(1)}{m.group(2)}{info}"
    return "\n".join(lines)


def convert_body(placed: Placed, params: Mapping[str, Any], ref: Callable[[str], str | None], first_line: int) -> Body:
    """The converted body of a Hugo page (its links to other pages are rewritten later, by ``plan``)."""
    entry = placed.entry
    scope = shortcodes.Scope(entry.doc.shown, first_line, params, ref)
    converted = shortcodes.convert(entry.body, scope)
    body = Body(converted.text, converted.findings)
    if entry.doc.fmt == "html":
        body.text = html_to_markdown(re.sub(r"<!--\s*more\s*-->", MORE, body.text, count=1), [])
        return body
    body.text = _fences(body.text, entry.doc.shown, first_line, body.findings)
    return body
