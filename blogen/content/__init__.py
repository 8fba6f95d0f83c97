"""Reading the site's inputs: the walk of ``content/``, front matter, images, and where the theme is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.content.sources import Content, Document, load_content
    from blogen.content.theme import theme_dirs

__all__ = ["Content", "Document", "load_content", "theme_dirs"]

__getattr__ = public_face(__name__, {
    "Content": "sources",
    "Document": "sources",
    "load_content": "sources",
    "theme_dirs": "theme",
})
