"""The routes made by code rather than templates: Atom and JSON feeds, the sitemap and robots.txt.

Each comes straight from the model (``atom_feed``, ``json_feed``, ``sitemap``, ``robots_txt``);
this module only picks, for a route, the posts and the page it stands for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from blogen.core.urls import join_url
from blogen.model.values import Post, Route, Site, Term
from blogen.render.feeds import atom_feed, robots_txt, sitemap
from blogen.render.jsonfeed import json_feed

# The kinds of route this module renders, and the feeds among them.
DOCUMENT_KINDS = frozenset({"feed", "jsonfeed", "termfeed", "termjson", "sitemap", "robots"})


def feed_posts(site: Site, route: Route) -> tuple[list[Post], str, str]:
    """The posts a feed is made from (newest first), the page it stands for, and its title."""
    if route.kind in ("feed", "jsonfeed"):
        return list(site.posts), site.config.base_path, site.config.title
    assert route.taxonomy is not None and route.item is not None
    found = site.taxonomy(route.taxonomy)
    assert found is not None
    term = next(t for t in found.terms if t.slug == route.item)
    return [site.posts[i] for i in found.posts[term.slug]], term.url, f"{site.config.title}: {term.name}"


def terms_by_slug(site: Site) -> dict[str, dict[str, Term]]:
    """Every term of the site, by taxonomy and slug: what feed entries list as their categories or tags."""
    return {t.key: {term.slug: term for term in t.terms} for t in site.taxonomies}


def render_document(site: Site, route: Route, shows: Mapping[str, Any], posts: Sequence[Post],
                    terms: Mapping[str, Mapping[str, Term]], atom_contents: dict[str, str],
                    json_contents: dict[str, str]) -> str:
    """The text of a feed (its entries ``posts``), the sitemap or robots.txt from what the route shows
    (see ``Renderer.shows``); the contents caches are shared by a build's feeds."""
    config = site.config
    if route.kind in ("feed", "termfeed"):
        return atom_feed(config, posts, terms, feed_url=shows["feed_url"], page_url=shows["page_url"], title=shows["title"],
                         stylesheet=shows["stylesheet"], contents=atom_contents,
                         html=json_contents if config.feed.json else None)
    if route.kind in ("jsonfeed", "termjson"):
        return json_feed(config, posts, terms, feed_url=shows["feed_url"], page_url=shows["page_url"], title=shows["title"],
                         contents=json_contents)
    if route.kind == "sitemap":
        return sitemap(config, list(shows["pages"]))
    return robots_txt(config, join_url(config.base_path, "/sitemap.xml"))
