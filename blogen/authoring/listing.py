"""What ``blogen list`` shows: every post with its date, title, tags and state, and the tags with counts.

It reads front matter only (no Markdown rendering), so it answers at once even for a large site.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Literal

from blogen.content.sources import Document, load_content
from blogen.core.config import Config, load_config
from blogen.core.errors import Problem
from blogen.core.urls import expand_permalink, join_url, slugify

State = Literal["draft", "scheduled", "published"]
_ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")


@dataclass(frozen=True, slots=True)
class PostRow:
    source: str
    title: str
    slug: str
    url: str | None  # None when the post has no date (the build reports that)
    date: datetime | None
    tags: tuple[str, ...]  # display names, as the tag pages show them
    state: State


@dataclass(frozen=True, slots=True)
class TagRow:
    name: str
    slug: str
    count: int


@dataclass(frozen=True, slots=True)
class Listing:
    posts: tuple[PostRow, ...]  # newest first
    tags: tuple[TagRow, ...]  # most used first
    warnings: tuple[Problem, ...]
    hidden_drafts: int = 0  # drafts left out (without --drafts), so the table can say they exist


def leading_title(body: str) -> str | None:
    """The text of a level-1 heading that opens the body, which blogen uses when there is no ``title:``."""
    lines = [line for line in body.split("\n")]
    i = next((n for n, line in enumerate(lines) if line.strip()), None)
    if i is None:
        return None
    m = _ATX_H1.match(lines[i])
    if m:
        return m.group(1).strip()
    if i + 1 < len(lines) and _SETEXT_H1.match(lines[i + 1]) and not lines[i].startswith("    "):
        return lines[i].strip()
    return None


def _state(doc: Document, when: datetime | None, now: datetime) -> State:
    if doc.meta.draft:
        return "draft"
    if when is not None and when > now:
        return "scheduled"
    return "published"


def make_listing(config: Config, documents: Sequence[Document], *, now: datetime, drafts: bool = False,
                 warnings: Sequence[Problem] = ()) -> Listing:
    """The rows for ``documents`` (pure): drafts only with ``drafts``; tags folded the way the site folds them."""
    aliases = {slugify(k, keep_symbols=True): slugify(v, keep_symbols=True) for k, v in config.tag_aliases.items()}
    declared = {slugify(k, keep_symbols=True): v for k, v in config.tag_names.items()}
    spellings: dict[str, Counter[str]] = {}
    raw: list[tuple[Document, datetime | None, State, list[str]]] = []
    hidden = 0
    for doc in documents:
        if doc.kind != "post":
            continue
        when = doc.meta.date
        if when is None and doc.name_date is not None:
            when = datetime.combine(doc.name_date, time(), tzinfo=config.tzinfo)
        state = _state(doc, when, now)
        if state == "draft" and not drafts:
            hidden += 1
            continue
        slugs: list[str] = []
        for name in doc.meta.tags:
            slug = slugify(name, keep_symbols=True)
            if not slug:
                continue
            slug = aliases.get(slug, slug)
            spellings.setdefault(slug, Counter())[name] += 1
            if slug not in slugs:
                slugs.append(slug)
        raw.append((doc, when, state, slugs))
    names = {slug: declared.get(slug) or sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for slug, c in spellings.items()}
    counts: Counter[str] = Counter(slug for *_, slugs in raw for slug in slugs)
    rows: list[PostRow] = []
    for doc, when, state, slugs in raw:
        slug = doc.meta.slug or slugify(doc.name)
        url = join_url(config.base_path, expand_permalink(config.permalink, slug, when)) if when is not None else None
        title = doc.meta.title or leading_title(doc.body) or slug
        rows.append(PostRow(doc.source, title, slug, url, when, tuple(names[s] for s in slugs), state))
    oldest = datetime.min.replace(tzinfo=config.tzinfo)
    rows.sort(key=lambda r: (r.date or oldest, r.source), reverse=True)
    tags = sorted((TagRow(names[s], s, n) for s, n in counts.items()), key=lambda t: (-t.count, t.name.casefold(), t.slug))
    return Listing(tuple(rows), tuple(tags), tuple(warnings), hidden)


def list_site(root: Path, *, now: datetime, drafts: bool = False) -> Listing:
    """Read the site at ``root`` and list it; raises BlogenError if the config or content cannot be read."""
    config = load_config(root)
    content = load_content(config)
    return make_listing(config, content.documents, now=now, drafts=drafts, warnings=content.warnings)


def listing_json(listing: Listing) -> str:
    """A stable JSON document: ``{"posts": [...], "tags": [...]}``, keys in a fixed order, dates in ISO 8601."""
    doc = {
        "posts": [
            {"date": r.date.isoformat() if r.date else None, "title": r.title, "slug": r.slug, "url": r.url,
             "tags": list(r.tags), "state": r.state, "source": r.source}
            for r in listing.posts
        ],
        "tags": [{"name": t.name, "slug": t.slug, "count": t.count} for t in listing.tags],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def listing_table(listing: Listing) -> list[str]:
    """Aligned text lines: the posts, a blank line, then the tags with their counts."""
    post_rows = [(r.date.date().isoformat() if r.date else "-", r.state, r.title, ", ".join(r.tags)) for r in listing.posts]
    lines = _table(("DATE", "STATE", "TITLE", "TAGS"), post_rows)
    n = len(listing.posts)
    d = listing.hidden_drafts
    drafts = f"; {d} draft{'s' * (d != 1)} not listed (add --drafts)" if d else ""
    lines.append(f"({n} post{'s' * (n != 1)}{drafts})")
    if listing.tags:
        lines.append("")
        lines.extend(_table(("TAG", "POSTS"), [(t.name, str(t.count)) for t in listing.tags]))
    return lines
