"""The images a page shows, made into sized, responsive ``<img>``/``<picture>`` tags from one resolved URL each.

``src``, every ``srcset`` candidate, the social-card image and (through the feeds' absolute links)
the feed's image URLs all start from the URL the image file is published at, never from the path
as the author wrote it: so they are right under a sub-path base URL, from ``file://`` (pages make
them page-relative) and in feeds. Pure: the facts come from ``blogen.content.images``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from blogen.content.images import ImageInfo, Variant, plan_variants
from blogen.core.config import ImageOptions
from blogen.core.errors import Problem

SIZES = "(min-width: 48rem) 46rem, 100vw"
_IMG = re.compile(r"<img\s([^>]*?)src=\"([^\"]*)\"([^>]*)>")
# Kept as they are in a URL path; everything else (spaces, commas, quotes, ampersands) is percent-encoded,
# so a URL never breaks a srcset list or an attribute.
_SAFE = "/!$'()*+;=:@~"


@dataclass(frozen=True, slots=True)
class Picture:
    """One image file a page refers to: where it is published, its facts and its resized copies."""

    source: str  # relative to the site root
    url: str  # root-relative, with the base path; not percent-encoded
    info: ImageInfo
    variants: tuple[Variant, ...]


def make_picture(source: str, url: str, info: ImageInfo, options: ImageOptions) -> Picture:
    return Picture(source, url, info, plan_variants(source, info, options))


def url_attr(url: str) -> str:
    """A site URL as it is written in an attribute (and a srcset candidate): percent-encoded."""
    return quote(url, safe=_SAFE)


def _href(url: str, folder: str) -> str:
    """``url`` as written in the document whose URL folder is ``folder``: relative when the file is in
    that folder (a bundle's own image stays ``cask.png``), else root-relative (made page-relative by
    ``blogen.render.pagelinks`` on each page, absolute in feeds)."""
    return url_attr(url[len(folder):] if url.startswith(folder) and len(url) > len(folder) else url)


def folder_of(url: str) -> str:
    return url if url.endswith("/") else url.rsplit("/", 1)[0] + "/"


def variant_url(picture: Picture, variant: Variant) -> str:
    return posixpath.dirname(picture.url) + "/" + variant.name


def enhance_images(html: str, pictures: Mapping[str, Picture], page_url: str, decode: Callable[[str], str],
                   shown: set[str] | None = None) -> str:
    """Give each known ``<img>`` its published URL, size, lazy loading after the first, and responsive sources.

    ``pictures`` maps a src as the author wrote it (see ``decode``) to its picture; ``page_url`` is
    the URL of the document the HTML belongs to. The source of every image made into a picture is
    added to ``shown``.
    """
    if not pictures:
        return html
    count = 0
    folder = folder_of(page_url)

    def fix(m: re.Match[str]) -> str:
        nonlocal count
        picture = pictures.get(decode(m.group(2)))
        if picture is None:
            return m.group(0)
        count += 1
        if shown is not None:
            shown.add(picture.source)
        info = picture.info
        attrs = f'{m.group(1)}src="{_href(picture.url, folder)}"{m.group(3)}'.rstrip().removesuffix("/").rstrip()
        if "width=" not in attrs and info.width and info.height:
            attrs += f' width="{info.width}" height="{info.height}"'
        if count > 1 and "loading=" not in attrs:
            attrs += ' loading="lazy" decoding="async"'
        if not picture.variants or "srcset=" in attrs:  # raw HTML that chose its own sources keeps them
            return f"<img {attrs}>"

        def candidates(ext: str) -> list[str]:
            return [f"{_href(variant_url(picture, v), folder)} {v.width}w" for v in picture.variants if v.ext == ext]

        webp = candidates(".webp")
        full = f"{_href(picture.url, folder)} {info.width}w"
        fallback = next((v.ext for v in picture.variants if v.ext != ".webp"), None)
        if fallback is None:  # a WebP source: its copies are the only set
            return f'<img {attrs} srcset="{", ".join([*webp, full])}" sizes="{SIZES}">'
        img = f'<img {attrs} srcset="{", ".join([*candidates(fallback), full])}" sizes="{SIZES}">'
        return f'<picture><source type="image/webp" srcset="{", ".join(webp)}" sizes="{SIZES}">{img}</picture>'

    return _IMG.sub(fix, html)


def shown_image_problems(shown: Iterable[str], images: Mapping[str, ImageInfo]) -> list[Problem]:
    """What is wrong with the images pages show (too big to decode, unreadable, could not be resized),
    said once per image file; a file no page shows is copied as it is and never looked at."""
    out: list[Problem] = []
    for source in sorted(shown):
        info = images.get(source)
        if info is not None and info.problem:
            out.append(Problem(source, None, info.problem, info.severity))
    return out
