"""``blogen serve``: the dev server, its build loop, the watcher, HTTP and live reload."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.serve.server import serve

__all__ = ["serve"]

__getattr__ = public_face(__name__, {
    "serve": "server",
})
