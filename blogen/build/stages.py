"""The stages of a full build up to the model: content, Markdown (cached, in worker processes when
there are many), images, theme assets, the model; and the files a build copies rather than renders."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from blogen.build.images import resize_shown, with_copies_folder
from blogen.build.markdown import cold_and_big, ready, render_documents
from blogen.content.images import ImageInfo, probe_images
from blogen.content.inputs import Inputs, theme_files
from blogen.content.sources import Content, DocumentMemo, load_content
from blogen.core.config import Config
from blogen.core.errors import BlogenError, Problem
from blogen.core.files import read_regular
from blogen.core.processes import worker_count
from blogen.core.progress import Progress
from blogen.incremental.cache import read_entry, renderer_fingerprint, write_entry
from blogen.markdown.render import Rendered, highlight_css
from blogen.model.make import make_site
from blogen.model.values import ModelMemo, Site, ThemeAsset

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Modelled:
    """Everything a build knows before it renders pages: the model and what it was made from."""

    config: Config
    site: Site
    fresh: int  # documents rendered from Markdown this time
    cached: int
    assets: tuple[ThemeAsset, ...]
    template_lines: Mapping[str, int]
    content: Content  # its documents without their text
    images: Mapping[str, ImageInfo]


def _code_css(config: Config) -> bytes:
    """The code-highlighting CSS, from the cache when the renderer and styles are the same.

    Making it loads Pygments, which a build whose Markdown all comes from the cache never needs.
    """
    light, dark = config.markdown.highlight_light, config.markdown.highlight_dark
    key = hashlib.sha256(f"{renderer_fingerprint()}|{light}|{dark}".encode()).hexdigest()
    css = read_entry(config.root, "css", key)
    if css is None:
        css = highlight_css(light, dark).encode()
        write_entry(config.root, "css", key, css)
    return css


def collect_theme_assets(config: Config, inputs: Inputs) -> list[ThemeAsset]:
    """Theme static files (the site's own override the built-in ones by name); CSS and JS are fingerprinted.

    ``style.css`` gets the code-highlighting rules appended, so a page needs one stylesheet request.
    Only files the input walk vetted are read (see ``blogen.content.inputs``), each by the boundary
    rule (``blogen.core.files.read_regular``): one swapped for a symlink out since is refused.
    """
    assets: list[ThemeAsset] = []
    for name, file in theme_files(inputs, "static").items():
        if name.endswith((".css", ".js")):
            try:
                data = read_regular(file.path, inside=file.bound)
            except OSError as exc:
                shown = os.path.relpath(file.path, config.root) if file.bound == str(config.root) else file.path
                raise BlogenError.one(shown, None, exc.strerror or "cannot be read") from None
            if name == "style.css":
                data = data.rstrip(b"\n") + b"\n\n" + _code_css(config)
            digest = hashlib.sha256(data).hexdigest()[:10]
            stem, ext = name.rsplit(".", 1)
            assets.append(ThemeAsset(name, "", f"{stem}.{digest}.{ext}", data))
        else:
            assets.append(ThemeAsset(name, file.path, name))
    return assets


def make_model(config: Config, inputs: Inputs, *, drafts: bool, jobs: int | None, now: datetime,
               progress: Progress | None, markdown: dict[str, Rendered] | None = None,
               documents: DocumentMemo | None = None, model: ModelMemo | None = None,
               resize: bool = True) -> tuple[Modelled, Mapping[str, Rendered]]:
    """Content, Markdown and the model: the part of a full build that reads but never writes output/.
    With ``resize``, the resized copies of the images pages show are made (into the cache) too.

    ``markdown``, ``documents`` and ``model`` are what a long-running process keeps between builds
    (the dev server's memo), or what a build that keeps a snapshot fills (``model``). The sources'
    text is freed as each document's Markdown comes back, except where the dev server's document
    memo keeps the documents as they are (it compares them by identity). Returns the model and the
    documents' Markdown results, which a build drops at once (for a post with images or rewritten
    links they are a second copy of its HTML) and ``check`` reads the links of.
    """
    if documents is not None:
        content = load_content(config, documents, inputs)
        rendered, fresh = render_documents(config, content.documents, jobs, markdown, progress)
    else:
        with ExitStack() as stack:
            pool = None
            if cold_and_big(config, jobs, inputs):
                # Forked before the sources are read, the workers do not share the pages that hold their
                # text; the text can then really be freed as each document's HTML comes back (pages a
                # fork shares stay alive in the workers, and freeing on them only copies them).
                from concurrent.futures import ProcessPoolExecutor

                pool = stack.enter_context(ProcessPoolExecutor(max_workers=worker_count(jobs)))
                pool.submit(ready)
            content = load_content(config, None, inputs)
            docs = list(content.documents)
            content = replace(content, documents=())
            # Nothing after the Markdown needs the sources' text: render_documents drops it as it goes.
            rendered, fresh = render_documents(config, docs, jobs, markdown, progress, pool)
            content = replace(content, documents=tuple(docs))
    image_files = [f"{d.bundle}/{a}" for d in content.documents if d.bundle for a in d.assets]
    image_files += [f.source for f in content.static]
    if resize:
        config = with_copies_folder(config)
    images = probe_images(config.root, image_files, config.images)
    assets = collect_theme_assets(config, inputs)
    site = make_site(config, content.documents, rendered, content.static, assets, now=now, include_drafts=drafts,
                     images=images, memo=model, loose=content.loose)
    if resize and (marked := resize_shown(config, site, images, jobs, progress)) is not None:
        images = marked  # some images could not be resized: their pages show the originals
        site = make_site(config, content.documents, rendered, content.static, assets, now=now, include_drafts=drafts,
                         images=images, memo=model, loose=content.loose)
    if content.warnings:
        site = with_warnings(site, content.warnings)
    template_lines = {d.source: d.meta.lines["template"] for d in content.documents if "template" in d.meta.lines}
    _give_back_freed_memory()
    return Modelled(config, site, fresh, len(content.documents) - fresh, tuple(assets), template_lines, content, images), rendered


def with_warnings(site: Site, extra: list[Problem] | tuple[Problem, ...]) -> Site:
    return replace(site, warnings=tuple(sorted({*site.warnings, *extra}, key=Problem.sort_key)))


def copied_files(m: Modelled) -> Iterator[tuple[str, Path | bytes]]:
    """The output files that are not rendered: static files (copied) and theme assets (bytes or a file)."""
    by_name = {a.name: a for a in m.assets}
    for route in m.site.routes:
        if route.kind == "static" and route.copy_from is not None:
            yield route.output, m.config.root / route.copy_from
        elif route.kind == "asset" and route.item is not None:
            asset = by_name[route.item]
            yield route.output, asset.data if asset.data is not None else Path(asset.source)


def _give_back_freed_memory() -> None:
    """Hand the memory freed while the model was made (the sources' text, let go as each document's
    Markdown came back) back to the system, so the pages rendered next do not stack on top of it.

    glibc keeps freed blocks for reuse, and a big site's text leaves the heap full of holes that later,
    differently sized strings do not fit; ``malloc_trim`` returns what it can. Elsewhere: nothing.
    """
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
