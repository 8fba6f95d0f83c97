"""Make new things in a site: the skeleton of a new site (init), a new post (new) and an editable copy of the theme (eject).

The texts are built by pure functions; the few functions that touch the disk never overwrite a
file (they open with ``x`` mode), because a user must never lose something they wrote.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from blogen.content.frontmatter import split_source
from blogen.content.sources import SOURCE_SUFFIXES, is_editor_noise
from blogen.core.errors import BlogenError, Problem
from blogen.core.urls import check_slug, slugify

_DATE_PREFIX = re.compile(r"^(\d{4})-(\d\d)-(\d\d)-(.+)$")


# --- front matter that blogen reads back exactly --------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Safe YAML whose multi-line strings are literal blocks (``|``), as a person would write them."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data.strip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def _yaml_value(value: Any, *, flow: bool) -> str:
    """One YAML value, quoted by PyYAML so that ``:``, quotes, ``yes`` or ``1.10`` come back as written."""
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=flow, allow_unicode=True, sort_keys=False, width=10_000)
    return text.removesuffix("...\n").rstrip("\n")


def format_front_matter(values: Mapping[str, Any]) -> str:
    """A ``---`` block for ``values`` in their order; dates are written as YAML timestamps, unquoted.

    ``yaml.safe_dump`` does the quoting (a title like ``C++: "why"`` must round-trip); dates are
    written by hand in ISO 8601 because that is what a person would type and what blogen reads.
    """
    lines = ["---"]
    for key, value in values.items():
        if isinstance(value, date):  # datetime too
            lines.append(f"{key}: {value.isoformat()}")
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            lines.append(f"{key}: {_yaml_value(list(value), flow=True)}")
        elif isinstance(value, dict):
            dumped = _yaml_value(value, flow=False)
            lines.append(f"{key}:")
            lines.extend("  " + line for line in dumped.split("\n"))
        else:
            lines.append(f"{key}: {_yaml_value(value, flow=True)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def now_in(tz: tzinfo, now: datetime | None = None) -> datetime:
    """The current time in ``tz`` to the second: what ``date:`` of a new post says."""
    when = now if now is not None else datetime.now(tz)
    return when.astimezone(tz).replace(microsecond=0)


# --- blogen init ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteFile:
    """A file of a new site: its path relative to the site folder and its text."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class InitReport:
    created: tuple[str, ...]
    skipped: tuple[str, ...]  # existing files left alone (only with --force)


def guess_timezone() -> str:
    """The machine's IANA time zone (``TZ``, then ``/etc/localtime``, then ``/etc/timezone``), else UTC.

    A new site's dates should mean the author's local time without them having to look up a name.
    """
    candidates: list[str] = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if not name or name.startswith("/"):
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return "UTC" if name in {"Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu", "Etc/Universal", "Etc/Zulu"} else name
    return "UTC"


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON escaping is valid TOML for the characters a title can hold)."""
    import json

    return json.dumps(text, ensure_ascii=False)


_CONFIG_TEMPLATE = """\
# The configuration of this blogen site. `blogen build` checks every key and reports all
# problems at once, naming the line; an unknown key gets a "did you mean".

# The site's name: the header, page titles and feeds show it.
title = {title}
# Your name, as the author of the site and its feeds (the title is used when empty).
author = {author}
# One sentence about the site, for search engines, link previews and the feeds.
description = "Notes I want to find again."
# The address the site will be published at, ending in "/". The Atom feeds need absolute links,
# so this must be a full http(s) URL: CHANGE IT to your own (a sub-path like
# "https://example.org/notes/" works too). `blogen build --base-url URL` overrides it once.
base_url = "https://example.org/"
# The language of your writing, as a tag like "en" or "en-GB" (for <html lang> and the feeds).
language = "en"
# The IANA time zone that dates without an offset are in, and that `blogen new` dates posts in.
timezone = {timezone}
# The URL of each post. Tokens: {{year}} {{month}} {{day}} {{slug}}; it must contain {{slug}} and
# end with "/" (a clean URL) or ".html".
permalink = "/posts/{{slug}}/"
# How many posts each page of the home page and of the tag pages lists.
posts_per_page = 10
# Where `blogen build` writes the site. blogen owns this folder and replaces its contents.
output = "output"
# A Markdown file larger than this many megabytes is refused (it is likely generated by mistake).
max_source_mb = 16
# A link or image that points at nothing stops the build ("error"); "warning" reports it and
# builds anyway, e.g. while an imported blog still links to files not brought over yet.
broken_links = "error"

# How Markdown becomes HTML.
[markdown]
# Let HTML written in posts through as-is (turn off for text you did not write yourself).
raw_html = true
# Turn "straight quotes", -- and ... into typographic quotes, dashes and an ellipsis.
smart_punctuation = false

# Code highlighting: Pygments style names (list them with `pygmentize -L styles`).
[highlight]
# The style for readers whose system is in light mode.
light = "default"
# The style for dark mode.
dark = "monokai"
# Number the lines of every code block (one block can still say `linenos=false`).
line_numbers = false

