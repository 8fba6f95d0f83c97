"""The authoring commands (init, new, import, list, theme eject); like ``cli``, a module that prints.

They are plain click commands collected in ``COMMANDS`` for the main group to register with
``cli.add_command``. Problems print as ``path:line: message`` on stderr with exit code 1; click
reports usage errors with exit code 2.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NoReturn, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from blogen.cli.terminal import Command, person_watching, print_problems, root_option, shown
from blogen.core.errors import BlogenError, Problem

if TYPE_CHECKING:
    from blogen.importers.run import Outcome
    from blogen.importers.values import Plan

T = TypeVar("T")


def _fail(problems: Iterable[Problem], root: Path | None = None) -> NoReturn:
    print_problems(root, problems)
    raise SystemExit(1)


def _progress(items: Sequence[T], label: str) -> Iterator[T]:
    if not person_watching() or len(items) < 2:
        yield from items
        return
    with click.progressbar(items, label=label, file=sys.stderr, show_pos=True) as bar:
        yield from bar


def _check_timezone(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown timezone '{value}' (use an IANA name like 'Europe/Berlin' or 'UTC')") from None
    return value


# --- blogen init ----------------------------------------------------------------------------------


@click.command("init", cls=Command, short_help="Make a new site in DIR, ready to serve.")
@click.argument("directory", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--force", is_flag=True, help="Add the missing files to a folder that is not empty (existing files are kept).")
@click.option("--title", help="The site's title (default: made from the folder name).")
@click.option("--author", default="", help="Your name, for the feeds.")
@click.option("--timezone", callback=_check_timezone, metavar="ZONE", help="IANA time zone (default: this machine's).")
@click.option("--ci", type=click.Choice(["github", "gitlab"]),
              help="Add a CI job that builds the site and publishes it to GitHub or GitLab Pages "
                   "(in a folder that is already a site, only the job is added).")
def init(directory: Path, force: bool, title: str | None, author: str, timezone: str | None, ci: str | None) -> None:
    """Make a new site in DIR that builds and serves at once.

    Writes blogen.toml (every setting, explained), a sample post, an about page, content/static/
    and a .gitignore. The built-in theme is used until you run `blogen theme eject`.

    \b
    Examples:
      blogen init myblog && cd myblog && blogen serve
      blogen init --ci github .     add a GitHub Pages workflow to this site
    """
    from blogen.authoring.scaffold import init_site
    from blogen.core.sitefolder import find_config_file

    if ci is not None and directory.is_dir() and find_config_file(directory) is not None:
        _add_ci(directory, ci)
        return
    try:
        report = init_site(directory, force=force, title=title, author=author, timezone=timezone, ci=ci)
    except BlogenError as exc:
        _fail(exc.problems)
    for rel in report.created:
        click.echo(f"created {os.path.join(directory, rel)}")
    for rel in report.skipped:
        click.echo(f"skipped {os.path.join(directory, rel)} (it exists; not overwritten)")
    where = "" if directory.resolve() == Path.cwd() else f"cd {directory} && "
    click.echo(f"\nNext: {where}blogen serve   (then open http://127.0.0.1:8000/)\n"
               f"Write:  blogen new \"My first note\" --tags linux\n"
               f"Before publishing, set base_url in {os.path.join(directory, 'blogen.toml')} to the site's address.")


# --- blogen new -----------------------------------------------------------------------------------


def _add_ci(root: Path, kind: str) -> None:
    """``init --ci`` in a folder that is already a site: only the CI job, for the site's output folder."""
    from blogen.authoring.ci import add_ci_file
    from blogen.core.config import load_config

    try:
        config = load_config(root)
    except BlogenError as exc:
        _fail(exc.problems, root)
    path, written = add_ci_file(root, kind, config.output)
    if not written:
        _fail([Problem(path, None, "already exists; not overwritten (move it away to get the one blogen writes)")], root)
    click.echo(f"created {shown(root, path)}")
    if kind == "github":
        click.echo("next: commit and push it, then in the repository's Settings -> Pages choose Source: GitHub Actions")
    else:
        click.echo("next: commit and push it; GitLab Pages publishes the job's public/ folder")


