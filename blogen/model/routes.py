"""Every file the site has, as routes, and the check that no two of them claim one output file.

Routes follow from the finished model alone (posts, pages, taxonomies, static files, theme assets), so
they are made apart from it; the model's links are then checked against the URLs found here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from blogen.content.images import ImageInfo, plan_variants
from blogen.content.sources import StaticFile
from blogen.core.config import Config
from blogen.core.errors import Problem
from blogen.core.limits import MAX_NAME_BYTES, MAX_PATH_BYTES
from blogen.core.urls import OUTPUT_MARKER, join_url, output_file
from blogen.model.search import SEARCH_PATH, document_ids, searchable, shard_count
from blogen.model.values import Page, Post, Route, Taxonomy, ThemeAsset

# Theme scripts for parts a site can turn on: published only when it has (nothing unused ships).
_OPTIONAL_ASSETS: dict[str, Callable[[Config], bool]] = {
    "search.js": lambda c: c.search.enabled,
    "comments.js": lambda c: c.comments.provider != "",
}


def _url_for_alias(config: Config, alias: str) -> str:
    path = alias if alias.endswith("/") or alias.endswith(".html") else alias + "/"
    return join_url(config.base_path, path)


def _paginate(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page))


def make_routes(config: Config, posts: Sequence[Post], pages: Sequence[Page], taxonomies: Sequence[Taxonomy],
                static: Sequence[StaticFile], theme_assets: Sequence[ThemeAsset]) -> list[Route]:
    """Every file the site has; a URL no file can have is kept, marked in ``output``, for ``check_collisions`` to report."""
    base = config.base_path
    routes: list[Route] = []

    def add(url: str, kind: str, owner: str, **kw: Any) -> None:
        try:
            out = output_file(url, base)
        except ValueError as exc:
            out = f"\0invalid:{exc}"
        routes.append(Route(url=url, output=out, kind=kind, owner=owner, **kw))

    for n in range(1, _paginate(len(posts), config.posts_per_page) + 1):
        add(join_url(base, "/" if n == 1 else f"/page/{n}/"), "home", "the home page", template="index.html", number=n)
    items: list[Post | Page] = [*posts, *pages]
    _item_routes(config, items, add)
    _taxonomy_routes(taxonomies, config.posts_per_page, add)
    add(join_url(base, "/archive/"), "archive", "the archive", template="archive.html")
    add(join_url(base, "/404.html"), "404", "the 404 page", template="404.html")
    if config.search.enabled:
        _search_routes(config, items, add)
    if config.feed.enabled and any(p.public for p in posts):
        _feed_routes(config, posts, taxonomies, add)
    _file_routes(config, static, theme_assets, add)
    return routes


def _item_routes(config: Config, items: Sequence[Post | Page], add: Callable[..., None]) -> None:
    """Each post and page, the redirects of its aliases and the files of its bundle (published beside it)."""
    for item in items:
        kind = "post" if isinstance(item, Post) else "page"
        add(item.url, kind, item.source, template=item.template, item=item.source)
        for alias in item.aliases:
            add(_url_for_alias(config, alias), "alias", f"{item.source} (alias '{_short(alias)}')", item=item.url)
        if item.bundle is not None:
            folder = item.url if item.url.endswith("/") else item.url.rsplit("/", 1)[0] + "/"
            for asset in item.assets:
                source = f"{item.bundle}/{asset}"
                add(folder + asset, "static", f"{item.source} (bundle file '{asset}')", copy_from=source)


def _taxonomy_routes(taxonomies: Sequence[Taxonomy], per_page: int, add: Callable[..., None]) -> None:
    """Each taxonomy's list of terms (when it has one) and every page of each term's posts."""
    for tax in taxonomies:
        kind, key = tax.options.singular, tax.key
        if tax.listed:
            add(tax.url, "terms", f"the {kind} index", template=tax.options.index_template, taxonomy=key)
        for term in tax.terms:
            for n in range(1, _paginate(len(tax.posts[term.slug]), per_page) + 1):
                add(term.url if n == 1 else f"{term.url}page/{n}/", "term", f"{kind} '{term.name}'",
                    template=tax.options.template, item=term.slug, number=n, taxonomy=key)


def _feed_routes(config: Config, posts: Sequence[Post], taxonomies: Sequence[Taxonomy], add: Callable[..., None]) -> None:
    """The site's feeds, and those of each term with a public post in a taxonomy that has feeds."""
    base = config.base_path
    add(join_url(base, "/feed.xml"), "feed", "the site feed")
    if config.feed.json:
        add(join_url(base, "/feed.json"), "jsonfeed", "the site's JSON feed")
    for tax in taxonomies:
        for term in tax.terms if tax.options.feed else ():
            if any(posts[i].public for i in tax.posts[term.slug]):
                owner = f"{tax.options.singular} '{term.name}'"
                add(f"{term.url}feed.xml", "termfeed", f"the feed of {owner}", item=term.slug, taxonomy=tax.key)
                if config.feed.json:
                    add(f"{term.url}feed.json", "termjson", f"the JSON feed of {owner}", item=term.slug, taxonomy=tax.key)


