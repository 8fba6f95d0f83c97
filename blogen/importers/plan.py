"""The whole import decided before anything is written: every document placed, converted and linked, every file placed.

The steps, each from values to values: read and describe each document (its generator's
``describe``), choose the permalink and the files (``placing``), settle the aliases, index every
name a link could use, convert each body (its generator's ``convert``), rewrite its links to
the other documents, keep literal template text literal, and count what template syntax is left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from blogen.authoring.scaffold import format_front_matter
from blogen.core.errors import BlogenError, Problem
from blogen.core.urls import join_url
from blogen.importers.deadlinks import SiteMap, existing_files, find_dead, make_map
from blogen.importers.fenceinfo import clean_fences
from blogen.importers.fields import finish_front
from blogen.importers.links import LinkIndex, origins_of, resolve_target, rewrite_links, url_key
from blogen.importers.placing import (
    NewSite,
    alias_file,
    choose_permalink,
    claimed_files,
    new_url,
    place,
    post_moment,
    reserved_file,
    settle_aliases,
)
from blogen.importers.prose import residue, settle_literals
from blogen.importers.sourcefs import SourceTree, read_text
from blogen.importers.statics import existing_same, place_static, same_file, standalone
from blogen.importers.values import (
    SHORTCODE_KIND,
    Body,
    Entry,
    Finding,
    ImportOptions,
    OldDoc,
    OldSite,
    Placed,
    Plan,
    Planned,
)


@dataclass(frozen=True, slots=True)
class Context:
    """What a body conversion can look up: the old site, and where each of its documents and files went."""

    old: OldSite
    tree: SourceTree
    index: LinkIndex
    static_urls: Mapping[str, str]  # old site path of a static file -> its URL in the new site (root-relative)
    placed: tuple[Placed, ...]
    names: Mapping[str, str | None]  # short names of the documents (see ``short_names``) -> new file


def short_names(placed: tuple[Placed, ...]) -> dict[str, str | None]:
    """Short names of the documents: the old path without extension, the file name without it, the path below
    ``_posts`` (what ``{% post_url %}`` gives); a name two documents share maps to None."""
    names: dict[str, str | None] = {}
    for item in placed:
        stem = item.entry.doc.rel.rsplit(".", 1)[0]
        keys = {stem, stem.rsplit("/", 1)[-1]}
        if item.entry.doc.bundle is not None:
            keys |= {stem.rsplit("/", 1)[0], stem.rsplit("/", 2)[-2] if stem.count("/") >= 1 else stem}
        for special in ("_posts/", "_drafts/"):
            if special in stem:
                keys.add(stem.split(special, 1)[1])
        for key in keys:
            names[key] = item.target if key not in names or names[key] == item.target else None
    return names


@dataclass(frozen=True, slots=True)
class Generator:
    """What differs between Jekyll and Hugo."""

    describe: Callable[[OldSite, OldDoc, str, ImportOptions], Entry]
    convert: Callable[[Context, Placed], Body]
    unpublished: type[BlogenError]  # raised by ``describe`` for a document the old site did not publish


def _with_date(entry: Entry, site: NewSite) -> tuple[Entry, list[Finding]]:
    """A post without any date gets its file's time, as blogen needs one (and says so)."""
    if entry.doc.kind != "post" or entry.front.get("date") is not None:
        return entry, []
    when = post_moment(entry, site.config)
    return replace(entry, front={**entry.front, "date": when}), [
        Finding(entry.doc.shown, None, "no-date", f"no date; using the file's modification time {when.isoformat()}")]


def _old_urls(item: Placed, old: OldSite) -> list[str]:
    """The old URLs that should lead to this document: where it was published, and its old aliases."""
    urls: list[str] = []
    if item.entry.old_url:
        url = item.entry.old_url
        if old.generator == "jekyll":
            from blogen.importers.jekyllurls import served_as

            url = served_as(url)
        urls.append(url)
    urls += [a for a in item.entry.front.get("aliases", []) if isinstance(a, str)]
    return list(dict.fromkeys(urls))


def _finish(item: Placed, body: Body, aliases: list[str], site: NewSite, findings: list[Finding],
            generator: str) -> tuple[str, int, int]:
    """The new file's text, how much template residue is left in it (reported at its lines), and the
    number of front-matter lines (a blank line and the body follow them)."""
    entry = item.entry
    front = dict(entry.front)
    extra = dict(front.pop("extra", None) or {})
    if aliases:
        front["aliases"] = aliases
    else:
        front.pop("aliases", None)
    if body.toc:
        front["toc"] = True
    if entry.doc.kind == "page" and entry.old_url and entry.old_url.strip("/").count("/") > 0 and "menu" not in extra:
        extra["menu"] = False  # a page deep in the old site was not one of its menu pages
    text_body = "\n" + settle_literals(body.text).strip("\n") + "\n"
    done = finish_front(front, extra, text_body, entry.doc.shown, entry.name, site.config.tzinfo, entry.lines,
                        findings, kind=entry.doc.kind, mtime=entry.doc.mtime)
    head = format_front_matter(done)
    text = head + text_body
    left = residue(text_body, "liquid-output" if generator == "jekyll" else "go-template")
    offset = head.count("\n")
    for line, kind, found in left:
        findings.append(Finding(item.target, line + offset, kind, " ".join(found.split())[:70]))
    return text, len(left), offset