# The Atom feeds: /feed.xml for the site, /tags/<tag>/feed.xml for each tag.
[feed]
# Publish feeds at all.
enabled = true
# The newest N posts in each feed; 0 for all of them.
entries = 20
# The whole post in each entry; false for the summary only.
full_content = true
# A feed per tag as well as the site feed.
tags = true

# Images wider than 800 px that pages show get smaller copies (WebP and their own format),
# offered through srcset; the originals are published too.
[images]
# Make the copies at all; false shows every image as it is (with its width and height).
resize = true
# Widths of the copies in pixels; an image gets those narrower than itself.
widths = [400, 800, 1200, 1600]
# JPEG and WebP quality of the copies, 1 to 100.
quality = 80

# How a tag is shown, keyed by any spelling used in front matter, e.g. selinux = "SELinux".
[tag_names]

# Spellings that are the same tag as another, e.g. golang = "go".
[tag_aliases]

# Free values for your own templates (as config.extra.<key>), e.g. mastodon = "@me@example.org".
[extra]
"""

_SAMPLE_POST_BODY = """\
This is the first post of your new site. Edit it, or delete it and start your own with:

```sh
blogen new "My first note" --tags linux,til
```

<!-- more -->

Everything above the `<!-- more -->` line is the summary on the home page and in the feeds.

## Code

Fenced code is highlighted; `linenos` numbers the lines and `hl_lines` marks some:

```python linenos hl_lines=2
def greet(name: str) -> str:
    return f"Hello, {name}!"
```

## Links and images

Link to another page by its file, [like this](../pages/about.md), and blogen checks the link
at every build. Put a post's images beside it: make the post a folder,
`content/posts/my-post/index.md`, with the images next to `index.md`.
"""

_ABOUT_PAGE = """\
---
title: About
---

Who writes here, and why. This page lives in `content/pages/about.md`; every file in
`content/pages/` becomes a page at `/<name>/`, outside the stream of dated posts.
"""

_GITIGNORE = """\
# Written by `blogen build` and `blogen serve`; made again from content/ at any time.
output/
.blogen-cache/
# Beside output/: the spare copy the next build updates, its manifests and the build lock.
.*.blogen-*
"""


def skeleton_files(*, title: str, author: str, timezone: str, now: datetime) -> tuple[SiteFile, ...]:
    """Every file of a new site; the sample post is dated ``now`` so it is published at once."""
    config = _CONFIG_TEMPLATE.format(title=_toml_string(title), author=_toml_string(author), timezone=_toml_string(timezone))
    post = format_front_matter({"title": "Hello, blogen", "date": now, "tags": ["blogen", "notes"]}) + "\n" + _SAMPLE_POST_BODY
    return (
        SiteFile("blogen.toml", config),
        SiteFile(".gitignore", _GITIGNORE),
        SiteFile("content/posts/hello-blogen.md", post),
        SiteFile("content/pages/about.md", _ABOUT_PAGE),
        SiteFile("content/static/.gitkeep", ""),
    )


def readable_name(name: str) -> str:
    """``my-first_post`` as ``My first post``: a title for a site or post that has none."""
    words = " ".join(re.split(r"[-_\s]+", name)).strip()
    return words[:1].upper() + words[1:] if words else name


def _write_new(path: Path, text: str | bytes) -> bool:
    """Create ``path`` with ``text``; False (and nothing written) if it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if isinstance(text, bytes):
            with path.open("xb") as fb:
                fb.write(text)
        else:
            with path.open("x", encoding="utf-8", newline="\n") as ft:
                ft.write(text)
    except FileExistsError:
        return False
    return True


def init_site(dest: Path, *, force: bool = False, title: str | None = None, author: str = "",
              timezone: str | None = None, now: datetime | None = None) -> InitReport:
    """Write a new site into ``dest``; refuse a non-empty folder unless ``force``, and never overwrite a file."""
    shown = str(dest)
    if dest.exists() and not dest.is_dir():
        raise BlogenError.one(shown, None, "exists and is not a folder")
    if dest.is_dir() and not force:
        existing = sorted(e.name for e in os.scandir(dest))
        if existing:
            listed = ", ".join(existing[:5]) + (", ..." if len(existing) > 5 else "")
            raise BlogenError.one(shown, None, f"folder is not empty ({listed}); choose a new folder, or add --force "
                                  "to add the missing files (existing files are never overwritten)")
    tz_name = timezone or guess_timezone()
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BlogenError.one(shown, None, f"unknown timezone '{tz_name}' (use an IANA name like 'Europe/Berlin')") from None
    site_title = title or readable_name(dest.resolve().name) or "Notes"
    files = skeleton_files(title=site_title, author=author, timezone=tz_name, now=now_in(tz, now))
    created: list[str] = []
    skipped: list[str] = []
    for f in files:
        (created if _write_new(dest / f.path, f.text) else skipped).append(f.path)
    return InitReport(tuple(created), tuple(skipped))


