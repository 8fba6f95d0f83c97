"""Turn routes into bytes: each page's context, its template run, and the render of every route of a build.

What each route shows is said once, here (``Renderer.shows``): its render and its fingerprint (in
``dependencies``) both take it from there. The environment the templates run in is in
``templates``, and the rewriting of links in the finished HTML in ``pagelinks``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import jinja2

from blogen import __version__
from blogen.content.theme import theme_dirs
from blogen.core.errors import BlogenError, Problem
from blogen.core.urls import join_url
from blogen.model.values import Post, Route, Site, Term
from blogen.render.dependencies import FEED_KINDS, Fingerprints, series_parts, sitemap_pages
from blogen.render.documents import DOCUMENT_KINDS, feed_posts, render_document, terms_by_slug
from blogen.render.feeds import check_feed, feed_entries
from blogen.render.jsonfeed import check_json_feed
from blogen.render.pagelinks import redirect_page, relative_links
from blogen.render.search import SEARCH_KINDS, SearchIndex, SearchMemo
from blogen.render.templates import TemplateErrors, make_environment, template_frame, template_path, templates_digest
from blogen.render.views import (
    Paginator,
    PostView,
    SeriesView,
    SiteView,
    SocialMeta,
    TaxonomyView,
    TermView,
    YearView,
    json_ld,
    page_view,
    post_view,
    recording_body_reads,
    stop_recording,
    taxonomy_view,
    term_view,
)


@dataclass(slots=True)
class RenderMemo:
    """What a long-running process (``blogen serve``) keeps between renders.

    The template environment, with its compiled templates, while no template file changed;
    and each post's view and digest while the post is the same object and its terms' views are
    equal (the model's memo hands back the same Post when nothing it was made from changed).
    """

    env: dict[tuple[object, ...], jinja2.Environment] = field(default_factory=dict)
    views: dict[str, tuple[Post, object, PostView, tuple[bytes, bytes] | None]] = field(default_factory=dict)
    # source -> (post, base URL, Atom entry content, JSON Feed content_html)
    feeds: dict[str, tuple[Post, str, str | None, str | None]] = field(default_factory=dict)
    tag_views: dict[tuple[str, str], TermView] = field(default_factory=dict)  # (taxonomy, slug) -> view
    search: SearchMemo = field(default_factory=SearchMemo)  # the search index's terms and shard digests

    def copy(self) -> RenderMemo:
        """A copy a build can bring up to date while this one still describes the last good build."""
        return RenderMemo(dict(self.env), dict(self.views), dict(self.feeds), dict(self.tag_views), self.search.copy())

    def kept(self) -> RenderMemo:
        """What is worth keeping on disk: the posts' views and digests, the search terms (not the compiled templates)."""
        return RenderMemo(views=self.views, tag_views=self.tag_views, search=self.search)


class Renderer:
    """Renders the routes of one Site; views are made once and shared by every page."""

    def __init__(self, site: Site, env: jinja2.Environment | None = None,
                 template_lines: Mapping[str, int] | None = None, memo: RenderMemo | None = None) -> None:
        self.site = site
        self.template_lines = template_lines or {}  # source -> line of its 'template:' key
        self.config = site.config
        templates = templates_digest(site.config.root)
        if env is None and memo is not None:
            key = (tuple(str(d) for d in theme_dirs(site.config.root)), templates)
            env = memo.env.get(key)
            if env is None:
                memo.env.clear()
                env = memo.env[key] = make_environment(site.config.root)
        self.env = env or make_environment(site.config.root)
        feeds = {r.url for r in site.routes if r.kind in FEED_KINDS}
        # taxonomy key -> term slug -> view, for every taxonomy of the site (tags included)
        self.terms: dict[str, dict[str, TermView]] = {t.key: {term.slug: term_view(term, feeds) for term in t.terms}
                                                      for t in site.taxonomies}
        self.taxonomies: dict[str, TaxonomyView] = {t.key: taxonomy_view(t) for t in site.taxonomies}
        # Whether every term's view is the very object of the last build: a post that is the same object
        # then has the same term views too, without building them to compare.
        keys = {(taxonomy, slug) for taxonomy, views in self.terms.items() for slug in views}
        self._tags_same = memo is not None and memo.tag_views.keys() == keys
        if memo is not None:  # the same view objects while equal, so comparing posts' term views is an identity check
            for taxonomy, views in self.terms.items():
                for slug, view in views.items():
                    kept = memo.tag_views.get((taxonomy, slug))
                    if kept == view:
                        views[slug] = kept
                    else:
                        memo.tag_views[(taxonomy, slug)] = view
                        self._tags_same = False
            for gone in [k for k in memo.tag_views if k not in keys]:
                del memo.tag_views[gone]
        self._memo = memo
        # posts' digests kept from the last build (everything, everything but the body), for the fingerprints
        self._post_digests: dict[int, tuple[bytes, bytes]] = {}
        self.posts = tuple(self._view(i, p) for i, p in enumerate(site.posts))
        if memo is not None:
            shown = {p.source for p in site.posts}
            for source in [s for s in memo.views if s not in shown]:
                del memo.views[source]
        self.pages = {p.source: page_view(p) for p in site.pages}
        self.index = site.post_by_source()
        base = self.config.base_path
        self.site_view = SiteView(
            title=self.config.title, description=self.config.description, author=self.config.author,
            language=self.config.language, base_url=self.config.base_url, extra=self.config.extra,
            home_url=base, tags_url=self.taxonomies["tags"].url if "tags" in self.taxonomies else None,
            archive_url=join_url(base, "/archive/"),
            feed_url=join_url(base, "/feed.xml") if join_url(base, "/feed.xml") in feeds else None,
            pages=tuple(self.pages[p.source] for p in site.pages),
            json_feed_url=join_url(base, "/feed.json") if join_url(base, "/feed.json") in feeds else None,
            taxonomies=tuple(v for v in self.taxonomies.values() if v.url is not None),
            search_url=join_url(base, "/search/") if self.config.search.enabled else None,
            comments=self.config.comments, analytics=self.config.analytics,
        )
        self.errors = TemplateErrors()
        # Content links were checked in the model, so anything unknown here came from a template.
        self.known_urls = frozenset(r.url for r in site.routes) | {u.split("#", 1)[0] for u in site.tolerated}
        self._link_known: dict[str, bool] = {}  # template links repeat on every page: look each up once
        self.feed_contents: dict[str, str] = {}  # post source -> its Atom entry content, shared by every feed
        self.json_contents: dict[str, str] = {}  # post source -> its JSON Feed content_html, shared likewise
        if memo is not None:  # entry contents of posts that are the same objects, for the same base URL
            for source, (post, base_url, text, html) in list(memo.feeds.items()):
                i = self.index.get(source)
                if i is not None and site.posts[i] is post and base_url == self.config.base_url:
                    if text is not None:
                        self.feed_contents[source] = text
                    if html is not None:
                        self.json_contents[source] = html
                else:
                    del memo.feeds[source]
        self._terms_by_slug: dict[str, dict[str, Term]] | None = None  # made for the first feed rendered
        self.last_links: list[str] = []
        self.last_body_reads: list[str] | None = None  # posts whose body the last rendered page read
        self.fingerprints = Fingerprints(
            site, self.posts, self.index, self.site_view, templates, self._post_digests,
            keep_digest=self._keep_digest if memo is not None else None,
        )
        self._sitemap: tuple[tuple[str, datetime | None], ...] | None = None
        # The search index's files, when the site has search: its terms are keyed by the posts' digests.
        self.search = SearchIndex(site, memo.search if memo is not None else None,
                                  lambda i: self.fingerprints.post_digest(i), site.config.root / ".blogen-cache") \
            if site.config.search.enabled else None

    def _term_views(self, post: Post) -> object:
        """What a post's view takes from the terms: the site's taxonomies and the views of the post's terms."""
        return tuple(self.terms), tuple(self.terms[key][slug] for key, slugs in post.terms for slug in slugs)

    def _view(self, i: int, post: Post) -> PostView:
        if self._memo is not None:
            hit = self._memo.views.get(post.source)
            if hit is not None and hit[0] is post and (self._tags_same or hit[1] == self._term_views(post)):
                if hit[3] is not None:
                    self._post_digests[i] = hit[3]
                return hit[2]
        view = post_view(post, self.terms)
        if self._memo is not None:
            self._memo.views[post.source] = (post, self._term_views(post), view, None)
        return view

    def _keep_digest(self, i: int, digest: tuple[bytes, bytes]) -> None:
        """Keep a post's digests with its view in the memo, while the post is the same object."""
        assert self._memo is not None
        post = self.site.posts[i]
        hit = self._memo.views.get(post.source)
        if hit is not None and hit[0] is post:
            self._memo.views[post.source] = (hit[0], hit[1], hit[2], digest)

    # -- helpers for templates
    def asset(self, name: str) -> str:
        try:
            return self.site.assets[name]
        except KeyError:
            raise jinja2.UndefinedError(f"asset('{name}'): no file '{name}' in theme/static/") from None

    def canonical(self, url: str) -> str:
        if not self.config.base_url:
            return url
        return self.config.base_url.rstrip("/") + url[len(self.config.base_path) - 1:]

    def _paginate(self, items: Sequence[int], number: int, first_url: str) -> tuple[tuple[PostView, ...], Paginator]:
        per = self.config.posts_per_page
        total = max(1, -(-len(items) // per))

        def url(n: int) -> str:
            return first_url if n == 1 else f"{first_url}page/{n}/"

        chosen = items[(number - 1) * per: number * per]
        pager = Paginator(number, total, url(number - 1) if number > 1 else None, url(number + 1) if number < total else None)
        return tuple(self.posts[i] for i in chosen), pager

    def context(self, route: Route) -> dict[str, Any]:
        ctx: dict[str, Any] = {
            "site": self.site_view, "page_kind": route.kind, "page_url": route.url,
            "canonical_url": self.canonical(route.url), "description": self.config.description or self.config.title,
            "asset": self.asset, "blogen_version": __version__,
        }
        title = self.config.title
        image: str | None = None
        if route.kind == "home":
            posts, pager = self._paginate(range(len(self.posts)), route.number, self.site_view.home_url)
            ctx.update(posts=posts, paginator=pager)
        elif route.kind == "post":
            assert route.item is not None
            i = self.index[route.item]
            post = self.posts[i]
            ctx.update(
                post=post, newer=self.posts[i - 1] if i > 0 else None,
                older=self.posts[i + 1] if i + 1 < len(self.posts) else None,
                related=tuple(self.posts[j] for j in self.site.related[i]),
                description=post.summary or ctx["description"], series=self.series(i),
                backlinks=tuple(self.posts[j] for j in self.site.backlinks.get(route.item, ())),
            )
            title = post.title
            image = urljoin(ctx["canonical_url"], post.image) if post.image else None
            ctx["json_ld"] = json_ld(post, ctx["canonical_url"], image, self.config.author)
        elif route.kind == "page":
            assert route.item is not None
            page = self.pages[route.item]
            ctx.update(page=page, description=page.summary or ctx["description"],
                       backlinks=tuple(self.posts[j] for j in self.site.backlinks.get(route.item, ())))
            title = page.title
        elif route.kind in ("term", "terms"):
            title = self._taxonomy_context(route, ctx) or title
        elif route.kind == "search":
            title = "Search"
            ctx["description"] = f"Search the notes on {self.config.title}"
        elif route.kind == "archive":
            years: dict[int, list[PostView]] = {}
            for post in self.posts:
                years.setdefault(post.date.year, []).append(post)
            ctx.update(years=tuple(YearView(y, tuple(ps)) for y, ps in years.items()))
        ctx.setdefault("json_ld", None)
        ctx["social"] = SocialMeta(title, ctx["description"], ctx["canonical_url"],
                                   "article" if route.kind == "post" else "website", image)
        return ctx

    def _taxonomy_context(self, route: Route, ctx: dict[str, Any]) -> str | None:
        """A term's page (``taxonomy``, ``term``, ``posts``, ``paginator``) or a taxonomy's list of terms
        (``taxonomy``, ``terms``); for tags also under the names tag templates have always had."""
        assert route.taxonomy is not None
        taxonomy, found = self.taxonomies[route.taxonomy], self.site.taxonomy(route.taxonomy)
        assert found is not None
        tags = route.taxonomy == "tags"
        if tags:
            ctx["page_kind"] = "tag" if route.kind == "term" else "tags"
        ctx["taxonomy"] = taxonomy
        if route.kind == "terms":
            ctx["terms"] = tuple(self.terms[taxonomy.key][t.slug] for t in found.terms)
            if tags:
                ctx["tags"] = ctx["terms"]
            return None
        assert route.item is not None
        term = self.terms[taxonomy.key][route.item]
        posts, pager = self._paginate(found.posts[term.slug], route.number, term.url)
        ctx.update(term=term, posts=posts, paginator=pager)
        if tags:
            ctx["tag"] = term
            ctx["description"] = f"Notes tagged {term.name} on {self.config.title}"
            return f"Posts tagged {term.name}"
        ctx["description"] = f"Notes in the {taxonomy.singular} {term.name} on {self.config.title}"
        return f"{taxonomy.singular[:1].upper()}{taxonomy.singular[1:]}: {term.name}"

    def shows(self, route: Route) -> dict[str, Any] | None:
        """Everything the route's bytes are made from, by name: a page's template context, a feed's
        entries, the sitemap's pages. None for routes cheaper to make again than to compare
        (redirects, robots.txt). The fingerprints are taken from this, and the render uses it."""
        if route.kind in ("alias", "robots"):
            return None
        if route.kind == "sitemap":
            if self._sitemap is None:
                self._sitemap = sitemap_pages(self.site)
            return {"pages": self._sitemap}
        if route.kind in SEARCH_KINDS:
            assert self.search is not None
            return self.search.shows(route, self.posts, self.pages)
        if route.kind in FEED_KINDS:
            posts, page_url, title = feed_posts(self.site, route)
            entries = feed_entries(self.config, posts)
            return {"entries": tuple(self.posts[self.index[p.source]] for p in entries), "page_url": page_url,
                    "title": title, "feed_url": route.url, "stylesheet": self.site.assets.get("feed.xsl")}
        return self.context(route)

    def series(self, i: int) -> tuple[SeriesView, ...]:
        """Each series post ``i`` is in, with all its parts oldest first."""
        out = []
        for slug, parts in series_parts(self.site, i):
            out.append(SeriesView(self.terms["series"][slug], parts.index(i) + 1, len(parts),
                                  tuple(self.posts[j] for j in parts)))
        return tuple(out)

    def render(self, route: Route, shows: Mapping[str, Any] | None) -> bytes | None:
        """The bytes of a route from what it shows (``shows``), or None after recording an error."""
        if route.kind == "alias":
            assert route.item is not None
            return redirect_page(self.canonical(route.item)).encode()
        if route.kind in SEARCH_KINDS:
            assert self.search is not None
            return self.search.render(route)
        if route.kind in DOCUMENT_KINDS:
            if self._terms_by_slug is None:
                self._terms_by_slug = terms_by_slug(self.site)
            posts = [self.site.posts[self.index[v.source]] for v in shows["entries"]] if shows and "entries" in shows else []
            return render_document(self.site, route, shows or {}, posts, self._terms_by_slug, self.feed_contents,
                                   self.json_contents).encode("utf-8")
        assert route.template is not None
        page = route.item if route.kind in ("post", "page") and route.item else route.url
        reads: set[str] = set()
        token = recording_body_reads(reads)
        try:
            template = self.env.get_template(route.template)
            try:
                html = template.render(shows or {})
            finally:
                stop_recording(token)
            self.last_body_reads = sorted(reads)
            # The 404 page is served at any depth by static hosts, so its links must stay root-relative.
            links: list[str] = []
            if route.kind != "404":
                html = relative_links(html, route.url, self.config.base_path, links)
            else:
                relative_links(html, route.url, self.config.base_path, links)
            # Kept in the notes of every page until the build ends: one string per distinct link, not per page.
            self.last_links = [sys.intern(t) for t in sorted(set(links))]
            self.check_links(route, self.last_links)
            return html.encode("utf-8")
        except jinja2.TemplateNotFound as exc:
            path, line = template_frame(exc.__traceback__)
            if path is not None:  # an {% include %} or {% extends %} inside a template
                self.errors.add(template_path(path, self.config.root), line, f"template '{exc.name}' not found", page)
            elif route.kind in ("post", "page") and route.item:
                self.errors.add(route.item, self.template_lines.get(route.item),
                                f"template '{exc.name}' not found in theme/templates/ or the built-in theme", page)
            else:
                self.errors.add(f"theme/templates/{route.template}", None, f"template '{exc.name}' not found", page)
        except jinja2.TemplateSyntaxError as exc:
            self.errors.add(template_path(exc.filename or exc.name or "?", self.config.root), exc.lineno,
                            f"template syntax error: {exc.message}", page)
        except Exception as exc:
            path, line = template_frame(exc.__traceback__)
            kind = "undefined variable" if isinstance(exc, jinja2.UndefinedError) else "template error"
            self.errors.add(template_path(path, self.config.root) if path else f"theme/templates/{route.template}", line,
                            f"{kind}: {exc}", page)
        return None

    def check_links(self, route: Route, links: Sequence[str]) -> None:
        """Report root-relative links (from templates: content links were checked in the model) to no page."""
        if self.known_urls.issuperset(links):  # the usual case, checked in one step
            return
        page = route.item if route.kind in ("post", "page") and route.item else route.url
        for target in links:
            known = self._link_known.get(target)
            if known is None:
                known = self._link_known[target] = target.split("#", 1)[0].split("?", 1)[0] in self.known_urls
            if not known:
                self.errors.add(f"theme/templates/{route.template}", None,
                                f"broken link '{target}' in the page (from its templates or raw HTML): the site has no such page or file", page,
                                "warning" if self.config.broken_links == "warning" else "error")


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What rendering the routes produced: new bytes, the files kept as they are, and notes for next time."""

    files: dict[str, bytes]  # empty when the bytes went to a sink
    kept: frozenset[str]  # output paths whose inputs are unchanged and whose live file is intact
    # output path -> [input fingerprint, root-relative links, posts whose body it read, posts it shows]
    notes: dict[str, list[Any]]
    warnings: tuple[Problem, ...] = ()


def render_routes(site: Site, routes: Sequence[Route], template_lines: Mapping[str, int],
                  previous: Mapping[str, Any] | None = None, intact: frozenset[str] = frozenset(),
                  progress: Callable[[str, int, int], None] | None = None,
                  memo: RenderMemo | None = None,
                  sink: Callable[[str, bytes], None] | None = None) -> RenderResult:
    """Render every generated route; raise BlogenError with all problems.

    With ``sink``, each page's bytes are handed to it as soon as they are made, instead of being
    collected in the result: the writer can then store them at once and a big site's pages are
    never all in memory together. Once a problem has made the build's failure certain, pages are
    still rendered (to report every problem) but no longer handed over.

    A route whose input fingerprint equals the one recorded with the live file (``previous``), and
    whose live file is intact, is not rendered again: same inputs, same code, same templates give
    the same bytes. Its recorded links are still checked against today's pages. Feeds are parsed
    back and checked, so a broken one fails the build before anything reaches the output folder.
    """
    renderer = Renderer(site, template_lines=template_lines, memo=memo)
    previous = previous or {}
    out: dict[str, bytes] = {}
    kept: set[str] = set()
    notes: dict[str, list[Any]] = {}
    feed_problems: list[Problem] = []
    feed_failed = False
    for n, route in enumerate(routes, start=1):
        if progress is not None:
            progress("rendering pages", n, len(routes))
        if route.kind in ("static", "asset"):
            continue
        shows = renderer.shows(route)
        found = previous.get(route.output)
        old: list[Any] = found if isinstance(found, list) and len(found) == 4 else []
        reads = old[2] if old and isinstance(old[2], list) else None
        # A first build has nothing to compare with.
        if shows is not None and old and route.output in intact and old[0] == renderer.fingerprints.of(route, shows, reads)[0]:
            kept.add(route.output)
            notes[route.output] = old
            renderer.check_links(route, old[1] if all(isinstance(t, str) for t in old[1]) else [str(t) for t in old[1]])
            continue
        data = renderer.render(route, shows)
        if data is None:
            continue
        if sink is None:
            out[route.output] = data
        if shows is not None:
            templated = route.template is not None  # a templated page: count what it read this time
            read = renderer.last_body_reads if templated else None
            fingerprint, shown = renderer.fingerprints.of(route, shows, read)
            # feeds and the sitemap have no templates, so no template links to check again
            notes[route.output] = [fingerprint, renderer.last_links if templated else [], read,
                                   None if shown is None else list(shown)]
        if route.kind in FEED_KINDS:
            found_problems = check_feed(route.output, data) if route.kind in ("feed", "termfeed") \
                else check_json_feed(route.output, data)
            feed_problems.extend(found_problems)
            feed_failed = feed_failed or any(p.severity == "error" for p in found_problems)
        if sink is not None and not renderer.errors.failed and not feed_failed:
            sink(route.output, data)
    if memo is not None and (renderer.feed_contents or renderer.json_contents):
        for source in renderer.feed_contents.keys() | renderer.json_contents.keys():
            if source in renderer.index:
                memo.feeds[source] = (site.posts[renderer.index[source]], site.config.base_url,
                                      renderer.feed_contents.get(source), renderer.json_contents.get(source))
    problems = renderer.errors.problems() + feed_problems
    if any(p.severity == "error" for p in problems):
        raise BlogenError(problems)
    return RenderResult(out, frozenset(kept), notes, tuple(problems))
