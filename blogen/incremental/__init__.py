"""What makes a build cheaper than the first: the plan (how a build starts, and why), the Markdown
cache, the model snapshot, and the dev server's early walk of the inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogen.core.facade import public_face

if TYPE_CHECKING:
    from blogen.incremental.plan import Decision, Full, Patch, Plan, UpToDate, decide_build

__all__ = ["Decision", "Full", "Patch", "Plan", "UpToDate", "decide_build"]

__getattr__ = public_face(__name__, {
    "Decision": "plan",
    "Full": "plan",
    "Patch": "plan",
    "Plan": "plan",
    "UpToDate": "plan",
    "decide_build": "plan",
})
