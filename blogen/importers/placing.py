"""Where each imported document and file goes in the new site, and which old URLs become its aliases.

The new site may already hold content: nothing in it is overwritten and no slug or URL is
claimed twice. Names are the old file names, prefixed with their folders when two clash; when
the new site is fresh and most posts' old URLs follow one pattern blogen can express
(``/{year}/{month}/{slug}/``), that becomes the site's permalink and those posts keep their URLs
outright. Every other old URL becomes an alias, unless blogen makes a page there itself (the
home page, ``/tags/``, ``/archive/``, the feed), another document lives there, or an earlier
document already took it: each such case is reported.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from blogen.authoring.newpost import post_slugs
from blogen.authoring.scaffold import skeleton_files
from blogen.content.frontmatter import parse_when, split_source
from blogen.content.inputs import SOURCE_SUFFIXES, is_editor_noise
from blogen.core.config import Config
from blogen.core.errors import Problem
from blogen.core.install import builtin_theme_dir
from blogen.core.urls import check_permalink, check_slug, expand_permalink, join_url, output_file, slugify
from blogen.importers.values import Entry, Finding, Placed

DEFAULT_PERMALINK = "/posts/{slug}/"
_RESERVED_NAMES = frozenset({"index", "tags", "archive", "page", "categories", "series", "404", "feed.xml", "sitemap.xml"})


@dataclass(frozen=True, slots=True)
class NewSite:
    """The site the import writes into, as it is before the import."""

    root: Path
    config: Config
    post_slugs: Mapping[str, str]  # casefolded slug -> file, of posts already there
    page_slugs: Mapping[str, str]
    samples: tuple[str, ...]  # blogen init's sample files, untouched: the import replaces them
    theme_files: frozenset[str]  # theme static files served at the site root (not fingerprinted)

    @property
    def fresh(self) -> bool:
        """Nothing but init's samples in content/posts: the import may choose the permalink."""
        sample = {s for s in self.samples if s.startswith("content/posts/")}
        return set(self.post_slugs.values()) <= sample


