"""The model's links resolved: ``.md`` links to URLs, images sized, broken links reported, and what each resolution read.

``links`` resolves one document's links against an index of the whole site; this module builds that
index from the model, applies the result to each post and page, and remembers (``ModelMemo.links``)
every lookup a document's resolution made, so the dev server resolves again only the documents
whose lookups would now give something else.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from urllib.parse import unquote

from blogen.content.images import ImageInfo
from blogen.content.sources import StaticFile
from blogen.core.config import Config
from blogen.core.errors import Problem
from blogen.core.packed import PackedText
from blogen.core.urls import join_url
from blogen.markdown.render import LinkRef, Rendered, decode_href, encode_href
from blogen.model.pictures import Picture, enhance_images, folder_of, make_picture, url_attr
from blogen.model.resolve import LinkIndex, Resolved, Target, resolve_links, rewrite_html, root_relative, root_relative_url
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
    target = Target(item.source, item.url, item.body, tuple(h.id for h in rendered.headings), item.bundle,
                    frozenset(item.assets), tuple(h.text for h in rendered.headings))
    for key in target_keys(item):
        targets[key] = target


def resolve_site_links(config: Config, problems: list[Problem], posts: list[Post], pages: list[Page],
                       rendered: Mapping[str, Rendered], static: Sequence[StaticFile], routes: Sequence[Route],
                       unpublished: set[str], images: Mapping[str, ImageInfo],
                       memo: ModelMemo | None = None, loose: frozenset[str] = frozenset()
                       ) -> tuple[list[Post], list[Page], tuple[str, ...], frozenset[str], dict[str, frozenset[str]],
                                  frozenset[str]]:
    """Turn ``.md`` links into URLs and report every local link that points nowhere (into ``problems``).

    Returns the posts and pages with their links resolved, the bundle files nothing uses, the
    broken links tolerated, the documents each document's links point at (for backlinks), and the
    local images pages show (those that get resized copies).

    With ``memo``, a document's previous resolution is reused when the document is the same
    object, everything the index holds besides documents is equal, and every document its links
    looked up (found or not) is equal to what it was: together, all that ``resolve_links`` reads.
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
                index.aliases, config.images)
        same_index = memo.link_globals == rest
        memo.link_globals = rest
    unreferenced: list[str] = []
    tolerated: set[str] = set()
    fixed_posts: dict[str, Post] = {}
    fixed_pages: dict[str, Page] = {}
    targets_of: dict[str, frozenset[str]] = {}
    shown: set[str] = set()
    for item in items:
        done = memo.links.get(item.source) if memo is not None and same_index else None
        if done is None or done.item is not item or any(targets.get(k) != t for k, t in done.lookups) \
                or any(images.get(f) != info for f, info in done.pictured):
            done = resolve_item(config, item, rendered[item.source], targets, index, images)
            if memo is not None:
                memo.links[item.source] = done
        problems.extend(done.problems)
        tolerated.update(done.broken)
        unreferenced.extend(done.unused)
        targets_of[item.source] = done.targets
        shown.update(done.shown)
        if isinstance(done.fixed, Post):
            fixed_posts[item.source] = done.fixed
        else:
            fixed_pages[item.source] = done.fixed
    if memo is not None:
        forget_others(memo.links, {i.source: i for i in items})
        memo.index = (targets, index)
    return ([fixed_posts.get(p.source, p) for p in posts], [fixed_pages.get(p.source, p) for p in pages],
            tuple(sorted(unreferenced)), frozenset(tolerated), targets_of, frozenset(shown))


