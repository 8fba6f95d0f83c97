"""The one shape of a progress report, shared by every stage that does long work in steps.

A stage calls it as ``progress(what, done, total)`` ("rendering", 120, 5000) after each step; the
command line turns the calls into one line on a terminal and nothing else looks at them. Defined
here, below every stage, so the Markdown, image and page stages and the build that chains them all
name the same type.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]  # (what, done, total)
