"""What makes a build cheaper than the first: the caches, the record of the last build, the scan of the inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.incremental.record import up_to_date
    from blogen.incremental.scan import Scan, scan

__all__ = ["Scan", "scan", "up_to_date"]

__getattr__ = public_face(__name__, {
    "up_to_date": "record",
    "Scan": "scan",
    "scan": "scan",
})
