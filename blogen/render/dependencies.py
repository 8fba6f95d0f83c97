"""Page fingerprints: a digest of everything a page's bytes depend on, taken from what it shows.

A page whose fingerprint equals the one recorded with its live file is not rendered again (same
inputs, same code, same templates give the same bytes). What a page depends on is not spelled out
here a second time: the fingerprint is a digest of the very values the page is made from
(``Renderer.shows``: a page's template context, a feed's entries), so a value a template can see is
a value the fingerprint counts, whatever it is. Posts count by digests worked out once per build
(their views' fields; their body only where the page read it), the things every page shares (the
code, the templates, the site, the config, the theme's assets) once in ``base``.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Collection, Mapping
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any

from blogen.core.install import code_fingerprint
from blogen.model.values import Route, Site
from blogen.render.search import SearchInputs
from blogen.render.views import BODY_FIELDS, PostView, SiteView

FEED_KINDS = frozenset({"feed", "jsonfeed", "termfeed", "termjson"})

# A post's view but its body fields and summary: what a listing of it shows, compared as a tuple
# (the view's own repr and dataclasses.replace cost ~50 us a post on every build).
_listed_fields = operator.attrgetter(*(f.name for f in fields(PostView)
                                       if f.name not in BODY_FIELDS and f.name != "summary_html"))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


class Fingerprints:
    """The fingerprints of one Site's routes.

    ``digests`` holds the posts' digests already known (kept from the last build), by index, and is
    filled as more are computed; ``keep_digest`` hears of each new one.
    """

    def __init__(self, site: Site, posts: tuple[PostView, ...], index: Mapping[str, int], site_view: SiteView,
                 templates: bytes, digests: dict[int, tuple[bytes, bytes]],
                 keep_digest: Callable[[int, tuple[bytes, bytes]], None] | None = None) -> None:
        self.site = site
        self.posts = posts
        self.index = index
        self._site_view = site_view
        self._post_digests = digests  # (everything, everything but the body)
        self._keep_digest = keep_digest
        self.base = hashlib.sha256(repr((
            code_fingerprint(), templates, site_view, sorted(site.assets.items()), site.config,
        )).encode()).digest()

    def of(self, route: Route, shows: Mapping[str, Any], body_reads: Collection[str] | None = None
           ) -> tuple[str, tuple[str, ...] | None]:
        """A digest of everything the route's bytes are made from (``shows``), and the posts it shows
        (their sources: the pages a post whose text changes is on, for a patch; None for a search
        index file, which any post's text may change and whose digest says whether it did).

        ``body_reads`` are the posts whose body (``BODY_FIELDS``) the page's templates read when it
        was last rendered; the other posts it shows count by everything but their body. Same inputs
        then mean the same template run, reading the same bodies, so the same bytes. None means
        unknown: every post counts whole.
        """
        search = shows.get("search")
        if isinstance(search, SearchInputs):
            h = hashlib.sha256(self.base)
            h.update(repr((route.kind, route.url, route.output, route.item)).encode() + search.digest)
            return h.hexdigest(), None
        parts: list[bytes | int] = []  # the page's values in order; a post as its index, its digest chosen below
        for name in sorted(shows):
            parts.append(name.encode() + b"\0")
            self._add(parts, shows[name])
        indices = {part for part in parts if type(part) is int}
        posts = self.posts
        shown = {posts[i].source for i in indices}
        reads = None if body_reads is None else frozenset(body_reads)
        if reads and not reads <= shown:
            reads = None  # a body from somewhere this page does not show: count everything whole
        # Each post shown once as its digest (a page such as the archive shows thousands).
        digests, known = self._post_digests, self._digests
        if not reads:  # every post whole (None), or as listed (no body read): the usual cases, in one step
            half = 0 if reads is None else 1
            chosen = {i: b"P" + (digests.get(i) or known(i))[half] for i in indices}
        else:
            chosen = {i: b"P" + (digests.get(i) or known(i))[0 if posts[i].source in reads else 1] for i in indices}
        h = hashlib.sha256(self.base)
        h.update(repr((route.kind, route.url, route.output, route.template, route.item, route.number)).encode())
        h.update(b"partial" if reads is not None else b"whole")
        h.update(b"".join([chosen[part] if type(part) is int else part for part in parts]))  # type: ignore[misc]
        return h.hexdigest(), tuple(sorted(shown))

    def _add(self, parts: list[bytes | int], value: Any) -> None:
        """One shown value, as parts of the digest: posts by index (their digests are taken later),
        everything else by its contents."""
        kind = type(value)
        if kind is str or kind is int or kind is bool or kind is float or value is None or kind is datetime:
            parts.append(f"{kind.__name__}:{value!s}\0".encode())
        elif kind is PostView:
            parts.append(self.index[value.source])
        elif kind is tuple or kind is list:
            parts.append(b"(%d" % len(value))
            if all(type(item) is PostView for item in value):  # a list of posts (the archive's: thousands)
                index = self.index
                parts.extend([index[item.source] for item in value])
                return
            for item in value:
                self._add(parts, item)
        elif value is self._site_view or callable(value):
            parts.append(b"=")  # counted in ``base``, or a helper such as ``asset`` whose answers are
        elif isinstance(value, str):  # Markup, and other kinds of text
            parts.append(f"{kind.__name__}:{value}\0".encode())
        elif isinstance(value, Mapping):
            parts.append(b"{%d" % len(value))
            for key in sorted(value, key=repr):
                parts.append(repr(key).encode())
                self._add(parts, value[key])
        elif is_dataclass(value):
            parts.append(kind.__name__.encode() + b"(")
            for name in _names(kind):
                self._add(parts, getattr(value, name))
        else:
            parts.append(repr(value).encode())  # an object without a stable repr never matches: the page is rendered

    def post_digest(self, i: int) -> bytes:
        """The digest of everything post ``i``'s view holds (what keys its search terms)."""
        return self._digests(i)[0]

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


def _names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def sitemap_pages(site: Site) -> tuple[tuple[str, datetime | None], ...]:
    """Every public HTML page with its last change; drafts and scheduled posts never appear."""
    public = [p for p in site.posts if p.public]
    newest = max((p.updated or p.date for p in public), default=None)
    by_source = {p.source: p for p in site.posts}
    term_newest: dict[tuple[str, str], datetime | None] = {}  # per term, not per page of it: a big tag has dozens
    for taxonomy in site.taxonomies:
        for slug, members in taxonomy.posts.items():
            term_newest[(taxonomy.key, slug)] = max(
                (site.posts[i].updated or site.posts[i].date for i in members if site.posts[i].public), default=None)
    pages: list[tuple[str, datetime | None]] = []
    for route in site.routes:
        if route.kind in ("home", "terms", "archive"):
            pages.append((route.url, newest))
        elif route.kind == "post" and route.item is not None:
            post = by_source[route.item]
            if post.public:
                pages.append((route.url, post.updated or post.date))
        elif route.kind == "page":
            pages.append((route.url, None))
        elif route.kind == "term" and route.item is not None and route.taxonomy is not None:
            newest_here = term_newest.get((route.taxonomy, route.item))
            if newest_here is not None:
                pages.append((route.url, newest_here))
    return tuple(sorted(pages))


def series_parts(site: Site, i: int) -> list[tuple[str, tuple[int, ...]]]:
    """Each series post ``i`` is in (its slug) with all its parts, oldest first."""
    series = site.taxonomy("series")
    if series is None:
        return []
    return [(slug, tuple(reversed(series.posts[slug]))) for slug in site.posts[i].terms_of("series")]
