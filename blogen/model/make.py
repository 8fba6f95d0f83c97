"""Making the model: posts and pages from documents, related posts, and the whole ``Site``.

``make_site`` is the pipeline's model stage: it turns every document and its rendered Markdown
into the immutable ``Site`` (the values are in ``blogen.model.values``), asking ``terms`` for the
taxonomies, ``routes`` for every file the site has and ``links`` to resolve the documents' links
(and so their backlinks), and reports all problems at once.
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
from blogen.core.integrations import check_front_matter
from blogen.core.limits import name_too_long
from blogen.core.urls import check_slug, expand_permalink, join_url, slugify
from blogen.markdown.mathml import readable_html
from blogen.markdown.render import Rendered
from blogen.model.links import resolve_site_links
from blogen.model.pictures import shown_image_problems
from blogen.model.terms import backlinks, fold_terms, written_terms
from blogen.model.values import ModelMemo, Page, Post, Route, Site, ThemeAsset, forget_others

WORDS_PER_MINUTE = 220
RELATED_LIMIT = 5
PAIRWISE_TAGS = 8  # up to this many tags on a post, related posts are found by intersecting its tags pairwise
SUMMARY_CHARS = 280


_TAG_RE = re.compile(r"<[^>]+>")
_BLOCK_BREAK = re.compile(r"<(?:/(?:p|li|h[1-6]|div|pre|blockquote|td|th|figcaption|dt|dd)|br\s*/?)>", re.I)
_FIRST_P = re.compile(r"<p>.*?</p>", re.S)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, whitespace collapsed (for meta descriptions and feeds)."""
    return " ".join(htmllib.unescape(_TAG_RE.sub("", _BLOCK_BREAK.sub(" ", readable_html(fragment)))).split())


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"


def _summary(doc: Document, rendered: Rendered, html: str) -> tuple[str, str]:
    """(plain summary, summary HTML): front matter wins, then ``<!-- more -->``, then the first paragraph
    of ``html`` (the document's HTML, unpacked once by the caller)."""
    if doc.meta.summary:
        return doc.meta.summary, f"<p>{htmllib.escape(doc.meta.summary, quote=False)}</p>\n"
    if rendered.summary_html is not None:
        return shorten(html_to_text(rendered.summary_html)), rendered.summary_html
    m = _FIRST_P.search(html)
    if m is None:
        return shorten(html_to_text(html)), html
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
        why = check_slug(slug) or name_too_long(slug, f"slug '{slug[:32]}…'")
        if why:
            self.err(doc.source, doc.meta.lines.get("slug", 1), f"{why} (from {'front matter' if doc.meta.slug else 'the file name'})")
            return None
        return slug

    def check_extras(self, doc: Document) -> None:
        """The front-matter keys that search and comments read (``search``, ``comments``, ``mastodon``)."""
        if doc.meta.extra:
            for line, message in check_front_matter(doc.meta.extra, doc.meta.lines):
                self.err(doc.source, line, message)

    def make_post(self, doc: Document, rendered: Rendered) -> Post | None:
        title, slug = self.title(doc, rendered), self.slug(doc)
        when = doc.meta.date
        if when is None and doc.name_date is not None:
            when = datetime.combine(doc.name_date, time(), tzinfo=self.config.tzinfo)
        if when is None:
            self.err(doc.source, 1, "post has no date: add 'date: 2021-03-14' to the front matter (or name the file 2021-03-14-slug.md)")
        if title is None or slug is None or when is None:
            return None
        self.check_extras(doc)
        html = rendered.html
        summary, summary_html = _summary(doc, rendered, html)
        return Post(
            source=doc.source, slug=slug, title=title,
            url=join_url(self.config.base_path, expand_permalink(self.config.permalink, slug, when)),
            date=when, updated=doc.meta.updated, terms=written_terms(self.config, doc), summary=summary, summary_html=summary_html,
            body=rendered.body, toc=rendered.toc, show_toc=doc.meta.toc, words=rendered.words,
            reading_minutes=max(1, math.ceil(rendered.words / WORDS_PER_MINUTE)),
            image=doc.meta.image or rendered.first_image, draft=doc.meta.draft,
            template=doc.meta.template or "post.html", aliases=doc.meta.aliases, extra=doc.meta.extra,
            bundle=doc.bundle, assets=doc.assets, name=doc.name,
            public=not doc.meta.draft and when <= self.now, has_more=summary_html != html,
            image_line=doc.meta.lines.get("image") if doc.meta.image else None,
        )

    def make_page(self, doc: Document, rendered: Rendered) -> Page | None:
        title, slug = self.title(doc, rendered), self.slug(doc)
        if title is None or slug is None:
            return None
        self.check_extras(doc)
        summary, _ = _summary(doc, rendered, rendered.html)
        return Page(
            source=doc.source, slug=slug, title=title, url=join_url(self.config.base_path, f"/{slug}/"),
            summary=summary, body=rendered.body, toc=rendered.toc, show_toc=doc.meta.toc,
            template=doc.meta.template or "page.html", aliases=doc.meta.aliases, extra=doc.meta.extra,
            bundle=doc.bundle, assets=doc.assets,
        )


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
        hit = memo.related
        if hit is not None and hit[0] == key:
            return hit[1]
    members = {slug: frozenset(found) for slug, found in tag_posts.items()}
    out: list[tuple[int, ...]] = []
    for i, post in enumerate(posts):
        lists = [tag_posts[slug] for slug in post.tags]
        pairs: Counter[int] = Counter()
        if len(post.tags) <= PAIRWISE_TAGS:
            # A post in c of these tags is in c(c-1)/2 of their pairwise intersections: more pairs, more tags shared.
            for a, b in combinations(post.tags, 2):
                pairs.update(members[a] & members[b])
        else:
            # Pairs grow with the square of the post's tags; past a few, counting the posts of each tag costs less.
            for found in lists:
                pairs.update(found)
            pairs = Counter({j: c for j, c in pairs.items() if c >= 2})
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
        memo.related = (key, tuple(out))
    return tuple(out)


