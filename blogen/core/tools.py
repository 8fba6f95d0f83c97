"""The programs blogen runs besides itself (Graphviz's ``dot``, mermaid-cli's ``mmdc`` and the browser it drives):
where they are, and what identifies an installed copy.

They are found on ``PATH``, never named by a site's config, so a cloned site cannot make a build
run a program of its choosing. A program's identity is its real path and that file's inode, size
and modification time: installing, upgrading or removing one changes it without running anything,
so the Markdown cache and the no-op check can tell that a diagram would come out differently (or
that a diagram shown as code can now be drawn) for the price of a few ``stat`` calls.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

# Where puppeteer (which mmdc drives) finds a browser: its own variable first, then the usual names.
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True, slots=True)
class Program:
    """An installed program: the path to run it by, and what identifies this copy of it."""

    path: str
    identity: str


def find_program(name: str) -> Program | None:
    """The program ``name`` as found on ``PATH`` (or an absolute path), or None when it is not there."""
    found = shutil.which(name)
    if found is None:
        return None
    real = os.path.realpath(found)
    try:
        st = os.stat(real)
    except OSError:
        return None
    return Program(found, f"{real}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}")


def find_browser() -> Program | None:
    """The browser mmdc should drive: ``PUPPETEER_EXECUTABLE_PATH`` when set, else a Chromium or Chrome on ``PATH``."""
    named = os.environ.get("PUPPETEER_EXECUTABLE_PATH")
    for name in ((named,) if named else _BROWSERS):
        program = find_program(name)
        if program is not None:
            return program
    return None


def diagram_tools_fingerprint() -> str:
    """The identity of the diagram programs installed now (``dot``, ``mmdc``): a build made before one of them
    was installed, upgraded or removed is not the same as one made now."""
    parts = []
    for name in ("dot", "mmdc"):
        program = find_program(name)
        parts.append(f"{name}={program.identity if program else '-'}")
    return ";".join(parts)
