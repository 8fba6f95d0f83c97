"""Make new things in a site: the skeleton of a new site (init) and an editable copy of the theme (eject);
the front-matter writing and file creation that ``newpost`` (``blogen new``) and the importers share.

The texts are built by pure functions; the few functions that touch the disk never overwrite a
file (they open with ``x`` mode), because a user must never lose something they wrote, and write
nothing outside the site: a folder on the way that is a symlink leading out of it is refused
(``refuse_outside``, by ``blogen.core.files.check_inside``), and a file is replaced, never written
through a symlink.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from blogen.authoring.ci import ci_file
from blogen.content.inputs import is_editor_noise
from blogen.core.errors import BlogenError, Problem
from blogen.core.files import check_inside, is_inside, read_regular, write_atomic

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
# "https://you.github.io/notes/" works too). Until then `blogen build` warns that it is a
# placeholder, and `--strict` fails. `blogen build --base-url URL` overrides it for one build.
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
# Each post and page lists the posts that link to it ("Linked from"); false leaves them out.
backlinks = true

# How Markdown becomes HTML.
[markdown]
# Let HTML written in posts through as-is (turn off for text you did not write yourself).
raw_html = true
# Turn "straight quotes", -- and ... into typographic quotes, dashes and an ellipsis.
smart_punctuation = false
# How heading ids are made: "blogen", "github" (as GitHub and Hugo make them) or "kramdown" (Jekyll).
# Pick your old generator's, so links to /post/#section from elsewhere still land.
heading_ids = "blogen"

# Code highlighting: Pygments style names (list them with `pygmentize -L styles`). The two
# defaults keep every token readable (WCAG AA contrast) on the theme's code backgrounds.
[highlight]
# The style for readers whose system is in light mode.
light = "xcode"
# The style for dark mode.
dark = "github-dark"
# Number the lines of every code block (one block can still say `linenos=false`).
line_numbers = false

# The feeds: Atom at /feed.xml for the site and /tags/<tag>/feed.xml for each tag (and each
# category and series), with a JSON Feed beside each (feed.json).
[feed]
# Publish feeds at all.
enabled = true
# The newest N posts in each feed; 0 for all of them.
entries = 20
# The whole post in each entry; false for the summary only.
full_content = true
# A feed per tag as well as the site feed.
tags = true
# A JSON Feed 1.1 beside each Atom feed.
json = true

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

# Ways to group posts besides tags, each from its front-matter key: `categories: [linux]`, or
# `series: Building a NAS` (each post of a series shows "Part 2 of 5" and links to every part).
# Each term gets a page at /<path>/<term>/, listed at /<path>/, with feeds. `series = false` under
# [taxonomies] turns one off; a table of your own, like [taxonomies.authors], adds one.
[taxonomies.categories]
# The URL segment: /categories/<category>/.
path = "categories"
# How a category is shown, keyed by any spelling used in front matter, as [tag_names] does.
names = {{}}
# Spellings that are the same category as another, as [tag_aliases] does.
aliases = {{}}
# A feed per category.
feed = true

[taxonomies.series]
# The URL segment: /series/<series>/.
path = "series"

# Free values for your own templates (as site.extra.<key>), e.g. mastodon = "@me@example.org".
[extra]

# A search page (/search/) and a search box in the header, working from the built files alone:
# no server, and a reader's browser loads only the parts of the index a query needs.
[search]
# Publish the search page and its index (a few KB per post).
enabled = true
# Index the pages (about, now) as well as the posts. Front matter `search: false` leaves one out.
pages = true

# Comments under each post, off until you pick a provider: giscus (GitHub Discussions) or
# utterances (GitHub issues). Their script loads from their host only when a reader clicks "Show
# comments" (or, with load = "scroll", scrolls to them). https://giscus.app shows your ids.
# Front matter `comments: false` turns them off for one post.
[comments]
# provider = "giscus"
# repo = "you/notes"
# repo_id = "R_..."
# category = "Comments"
# category_id = "DIC_..."
# A "Discuss on Mastodon" link under each post; a post's `mastodon:` front matter links its own toot.
# mastodon = "@you@example.social"

# Page-view counts without cookies, off until you pick a provider: Plausible (`domain` is
# base_url's host unless you set it) or GoatCounter (`code`, as in https://CODE.goatcounter.com).
[analytics]
# provider = "plausible"

# Where `blogen deploy` sends the built site, with rsync (over ssh, or to a local folder).
[deploy]
# rsync = "you@example.org:/var/www/notes/"
# Remove files from there that the site no longer has (only inside that folder).
# delete = true
# Paths on the server that deploy neither sends nor deletes.
# exclude = [".well-known/"]
"""