def _check_slug(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from blogen.core.urls import check_slug

    if value is not None and (why := check_slug(value)):
        raise click.BadParameter(why)
    return value


def _check_title(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter('the title is empty; give the post a title, e.g. blogen new "Fixing sshd"')
    return value


@click.command("new", cls=Command, short_help="Write a new post (a draft) and print its path.")
@click.argument("title", callback=_check_title)
@root_option
@click.option("--tags", default="", metavar="A,B", help="Comma-separated tags (spelt as the site already spells them).")
@click.option("--draft/--publish", default=True, show_default=True,
              help="A draft is shown by blogen serve but left out of blogen build until its draft: true line goes; "
                   "--publish writes a post that the next build publishes.")
@click.option("--slug", callback=_check_slug, help="The post's slug (default: made from the title).")
@click.option("--bundle", is_flag=True, help="Make a bundle folder, content/posts/<slug>/index.md, to put images beside it.")
def new(title: str, root: Path, tags: str, draft: bool, slug: str | None, bundle: bool) -> None:
    """Write a new post titled TITLE, dated now, and print its path.

    The post is a draft until you delete its `draft: true` line (or give --publish). Tags are
    written as the site's other posts write them, so `--tags Linux,linux` is one tag. Never
    overwrites a file and refuses a slug another post already has.

    \b
    Examples:
      blogen new "Fixing sshd on Android" --tags android,ssh
      blogen new "Cask notes" --bundle --slug cask
    """
    from blogen.authoring.newpost import new_post
    from blogen.core.config import load_config

    try:
        config = load_config(root)
        made = new_post(root, title, config.tzinfo, tags=tags.split(","), draft=draft, slug=slug, bundle=bundle,
                        tag_aliases=config.tag_aliases, tag_names=config.tag_names)
    except BlogenError as exc:
        _fail(exc.problems, root)
    click.echo(shown(root, made.path.relative_to(root).as_posix()))
    given = [t.strip() for t in tags.split(",") if t.strip()]
    if given != list(made.tags):
        click.echo(f"tags written as {', '.join(made.tags)} (one spelling per tag, as the site's posts write it)", err=True)


# --- blogen import --------------------------------------------------------------------------------


def _check_pattern(kind: str, option: str, value: str | None) -> None:
    from blogen.importers import hugourls, jekyllurls

    if value is None:
        return
    applies = "jekyll" if option == "--jekyll-permalink" else "hugo"
    if kind != applies:
        raise click.UsageError(f"{option} only applies to 'blogen import {applies}'")
    why = (jekyllurls if applies == "jekyll" else hugourls).check_pattern(value)
    if why is not None:
        raise click.BadParameter(why, param_hint=option)


@click.command("import", cls=Command, short_help="Bring a whole Jekyll or Hugo blog into this site.")
@click.argument("kind", type=click.Choice(["jekyll", "hugo"]))
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@root_option
@click.option("--dry-run", is_flag=True, help="Show what would be written and every warning; write nothing.")
@click.option("--categories", type=click.Choice(["keep", "tags"]), default="keep", show_default=True,
              help="keep: a categories key of their own (a taxonomy beside the tags); tags: fold them into the tags.")
@click.option("--keep-link-errors", is_flag=True,
              help="Leave broken_links as it is (by default the import sets it to \"warning\": links already dead in the old blog must not stop the first build).")
@click.option("--jekyll-permalink", metavar="PATTERN",
              help="The permalink the Jekyll site used, if its _config.yml does not say (e.g. /:year/:month/:day/:title.html, or 'pretty').")
@click.option("--hugo-permalink", metavar="PATTERN",
              help="The [permalinks] pattern of the Hugo site's posts, if its config does not say (e.g. /:year/:month/:slug/).")
@click.option("--verbose", "-v", is_flag=True, help="List every file written and every attribute list dropped.")
def import_posts(kind: Literal["jekyll", "hugo"], src: Path, root: Path, dry_run: bool, categories: str, keep_link_errors: bool,
                 jekyll_permalink: str | None, hugo_permalink: str | None, verbose: bool) -> None:
    """Bring a whole Jekyll or Hugo blog in SRC into this site.

    Posts (Markdown and HTML), pages, collections and sections keep their URLs (as the site's
    permalink or as aliases); static files (images, downloads, CNAME, the favicon) go to
    content/static/ at the URLs they had. Liquid, kramdown and Hugo shortcodes are converted
    where blogen has an equivalent; what is left is listed at its line, and so is every file not
    brought over, with the reason. blogen.toml gets the old site's address, title and heading-id
    style, and broken_links = "warning". Nothing outside SRC is read (symlinks out of it are
    skipped), no existing file is overwritten, nothing is written through a symlink.

    \b
    Examples:
      blogen init notes && blogen import jekyll ~/old-blog --root notes && blogen build --root notes
      blogen import hugo ~/hugo-site --dry-run
      blogen import jekyll ~/old-blog --categories tags
    """
    from blogen.core.config import load_config
    from blogen.importers.run import run_import
    from blogen.importers.values import ImportOptions

    _check_pattern(kind, "--jekyll-permalink", jekyll_permalink)
    _check_pattern(kind, "--hugo-permalink", hugo_permalink)
    try:
        config = load_config(root)
        options = ImportOptions(config.tzinfo, categories_as_tags=categories == "tags",
                                old_permalink=jekyll_permalink or hugo_permalink)
        outcome = run_import(kind, src, root, config, options, dry_run=dry_run, keep_link_errors=keep_link_errors)
    except BlogenError as exc:
        _fail(exc.problems, root)
    if dry_run or verbose:
        _echo_import_files(root, outcome.plan, dry_run=dry_run, verbose=verbose)
    _echo_import_problems(root, outcome, verbose=verbose)
    _echo_import_summary(root, outcome, dry_run=dry_run)
    warning = any(s.key == "broken_links" for s in outcome.settings) or config.broken_links == "warning"
    _echo_next_steps(root, outcome.plan, dry_run=dry_run, broken_links_warning=warning)
    if outcome.plan.conflicts or outcome.plan.errors or outcome.problems:
        raise SystemExit(1)


def _echo_import_files(root: Path, plan: Plan, *, dry_run: bool, verbose: bool) -> None:
    """Every post and page written (or that a dry run would write) with its assets; with -v the static files too."""
    verb = "would write" if dry_run else "wrote"
    for doc in plan.documents:
        click.echo(f"{verb} {shown(root, doc.target)}  (from {doc.source})")
        for _, target in doc.assets:
            click.echo(f"{verb} {shown(root, target)}")
    if verbose:
        for _, source, target in plan.static:
            click.echo(f"{verb} {shown(root, target)}  (from {source})")


def _echo_import_problems(root: Path, outcome: Outcome, *, verbose: bool) -> None:
    """On stderr: each finding at its line (the quiet kinds only with -v), then every error and conflict,
    with paths in the new site shown as the user would type them, then the findings counted by kind."""
    from blogen.importers.summary import QUIET_KINDS, count_kinds
    from blogen.importers.values import Finding

    plan = outcome.plan
    for finding in plan.findings:
        if finding.kind not in QUIET_KINDS or verbose:
            where = shown(root, finding.path) if finding.path.startswith("content/") else finding.path
            click.echo(Finding(where, finding.line, finding.kind, finding.snippet).format(), err=True)
    for problem in [*plan.errors, *plan.conflicts, *outcome.problems]:
        where = shown(root, problem.path) if problem.path.startswith(("content/", "theme/")) else problem.path
        click.echo(Problem(where, problem.line, problem.message, problem.severity).format(), err=True)
    counts = count_kinds(plan.findings)
    if counts:
        click.echo("warnings: " + ", ".join(f"{n} {kind_}" for kind_, n in counts.items()), err=True)


def _echo_import_summary(root: Path, outcome: Outcome, *, dry_run: bool) -> None:
    """What the import brought over, init's samples it removed, and the settings it made in the config
    (or that the user is to add by hand, when the config is not a blogen.toml it may edit)."""
    from blogen.importers.summary import headline

    plan = outcome.plan
    click.echo(headline(plan, dry_run=dry_run, where=shown(root, "content") + "/"))
    if plan.samples:
        click.echo(f"{'would remove' if dry_run else 'removed'} blogen init's samples: {', '.join(plan.samples)}")
    if outcome.settings:
        where = outcome.config_file or "your config (add them by hand: it is not a blogen.toml the import may edit)"
        verb = "would set" if dry_run else ("set" if outcome.config_file else "to set")
        click.echo(f"{verb} in {where}: " + "; ".join(
            (f"[{s.key}]" if s.table else f"{s.key} = {s.value!r}") + ("" if s.known else " (commented out: this blogen does not read it yet)")
            for s in outcome.settings))


def _echo_next_steps(root: Path, plan: Plan, *, dry_run: bool, broken_links_warning: bool) -> None:
    """The numbered list of what to fix next, then (after a real import) the build to run."""
    from blogen.importers.summary import next_steps

    steps = next_steps(plan, broken_links_warning=broken_links_warning)
    if steps:
        click.echo("what to fix next:")
        for n, step in enumerate(steps, 1):
            click.echo(f"  {n}. {step}")
    if not dry_run:
        click.echo(f"next: blogen build --root {root}" if str(root) != "." else "next: blogen build")


# --- blogen list ----------------------------------------------------------------------------------


@click.command("list", cls=Command, short_help="List posts (published, scheduled, drafts) and tags.")
@root_option
@click.option("--json", "as_json", is_flag=True, help='Print a JSON document {"posts": [...], "tags": [...]}.')
@click.option("--drafts", is_flag=True, help="Include drafts.")
def list_posts(root: Path, as_json: bool, drafts: bool) -> None:
    """List the posts, newest first, with their state, and the tags with counts.

    A post is published, scheduled (dated in the future) or a draft. Only front matter is read,
    so this is quick on any site.

    \b
    Examples:
      blogen list --drafts
      blogen list --json | jq '.posts[] | select(.state == "scheduled") | .title'
    """
    from blogen.authoring.listing import list_site, listing_json, listing_table

    try:
        listing = list_site(root, now=datetime.now(UTC), drafts=drafts)
    except BlogenError as exc:
        _fail(exc.problems, root)
    for warning in listing.warnings:
        click.echo(Problem(shown(root, warning.path), warning.line, warning.message, warning.severity).format(), err=True)
    if as_json:
        click.echo(listing_json(listing), nl=False)
    else:
        for line in listing_table(listing):
            click.echo(line)


# --- blogen theme eject ---------------------------------------------------------------------------


@click.group("theme", short_help="Copy the built-in theme into theme/ to edit it.")
def theme() -> None:
    """Work with the site's theme.

    \b
    Example:
      blogen theme eject
    """


@theme.command("eject", cls=Command, short_help="Copy the built-in theme into theme/ to edit it.")
@root_option
@click.option("--force", is_flag=True, help="Replace files already in theme/ with the built-in versions.")
def eject(root: Path, force: bool) -> None:
    """Copy the built-in theme into theme/ to edit it.

    Templates and static files in the site's theme/ replace the built-in ones by name, so you
    may also delete the copies you do not change. Existing files are kept unless --force.

    \b
    Example:
      blogen theme eject --root ~/notes
    """
    from blogen.authoring.scaffold import eject_theme
    from blogen.core.install import builtin_theme_dir
    from blogen.core.sitefolder import is_site_folder

    if not is_site_folder(root.resolve()):
        _fail([Problem(str(root), None, "no blogen.toml, or pyproject.toml with a [tool.blogen] table, in this folder: is this "
                       "a blogen site? (make one with blogen init DIR, or give --root the folder that has one)")])
    try:
        report = eject_theme(root, builtin_theme_dir(), force=force)
    except BlogenError as exc:
        _fail(exc.problems, root)
    replaced = set(report.overwritten)
    for rel in report.written:
        click.echo(f"{'replaced' if rel in replaced else 'created'} {shown(root, rel)}")


COMMANDS: tuple[click.Command, ...] = (init, new, import_posts, list_posts, theme)
