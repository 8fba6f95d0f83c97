"""Routes to bytes: what templates see, Jinja2, pages and feeds, and what each page depends on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.render.pages import RenderResult, render_routes

__all__ = ["RenderResult", "render_routes"]

__getattr__ = public_face(__name__, {
    "RenderResult": "pages",
    "render_routes": "pages",
})