def resolve_item(config: Config, item: Post | Page, rendered: Rendered, targets: Mapping[str, Target], index: LinkIndex,
                 images: Mapping[str, ImageInfo]) -> Linked:
    """One document's links resolved, with the lookups and image facts the result depends on."""
    recording = _Recording(targets)
    looked_up = replace(index, documents=recording)
    resolved = resolve_links(targets[item.source], rendered.links, looked_up)
    broken: tuple[str, ...] = ()
    if config.broken_links == "warning":  # chosen in the config, e.g. half-way through a migration
        problems = tuple(replace(p, severity="warning") for p in resolved.problems)
        # As written and as the HTML has it (percent-encoded), so the pages that show the link know it is told already.
        broken = tuple(sorted({root_relative_url(form, item.url) for link in resolved.broken
                               for form in (link, encode_href(link))}))
    else:
        problems = resolved.problems
    card = _card_link(item, rendered)
    if card:
        # The front-matter image is resolved like an image in the text, for its URL; one that names no
        # file of the site is reported by ``blogen.model.cover`` (and the card then has no image).
        found = resolve_links(targets[item.source], card, looked_up)
        resolved = replace(resolved, files={**found.files, **resolved.files}, rewrites={**found.rewrites, **resolved.rewrites},
                           used_assets=resolved.used_assets | found.used_assets)
    html = item.html if item.assets or resolved.rewrites or resolved.files else ""  # unpacked only when it is read
    unused = tuple(f"{item.bundle}/{asset}" for asset in item.assets
                   if asset not in resolved.used_assets and f'"{asset}"' not in html)
    pictured = tuple((f, images.get(f)) for f in sorted(set(resolved.files.values())))
    pictures: dict[str, Picture] = {}
    for target, source in resolved.files.items():
        info = images.get(source)
        url = _file_url(source, recording, index) if info is not None else None
        if info is not None and url is not None:
            pictures[target] = make_picture(source, url, info, config.images)
    shown: set[str] = set()
    fixed: Post | Page = item
    if isinstance(item, Post):
        # Summaries are shown on other pages (home, tags): their relative links must not depend on where.
        summary = root_relative(_fix_html(item.summary_html, pictures, resolved.rewrites, item.url, shown), item.url)
        fixed_html = _fix_html(html, pictures, resolved.rewrites, item.url, shown)
        image = _card_url(item.image, pictures, resolved, card, lambda source: _file_url(source, recording, index))
        if fixed_html != html or summary != item.summary_html or image != item.image:  # a post has two dozen fields to copy
            body = PackedText.of(fixed_html) if fixed_html != html else item.body
            fixed = replace(item, body=body, summary_html=summary, image=image)
    elif resolved.rewrites or pictures:
        fixed = replace(item, body=PackedText.of(_fix_html(html, pictures, resolved.rewrites, item.url, shown)))
    return Linked(item, tuple(recording.seen.items()), pictured, problems, broken, unused, fixed, resolved.documents,
                  tuple(sorted(shown)))


def _card_link(item: Post | Page, rendered: Rendered) -> tuple[LinkRef, ...]:
    """The social-card image named in the front matter, resolved like an image in the text."""
    if not isinstance(item, Post) or not item.image or item.image == rendered.first_image:
        return ()
    return (LinkRef(unquote(item.image), item.image_line or 1, True),)


def _card_url(image: str | None, pictures: Mapping[str, Picture], resolved: Resolved, card: tuple[LinkRef, ...],
              file_url: Callable[[str], str | None]) -> str | None:
    """The social-card image's URL: the one its file is published at (root-relative, made absolute by the
    page), whatever path the author wrote; an http(s) URL as it is. None for an image that names no
    file of the site (reported with the links, or by ``blogen.model.cover``) and for one that no site
    showing the card could fetch (``data:`` and other schemes)."""
    if image is None:
        return None
    key = card[0].target if card else image
    picture = pictures.get(key)
    if picture is not None:
        return url_attr(picture.url)
    if key in resolved.files:
        url = file_url(resolved.files[key])
        return url_attr(url) if url is not None else resolved.rewrites.get(key)
    if key in resolved.rewrites:
        return resolved.rewrites[key]
    if image.startswith("//") or image.lower().startswith(("http:", "https:")):
        return image
    return None


def _file_url(source: str, documents: Mapping[str, Target], index: LinkIndex) -> str | None:
    """Where a local file is published: a static file's URL, or its bundle's folder and its path in it."""
    url = index.static.get(source)
    if url is not None:
        return url
    folder = posixpath.dirname(source)
    while folder and folder != "content":
        owner = documents.get(folder)
        if owner is not None and owner.bundle == folder:
            return folder_of(owner.url) + source[len(folder) + 1:]
        folder = posixpath.dirname(folder)
    return None


def _fix_html(html: str, pictures: Mapping[str, Picture], rewrites: Mapping[str, str], page_url: str,
              shown: set[str]) -> str:
    # Pictures are found by the target as written, so images go first, then links are rewritten.
    return rewrite_html(enhance_images(html, pictures, page_url, decode_href, shown), rewrites)
