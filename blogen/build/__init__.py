"""One build from start to end: Markdown in worker processes, the model, pages streamed to the writer; and ``check``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.build.check import check_site
    from blogen.build.pipeline import BuildReport, build_site, prepare_site

__all__ = ["BuildReport", "build_site", "check_site", "prepare_site"]

__getattr__ = public_face(__name__, {
    "check_site": "check",
    "BuildReport": "pipeline",
    "build_site": "pipeline",
    "prepare_site": "pipeline",
})
