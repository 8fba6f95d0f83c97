"""The only writer of the output folder, and what it knows about it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.output.writer import WriteReport, staged_output, write_outputs

__all__ = ["WriteReport", "staged_output", "write_outputs"]

__getattr__ = public_face(__name__, {
    "WriteReport": "writer",
    "staged_output": "writer",
    "write_outputs": "writer",
})
