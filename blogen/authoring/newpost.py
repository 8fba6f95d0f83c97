"""``blogen new``: a new post's file, with the site's own slugs and tag spellings read leniently first.

A new post is a draft unless asked otherwise (as Hugo's ``new`` makes one), so a half-written
post never goes out with the next ``blogen build``. Its tags are written the way the site
already writes them: ``--tags Linux,linux`` is one tag, and ``linux`` comes out as ``Linux``
when the other posts say ``Linux``, so the build has no two spellings to warn about.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from blogen.authoring.scaffold import format_front_matter, now_in, refuse_outside, write_new
from blogen.content.frontmatter import split_source
from blogen.content.inputs import SOURCE_SUFFIXES, is_editor_noise
from blogen.core.errors import BlogenError
from blogen.core.files import read_regular
from blogen.core.limits import name_too_long
from blogen.core.urls import check_slug, slugify

_DATE_PREFIX = re.compile(r"^(\d{4})-(\d\d)-(\d\d)-(.+)$")


@dataclass(frozen=True, slots=True)
class PostScan:
    """What ``new`` needs to know of the posts already there."""

    slugs: dict[str, str] = field(default_factory=dict)  # slug (case-folded) -> source of the post that has it
    tags: dict[str, Counter[str]] = field(default_factory=dict)  # tag slug -> spellings used, with counts


def _post_files(posts: Path) -> Iterable[tuple[Path, str]]:
    """Each post source under ``posts`` with the name its slug comes from (file stem or bundle folder)."""
    for folder, dirs, files in os.walk(posts):
        dirs[:] = sorted(d for d in dirs if not is_editor_noise(d))
        here = Path(folder)
        for name in sorted(files):
            if is_editor_noise(name) or not name.endswith(SOURCE_SUFFIXES) \
                    or any("\udc80" <= ch <= "\udcff" for ch in name):  # not valid UTF-8: the build refuses it
                continue
            if name.rsplit(".", 1)[0] == "index" and here != posts:
                yield here / name, here.name
            elif here == posts:
                yield here / name, name.rsplit(".", 1)[0]
            # any other Markdown file inside a bundle is an asset of it


def _tag_names(value: object) -> list[str]:
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    if isinstance(value, list):
        return [t.strip() for t in value if isinstance(t, str) and t.strip()]
    return []


def scan_posts(root: Path) -> PostScan:
    """Slugs and tag spellings of every post, read leniently: a broken post must not stop ``new``.

    A post's slug is its front-matter ``slug`` if it has one, and both its file (or bundle) name
    and that slug are taken, since either could be what a new post would collide with.
    """
    posts = root / "content" / "posts"
    scan = PostScan()
    if not posts.is_dir():
        return scan
    for path, stem in _post_files(posts):
        m = _DATE_PREFIX.match(stem)
        rel = path.relative_to(root).as_posix()
        scan.slugs.setdefault(slugify(m.group(4) if m else stem).casefold(), rel)
        try:  # by the boundary rule: a FIFO or a symlink leading out is passed over, never opened
            split, _ = split_source(read_regular(path, inside=root).decode("utf-8"), rel)
        except (OSError, UnicodeDecodeError):
            continue
        if split is None:
            continue
        if isinstance(split.values.get("slug"), str):
            scan.slugs.setdefault(split.values["slug"].strip().casefold(), rel)
        for name in _tag_names(split.values.get("tags")):
            if key := slugify(name, keep_symbols=True):
                scan.tags.setdefault(key, Counter())[name] += 1
    return scan


def post_slugs(root: Path) -> dict[str, str]:
    """Slug (case-folded) -> source of every post (see ``scan_posts``)."""
    return scan_posts(root).slugs


def fold_tags(given: Iterable[str], site: Mapping[str, Counter[str]], aliases: Mapping[str, str] | None = None,
              names: Mapping[str, str] | None = None) -> list[str]:
    """``given`` with the spellings of one tag folded into one, as the build folds them.

    Each tag is written as the site's posts mostly write it (the spelling the build shows), else as
    ``tag_names`` shows it, else as first given; ``tag_aliases`` fold one tag into another first.
    """
    fold = {slugify(k, keep_symbols=True): slugify(v, keep_symbols=True) for k, v in (aliases or {}).items()}
    shown = {slugify(k, keep_symbols=True): v for k, v in (names or {}).items()}
    spellings: dict[str, Counter[str]] = {}
    for key, counts in site.items():
        spellings.setdefault(fold.get(key, key), Counter()).update(counts)
    out: dict[str, str] = {}
    for name in (t.strip() for t in given):
        key = slugify(name, keep_symbols=True)
        if not key:
            continue
        key = fold.get(key, key)
        if key in out:
            continue
        known = spellings.get(key)
        if known:
            out[key] = sorted(known.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        else:
            out[key] = shown.get(key, name)
    return list(out.values())


@dataclass(frozen=True, slots=True)
class NewPost:
    path: Path
    slug: str
    tags: tuple[str, ...]  # as written into the front matter


def new_post_text(title: str, when: datetime, tags: Iterable[str], draft: bool) -> str:
    """The text of a new post: front matter and an empty body for the author to fill."""
    values: dict[str, Any] = {"title": title, "date": when}
    tag_list = [t for t in (t.strip() for t in tags) if t]
    if tag_list:
        values["tags"] = tag_list
    if draft:
        values["draft"] = True
    return format_front_matter(values) + "\n"


def new_post(root: Path, title: str, tz: tzinfo, *, tags: Iterable[str] = (), draft: bool = True, slug: str | None = None,
             bundle: bool = False, now: datetime | None = None, tag_aliases: Mapping[str, str] | None = None,
             tag_names: Mapping[str, str] | None = None) -> NewPost:
    """Write ``content/posts/<slug>.md`` (or ``<slug>/index.md``); raise BlogenError rather than overwrite or reuse a slug."""
    if not title.strip():
        raise BlogenError.one("content/posts", None, "the title is empty; give the post a title, e.g. blogen new \"Fixing sshd\"")
    title = title.strip()
    chosen = slug if slug is not None else slugify(title)
    if not chosen:
        raise BlogenError.one("content/posts", None, f"title '{title}' has no letters or digits to make a slug from; give one with --slug")
    why = check_slug(chosen) or name_too_long(chosen, f"slug '{chosen[:32]}…'")
    if why:
        raise BlogenError.one("content/posts", None, why + (" (give a shorter one with --slug)" if slug is None else ""))
    rel = f"content/posts/{chosen}/index.md" if bundle else f"content/posts/{chosen}.md"
    scan = scan_posts(root)
    if chosen.casefold() in scan.slugs:
        other = scan.slugs[chosen.casefold()]
        raise BlogenError.one(other, None, f"a post with slug '{chosen}' already exists; choose another with --slug")
    for candidate in (f"content/posts/{chosen}.md", f"content/posts/{chosen}.markdown", f"content/posts/{chosen}"):
        if (root / candidate).exists():
            raise BlogenError.one(candidate, None, f"already exists; not overwritten (a post with slug '{chosen}')")
    folded = fold_tags(tags, scan.tags, tag_aliases, tag_names)
    path = root / rel
    refuse_outside(root.absolute(), [root.absolute() / rel])
    if not write_new(path, new_post_text(title, now_in(tz, now), folded, draft)):
        raise BlogenError.one(rel, None, "already exists; not overwritten")
    return NewPost(path, chosen, tuple(folded))
