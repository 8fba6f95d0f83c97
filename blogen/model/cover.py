"""The front-matter ``image`` (a post's social card) checked like an image in its Markdown.

The image goes into ``og:image`` and JSON-LD, so a missing file would be a broken card on every
share. A local one (``cover.png`` beside the post's ``index.md``, ``../static/cover.png``,
``/cover.png``) must name a file or page of the site, found by the same rule as a Markdown image
(``blogen.model.resolve.resolve_links``); a URL with a scheme other than http(s) was already refused
with the front matter (``blogen.content.frontmatter``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from urllib.parse import unquote

from blogen.content.sources import Document, StaticFile
from blogen.core.config import Config
from blogen.core.errors import Problem, Severity
from blogen.core.urls import join_url
from blogen.markdown.render import LinkRef, Rendered
from blogen.model.links import add_target
from blogen.model.resolve import LinkIndex, Target, resolve_links
from blogen.model.values import Page, Post, Route

_SCHEME_OR_HOST = ("http:", "https:", "//")


def check_cover_images(config: Config, posts: Sequence[Post], pages: Sequence[Page], docs: Mapping[str, Document],
                       rendered: Mapping[str, Rendered], static: Sequence[StaticFile], routes: Sequence[Route],
                       unpublished: set[str], loose: frozenset[str] = frozenset()) -> list[Problem]:
    """A problem for each published post whose front-matter ``image`` names no file or page of the site."""
    local = [(p, docs[p.source], image) for p in posts
             if (image := docs[p.source].meta.image) and not image.lower().startswith(_SCHEME_OR_HOST)]
    if not local:
        return []
    targets: dict[str, Target] = {}
    items: list[Post | Page] = [*posts, *pages]
    for item in items:
        add_target(targets, item, rendered[item.source])
    static_map = {f.source: join_url(config.base_path, "/" + f.target) for f in static}
    index = LinkIndex(
        documents=targets, unpublished=frozenset(unpublished), static=static_map,
        urls=frozenset(r.url for r in routes), base_path=config.base_path,
        static_urls={url: source for source, url in static_map.items()}, loose=loose,
    )
    problems: list[Problem] = []
    severity: Severity = "warning" if config.broken_links == "warning" else "error"  # as for images in the text
    for post, doc, image in local:
        ref = LinkRef(unquote(image), doc.meta.lines.get("image", 1), True)
        for problem in resolve_links(targets[post.source], (ref,), index).problems:
            why = problem.message.removeprefix(f"broken image '{ref.target}' ")
            problems.append(replace(problem, message=f"front-matter image '{image}' names no file of the site {why}",
                                    severity=severity))
    return problems
