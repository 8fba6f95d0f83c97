"""Every file the site has, as routes, and the check that no two of them claim one output file.

Routes follow from the finished model alone (posts, pages, tags, static files, theme assets), so
they are made apart from it; the model's links are then checked against the URLs found here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from blogen.content.images import ImageInfo, plan_variants
from blogen.content.sources import StaticFile
from blogen.core.config import Config
from blogen.core.errors import Problem
from blogen.core.urls import join_url, output_file
from blogen.model.values import Page, Post, Route, Tag, ThemeAsset


def _url_for_alias(config: Config, alias: str) -> str:
    path = alias if alias.endswith("/") or alias.endswith(".html") else alias + "/"
    return join_url(config.base_path, path)


def _paginate(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page))


def make_routes(config: Config, posts: Sequence[Post], pages: Sequence[Page], tags: Sequence[Tag],
                tag_posts: Mapping[str, tuple[int, ...]], static: Sequence[StaticFile],
                theme_assets: Sequence[ThemeAsset]) -> list[Route]:
    """Every file the site has; a URL no file can have is kept, marked in ``output``, for ``check_collisions`` to report."""
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
    for a in theme_assets:
        add(join_url(base, "/" + a.target), "asset", f"theme file '{a.name}'", copy_from=a.source or None, item=a.name)
    return routes


def variant_routes(config: Config, shown: Iterable[str], images: Mapping[str, ImageInfo],
                   routes: Sequence[Route]) -> list[Route]:
    """The resized copies of the images in ``shown``, each published beside its source (see ``plan_variants``)."""
    published = {r.copy_from: r for r in routes if r.kind == "static" and r.copy_from is not None}
    out: list[Route] = []
    for source in sorted(shown):
        route, info = published.get(source), images.get(source)
        if route is None or info is None:
            continue
        folder = route.url.rsplit("/", 1)[0] + "/"
        owner = route.owner.split(" (", 1)[0]
        for v in plan_variants(source, info, config.images):
            try:
                out.append(Route(url=folder + v.name, output=output_file(folder + v.name, config.base_path), kind="static",
                                 owner=f"{owner} (resized copy of '{source.rsplit('/', 1)[-1]}')", copy_from=v.cache_file))
            except ValueError as exc:
                out.append(Route(url=folder + v.name, output=f"\0invalid:{exc}", kind="static", owner=owner))
    return out


def check_collisions(routes: Sequence[Route]) -> list[Problem]:
    """Two things claiming one output file is an error naming both, found before anything is written."""
    problems: list[Problem] = []
    seen: dict[str, Route] = {}
    for route in routes:
        if route.output.startswith("\0invalid:"):
            problems.append(Problem(_owner_path(route.owner), None, f"{route.output.removeprefix(chr(0) + 'invalid:')} (claimed by {route.owner})"))
            continue
        key = route.output.casefold()  # two names differing in case are one file on macOS and Windows
        other = seen.get(key)
        if other is None:
            seen[key] = route
            continue
        first, second = sorted((other.owner, route.owner))
        problems.append(Problem(_owner_path(second), None, f"URL {route.url} is claimed twice: by {first} and by {second}"))
    return problems


def _owner_path(owner: str) -> str:
    return owner.split(" ", 1)[0] if owner.startswith("content/") else owner
