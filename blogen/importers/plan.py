"""The whole import decided before anything is written: every document placed, converted and linked, every file placed.

The steps, each from values to values: read and describe each document (its generator's
``describe``), choose the permalink and the files (``placing``), settle the aliases, index every
name a link could use, convert each body (its generator's ``convert``), rewrite its links to
the other documents, keep literal template text literal, and count what template syntax is left.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from blogen.authoring.scaffold import format_front_matter
from blogen.core.errors import BlogenError, Problem
from blogen.core.urls import join_url, output_file
from blogen.importers.deadlinks import SiteMap, existing_files, find_dead, make_map
from blogen.importers.fenceinfo import clean_fences
from blogen.importers.fields import finish_front
from blogen.importers.links import LinkIndex, origins_of, resolve_target, rewrite_links, url_key
from blogen.importers.placing import (
    NewSite,
    choose_permalink,
    new_url,
    place,
    post_moment,
    reserved_file,
    settle_aliases,
)
from blogen.importers.prose import residue, settle_literals
from blogen.importers.sourcefs import SourceTree, read_head, read_text
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
    StaticFile,
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


_DOCUMENT = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)


def standalone(entry: Entry) -> str | None:
    """Where a document that is a whole HTML page of its own (``<!doctype html>``…) goes under content/static/.

    The old generator published it as it is, without a layout; blogen's theme must not wrap it
    either, so it is copied to the URL it had.
    """
    if entry.doc.fmt != "html" or not entry.old_url or not _DOCUMENT.match(entry.body) or "{%" in entry.body \
            or "{{" in entry.body:
        return None
    path = entry.old_url.lstrip("/")
    return "content/static/" + (path + "index.html" if not path or path.endswith("/") else path)


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


def _place_static(static: tuple[StaticFile, ...], claimed: Mapping[str, str], site: NewSite, base_path: str,
                  tree: SourceTree) -> tuple[list[tuple[Path, str, str]], list[Finding], dict[str, str]]:
    """Each static file's place under content/static/, unless something of the new site is served there."""
    out: list[tuple[Path, str, str]] = []
    findings: list[Finding] = []
    urls: dict[str, str] = {}
    seen: dict[str, str] = {}
    for f in static:
        key = f.target.casefold()
        parts = f.target.split("/")
        if any(p.startswith(".") or p in ("", "..") for p in parts):
            findings.append(Finding(f.shown, None, "not-imported", "a dotfile: blogen does not publish files whose names start with '.'"))
            continue
        if key == "favicon.svg" and _same_file(site.root / "theme/static/favicon.svg", f.path):
            continue  # brought over before
        if _not_an_image(f, tree):
            findings.append(Finding(f.shown, None, "not-imported", "named like an image but not one (a broken image on the "
                                    "old site too; blogen stops at images it cannot read)"))
            continue
        if key == "favicon.svg" and not (site.root / "theme/static/favicon.svg").exists():
            out.append((f.path, f.shown, "theme/static/favicon.svg"))
            urls[f.rel] = base_path + "favicon.svg"
            continue
        if reserved_file(key, site.theme_files):
            top = f.target.split("/", 1)[0]
            what = f"pages under /{top}/" if "/" in f.target else f"/{f.target}"
            findings.append(Finding(f.shown, None, "not-imported", f"blogen makes its own {what}"))
            continue
        owner = claimed.get(key) or seen.get(key)
        if owner is not None:
            findings.append(Finding(f.shown, None, "not-imported", f"/{f.target} is already taken by {owner}"))
            continue
        seen[key] = f.shown
        out.append((f.path, f.shown, f"content/static/{f.target}"))
        urls[f.rel] = base_path + f.target
    return out, findings, urls


_RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")
_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"\x00\x00\x01\x00")


