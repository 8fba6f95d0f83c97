"""The steps of ``blogen build`` around the pipeline: the base URL it is made for, the placeholder
warning, the decision taken with the output folder held, and what it prints when it is done.

``deploy`` starts its build with the same decision, and ``check`` gives the same placeholder warning;
the commands themselves (``blogen.cli.commands``) read as a list of these steps.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from blogen.cli.terminal import print_problems, shown, warning_summary
from blogen.core.errors import Problem

if TYPE_CHECKING:
    from blogen.build.pipeline import BuildReport
    from blogen.incremental.plan import Decision
    from blogen.output.folders import OutputHold


def build_base_url(root: Path, output: str | None, base_url: str | None, file_urls: bool) -> str | None:
    """The base URL a build is made for: --base-url's (None: the config's), or with --file-urls the
    output folder's own ``file:`` URL, so the copy can be read from disk."""
    if not file_urls:
        return base_url
    if base_url is not None:
        raise click.UsageError("--file-urls and --base-url exclude each other: --file-urls sets the base URL to the output folder")
    return _file_url(root, output)


def _file_url(root: Path, output: str | None) -> str:
    """The ``file:`` URL of the output folder, the base_url of a site to be read from disk (--file-urls)."""
    from blogen.core.config import load_config
    from blogen.core.errors import BlogenError

    try:
        folder = load_config(root, output=output).output_dir
    except BlogenError as exc:
        print_problems(root, exc.problems)
        click.echo(f"build failed: {len(exc.problems)} error{'s' * (len(exc.problems) != 1)}; output left unchanged", err=True)
        raise SystemExit(1) from None
    return folder.as_uri() + "/"


def placeholder_warning(root: Path, base_url: str | None) -> Problem | None:
    """The warning for a placeholder base_url in the config (not one given with --base-url, which is a choice).

    A config that does not load gives none here: the build reports its problems itself.
    """
    if base_url is not None:
        return None
    from blogen.core.config import load_config, placeholder_base_url
    from blogen.core.errors import BlogenError

    try:
        return placeholder_base_url(load_config(root))
    except BlogenError:
        return None


def placeholder_before_build(root: Path, base_url: str | None, strict: bool) -> Problem | None:
    """A build's placeholder warning, printed later with the build's own; under --strict it fails the
    build at once, before anything is decided or written."""
    placeholder = placeholder_warning(root, base_url)
    if placeholder is not None and strict:
        _strict_failure(root, "build", placeholder, "; output left unchanged")
    return placeholder


def _strict_failure(root: Path, what: str, problem: Problem, consequence: str) -> None:
    """Under --strict a warning found before the work starts fails the command at once."""
    print_problems(root, [problem.under_strict()])
    click.echo(f"{what} failed: 1 error{consequence}", err=True)
    raise SystemExit(1)


def decide(root: Path, drafts: bool, base_url: str | None, output: str | None
           ) -> tuple[Decision | None, OutputHold | None]:
    """How this build starts (see ``blogen.incremental.plan``), decided before the pipeline is loaded,
    with the output folder held from before the decision (so the writer builds on the decision's look
    at it); None when the config itself has problems (the build then reports them). The folder is not
    held when another build holds it: then the build says so, unless nothing changed."""
    from datetime import UTC, datetime

    from blogen.core.config import load_config
    from blogen.core.errors import BlogenError
    from blogen.incremental import snapshot
    from blogen.incremental.plan import build_options, decide_build
    from blogen.output.folders import OutputHold

    site = root.resolve()
    try:
        config = load_config(site, base_url=base_url, output=output)
    except BlogenError:
        return None, None
    hold = OutputHold.take(config.output_dir)
    try:
        decision = decide_build(site, config.output_dir, build_options(drafts, base_url, output), datetime.now(UTC),
                                snapshot=lambda made: snapshot.stored_id(site, made),
                                live=hold.live if hold is not None else None)
    except BaseException:
        if hold is not None:
            hold.release()
        raise
    return decision, hold


def report_up_to_date(root: Path, decision: Decision | None, placeholder: Problem | None, *, strict: bool, quiet: bool,
                      start: float) -> bool:
    """When the decision is that nothing changed since the last build, say so (with the warnings that
    build left) and return True: the output stays as it is. Under --strict, warnings left by the last
    build make a build that fails on them instead."""
    from blogen.incremental.plan import UpToDate

    if decision is None or not isinstance(decision.plan, UpToDate) or (strict and decision.plan.warnings):
        return False
    for line in decision.plan.warnings:
        click.echo(shown(root, line), err=True)
    if placeholder is not None:
        print_problems(root, [placeholder])
    if not quiet:
        click.echo(f"nothing changed since the last build: output left as it is ({time.perf_counter() - start:.2f} s)")
    return True


def report_build(root: Path, report: BuildReport, verbose: bool) -> None:
    """What a finished build says (unless --quiet): what it built and where, what it wrote, when the
    next scheduled post goes live; with -v also why it went as it did and every file it touched."""
    site = report.site
    inside = report.output.is_relative_to(root.resolve())
    out = shown(root, os.path.relpath(report.output, root.resolve())) if inside else str(report.output)
    n_posts, n_pages, n_tags = len(site.posts), len(site.pages), len(site.tags)
    click.echo(
        f"built {n_posts} post{'s' * (n_posts != 1)}, {n_pages} page{'s' * (n_pages != 1)}, "
        f"{n_tags} tag{'s' * (n_tags != 1)} into {out}/ in {report.seconds:.2f} s: "
        f"{len(report.written)} written, {len(report.removed)} removed, {report.unchanged} unchanged"
        f"{warning_summary(report.warnings)}"
    )
    if site.next_scheduled is not None:
        when, source = site.next_scheduled
        click.echo(f"next scheduled post goes live {when.strftime('%Y-%m-%d %H:%M %Z').strip()} ({source}); build again then to publish it")
    if verbose:
        _report_details(report)


def _report_details(report: BuildReport) -> None:
    """-v: the plan's reason, how much Markdown was rendered and how many pages kept, every file written or removed."""
    click.echo(report.plan.reason)
    click.echo(f"markdown: {report.rendered} rendered, {report.cached} from cache; "
               f"pages: {report.pages_kept} kept without rendering (their inputs did not change)")
    for rel in report.written:
        click.echo(f"  wrote {rel}")
    for rel in report.removed:
        click.echo(f"  removed {rel}")
