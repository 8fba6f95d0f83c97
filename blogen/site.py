"""The pure model: posts, pages and tags from documents, their neighbours, and every route the site has."""

from __future__ import annotations

import heapq
import html as htmllib
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from itertools import combinations
from types import MappingProxyType
from typing import Any

from blogen.config import Config
from blogen.content import Document, StaticFile
from blogen.errors import BlogenError, Problem, Severity
from blogen.images import ImageInfo, enhance_images
from blogen.links import LinkIndex, Target, resolve_links, rewrite_html, root_relative, root_relative_url
from blogen.markdown import Heading, Rendered, decode_href
from blogen.urls import check_slug, expand_permalink, join_url, output_file, slugify

WORDS_PER_MINUTE = 220
RELATED_LIMIT = 5
SUMMARY_CHARS = 280


@dataclass(frozen=True, slots=True)
class Post:
    source: str
    slug: str
    title: str
    url: str
    date: datetime
    updated: datetime | None
    tags: tuple[str, ...]  # tag slugs, in the order written
    summary: str  # plain text
    summary_html: str
    html: str
    toc: tuple[Heading, ...]
    show_toc: bool
    words: int
    reading_minutes: int
    image: str | None
    draft: bool
    template: str
    aliases: tuple[str, ...]
    extra: Mapping[str, Any]
    bundle: str | None
    assets: tuple[str, ...]
    name: str  # the file or bundle name: the part of the feed entry id that survives retitling and re-slugging
    public: bool  # neither a draft nor scheduled: only public posts reach feeds and the sitemap
    has_more: bool  # the page has more than the summary shows


@dataclass(frozen=True, slots=True)
class Page:
    source: str
    slug: str
    title: str
    url: str
    summary: str
    html: str
    toc: tuple[Heading, ...]
    show_toc: bool
    template: str
    aliases: tuple[str, ...]
    extra: Mapping[str, Any]
    bundle: str | None
    assets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Tag:
    slug: str
    name: str  # display spelling
    url: str
    count: int


@dataclass(frozen=True, slots=True)
class ThemeAsset:
    """A theme static file; ``target`` is its (possibly fingerprinted) path under the site root."""

    name: str
    source: str  # absolute path of the file to copy (empty when ``data`` is given)
    target: str
    data: bytes | None = None  # generated content (the stylesheet with code-highlighting rules appended)


@dataclass(frozen=True, slots=True)
class Route:
    """One file the build writes. ``owner`` names what claims the URL, for collision messages."""

    url: str
    output: str
    kind: str  # home post page tag tags archive 404 alias static asset
    owner: str
    template: str | None = None
    item: str | None = None  # post/page source, tag slug, or redirect target URL
    number: int = 1  # pagination page
    copy_from: str | None = None  # file to copy (relative to root, or absolute for theme assets)


@dataclass(frozen=True, slots=True)
class Site:
    config: Config
    posts: tuple[Post, ...]  # newest first
    pages: tuple[Page, ...]  # by title
    tags: tuple[Tag, ...]  # by name
    tag_posts: Mapping[str, tuple[int, ...]]  # tag slug -> indices into posts
    related: tuple[tuple[int, ...], ...]  # aligned with posts
    routes: tuple[Route, ...]
    assets: Mapping[str, str]  # theme asset name -> URL
    warnings: tuple[Problem, ...]
    next_scheduled: tuple[datetime, str] | None  # when the next future-dated post goes live, and its source
    unreferenced: tuple[str, ...] = ()  # bundle files no link or image uses (still published; `check` lists them)
    tolerated: frozenset[str] = frozenset()  # broken links reported as warnings (broken_links = "warning"), root-relative

    def post_by_source(self) -> dict[str, int]:
        return {p.source: i for i, p in enumerate(self.posts)}


@dataclass(frozen=True, slots=True)
class ModelMemo:
    """What ``make_site`` keeps between the builds of one process (``blogen serve``).

    Each entry holds the very inputs its result was made from and is used only when today's
    inputs are the same objects, or equal, so a reused result is exactly what recomputing it
    would give; the memo only saves time. Objects are compared by identity where the caller's
    own memos hand back the same object for the same source (documents, rendered Markdown).
    """

    made: dict[str, tuple[Document, Rendered, tuple[str, str, str], Post | Page]] = field(default_factory=dict)
    tagged: dict[str, tuple[Post, tuple[str, ...], Post]] = field(default_factory=dict)  # before, slugs, after
    related: dict[str, tuple[object, tuple[tuple[int, ...], ...]]] = field(default_factory=dict)  # "": (key, result)
    links: dict[str, _Linked] = field(default_factory=dict)
    link_globals: dict[str, object] = field(default_factory=dict)  # "": what every resolution also depends on
    index: dict[str, tuple[dict[str, Target], LinkIndex]] = field(default_factory=dict)  # "": the last link index


