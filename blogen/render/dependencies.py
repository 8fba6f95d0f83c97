"""Page fingerprints: a digest of everything a page's bytes depend on.

A page whose fingerprint equals the one recorded with its live file is not rendered again (same
inputs, same code, same templates give the same bytes), so what a page depends on is spelled out
here, route kind by route kind, apart from the rendering that must agree with it.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import fields
from datetime import datetime

from blogen.core.install import code_fingerprint
from blogen.model.values import Route, Site
from blogen.render.search import SearchIndex, SearchMemo
from blogen.render.views import BODY_FIELDS, PageView, PostView, SiteView, TagView

# A post's view but its body fields and summary: what a listing of it shows, compared as a tuple
# (the view's own repr and dataclasses.replace cost ~50 us a post on every build).
_listed_fields = operator.attrgetter(*(f.name for f in fields(PostView)
                                       if f.name not in BODY_FIELDS and f.name != "summary_html"))


class Fingerprints:
    """The fingerprints of one Site's routes, from the views its pages are rendered with.

    ``digests`` holds the posts' digests already known (kept from the last build), by index, and
    is filled as more are computed; ``keep_digest`` hears of each new one. ``route_posts``, when
    given, is told which posts each route's fingerprint counted: the pages a changed post is on.
    """

    def __init__(self, site: Site, posts: Sequence[PostView], pages: Mapping[str, PageView],
                 tags: Mapping[str, TagView], index: Mapping[str, int], site_view: SiteView, templates: bytes,
                 digests: dict[int, tuple[bytes, bytes]],
                 keep_digest: Callable[[int, tuple[bytes, bytes]], None] | None = None,
                 route_posts: dict[str, tuple[int, ...]] | None = None, search_memo: SearchMemo | None = None) -> None:
        self.site = site
        self.config = site.config
        self.posts = posts
        self.pages = pages
        self.tags = tags
        self.index = index
        self._post_digests = digests  # (everything, everything but the body)
        self._keep_digest = keep_digest
        self._route_posts = route_posts
        self._sitemap: list[tuple[str, datetime | None]] | None = None
        # The search index's files (when the site has search): its terms are keyed by the posts' digests.
        self.search = SearchIndex(site, search_memo, lambda i: self._digests(i)[0], site.config.root / ".blogen-cache") \
            if site.config.search.enabled else None
        # one object, shared by every search shard's entry in route_posts (so kept once in a pickled base)
        self._all_posts = tuple(range(len(posts))) if self.search is not None else ()
        self.base_fingerprint = hashlib.sha256(repr((
            code_fingerprint(), templates, site_view, sorted(site.assets.items()),
            site.config,
        )).encode()).digest()

    def of(self, route: Route, body_reads: Collection[str] | None = None) -> str | None:
        """A digest of everything the route's bytes depend on, or None when it is cheaper to just render it.

        ``body_reads`` are the posts whose body (``BODY_FIELDS``) the page's templates read when it
        was last rendered; the other posts it shows count by everything but their body. Same
        inputs then mean the same template run, reading the same bodies, so the same bytes. None
        means unknown: every post counts whole.
        """
        if route.kind in ("robots", "alias"):
            return None
        h = hashlib.sha256(self.base_fingerprint)
        if route.kind == "sitemap":  # what it lists is cheap to gather; turning that into XML is not
            h.update(repr((route.url, self.sitemap_pages())).encode())
            return h.hexdigest()
        h.update(repr((route.kind, route.url, route.output, route.template, route.item, route.number)).encode())
        if route.kind in ("searchmeta", "searchterms") and self.search is not None:
            # Any post's terms may land in any shard; the shard's own digest says whether they did.
            if self._route_posts is not None:
                self._route_posts[route.output] = self._all_posts
            h.update(self.search.fingerprint(route))
            return h.hexdigest()
        posts: Sequence[int] = ()
        if route.kind == "home":
            per = self.config.posts_per_page
            posts = range((route.number - 1) * per, min(len(self.posts), route.number * per))
            h.update(str(len(self.posts)).encode())
        elif route.kind == "post" and route.item is not None:
            i = self.index[route.item]
            posts = [i, *([i - 1] if i > 0 else []), *([i + 1] if i + 1 < len(self.posts) else []), -1,
                     *self.site.related[i]]
        elif route.kind in ("page", "searchdoc") and route.item is not None and route.item in self.pages:
            h.update(repr(self.pages[route.item]).encode())
        elif route.kind == "searchdoc" and route.item is not None:
            posts = [self.index[route.item]]
        elif route.kind == "tag" and route.item is not None:
            members = self.site.tag_posts[route.item]
            per = self.config.posts_per_page
            h.update(repr((self.tags[route.item], len(members))).encode())
            posts = members[(route.number - 1) * per: route.number * per]
        elif route.kind == "tagfeed" and route.item is not None:
            h.update(repr(self.tags[route.item]).encode())
            posts = self._feed_entries(self.site.tag_posts[route.item])
        elif route.kind == "feed":
            posts = self._feed_entries(range(len(self.posts)))
        elif route.kind == "archive":
            posts = range(len(self.posts))
        elif route.kind == "tags":
            h.update(repr(sorted(self.tags.items())).encode())
        if self._route_posts is not None:
            self._route_posts[route.output] = tuple(posts)
        reads = None if body_reads is None else frozenset(body_reads)
        if reads and any(self.index.get(source, -1) not in posts for source in reads):
            reads = None  # a body from somewhere this fingerprint does not cover: count everything whole
        if reads is not None:
            h.update(b"partial")
        for i in posts:
            if i < 0:
                h.update(b"-")
            else:
                whole, listed = self._digests(i)
                h.update(whole if reads is None or self.posts[i].source in reads else listed)
        return h.hexdigest()

    def _feed_entries(self, indices: Sequence[int]) -> list[int]:
        """The posts a feed shows (as ``atom_feed`` picks them): public ones, newest first, up to the limit."""
        public = [i for i in indices if self.site.posts[i].public]
        return public[: self.config.feed.entries] if self.config.feed.entries else public

    def _digests(self, i: int) -> tuple[bytes, bytes]:
        """(everything the post's view holds, everything but its body fields), plus whether it is public."""
        digest = self._post_digests.get(i)
        if digest is None:
            view = self.posts[i]
            # The bodies are hashed as bytes: repr() of long strings would cost more than rendering.
            listed = hashlib.sha256(view.summary_html.text.encode())
            listed.update(repr((_listed_fields(view), self.site.posts[i].public)).encode())
            whole = hashlib.sha256(listed.digest())
            whole.update(view.html.text.encode())
            whole.update(repr((view.toc, view.words, view.reading_minutes)).encode())
            digest = self._post_digests[i] = (whole.digest(), listed.digest())
            if self._keep_digest is not None:
                self._keep_digest(i, digest)
        return digest

    def sitemap_pages(self) -> list[tuple[str, datetime | None]]:
        """Every public HTML page with its last change; drafts and scheduled posts never appear."""
        if self._sitemap is None:  # asked for by the fingerprint, then by the sitemap itself
            self._sitemap = self._gather_sitemap()
        return self._sitemap

    def _gather_sitemap(self) -> list[tuple[str, datetime | None]]:
        site = self.site
        public = [p for p in site.posts if p.public]
        newest = max((p.updated or p.date for p in public), default=None)
        by_source = {p.source: p for p in site.posts}
        tag_newest: dict[str, datetime | None] = {}  # per tag, not per page of it: a big tag has dozens
        for slug, members in site.tag_posts.items():
            tag_newest[slug] = max((site.posts[i].updated or site.posts[i].date for i in members if site.posts[i].public),
                                   default=None)
        pages: list[tuple[str, datetime | None]] = []
        for route in site.routes:
            if route.kind in ("home", "tags", "archive"):
                pages.append((route.url, newest))
            elif route.kind == "post" and route.item is not None:
                post = by_source[route.item]
                if post.public:
                    pages.append((route.url, post.updated or post.date))
            elif route.kind == "page":
                pages.append((route.url, None))
            elif route.kind == "tag" and route.item is not None:
                newest_here = tag_newest.get(route.item)
                if newest_here is not None:
                    pages.append((route.url, newest_here))
        return sorted(pages)
