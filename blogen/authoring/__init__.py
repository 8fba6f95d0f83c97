"""Making things in a site: ``init``, ``new``, ``theme eject``, and the listing ``blogen list`` shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.authoring.listing import list_site
    from blogen.authoring.newpost import new_post
    from blogen.authoring.scaffold import eject_theme, init_site

__all__ = ["eject_theme", "init_site", "list_site", "new_post"]

__getattr__ = public_face(__name__, {
    "list_site": "listing",
    "eject_theme": "scaffold",
    "init_site": "scaffold",
    "new_post": "newpost",
})
