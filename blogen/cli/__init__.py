"""The command line; the only package that prints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.cli.commands import main

__all__ = ["main"]

__getattr__ = public_face(__name__, {
    "main": "commands",
})