@dataclass(frozen=True, slots=True)
class _Linked:
    """One document's resolved links, with everything the resolution read."""

    item: Post | Page  # before resolution
    lookups: tuple[tuple[str, Target | None], ...]  # every document key looked up, and what it gave
    pictured: tuple[tuple[str, ImageInfo | None], ...]  # the local files it names, and their image facts
    problems: tuple[Problem, ...]
    broken: tuple[str, ...]  # tolerated broken links (broken_links = "warning"), root-relative
    unused: tuple[str, ...]  # its bundle files nothing refers to
    fixed: Post | Page  # after resolution


class _Recording(Mapping[str, "Target"]):
    """The link index's documents, remembering every key looked up and what it gave.

    A document's links resolve the same way again as long as each of those lookups gives an
    equal answer, which is how one post's resolution is reused when another post changes.
    """

    __slots__ = ("inner", "seen")

    def __init__(self, inner: Mapping[str, Target]) -> None:
        self.inner = inner
        self.seen: dict[str, Target | None] = {}

    def __getitem__(self, key: str) -> Target:
        found = self.inner.get(key)
        self.seen[key] = found
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        raise TypeError("iterating would make every document a dependency")

    def __len__(self) -> int:
        return len(self.inner)


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


def _url_for_alias(config: Config, alias: str) -> str:
    path = alias if alias.endswith("/") or alias.endswith(".html") else alias + "/"
    return join_url(config.base_path, path)


class _Builder:
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
            _forget_others(memo.tagged, docs)
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


def _paginate(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page))


def make_site(config: Config, documents: Sequence[Document], rendered: Mapping[str, Rendered],
              static: Sequence[StaticFile], theme_assets: Sequence[ThemeAsset], *, now: datetime,
              include_drafts: bool, images: Mapping[str, ImageInfo] | None = None,
              memo: ModelMemo | None = None) -> Site:
    """Build the immutable model and every route; raise BlogenError listing every problem.

    ``memo`` (kept by the dev server) lets unchanged posts and pages, their tags, the related
    lists and their resolved links be reused; the model is the same with or without it.
    """
    b = _Builder(config, now)
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
        _forget_others(memo.made, docs)
    posts.sort(key=lambda p: (p.date, p.source), reverse=True)
    pages.sort(key=lambda p: (p.title.casefold(), p.source))
    posts, tags, tag_posts = b.tags(posts, docs, memo)
    related = _related(posts, tag_posts, memo)
    assets = {a.name: join_url(config.base_path, "/" + a.target) for a in theme_assets}
    routes = _routes(config, posts, pages, tags, tag_posts, static, theme_assets, images)
    _check_collisions(b, routes)
    published = {p.source for p in posts} | {p.source for p in pages}
    unpublished = {d.source for d in documents if d.source not in published}
    posts, pages, unreferenced, tolerated = _resolve_links(b, posts, pages, rendered, static, routes, unpublished, images,
                                                           memo)
    if any(p.severity == "error" for p in b.problems):
        raise BlogenError(b.problems)
    return Site(
        config=config, posts=tuple(posts), pages=tuple(pages), tags=tuple(tags),
        tag_posts=MappingProxyType(tag_posts), related=related, routes=tuple(routes),
        assets=MappingProxyType(assets), warnings=tuple(sorted(b.problems, key=Problem.sort_key)),
        next_scheduled=min(scheduled) if scheduled else None, unreferenced=unreferenced, tolerated=tolerated,
    )


def _forget_others(entries: dict[str, Any], keep: Mapping[str, object]) -> None:
    """Drop memo entries of sources that are gone, so a long session does not keep every deleted post."""
    for source in [s for s in entries if s not in keep]:
        del entries[source]