def _file_routes(config: Config, static: Sequence[StaticFile], theme_assets: Sequence[ThemeAsset],
                 add: Callable[..., None]) -> None:
    """The sitemap and robots.txt (unless content/static/ has its own), the static files, and the theme's
    assets (an optional script only when the site turned its part on)."""
    base = config.base_path
    targets = {f.target for f in static}
    if "sitemap.xml" not in targets:
        add(join_url(base, "/sitemap.xml"), "sitemap", "the sitemap")
    if "robots.txt" not in targets and base == "/":
        add(join_url(base, "/robots.txt"), "robots", "robots.txt")
    for f in static:
        add(join_url(base, "/" + f.target), "static", f.source, copy_from=f.source)
    for a in theme_assets:
        if a.name not in _OPTIONAL_ASSETS or _OPTIONAL_ASSETS[a.name](config):
            add(join_url(base, "/" + a.target), "asset", f"theme file '{a.name}'", copy_from=a.source or None, item=a.name)


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


def _search_routes(config: Config, items: Sequence[Post | Page], add: Callable[..., None]) -> None:
    """The search page, its manifest, its term shards and one file per document (see ``blogen.model.search``)."""
    base = config.base_path
    add(join_url(base, SEARCH_PATH), "search", "the search page", template="search.html")
    docs = [item for item in items if searchable(item, config)]
    add(join_url(base, SEARCH_PATH + "index.json"), "searchmeta", "the search index")
    for k in range(shard_count(len(docs))):
        add(join_url(base, f"{SEARCH_PATH}t/{k:x}.json"), "searchterms", "the search index", item=str(k))
    for item, doc_id in zip(docs, document_ids([d.url for d in docs]), strict=True):
        add(join_url(base, f"{SEARCH_PATH}d/{doc_id}.json"), "searchdoc", f"the search index ({item.source})", item=item.source)


def check_collisions(routes: Sequence[Route], output_dir: str = "",
                     line_of: Callable[[Route], int | None] = lambda _route: None) -> list[Problem]:
    """Every output file checked at once, before anything is written: two things claiming one file, a
    file standing where another needs a folder (an alias ``/feed.xml`` is ``feed.xml/index.html``),
    names the writer keeps for itself, and names or paths too long for the file system. Each problem
    names what claimed the file (and, through ``line_of``, the line that did)."""
    problems: list[Problem] = []

    def bad(route: Route, message: str) -> None:
        problems.append(Problem(_owner_path(route.owner), line_of(route), f"{message} (claimed by {route.owner})"))

    seen: dict[str, Route] = {}
    for route in routes:
        if route.output.startswith("\0invalid:"):
            bad(route, route.output.removeprefix("\0invalid:"))
            continue
        if (why := _unwritable(route.output, output_dir)) is not None:
            bad(route, f"URL {_short(route.url)}: {why}")
            continue
        key = route.output.casefold()  # two names differing in case are one file on macOS and Windows
        other = seen.get(key)
        if other is None:
            seen[key] = route
            continue
        first, second = sorted((other, route), key=lambda r: (not r.owner.startswith("content/"), r.owner))
        named = second if second.owner.startswith("content/") else first  # a source file if either is one
        shown = " and by ".join(sorted((first.owner, second.owner)))
        problems.append(Problem(_owner_path(named.owner), line_of(named), f"URL {_short(route.url)} is claimed twice: by {shown}"))
    for key, route in seen.items():
        folder = key
        while "/" in folder:
            folder = folder.rsplit("/", 1)[0]
            holder = seen.get(folder)
            if holder is not None:
                shown = "/".join(route.output.split("/")[:folder.count("/") + 1])
                bad(route, f"URL {_short(route.url)} needs a folder '{shown}' where {holder.owner} puts the file of "
                           f"{_short(holder.url)}")
                break
    return problems


def _short(url: str) -> str:
    return url if len(url) <= 100 else f"{url[:60]}…{url[-20:]}"


def _unwritable(out: str, output_dir: str) -> str | None:
    """Why no file can be written at ``out`` (relative to the output folder at ``output_dir``), or None."""
    parts = out.split("/")
    if parts[0].casefold() == OUTPUT_MARKER.casefold():
        return f"'{parts[0]}' is the name blogen marks its output folder with"
    for part in parts:
        if part.startswith(".") and part.endswith(".blogen-tmp"):
            return f"'{part}' is a name blogen keeps for its temporary files"
        size = len(part.encode("utf-8", "surrogateescape"))
        if size > MAX_NAME_BYTES:
            return (f"its name '{part[:32]}…' is {size} bytes long; a file or folder name in the output may have "
                    f"at most {MAX_NAME_BYTES}")
    total = len(output_dir.encode("utf-8", "surrogateescape")) + 1 + len(out.encode("utf-8", "surrogateescape"))
    if total > MAX_PATH_BYTES:
        return f"its file's path would be {total} bytes long; paths may have at most {MAX_PATH_BYTES}"
    return None


def _owner_path(owner: str) -> str:
    return owner.split(" ", 1)[0] if owner.startswith("content/") else owner
