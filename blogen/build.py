"""Orchestrate a build: config, content, Markdown (cached, in parallel), model, render, write."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blogen import __version__
from blogen.config import Config, MarkdownOptions, load_config
from blogen.content import Document, DocumentMemo, is_editor_noise, load_content, read_document
from blogen.errors import BlogenError, Problem
from blogen.images import probe_images
from blogen.markdown import Heading, LinkRef, Rendered, highlight_css, render_markdown
from blogen.quick import LastBuild, Scan, changed_sources, scan
from blogen.render import RenderMemo, render_routes, theme_dirs
from blogen.site import ModelMemo, Site, ThemeAsset, make_site, patch_posts
from blogen.stamp import build_options, forget, input_digest, record
from blogen.write import Data, Kept, WriteReport, check_output, read_live, write_outputs

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

log = logging.getLogger(__name__)

CACHE_DIR = ".blogen-cache"
_CACHE_FORMAT = 1
# Below this many uncached documents, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 64


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
    quick: bool = False  # a dev-server rebuild that started from the last build (only posts' text changed)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return self.site.warnings


# --- the Markdown cache ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """Everything besides the source and options that decides the HTML: our renderer's code and its libraries.

    Hashing the code itself (not just blogen's version) keeps the cache honest across development
    installs and patched copies; library versions cover upgrades of the parser and highlighter.
    """
    from importlib import metadata

    h = hashlib.sha256(f"{_CACHE_FORMAT}|{__version__}".encode())
    for module in ("markdown.py", "fences.py", "highlight.py"):
        h.update((Path(__file__).parent / module).read_bytes())
    for dist in ("markdown-it-py", "mdit-py-plugins", "Pygments"):
        try:
            h.update(f"|{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"|{dist}=?".encode())
    # Code classes stand for a style's looks, so a style from another package counts with its version.
    for ep in sorted(metadata.entry_points(group="pygments.styles"), key=lambda e: e.name):
        owner = ep.dist
        h.update(f"|style {ep.name}={owner.name if owner else '?'}={owner.version if owner else '?'}".encode())
    return h.hexdigest()


def _cache_key(doc: Document, options: MarkdownOptions | str) -> str:
    """``options`` may be given as its repr, worked out once per build instead of once per document."""
    take_title = doc.meta.title is None
    parts = f"{renderer_fingerprint()}|{options if isinstance(options, str) else repr(options)}|{take_title}|{doc.digest}"
    return hashlib.sha256(parts.encode()).hexdigest()


def _cache_path(root: Path, key: str) -> Path:
    return root / CACHE_DIR / "markdown" / key[:2] / f"{key}.json"


def _to_json(r: Rendered) -> str:
    # By hand rather than dataclasses.asdict, which deep-copies every field and cost half the cache's time.
    def heading(h: Heading) -> dict[str, Any]:
        return {"level": h.level, "id": h.id, "text": h.text, "line": h.line}

    return json.dumps({
        "html": r.html, "summary_html": r.summary_html, "toc": [heading(h) for h in r.toc],
        "headings": [heading(h) for h in r.headings], "title": r.title, "words": r.words,
        "links": [{"target": link.target, "line": link.line, "is_image": link.is_image} for link in r.links],
        "first_image": r.first_image,
    }, ensure_ascii=False, separators=(",", ":"))


def _from_json(text: str) -> Rendered:
    """Parse a cache entry; any mismatch raises, and the caller re-renders instead of trusting it."""
    d: dict[str, Any] = json.loads(text)
    return Rendered(
        html=str(d["html"]),
        summary_html=None if d["summary_html"] is None else str(d["summary_html"]),
        toc=tuple(Heading(**h) for h in d["toc"]),
        headings=tuple(Heading(**h) for h in d["headings"]),
        title=None if d["title"] is None else str(d["title"]),
        words=int(d["words"]),
        links=tuple(LinkRef(**link) for link in d["links"]),
        first_image=None if d["first_image"] is None else str(d["first_image"]),
    )


def _read_cache(root: Path, key: str) -> Rendered | None:
    try:
        return _from_json(_cache_path(root, key).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


_MADE_DIRS: set[Path] = set()  # cache folders this process has made (or found), to skip a mkdir per entry


def _write_cache(root: Path, key: str, rendered: Rendered) -> None:
    path = _cache_path(root, key)
    try:
        if path.parent not in _MADE_DIRS:
            path.parent.mkdir(parents=True, exist_ok=True)
            _MADE_DIRS.add(path.parent)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(_to_json(rendered), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only or full disk only costs speed next time
        log.debug("cannot write Markdown cache %s: %s", path, exc)


Job = tuple[str, str, int, bool, MarkdownOptions, Path, str]  # body, source, first line, take title, options, root, key


def _render_one(job: Job) -> Rendered | BlogenError:
    """Render one document and store it in the cache (workers do both, so writing the cache runs in parallel too)."""
    body, source, first_line, take_title, options, root, key = job
    try:
        rendered = render_markdown(body, options, path=source, first_line=first_line, take_title=take_title)
    except BlogenError as exc:
        return exc
    _write_cache(root, key, rendered)
    return rendered


def _render_batch(jobs: list[Job]) -> list[Rendered | BlogenError]:
    return [_render_one(job) for job in jobs]


Progress = Callable[[str, int, int], None]  # (what, done, total): for a progress line on a terminal


class MarkdownRun:
    """The Markdown of a build's documents, started while the sources are still being read.

    Each document is handed over as soon as it is parsed (``add``): a cache hit is taken at once,
    a miss is queued, and once enough misses have queued to pay for worker processes they are
    rendered in the background while the main process goes on reading and parsing the other
    sources. ``finish`` waits for the rest. ``memo`` is an in-memory layer over the disk cache for
    long-running processes (``blogen serve``), keyed like the disk cache, so it is exactly as fresh.
    """

    BATCH = 16  # documents per task sent to a worker: fewer round trips, still an even spread

    def __init__(self, config: Config, jobs: int | None, memo: dict[str, Rendered] | None = None,
                 progress: Progress | None = None) -> None:
        self.config = config
        self.options = config.markdown
        self.options_repr = repr(config.markdown)
        self.workers = jobs if jobs is not None else (os.cpu_count() or 1)
        self.memo = memo
        self.progress = progress
        self.results: dict[str, Rendered] = {}
        self.added: set[str] = set()
        self.used: set[str] = set()
        self.todo: list[tuple[Document, str]] = []  # misses, in the order they came
        self.queued: list[Job] = []  # misses not yet sent to a worker
        self.sent: list[Future[list[Rendered | BlogenError]]] = []
        self.pool: ProcessPoolExecutor | None = None

    def add(self, doc: Document) -> None:
        self.added.add(doc.source)
        key = _cache_key(doc, self.options_repr)
        self.used.add(key)
        hit = self.memo.get(key) if self.memo is not None else None
        if hit is None:
            hit = _read_cache(self.config.root, key)
            if hit is not None and self.memo is not None:
                self.memo[key] = hit
        if hit is not None:
            self.results[doc.source] = hit
            return
        self.todo.append((doc, key))
        self.queued.append((doc.body, doc.source, doc.body_line, doc.meta.title is None, self.options,
                            self.config.root, key))
        if self.pool is None and self.workers > 1 and len(self.todo) >= PARALLEL_THRESHOLD:
            from concurrent.futures import ProcessPoolExecutor  # multiprocessing costs 20 ms to import

            self.pool = ProcessPoolExecutor(max_workers=self.workers)
        if self.pool is not None and len(self.queued) >= self.BATCH:
            self._send()

    def _send(self) -> None:
        assert self.pool is not None
        self.sent.append(self.pool.submit(_render_batch, self.queued))
        self.queued = []

    def cancel(self) -> None:
        """Stop the workers of a build that failed before its Markdown was needed."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def finish(self, documents: Sequence[Document], prune: bool = True) -> tuple[dict[str, Rendered], int]:
        """Markdown of every document (those of ``documents`` not yet added are added now); (results, number rendered).

        ``prune`` drops memo entries this run did not use; a quick rebuild, which adds only the
        changed documents, keeps the others.
        """
        for doc in documents:
            if doc.source not in self.added:
                self.add(doc)
        outcomes: list[Rendered | BlogenError] = []
        total = len(self.todo)
        try:
            if self.pool is not None:
                if self.queued:
                    self._send()
                for future in self.sent:
                    outcomes.extend(future.result())
                    if self.progress is not None:
                        self.progress("rendering Markdown", len(outcomes), total)
            else:
                for job in self.queued:
                    outcomes.append(_render_one(job))
                    if self.progress is not None:
                        self.progress("rendering Markdown", len(outcomes), total)
        finally:
            self.cancel()
        problems: list[Problem] = []
        for (doc, key), outcome in zip(self.todo, outcomes, strict=True):
            if isinstance(outcome, BlogenError):
                problems.extend(outcome.problems)
                continue
            self.results[doc.source] = outcome
            if self.memo is not None:
                self.memo[key] = outcome
        if problems:
            raise BlogenError(problems)
        if self.memo is not None and prune:  # keep this build's results only: a long session must not hoard every draft of every post
            for key in [k for k in self.memo if k not in self.used]:
                del self.memo[key]
        return self.results, total


def render_documents(config: Config, documents: Sequence[Document], jobs: int | None,
                     memo: dict[str, Rendered] | None = None,
                     progress: Progress | None = None) -> tuple[dict[str, Rendered], int]:
    """Markdown of every document, from the cache where possible; returns (results, number rendered)."""
    run = MarkdownRun(config, jobs, memo, progress)
    for doc in documents:
        run.add(doc)
    return run.finish(())


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
class Memo:
    """What a long-running process (``blogen serve``) keeps between builds; keyed by content, so never stale."""

    markdown: dict[str, Rendered] = field(default_factory=dict)
    documents: DocumentMemo = field(default_factory=dict)
    model: ModelMemo = field(default_factory=ModelMemo)
    render: RenderMemo = field(default_factory=RenderMemo)
    # The output folder is this process's own (the dev server's temporary folder): nobody else writes
    # there, so the writer need not check each of its files against the disk before every build.
    private_output: bool = False
    # "": the last build that was written, for the quick rebuild; gone while a build runs, and after one fails.
    last: dict[str, LastBuild] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A site made in memory: the model, every output file's bytes (or source), and the Markdown results."""

    site: Site
    files: dict[str, Data]  # output path -> bytes, a file to copy, or Kept (the live copy is still right)
    rendered: Mapping[str, Rendered]
    fresh: int  # documents rendered from Markdown this time
    cached: int
    pages: dict[str, list[Any]]  # per page: input fingerprint and links, kept with the output for next time
    last: LastBuild | None = None  # for the memo, once the files are written
    quick: bool = False


def prepare_site(root: Path, *, drafts: bool = False, base_url: str | None = None, output: str | None = None,
                 jobs: int | None = None, now: datetime | None = None,
                 memo: Memo | None = None, reuse: bool = True,
                 progress: Progress | None = None) -> Prepared:
    """Everything up to the bytes of every file, with no write to output/; raises BlogenError.

    With ``reuse``, pages whose inputs match what the output folder was last built from are not
    rendered again (they come back as Kept); ``check`` turns it off to render and check everything.
    """
    options = (drafts, base_url, output)
    last = memo.last.pop("", None) if memo is not None else None
    inputs = scan(root, theme_dirs(root)) if memo is not None and reuse else None
    if memo is not None and last is not None and inputs is not None and last.options == options:
        quick = _prepare_quick(root, last, inputs, memo, now or datetime.now(UTC), progress)
        if quick is not None:
            return quick
    config = load_config(root, base_url=base_url, output=output)
    markdown = MarkdownRun(config, jobs, memo.markdown if memo is not None else None, progress)
    try:
        content = load_content(config, memo.documents if memo is not None else None, on_document=markdown.add)
    except BaseException:
        markdown.cancel()
        raise
    rendered, fresh = markdown.finish(content.documents)
    if memo is None:
        # The Markdown is rendered; nothing after needs the sources' text, which is a fifth of the
        # build's memory at its peak. (A memo keeps documents as they are: it compares them by identity.)
        content = replace(content, documents=tuple(replace(d, body="") for d in content.documents))
    image_files = [f"{d.bundle}/{a}" for d in content.documents if d.bundle for a in d.assets]
    image_files += [f.source for f in content.static]
    images, image_problems = probe_images(config.root, image_files)
    if any(p.severity == "error" for p in image_problems):
        raise BlogenError(image_problems)
    assets = collect_theme_assets(config)
    when = now or datetime.now(UTC)
    site = make_site(config, content.documents, rendered, content.static, assets, now=when, include_drafts=drafts,
                     images=images, memo=memo.model if memo is not None else None)
    if content.warnings or image_problems:
        site = _with_warnings(site, [*content.warnings, *image_problems])
    template_lines = {d.source: d.meta.lines["template"] for d in content.documents if "template" in d.meta.lines}
    private = memo is not None and memo.private_output
    live, notes = read_live(config.output_dir, private) if reuse else ({}, {})
    pages = notes.get("pages", {})
    if memo is not None:
        memo.render.route_posts.clear()  # filled again for every route below
    result = render_routes(site, site.routes, template_lines, pages if isinstance(pages, dict) else {}, frozenset(live),
                           progress, memo.render if memo is not None else None)
    if result.warnings:
        site = _with_warnings(site, result.warnings)
    files: dict[str, Data] = dict(result.files)
    files.update((rel, Kept(live[rel])) for rel in result.kept)
    by_name = {a.name: a for a in assets}
    for route in site.routes:
        if route.kind == "static" and route.copy_from is not None:
            files[route.output] = config.root / route.copy_from
        elif route.kind == "asset" and route.item is not None:
            asset = by_name[route.item]
            files[route.output] = asset.data if asset.data is not None else Path(asset.source)
    made = None
    if memo is not None and inputs is not None:
        made = LastBuild(inputs, options, config, content, rendered, images, tuple(assets), site, template_lines,
                         bool(result.warnings))
    return Prepared(site, files, rendered, fresh, len(content.documents) - fresh, result.notes, made)


def _prepare_quick(root: Path, last: LastBuild, inputs: Scan, memo: Memo, when: datetime,
                   progress: Progress | None) -> Prepared | None:
    """The dev server's rebuild when only the text of existing posts changed, from the last build; None
    when anything else may have changed, and the full build runs instead (see ``blogen.quick``).

    The documents that changed are read and rendered again, the model is patched
    (``site.patch_posts``), and only the pages that counted those posts in their fingerprint
    last time are looked at again: the usual fingerprint check then renders those whose inputs differ.
    """
    if last.render_warnings or (last.site.next_scheduled is not None and when >= last.site.next_scheduled[0]):
        return None
    changed = changed_sources(last.scan, inputs, root)
    if changed is None:
        return None
    config = last.config
    before = {d.source: d for d in last.content.documents}
    new_docs: dict[str, Document] = {}
    for rel in changed:
        old = before.get(rel)
        if old is None or any(w.path == rel for w in last.content.warnings):
            return None
        doc, problems = read_document(config, root / rel, old.kind, root / old.bundle if old.bundle else None,
                                      old.assets, memo.documents)
        if doc is None or problems:
            return None
        if doc is old:
            continue  # saved again with the same bytes
        if (doc.kind, doc.name, doc.name_date, doc.meta, doc.bundle, doc.assets) != \
                (old.kind, old.name, old.name_date, old.meta, old.bundle, old.assets):
            return None  # front matter decides the site's shape: make it all again
        new_docs[rel] = doc
    markdown = MarkdownRun(config, 1, memo.markdown, progress)
    for doc in new_docs.values():
        markdown.add(doc)
    fresh_rendered, fresh = markdown.finish((), prune=False)
    site: Site | None = last.site
    if new_docs:
        site = patch_posts(last.site, [(d, fresh_rendered[d.source]) for d in new_docs.values()], memo.model,
                           now=when, images=last.images)
    if site is None:
        return None
    # Forget the replaced versions, as a full build's pruning would.
    options_repr = repr(config.markdown)
    for rel in new_docs:
        old = before[rel]
        if _cache_key(old, options_repr) != _cache_key(new_docs[rel], options_repr):
            memo.markdown.pop(_cache_key(old, options_repr), None)
        for key in [k for k, (d, _) in memo.documents.items() if d is old]:
            del memo.documents[key]
    index = site.post_by_source()
    touched = {index[rel] for rel in new_docs}
    affected = {out for out, posts in memo.render.route_posts.items() if not touched.isdisjoint(posts)}
    live, notes = read_live(config.output_dir, memo.private_output)
    pages = notes.get("pages", {})
    pages = pages if isinstance(pages, dict) else {}
    result = render_routes(site, [r for r in site.routes if r.output in affected], last.template_lines, pages,
                           frozenset(live), progress, memo.render)
    if result.warnings:
        return None
    files: dict[str, Data] = dict(result.files)
    by_name = {a.name: a for a in last.assets}
    for route in site.routes:
        if route.kind == "static" and route.copy_from is not None:
            files[route.output] = config.root / route.copy_from
        elif route.kind == "asset" and route.item is not None:
            asset = by_name[route.item]
            files[route.output] = asset.data if asset.data is not None else Path(asset.source)
        elif route.output not in files:
            if route.output not in live:
                return None  # the last build's page is not there as it was left
            files[route.output] = Kept(live[route.output])
    rendered = {**last.rendered, **fresh_rendered}
    content = replace(last.content, documents=tuple(new_docs.get(d.source, d) for d in last.content.documents))
    made = LastBuild(inputs, last.options, config, content, rendered, last.images, last.assets, site,
                     last.template_lines, False)
    return Prepared(site, files, rendered, fresh, len(content.documents) - fresh, {**pages, **result.notes}, made,
                    quick=True)


def _with_warnings(site: Site, extra: Sequence[Problem]) -> Site:
    return replace(site, warnings=tuple(sorted({*site.warnings, *extra}, key=Problem.sort_key)))


def build_site(root: Path, *, drafts: bool = False, base_url: str | None = None, output: str | None = None,
               jobs: int | None = None, strict: bool = False, now: datetime | None = None,
               memo: Memo | None = None, input_key: str | None = None,
               progress: Progress | None = None) -> BuildReport:
    """Build the site at ``root`` into its output folder; on any problem raise BlogenError and write nothing.

    ``memo`` keeps parsed sources and rendered Markdown in memory between builds of one process (the dev server).
    ``input_key`` is the inputs' digest when the caller has just computed it (see ``blogen.stamp``).
    """
    start = time.perf_counter()
    root = root.resolve()
    # Taken before anything is read: an edit made during the build then shows up as a change next time.
    # (The dev server builds into its own folder and keeps no stamp.)
    key = input_key or (input_digest(root, build_options(drafts, base_url, output)) if memo is None else "")
    if memo is None:
        forget(root)
    prepared = prepare_site(root, drafts=drafts, base_url=base_url, output=output, jobs=jobs, now=now, memo=memo,
                            progress=progress)
    site, files, fresh, cached = prepared.site, prepared.files, prepared.fresh, prepared.cached
    if strict and site.warnings:
        raise BlogenError(Problem(w.path, w.line, w.message + " (--strict)") for w in site.warnings)
    out = site.config.output_dir
    check_output(out)
    report: WriteReport = write_outputs(out, files, {"pages": prepared.pages},
                                        private=memo is not None and memo.private_output)
    if memo is not None and prepared.last is not None:
        memo.last[""] = prepared.last
    if memo is None:  # the dev server builds elsewhere and keeps its own state
        record(root, key, out, site.next_scheduled[0] if site.next_scheduled else None, [w.format() for w in site.warnings])
    kept = sum(1 for data in files.values() if isinstance(data, Kept))
    return BuildReport(site, out, report.written, report.removed, report.unchanged, fresh, cached,
                       time.perf_counter() - start, kept, prepared.quick)
