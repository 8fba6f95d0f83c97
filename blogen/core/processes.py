"""How many processes a build's parallel stages (Markdown, image copies, pages) may run: one place
for what ``--jobs`` means."""

from __future__ import annotations

import os


def worker_count(jobs: int | None) -> int:
    """How many worker processes ``--jobs`` asks for (default: one per core)."""
    return jobs if jobs is not None else (os.cpu_count() or 1)
