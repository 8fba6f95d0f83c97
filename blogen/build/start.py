"""Builds that start from an earlier one: the dev server's last build, kept in memory, and the
command line's base, kept on disk by the last full build (``blogen.incremental.snapshot``).

Both take the same quick path when the only inputs that changed are existing posts whose front
matter is the same: those are read and rendered again and patched into the earlier model
(``patch.patch_posts``), and ``pipeline.build_site`` then looks again only at the pages that
counted them. Anything else gives None here, and the caller builds afresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from blogen.build.markdown import Progress, cold_and_big, markdown_key_options, render_documents, site_shortcodes
from blogen.content.images import ImageInfo
from blogen.content.sources import Content, Document, DocumentMemo, read_document
from blogen.content.theme import theme_dirs
from blogen.core.config import Config, load_config
from blogen.core.install import code_fingerprint
from blogen.incremental import snapshot
from blogen.incremental.cache import cache_key
from blogen.incremental.scan import LastBuild, Scan, changed_sources, scan
from blogen.markdown.render import Rendered
from blogen.model.patch import patch_posts
from blogen.model.values import ModelMemo, Site, ThemeAsset
from blogen.render.pages import RenderMemo


@dataclass(frozen=True, slots=True)
class Memo:
    """What a long-running process (``blogen serve``) keeps between builds; keyed by content, so never stale.

    The command line uses the model and render parts too: filled by a full build to keep as the
    next build's base, and taken from that base by a quick rebuild (see ``command_line_start``).
    """

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
class Modelled:
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


@dataclass(frozen=True, slots=True)
class QuickModel:
    """The last build's model with the changed posts patched in, and where those posts are."""

    m: Modelled
    touched: frozenset[int]  # positions in m.site.posts of the posts whose text changed


def quick_model(root: Path, last: LastBuild, inputs: Scan, memo: Memo, when: datetime,
                 progress: Progress | None, limit: int | None = None) -> QuickModel | None:
    """The model when only the text of existing posts changed, made from an earlier build (the dev
    server's last one, or the command line's base); None when anything else may have changed, and
    the full build runs instead (see ``blogen.incremental.scan``). ``limit``: at most this many changed posts.

    The changed documents are read and rendered again and patched into the model
    (``patch.patch_posts``); ``build_site`` then looks again only at the pages that counted those
    posts in their fingerprints last time, and the usual fingerprint check renders those that differ.
    """
    if last.render_warnings or (last.site.next_scheduled is not None and when >= last.site.next_scheduled[0]):
        return None
    changed = changed_sources(last.scan, inputs, root)
    if changed is None or (limit is not None and len(changed) > limit):
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
    patched = patch_posts(last.site, [(d, fresh_rendered[d.source]) for d in new_docs.values()], memo.model,
                          now=when, images=last.images) if new_docs else (last.site, frozenset[int]())
    if patched is None:
        return None
    site, touched = patched
    # Forget the replaced versions, as a full build's pruning would.
    options_repr = markdown_key_options(config, site_shortcodes(config))
    for rel, doc in new_docs.items():
        old_key = cache_key(before[rel], options_repr)
        if old_key != cache_key(doc, options_repr):
            memo.markdown.pop(old_key, None)
        for key in [k for k, (d, _) in memo.documents.items() if d is before[rel]]:
            del memo.documents[key]
    content = replace(last.content, documents=tuple(new_docs.get(d.source, d) for d in last.content.documents))
    m = Modelled(config, site, {}, fresh, len(content.documents) - fresh, last.assets, last.template_lines,
                  content, last.images)
    return QuickModel(m, touched)


@dataclass(frozen=True, slots=True)
class Start:
    """How a command-line build starts: from the base the last full build kept (a quick rebuild),
    or afresh, filling a memo to keep as the next build's base (or, for a cold big site, none)."""

    made_with: str  # what a base must have been made with (see ``snapshot.fingerprint``)
    base: snapshot.Base | None  # set for a quick rebuild
    quick: QuickModel | None
    memo: Memo | None  # the base's memos for a quick rebuild; the memo to fill for a full one
    inputs: Scan | None  # taken before anything is read


def command_line_start(root: Path, options: tuple[Any, ...], base_url: str | None, output: str | None,
                        jobs: int | None, when: datetime, progress: Progress | None) -> Start:
    made_with = snapshot.fingerprint(code_fingerprint(), options, root)
    base = snapshot.load(root, made_with)
    inputs = scan(root, theme_dirs(root)) if base is not None else None
    if base is not None and inputs is not None and base.last.options == options:
        based = Memo(model=base.model, render=base.render)
        quick = quick_model(root, base.last, inputs, based, when, progress, limit=snapshot.QUICK_LIMIT)
        if quick is not None:
            return Start(made_with, base, quick, based, inputs)
    if cold_and_big(load_config(root, base_url=base_url, output=output), jobs):
        # A cold build of a big site keeps no base: holding the model for it would cost the memory
        # its streaming saves. The next build, from a warm cache, keeps one.
        return Start(made_with, None, None, None, None)
    return Start(made_with, None, None, Memo(), inputs or scan(root, theme_dirs(root)))
