"""Where a site's theme files are: its own ``theme/`` over the theme built into blogen."""

from __future__ import annotations

from pathlib import Path

from blogen.core.install import builtin_theme_dir


def theme_dirs(root: Path) -> list[Path]:
    """Theme folders in lookup order: the site's own ``theme/`` first, then the built-in theme."""
    dirs = [root / "theme", builtin_theme_dir()]
    out: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [o.resolve() for o in out]:
            out.append(d)
    return out
