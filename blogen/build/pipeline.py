"""One build from start to end, whatever its plan: decide, make the model, render, write.

``blogen build`` and ``blogen serve`` both come through ``build_site``; how much of the site it makes
again is the plan's business (``blogen.incremental.plan``): everything (``Full``), or only the pages
that showed posts whose text changed (``Patch``, from the snapshot of an earlier model). Either way
the pages go to the writer as they are rendered, and a failure anywhere leaves the output folder
exactly as it was.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from blogen.build.images import remember_known_digests
from blogen.build.markdown import cold_and_big
from blogen.build.patch import Memo, Patched, patch_model
from blogen.build.stages import Modelled, copied_files, make_model, with_warnings
from blogen.content.inputs import Inputs
from blogen.core.config import Config, load_config
from blogen.core.errors import BlogenError, Problem
from blogen.core.progress import Progress
from blogen.incremental import snapshot as snapshots
from blogen.incremental.plan import Decision, Full, Patch, Plan, UpToDate, build_options, decide_build, notes_for
from blogen.incremental.snapshot import Snapshot
from blogen.markdown.render import Rendered
from blogen.model.values import ModelMemo, Route, Site
from blogen.output.folders import OutputHold
from blogen.output.live import read_live
from blogen.output.record import forget_records
from blogen.output.writer import Data, Kept, Staging, WriteReport, staged_output
from blogen.render.bytecode import prune_compiled
from blogen.render.memo import RenderMemo
from blogen.render.pages import RenderResult, render_routes
from blogen.render.templates import make_environment


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
    plan: Plan = Full("")  # noqa: RUF009 (a frozen value)  how the build went: a patch, or a full build and why
    made_with: str = ""  # what it was made with besides its inputs (see ``plan.made_with``)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return self.site.warnings

    @property
    def quick(self) -> bool:
        """Whether only the pages that showed changed posts were looked at again."""
        return isinstance(self.plan, Patch)


@dataclass(frozen=True, slots=True)
class _Job:
    """One build's settings, as ``build_site`` was asked for it."""

    root: Path
    config: Config
    drafts: bool
    jobs: int | None
    strict: bool
    when: datetime
    progress: Progress | None
    memo: Memo | None  # the dev server's
    decision: Decision
    hold: OutputHold | None  # the output folder, held since before the decision

    @property
    def private(self) -> bool:
        return self.memo is not None and self.memo.private_output


def build_site(root: Path, *, drafts: bool = False, base_url: str | None = None, output: str | None = None,
               jobs: int | None = None, strict: bool = False, now: datetime | None = None,
               memo: Memo | None = None, decision: Decision | None = None,
               progress: Progress | None = None, inputs: Inputs | None = None, hold: OutputHold | None = None) -> BuildReport:
    """Build the site at ``root`` into its output folder; on any problem raise BlogenError and leave it as it was.

    ``memo``: what the dev server keeps between its builds (its snapshot in memory among them).
    ``decision``: the plan, when the caller has decided already (``blogen build`` does, to stop
    early when nothing changed); else it is decided here from ``inputs`` (a walk the caller took,
    e.g. the dev server's, begun while the editor's burst of events went quiet) or a walk of its own.
    ``hold``: the output folder, held since before ``decision`` was taken (which then saw it as the
    hold's look did: the writer starts from that look).
    """
    start = time.perf_counter()
    root = root.resolve()
    when = now or datetime.now(UTC)
    config = load_config(root, base_url=base_url, output=output)
    if decision is None:
        options = build_options(drafts, base_url, output)
        kept = memo.snapshot.id if memo is not None and memo.snapshot is not None else None
        decision = decide_build(root, config.output_dir, options, when, private=memo is not None and memo.private_output,
                                snapshot=lambda made: kept or snapshots.stored_id(root, made), inputs=inputs,
                                live=hold.live if hold is not None else None)
    job = _Job(root, config, drafts, jobs, strict, when, progress, memo, decision, hold)
    remember_known_digests(root, decision.facts, decision.inputs.recent)
    plan = decision.plan
    if isinstance(plan, UpToDate):  # asked to build anyway: a patch of nothing reports the site as it is
        plan = Patch(decision.last.patched if decision.last else ())
    started = _patched(job, plan) if isinstance(plan, Patch) else None
    if isinstance(started, str):
        plan, started = Full(started), None
    report = _write(job, started if started is not None else None, plan)
    if isinstance(report.plan, Full):  # an edited template means a full build: its old entry can go once old
        prune_compiled(make_environment(root))
    return replace(report, seconds=time.perf_counter() - start)


def _patched(job: _Job, plan: Patch) -> tuple[Patched, Snapshot] | str:
    """The model for a patch, from the snapshot the output was made from; or why a full build is needed."""
    memo, last = job.memo, job.decision.last
    snap = memo.snapshot if memo is not None else None
    if snap is None or last is None or snap.id != last.snapshot:  # the dev server's first build reads it as the command line does
        snap = snapshots.load(job.root, job.decision.made_with, last.snapshot) if last and last.snapshot else None
    if snap is None:
        return "there is no readable snapshot of the last full build"
    snap = replace(snap, model=snap.model.copy(), render=snap.render.copy())  # the snapshot stays as it was if this fails
    patched = patch_model(job.root, snap, plan.sources, markdown=memo.markdown if memo is not None else {},
                          documents=memo.documents if memo is not None else None, when=job.when, progress=job.progress)
    return patched if isinstance(patched, str) else (patched, snap)