def _claim_line(route: Route, docs: Mapping[str, Document]) -> int | None:
    """The front-matter line that made a post or page claim ``route``: its alias or its slug."""
    doc = docs.get(route.owner.split(" ", 1)[0])
    if doc is None:
        return None
    if route.kind == "alias":
        return doc.meta.lines.get("aliases")
    return doc.meta.lines.get("slug") if route.kind in ("post", "page") else None


def make_site(config: Config, documents: Sequence[Document], rendered: Mapping[str, Rendered],
              static: Sequence[StaticFile], theme_assets: Sequence[ThemeAsset], *, now: datetime,
              include_drafts: bool, images: Mapping[str, ImageInfo] | None = None,
              memo: ModelMemo | None = None, loose: Sequence[str] = ()) -> Site:
    """Build the immutable model and every route; raise BlogenError listing every problem.

    ``memo`` (kept by the dev server) lets unchanged posts and pages, their tags, the related
    lists and their resolved links be reused; the model is the same with or without it.
    """
    # Only a whole model needs these (a patch of a snapshot's model does not load them).
    from blogen.model.cover import check_cover_images
    from blogen.model.routes import check_collisions, make_routes, variant_routes

    b = Builder(config, now)
    images = images or {}
    docs = {d.source: d for d in documents}
    posts: list[Post] = []
    pages: list[Page] = []
    scheduled: list[tuple[datetime, str]] = []
    settings = model_settings(config)
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
            if item.date > now and not item.draft:
                # The clock alone changes the site when it passes this date, drafts shown or not (with
                # drafts the post is on its pages already, and reaches the feeds and sitemap then).
                scheduled.append((item.date, item.source))
                if not include_drafts:
                    continue
            posts.append(item)
            b.problems.extend(r.warnings)  # template residue, unknown fence options: said once per build
        elif isinstance(item, Page):
            pages.append(item)
            b.problems.extend(r.warnings)
    if memo is not None:
        forget_others(memo.made, docs)
    posts.sort(key=lambda p: (p.date, p.source), reverse=True)
    pages.sort(key=lambda p: (p.title.casefold(), p.source))
    posts, taxonomies = fold_terms(config, b.problems, posts, docs, memo)
    tags = next((t for t in taxonomies if t.key == "tags"), None)
    related = _related(posts, tags.posts if tags is not None else {}, memo)
    assets = {a.name: join_url(config.base_path, "/" + a.target) for a in theme_assets}
    routes = make_routes(config, posts, pages, taxonomies, static, theme_assets)
    published = {p.source for p in posts} | {p.source for p in pages}
    unpublished = {d.source for d in documents if d.source not in published}
    posts, pages, unreferenced, tolerated, targets_of, shown = resolve_site_links(
        config, b.problems, posts, pages, rendered, static, routes, unpublished, images, memo, frozenset(loose))
    b.problems.extend(check_cover_images(config, posts, pages, docs, rendered, static, routes, unpublished, frozenset(loose)))
    # Resized copies only for the images pages show; their names are checked with every other URL.
    routes += variant_routes(config, shown, images, routes)
    b.problems.extend(check_collisions(routes, str(config.output_dir), lambda route: _claim_line(route, docs)))
    b.problems.extend(shown_image_problems(shown, images))
    if any(p.severity == "error" for p in b.problems):
        raise BlogenError(b.problems)
    return Site(
        config=config, posts=tuple(posts), pages=tuple(pages), taxonomies=taxonomies, related=related, routes=tuple(routes),
        assets=MappingProxyType(assets), warnings=tuple(sorted(b.problems, key=Problem.sort_key)),
        next_scheduled=min(scheduled) if scheduled else None, unreferenced=unreferenced, tolerated=tolerated,
        backlinks=MappingProxyType(backlinks(posts, targets_of) if config.backlinks else {}),
        shown_images=tuple(sorted(shown)),
    )


def model_settings(config: Config) -> tuple[object, ...]:
    """The config a post or page is made from (besides its document and Markdown): the memo's key."""
    return (config.base_path, config.permalink, config.timezone, tuple(t.key for t in config.taxonomies))