def _routes(config: Config, posts: Sequence[Post], pages: Sequence[Page], tags: Sequence[Tag],
            tag_posts: Mapping[str, tuple[int, ...]], static: Sequence[StaticFile],
            theme_assets: Sequence[ThemeAsset], images: Mapping[str, ImageInfo]) -> list[Route]:
    base = config.base_path
    routes: list[Route] = []

    def add(url: str, kind: str, owner: str, **kw: Any) -> None:
        try:
            out = output_file(url, base)
        except ValueError as exc:
            out = f"\0invalid:{exc}"
        routes.append(Route(url=url, output=out, kind=kind, owner=owner, **kw))

    per = config.posts_per_page
    for n in range(1, _paginate(len(posts), per) + 1):
        add(join_url(base, "/" if n == 1 else f"/page/{n}/"), "home", "the home page", template="index.html", number=n)
    items: list[Post | Page] = [*posts, *pages]
    for item in items:
        kind = "post" if isinstance(item, Post) else "page"
        add(item.url, kind, item.source, template=item.template, item=item.source)
        for alias in item.aliases:
            add(_url_for_alias(config, alias), "alias", f"{item.source} (alias '{alias}')", item=item.url)
        if item.bundle is not None:
            folder = item.url if item.url.endswith("/") else item.url.rsplit("/", 1)[0] + "/"
            for asset in item.assets:
                source = f"{item.bundle}/{asset}"
                add(folder + asset, "static", f"{item.source} (bundle file '{asset}')", copy_from=source)
                for v in images[source].variants if source in images else ():
                    add(folder + asset.rsplit(".", 1)[0] + v.suffix, "static", f"{item.source} (resized '{asset}')", copy_from=v.cache_file)
    add(join_url(base, "/tags/"), "tags", "the tag index", template="tags.html")
    for tag in tags:
        for n in range(1, _paginate(len(tag_posts[tag.slug]), per) + 1):
            add(tag.url if n == 1 else f"{tag.url}page/{n}/", "tag", f"tag '{tag.name}'", template="tag.html", item=tag.slug, number=n)
    add(join_url(base, "/archive/"), "archive", "the archive", template="archive.html")
    add(join_url(base, "/404.html"), "404", "the 404 page", template="404.html")
    if config.feed.enabled and any(p.public for p in posts):
        add(join_url(base, "/feed.xml"), "feed", "the site feed")
        if config.feed.tags:
            for tag in tags:
                if any(posts[i].public for i in tag_posts[tag.slug]):
                    add(f"{tag.url}feed.xml", "tagfeed", f"the feed of tag '{tag.name}'", item=tag.slug)
    # A site's own robots.txt or sitemap.xml in content/static/ replaces the generated one.
    targets = {f.target for f in static}
    if "sitemap.xml" not in targets:
        add(join_url(base, "/sitemap.xml"), "sitemap", "the sitemap")
    if "robots.txt" not in targets and base == "/":
        add(join_url(base, "/robots.txt"), "robots", "robots.txt")
    for f in static:
        add(join_url(base, "/" + f.target), "static", f.source, copy_from=f.source)
        for v in images[f.source].variants if f.source in images else ():
            add(join_url(base, "/" + f.target.rsplit(".", 1)[0] + v.suffix), "static", f"{f.source} (resized)", copy_from=v.cache_file)
    for a in theme_assets:
        add(join_url(base, "/" + a.target), "asset", f"theme file '{a.name}'", copy_from=a.source or None, item=a.name)
    return routes


def _target_keys(item: Post | Page) -> tuple[str, ...]:
    """The keys a link finds a document under: its source path, its URL and its bundle folder."""
    return (item.source, item.url) if item.bundle is None else (item.source, item.url, item.bundle)


def _add_target(targets: dict[str, Target], item: Post | Page, rendered: Rendered) -> None:
    target = Target(item.source, item.url, item.html, tuple(h.id for h in rendered.headings), item.bundle,
                    frozenset(item.assets))
    for key in _target_keys(item):
        targets[key] = target