def _full_model(job: _Job) -> tuple[Modelled, ModelMemo | None, RenderMemo | None]:
    """The model made from scratch, with the memos it filled: the dev server keeps them in its snapshot,
    a command-line build keeps them on disk (except a cold build of a big site: see ``_keeps_snapshot``)."""
    memo = job.memo
    last = memo.snapshot if memo is not None else None
    model = last.model.copy() if last is not None else ModelMemo() if memo is not None or _keeps_snapshot(job) else None
    render = (last.render.copy() if last is not None else RenderMemo()) if model is not None else None
    m, _rendered = make_model(job.config, job.decision.inputs, drafts=job.drafts, jobs=job.jobs, now=job.when,
                              progress=job.progress, markdown=memo.markdown if memo is not None else None,
                              documents=memo.documents if memo is not None else None, model=model)
    return m, model, render


def _keeps_snapshot(job: _Job) -> bool:
    """A cold build of a big site keeps no snapshot: holding the model for it would cost the memory its
    streaming saves. The next build, from a warm cache, keeps one."""
    return not cold_and_big(job.config, job.jobs, job.decision.inputs)


def _write(job: _Job, started: tuple[Patched, Snapshot] | None, plan: Plan) -> BuildReport:
    """Render into the writer's staging and swap the new site in; the snapshot and record follow it."""
    with staged_output(job.config.output_dir, private=job.private, hold=job.hold) as staging:
        last = job.decision.last
        if started is not None and not _same_output(staging, started[1], last):
            started, plan = None, Full("another build wrote the output folder since it was decided")
        model: ModelMemo | None
        render: RenderMemo | None
        snapshot_id: str | None
        if started is not None:
            patched, snap = started
            m, model, render = patched.m, snap.model, snap.render
            site, result, pages = _render_patch(m, staging, snap.render, patched, job.progress)
            # The command line leaves its snapshot as it was (the record lists what was patched since);
            # the dev server keeps the patched model itself as its next snapshot.
            snapshot_id = snap.id if job.memo is None else _new_id()
        else:
            m, model, render = _full_model(job)
            site, result = _render(m, staging, render, job.progress, None, job.jobs)
            pages = {}
            snapshot_id = _new_id() if model is not None else None
        pages.update(result.notes)
        if render is not None and job.memo is None:
            render.feeds.clear()  # entry contents only help a process that renders the feeds again (the dev server)
        if job.strict and site.warnings:
            raise BlogenError(w.under_strict() for w in site.warnings)
        for rel in sorted(result.kept - staging.taken):
            staging.add(rel, Kept(staging.live[rel]))
        for rel, data in copied_files(m):
            staging.add(rel, data)
        patched_sources = plan.sources if isinstance(plan, Patch) else ()
        notes = notes_for(job.decision, next_change=site.next_scheduled[0] if site.next_scheduled else None,
                          warnings=[w.format() for w in site.warnings], page_warnings=bool(result.warnings),
                          snapshot=snapshot_id, patched=patched_sources if job.memo is None else ())
        notes["pages"] = pages
        written: WriteReport = staging.finish(notes)
        kept_pages = len(result.kept)
        del result, pages, notes, staging  # in the record now
    if job.hold is not None:
        job.hold.release()  # held since the decision, let go where the writer's own lock would be
    # The snapshot is kept once the lock is let go and the writer's state is freed: pickling it is the
    # peak of a big site's build, and its passing objects reuse that memory. A build that starts in
    # between finds no snapshot with the id the record names, and builds in full: as correct, if slower.
    if job.memo is None:
        forget_records()  # only the dev server reads the record again
    _keep_snapshot(job, m, site, model, render, snapshot_id, started is not None)
    return BuildReport(site, job.config.output_dir, written.written, written.removed, written.unchanged, m.fresh, m.cached,
                       0.0, kept_pages, plan, job.decision.made_with)


def _new_id() -> str:
    """A new snapshot's id: random, as ``secrets.token_hex`` makes them (without importing it on every build)."""
    return os.urandom(8).hex()


def _same_output(staging: Staging, snap: Snapshot, last: Any) -> bool:
    """Under the lock: whether the output folder is still the one the decision saw, made from ``snap``."""
    return staging.intact and last is not None and staging.notes.get("snapshot") == last.snapshot and (
        last.snapshot == snap.id)


