"""Orchestrate a build: config, content, Markdown (cached, in parallel), model, render, write."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from blogen.build.images import remember_known_digests, resize_shown, variants_missing
from blogen.build.markdown import Progress, cold_and_big, ready, render_documents, worker_count
from blogen.build.start import Memo, Modelled, QuickModel, command_line_start, quick_model
from blogen.content.images import probe_images
from blogen.content.sources import is_editor_noise, load_content
from blogen.content.theme import theme_dirs
from blogen.core.config import Config, load_config
from blogen.core.errors import BlogenError, Problem
from blogen.incremental import snapshot
from blogen.incremental.cache import CACHE_DIR, renderer_fingerprint
from blogen.incremental.record import Inputs, build_options, forget, input_digest, record
from blogen.incremental.scan import LastBuild, Scan, scan
from blogen.markdown.render import Rendered, highlight_css
from blogen.model.make import make_site
from blogen.model.values import ModelMemo, Route, Site, ThemeAsset
from blogen.output.state import read_live
from blogen.output.writer import Data, Kept, WriteReport, staged_output
from blogen.render.pages import RenderResult, render_routes

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildReport:
    site: Site
    output: Path
    written: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    rendered: int  # documents rendered from Markdown this time
    cached: int  # documents whose Markdown came from the cache
    seconds: float
    pages_kept: int = 0  # pages not rendered again because nothing they show changed
    quick: bool = False  # started from an earlier build (the dev server's, or the kept base): only posts' text changed

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return self.site.warnings


# --- theme assets ---------------------------------------------------------------------------------


def _code_css(config: Config) -> bytes:
    """The code-highlighting CSS, from the cache when the renderer and styles are the same.

    Making it loads Pygments, which a build whose Markdown all comes from the cache never needs.
    """
    light, dark = config.markdown.highlight_light, config.markdown.highlight_dark
    key = hashlib.sha256(f"{renderer_fingerprint()}|{light}|{dark}".encode()).hexdigest()[:32]
    path = config.root / CACHE_DIR / f"code-{key}.css"
    try:
        return path.read_bytes()
    except OSError:
        pass
    css = highlight_css(light, dark).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(css)
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("cannot cache the code CSS: %s", exc)
    return css


def collect_theme_assets(config: Config) -> list[ThemeAsset]:
    """Theme static files (the site's own override the built-in ones by name); CSS is fingerprinted.

    ``style.css`` gets the code-highlighting rules appended, so a page needs one stylesheet request.
    """
    chosen: dict[str, Path] = {}
    for theme in theme_dirs(config.root):
        static = theme / "static"
        if not static.is_dir():
            continue
        for folder, dirs, files in os.walk(static):
            dirs[:] = sorted(d for d in dirs if not is_editor_noise(d))
            for name in sorted(files):
                if is_editor_noise(name):
                    continue
                path = Path(folder) / name
                chosen.setdefault(path.relative_to(static).as_posix(), path)
    assets: list[ThemeAsset] = []
    for name, path in sorted(chosen.items()):
        if name.endswith((".css", ".js")):
            data = path.read_bytes()
            if name == "style.css":
                data = data.rstrip(b"\n") + b"\n\n" + _code_css(config)
            digest = hashlib.sha256(data).hexdigest()[:10]
            stem, ext = name.rsplit(".", 1)
            assets.append(ThemeAsset(name, "", f"{stem}.{digest}.{ext}", data))
        else:
            assets.append(ThemeAsset(name, str(path), name))
    return assets


# --- the build ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prepared:
    """A site made in memory: the model, every output file's bytes (or source), and the Markdown results."""

    site: Site
    files: dict[str, Data]  # output path -> bytes, a file to copy, or Kept (the live copy is still right)
    rendered: Mapping[str, Rendered]
    fresh: int  # documents rendered from Markdown this time
    cached: int
    pages: dict[str, list[Any]]  # per page: input fingerprint and links, kept with the output for next time


def _model(root: Path, *, drafts: bool, base_url: str | None, output: str | None, jobs: int | None,
           now: datetime | None, memo: Memo | None, progress: Progress | None,
           model_memo: ModelMemo | None = None, resize: bool = True) -> Modelled:
    """Config, content, Markdown and the model: the part of a build that reads but never writes output/.
    With ``resize``, the resized copies of the images pages show are made (into the cache) too.

    ``model_memo`` (without ``memo``): a command-line build that keeps its model for the next one;
    the sources' text is freed as for any other, and the content is returned without it.
    """
    config = load_config(root, base_url=base_url, output=output)
    if memo is not None:  # the dev server's memo keeps documents as they are: it compares them by identity
        content = load_content(config, memo.documents)
        rendered, fresh = render_documents(config, content.documents, jobs, memo.markdown, progress)
    else:
        with ExitStack() as stack:
            pool = None
            if cold_and_big(config, jobs):
                # Forked before the sources are read, the workers do not share the pages that hold their
                # text; the text can then really be freed as each document's HTML comes back (pages a
                # fork shares stay alive in the workers, and freeing on them only copies them).
                from concurrent.futures import ProcessPoolExecutor

                pool = stack.enter_context(ProcessPoolExecutor(max_workers=worker_count(jobs)))
                pool.submit(ready)
            content = load_content(config, None)
            documents = list(content.documents)
            content = replace(content, documents=())
            # Nothing after the Markdown needs the sources' text: render_documents drops it as it goes.
            rendered, fresh = render_documents(config, documents, jobs, None, progress, pool)
            content = replace(content, documents=tuple(documents))
    image_files = [f"{d.bundle}/{a}" for d in content.documents if d.bundle for a in d.assets]
    image_files += [f.source for f in content.static]
    images = probe_images(config.root, image_files, config.images)
    assets = collect_theme_assets(config)
    when = now or datetime.now(UTC)
    site = make_site(config, content.documents, rendered, content.static, assets, now=when, include_drafts=drafts,
                     images=images, memo=memo.model if memo is not None else model_memo)
    if resize and (marked := resize_shown(config, site, images, jobs, progress)) is not None:
        images = marked  # some images could not be resized: their pages show the originals
        site = make_site(config, content.documents, rendered, content.static, assets, now=when, include_drafts=drafts,
                         images=images, memo=memo.model if memo is not None else model_memo)
    if content.warnings:
        site = _with_warnings(site, content.warnings)
    template_lines = {d.source: d.meta.lines["template"] for d in content.documents if "template" in d.meta.lines}
    return Modelled(config, site, rendered, fresh, len(content.documents) - fresh, tuple(assets), template_lines,
                     content if memo is not None or model_memo is not None else None, images)


def _render(m: Modelled, live: Mapping[str, str], notes: Mapping[str, Any], memo: Memo | None,
            progress: Progress | None, sink: Callable[[str, bytes], None] | None = None,
            routes: Sequence[Route] | None = None) -> tuple[Site, RenderResult]:
    """Render the pages (those whose inputs match ``notes`` and whose ``live`` file is intact are kept);
    all of the site's, or only ``routes``."""
    pages = notes.get("pages", {})
    result = render_routes(m.site, m.site.routes if routes is None else routes, m.template_lines,
                           pages if isinstance(pages, dict) else {}, frozenset(live), progress,
                           memo.render if memo is not None else None, sink)
    return (_with_warnings(m.site, result.warnings) if result.warnings else m.site), result


def _copied_files(m: Modelled) -> Iterator[tuple[str, Path | bytes]]:
    """The output files that are not rendered: static files (copied) and theme assets (bytes or a file)."""
    by_name = {a.name: a for a in m.assets}
    for route in m.site.routes:
        if route.kind == "static" and route.copy_from is not None:
            yield route.output, m.config.root / route.copy_from
        elif route.kind == "asset" and route.item is not None:
            asset = by_name[route.item]
            yield route.output, asset.data if asset.data is not None else Path(asset.source)


def prepare_site(root: Path, *, drafts: bool = False, base_url: str | None = None, output: str | None = None,
                 jobs: int | None = None, now: datetime | None = None,
                 memo: Memo | None = None, reuse: bool = True,
                 progress: Progress | None = None, keep_pages: bool = True) -> Prepared:
    """Everything up to the bytes of every file, with no write to output/; raises BlogenError.

    With ``reuse``, pages whose inputs match what the output folder was last built from are not
    rendered again (they come back as Kept); ``check`` turns it off to render and check everything.
    Without ``keep_pages`` the rendered pages are checked and dropped (``files`` then holds only
    the copied files), for a caller that only wants to know whether the site builds.
    (``build_site`` does not come through here: it writes each page as soon as it is rendered.)
    """
    m = _model(root, drafts=drafts, base_url=base_url, output=output, jobs=jobs, now=now, memo=memo, progress=progress,
               resize=keep_pages)
    private = memo is not None and memo.private_output
    live, notes = read_live(m.config.output_dir, private) if reuse else ({}, {})
    site, result = _render(m, live, notes, memo, progress, None if keep_pages else (lambda _rel, _data: None))
    files: dict[str, Data] = dict(result.files)
    files.update((rel, Kept(live[rel])) for rel in result.kept)
    files.update(_copied_files(m))
    return Prepared(site, files, m.rendered, m.fresh, m.cached, result.notes)


def _with_warnings(site: Site, extra: Sequence[Problem]) -> Site:
    return replace(site, warnings=tuple(sorted({*site.warnings, *extra}, key=Problem.sort_key)))


def _strict(site: Site) -> None:
    if site.warnings:
        raise BlogenError(Problem(w.path, w.line, w.message + " (--strict)") for w in site.warnings)


def build_site(root: Path, *, drafts: bool = False, base_url: str | None = None, output: str | None = None,
               jobs: int | None = None, strict: bool = False, now: datetime | None = None,
               memo: Memo | None = None, input_key: Inputs | None = None,
               progress: Progress | None = None, inputs: Scan | None = None) -> BuildReport:
    """Build the site at ``root`` into its output folder; on any problem raise BlogenError and leave it as it was.

    Pages are handed to the writer as they are rendered; it keeps only their digests and writes
    the changed ones into its spare folder a few MB at a time, so a big site's pages are never all
    in memory. The spare is swapped in only when every page has rendered cleanly (and ``strict``
    found no warning), so a failure part-way through leaves the output folder exactly as it was.

    ``memo`` keeps parsed sources and rendered Markdown in memory between builds of one process (the dev server).
    Without it (the command line), a build starts from the model the last full build kept on disk
    when only posts' text changed since, and a full build keeps one (see ``blogen.incremental.snapshot``).
    ``input_key`` is the inputs' digest when the caller has just computed it (see ``blogen.incremental.record``).
    ``inputs``: the dev server's scan of the inputs for this build (see ``scan.Prescan``); else one is taken here.
    """
    start = time.perf_counter()
    root = root.resolve()
    # Taken before anything is read: an edit made during the build then shows up as a change next time.
    # (The dev server builds into its own folder and keeps no stamp.)
    key = input_key or (input_digest(root, build_options(drafts, base_url, output)) if memo is None else None)
    if memo is None:
        forget(root)
    remember_known_digests(root, key)
    options = (drafts, base_url, output)
    when = now or datetime.now(UTC)
    quick: QuickModel | None = None
    base: snapshot.Base | None = None  # the command line's quick rebuild starts from this
    keep: Memo | None = None  # a full command-line build fills this, to keep as the next one's base
    made_with = ""
    if memo is None:
        start_from = command_line_start(root, options, base_url, output, jobs, when, progress)
        made_with, base, quick, inputs = start_from.made_with, start_from.base, start_from.quick, start_from.inputs
        build_memo = start_from.memo
        keep = build_memo if base is None else None
    else:  # the dev server: start from its last build when only posts' text changed
        build_memo = memo
        last = memo.last.pop("", None)  # until this build has been written, there is nothing to start from
        if inputs is None:
            inputs = scan(root, theme_dirs(root))
        if last is not None and inputs is not None and last.options == options:
            quick = quick_model(root, last, inputs, memo, when, progress)
    if quick is not None and variants_missing(quick.m.config, quick.m.site, quick.m.images):
        quick = None  # resized copies were deleted from the cache since: the full build makes them again
        if memo is None:
            base, build_memo = None, None
    if quick is not None:
        m = quick.m
    else:
        m = _model(root, drafts=drafts, base_url=base_url, output=output, jobs=jobs, now=now, memo=memo,
                   progress=progress, model_memo=keep.model if keep is not None else None)
        if build_memo is not None:
            build_memo.render.route_posts.clear()  # filled again for every route below
    # The model holds what the pages show; the Markdown results themselves are not needed any more
    # (for a post with images or rewritten links they are a second copy of its HTML).
    m = replace(m, rendered={})
    out = m.config.output_dir
    try:
        with staged_output(out, private=memo is not None and memo.private_output) as staging:
            if base is not None and not snapshot.same_output(staging.notes, base):
                # Another build wrote the output folder since the base was kept: make everything afresh.
                quick, base, build_memo = None, None, None
                m = replace(_model(root, drafts=drafts, base_url=base_url, output=output, jobs=jobs, now=now,
                                   memo=None, progress=progress), rendered={})
            pages: dict[str, list[Any]] = {}
            if quick is None:
                site, result = _render(m, staging.live, staging.notes, build_memo, progress, staging.add)
            else:
                # Pages that counted a changed post last time, and any whose file is not there as it was left.
                assert build_memo is not None
                affected = {rel for rel, posts in build_memo.render.route_posts.items()
                            if not quick.touched.isdisjoint(posts)}
                redo: list[Route] = []
                untouched: list[str] = []
                for route in m.site.routes:
                    if route.kind in ("static", "asset"):
                        continue
                    if route.output in affected or route.output not in staging.live:
                        redo.append(route)
                    else:
                        untouched.append(route.output)
                staging.keep(untouched)
                site, result = _render(m, staging.live, staging.notes, build_memo, progress, staging.add, redo)
                before = staging.notes.get("pages", {})
                pages.update(before if isinstance(before, dict) else {})
            pages.update(result.notes)
            if strict:
                _strict(site)
            for rel in sorted(result.kept):
                staging.add(rel, Kept(staging.live[rel]))
            for rel, data in _copied_files(m):
                staging.add(rel, data)
            build_id = base.build_id if base is not None else secrets.token_hex(8) if keep is not None else None
            if memo is None and base is None:  # about to change the output folder in ways the kept base cannot tell
                snapshot.forget(root)
            notes: dict[str, Any] = {"pages": pages} if build_id is None else {"pages": pages, "base": build_id}
            report: WriteReport = staging.finish(notes)
            # What the next build may start from: kept on disk (command line) or in memory (dev server).
            written = None if inputs is None or m.content is None else LastBuild(
                inputs, options, m.config, m.content, m.images, m.assets, site, m.template_lines, bool(result.warnings))
            if keep is not None and build_id is not None and written is not None:
                snapshot.save(root, made_with, snapshot.Base(build_id, written, keep.model,
                                                               replace(keep.render, env={}, feeds={})))
    except BaseException:
        if base is not None:  # a quick rebuild that failed (a write, --strict): the next build starts afresh
            snapshot.forget(root)
        raise
    if memo is not None and written is not None:
        memo.last[""] = written
    if key is not None:  # the dev server builds elsewhere and keeps its own state
        record(root, key, out, site.next_scheduled[0] if site.next_scheduled else None,
               [w.format() for w in site.warnings], report.files or None)
    return BuildReport(site, out, report.written, report.removed, report.unchanged, m.fresh, m.cached,
                       time.perf_counter() - start, len(result.kept), quick is not None)
