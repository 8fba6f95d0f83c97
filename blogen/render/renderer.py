"""The renderer of one site: what each route shows (said once: its render and its fingerprint both
take it from ``Renderer.shows``), the views templates see, and the template run of each page."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urljoin

import jinja2

from blogen import __version__
from blogen.core.errors import Severity
from blogen.core.urls import join_url
from blogen.model.values import Post, Route, Site, Term
from blogen.render.dependencies import FEED_KINDS, Fingerprints, series_parts, sitemap_pages
from blogen.render.documents import DOCUMENT_KINDS, feed_posts, render_document, terms_by_slug
from blogen.render.feeds import feed_entries
from blogen.render.listing import Listing, reused_views
from blogen.render.memo import RenderMemo
from blogen.render.pagelinks import redirect_page, relative_links, with_index_file
from blogen.render.search import SEARCH_KINDS, SearchIndex
from blogen.render.templates import TemplateErrors, make_environment, template_frame, template_path, templates_digest
from blogen.render.views import (
    Paginator,
    PostView,
    SeriesView,
    SiteView,
    SocialMeta,
    TaxonomyView,
    YearView,
    json_ld,
    page_view,
    post_view,
    recording_body_reads,
    stop_recording,
    taxonomy_view,
    term_view,
)


class Renderer:
    """Renders the routes of one Site; views are made once and shared by every page."""

    def __init__(self, site: Site, env: jinja2.Environment | None = None,
                 template_lines: Mapping[str, int] | None = None, memo: RenderMemo | None = None) -> None:
        self.site = site
        self.template_lines = template_lines or {}  # source -> line of its 'template:' key
        self.config = site.config
        templates = templates_digest(site.config.root)
        self.env = env or (memo.environment(site.config.root, templates) if memo is not None
                           else make_environment(site.config.root))
        last = memo.listing if memo is not None else None
        if last is not None and last.routes is site.routes and last.tolerated is site.tolerated:
            feeds, self.known_urls = last.feeds, last.known_urls
        else:
            feeds = frozenset(r.url for r in site.routes if r.kind in FEED_KINDS)
            # Content links were checked in the model, so anything unknown here came from a template.
            self.known_urls = frozenset(r.url for r in site.routes) | {u.split("#", 1)[0] for u in site.tolerated}
        self.taxonomies: dict[str, TaxonomyView] = {t.key: taxonomy_view(t) for t in site.taxonomies}
        # taxonomy key -> term slug -> view, for every taxonomy of the site (tags included); with a memo, the
        # very objects of the last build while they are equal (then a post that is the same object has the
        # same term views too, without building them to compare)
        self.terms = {t.key: {term.slug: term_view(term, feeds) for term in t.terms} for t in site.taxonomies}
        self._tags_same = memo.same_term_views(self.terms) if memo is not None else False
        self._memo = memo
        # posts' digests kept from the last build (everything, everything but the body), for the fingerprints
        self._post_digests: dict[int, tuple[bytes, bytes]] = {}
        self.posts, self.index = self._post_views(site, last)
        if memo is not None:
            memo.listing = Listing(site.posts, self.posts, self.index, self._post_digests, site.routes, site.tolerated,
                                   feeds, self.known_urls)
        self.pages = {p.source: page_view(p) for p in site.pages}
        self.site_view = self._site_view(feeds)
        self.errors = TemplateErrors()
        self._link_known: dict[str, bool] = {}  # template links repeat on every page: look each up once
        self.feed_contents: dict[str, str] = {}  # post source -> its Atom entry content, shared by every feed
        self.json_contents: dict[str, str] = {}  # post source -> its JSON Feed content_html, shared likewise
        if memo is not None:
            self._reuse_feed_contents(memo)
        self._terms_by_slug: dict[str, dict[str, Term]] | None = None  # made for the first feed rendered
        self.last_links: list[str] = []
        self.last_body_reads: list[str] | None = None  # posts whose body the last rendered page read
        self.fingerprints = Fingerprints(
            site, self.posts, self.index, self.site_view, templates, self._post_digests,
            keep_digest=memo.digest_keeper(site) if memo is not None else None,
        )
        self._sitemap: tuple[tuple[str, datetime | None], ...] | None = None
        # The search index's files, when the site has search: its terms are keyed by the posts' digests.
        self.search = SearchIndex(site, memo.search if memo is not None else None,
                                  self.fingerprints.post_digest, site.config.root / ".blogen-cache") \
            if site.config.search.enabled else None

    def _post_views(self, site: Site, last: Listing | None) -> tuple[tuple[PostView, ...], dict[str, int]]:
        """Every post's view, and each post's position by source: from the last renderer's listing
        when its terms' views are these (see ``listing``)."""
        memo, posts = self._memo, site.posts
        if memo is not None and last is not None and self._tags_same:
            reused = reused_views(site, last, self._post_digests, self._view)
            if reused is not None:
                return reused
        found = tuple(self._view(i, p) for i, p in enumerate(posts))
        if memo is not None:
            shown = {p.source for p in posts}
            for source in [s for s in memo.views if s not in shown]:
                del memo.views[source]
        return found, site.post_by_source()

    def _site_view(self, feeds: frozenset[str]) -> SiteView:
        config, base = self.config, self.config.base_path
        return SiteView(
            title=config.title, description=config.description, author=config.author,
            language=config.language, base_url=config.base_url, extra=config.extra,
            home_url=base, tags_url=self.taxonomies["tags"].url if "tags" in self.taxonomies else None,
            archive_url=join_url(base, "/archive/"),
            feed_url=join_url(base, "/feed.xml") if join_url(base, "/feed.xml") in feeds else None,
            pages=tuple(self.pages[p.source] for p in self.site.pages),
            json_feed_url=join_url(base, "/feed.json") if join_url(base, "/feed.json") in feeds else None,
            taxonomies=tuple(v for v in self.taxonomies.values() if v.url is not None),
            search_url=join_url(base, "/search/") if config.search.enabled else None,
            comments=config.comments, analytics=config.analytics,
        )

    def _reuse_feed_contents(self, memo: RenderMemo) -> None:
        """Entry contents of posts that are the same objects as last time, for the same base URL."""
        for source, (post, base_url, text, html) in list(memo.feeds.items()):
            i = self.index.get(source)
            if i is not None and self.site.posts[i] is post and base_url == self.config.base_url:
                if text is not None:
                    self.feed_contents[source] = text
                if html is not None:
                    self.json_contents[source] = html
            else:
                del memo.feeds[source]

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

    # -- helpers for templates
    def asset(self, name: str) -> str:
        try:
            return self.site.assets[name]
        except KeyError:
            raise jinja2.UndefinedError(f"asset('{name}'): no file '{name}' in theme/static/") from None

    def canonical(self, url: str) -> str:
        if not self.config.base_url:
            return url
        absolute = self.config.base_url.rstrip("/") + url[len(self.config.base_path) - 1:]
        return with_index_file(absolute) if self.config.file_urls else absolute

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
            # The 404 page is served at any depth by static hosts, so its links must stay root-relative
            # (read from disk, there is no host to serve it elsewhere).
            links: list[str] = []
            if route.kind != "404" or self.config.file_urls:
                html = relative_links(html, route.url, self.config.base_path, links, self.config.file_urls)
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
        """Report root-relative links to no page: those of templates (content links were checked in the model),
        named by the template they come from, or by the post or page when its own text holds the link."""
        if self.known_urls.issuperset(links):  # the usual case, checked in one step
            return
        from blogen.render.brokenlinks import template_holding, text_holding  # only once a link is not known

        page = route.item if route.kind in ("post", "page") and route.item else route.url
        severity: Severity = "warning" if self.config.broken_links == "warning" else "error"
        for target in links:
            known = self._link_known.get(target)
            if known is None:
                path = target.split("#", 1)[0].split("?", 1)[0]
                # Content writes file names percent-encoded (an image "my photo.png"); routes hold them as they are.
                known = self._link_known[target] = path in self.known_urls or unquote(path) in self.known_urls
            if known:
                continue
            holder = text_holding(self.site, self.index, route, f'"{target}"')
            if holder is not None:
                self.errors.add(holder, None, f"broken link '{target}' in its text: the site has no such page or file",
                                page, severity)
            else:
                self.errors.add(template_holding(self.env, route, target, self.config.root, self.config.base_path), None,
                                f"broken link '{target}' in the page (from its templates): the site has no such page or file",
                                page, severity)
