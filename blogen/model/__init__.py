"""The site as values: posts, pages, taxonomies and their terms, routes and resolved links, made from documents (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.model.make import make_site
    from blogen.model.values import Page, Post, Route, Site, Tag, Taxonomy, Term

__all__ = ["Page", "Post", "Route", "Site", "Tag", "Taxonomy", "Term", "make_site"]

__getattr__ = public_face(__name__, {
    "make_site": "make",
    "Page": "values",
    "Post": "values",
    "Route": "values",
    "Site": "values",
    "Tag": "values",
    "Taxonomy": "values",
    "Term": "values",
})
