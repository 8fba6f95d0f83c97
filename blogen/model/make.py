"""Making the model: posts and pages from documents, tags folded by slug, related posts, and the whole ``Site``.

``make_site`` is the pipeline's model stage: it turns every document and its rendered Markdown
into the immutable ``Site`` (the values are in ``blogen.model.values``), asking ``routes`` for every file
the site has and ``sitelinks`` to resolve the documents' links, and reports all problems at once.
"""

from __future__ import annotations

import heapq
import html as htmllib
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, time
from itertools import combinations
from types import MappingProxyType

from blogen.content.images import ImageInfo
from blogen.content.sources import Document, StaticFile
from blogen.core.config import Config
from blogen.core.errors import BlogenError, Problem, Severity
from blogen.core.urls import check_slug, expand_permalink, join_url, slugify
from blogen.markdown.render import Rendered
from blogen.model.links import resolve_site_links
from blogen.model.pictures import shown_image_problems
from blogen.model.routes import check_collisions, make_routes, variant_routes
from blogen.model.values import ModelMemo, Page, Post, Site, Tag, ThemeAsset, forget_others

WORDS_PER_MINUTE = 220
RELATED_LIMIT = 5
SUMMARY_CHARS = 280


_TAG_RE = re.compile(r"<[^>]+>")
_BLOCK_BREAK = re.compile(r"<(?:/(?:p|li|h[1-6]|div|pre|blockquote|td|th|figcaption|dt|dd)|br\s*/?)>", re.I)
_FIRST_P = re.compile(r"<p>.*?</p>", re.S)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, whitespace collapsed (for meta descriptions and feeds)."""
    return " ".join(htmllib.unescape(_TAG_RE.sub("", _BLOCK_BREAK.sub(" ", fragment))).split())


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"


def _summary(doc: Document, rendered: Rendered) -> tuple[str, str]:
    """(plain summary, summary HTML): front matter wins, then ``<!-- more -->``, then the first paragraph."""
    if doc.meta.summary:
        return doc.meta.summary, f"<p>{htmllib.escape(doc.meta.summary, quote=False)}</p>\n"
    if rendered.summary_html is not None:
        return shorten(html_to_text(rendered.summary_html)), rendered.summary_html
    m = _FIRST_P.search(rendered.html)
    if m is None:
        return shorten(html_to_text(rendered.html)), rendered.html
    return shorten(html_to_text(m.group(0))), m.group(0) + "\n"


class Builder:
    """Holds the problems list while the model is made; the Site it returns is immutable."""

    def __init__(self, config: Config, now: datetime) -> None:
        self.config = config
        self.now = now
        self.problems: list[Problem] = []

    def err(self, path: str, line: int | None, message: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(path, line, message, severity))

    def title(self, doc: Document, rendered: Rendered) -> str | None:
        title = doc.meta.title or rendered.title
        if not title:
            self.err(doc.source, 1, "no title: add 'title:' to the front matter or start the body with a '# Title' line")
        return title

    def slug(self, doc: Document) -> str | None:
        slug = doc.meta.slug or slugify(doc.name)
        why = check_slug(slug)
        if why:
            self.err(doc.source, doc.meta.lines.get("slug", 1), f"{why} (from {'front matter' if doc.meta.slug else 'the file name'})")
            return None
        return slug

    def make_post(self, doc: Document, rendered: Rendered) -> Post | None:
        title, slug = self.title(doc, rendered), self.slug(doc)
        when = doc.meta.date
        if when is None and doc.name_date is not None:
            when = datetime.combine(doc.name_date, time(), tzinfo=self.config.tzinfo)
        if when is None:
            self.err(doc.source, 1, "post has no date: add 'date: 2021-03-14' to the front matter (or name the file 2021-03-14-slug.md)")
        if title is None or slug is None or when is None:
            return None
        summary, summary_html = _summary(doc, rendered)
        return Post(
            source=doc.source, slug=slug, title=title,
            url=join_url(self.config.base_path, expand_permalink(self.config.permalink, slug, when)),
            date=when, updated=doc.meta.updated, tags=doc.meta.tags, summary=summary, summary_html=summary_html,
            html=rendered.html, toc=rendered.toc, show_toc=doc.meta.toc, words=rendered.words,
            reading_minutes=max(1, math.ceil(rendered.words / WORDS_PER_MINUTE)),
            image=doc.meta.image or rendered.first_image, draft=doc.meta.draft,
            template=doc.meta.template or "post.html", aliases=doc.meta.aliases, extra=doc.meta.extra,
            bundle=doc.bundle, assets=doc.assets, name=doc.name,
            public=not doc.meta.draft and when <= self.now, has_more=summary_html != rendered.html,
            image_line=doc.meta.lines.get("image") if doc.meta.image else None,
        )

    def make_page(self, doc: Document, rendered: Rendered) -> Page | None:
        title, slug = self.title(doc, rendered), self.slug(doc)
        if title is None or slug is None:
            return None
        summary, _ = _summary(doc, rendered)
        return Page(
            source=doc.source, slug=slug, title=title, url=join_url(self.config.base_path, f"/{slug}/"),
            summary=summary, html=rendered.html, toc=rendered.toc, show_toc=doc.meta.toc,
            template=doc.meta.template or "page.html", aliases=doc.meta.aliases, extra=doc.meta.extra,
            bundle=doc.bundle, assets=doc.assets,
        )

    def tags(self, posts: list[Post], docs: Mapping[str, Document],
             memo: ModelMemo | None = None) -> tuple[list[Post], list[Tag], dict[str, tuple[int, ...]]]:
        """Fold tag spellings into one tag per slug; report merges the config does not name."""
        aliases = {slugify(k, keep_symbols=True): slugify(v, keep_symbols=True) for k, v in self.config.tag_aliases.items()}
        declared = {slugify(k, keep_symbols=True): v for k, v in self.config.tag_names.items()}
        spellings: dict[str, Counter[str]] = {}
        first_seen: dict[tuple[str, str], str] = {}
        fixed: list[Post] = []
        for post in posts:
            slugs: list[str] = []
            for name in post.tags:
                slug = slugify(name, keep_symbols=True)
                if not slug:
                    self.err(post.source, docs[post.source].meta.lines.get("tags"), f"tag '{name}' has no letters or digits")
                    continue
                slug = aliases.get(slug, slug)
                spellings.setdefault(slug, Counter())[name] += 1
                first_seen.setdefault((slug, name), post.source)
                if slug not in slugs:
                    slugs.append(slug)
            tagged = memo.tagged.get(post.source) if memo is not None else None
            if tagged is not None and tagged[0] is post and tagged[1] == tuple(slugs):
                fixed.append(tagged[2])
            else:
                fixed.append(replace(post, tags=tuple(slugs)))
                if memo is not None:
                    memo.tagged[post.source] = (post, tuple(slugs), fixed[-1])
        if memo is not None:
            forget_others(memo.tagged, docs)
        tag_posts: dict[str, list[int]] = {}
        for i, post in enumerate(fixed):
            for slug in post.tags:
                tag_posts.setdefault(slug, []).append(i)
        tags: list[Tag] = []
        for slug, counts in spellings.items():
            if slug in declared:
                name = declared[slug]
            else:
                name = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
                if len(counts) > 1:
                    others = ", ".join(f"'{s}' ({first_seen[(slug, s)]})" for s in sorted(counts) if s != name)
                    where = first_seen[(slug, name)]
                    self.err(where, docs[where].meta.lines.get("tags"),
                             f"tag '{name}' is also written as {others}; they are one tag, shown as '{name}' "
                             f"(set tag_names.\"{name}\" in the config to choose the spelling and silence this)", "warning")
            tags.append(Tag(slug, name, join_url(self.config.base_path, f"/tags/{slug}/"), len(tag_posts[slug])))
        tags.sort(key=lambda t: (t.name.casefold(), t.slug))
        return fixed, tags, {k: tuple(v) for k, v in tag_posts.items()}


def _related(posts: Sequence[Post], tag_posts: Mapping[str, tuple[int, ...]],
             memo: ModelMemo | None = None) -> tuple[tuple[int, ...], ...]:
    """Up to RELATED_LIMIT posts per post, most shared tags first, then newest.

    The lists depend only on each post's position and tags, so that sequence is the memo's key.
    Counting every post of every tag for every post grows with the square of the site (0.65 s at
    5,000 posts); instead, the posts sharing two or more tags are found by intersecting the tags'
    sets, and the rest are the newest posts of its tags, taken from their (ordered) lists.
    """
    key = tuple(p.tags for p in posts)
    if memo is not None:
        hit = memo.related.get("")
        if hit is not None and hit[0] == key:
            return hit[1]
    members = {slug: frozenset(found) for slug, found in tag_posts.items()}
    out: list[tuple[int, ...]] = []
    for i, post in enumerate(posts):
        lists = [tag_posts[slug] for slug in post.tags]
        # A post in c of these tags is in c(c-1)/2 of their pairwise intersections: more pairs, more tags shared.
        pairs: Counter[int] = Counter()
        for a, b in combinations(post.tags, 2):
            pairs.update(members[a] & members[b])
        del pairs[i]
        best = sorted(pairs, key=lambda j: (-pairs[j], j))[:RELATED_LIMIT]
        if len(best) < RELATED_LIMIT:
            taken = {i, *best}
            for j in heapq.merge(*lists):
                if j not in taken:
                    best.append(j)
                    taken.add(j)
                    if len(best) == RELATED_LIMIT:
                        break
        out.append(tuple(best))
    if memo is not None:
        memo.related[""] = (key, tuple(out))
    return tuple(out)


def make_site(config: Config, documents: Sequence[Document], rendered: Mapping[str, Rendered],
              static: Sequence[StaticFile], theme_assets: Sequence[ThemeAsset], *, now: datetime,
              include_drafts: bool, images: Mapping[str, ImageInfo] | None = None,
              memo: ModelMemo | None = None) -> Site:
    """Build the immutable model and every route; raise BlogenError listing every problem.

    ``memo`` (kept by the dev server) lets unchanged posts and pages, their tags, the related
    lists and their resolved links be reused; the model is the same with or without it.
    """
    b = Builder(config, now)
    images = images or {}
    docs = {d.source: d for d in documents}
    posts: list[Post] = []
    pages: list[Page] = []
    scheduled: list[tuple[datetime, str]] = []
    settings = (config.base_path, config.permalink, config.timezone)
    for doc in documents:
        if doc.kind == "page" and doc.meta.draft and not include_drafts:
            continue  # a draft page is not even checked until it is published
        r = rendered[doc.source]
        made = memo.made.get(doc.source) if memo is not None else None
        item: Post | Page | None
        if made is not None and made[0] is doc and made[1] is r and made[2] == settings:
            item = made[3]
        else:
            item = b.make_post(doc, r) if doc.kind == "post" else b.make_page(doc, r)
            if memo is not None and item is not None:
                memo.made[doc.source] = (doc, r, settings, item)
        if isinstance(item, Post):
            public = not item.draft and item.date <= now
            if item.public != public:  # the clock moved past a scheduled post's date
                item = replace(item, public=public)
                if memo is not None:
                    memo.made[doc.source] = (doc, r, settings, item)
            if not include_drafts and item.draft:
                continue
            if item.date > now and not include_drafts:
                scheduled.append((item.date, item.source))
                continue
            posts.append(item)
        elif isinstance(item, Page):
            pages.append(item)
    if memo is not None:
        forget_others(memo.made, docs)
    posts.sort(key=lambda p: (p.date, p.source), reverse=True)
    pages.sort(key=lambda p: (p.title.casefold(), p.source))
    posts, tags, tag_posts = b.tags(posts, docs, memo)
    related = _related(posts, tag_posts, memo)
    assets = {a.name: join_url(config.base_path, "/" + a.target) for a in theme_assets}
    routes = make_routes(config, posts, pages, tags, tag_posts, static, theme_assets)
    published = {p.source for p in posts} | {p.source for p in pages}
    unpublished = {d.source for d in documents if d.source not in published}
    posts, pages, unreferenced, tolerated, shown = resolve_site_links(config, b.problems, posts, pages, rendered, static,
                                                                      routes, unpublished, images, memo)
    # Resized copies only for the images pages show; their names are checked with every other URL.
    routes += variant_routes(config, shown, images, routes)
    b.problems.extend(check_collisions(routes))
    b.problems.extend(shown_image_problems(shown, images))
    if any(p.severity == "error" for p in b.problems):
        raise BlogenError(b.problems)
    return Site(
        config=config, posts=tuple(posts), pages=tuple(pages), tags=tuple(tags),
        tag_posts=MappingProxyType(tag_posts), related=related, routes=tuple(routes),
        assets=MappingProxyType(assets), warnings=tuple(sorted(b.problems, key=Problem.sort_key)),
        next_scheduled=min(scheduled) if scheduled else None, unreferenced=unreferenced, tolerated=tolerated,
        shown_images=tuple(sorted(shown)),
    )
