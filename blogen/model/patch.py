"""The dev server's quick model: the last build's ``Site`` with the text of some posts changed.

Kept apart from ``model`` because it is the other way to a ``Site``: instead of making every post,
it patches the last one from ``ModelMemo``, and gives up (for a full ``make_site``) whenever the
result could differ from what ``make_site`` would make.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType

from blogen.content.images import ImageInfo
from blogen.content.sources import Document
from blogen.markdown.render import Rendered
from blogen.model.links import add_target, resolve_item, target_keys
from blogen.model.make import Builder, model_settings
from blogen.model.values import Linked, ModelMemo, Post, Site

# Fields of a post that decide the site's shape: which pages exist, their order, terms and related lists.
_SHAPE = ("source", "url", "date", "terms", "draft", "public", "template", "aliases", "bundle", "assets", "name")
_Terms = tuple[tuple[str, tuple[str, ...]], ...]


def patch_posts(site: Site, changed: Sequence[tuple[Document, Rendered]], memo: ModelMemo, *,
                now: datetime, images: Mapping[str, ImageInfo]) -> tuple[Site, frozenset[int], frozenset[str]] | None:
    """``site`` with the text of some of its posts changed, those posts' positions, and the documents
    whose backlinks changed (a post's edit added or removed a link to them); or None when that is
    not all that changed.

    A patch (``blogen.incremental.plan``): when only the body of existing posts changed, the site keeps
    its shape (pages, order, terms, related lists), and only those posts, and documents whose links
    looked them up, need making again. Each is made exactly as ``make_site`` makes it, from the
    memo's entries; anything that would come out differently anywhere else (another shape, a new
    problem, another document's links resolving differently) gives None, and the caller makes the
    whole site instead. The memo is brought up to date as ``make_site`` would have left it.
    The documents whose backlinks changed are those of ``site`` (the snapshot): pages the output
    shows since an earlier patch are found by the caller from the record (which posts each page shows).
    """
    if memo.index is None:
        return None
    targets, index = memo.index
    b = Builder(site.config, now)
    settings = model_settings(site.config)
    position = site.post_by_source()
    updates: list[tuple[str, Document, Rendered, Post, _Terms, Post]] = []
    kept_out = _left_out(b, changed, position, memo)
    if kept_out is None:
        return None
    new_targets = dict(targets)
    for doc, rendered in [c for c in changed if c[0].source not in kept_out]:
        made, tagged = memo.made.get(doc.source), memo.tagged.get(doc.source)
        if doc.kind != "post" or doc.source not in position or made is None or tagged is None \
                or rendered.warnings != made[1].warnings:  # the site's warnings would change
            return None
        post = b.make_post(doc, rendered)
        old = made[3]
        if post is None or b.problems or not isinstance(old, Post) \
                or any(getattr(post, f) != getattr(old, f) for f in _SHAPE):
            return None
        slugs = tagged[1]
        fixed = post if slugs == post.terms else replace(post, terms=slugs)
        add_target(new_targets, fixed, rendered)
        updates.append((doc.source, doc, rendered, post, slugs, fixed))
    keys = {k for source, *_ in updates for k in target_keys(memo.made[source][3])}
    redo = {source for source, *_ in updates}
    for source, linked in memo.links.items():  # every document's links: plain loops, no generator per document
        for key, _found in linked.lookups:
            if key in keys:
                redo.add(source)
                break
    pre = {source: fixed for source, *_, fixed in updates}
    rendered_of = {source: rendered for source, _, rendered, *_ in updates}
    relinked: dict[str, Linked] = {}
    for source in redo:
        old_linked = memo.links.get(source)
        if old_linked is None:
            return None
        item = pre.get(source, old_linked.item)
        r = rendered_of.get(source) or memo.made[source][1]
        done = resolve_item(site.config, item, r, new_targets, index, images)
        if (done.problems, done.broken, done.unused, done.shown) != \
                (old_linked.problems, old_linked.broken, old_linked.unused, old_linked.shown):
            return None  # a new or vanished problem, or another image shown (its resized copies are routes)
        if source not in pre and (done.fixed != old_linked.fixed or done.targets != old_linked.targets):
            return None
        relinked[source] = done
    backlinks, shown = _backlinks(site, position, relinked, memo)
    # Everything checked: bring the memo up to date, then the site.
    for source, doc, rendered, post, slugs, fixed in updates:
        memo.made[source] = (doc, rendered, settings, post)
        memo.tagged[source] = (post, slugs, fixed)
    memo.made.update({source: (doc, rendered, settings, post) for source, (doc, rendered, post) in kept_out.items()})
    memo.links.update(relinked)
    memo.index = (new_targets, index)
    posts = list(site.posts)
    for source in pre:
        fixed_post = relinked[source].fixed
        assert isinstance(fixed_post, Post)
        posts[position[source]] = fixed_post
    return replace(site, posts=tuple(posts), backlinks=backlinks), frozenset(position[source] for source in pre), shown


def _left_out(b: Builder, changed: Sequence[tuple[Document, Rendered]], position: Mapping[str, int],
              memo: ModelMemo) -> dict[str, tuple[Document, Rendered, Post]] | None:
    """The changed posts the site leaves out (a draft without drafts shown, a post not yet due), made
    again; or None if one no longer makes a post without a problem. The caller checked that their
    front matter is as it was, so they stay out, and their text is on no page."""
    found: dict[str, tuple[Document, Rendered, Post]] = {}
    for doc, rendered in changed:
        made = memo.made.get(doc.source)
        if doc.kind != "post" or doc.source in position or made is None or not isinstance(made[3], Post):
            continue
        post = b.make_post(doc, rendered)
        if post is None or b.problems:
            return None
        found[doc.source] = (doc, rendered, post)
    return found


def _backlinks(site: Site, position: Mapping[str, int], relinked: Mapping[str, Linked],
               memo: ModelMemo) -> tuple[Mapping[str, tuple[int, ...]], frozenset[str]]:
    """The site's backlinks after the posts in ``relinked`` link elsewhere, and the documents whose backlinks changed
    (as ``make_site`` makes them: only posts' links count, each list newest first)."""
    if not site.config.backlinks:
        return site.backlinks, frozenset()
    found = {target: list(linkers) for target, linkers in site.backlinks.items()}
    shown: set[str] = set()
    for source, done in relinked.items():
        before = memo.links[source].targets
        if source not in position or before == done.targets:
            continue
        i = position[source]
        for target in before - done.targets:
            found[target].remove(i)
        for target in done.targets - before:
            found.setdefault(target, []).append(i)
        shown.update(before ^ done.targets)
    if not shown:
        return site.backlinks, frozenset()
    return MappingProxyType({t: tuple(sorted(found[t])) for t in sorted(found) if found[t]}), frozenset(shown)
