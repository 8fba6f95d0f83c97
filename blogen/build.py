"""Orchestrate a build: config, content, Markdown (cached, in parallel), model, render, write."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blogen import __version__
from blogen.config import Config, MarkdownOptions, load_config
from blogen.content import SOURCE_SUFFIXES, Content, Document, DocumentMemo, is_editor_noise, load_content, read_document
from blogen.errors import BlogenError, Problem
from blogen.images import ImageInfo, probe_images
from blogen.markdown import Heading, LinkRef, Rendered, highlight_css, render_markdown
from blogen.quick import LastBuild, Scan, changed_sources, scan
from blogen.render import RenderMemo, RenderResult, render_routes, theme_dirs
from blogen.site import ModelMemo, Route, Site, ThemeAsset, make_site, patch_posts
from blogen.stamp import build_options, forget, input_digest, record
from blogen.write import Data, Kept, WriteReport, read_live, staged_output

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

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
    headings = tuple(Heading(**h) for h in d["headings"])
    # The table of contents is some of the headings: share their objects, as the renderer does (a few MB at 5,000 posts).
    same = {h: h for h in headings}
    return Rendered(
        html=str(d["html"]),
        summary_html=None if d["summary_html"] is None else str(d["summary_html"]),
        toc=tuple(same.get(t, t) for t in (Heading(**h) for h in d["toc"])),
        headings=headings,
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


def _write_cache(root: Path, key: str, text: str) -> None:
    """Store one entry (``_to_json``'s text)."""
    path = _cache_path(root, key)
    try:
        if path.parent not in _MADE_DIRS:
            path.parent.mkdir(parents=True, exist_ok=True)
            _MADE_DIRS.add(path.parent)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only or full disk only costs speed next time
        log.debug("cannot write Markdown cache %s: %s", path, exc)


Job = tuple[str, str, int, bool, MarkdownOptions, Path, str]


def _render_and_store(job: Job) -> tuple[Rendered, str] | BlogenError:
    """Render one document and store it in the cache; returns it with its cache entry's text."""
    body, source, first_line, take_title, options, root, key = job
    try:
        rendered = render_markdown(body, options, path=source, first_line=first_line, take_title=take_title)
    except BlogenError as exc:
        return exc
    text = _to_json(rendered)
    _write_cache(root, key, text)
    return rendered, text


def _render_one(job: Job) -> Rendered | BlogenError:
    """In this process: render one document and store it in the cache."""
    outcome = _render_and_store(job)
    return outcome if isinstance(outcome, BlogenError) else outcome[0]


def _render_in_worker(job: Job) -> str | BlogenError:
    """In a worker process: render one document, store it in the cache, and return the entry's text.

    Workers write the cache so that runs in parallel too. The result goes back as text for the
    main thread to decode: unpickled into a Rendered, its strings would be allocated by the
    executor's result thread, from a malloc arena of that thread's own that never reuses the memory
    the main thread frees meanwhile (each source's text, once its job is done).
    """
    outcome = _render_and_store(job)
    return outcome if isinstance(outcome, BlogenError) else outcome[1]


def _workers(jobs: int | None) -> int:
    """How many Markdown worker processes ``--jobs`` asks for (default: one per core)."""
    return jobs if jobs is not None else (os.cpu_count() or 1)


def _ready() -> None:
    """A task that does nothing: submitting it makes the executor fork its workers."""


def _cold_and_big(config: Config, jobs: int | None) -> bool:
    """Whether this build is all but certain to want Markdown worker processes: the cache holds nothing
    yet and ``content/`` has at least ``PARALLEL_THRESHOLD`` Markdown files (counting stops there)."""
    if _workers(jobs) < 2:
        return False
    try:
        with os.scandir(config.root / CACHE_DIR / "markdown") as entries:
            if next(entries, None) is not None:
                return False
    except OSError:
        pass
    found = 0
    for _top, _dirs, files in os.walk(config.root / "content"):
        found += sum(1 for name in files if name.endswith(SOURCE_SUFFIXES))
        if found >= PARALLEL_THRESHOLD:
            return True
    return False


Progress = Callable[[str, int, int], None]  # (what, done, total): for a progress line on a terminal


def render_documents(config: Config, documents: Sequence[Document], jobs: int | None,
                     memo: dict[str, Rendered] | None = None,
                     progress: Progress | None = None, pool: ProcessPoolExecutor | None = None,
                     prune: bool = True) -> tuple[dict[str, Rendered], int]:
    """Markdown of every document, from the cache where possible; returns (results, number rendered).

    ``memo`` is an in-memory layer over the disk cache for long-running processes (``blogen serve``),
    keyed like the disk cache, so it is exactly as fresh. ``pool``: worker processes to use (started
    early by the caller; see ``_model``), else they are started here when there is enough to do.

    When ``documents`` is a list, its documents are replaced by copies without their text as the
    work is handed out, so each source's text can be freed as soon as its HTML is back instead of
    all of it staying until the end (45 MB at 5,000 posts): the caller gives up the text and keeps
    the rest. ``prune`` drops memo entries this call did not use; the quick rebuild, which passes
    only the changed documents, keeps the others.
    """
    options = config.markdown
    results: dict[str, Rendered] = {}
    todo: list[tuple[str, str]] = []  # (source, cache key)
    work: list[Job] = []
    used: set[str] = set()
    options_repr = repr(options)
    for i, doc in enumerate(documents):
        key = _cache_key(doc, options_repr)
        used.add(key)
        hit = memo.get(key) if memo is not None else None
        if hit is None:
            hit = _read_cache(config.root, key)
            if hit is not None and memo is not None:
                memo[key] = hit
        if hit is not None:
            results[doc.source] = hit
        else:
            todo.append((doc.source, key))
            work.append((doc.body, doc.source, doc.body_line, doc.meta.title is None, options, config.root, key))
        if isinstance(documents, list):
            documents[i] = replace(doc, body="")
    total = len(work)
    workers = _workers(jobs)
    outcomes: list[Rendered | BlogenError] = []
    if pool is not None or (workers > 1 and total >= PARALLEL_THRESHOLD):
        from concurrent.futures import ProcessPoolExecutor  # multiprocessing costs 20 ms to import

        with pool or ProcessPoolExecutor(max_workers=workers) as executor:
            texts = executor.map(_render_in_worker, work, chunksize=max(1, min(64, total // (workers * 8))))
            work.clear()  # every job is queued: the executor holds its text until its result is back
            for text in texts:
                outcomes.append(_from_json(text) if isinstance(text, str) else text)
                if progress is not None:
                    progress("rendering Markdown", len(outcomes), total)
    else:
        work.reverse()
        while work:  # popped, so each source's text is freed once rendered
            outcomes.append(_render_one(work.pop()))
            if progress is not None:
                progress("rendering Markdown", len(outcomes), total)
    problems: list[Problem] = []
    for (source, key), outcome in zip(todo, outcomes, strict=True):
        if isinstance(outcome, BlogenError):
            problems.extend(outcome.problems)
            continue
        results[source] = outcome
        if memo is not None:
            memo[key] = outcome
    if problems:
        raise BlogenError(problems)
    if memo is not None and prune:  # keep this build's results only: a long session must not hoard every draft of every post
        for key in [k for k in memo if k not in used]:
            del memo[key]
    return results, total


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


@dataclass(frozen=True, slots=True)
class _Modelled:
    """Everything a build knows before it renders pages: the model and what it was made from."""

    config: Config
    site: Site
    rendered: Mapping[str, Rendered]
    fresh: int
    cached: int
    assets: tuple[ThemeAsset, ...]
    template_lines: Mapping[str, int]
    content: Content | None  # kept for the dev server's next quick rebuild only (a cold build frees it)
    images: Mapping[str, ImageInfo]


def _model(root: Path, *, drafts: bool, base_url: str | None, output: str | None, jobs: int | None,
           now: datetime | None, memo: Memo | None, progress: Progress | None) -> _Modelled:
    """Config, content, Markdown and the model: the part of a build that reads but never writes output/."""
    config = load_config(root, base_url=base_url, output=output)
    if memo is not None:  # the dev server's memo keeps documents as they are: it compares them by identity
        content = load_content(config, memo.documents)
        rendered, fresh = render_documents(config, content.documents, jobs, memo.markdown, progress)
    else:
        with ExitStack() as stack:
            pool = None
            if _cold_and_big(config, jobs):
                # Forked before the sources are read, the workers do not share the pages that hold their
                # text; the text can then really be freed as each document's HTML comes back (pages a
                # fork shares stay alive in the workers, and freeing on them only copies them).
                from concurrent.futures import ProcessPoolExecutor

                pool = stack.enter_context(ProcessPoolExecutor(max_workers=_workers(jobs)))
                pool.submit(_ready)
            content = load_content(config, None)
            documents = list(content.documents)
            content = replace(content, documents=())
            # Nothing after the Markdown needs the sources' text: render_documents drops it as it goes.
            rendered, fresh = render_documents(config, documents, jobs, None, progress, pool)
            content = replace(content, documents=tuple(documents))
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
    return _Modelled(config, site, rendered, fresh, len(content.documents) - fresh, tuple(assets), template_lines,
                     content if memo is not None else None, images)


def _render(m: _Modelled, live: Mapping[str, str], notes: Mapping[str, Any], memo: Memo | None,
            progress: Progress | None, sink: Callable[[str, bytes], None] | None = None,
            routes: Sequence[Route] | None = None) -> tuple[Site, RenderResult]:
    """Render the pages (those whose inputs match ``notes`` and whose ``live`` file is intact are kept);
    all of the site's, or only ``routes``."""
    pages = notes.get("pages", {})
    result = render_routes(m.site, m.site.routes if routes is None else routes, m.template_lines,
                           pages if isinstance(pages, dict) else {}, frozenset(live), progress,
                           memo.render if memo is not None else None, sink)
    return (_with_warnings(m.site, result.warnings) if result.warnings else m.site), result


def _copied_files(m: _Modelled) -> Iterator[tuple[str, Path | bytes]]:
    """The output files that are not rendered: static files (copied) and theme assets (bytes or a file)."""
    by_name = {a.name: a for a in m.assets}
    for route in m.site.routes:
        if route.kind == "static" and route.copy_from is not None:
            yield route.output, m.config.root / route.copy_from
        elif route.kind == "asset" and route.item is not None:
            asset = by_name[route.item]
            yield route.output, asset.data if asset.data is not None else Path(asset.source)


@dataclass(frozen=True, slots=True)
class _QuickModel:
    """The last build's model with the changed posts patched in, and where those posts are."""

    m: _Modelled
    touched: frozenset[int]  # positions in m.site.posts of the posts whose text changed


def _quick_model(root: Path, last: LastBuild, inputs: Scan, memo: Memo, when: datetime,
                 progress: Progress | None) -> _QuickModel | None:
    """The dev server's model when only the text of existing posts changed, made from the last build;
    None when anything else may have changed, and the full build runs instead (see ``blogen.quick``).

    The changed documents are read and rendered again and patched into the model
    (``site.patch_posts``); ``build_site`` then looks again only at the pages that counted those
    posts in their fingerprints last time, and the usual fingerprint check renders those that differ.
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
    fresh_rendered, fresh = render_documents(config, tuple(new_docs.values()), 1, memo.markdown, progress,
                                             prune=False)
    site: Site | None = last.site
    if new_docs:
        site = patch_posts(last.site, [(d, fresh_rendered[d.source]) for d in new_docs.values()], memo.model,
                           now=when, images=last.images)
    if site is None:
        return None
    # Forget the replaced versions, as a full build's pruning would.
    options_repr = repr(config.markdown)
    for rel, doc in new_docs.items():
        old_key = _cache_key(before[rel], options_repr)
        if old_key != _cache_key(doc, options_repr):
            memo.markdown.pop(old_key, None)
        for key in [k for k, (d, _) in memo.documents.items() if d is before[rel]]:
            del memo.documents[key]
    index = site.post_by_source()
    content = replace(last.content, documents=tuple(new_docs.get(d.source, d) for d in last.content.documents))
    m = _Modelled(config, site, {}, fresh, len(content.documents) - fresh, last.assets, last.template_lines,
                  content, last.images)
    return _QuickModel(m, frozenset(index[rel] for rel in new_docs))


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
    m = _model(root, drafts=drafts, base_url=base_url, output=output, jobs=jobs, now=now, memo=memo, progress=progress)
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
               memo: Memo | None = None, input_key: str | None = None,
               progress: Progress | None = None) -> BuildReport:
    """Build the site at ``root`` into its output folder; on any problem raise BlogenError and leave it as it was.

    Pages are handed to the writer as they are rendered; it keeps only their digests and writes
    the changed ones into its spare folder a few MB at a time, so a big site's pages are never all
    in memory. The spare is swapped in only when every page has rendered cleanly (and ``strict``
    found no warning), so a failure part-way through leaves the output folder exactly as it was.

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
    options = (drafts, base_url, output)
    quick: _QuickModel | None = None
    inputs: Scan | None = None
    if memo is not None:  # the dev server: start from its last build when only posts' text changed
        last = memo.last.pop("", None)  # until this build has been written, there is nothing to start from
        inputs = scan(root, theme_dirs(root))
        if last is not None and inputs is not None and last.options == options:
            quick = _quick_model(root, last, inputs, memo, now or datetime.now(UTC), progress)
    if quick is not None:
        m = quick.m
    else:
        m = _model(root, drafts=drafts, base_url=base_url, output=output, jobs=jobs, now=now, memo=memo,
                   progress=progress)
        if memo is not None:
            memo.render.route_posts.clear()  # filled again for every route below
    # The model holds what the pages show; the Markdown results themselves are not needed any more
    # (for a post with images or rewritten links they are a second copy of its HTML).
    m = replace(m, rendered={})
    out = m.config.output_dir
    with staged_output(out, private=memo is not None and memo.private_output) as staging:
        pages: dict[str, list[Any]] = {}
        if quick is None:
            site, result = _render(m, staging.live, staging.notes, memo, progress, staging.add)
        else:
            assert memo is not None
            # Pages that counted a changed post last time, and any whose file is not there as it was left.
            affected = {rel for rel, posts in memo.render.route_posts.items() if not quick.touched.isdisjoint(posts)}
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
            site, result = _render(m, staging.live, staging.notes, memo, progress, staging.add, redo)
            before = staging.notes.get("pages", {})
            pages.update(before if isinstance(before, dict) else {})
        pages.update(result.notes)
        if strict:
            _strict(site)
        for rel in sorted(result.kept):
            staging.add(rel, Kept(staging.live[rel]))
        for rel, data in _copied_files(m):
            staging.add(rel, data)
        report: WriteReport = staging.finish({"pages": pages})
    if memo is not None and inputs is not None and m.content is not None:
        memo.last[""] = LastBuild(inputs, options, m.config, m.content, m.images, m.assets, site, m.template_lines,
                                  bool(result.warnings))
    if memo is None:  # the dev server builds elsewhere and keeps its own state
        record(root, key, out, site.next_scheduled[0] if site.next_scheduled else None, [w.format() for w in site.warnings])
    return BuildReport(site, out, report.written, report.removed, report.unchanged, m.fresh, m.cached,
                       time.perf_counter() - start, len(result.kept), quick is not None)
