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
from typing import Literal, NoReturn, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from blogen.cli.terminal import Command, person_watching, print_problems, root_option, shown
from blogen.core.errors import BlogenError, Problem

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
    from blogen.core.config import find_config_file

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


@click.command("import", cls=Command, short_help="Bring in the posts of a Jekyll or Hugo blog.")
@click.argument("kind", type=click.Choice(["jekyll", "hugo"]))
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@root_option
@click.option("--dry-run", is_flag=True, help="Show what would be written and the warnings; write nothing.")
@click.option("--categories", type=click.Choice(["tags", "keep"]), default="tags", show_default=True,
              help="Fold categories into tags, or keep them as extra.categories.")
@click.option("--jekyll-permalink", metavar="PATTERN",
              help="Jekyll's permalink setting (e.g. /:year/:month/:day/:title.html, or 'pretty'): each post's old URL becomes an alias.")
@click.option("--hugo-permalink", metavar="PATTERN",
              help="Hugo's [permalinks] pattern for the posts as the URLs looked (e.g. /:year/:month/:day/:filename.html): each post's old URL becomes an alias.")
@click.option("--verbose", "-v", is_flag=True, help="List every file written.")
def import_posts(kind: Literal["jekyll", "hugo"], src: Path, root: Path, dry_run: bool, categories: Literal["tags", "keep"],
                 jekyll_permalink: str | None, hugo_permalink: str | None, verbose: bool) -> None:
    """Convert the posts of a Jekyll or Hugo blog in SRC into content/posts/.

    SRC is the blog's folder (Jekyll: the one with _posts/; Hugo: the one with content/posts/)
    or the folder of posts itself. Liquid tags, kramdown attributes and Hugo shortcodes that cannot
    be converted are left in the text and reported as file:line warnings. Existing files are never
    overwritten: such posts are reported as conflicts (exit code 1).

    \b
    Examples:
      blogen import jekyll ~/old-blog --dry-run
      blogen import jekyll ~/old-blog --jekyll-permalink pretty
      blogen import hugo ~/hugo-site --categories keep
      blogen import hugo ~/hugo-site --hugo-permalink '/:year/:month/:day/:filename.html'
    """
    from blogen.core.config import load_config
    from blogen.importers import hugo as import_hugo
    from blogen.importers import jekyll as import_jekyll
    from blogen.importers.common import Converted, ImportOptions, count_kinds, plan_import, read_source, write_plan

    for option, value, applies in (("--jekyll-permalink", jekyll_permalink, "jekyll"), ("--hugo-permalink", hugo_permalink, "hugo")):
        if value is None:
            continue
        if kind != applies:
            raise click.UsageError(f"{option} only applies to 'blogen import {applies}'")
        module = import_jekyll if applies == "jekyll" else import_hugo
        if (why := module.check_permalink_pattern(value)) is not None:
            raise click.BadParameter(why, param_hint=option)
    try:
        config = load_config(root)
        if kind == "jekyll":
            sources, skipped = import_jekyll.find_sources(src, str(src))
        else:
            sources, skipped = import_hugo.find_sources(src, str(src))
    except BlogenError as exc:
        _fail(exc.problems, root)
    options = ImportOptions(tz=config.tzinfo, categories=categories, old_permalink=jekyll_permalink or hugo_permalink)
    section = "" if kind == "jekyll" else import_hugo.posts_folder(src).resolve().name
    converted: list[Converted] = []
    errors: list[Problem] = []
    for source in _progress(sources, "converting"):
        try:
            text = read_source(source)
            if kind == "jekyll":
                converted.append(import_jekyll.convert(source, text, options))
            else:
                converted.append(import_hugo.convert(source, text, options, section=section))
        except BlogenError as exc:
            errors.extend(exc.problems)
    plan = plan_import(root, config, converted)
    written: list[str] = []
    if dry_run:
        for item in plan.items:
            click.echo(f"would write {shown(root, item.target)}  (from {item.source.shown})")
            for _, target in item.assets:
                click.echo(f"would copy {shown(root, target)}")
    else:
        try:
            written = write_plan(root, plan)
        except BlogenError as exc:
            errors.extend(exc.problems)
        if verbose:
            for rel in written:
                click.echo(f"wrote {shown(root, rel)}")
    findings = [*skipped, *plan.findings]
    for finding in findings:
        click.echo(finding.format(), err=True)
    for problem in [*errors, *plan.conflicts]:
        where = shown(root, problem.path) if problem.path.startswith("content/") else problem.path
        click.echo(Problem(where, problem.line, problem.message, problem.severity).format(), err=True)
    counts = count_kinds(findings)
    if counts:
        click.echo("warnings: " + ", ".join(f"{n} {kind_}" for kind_, n in counts.items()), err=True)
    n_posts = len(plan.items)
    n_files = sum(len(i.assets) for i in plan.items)
    verb = "would import" if dry_run else "imported"
    files = f" and {n_files} bundle file{'s' * (n_files != 1)}" if n_files else ""
    click.echo(f"{verb} {n_posts} post{'s' * (n_posts != 1)}{files} into {shown(root, 'content/posts')}/"
               f"; {len(findings)} warning{'s' * (len(findings) != 1)}, "
               f"{len(plan.conflicts)} conflict{'s' * (len(plan.conflicts) != 1)}, {len(errors)} error{'s' * (len(errors) != 1)}")
    if plan.conflicts or errors:
        raise SystemExit(1)


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
    from blogen.core.config import is_site_folder
    from blogen.core.install import builtin_theme_dir

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
