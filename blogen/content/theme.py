"""Where a site's theme files are: its own ``theme/`` over the theme built into blogen."""

from __future__ import annotations

from pathlib import Path

from blogen.content.inputs import is_editor_noise
from blogen.core.install import builtin_theme_dir


def theme_dirs(root: Path) -> list[Path]:
    """Theme folders in lookup order: the site's own ``theme/`` first, then the built-in theme."""
    dirs = [root / "theme", builtin_theme_dir()]
    out: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [o.resolve() for o in out]:
            out.append(d)
    return out


def shortcode_sources(root: Path) -> list[tuple[str, str, str]]:
    """Every shortcode template the site can use, as (path under ``shortcodes/``, how problems name it, text):
    the site's own ``theme/shortcodes/`` first, then the built-in ones (the first of a path wins).

    A template that cannot be read as UTF-8 is given as empty, so rendering reports it where it is used.
    """
    out: list[tuple[str, str, str]] = []
    site_theme = (root / "theme").resolve()
    for theme in theme_dirs(root):
        folder = theme / "shortcodes"
        prefix = "theme/shortcodes/" if theme.resolve() == site_theme else "(built-in theme)/shortcodes/"
        for path in sorted(folder.rglob("*.html")) if folder.is_dir() else ():
            rel = path.relative_to(folder).as_posix()
            # the input walk's rule: a hidden or editor's file is no input, so no shortcode either (its
            # edits would never make a build)
            if path.is_file() and not any(is_editor_noise(part) for part in rel.split("/")):
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    text = "{{ fail(" + repr(f"cannot read {prefix}{rel}: {exc}") + ") }}"
                out.append((rel, prefix + rel, text))
    return out
