"""A Hugo page's body converted: shortcodes, and HTML content made Markdown-safe."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from blogen.importers import shortcodes
from blogen.importers.htmlpost import MORE, html_to_markdown
from blogen.importers.values import Body, Placed


def convert_body(placed: Placed, params: Mapping[str, Any], ref: Callable[[str], str | None], first_line: int) -> Body:
    """The converted body of a Hugo page (its links to other pages are rewritten later, by ``plan``)."""
    entry = placed.entry
    scope = shortcodes.Scope(entry.doc.shown, first_line, params, ref)
    converted = shortcodes.convert(entry.body, scope)
    body = Body(converted.text, converted.findings)
    if entry.doc.fmt == "html":
        body.text = html_to_markdown(re.sub(r"<!--\s*more\s*-->", MORE, body.text, count=1), [])
        return body
    return body
