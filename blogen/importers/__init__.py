"""Bringing a blog over from another generator: the shared steps, and one module per source format."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.importers.common import plan_import, read_source, write_plan

__all__ = ["plan_import", "read_source", "write_plan"]

__getattr__ = public_face(__name__, {
    "plan_import": "common",
    "read_source": "common",
    "write_plan": "common",
})
