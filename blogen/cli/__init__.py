"""The command line; the only package that prints."""

from __future__ import annotations

from collections.abc import Sequence

from blogen.core.heap import kept_for_good

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``blogen`` script (and ``python -m blogen``); returns the exit code.

    The command line and the libraries it loads are imported with the garbage collector paused and
    frozen out of it afterwards: they last as long as the process (see ``blogen.core.heap``).
    """
    with kept_for_good("blogen.cli.commands"):
        from blogen.cli.commands import main as run
    return run(argv)
