"""What templates see: immutable views of the model, shaped as the template contract in README.md says."""

from __future__ import annotations

import json
from collections.abc import Mapping, Set
from contextvars import ContextVar, Token
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any

from markupsafe import Markup

from blogen.core.integrations import AnalyticsOptions, CommentsOptions
from blogen.core.packed import PackedText
from blogen.markdown.render import Heading
from blogen.model.values import Page, Post, Taxonomy, Term


class SafeHTML:
    """HTML that templates print as it is, without copying it; a post's body stays packed until printed.

    ``Markup(text)`` would copy every post body once more for the whole build; Jinja only needs
    ``__html__``, and the copy it makes while rendering one page is freed with that page. A view is
    made for every post before the first page is rendered, so its body is held as the model holds
    it (``blogen.core.packed``) and unpacked by the page that prints it.
    """

    __slots__ = ("_held",)

    def __init__(self, text: str | PackedText) -> None:
        self._held = text

    @property
    def text(self) -> str:
        held = self._held
        return held if isinstance(held, str) else held.text

    def __html__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"SafeHTML({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SafeHTML) and (other._held == self._held or other.text == self.text)

    def __hash__(self) -> int:
        return hash(self.text)

    def __len__(self) -> int:
        return len(self.text)


@dataclass(frozen=True, slots=True)
class TermView:
    """A term (tag, category, series) as templates see it."""

    name: str
    slug: str
    url: str
    count: int
    feed_url: str | None  # its Atom feed, when it has one
    json_feed_url: str | None = None  # its JSON Feed, when it has one
    taxonomy: str = "tags"  # the taxonomy's key


TagView = TermView  # a tag's view is a term's


@dataclass(frozen=True, slots=True)
class TaxonomyView:
    """A taxonomy as templates see it: ``url`` is its list of terms (none when it has no such page)."""

    key: str
    title: str
    singular: str
    url: str | None


@dataclass(frozen=True, slots=True)
class SocialMeta:
    """Open Graph / Twitter card values for the page; URLs are absolute when base_url is set."""

    title: str
    description: str
    url: str
    type: str  # "article" for posts, "website" otherwise
    image: str | None


# The fields of a post that change when only its body is edited. A listing page (home, tags,
# archive, a neighbour's links) that reads none of them need not be rendered again after such an
# edit; the renderer records, per page, whose bodies the templates did read.
BODY_FIELDS = frozenset({"html", "toc", "words", "reading_minutes"})
_body_reads: ContextVar[set[str] | None] = ContextVar("blogen_body_reads", default=None)


def recording_body_reads(reads: set[str] | None) -> Token[set[str] | None]:
    """Collect into ``reads`` the sources of posts whose body a template reads, until reset with the token."""
    return _body_reads.set(reads)


def stop_recording(token: Token[set[str] | None]) -> None:
    _body_reads.reset(token)


def note_body_read(view: PostView) -> None:
    reads = _body_reads.get()
    if reads is not None:
        reads.add(view.source)


@dataclass(frozen=True, slots=True, repr=False)
class PostView:
    """A post as templates see it.

    Printing or stringifying the whole view (``{{ post }}``, ``|string``, ``|pprint``) shows its
    body too, so it counts as reading the body; attribute reads are noted by the environment.
    """

    title: str
    url: str
    slug: str
    date: datetime
    updated: datetime | None
    tags: tuple[TermView, ...]
    terms: Mapping[str, tuple[TermView, ...]]  # every taxonomy of the site (tags included) -> the post's terms in it
    html: SafeHTML
    summary_html: SafeHTML
    summary: str
    has_more: bool
    toc: tuple[Heading, ...]
    show_toc: bool
    reading_minutes: int
    words: int
    image: str | None
    draft: bool
    extra: Mapping[str, Any]
    source: str

    def __repr__(self) -> str:
        note_body_read(self)
        return "PostView(" + ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)) + ")"


