"""The ground every stage stands on: problems, URLs, the config, file identity, and blogen's installation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.core.config import Config, load_config
    from blogen.core.errors import BlogenError, Problem

__all__ = ["BlogenError", "Config", "Problem", "load_config"]

__getattr__ = public_face(__name__, {
    "Config": "config",
    "load_config": "config",
    "BlogenError": "errors",
    "Problem": "errors",
})