# --- blogen theme eject ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EjectReport:
    written: tuple[str, ...]  # relative to the site root
    overwritten: tuple[str, ...]


def _theme_files(theme: Path) -> list[str]:
    out: list[str] = []
    for part in ("templates", "static"):
        top = theme / part
        if not top.is_dir():
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not is_editor_noise(d))
            out.extend((Path(folder) / f).relative_to(theme).as_posix() for f in sorted(files) if not is_editor_noise(f))
    return sorted(out)


def eject_theme(root: Path, builtin: Path, *, force: bool = False) -> EjectReport:
    """Copy the built-in theme's templates and static files into ``root/theme/`` for editing.

    Without ``force`` nothing is copied if any target exists, so a half-ejected theme never mixes
    the user's edits with fresh copies.
    """
    theme = root / "theme"
    if theme.resolve() == builtin.resolve():
        raise BlogenError.one("theme", None, "this site's theme/ is the built-in theme itself; nothing to eject")
    names = _theme_files(builtin)
    existing = [n for n in names if (theme / n).exists()]
    if existing and not force:
        raise BlogenError(Problem(f"theme/{n}", None, "already exists; not overwritten (use --force to replace it with the built-in version)")
                          for n in existing)
    for n in names:
        target = theme / n
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(builtin / n, target)
    return EjectReport(tuple(f"theme/{n}" for n in names), tuple(f"theme/{n}" for n in existing))


# --- blogen new -----------------------------------------------------------------------------------


def post_slugs(root: Path) -> dict[str, str]:
    """Slug (case-folded) -> source of every post, read leniently: a broken post must not stop ``new``.

    A post's slug is its front-matter ``slug`` if it has one, and both its file (or bundle) name
    and that slug are taken, since either could be what a new post would collide with.
    """
    posts = root / "content" / "posts"
    found: dict[str, str] = {}
    if not posts.is_dir():
        return found
    for folder, dirs, files in os.walk(posts):
        dirs[:] = sorted(d for d in dirs if not is_editor_noise(d))
        here = Path(folder)
        for name in sorted(files):
            if is_editor_noise(name) or not name.endswith(SOURCE_SUFFIXES):
                continue
            path = here / name
            if name.rsplit(".", 1)[0] == "index" and here != posts:
                stem = here.name
            elif here == posts:
                stem = name.rsplit(".", 1)[0]
            else:
                continue  # a Markdown file inside a bundle is an asset of it
            m = _DATE_PREFIX.match(stem)
            rel = path.relative_to(root).as_posix()
            found.setdefault(slugify(m.group(4) if m else stem).casefold(), rel)
            try:
                split, _ = split_source(path.read_text(encoding="utf-8"), rel)
            except (OSError, UnicodeDecodeError):
                continue
            if split is not None and isinstance(split.values.get("slug"), str):
                found.setdefault(split.values["slug"].strip().casefold(), rel)
    return found


@dataclass(frozen=True, slots=True)
class NewPost:
    path: Path
    slug: str


def new_post_text(title: str, when: datetime, tags: Iterable[str], draft: bool) -> str:
    """The text of a new post: front matter and an empty body for the author to fill."""
    values: dict[str, Any] = {"title": title, "date": when}
    tag_list = [t for t in (t.strip() for t in tags) if t]
    if tag_list:
        values["tags"] = tag_list
    if draft:
        values["draft"] = True
    return format_front_matter(values) + "\n"


def new_post(root: Path, title: str, tz: tzinfo, *, tags: Iterable[str] = (), draft: bool = False, slug: str | None = None,
             bundle: bool = False, now: datetime | None = None) -> NewPost:
    """Write ``content/posts/<slug>.md`` (or ``<slug>/index.md``); raise BlogenError rather than overwrite or reuse a slug."""
    chosen = slug if slug is not None else slugify(title)
    if not chosen:
        raise BlogenError.one("content/posts", None, f"title '{title}' has no letters or digits to make a slug from; give one with --slug")
    why = check_slug(chosen)
    if why:
        raise BlogenError.one("content/posts", None, why)
    rel = f"content/posts/{chosen}/index.md" if bundle else f"content/posts/{chosen}.md"
    taken = post_slugs(root)
    if chosen.casefold() in taken:
        other = taken[chosen.casefold()]
        raise BlogenError.one(other, None, f"a post with slug '{chosen}' already exists; choose another with --slug")
    for candidate in (f"content/posts/{chosen}.md", f"content/posts/{chosen}.markdown", f"content/posts/{chosen}"):
        if (root / candidate).exists():
            raise BlogenError.one(candidate, None, f"already exists; not overwritten (a post with slug '{chosen}')")
    path = root / rel
    if not _write_new(path, new_post_text(title, now_in(tz, now), tags, draft)):
        raise BlogenError.one(rel, None, "already exists; not overwritten")
    return NewPost(path, chosen)
