"""Bringing a blog over from another generator: one run reads the old site, plans everything, and writes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.importers.run import run_import

__all__ = ["run_import"]

__getattr__ = public_face(__name__, {
    "run_import": "run",
})
