"""Carrying out a ``Patch`` plan: the snapshot's model with the changed posts read, rendered and patched in.

Also what a long-running process keeps between its builds (``Memo``): the dev server builds with it,
so its snapshot lives in memory and its parsed sources and Markdown are reused by content.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from blogen.build.images import variants_missing
from blogen.build.markdown import (
    document_key,
    document_options,
    markdown_key_options,
    render_documents,
    site_shortcodes,
)
from blogen.build.stages import Modelled
from blogen.content.sources import Document, DocumentMemo, read_document
from blogen.core.progress import Progress
from blogen.incremental.snapshot import Snapshot
from blogen.markdown.diagrams import Diagrams, find_diagram_tools
from blogen.markdown.render import Rendered
from blogen.model.patch import patch_posts
from blogen.model.values import ModelMemo
from blogen.render.memo import RenderMemo


@dataclass(slots=True)
class Memo:
    """What a long-running process (``blogen serve``) keeps between builds; keyed by content, so never stale.

    ``snapshot`` is the last build that was written (its model, for the next ``Patch``); it is dropped
    while a build runs and after one fails, so a patch never starts from a model the output does not show.
    """

    markdown: dict[str, Rendered] = field(default_factory=dict)
    documents: DocumentMemo = field(default_factory=dict)
    model: ModelMemo = field(default_factory=ModelMemo)
    render: RenderMemo = field(default_factory=RenderMemo)
    # The output folder is this process's own (the dev server's temporary folder): nobody else writes
    # there, so the writer need not check each of its files against the disk before every build.
    private_output: bool = False
    snapshot: Snapshot | None = None


@dataclass(frozen=True, slots=True)
class Patched:
    """The snapshot's model with the changed posts patched in, and where those posts are."""

    m: Modelled
    touched: frozenset[str]  # the posts whose text changed since the snapshot
    relinked: frozenset[str]  # posts and pages whose backlinks differ from the snapshot's


def patch_model(root: Path, snapshot: Snapshot, sources: tuple[str, ...], *, markdown: dict[str, Rendered],
                documents: DocumentMemo | None, when: datetime, progress: Progress | None) -> Patched | str:
    """The model when only the text of the posts at ``sources`` changed since ``snapshot``; or why a
    full build is needed after all (a source that is not an existing post, front matter that changed,
    a change that makes or fixes a problem anywhere).

    The changed documents are read and rendered again and patched into the model
    (``model.patch.patch_posts``); ``build_site`` then looks again only at the pages that counted those
    posts last time, and the usual fingerprint check renders those that differ.
    """
    config = snapshot.config
    before = {d.source: d for d in snapshot.content.documents}
    new_docs: dict[str, Document] = {}
    for rel in sources:
        old = before.get(rel)
        if old is None or old.kind != "post":
            return f"not a post the last full build had: {rel}"
        if any(w.path == rel for w in snapshot.content.warnings):
            return f"{rel} had a warning"
        doc, problems = read_document(config, root / rel, old.kind, root / old.bundle if old.bundle else None,
                                      old.assets, documents)
        if doc is None or problems:
            return f"{rel} has problems"
        if (doc.kind, doc.name, doc.name_date, doc.meta, doc.bundle, doc.assets) != \
                (old.kind, old.name, old.name_date, old.meta, old.bundle, old.assets):
            return f"front matter changed: {rel}"  # it decides the site's shape: make it all again
        new_docs[rel] = doc
    fresh_rendered, fresh = render_documents(config, tuple(new_docs.values()), 1, markdown, progress, prune=False)
    changed = [(d, fresh_rendered[d.source]) for d in new_docs.values() if d.digest != before[d.source].digest]
    patched = patch_posts(snapshot.site, changed, snapshot.model, now=when, images=snapshot.images) \
        if changed else (snapshot.site, frozenset[int](), frozenset[str]())
    if patched is None:
        return "an edit changes more than its own post's text"
    site, _positions, relinked = patched
    if variants_missing(config, site, snapshot.images):
        return "resized copies of images were deleted from the cache"
    # Forget the replaced versions, as a full build's pruning would.
    options_repr = markdown_key_options(config, site_shortcodes(config))
    diagrams = Diagrams(find_diagram_tools())
    for rel, doc in new_docs.items():
        old, options = before[rel], document_options(config.markdown, doc)  # front matter is as it was
        new_key = document_key(doc, options_repr, options, diagrams)
        for drawn in (False, True):  # the old text is gone: whether it held a diagram is not known
            old_key = document_key(old, options_repr, options, diagrams, may_draw=drawn)
            if old_key != new_key:
                markdown.pop(old_key, None)
        if documents is not None and old is not doc:
            for key in [k for k, found in documents.items() if found[0] is old]:  # every parsed source: no more per entry
                del documents[key]
    content = replace(snapshot.content, documents=tuple([new_docs.get(d.source, d) for d in snapshot.content.documents]))
    m = Modelled(config, site, fresh, len(content.documents) - fresh, snapshot.assets, snapshot.template_lines,
                 content, snapshot.images)
    return Patched(m, frozenset(new_docs), relinked)
