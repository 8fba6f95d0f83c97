"""What every command shares with the terminal: the ``--root`` option, paths the user can open, and
problem lines, the build summary's warning counts and the progress line; with ``commands`` and
``authoring`` the only modules that print."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from blogen.core.errors import Problem

F = TypeVar("F", bound=Callable[..., Any])


class Command(click.Command):
    """A click command whose "did you mean" for an unknown option names only close matches.

    click offers anything difflib finds at its default cutoff, so ``--draft`` also got ``--root``;
    a cutoff of 0.75 keeps ``--drafts`` (and ``--no-drafts``) and drops the noise.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            import difflib

            names = [o for p in self.get_params(ctx) for o in (*p.opts, *p.secondary_opts) if o.startswith("--")]
            close = difflib.get_close_matches(exc.option_name, names, n=3, cutoff=0.75)
            raise click.NoSuchOption(exc.option_name, possibilities=close, ctx=exc.ctx) from None


def _site_root(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """``--root`` as given, or else the nearest site at or above the current folder (as git finds its repository)."""
    if ctx.get_parameter_source(param.name or "root") is not ParameterSource.DEFAULT:
        return value
    from blogen.core.sitefolder import find_site_root

    here = Path.cwd()
    found = find_site_root(here)
    if found is None:
        click.echo(f"{here}: no blogen site here: looked for blogen.toml, or pyproject.toml with a [tool.blogen] table, "
                   "in this folder and every folder above it; make a site with 'blogen init DIR', or give one with --root DIR",
                   err=True)
        ctx.exit(1)
    return Path(os.path.relpath(found, here)) if found != here else Path(".")


def root_option(fn: F) -> F:
    """The ``--root DIR`` option every command takes; without it, the site is found from the current folder up."""
    return click.option(
        "--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), callback=_site_root,
        metavar="DIR",
        help="The site folder (holds content/ and blogen.toml or pyproject.toml). Default: the current folder "
             "or the nearest one above it that is a site.",
    )(fn)


def shown(root: Path, path: str) -> str:
    """A path relative to the site root, as the user can open it from where they ran blogen.

    From a subfolder of the site that is ``../../content/posts/a.md``, as git shows it; from
    elsewhere, the absolute path.
    """
    if os.path.isabs(path) or path.startswith("("):
        return path
    site, here = root.resolve(), Path.cwd()
    if here == site:
        return path
    if here.is_relative_to(site):
        return os.path.relpath(site / path, here) + ("/" if path.endswith("/") else "")
    prefix = os.path.relpath(site, here)
    return os.path.join(str(site) if prefix.startswith("..") else prefix, path)


def print_problems(root: Path | None, problems: Iterable[Problem]) -> None:
    """Each problem as ``path:line: message`` on stderr (paths made openable when ``root`` is given)."""
    for p in problems:
        click.echo((p if root is None else replace(p, path=shown(root, p.path))).format(), err=True)


def person_watching() -> bool:
    """Progress is for a person at a terminal: stderr is a TTY and this is not a CI job."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def warning_summary(warnings: Sequence[Problem], counted: bool = False) -> str:
    """``; 8 warnings (5 broken links, 2 liquid-tag, 1 other)``: the warnings of a build by the kinds worth
    counting (tolerated broken links, template residue by kind), and how many others; "" without warnings.
    ``counted``: the total is said already."""
    from blogen.markdown.residue import KINDS

    if not warnings:
        return ""
    kinds: dict[str, int] = {}
    for w in warnings:
        kind = w.message.split(":", 1)[0]
        if w.message.startswith(("broken link", "broken image")):
            kind = "broken link"
        elif kind not in KINDS:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
    parts = [f"{n} {kind}{'s' * (kind == 'broken link' and n != 1)}"
             for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))]
    if parts and (others := len(warnings) - sum(kinds.values())):  # the parts add up to the total
        parts.append(f"{others} other")
    detail = ", ".join(parts)
    if counted:
        return f" ({detail})" if detail else ""
    total = f"; {len(warnings)} warning{'s' * (len(warnings) != 1)}"
    return f"{total} ({detail})" if detail else total


class ProgressLine:
    """A self-overwriting ``rendering pages 1234/5000`` line on a terminal, at most ten updates a second.

    Only on an interactive terminal and outside CI: piped output and logs stay clean.
    """

    def __init__(self) -> None:
        self.last = 0.0
        self.shown = False

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        self.shown = True
        click.echo(f"\r\033[K{what} {done}/{total}", nl=False, err=True)

    def end(self) -> None:
        if self.shown:
            click.echo("\r\033[K", nl=False, err=True)


def progress_line() -> ProgressLine | None:
    return ProgressLine() if person_watching() else None


def end_progress(progress: ProgressLine | None) -> None:
    if progress is not None:
        progress.end()