def _keep_snapshot(job: _Job, m: Modelled, site: Site, model: ModelMemo | None, render: RenderMemo | None,
                   snapshot_id: str | None, patched: bool) -> None:
    """What the next patch starts from: in memory for the dev server, on disk (signed) for the command line."""
    if model is None or render is None or snapshot_id is None:
        if job.memo is None:
            snapshots.forget(job.root, job.decision.made_with)  # none describes this output: an old one only takes up space
        return
    snap = Snapshot(snapshot_id, m.config, m.content, m.images, m.assets, site, m.template_lines, model, render)
    if job.memo is not None:
        job.memo.snapshot = snap
    elif not patched:  # a patch leaves the snapshot it started from (the record lists what it patched)
        snapshots.save(job.root, job.decision.made_with, replace(snap, render=render.kept()))


def _render(m: Modelled, staging: Staging, memo: RenderMemo | None, progress: Progress | None,
            routes: Sequence[Route] | None, jobs: int | None = 1) -> tuple[Site, RenderResult]:
    """Render the pages into the staging (those whose inputs match the live folder's notes and whose
    live file is intact are kept); all of the site's, or only ``routes``; in ``jobs`` processes
    when there are many and no memo to fill (see ``render_routes``)."""
    pages = staging.notes.get("pages", {})
    result = render_routes(m.site, m.site.routes if routes is None else routes, m.template_lines,
                           pages if isinstance(pages, dict) else {}, frozenset(staging.live), progress, memo, staging.add,
                           jobs)
    return (with_warnings(m.site, result.warnings) if result.warnings else m.site), result


_NOT_RENDERED = frozenset(("static", "asset"))  # copied files: no page to render
_DOCUMENT_PAGES = frozenset(("post", "page"))  # a document's own page (its backlinks are on it)


def _render_patch(m: Modelled, staging: Staging, memo: RenderMemo, patched: Patched, progress: Progress | None,
                  ) -> tuple[Site, RenderResult, dict[str, Any]]:
    """Render the pages the output shows a changed post on (the record says which posts each page
    shows), the pages of documents whose backlinks changed, and any whose file is not there as it was
    left; the others are kept as they are."""
    before = staging.notes.get("pages", {})
    pages: dict[str, Any] = dict(before) if isinstance(before, dict) else {}
    touched, relinked, live, note_of = patched.touched, patched.relinked, staging.live, pages.get
    redo: list[Route] = []
    untouched: list[str] = []
    # One pass over every route of the site after each save in the dev server: kept to plain lookups.
    for route in m.site.routes:
        kind, out = route.kind, route.output
        if kind in _NOT_RENDERED:
            continue
        note = note_of(out)
        if type(note) is list and len(note) == 4 and type(shown := note[3]) is list and out in live \
                and touched.isdisjoint(shown) and not (kind in _DOCUMENT_PAGES and route.item in relinked):
            untouched.append(out)
        else:
            redo.append(route)
    staging.keep(untouched)
    site, result = _render(m, staging, memo, progress, redo)
    return site, replace(result, kept=result.kept | frozenset(untouched)), pages


@dataclass(frozen=True, slots=True)
class Prepared:
    """A site made in memory, without writing: the model and every output file's bytes (or source)."""

    site: Site
    files: dict[str, Data]  # output path -> bytes, a file to copy, or Kept (the live copy is still right)
    rendered: Mapping[str, Rendered]  # each document's Markdown results (its links, for ``check``)
    fresh: int  # documents rendered from Markdown this time
    cached: int
    pages: dict[str, list[Any]]  # per page: input fingerprint and links


def prepare_site(root: Path, *, drafts: bool = False, base_url: str | None = None, output: str | None = None,
                 jobs: int | None = None, now: datetime | None = None, reuse: bool = True,
                 progress: Progress | None = None, keep_pages: bool = True,
                 inputs: Inputs | None = None) -> Prepared:
    """Everything up to the bytes of every file, with no write to output/; raises BlogenError.

    With ``reuse``, pages whose inputs match what the output folder was last built from are not
    rendered again (they come back as Kept); ``check`` turns it off to render and check everything.
    Without ``keep_pages`` the rendered pages are checked and dropped (``files`` then holds only
    the copied files), for a caller that only wants to know whether the site builds.
    """
    from blogen.content.inputs import walk_inputs

    root = root.resolve()
    config = load_config(root, base_url=base_url, output=output)
    walk = inputs or walk_inputs(root)
    m, rendered = make_model(config, walk, drafts=drafts, jobs=jobs, now=now or datetime.now(UTC), progress=progress,
                             resize=keep_pages)
    live, notes, _intact = read_live(config.output_dir) if reuse else ({}, {}, False)
    pages = notes.get("pages", {})
    sink: Callable[[str, bytes], None] | None = None if keep_pages else (lambda _rel, _data: None)
    result = render_routes(m.site, m.site.routes, m.template_lines, pages if isinstance(pages, dict) else {},
                           frozenset(live), progress, None, sink, jobs)
    site = with_warnings(m.site, result.warnings) if result.warnings else m.site
    files: dict[str, Data] = dict(result.files)
    files.update((rel, Kept(live[rel])) for rel in result.kept)
    files.update(copied_files(m))
    return Prepared(site, files, rendered, m.fresh, m.cached, result.notes)
