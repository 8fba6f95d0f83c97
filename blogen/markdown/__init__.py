"""Markdown to HTML: markdown-it-py set up for blogen's dialect, fenced code and Pygments (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.markdown.render import Rendered, highlight_css, render_markdown

__all__ = ["Rendered", "highlight_css", "render_markdown"]

__getattr__ = public_face(__name__, {
    "Rendered": "render",
    "highlight_css": "render",
    "render_markdown": "render",
})