_SAMPLE_POST_BODY = """\
This is the first post of your new site. Edit it, or delete it and start your own with:

```sh
blogen new "My first note" --tags linux,til
```

That writes a draft: `blogen serve` shows it, `blogen build` leaves it out until you delete its
`draft: true` line.

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


def refuse_outside(root: Path, paths: Iterable[Path]) -> None:
    """Refuse, naming each folder, paths whose folders lead out of ``root`` through a symlink: then
    nothing at all is written."""
    problems: dict[str, Problem] = {}
    for path in paths:
        if check_inside(path, root) is not None:
            parts = path.relative_to(root).parts[:-1] if path.is_relative_to(root) else ()
            folder = next((root.joinpath(*parts[:n]) for n in range(1, len(parts) + 1)
                           if not is_inside(root.joinpath(*parts[:n]), root)), path.parent)  # the first to lead out
            rel = folder.relative_to(root).as_posix() if folder.is_relative_to(root) else str(folder)
            problems.setdefault(rel, Problem(rel, None, f"leads outside the site (to {os.path.realpath(folder)}); "
                                                         "nothing was written: blogen writes nothing outside the site"))
    if problems:
        raise BlogenError(problems.values())


def write_new(path: Path, text: str | bytes) -> bool:
    """Create ``path`` with ``text``; False (and nothing written) if anything, a symlink too, is there already.
    Raises BlogenError naming the path when it cannot be written (a full disk, no permission)."""
    try:
        return _create(path, text)
    except FileExistsError:
        return False
    except OSError as exc:
        raise BlogenError.one(str(path), None, f"cannot write: {exc.strerror or exc}") from None


def _create(path: Path, text: str | bytes) -> bool:
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
              timezone: str | None = None, now: datetime | None = None, ci: str | None = None) -> InitReport:
    """Write a new site into ``dest``; refuse a non-empty folder unless ``force``, and never overwrite a file.

    ``ci`` (``github`` or ``gitlab``) adds a job that builds and publishes the site to Pages.
    """
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
    if ci is not None:
        job = ci_file(ci)
        files = (*files, SiteFile(job.path, job.text))
    refuse_outside(dest.absolute(), [dest.absolute() / f.path for f in files])
    created: list[str] = []
    skipped: list[str] = []
    for f in files:
        (created if write_new(dest / f.path, f.text) else skipped).append(f.path)
    return InitReport(tuple(created), tuple(skipped))


# --- blogen theme eject ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EjectReport:
    written: tuple[str, ...]  # relative to the site root
    overwritten: tuple[str, ...]


def _theme_files(theme: Path) -> list[str]:
    out: list[str] = []
    for part in ("templates", "shortcodes", "static"):
        top = theme / part
        if not top.is_dir():
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not is_editor_noise(d))
            out.extend((Path(folder) / f).relative_to(theme).as_posix() for f in sorted(files) if not is_editor_noise(f))
    return sorted(out)


def eject_theme(root: Path, builtin: Path, *, force: bool = False) -> EjectReport:
    """Copy the built-in theme's templates, shortcode templates and static files into ``root/theme/`` for editing.

    Without ``force`` nothing is copied if any target exists, so a half-ejected theme never mixes
    the user's edits with fresh copies.
    """
    root = root.absolute()
    theme = root / "theme"
    if theme.resolve() == builtin.resolve():
        raise BlogenError.one("theme", None, "this site's theme/ is the built-in theme itself; nothing to eject")
    names = _theme_files(builtin)
    refuse_outside(root, [theme / n for n in names])
    existing = [n for n in names if os.path.lexists(theme / n)]
    if existing and not force:
        raise BlogenError(Problem(f"theme/{n}", None, "already exists; not overwritten (use --force to replace it with the built-in version)")
                          for n in existing)
    for n in names:  # a symlink standing at a target is replaced by the file, never written through
        try:
            write_atomic(theme / n, read_regular(builtin / n, inside=builtin, where="the built-in theme"))
        except OSError as exc:
            raise BlogenError.one(f"theme/{n}", None, f"cannot write: {exc.strerror or exc}") from None
    return EjectReport(tuple(f"theme/{n}" for n in names), tuple(f"theme/{n}" for n in existing))
