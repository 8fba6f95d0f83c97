"""Code-fence info strings that other generators accept, made into ones blogen accepts.

Goldmark (Hugo) and kramdown read the first word as the language and ignore, or read in their own
syntax, the rest: Hugo's ``go {linenos=table, hl_lines=[2,"4-6"], file="x"}`` and text an author
typed after the language (```` ```cat << EOF ````). blogen understands ``linenos``,
``linenostart=N`` and ``hl_lines``; those are kept in its syntax, anything else is dropped with a
warning, so that no fence stops the build.
"""

from __future__ import annotations

import re

from blogen.importers.prose import code_blocks
from blogen.importers.values import Finding

_OPEN = re.compile(r"^([ \t]*(?:>[ \t]?)*[ \t]*)(`{3,}|~{3,})[ \t]*(.*?)[ \t]*$")
_ATTR = re.compile(r"""([\w-]+)\s*=\s*("[^"]*"|'[^']*'|\[[^\]]*\]|[^\s,{}]+)|([\w-]+)""")


def clean_info(info: str, where: str, line: int, findings: list[Finding]) -> str:
    """``info`` with the language first and only the options blogen knows after it."""
    m = re.match(r"([^\s{,]*)[\s,]*(.*)", info, re.S)
    lang, rest = (m.group(1), m.group(2)) if m else ("", info)
    rest = rest.strip()
    braced = rest.startswith("{") and rest.endswith("}")
    if braced:
        rest = rest[1:-1]
    kept: list[str] = []
    dropped: list[str] = []
    if braced or "=" in rest or rest.lower() in ("linenos", "linenos,"):
        for a in _ATTR.finditer(rest):
            key = (a.group(1) or a.group(3)).lower()
            value = (a.group(2) or "").strip("\"'")
            if key == "linenos":
                kept.append("linenos=false" if value.lower() in {"false", "no", "off", "0"} else "linenos")
            elif key == "hl_lines" and re.fullmatch(r"[\d\s-]+", lines := " ".join(re.sub(r"[\[\]\"',]", " ", value).split())):
                kept.append(f'hl_lines="{lines}"')
            elif key == "linenostart" and value.isdigit():
                kept.append(f"linenostart={value}")
            else:
                dropped.append(a.group(0))
        leftover = _ATTR.sub("", rest).strip(" ,")
        if leftover:
            dropped.append(leftover)
    elif rest:
        dropped.append(rest)
    if dropped:
        text = " ".join(dropped)
        findings.append(Finding(where, line, "fence-attribute",
                                f"'{text if len(text) <= 50 else text[:49] + '…'}' after the language has no equivalent; dropped"))
    if lang and not re.fullmatch(r"[\w.+#-]+", lang):
        findings.append(Finding(where, line, "fence-attribute", f"language '{lang}' is not a language name; dropped"))
        lang = ""
    return " ".join(p for p in [lang, *kept] if p)


def clean_fences(text: str, where: str, first_line: int, findings: list[Finding]) -> str:
    """Every fence opener of ``text`` with its info string cleaned (see the module's note)."""
    lines = text.split("\n")
    for start, _end, kind in code_blocks(text):
        if kind != "fence":
            continue
        m = _OPEN.match(lines[start])
        if m is None or not m.group(3):
            continue
        info = clean_info(m.group(3), where, first_line + start, findings)
        if info != m.group(3):
            lines[start] = f"{m.group(1)}{m.group(2)}{info}"
    return "\n".join(lines)
