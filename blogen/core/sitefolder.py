"""Where a blogen site is: the folder with its config file, found from any folder inside it as git
finds its repository, and which of the two config files it uses."""

from __future__ import annotations

import os
import re
from pathlib import Path


def is_site_folder(folder: Path) -> bool:
    """Whether ``folder`` has a ``blogen.toml``, or a ``pyproject.toml`` with a ``[tool.blogen]`` table.

    The table is looked for in the text, so a site whose TOML is broken still counts (and its error is shown).
    """
    if (folder / "blogen.toml").is_file():
        return True
    try:
        text = (folder / "pyproject.toml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*blogen\s*[\].]", text, re.MULTILINE) is not None


def find_site_root(start: Path) -> Path | None:
    """The nearest folder from ``start`` upwards that is a blogen site, as git finds its repository."""
    return next((folder for folder in (start, *start.parents) if is_site_folder(folder)), None)


def find_config_file(root: Path) -> Path | None:
    """``blogen.toml`` if present (it replaces the table), else ``pyproject.toml`` if it has ``[tool.blogen]``.

    Present means anything at that name, so a ``blogen.toml`` that cannot be read (a FIFO, a symlink
    leading out of the site) is reported as such, never passed over for the other file.
    """
    for name in ("blogen.toml", "pyproject.toml"):
        if os.path.lexists(root / name):
            return root / name
    return None