def _read_all(old: OldSite, tree: SourceTree, site: NewSite, options: ImportOptions,
              gen: Generator) -> tuple[list[Entry], list[tuple[Entry, str]], list[Finding], list[Problem]]:
    """Every document read and described: (documents, whole HTML pages with their place, findings, errors)."""
    findings: list[Finding] = []
    errors: list[Problem] = []
    entries: list[Entry] = []
    pages: list[tuple[Entry, str]] = []
    for doc in old.docs:
        try:
            entry = gen.describe(old, doc, read_text(doc.path, doc.shown, tree.root), options)
        except gen.unpublished as exc:
            findings.extend(Finding(p.path, p.line, "not-imported", p.message) for p in exc.problems)
            continue
        except BlogenError as exc:
            errors.extend(exc.problems)
            continue
        page = standalone(entry)
        if page is not None:
            pages.append((entry, page))
            continue
        entry, dated = _with_date(entry, site)
        findings.extend(dated)
        entries.append(entry)
    return entries, pages, findings, errors


def _link_index(old: OldSite, placed: list[Placed], urls: Mapping[str, str], old_urls: Mapping[str, list[str]],
                static: list[str], base_path: str) -> LinkIndex:
    base = old.settings.base_url or ""
    old_base_path = "/" + base.split("://", 1)[-1].split("/", 1)[-1] if "://" in base else "/"
    by_url: dict[str, str] = {}
    for p in placed:
        for u in old_urls[p.target]:
            by_url.setdefault(url_key(u), p.target)
    new_urls = {target: url for url, target in urls.items()}
    indexes = {url_key("/" + t.removeprefix("content/static/")): join_url(base_path, "/" + t.removeprefix("content/static/"))
               for t in static if t.startswith("content/static/") and t.endswith(".html")}
    return LinkIndex({p.entry.doc.rel: p.target for p in placed}, by_url, old_base_path.rstrip("/") + "/", origins_of(base),
                     new_urls, _bundle_files(placed, new_urls), indexes)


def _convert(context: Context, item: Placed, gen: Generator, aliases: list[str], site: NewSite,
             sitemap: SiteMap) -> tuple[str, int, list[Finding], list[str]]:
    """One document's new text: converted, its links rewritten, checked; with its residue count and findings."""
    body = gen.convert(context, item)
    findings = list(body.findings)
    assets = {a for _, a in item.entry.doc.assets}

    def change(target: str, html: bool, _line: int) -> str | None:
        return resolve_target(target, new_file=item.target, old_source=item.entry.doc.rel, old_url=item.entry.old_url,
                              index=context.index, keep_relative=lambda p: p.split("#")[0] in assets or p.lstrip("./") in assets,
                              html=html)

    fence_findings: list[Finding] = []  # at lines of the new file's body: shifted below the front matter
    body.text = clean_fences(body.text.lstrip("\n"), item.target, 1, fence_findings)
    body.text, _ = rewrite_links(body.text, change, markdown=True)
    text, left, head_lines = _finish(item, body, aliases, site, findings, context.old.generator)
    findings.extend(replace(f, line=(f.line or 0) + head_lines + 1) for f in fence_findings)
    findings.extend(find_dead(text.split("\n", head_lines)[-1], item.target, sitemap, head_lines + 1))
    return text, left, findings, body.dropped


