"""The model's links resolved: ``.md`` links to URLs, images sized, broken links reported, and what each resolution read.

``links`` resolves one document's links against an index of the whole site; this module builds that
index from the model, applies the result to each post and page, and remembers (``ModelMemo.links``)
every lookup a document's resolution made, so the dev server resolves again only the documents
whose lookups would now give something else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from blogen.content.images import ImageInfo, enhance_images
from blogen.content.sources import StaticFile
from blogen.core.config import Config
from blogen.core.errors import Problem
from blogen.core.urls import join_url
from blogen.markdown.render import Rendered, decode_href, encode_href
from blogen.model.resolve import LinkIndex, Target, resolve_links, rewrite_html, root_relative, root_relative_url
from blogen.model.values import Linked, ModelMemo, Page, Post, Route, forget_others


class _Recording(Mapping[str, "Target"]):
    """The link index's documents, remembering every key looked up and what it gave.

    A document's links resolve the same way again as long as each of those lookups gives an
    equal answer, which is how one post's resolution is reused when another post changes.
    """

    __slots__ = ("inner", "seen")

    def __init__(self, inner: Mapping[str, Target]) -> None:
        self.inner = inner
        self.seen: dict[str, Target | None] = {}

    def __getitem__(self, key: str) -> Target:
        found = self.inner.get(key)
        self.seen[key] = found
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        raise TypeError("iterating would make every document a dependency")

    def __len__(self) -> int:
        return len(self.inner)


def target_keys(item: Post | Page) -> tuple[str, ...]:
    """The keys a link finds a document under: its source path, its URL and its bundle folder."""
    return (item.source, item.url) if item.bundle is None else (item.source, item.url, item.bundle)


def add_target(targets: dict[str, Target], item: Post | Page, rendered: Rendered) -> None:
    target = Target(item.source, item.url, item.html, tuple(h.id for h in rendered.headings), item.bundle,
                    frozenset(item.assets), tuple(h.text for h in rendered.headings))
    for key in target_keys(item):
        targets[key] = target


def resolve_site_links(config: Config, problems: list[Problem], posts: list[Post], pages: list[Page],
                       rendered: Mapping[str, Rendered], static: Sequence[StaticFile], routes: Sequence[Route],
                       unpublished: set[str], images: Mapping[str, ImageInfo],
                       memo: ModelMemo | None = None, loose: frozenset[str] = frozenset(), release: bool = False
                       ) -> tuple[list[Post], list[Page], tuple[str, ...], frozenset[str], dict[str, frozenset[str]]]:
    """Turn ``.md`` links into URLs and report every local link that points nowhere (into ``problems``).

    Returns the posts and pages with their links resolved, the bundle files nothing uses, the
    broken links tolerated, and the documents each document's links point at (for backlinks).

    With ``memo``, a document's previous resolution is reused when the document is the same
    object, everything the index holds besides documents is equal, and every document its links
    looked up (found or not) is equal to what it was: together, all that ``resolve_links`` reads.

    With ``release`` (``rendered`` is a dict the caller gives up, and ``posts`` and ``pages`` lists
    it hands over), each document's Markdown results and its unresolved version are let go as soon
    as it is resolved: its HTML is then never held twice.
    """
    items: list[Post | Page] = [*posts, *pages]
    targets: dict[str, Target] = {}
    for item in items:
        add_target(targets, item, rendered[item.source])
    unpublished_keys = frozenset(unpublished | {u.rsplit("/", 1)[0] for u in unpublished if u.endswith(("/index.md", "/index.markdown"))})
    static_map = {f.source: join_url(config.base_path, "/" + f.target) for f in static}
    index = LinkIndex(
        documents=targets, unpublished=unpublished_keys, static=static_map,
        urls=frozenset(r.url for r in routes), base_path=config.base_path,
        static_urls={url: source for source, url in static_map.items()}, loose=loose,
        aliases={r.url: r.item for r in routes if r.kind == "alias" and r.item is not None},
    )
    same_index = False
    if memo is not None:
        rest = (index.unpublished, index.static, index.urls, index.base_path, config.broken_links, index.loose,
                index.aliases)
        same_index = memo.link_globals == rest
        memo.link_globals = rest
    unreferenced: list[str] = []
    tolerated: set[str] = set()
    fixed_posts: dict[str, Post] = {}
    fixed_pages: dict[str, Page] = {}
    targets_of: dict[str, frozenset[str]] = {}
    if release:
        posts.clear()
        pages.clear()
    for n, item in enumerate(items):
        done = memo.links.get(item.source) if memo is not None and same_index else None
        if done is None or done.item is not item or any(targets.get(k) != t for k, t in done.lookups) \
                or any(images.get(f) != info for f, info in done.pictured):
            done = resolve_item(config, item, rendered[item.source], targets, index, images)
            if memo is not None:
                memo.links[item.source] = done
        if release and isinstance(rendered, dict):
            items[n] = done.fixed
            del rendered[item.source]
        problems.extend(done.problems)
        tolerated.update(done.broken)
        unreferenced.extend(done.unused)
        targets_of[item.source] = done.targets
        if isinstance(done.fixed, Post):
            fixed_posts[item.source] = done.fixed
        else:
            fixed_pages[item.source] = done.fixed
    if memo is not None:
        forget_others(memo.links, {i.source: i for i in items})
        memo.index = (targets, index)
    if release:
        return ([i for i in items if isinstance(i, Post)], [i for i in items if isinstance(i, Page)],
                tuple(sorted(unreferenced)), frozenset(tolerated), targets_of)
    return ([fixed_posts.get(p.source, p) for p in posts], [fixed_pages.get(p.source, p) for p in pages],
            tuple(sorted(unreferenced)), frozenset(tolerated), targets_of)


def resolve_item(config: Config, item: Post | Page, rendered: Rendered, targets: Mapping[str, Target], index: LinkIndex,
                 images: Mapping[str, ImageInfo]) -> Linked:
    """One document's links resolved, with the lookups and image facts the result depends on."""
    recording = _Recording(targets)
    resolved = resolve_links(targets[item.source], rendered.links, replace(index, documents=recording))
    broken: tuple[str, ...] = ()
    if config.broken_links == "warning":  # chosen in the config, e.g. half-way through a migration
        problems = tuple(replace(p, severity="warning") for p in resolved.problems)
        # As written and as the HTML has it (percent-encoded), so the pages that show the link know it is told already.
        broken = tuple(sorted({root_relative_url(form, item.url) for link in resolved.broken
                               for form in (link, encode_href(link))}))
    else:
        problems = resolved.problems
    unused = tuple(f"{item.bundle}/{asset}" for asset in item.assets
                   if asset not in resolved.used_assets and f'"{asset}"' not in item.html)
    pictured = tuple((f, images.get(f)) for f in sorted(set(resolved.files.values())))
    pictures = {t: images[f] for t, f in resolved.files.items() if f in images}
    fixed: Post | Page = item
    if isinstance(item, Post):
        # Summaries are shown on other pages (home, tags): their relative links must not depend on where.
        summary = root_relative(_fix_html(item.summary_html, pictures, resolved.rewrites), item.url)
        html = _fix_html(item.html, pictures, resolved.rewrites)
        if html != item.html or summary != item.summary_html:  # a post has two dozen fields to copy
            fixed = replace(item, html=html, summary_html=summary)
    elif resolved.rewrites or pictures:
        fixed = replace(item, html=_fix_html(item.html, pictures, resolved.rewrites))
    return Linked(item, tuple(recording.seen.items()), pictured, problems, broken, unused, fixed, resolved.documents)


def _fix_html(html: str, pictures: Mapping[str, ImageInfo], rewrites: Mapping[str, str]) -> str:
    # Sizes are looked up by the target as written, so images go first, then links are rewritten.
    return rewrite_html(enhance_images(html, pictures, decode_href), rewrites)
