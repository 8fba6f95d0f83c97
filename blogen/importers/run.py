"""``blogen import``: read the old site, plan the whole import, and (unless it is a dry run) write it.

This module ties the steps together and adapts each generator to the plan: how Jekyll's
``{% post_url %}`` and ``{% link %}`` and Hugo's ``ref`` find a document, and which values a
body's template syntax may print.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from blogen.core.config import Config
from blogen.core.errors import BlogenError, Problem
from blogen.importers import hugo, hugobody, hugofront, jekyll, jekyllbody, jekyllfront
from blogen.importers.links import relative
from blogen.importers.placing import read_new_site
from blogen.importers.plan import Context, Generator, make_plan
from blogen.importers.siteconfig import Setting, config_target, edit_config, settings_for, write_config
from blogen.importers.sourcefs import SourceTree
from blogen.importers.values import Body, ImportOptions, OldSite, Placed, Plan
from blogen.importers.write import write_plan

Kind = Literal["jekyll", "hugo"]


def _jekyll_convert(ctx: Context, item: Placed) -> Body:
    names = ctx.names
    links = jekyllbody.Links(
        post_url=lambda name: names.get(name) or names.get(name.rsplit(".", 1)[0]),
        source=lambda path: ctx.index.by_source.get(path),
        static=lambda path: ctx.static_urls.get(path),
        relative=lambda target: relative(item.target, target),
    )
    return jekyllbody.convert_body(ctx.old, item, links, ctx.tree, item.entry.body_line)


def hugo_ref(arg: str, item: Placed, ctx: Context, names: Mapping[str, str | None]) -> str | None:
    """The new file a Hugo ``ref``/``relref`` argument names, as a link from ``item`` (with its fragment)."""
    path, _, frag = arg.strip().partition("#")
    suffix = f"#{frag}" if frag else ""
    if not path:
        return posixpath.basename(item.target) + suffix
    content = str(ctx.old.context["content"])
    doc_dir = posixpath.dirname(item.entry.doc.rel)
    bases = [f"{content}/{path.strip('/')}"] if path.startswith("/") else \
        [posixpath.normpath(f"{doc_dir}/{path}"), f"{content}/{path.strip('/')}"]
    for base in bases:
        base = base.rstrip("/")
        for candidate in (base, f"{base}.md", f"{base}.markdown", f"{base}.html", f"{base}/index.md", f"{base}/index.markdown"):
            found = ctx.index.by_source.get(candidate)
            if found is not None:
                return relative(item.target, found) + suffix
    found_name = names.get(path.strip("/").rsplit(".", 1)[0]) or names.get(posixpath.basename(path.strip("/")).rsplit(".", 1)[0])
    return relative(item.target, found_name) + suffix if found_name else None


def _hugo_convert(ctx: Context, item: Placed) -> Body:
    names = ctx.names
    config = ctx.old.context["config"]
    site_params = config.get("params") if isinstance(config.get("params"), dict) else {}
    params: dict[str, Any] = {**site_params, **{str(k).lower(): v for k, v in item.entry.values.items()},
                              **dict(item.entry.values)}
    return hugobody.convert_body(item, params, lambda a: hugo_ref(a, item, ctx, names), item.entry.body_line)


GENERATORS: dict[Kind, Generator] = {
    "jekyll": Generator(jekyllfront.describe, _jekyll_convert, BlogenError),
    "hugo": Generator(hugofront.describe, _hugo_convert, hugofront.Unpublished),
}


def detect(tree: SourceTree) -> Kind | None:
    if hugo.is_hugo_site(tree):
        return "hugo"
    if jekyll.is_jekyll_site(tree):
        return "jekyll"
    return None


def read_old_site(kind: Kind, tree: SourceTree) -> OldSite:
    return jekyll.find_site(tree) if kind == "jekyll" else hugo.find_site(tree)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an import decided and did."""

    old: OldSite
    plan: Plan
    settings: tuple[Setting, ...]
    config_file: str | None  # the config file edited (or that a dry run would edit); None: settings to add by hand
    written: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()  # files that could not be written


def run_import(kind: Kind, src: Path, root: Path, config: Config, options: ImportOptions, *, dry_run: bool,
               keep_link_errors: bool) -> Outcome:
    """The whole import (see the module's note); raises BlogenError if the old site cannot be read at all."""
    tree = SourceTree.open(src)
    tree.exclude = frozenset({root.resolve()})  # importing into a folder inside the old blog must not import the new site
    if kind == "jekyll" and hugo.is_hugo_site(tree) and not jekyll.is_jekyll_site(tree):
        raise BlogenError.one(str(src), None, "this looks like a Hugo site (it has a Hugo config): use 'blogen import hugo'")
    if kind == "hugo" and not hugo.is_hugo_site(tree) and jekyll.is_jekyll_site(tree):
        raise BlogenError.one(str(src), None, "this looks like a Jekyll site (it has _config.yml or _posts/): use 'blogen import jekyll'")
    old = read_old_site(kind, tree)
    site = read_new_site(root, config)
    plan = make_plan(old, tree, site, options, GENERATORS[kind])
    plan = type(plan)(plan.documents, plan.static, (*tree.findings, *plan.findings), plan.conflicts, plan.errors,
                      plan.samples, plan.permalink, plan.shortcodes)
    settings = settings_for(old, site, plan.permalink, keep_link_errors=keep_link_errors, source=str(src))
    target = config_target(root)
    if target is not None:  # what an earlier import already wrote is not set again
        text = target.read_text(encoding="utf-8")
        lines = [line.strip() for line in text.split("\n")]
        settings = [s for s in settings if not (s.line() in lines or (s.table and f"[{s.key}]" in lines))]
    if dry_run:
        return Outcome(old, plan, tuple(settings), target.name if target else None)
    written, problems = write_plan(root, plan, tree.root)
    edited = target.name if target is not None else None
    if target is not None and settings and written:
        try:
            write_config(target, edit_config(target.read_text(encoding="utf-8"), settings))
        except (ValueError, OSError):  # a config the edit would break, or cannot write: the settings are printed
            edited = None
    elif target is not None:
        settings = []  # nothing was imported: the config is left as it is
    return Outcome(old, plan, tuple(settings), edited, tuple(written), tuple(problems))