def make_plan(old: OldSite, tree: SourceTree, site: NewSite, options: ImportOptions, gen: Generator) -> Plan:
    """Decide the whole import; see the module's note."""
    entries, pages, findings, errors = _read_all(old, tree, site, options, gen)
    findings[:0] = old.findings
    permalink, slugs = choose_permalink(entries, site)
    effective = permalink or site.config.permalink
    config = replace_permalink(site, effective)
    placed, conflicts, placing_findings = place(entries, site, slugs, effective)
    findings.extend(placing_findings)
    urls = {new_url(p, config, effective): p.target for p in placed}
    old_urls = {p.target: _old_urls(p, old) for p in placed}
    aliases, alias_findings = settle_aliases(placed, config, urls, site.theme_files, old_urls)
    findings.extend(alias_findings)
    claimed = _claimed_files(urls, aliases, site, effective)
    static, static_findings, static_urls = place_static(old.static, claimed, site, site.config.base_path, tree)
    findings.extend(static_findings)
    static_files = [target for _, _, target in static] + [target for _, target in pages]
    index = _link_index(old, placed, urls, old_urls, static_files, site.config.base_path)
    context = Context(old, tree, index, static_urls, tuple(placed), short_names(tuple(placed)))
    sitemap = _site_map(placed, urls, aliases, static, pages, site, effective)
    documents: list[Planned] = []
    shortcodes: dict[str, tuple[str, int]] = {}
    for item in placed:
        text, left, doc_findings, dropped = _convert(context, item, gen, aliases.get(item.target, []), site, sitemap)
        for f in doc_findings:
            if f.kind == SHORTCODE_KIND:
                first, count = shortcodes.get(f.snippet, (item.target, 0))
                shortcodes[f.snippet] = (first, count + 1)
        findings.extend(f for f in doc_findings if f.kind != SHORTCODE_KIND)
        findings.extend(Finding(item.entry.doc.shown, None, "dropped", d) for d in dropped)
        folder = item.target.rsplit("/", 1)[0]
        bundle_files = tuple((path, f"{folder}/{rel}") for path, rel in item.entry.doc.assets
                             if not same_file(site.root / folder / rel, path))
        if not item.occupied:
            documents.append(Planned(item.entry.doc.shown, item.target, text, bundle_files, left, item.entry.front.get("draft") is True))
        elif existing_same(site.root / item.target, text.encode()):
            static.extend((path, item.entry.doc.shown, target) for path, target in bundle_files)  # imported before: new files only
        else:
            conflicts.append(Problem(item.target, None, f"already exists; not overwritten (importing {item.entry.doc.shown})"))
    for entry, target in pages:
        key = target.removeprefix("content/static/").casefold()
        if claimed.get(key) is not None or reserved_file(key, site.theme_files):
            findings.append(Finding(entry.doc.shown, None, "not-imported", f"a whole HTML page, but /{key} is already taken"))
        elif not existing_same(site.root / target, entry.body.encode()):
            documents.append(Planned(entry.doc.shown, target, entry.body))
    static = [s for s in static if not same_file(site.root / s[2], s[0])]
    return Plan(tuple(documents), tuple(static), tuple(findings), tuple(conflicts), tuple(errors),
                site.samples if documents else (), permalink, shortcodes)


def _bundle_files(placed: list[Placed], new_urls: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Each bundle file by its old URL (the old page's folder and its name): its new file and URL."""
    out: dict[str, tuple[str, str]] = {}
    for item in placed:
        old, new = item.entry.old_url, new_urls.get(item.target)
        if not item.entry.doc.assets or not old or not new:
            continue
        old_folder = old if old.endswith("/") else old.rsplit("/", 1)[0] + "/"
        new_folder = new if new.endswith("/") else new.rsplit("/", 1)[0] + "/"
        folder = item.target.rsplit("/", 1)[0]
        for _, rel in item.entry.doc.assets:
            out.setdefault(url_key(old_folder + rel), (f"{folder}/{rel}", new_folder + rel))
    return out


def _site_map(placed: list[Placed], urls: Mapping[str, str], aliases: Mapping[str, list[str]],
              static: list[tuple[Path, str, str]], pages: list[tuple[Entry, str]], site: NewSite, permalink: str) -> SiteMap:
    """What the site will serve once the import is written, for finding dead links."""
    config = replace_permalink(site, permalink)
    files = existing_files(site.root) - set(site.samples)
    files.update(p.target for p in placed)
    files.update(target for _, _, target in static)
    files.update(target for _, target in pages)
    known = set(urls)
    by_target = {target: url for url, target in urls.items()}
    for item in placed:
        folder = item.target.rsplit("/", 1)[0]
        url = by_target.get(item.target, "")
        for _, rel in item.entry.doc.assets:
            files.add(f"{folder}/{rel}")
            known.add((url if url.endswith("/") else url.rsplit("/", 1)[0] + "/") + rel)
        known.update(join_url(config.base_path, a) for a in aliases.get(item.target, []))
    return make_map(known, files, config.base_path)


def replace_permalink(site: NewSite, permalink: str) -> Any:
    """The new site's config with the permalink the import chose."""
    return replace(site.config, permalink=permalink)


def _claimed_files(urls: Mapping[str, str], aliases: Mapping[str, list[str]], site: NewSite, permalink: str) -> dict[str, str]:
    config = replace_permalink(site, permalink)
    claimed = claimed_files(urls, config.base_path)
    for owner, kept in aliases.items():
        for alias in kept:
            out = alias_file(config, alias)
            if out is not None:
                claimed[out] = owner
    return claimed
