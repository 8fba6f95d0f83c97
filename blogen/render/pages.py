"""Turn routes into bytes: each page's context, its template run, and the render of every route of a build.

The environment the templates run in is in ``templates``, what a page's bytes depend on in
``fingerprints``, and the rewriting of links in the finished HTML in ``pagelinks``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin

import jinja2
from markupsafe import Markup

from blogen import __version__
from blogen.content.theme import theme_dirs
from blogen.core.errors import BlogenError, Problem
from blogen.core.urls import join_url
from blogen.model.values import Post, Route, Site
from blogen.render.dependencies import Fingerprints
from blogen.render.feeds import atom_feed, check_feed, robots_txt, sitemap
from blogen.render.pagelinks import redirect_page, relative_links
from blogen.render.templates import TemplateErrors, make_environment, template_frame, template_path, templates_digest
from blogen.render.views import (
    Paginator,
    PostView,
    SiteView,
    SocialMeta,
    TagView,
    YearView,
    page_view,
    post_view,
    recording_body_reads,
    stop_recording,
    tag_view,
)


@dataclass(frozen=True, slots=True)
class RenderMemo:
    """What a long-running process (``blogen serve``) keeps between renders.

    The template environment, with its compiled templates, while no template file changed;
    and each post's view and digest while the post is the same object and its tags' views are
    equal (the model's memo hands back the same Post when nothing it was made from changed).
    """

    env: dict[tuple[object, ...], jinja2.Environment] = field(default_factory=dict)
    views: dict[str, tuple[Post, tuple[TagView, ...], PostView, tuple[bytes, bytes] | None]] = field(default_factory=dict)
    feeds: dict[str, tuple[Post, str, str]] = field(default_factory=dict)  # source -> (post, base URL, entry content)
    tag_views: dict[str, TagView] = field(default_factory=dict)
    # output path -> the posts (indices) its fingerprint counted: the pages a changed post is on
    route_posts: dict[str, tuple[int, ...]] = field(default_factory=dict)


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
        feeds = {r.url for r in site.routes if r.kind in ("feed", "tagfeed")}
        self.tags = {t.slug: tag_view(t, feeds) for t in site.tags}
        # Whether every tag's view is the very object of the last build: a post that is the same object
        # then has the same tag views too, without building them to compare.
        self._tags_same = memo is not None and memo.tag_views.keys() == self.tags.keys()
        if memo is not None:  # the same view objects while equal, so comparing posts' tag views is an identity check
            for slug, view in self.tags.items():
                kept = memo.tag_views.get(slug)
                if kept == view:
                    self.tags[slug] = kept
                else:
                    memo.tag_views[slug] = view
                    self._tags_same = False
            for slug in [s for s in memo.tag_views if s not in self.tags]:
                del memo.tag_views[slug]
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
            home_url=base, tags_url=join_url(base, "/tags/"), archive_url=join_url(base, "/archive/"),
            feed_url=join_url(base, "/feed.xml") if join_url(base, "/feed.xml") in feeds else None, pages=tuple(self.pages[p.source] for p in site.pages),
        )
        self.errors = TemplateErrors()
        # Content links were checked in the model, so anything unknown here came from a template.
        self.known_urls = frozenset(r.url for r in site.routes) | {u.split("#", 1)[0] for u in site.tolerated}
        self._link_known: dict[str, bool] = {}  # template links repeat on every page: look each up once
        self.feed_contents: dict[str, str] = {}  # post source -> its entry content, shared by every feed
        if memo is not None:  # entry contents of posts that are the same objects, for the same base URL
            for source, (post, base_url, text) in list(memo.feeds.items()):
                i = self.index.get(source)
                if i is not None and site.posts[i] is post and base_url == self.config.base_url:
                    self.feed_contents[source] = text
                else:
                    del memo.feeds[source]
        self.last_links: list[str] = []
        self.last_body_reads: list[str] | None = None  # posts whose body the last rendered page read
        self.fingerprints = Fingerprints(
            site, self.posts, self.pages, self.tags, self.index, self.site_view, templates, self._post_digests,
            keep_digest=self._keep_digest if memo is not None else None,
            route_posts=memo.route_posts if memo is not None else None,
        )

    def _view(self, i: int, post: Post) -> PostView:
        if self._memo is not None:
            hit = self._memo.views.get(post.source)
            if hit is not None and hit[0] is post and (self._tags_same or hit[1] == tuple(self.tags[t] for t in post.tags)):
                if hit[3] is not None:
                    self._post_digests[i] = hit[3]
                return hit[2]
        view = post_view(post, self.tags)
        if self._memo is not None:
            self._memo.views[post.source] = (post, tuple(self.tags[t] for t in post.tags), view, None)
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
                description=post.summary or ctx["description"],
            )
            title = post.title
            image = urljoin(ctx["canonical_url"], post.image) if post.image else None
            ctx["json_ld"] = self.json_ld(post, ctx["canonical_url"], image)
        elif route.kind == "page":
            assert route.item is not None
            page = self.pages[route.item]
            ctx.update(page=page, description=page.summary or ctx["description"])
            title = page.title
        elif route.kind == "tag":
            assert route.item is not None
            tag = self.tags[route.item]
            posts, pager = self._paginate(self.site.tag_posts[tag.slug], route.number, tag.url)
            ctx.update(tag=tag, posts=posts, paginator=pager,
                       description=f"Notes tagged {tag.name} on {self.config.title}")
            title = f"Posts tagged {tag.name}"
        elif route.kind == "tags":
            ctx.update(tags=tuple(self.tags[t.slug] for t in self.site.tags))
        elif route.kind == "archive":
            years: dict[int, list[PostView]] = {}
            for post in self.posts:
                years.setdefault(post.date.year, []).append(post)
            ctx.update(years=tuple(YearView(y, tuple(ps)) for y, ps in years.items()))
        ctx.setdefault("json_ld", None)
        ctx["social"] = SocialMeta(title, ctx["description"], ctx["canonical_url"],
                                   "article" if route.kind == "post" else "website", image)
        return ctx

    def json_ld(self, post: PostView, url: str, image: str | None) -> Markup:
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
        if self.config.author:
            data["author"] = {"@type": "Person", "name": self.config.author}
        if image:
            data["image"] = image
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        # "</script>" or "<!--" in a title must not end or confuse the script element.
        return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))

    def render(self, route: Route) -> bytes | None:
        """The bytes of a templated route, or None after recording an error."""
        if route.kind == "alias":
            assert route.item is not None
            return redirect_page(self.canonical(route.item)).encode()
        if route.kind in ("feed", "tagfeed", "sitemap", "robots"):
            return self.render_xml(route).encode("utf-8")
        assert route.template is not None
        page = route.item if route.kind in ("post", "page") and route.item else route.url
        reads: set[str] = set()
        token = recording_body_reads(reads)
        try:
            template = self.env.get_template(route.template)
            try:
                html = template.render(self.context(route))
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
                path = target.split("#", 1)[0].split("?", 1)[0]
                # Content writes file names percent-encoded (an image "my photo.png"); routes hold them as they are.
                known = self._link_known[target] = path in self.known_urls or unquote(path) in self.known_urls
            if not known:
                self.errors.add(f"theme/templates/{route.template}", None,
                                f"broken link '{target}' in the page (from its templates or raw HTML): the site has no such page or file", page,
                                "warning" if self.config.broken_links == "warning" else "error")

    def render_xml(self, route: Route) -> str:
        site, config = self.site, self.config
        tags = {t.slug: t for t in site.tags}
        stylesheet = site.assets.get("feed.xsl")
        if route.kind == "feed":
            return atom_feed(config, site.posts, tags, feed_url=route.url, page_url=self.site_view.home_url,
                             title=config.title, stylesheet=stylesheet, contents=self.feed_contents)
        if route.kind == "tagfeed":
            assert route.item is not None
            tag = tags[route.item]
            posts = [site.posts[i] for i in site.tag_posts[tag.slug]]
            return atom_feed(config, posts, tags, feed_url=route.url, page_url=tag.url,
                             title=f"{config.title}: {tag.name}", stylesheet=stylesheet, contents=self.feed_contents)
        if route.kind == "sitemap":
            return sitemap(config, self.fingerprints.sitemap_pages())
        return robots_txt(config, join_url(config.base_path, "/sitemap.xml"))

@dataclass(frozen=True, slots=True)
class RenderResult:
    """What rendering the routes produced: new bytes, the files kept as they are, and notes for next time."""

    files: dict[str, bytes]  # empty when the bytes went to a sink
    kept: frozenset[str]  # output paths whose inputs are unchanged and whose live file is intact
    notes: dict[str, list[Any]]  # output path -> [input fingerprint, root-relative links, posts whose body it read]
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
        found = previous.get(route.output)
        old: list[Any] = found if isinstance(found, list) and len(found) in (2, 3) else []
        reads = old[2] if len(old) == 3 and isinstance(old[2], list) else None
        fingerprint: str | None = None
        if old and route.output in intact:  # else there is nothing to compare with (a first build)
            fingerprint = renderer.fingerprints.of(route, reads)
            if fingerprint is not None and old[0] == fingerprint:
                kept.add(route.output)
                notes[route.output] = old
                renderer.check_links(route, old[1] if all(isinstance(t, str) for t in old[1]) else [str(t) for t in old[1]])
                continue
        data = renderer.render(route)
        if data is not None:
            if sink is None:
                out[route.output] = data
            if route.template is not None:  # a templated page: count what it read this time
                fingerprint = renderer.fingerprints.of(route, renderer.last_body_reads)
                if fingerprint is not None:
                    notes[route.output] = [fingerprint, renderer.last_links, renderer.last_body_reads]
            else:  # feeds, the sitemap: no templates, so no template links to check again
                fingerprint = fingerprint or renderer.fingerprints.of(route, reads)
                if fingerprint is not None:
                    notes[route.output] = [fingerprint, []]
            if route.kind in ("feed", "tagfeed"):
                found_problems = check_feed(route.output, data)
                feed_problems.extend(found_problems)
                feed_failed = feed_failed or any(p.severity == "error" for p in found_problems)
            if sink is not None and not renderer.errors.failed and not feed_failed:
                sink(route.output, data)
    if memo is not None and renderer.feed_contents:
        for source, text in renderer.feed_contents.items():
            if source in renderer.index:
                memo.feeds[source] = (site.posts[renderer.index[source]], site.config.base_url, text)
    problems = renderer.errors.problems() + feed_problems
    if any(p.severity == "error" for p in problems):
        raise BlogenError(problems)
    return RenderResult(out, frozenset(kept), notes, tuple(problems))