def _resolve_links(b: _Builder, posts: list[Post], pages: list[Page], rendered: Mapping[str, Rendered],
                   static: Sequence[StaticFile], routes: Sequence[Route], unpublished: set[str],
                   images: Mapping[str, ImageInfo],
                   memo: ModelMemo | None = None) -> tuple[list[Post], list[Page], tuple[str, ...], frozenset[str]]:
    """Turn ``.md`` links into URLs and report every local link that points nowhere.

    With ``memo``, a document's previous resolution is reused when the document is the same
    object, everything the index holds besides documents is equal, and every document its links
    looked up (found or not) is equal to what it was: together, all that ``resolve_links`` reads.
    """
    items: list[Post | Page] = [*posts, *pages]
    targets: dict[str, Target] = {}
    for item in items:
        _add_target(targets, item, rendered[item.source])
    unpublished_keys = frozenset(unpublished | {u.rsplit("/", 1)[0] for u in unpublished if u.endswith(("/index.md", "/index.markdown"))})
    static_map = {f.source: join_url(b.config.base_path, "/" + f.target) for f in static}
    index = LinkIndex(
        documents=targets, unpublished=unpublished_keys, static=static_map,
        urls=frozenset(r.url for r in routes), base_path=b.config.base_path,
        static_urls={url: source for source, url in static_map.items()},
    )
    same_index = False
    if memo is not None:
        rest = (index.unpublished, index.static, index.urls, index.base_path, b.config.broken_links)
        same_index = memo.link_globals.get("") == rest
        memo.link_globals[""] = rest
    unreferenced: list[str] = []
    tolerated: set[str] = set()
    fixed_posts: dict[str, Post] = {}
    fixed_pages: dict[str, Page] = {}
    for item in items:
        done = memo.links.get(item.source) if memo is not None and same_index else None
        if done is None or done.item is not item or any(targets.get(k) != t for k, t in done.lookups) \
                or any(images.get(f) != info for f, info in done.pictured):
            done = _resolve_item(b, item, rendered[item.source], targets, index, images)
            if memo is not None:
                memo.links[item.source] = done
        b.problems.extend(done.problems)
        tolerated.update(done.broken)
        unreferenced.extend(done.unused)
        if isinstance(done.fixed, Post):
            fixed_posts[item.source] = done.fixed
        else:
            fixed_pages[item.source] = done.fixed
    if memo is not None:
        _forget_others(memo.links, {i.source: i for i in items})
        memo.index[""] = (targets, index)
    return ([fixed_posts.get(p.source, p) for p in posts], [fixed_pages.get(p.source, p) for p in pages],
            tuple(sorted(unreferenced)), frozenset(tolerated))


# Fields of a post that decide the site's shape: which pages exist, their order, tags and related lists.
_SHAPE = ("source", "url", "date", "tags", "draft", "public", "template", "aliases", "bundle", "assets", "name")


def patch_posts(site: Site, changed: Sequence[tuple[Document, Rendered]], memo: ModelMemo, *,
                now: datetime, images: Mapping[str, ImageInfo]) -> tuple[Site, frozenset[int]] | None:
    """``site`` with the text of some of its posts changed, and those posts' positions; or None when
    that is not all that changed.

    The dev server's quick rebuild: when only the body of existing posts changed, the site keeps
    its shape (pages, order, tags, related lists), and only those posts, and documents whose links
    looked them up, need making again. Each is made exactly as ``make_site`` makes it, from the
    memo's entries; anything that would come out differently anywhere else (another shape, a new
    problem, another document's links resolving differently) gives None, and the caller makes the
    whole site instead. The memo is brought up to date as ``make_site`` would have left it.
    """
    if "" not in memo.index:
        return None
    targets, index = memo.index[""]
    b = _Builder(site.config, now)
    settings = (site.config.base_path, site.config.permalink, site.config.timezone)
    position = site.post_by_source()
    updates: list[tuple[str, Document, Rendered, Post, tuple[str, ...], Post]] = []
    new_targets = dict(targets)
    for doc, rendered in changed:
        made, tagged = memo.made.get(doc.source), memo.tagged.get(doc.source)
        if doc.kind != "post" or doc.source not in position or made is None or tagged is None:
            return None
        post = b.make_post(doc, rendered)
        old = made[3]
        if post is None or b.problems or not isinstance(old, Post) \
                or any(getattr(post, f) != getattr(old, f) for f in _SHAPE):
            return None
        slugs = tagged[1]
        fixed = replace(post, tags=slugs)
        _add_target(new_targets, fixed, rendered)
        updates.append((doc.source, doc, rendered, post, slugs, fixed))
    keys = {k for source, *_ in updates for k in _target_keys(memo.made[source][3])}
    redo = {source for source, *_ in updates}
    redo.update(source for source, linked in memo.links.items() if any(k in keys for k, _ in linked.lookups))
    pre = {source: fixed for source, *_, fixed in updates}
    rendered_of = {source: rendered for source, _, rendered, *_ in updates}
    relinked: dict[str, _Linked] = {}
    for source in redo:
        old_linked = memo.links.get(source)
        if old_linked is None:
            return None
        item = pre.get(source, old_linked.item)
        r = rendered_of.get(source) or memo.made[source][1]
        done = _resolve_item(b, item, r, new_targets, index, images)
        if (done.problems, done.broken, done.unused) != (old_linked.problems, old_linked.broken, old_linked.unused):
            return None  # a new or vanished problem: the whole site's warnings and checks must be made again
        if source not in pre and done.fixed != old_linked.fixed:
            return None
        relinked[source] = done
    # Everything checked: bring the memo up to date, then the site.
    for source, doc, rendered, post, slugs, fixed in updates:
        memo.made[source] = (doc, rendered, settings, post)
        memo.tagged[source] = (post, slugs, fixed)
    memo.links.update(relinked)
    memo.index[""] = (new_targets, index)
    posts = list(site.posts)
    for source in pre:
        fixed_post = relinked[source].fixed
        assert isinstance(fixed_post, Post)
        posts[position[source]] = fixed_post
    return replace(site, posts=tuple(posts)), frozenset(position[source] for source in pre)


