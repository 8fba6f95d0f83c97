"""The command line; the only module that prints."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import TypeVar

import click

from blogen import __version__
from blogen.cli.buildsteps import (
    build_base_url,
    decide,
    placeholder_before_build,
    placeholder_warning,
    report_build,
    report_up_to_date,
)
from blogen.cli.terminal import Command, end_progress, print_problems, progress_line, root_option, warning_summary
from blogen.core.errors import Problem
from blogen.core.heap import kept_for_good

T = TypeVar("T")


def _guarded(root: Path, verbose: bool, what: str, consequence: str, action: Callable[[], T],
             settle: Callable[[], None] = lambda: None) -> T:
    """Run a command's work: site problems become ``path:line: message`` lines and exit code 1,
    anything else is reported as a bug in one line (a traceback only with -v). ``settle`` runs
    first either way (it clears a progress line)."""
    from blogen.core.errors import BlogenError

    try:
        result = action()
    except BlogenError as exc:
        settle()
        print_problems(root, exc.problems)
        n = sum(1 for p in exc.problems if p.severity == "error")
        click.echo(f"{what} failed: {n} error{'s' if n != 1 else ''}{consequence}", err=True)
        raise SystemExit(1) from None
    except Exception as exc:
        settle()
        if verbose:
            raise
        click.echo(f"blogen: internal error: {type(exc).__name__}: {exc} (this is a bug; run with -v for details)", err=True)
        raise SystemExit(1) from None
    settle()
    return result


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("blogen").setLevel(logging.DEBUG if verbose else logging.WARNING)


# The commands ``blogen.cli.authoring`` holds, by name: loaded when one of them is asked for (or
# ``--help`` lists them), not for a build, which then does not import what they need.
AUTHORING_COMMANDS = ("import", "init", "list", "new", "theme")


class _Group(click.Group):
    command_class = Command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *AUTHORING_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in AUTHORING_COMMANDS and cmd_name not in self.commands:
            _register_authoring()
        return super().get_command(ctx, cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.NoSuchCommand as exc:  # "did you mean" from every command, loaded or not
            raise click.NoSuchCommand(exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="blogen", message="%(prog)s %(version)s")
def cli() -> None:
    """blogen: a static blog generator for technical notes.

    Every command but init works on the site in the current folder, or the nearest folder
    above it that has a blogen.toml (or --root DIR).

    \b
    Start a blog:
      blogen init myblog && cd myblog
      blogen new "My first note" --tags linux
      blogen serve                  preview at http://127.0.0.1:8000/, reloads on save
      blogen build                  write the site into output/ to publish
    """


@cli.command(short_help="Render the site into output/.")
@root_option
@click.option("--drafts", is_flag=True, help="Include drafts and posts dated in the future.")
@click.option("--output", "-o", metavar="DIR", help="Write here instead of the configured output folder.")
@click.option("--base-url", metavar="URL", help="Override base_url (e.g. for a staging host).")
@click.option("--file-urls", is_flag=True,
              help="Make a copy to read from disk: links name each folder's index.html (the base URL is the output folder).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
              help="Markdown worker processes (default: all cores; one when fewer than 64 files need rendering).")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems.")
@click.option("--verbose", "-v", is_flag=True, help="Print details, and a traceback on internal errors.")
def build(root: Path, drafts: bool, output: str | None, base_url: str | None, file_urls: bool, strict: bool,
          jobs: int | None, quiet: bool, verbose: bool) -> None:
    """Render the site into output/.

    Nothing in the output folder changes unless the whole build succeeds; files whose bytes are
    unchanged are left untouched.

    \b
    Examples:
      blogen build --base-url https://staging.example.org/
      blogen build --file-urls --output offline    then open offline/index.html
    """
    _setup_logging(verbose)
    start = time.perf_counter()
    base_url = build_base_url(root, output, base_url, file_urls)
    placeholder = placeholder_before_build(root, base_url, strict)
    decision, hold = decide(root, drafts, base_url, output)
    with hold if hold is not None else nullcontext():
        if report_up_to_date(root, decision, placeholder, strict=strict, quiet=quiet, start=start):
            return
        with kept_for_good("blogen.build.pipeline"):
            from blogen.build.pipeline import build_site
        if placeholder is not None:
            print_problems(root, [placeholder])
        progress = progress_line() if not quiet else None
        report = _guarded(root, verbose, "build", "; output left unchanged",
                          lambda: build_site(root, drafts=drafts, base_url=base_url, output=output, jobs=jobs,
                                             strict=strict, decision=decision, progress=progress, hold=hold),
                          settle=lambda: end_progress(progress))
    print_problems(root, report.warnings)
    if not quiet:
        report_build(root, report, verbose)


@cli.command(short_help="Check the site without writing anything.")
@root_option
@click.option("--drafts", is_flag=True, help="Check drafts and future-dated posts too.")
@click.option("--base-url", metavar="URL", help="Override base_url.")
@click.option("--external", is_flag=True, help="Also fetch external links (concurrently, cached for a day).")
@click.option("--strict", is_flag=True, help="Fail on warnings and on unreachable (not just dead) external links.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True, metavar="SECONDS",
              help="Per-request timeout for --external.")
@click.option("--verbose", "-v", is_flag=True, help="Print a traceback on internal errors.")
def check(root: Path, drafts: bool, base_url: str | None, external: bool, strict: bool, timeout: float, verbose: bool) -> None:
    """Check everything a build checks (front matter, links, images, templates, feeds) without writing.

    Also lists bundle files nothing links to. Exits with 1 when there are errors.

    \b
    Examples:
      blogen check
      blogen check --external --timeout 5
    """
    _setup_logging(verbose)
    from blogen.build.check import check_site
    report = _guarded(root, verbose, "check", "",
                      lambda: check_site(root, drafts=drafts, base_url=base_url, external=external, strict=strict,
                                         timeout=timeout))
    problems = list(report.problems)
    placeholder = placeholder_warning(root, base_url)
    if placeholder is not None:
        problems.insert(0, placeholder.under_strict() if strict else placeholder)
    print_problems(root, problems)
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    site = report.prepared.site
    ext = f", {report.external} external URL{'s' * (report.external != 1)} fetched" if external else ""
    n_posts, n_pages = len(site.posts), len(site.pages)
    click.echo(f"checked {n_posts} post{'s' * (n_posts != 1)}, {n_pages} page{'s' * (n_pages != 1)} and {report.links} "
               f"link{'s' * (report.links != 1)}{ext}: "
               f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
               f"{warning_summary([p for p in report.problems if p.severity == 'warning'], counted=True)}")
    if errors:
        raise SystemExit(1)


@cli.command(short_help="Preview the site; reload the browser on every save.")
@root_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; 0.0.0.0 exposes the site to the network.")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port; when busy the next free one is used, unless the port was given explicitly.")
@click.option("--no-drafts", is_flag=True, help="Leave out drafts and future-dated posts.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
@click.option("--poll", is_flag=True, help="Poll for changes instead of using inotify.")
@click.option("--verbose", "-v", is_flag=True, help="Log details.")
@click.pass_context
def serve(ctx: click.Context, root: Path, host: str, port: int, no_drafts: bool, open_browser: bool, poll: bool,
          verbose: bool) -> None:
    """Build with drafts, serve on 127.0.0.1, and reload the browser on every save.

    The site is built into a folder of its own in .blogen-cache/ (never output/), which the next
    server starts from at once. While a rebuild runs,
    requests wait for it; each open page reloads once if it changed, a CSS-only change swaps the
    stylesheet in place, and a build error shows over the last good page until it is fixed.

    \b
    Examples:
      blogen serve
      blogen serve --port 4000 --open
    """
    import warnings

    from click.core import ParameterSource

    _setup_logging(verbose)
    from blogen.core.sitefolder import is_site_folder

    if not is_site_folder(root.resolve()):  # --root names a folder that is no site: nothing to serve, so fail as build does
        print_problems(None, [Problem(str(root), None, "no blogen.toml, or pyproject.toml with a [tool.blogen] table, in this "
                                      "folder: is this a blogen site? (make one with blogen init DIR, or give --root the "
                                      "folder that has one)")])
        raise SystemExit(1)
    # watchdog 7 warns when a folder appears inside one whose recursive watch is still being set up; harmless.
    warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)
    from blogen.serve.server import serve as run

    explicit = ctx.get_parameter_source("port") is not ParameterSource.DEFAULT
    raise SystemExit(run(root, host=host, port=port, port_explicit=explicit, drafts=not no_drafts,
                         open_browser=open_browser, poll=poll, echo=click.echo))


@cli.command()
@root_option
@click.option("--dry-run", "-n", is_flag=True, help="Show what would be sent and deleted; change nothing on the target.")
@click.option("--no-build", is_flag=True, help="Send the output as it is, refusing it when it is missing or older than the sources.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N", help="Worker processes for Markdown (default: all cores).")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems.")
@click.option("--verbose", "-v", is_flag=True, help="List every file sent or deleted, and rsync's statistics.")
def deploy(root: Path, dry_run: bool, no_build: bool, jobs: int | None, quiet: bool, verbose: bool) -> None:
    """Build the site and send it with rsync to the configured target.

    The target is [deploy] rsync in the config; the build leaves drafts out, as `blogen build` does.

    Only files whose size or time changed are sent: blogen keeps the mtime of every file whose
    bytes did not change. With delete = true (the default), files the site no longer has are
    removed from the target, and from nowhere else. A target that looks like a slip (empty, /, a
    home folder, the site itself) is refused.

    \b
    Examples:
      blogen deploy --dry-run
      blogen deploy
    """
    _setup_logging(verbose)
    from blogen.core.config import load_config
    from blogen.deploy.rsync import checked_target
    from blogen.deploy.rsync import deploy as send

    config = _guarded(root, verbose, "deploy", "; nothing sent", lambda: load_config(root))
    _guarded(root, verbose, "deploy", "; nothing built or sent", lambda: checked_target(config))
    from blogen.incremental.plan import UpToDate

    decision, hold = decide(root, False, None, None)
    with hold if hold is not None else nullcontext():
        same = decision is not None and isinstance(decision.plan, UpToDate)
        if not same and no_build:
            click.echo(f"{config.source}: the output folder is missing or older than the sources (or was built with other "
                       "options, such as --drafts); run blogen build, or deploy without --no-build", err=True)
            raise SystemExit(1)
        if not same:
            from blogen.build.pipeline import build_site

            report = _guarded(root, verbose, "build", "; nothing sent",
                              lambda: build_site(root, jobs=jobs, decision=decision, hold=hold))
            print_problems(root, report.warnings)
            if not quiet:
                click.echo(f"built: {len(report.written)} written, {len(report.removed)} removed, {report.unchanged} unchanged")
    echo = (lambda line: click.echo(f"  {line}")) if verbose else None
    sent = _guarded(root, verbose, "deploy", "", lambda: send(config, dry_run=dry_run, echo=echo))
    if quiet:
        return
    verb = ("would send", "would delete") if dry_run else ("sent", "deleted")
    click.echo(f"{'dry run: ' if dry_run else ''}{verb[0]} {len(sent.sent)} file{'s' * (len(sent.sent) != 1)}, "
               f"{verb[1]} {len(sent.deleted)} to {sent.target} ({sent.bytes_sent:,} bytes over the wire)")


def _register_authoring() -> None:
    from blogen.cli.authoring import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``blogen`` script; returns the exit code."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="blogen", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
