"""The model's values: posts, pages, taxonomies and their terms, routes, the site they make, and the memo kept between builds.

Every later stage (feeds, views, render, the build) reads these values, and the modules that make
them (``model``, ``routes``, ``sitelinks``, ``sitepatch``) share them; they live here, apart from
the code that makes them, so all of those can import them without importing one another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from blogen.content.images import ImageInfo
from blogen.content.sources import Document
from blogen.core.config import Config
from blogen.core.errors import Problem
from blogen.core.packed import PackedText
from blogen.core.taxonomies import TaxonomyOptions
from blogen.markdown.render import Heading, Rendered
from blogen.model.resolve import LinkIndex, Target


@dataclass(frozen=True, slots=True)
class Post:
    source: str
    slug: str
    title: str
    url: str
    date: datetime
    updated: datetime | None
    # (taxonomy key, term slugs in the order written) for each of the site's taxonomies the post uses;
    # the names as written until the model folds them into slugs (``blogen.model.terms``)
    terms: tuple[tuple[str, tuple[str, ...]], ...]
    summary: str  # plain text
    summary_html: str
    body: PackedText  # the HTML, compressed while the build holds it (``blogen.core.packed``): ``html`` unpacks it
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
    image_line: int | None = None  # the front-matter line of ``image``, for messages about it

    @property
    def html(self) -> str:
        return self.body.text

    def terms_of(self, key: str) -> tuple[str, ...]:
        """The post's terms in one taxonomy (``tags``, ``categories``, ...)."""
        for taxonomy, slugs in self.terms:
            if taxonomy == key:
                return slugs
        return ()

    @property
    def tags(self) -> tuple[str, ...]:
        return self.terms_of("tags")


@dataclass(frozen=True, slots=True)
class Page:
    source: str
    slug: str
    title: str
    url: str
    summary: str
    body: PackedText  # the HTML, compressed (see ``Post.body``)
    toc: tuple[Heading, ...]
    show_toc: bool
    template: str
    aliases: tuple[str, ...]
    extra: Mapping[str, Any]
    bundle: str | None
    assets: tuple[str, ...]

    @property
    def html(self) -> str:
        return self.body.text


@dataclass(frozen=True, slots=True)
class Term:
    """One value of a taxonomy (a tag, a category, a series) and where its posts are listed."""

    slug: str
    name: str  # display spelling
    url: str
    count: int
    taxonomy: str = "tags"  # the taxonomy's key


Tag = Term  # a tag is the term of the ``tags`` taxonomy


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """A taxonomy of the site with its terms; relations by index into ``Site.posts``, newest first."""

    options: TaxonomyOptions
    url: str  # the list of its terms
    listed: bool  # whether that list is a page of the site (see TaxonomyOptions.always_listed)
    terms: tuple[Term, ...]  # by name
    posts: Mapping[str, tuple[int, ...]]  # term slug -> its posts

    @property
    def key(self) -> str:
        return self.options.key


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
    # home post page term terms archive 404 alias static asset feed jsonfeed termfeed termjson sitemap robots
    kind: str
    owner: str
    template: str | None = None
    item: str | None = None  # post/page source, term slug, or redirect target URL
    number: int = 1  # pagination page
    copy_from: str | None = None  # file to copy (relative to root, or absolute for theme assets)
    taxonomy: str | None = None  # the taxonomy of a term's or a taxonomy's pages and feeds


@dataclass(frozen=True, slots=True)
class Site:
    config: Config
    posts: tuple[Post, ...]  # newest first
    pages: tuple[Page, ...]  # by title
    taxonomies: tuple[Taxonomy, ...]  # in the config's order: tags, categories, series, then the site's own
    related: tuple[tuple[int, ...], ...]  # aligned with posts
    routes: tuple[Route, ...]
    assets: Mapping[str, str]  # theme asset name -> URL
    warnings: tuple[Problem, ...]
    next_scheduled: tuple[datetime, str] | None  # when the next future-dated post goes live, and its source
    unreferenced: tuple[str, ...] = ()  # bundle files no link or image uses (still published; `check` lists them)
    tolerated: frozenset[str] = frozenset()  # broken links reported as warnings (broken_links = "warning"), root-relative
    shown_images: tuple[str, ...] = ()  # the local image files pages show (sorted): those that get resized copies
    # source of a post or page -> the posts whose links point at it (indices into posts, newest first)
    backlinks: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def post_by_source(self) -> dict[str, int]:
        return {p.source: i for i, p in enumerate(self.posts)}

    def taxonomy(self, key: str) -> Taxonomy | None:
        return next((t for t in self.taxonomies if t.key == key), None)

    @property
    def tags(self) -> tuple[Term, ...]:
        found = self.taxonomy("tags")
        return found.terms if found is not None else ()

    @property
    def tag_posts(self) -> Mapping[str, tuple[int, ...]]:
        found = self.taxonomy("tags")
        return found.posts if found is not None else {}


@dataclass(slots=True)
class ModelMemo:
    """What ``make_site`` keeps between the builds of one process (``blogen serve``), and a snapshot keeps
    for the next command-line build. Mutable: each build brings it up to date.

    Each entry holds the very inputs its result was made from and is used only when today's
    inputs are the same objects, or equal, so a reused result is exactly what recomputing it
    would give; the memo only saves time. Objects are compared by identity where the caller's
    own memos hand back the same object for the same source (documents, rendered Markdown).
    """

    made: dict[str, tuple[Document, Rendered, tuple[object, ...], Post | Page]] = field(default_factory=dict)
    # before, its terms folded into slugs, after
    tagged: dict[str, tuple[Post, tuple[tuple[str, tuple[str, ...]], ...], Post]] = field(default_factory=dict)
    related: tuple[object, tuple[tuple[int, ...], ...]] | None = None  # (what they were made from, the lists)
    links: dict[str, Linked] = field(default_factory=dict)
    link_globals: object = None  # what every resolution also depends on
    index: tuple[dict[str, Target], LinkIndex] | None = None  # the last link index

    def copy(self) -> ModelMemo:
        """A copy a build can bring up to date while this one still describes the last good build
        (entries are replaced, never changed in place, so copying the dicts is enough)."""
        return ModelMemo(dict(self.made), dict(self.tagged), self.related, dict(self.links), self.link_globals, self.index)


@dataclass(frozen=True, slots=True)
class Linked:
    """One document's resolved links, with everything the resolution read."""

    item: Post | Page  # before resolution
    lookups: tuple[tuple[str, Target | None], ...]  # every document key looked up, and what it gave
    pictured: tuple[tuple[str, ImageInfo | None], ...]  # the local files it names, and their image facts
    problems: tuple[Problem, ...]
    broken: tuple[str, ...]  # tolerated broken links (broken_links = "warning"), root-relative
    unused: tuple[str, ...]  # its bundle files nothing refers to
    fixed: Post | Page  # after resolution
    targets: frozenset[str] = frozenset()  # the other documents its links point at (sources), for backlinks
    shown: tuple[str, ...] = ()  # the local image files its pages show (sorted)


def forget_others(entries: dict[str, Any], keep: Mapping[str, object]) -> None:
    """Drop memo entries of sources that are gone, so a long session does not keep every deleted post."""
    for source in [s for s in entries if s not in keep]:
        del entries[source]