def _resolve_item(b: _Builder, item: Post | Page, rendered: Rendered, targets: Mapping[str, Target], index: LinkIndex,
                  images: Mapping[str, ImageInfo]) -> _Linked:
    """One document's links resolved, with the lookups and image facts the result depends on."""
    recording = _Recording(targets)
    resolved = resolve_links(targets[item.source], rendered.links, replace(index, documents=recording))
    broken: tuple[str, ...] = ()
    if b.config.broken_links == "warning":  # chosen in the config, e.g. half-way through a migration
        problems = tuple(replace(p, severity="warning") for p in resolved.problems)
        broken = tuple(root_relative_url(link, item.url) for link in resolved.broken)
    else:
        problems = resolved.problems
    unused = tuple(f"{item.bundle}/{asset}" for asset in item.assets
                   if asset not in resolved.used_assets and f'"{asset}"' not in item.html)
    pictured = tuple((f, images.get(f)) for f in sorted(set(resolved.files.values())))
    pictures = {t: images[f] for t, f in resolved.files.items() if f in images}
    fixed: Post | Page = item
    if isinstance(item, Post):
        # Summaries are shown on other pages (home, tags): their relative links must not depend on where.
        summary = root_relative(_fix_html(item.summary_html, pictures, resolved.rewrites), item.url)
        html = _fix_html(item.html, pictures, resolved.rewrites)
        if html != item.html or summary != item.summary_html:  # a post has two dozen fields to copy
            fixed = replace(item, html=html, summary_html=summary)
    elif resolved.rewrites or pictures:
        fixed = replace(item, html=_fix_html(item.html, pictures, resolved.rewrites))
    return _Linked(item, tuple(recording.seen.items()), pictured, problems, broken, unused, fixed)


def _fix_html(html: str, pictures: Mapping[str, ImageInfo], rewrites: Mapping[str, str]) -> str:
    # Sizes are looked up by the target as written, so images go first, then links are rewritten.
    return rewrite_html(enhance_images(html, pictures, decode_href), rewrites)


def _check_collisions(b: _Builder, routes: Sequence[Route]) -> None:
    """Two things claiming one output file is an error naming both, found before anything is written."""
    seen: dict[str, Route] = {}
    for route in routes:
        if route.output.startswith("\0invalid:"):
            b.err(_owner_path(route.owner), None, f"{route.output.removeprefix(chr(0) + 'invalid:')} (claimed by {route.owner})")
            continue
        key = route.output.casefold()  # two names differing in case are one file on macOS and Windows
        other = seen.get(key)
        if other is None:
            seen[key] = route
            continue
        first, second = sorted((other.owner, route.owner))
        b.err(_owner_path(second), None, f"URL {route.url} is claimed twice: by {first} and by {second}")


def _owner_path(owner: str) -> str:
    return owner.split(" ", 1)[0] if owner.startswith("content/") else owner
