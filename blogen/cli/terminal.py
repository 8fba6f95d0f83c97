"""What every command shares with the terminal: the ``--root`` option, paths the user can open, and
problem lines; with ``cli`` and ``authoring_cli`` the only modules that print."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from blogen.core.errors import Problem

F = TypeVar("F", bound=Callable[..., Any])


def root_option(fn: F) -> F:
    """The ``--root DIR`` option every command takes."""
    return click.option(
        "--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
        help="The site folder (holds content/ and pyproject.toml or blogen.toml).",
    )(fn)


def shown(root: Path, path: str) -> str:
    """A path relative to the site root, as the user can open it from where they ran blogen."""
    if os.path.isabs(path) or path.startswith("("):
        return path
    prefix = os.path.relpath(root.resolve(), Path.cwd())
    if prefix.startswith(".."):
        prefix = str(root.resolve())
    return path if prefix == "." else os.path.join(prefix, path)


def print_problems(root: Path | None, problems: Iterable[Problem]) -> None:
    """Each problem as ``path:line: message`` on stderr (paths made openable when ``root`` is given)."""
    for p in problems:
        click.echo((p if root is None else replace(p, path=shown(root, p.path))).format(), err=True)


def person_watching() -> bool:
    """Progress is for a person at a terminal: stderr is a TTY and this is not a CI job."""
    return sys.stderr.isatty() and not os.environ.get("CI")
