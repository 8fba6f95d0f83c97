"""Publishing the built site: ``blogen deploy`` sends the output folder with rsync."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.deploy.rsync import deploy

__all__ = ["deploy"]

__getattr__ = public_face(__name__, {
    "deploy": "rsync",
})