def _page_slugs(root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    pages = root / "content" / "pages"
    if not pages.is_dir():
        return found
    for folder, dirs, files in os.walk(pages):
        dirs[:] = sorted(d for d in dirs if not is_editor_noise(d))
        here = Path(folder)
        for name in sorted(files):
            if is_editor_noise(name) or not name.endswith(SOURCE_SUFFIXES):
                continue
            stem = here.name if name.rsplit(".", 1)[0] == "index" and here != pages else name.rsplit(".", 1)[0]
            rel = (here / name).relative_to(root).as_posix()
            found.setdefault(slugify(stem).casefold(), rel)
            try:
                split, _ = split_source((here / name).read_text(encoding="utf-8"), rel)
            except (OSError, UnicodeDecodeError):
                continue
            if split is not None and isinstance(split.values.get("slug"), str):
                found.setdefault(split.values["slug"].strip().casefold(), rel)
    return found


def _untouched_samples(root: Path) -> tuple[str, ...]:
    """The sample post and about page ``blogen init`` wrote, if they are still exactly as it wrote them."""
    samples = {f.path: f.text for f in skeleton_files(title="x", author="", timezone="UTC", now=datetime(2000, 1, 1))
               if f.path.startswith("content/") and f.path.endswith(".md")}
    found: list[str] = []
    for rel, text in samples.items():
        path = root / rel
        if path.is_symlink() or not path.is_file():
            continue
        try:
            have = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        ours, _ = split_source(text, rel)
        theirs, _ = split_source(have, rel)
        if ours is not None and theirs is not None and ours.body == theirs.body and \
                ours.values.get("title") == theirs.values.get("title") and set(ours.values) == set(theirs.values):
            found.append(rel)
    return tuple(sorted(found))


def _theme_files(root: Path) -> frozenset[str]:
    names: set[str] = set()
    for theme in (builtin_theme_dir(), root / "theme"):
        static = theme / "static"
        if static.is_dir():
            for path in static.rglob("*"):
                if path.is_file() and not path.name.endswith((".css", ".js")):
                    names.add(path.relative_to(static).as_posix().casefold())
    return frozenset(names)


def read_new_site(root: Path, config: Config) -> NewSite:
    return NewSite(root, config, post_slugs(root), _page_slugs(root), _untouched_samples(root), _theme_files(root))


# --- dates and the permalink ----------------------------------------------------------------------


def post_moment(entry: Entry, config: Config) -> datetime:
    """The post's moment as blogen will read it (the file's time when it has no date)."""
    when = entry.front.get("date")
    if isinstance(when, date):
        return parse_when(when, config.tzinfo)
    return datetime.fromtimestamp(int(entry.doc.mtime), config.tzinfo)


def _pattern_of(url: str, when: datetime) -> tuple[str, str] | None:
    """The blogen permalink that gives ``url`` for this date, and the slug it needs; None if none can.

    The date may be whole segments (``/2019/03/01/``) or inside one (``/posts/2019-03-01/``); the
    last segment is the slug.
    """
    ending = ".html" if url.endswith(".html") else "/"
    parts = url.removesuffix(".html").strip("/").split("/")
    if not parts or not parts[-1]:
        return None
    slug = parts[-1]
    if slug.isdigit():  # a date-only URL (/2019/03/01/): no slug to keep
        return None
    wanted = [("{year}", f"{when.year:04d}"), ("{month}", f"{when.month:02d}"), ("{day}", f"{when.day:02d}")]
    out: list[str] = []
    for part in parts[:-1]:
        pieces = re.split(r"(\d+)", part)
        for k in range(1, len(pieces), 2):
            if wanted and pieces[k] == wanted[0][1]:
                pieces[k] = wanted.pop(0)[0]
            elif len(pieces[k]) in (2, 4):
                return None  # a number that is not this post's date: the pattern would not fit other posts
        out.append("".join(pieces))
    pattern = "/" + "/".join([*out, "{slug}"]) + ending
    if check_permalink(pattern) is not None or check_slug(slug) is not None:
        return None
    return pattern, slug


def choose_permalink(entries: Sequence[Entry], site: NewSite) -> tuple[str | None, dict[int, str]]:
    """A permalink under which most posts keep their old URL exactly, and the slug each of them needs.

    A fresh site still on the default permalink gets the pattern that fits 80 % of the posts; in
    any other site the posts whose old URL fits its permalink get the slug that keeps that URL.
    """
    found: dict[int, tuple[str, str]] = {}
    for i, entry in enumerate(entries):
        if entry.doc.kind == "post" and entry.old_url:
            fit = _pattern_of(entry.old_url, post_moment(entry, site.config))
            if fit is not None:
                found[i] = fit
    if site.config.permalink != DEFAULT_PERMALINK or not site.fresh:
        return None, {i: slug for i, (p, slug) in found.items() if p == site.config.permalink}
    posts = sum(1 for e in entries if e.doc.kind == "post" and not e.doc.draft)
    if not found or not posts:
        return None, {}
    pattern, count = Counter(p for p, _ in found.values()).most_common(1)[0]
    if count < 0.8 * posts or pattern == DEFAULT_PERMALINK:
        return None, {i: slug for i, (p, slug) in found.items() if p == DEFAULT_PERMALINK}
    return pattern, {i: slug for i, (p, slug) in found.items() if p == pattern}


# --- names ----------------------------------------------------------------------------------------


def _candidates(entry: Entry) -> list[str]:
    if entry.name == "index":  # an index of its folder or collection: named after that
        name = slugify(entry.doc.folders[-1] if entry.doc.folders else entry.doc.group.rsplit("/", 1)[-1]) or "home"
        entry = replace(entry, name=name)
    names = [entry.name]
    folders = [slugify(f) for f in entry.doc.folders if slugify(f)]
    for i in range(len(folders) - 1, -1, -1):
        names.append("-".join([*folders[i:], entry.name]))
    return names


def place(entries: Sequence[Entry], site: NewSite, slugs: Mapping[int, str],
          permalink: str) -> tuple[list[Placed], list[Problem], list[Finding]]:
    """Choose each document's file and slug; an existing file or slug of the new site is a conflict, skipped.

    Two imported posts may share a slug when the permalink keeps their URLs apart (it holds their
    dates); no two may share a URL.
    """
    placed: list[Placed] = []
    conflicts: list[Problem] = []
    findings: list[Finding] = []
    used: dict[str, set[str]] = {"post": set(), "page": set()}
    taken: dict[str, str] = {}  # the URL key (see ``claim``) -> the document that has it
    replaced = set(site.samples)
    existing = {"post": {k: v for k, v in site.post_slugs.items() if v not in replaced},
                "page": {k: v for k, v in site.page_slugs.items() if v not in replaced}}
    config = replace(site.config, permalink=permalink)

    def claim(entry: Entry, slug: str) -> str:
        if entry.doc.kind == "page":
            return f"page:{slug.casefold()}"
        return expand_permalink(permalink, slug, post_moment(entry, config)).casefold()

    for i, entry in enumerate(entries):
        kind = entry.doc.kind
        explicit = slugs.get(i) or entry.front.get("slug")
        if isinstance(explicit, str) and (check_slug(explicit) or claim(entry, explicit) in taken):
            why = check_slug(explicit) or f"the URL it makes is also that of {taken[claim(entry, explicit)]}"
            findings.append(Finding(entry.doc.shown, None, "duplicate-slug" if not check_slug(explicit) else "front-matter",
                                    f"slug '{explicit}': {why}; using the file name (kept as extra.original_slug)"))
            extra = dict(entry.front.get("extra") or {})
            extra["original_slug"] = explicit
            entry = replace(entry, front={**{k: v for k, v in entry.front.items() if k != "slug"}, "extra": extra})
            explicit = None
        reserved = _RESERVED_NAMES if kind == "page" else frozenset({"index"})
        name = next((n for n in _candidates(entry) if n.casefold() not in used[kind] and n.casefold() not in reserved
                     and (explicit is not None or claim(entry, n) not in taken)), None)
        if name is None:
            base, n = _candidates(entry)[0], 2
            while f"{base}-{n}".casefold() in used[kind] or claim(entry, f"{base}-{n}") in taken:
                n += 1
            name = f"{base}-{n}"
        slug = explicit if isinstance(explicit, str) else name
        if explicit is not None and explicit == slugs.get(i) and explicit != name:
            entry = replace(entry, front={**entry.front, "slug": explicit})  # the slug that keeps its old URL
        folder = "content/posts" if kind == "post" else "content/pages"
        target = f"{folder}/{name}/index.md" if entry.doc.bundle is not None else f"{folder}/{name}.md"
        used[kind].add(name.casefold())
        taken[claim(entry, slug)] = entry.doc.shown
        clash = [p for p in (f"{folder}/{name}.md", f"{folder}/{name}.markdown", f"{folder}/{name}")
                 if (site.root / p).exists() or (site.root / p).is_symlink()]
        occupied = bool(clash) and clash[0] not in replaced and (site.root / target).is_file() \
            and not (site.root / target).is_symlink()
        if clash and clash[0] not in replaced and not occupied:
            conflicts.append(Problem(clash[0], None, f"already exists; not overwritten (importing {entry.doc.shown})"))
            continue
        if slug.casefold() in existing[kind] and not occupied:  # an occupied file is compared once converted
            conflicts.append(Problem(existing[kind][slug.casefold()], None,
                                     f"already has slug '{slug}'; {entry.doc.shown} not imported (it would take the same URL)"))
            continue
        placed.append(Placed(entry, target, slug, occupied))
    return placed, conflicts, findings


# --- URLs and aliases -----------------------------------------------------------------------------


def new_url(item: Placed, config: Config, permalink: str) -> str:
    if item.entry.doc.kind == "page":
        return join_url(config.base_path, f"/{item.slug}/")
    return join_url(config.base_path, expand_permalink(permalink, item.slug, post_moment(item.entry, config)))


def alias_file(config: Config, alias: str) -> str | None:
    """The output file an alias is written to (casefolded, as collisions are judged), or None if it cannot be one."""
    path = alias if alias.endswith("/") or alias.endswith(".html") else alias + "/"
    try:
        return output_file(join_url(config.base_path, path), config.base_path).casefold()
    except ValueError:
        return None


def reserved_file(rel: str, theme_files: Iterable[str] = ()) -> bool:
    """Whether blogen writes this output file itself (home, lists, feeds, the 404 page, theme files)."""
    rel = rel.casefold()
    top = rel.split("/", 1)[0]
    if rel in ("index.html", "404.html", "feed.xml", "archive/index.html") or rel in set(theme_files):
        return True
    return top in ("tags", "page", "categories", "series") and "/" in rel


def claimed_files(urls: Mapping[str, str], base_path: str) -> dict[str, str]:
    """The output file each URL makes (case folded, as case-insensitive file systems see it) -> its owner;
    a URL no file can serve is left out."""
    claimed: dict[str, str] = {}
    for url, owner in urls.items():
        try:
            claimed[output_file(url, base_path).casefold()] = owner
        except ValueError:
            continue
    return claimed


def settle_aliases(placed: Sequence[Placed], config: Config, urls: Mapping[str, str], theme_files: frozenset[str],
                   old_urls: Mapping[str, list[str]]) -> tuple[dict[str, list[str]], list[Finding]]:
    """Each document's aliases: its old URLs that blogen can serve as redirects; the others reported."""
    claimed = claimed_files(urls, config.base_path)
    out: dict[str, list[str]] = {}
    findings: list[Finding] = []
    for item in placed:
        kept: list[str] = []
        for alias in old_urls.get(item.target, []):
            out_file = alias_file(config, alias)
            if out_file is None or "\0" in alias:
                findings.append(Finding(item.entry.doc.shown, None, "old-url", f"old URL {alias} cannot be a file; not kept"))
                continue
            holder = claimed.get(out_file)
            if holder == item.target:
                continue
            if holder is not None or reserved_file(out_file, theme_files):
                taken = "blogen's own page" if holder is None else f"taken by {holder}"
                findings.append(Finding(item.entry.doc.shown, None, "old-url", f"old URL {alias} is now {taken}; no redirect from it"))
                continue
            claimed[out_file] = item.target
            kept.append(alias)
        out[item.target] = kept
    return out, findings