@dataclass(frozen=True, slots=True)
class PageView:
    title: str
    url: str
    slug: str
    html: SafeHTML
    summary: str
    toc: tuple[Heading, ...]
    show_toc: bool
    extra: Mapping[str, Any]
    source: str


@dataclass(frozen=True, slots=True)
class SiteView:
    title: str
    description: str
    author: str
    language: str
    base_url: str
    extra: Mapping[str, Any]
    home_url: str
    tags_url: str | None  # none when the site turned tags off
    archive_url: str
    feed_url: str | None
    pages: tuple[PageView, ...]
    search_url: str | None = None  # the search page, when the site has search
    comments: CommentsOptions = field(default_factory=CommentsOptions)  # the [comments] table: off unless configured
    analytics: AnalyticsOptions = field(default_factory=AnalyticsOptions)  # the [analytics] table: off unless configured
    json_feed_url: str | None = None
    taxonomies: tuple[TaxonomyView, ...] = ()  # those with a list of terms, for the menu


@dataclass(frozen=True, slots=True)
class Paginator:
    number: int
    total: int
    prev_url: str | None
    next_url: str | None


@dataclass(frozen=True, slots=True)
class YearView:
    year: int
    posts: tuple[PostView, ...]


@dataclass(frozen=True, slots=True)
class SeriesView:
    """A series a post is in: this post is part ``number`` of ``total``; ``parts`` oldest first."""

    term: TermView
    number: int
    total: int
    parts: tuple[PostView, ...]


def term_view(term: Term, feeds: Set[str]) -> TermView:
    feed, json_feed = f"{term.url}feed.xml", f"{term.url}feed.json"
    return TermView(term.name, term.slug, term.url, term.count, feed if feed in feeds else None,
                    json_feed if json_feed in feeds else None, term.taxonomy)


def taxonomy_view(taxonomy: Taxonomy) -> TaxonomyView:
    options = taxonomy.options
    return TaxonomyView(options.key, options.title, options.singular, taxonomy.url if taxonomy.listed else None)


def post_terms(post: Post, terms: Mapping[str, Mapping[str, TermView]]) -> dict[str, tuple[TermView, ...]]:
    """A post's term views in every taxonomy of the site (an empty tuple where it has none)."""
    return {key: tuple(views[slug] for slug in post.terms_of(key)) for key, views in terms.items()}


def post_view(post: Post, terms: Mapping[str, Mapping[str, TermView]]) -> PostView:
    mine = post_terms(post, terms)
    return PostView(
        title=post.title, url=post.url, slug=post.slug, date=post.date, updated=post.updated,
        tags=mine.get("tags", ()), terms=MappingProxyType(mine), html=SafeHTML(post.body),
        summary_html=SafeHTML(post.summary_html),
        summary=post.summary, has_more=post.has_more, toc=post.toc, show_toc=post.show_toc,
        reading_minutes=post.reading_minutes, words=post.words, image=post.image, draft=post.draft,
        extra=post.extra, source=post.source,
    )


def json_ld(post: PostView, url: str, image: str | None, author: str) -> Markup:
    """schema.org BlogPosting as JSON that is safe inside a <script> element.

    Only what the page's meta tags do not already say for everyone: the summary is the meta
    and Open Graph description, ``url`` the canonical link (so no ``mainEntityOfPage`` too),
    and ``dateModified`` is left out until the post has an ``updated`` date.
    """
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "BlogPosting", "headline": post.title,
        "datePublished": post.date.isoformat(), "url": url,
    }
    if post.updated:
        data["dateModified"] = post.updated.isoformat()
    if post.tags:
        data["keywords"] = [t.name for t in post.tags]
    if author:
        data["author"] = {"@type": "Person", "name": author}
    if image:
        data["image"] = image
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # "</script>" or "<!--" in a title must not end or confuse the script element.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def page_view(page: Page) -> PageView:
    return PageView(page.title, page.url, page.slug, SafeHTML(page.body), page.summary, page.toc, page.show_toc,
                    page.extra, page.source)