def _not_an_image(f: StaticFile, tree: SourceTree) -> bool:
    """A file named like a raster image that holds something else (often an HTML error page saved by mistake).

    blogen reads every image it publishes and stops at one it cannot read; such a file showed as a
    broken image on the old site too, so it is left out (and listed) rather than stop the build.
    """
    if not f.target.lower().endswith(_RASTER):
        return False
    try:
        head = read_head(f.path, f.shown, tree.root, 16)
    except BlogenError:
        return True
    return not (head.startswith(_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"))


def _existing_same(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


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
    text_body = "\n" + settle_literals(body.text).lstrip("\n")
    done = finish_front(front, extra, text_body, entry.doc.shown, entry.name, site.config.tzinfo, entry.lines,
                        findings, kind=entry.doc.kind, mtime=entry.doc.mtime)
    head = format_front_matter(done)
    text = head + text_body.rstrip("\n") + "\n"
    left = residue(text_body, "liquid-output" if generator == "jekyll" else "go-template")
    offset = head.count("\n")
    for line, kind, found in left:
        findings.append(Finding(item.target, line + offset, kind, " ".join(found.split())[:70]))
    return text, len(left), offset


def make_plan(old: OldSite, tree: SourceTree, site: NewSite, options: ImportOptions, gen: Generator) -> Plan:
    """Decide the whole import; see the module's note."""
    findings: list[Finding] = list(old.findings)
    errors: list[Problem] = []
    entries: list[Entry] = []
    pages: list[tuple[Entry, str]] = []  # whole HTML pages, published as they are
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
    permalink, slugs = choose_permalink(entries, site)
    effective = permalink or site.config.permalink
    placed, conflicts, placing_findings = place(entries, site, slugs)
    findings.extend(placing_findings)
    urls = {new_url(p, replace_permalink(site, effective), effective): p.target for p in placed}
    old_urls = {p.target: _old_urls(p, old) for p in placed}
    aliases, alias_findings = settle_aliases(placed, replace_permalink(site, effective), urls, site.theme_files, old_urls)
    findings.extend(alias_findings)
    claimed = _claimed_files(urls, aliases, site, effective)
    static, static_findings, static_urls = _place_static(old.static, claimed, site, site.config.base_path, tree)
    findings.extend(static_findings)
    base = old.settings.base_url or ""
    old_base_path = "/" + base.split("://", 1)[-1].split("/", 1)[-1] if "://" in base else "/"
    by_url: dict[str, str] = {}
    for p in placed:
        for u in old_urls[p.target]:
            by_url.setdefault(url_key(u), p.target)
    new_urls = {target: url for url, target in urls.items()}
    index = LinkIndex({p.entry.doc.rel: p.target for p in placed}, by_url, old_base_path.rstrip("/") + "/", origins_of(base),
                      new_urls, _bundle_files(placed, new_urls))
    context = Context(old, tree, index, static_urls, tuple(placed), short_names(tuple(placed)))
    sitemap = _site_map(placed, urls, aliases, static, pages, site, effective)
    documents: list[Planned] = []
    shortcodes: dict[str, tuple[str, int]] = {}
    for item in placed:
        body = gen.convert(context, item)
        doc_findings = list(body.findings)
        assets = {a for _, a in item.entry.doc.assets}

        def change(target: str, html: bool, _line: int, item: Placed = item, assets: set[str] = assets) -> str | None:
            return resolve_target(target, new_file=item.target, old_source=item.entry.doc.rel, old_url=item.entry.old_url,
                                  index=index, keep_relative=lambda p: p.split("#")[0] in assets or p.lstrip("./") in assets,
                                  html=html)

        fence_findings: list[Finding] = []  # at lines of the new file's body: shifted below the front matter
        body.text = clean_fences(body.text.lstrip("\n"), item.target, 1, fence_findings)
        body.text, _ = rewrite_links(body.text, change, markdown=True)
        text, left, head_lines = _finish(item, body, aliases.get(item.target, []), site, doc_findings, old.generator)
        doc_findings.extend(replace(f, line=(f.line or 0) + head_lines + 1) for f in fence_findings)
        doc_findings.extend(find_dead("\n".join(text.split("\n")[head_lines:]), item.target, sitemap, head_lines + 1))
        for f in doc_findings:
            if f.kind == SHORTCODE_KIND:
                first, count = shortcodes.get(f.snippet, (item.target, 0))
                shortcodes[f.snippet] = (first, count + 1)
        findings.extend(f for f in doc_findings if f.kind != SHORTCODE_KIND)
        findings.extend(Finding(item.entry.doc.shown, None, "dropped", d) for d in body.dropped)
        bundle_files = tuple((path, f"{item.target.rsplit('/', 1)[0]}/{rel}") for path, rel in item.entry.doc.assets
                             if not _same_file(site.root / item.target.rsplit("/", 1)[0] / rel, path))
        if item.occupied:
            if not _existing_same(site.root / item.target, text.encode()):
                conflicts.append(Problem(item.target, None, f"already exists; not overwritten (importing {item.entry.doc.shown})"))
                continue
            static.extend((path, item.entry.doc.shown, target) for path, target in bundle_files)  # new bundle files only
            continue
        documents.append(Planned(item.entry.doc.shown, item.target, text, bundle_files, left, item.entry.front.get("draft") is True))
    for entry, target in pages:
        key = target.removeprefix("content/static/").casefold()
        owner = claimed.get(key)
        if owner is not None or reserved_file(key, site.theme_files):
            findings.append(Finding(entry.doc.shown, None, "not-imported", f"a whole HTML page, but /{key} is already taken"))
        elif not _existing_same(site.root / target, entry.body.encode()):
            documents.append(Planned(entry.doc.shown, target, entry.body))
    static = [s for s in static if not _same_file(site.root / s[2], s[0])]
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
    from blogen.importers.placing import alias_file

    config = replace_permalink(site, permalink)
    claimed: dict[str, str] = {}
    for url, owner in urls.items():
        try:
            claimed[output_file(url, config.base_path).casefold()] = owner
        except ValueError:
            continue
    for owner, kept in aliases.items():
        for alias in kept:
            out = alias_file(config, alias)
            if out is not None:
                claimed[out] = owner
    return claimed


def _same_file(existing: Path, source: Path) -> bool:
    try:
        if existing.is_symlink() or not existing.is_file():
            return False
        a, b = existing.stat(), source.stat()
        if a.st_size != b.st_size:
            return False
        return existing.read_bytes() == source.read_bytes() if a.st_size < (64 << 20) else False
    except OSError:
        return False

