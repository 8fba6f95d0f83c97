"""What templates see: immutable views of the model, shaped as the template contract in README.md says."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from blogen.core.integrations import AnalyticsOptions, CommentsOptions
from blogen.markdown.render import Heading
from blogen.model.values import Page, Post, Tag


class SafeHTML:
    """HTML that templates print as it is, without copying it.

    ``Markup(text)`` would copy every post body once more for the whole build; Jinja only needs
    ``__html__``, and the copy it makes while rendering one page is freed with that page.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __html__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"SafeHTML({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SafeHTML) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __len__(self) -> int:
        return len(self.text)


@dataclass(frozen=True, slots=True)
class TagView:
    name: str
    slug: str
    url: str
    count: int
    feed_url: str | None


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
    tags: tuple[TagView, ...]
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
    tags_url: str
    archive_url: str
    feed_url: str | None
    pages: tuple[PageView, ...]
    search_url: str | None = None  # the search page, when the site has search
    comments: CommentsOptions = field(default_factory=CommentsOptions)  # the [comments] table: off unless configured
    analytics: AnalyticsOptions = field(default_factory=AnalyticsOptions)  # the [analytics] table: off unless configured


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


def tag_view(tag: Tag, feeds: set[str]) -> TagView:
    feed = f"{tag.url}feed.xml"
    return TagView(tag.name, tag.slug, tag.url, tag.count, feed if feed in feeds else None)


def post_view(post: Post, tags: Mapping[str, TagView]) -> PostView:
    return PostView(
        title=post.title, url=post.url, slug=post.slug, date=post.date, updated=post.updated,
        tags=tuple(tags[t] for t in post.tags), html=SafeHTML(post.html), summary_html=SafeHTML(post.summary_html),
        summary=post.summary, has_more=post.has_more, toc=post.toc, show_toc=post.show_toc,
        reading_minutes=post.reading_minutes, words=post.words, image=post.image, draft=post.draft,
        extra=post.extra, source=post.source,
    )


def page_view(page: Page) -> PageView:
    return PageView(page.title, page.url, page.slug, SafeHTML(page.html), page.summary, page.toc, page.show_toc,
                    page.extra, page.source)
