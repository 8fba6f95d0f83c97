"""The search index: plain JSON files a small script on the search page reads, built from the model.

Files (their names come from ``blogen.model.search``):

``search/index.json``
    ``{"shards": [version, ...], "docs": [id, ...]}``: one short version per term shard (it changes
    when the shard may have, so a browser never mixes an old shard with a new manifest) and the
    documents' ids, whose positions the shards refer to.
``search/t/<k>.json``
    ``[doc, "term weight term weight ...", doc, ...]``: per document (its position in ``docs``),
    its terms whose first three characters hash (FNV-1a) to shard ``k``, with their weights; a
    query word loads the one shard that holds it and every longer word it starts. Grouped by
    document rather than by term, a shard is made by joining slices of each document's own
    terms, without parsing them: an edit's shards are written in a millisecond or two each.
``search/d/<id>.json``
    ``{"url", "title", "date", "datetime", "text"}``: what a result shows, loaded only for the
    results on screen; ``url`` is relative to the search page.

Why not Pagefind: it indexes the whole output folder on every build (1.8-2.1 s and 460 MB at
1,000 posts), where a one-post edit may cost blogen 100 ms. Here each document's terms are
worked out once per version of it (kept between builds in ``RenderMemo``), grouped by shard with
a digest per group; a shard's fingerprint is the column of those digests, so an edit rewrites
only the shards whose terms it changed, and the writer skips every other file.

How text becomes terms is in ``blogen.render.searchwords``; the terms are kept between processes
by ``blogen.render.searchstore``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blogen.core.install import code_fingerprint
from blogen.model.make import html_to_text
from blogen.model.values import Page, Post, Route, Site
from blogen.render.searchstore import read_terms, write_terms
from blogen.render.searchwords import DocTerms, doc_terms
from blogen.render.templates import format_date

SEARCH_KINDS = frozenset({"searchmeta", "searchterms", "searchdoc"})  # the index's routes (the page is a template)
TEXT_LIMIT = 50_000  # characters of a document's text kept for excerpts
_LINENOS = re.compile(r'<span class="linenos">[^<]*</span>')
_STORE_AT = 16  # a build missing the terms of more documents than this reads the kept ones from .blogen-cache/


@dataclass(frozen=True, slots=True)
class SearchMemo:
    """What the renderer's memo keeps of the search index between builds (``RenderMemo.search``).

    ``terms``: per document source, its terms and the digest of what they were made from. ``columns``: the
    last shard digests (``""``: the documents' order, their digest rows, the digests), so a build
    hashes again only the shards whose rows changed; rows are compared by identity first (an
    unchanged document keeps its ``DocTerms``), then by value.
    """

    terms: dict[str, tuple[bytes, DocTerms]] = field(default_factory=dict)
    made_with: dict[str, bytes] = field(default_factory=dict)  # "": blogen's code and the shard count the terms are for
    columns: dict[str, tuple[bytes, list[bytes], list[bytes]]] = field(default_factory=dict)

    def copy(self) -> SearchMemo:
        """A copy a build can bring up to date while this one still describes the last good build
        (entries are replaced, never changed in place)."""
        return SearchMemo(dict(self.terms), dict(self.made_with), dict(self.columns))


@dataclass(frozen=True, slots=True)
class SearchInputs:
    """What the manifest or a term shard shows (``Renderer.shows``): a digest of every input its
    bytes are made from. Any post's text may change any shard, so a patch looks at every one again
    and this digest says whether it must be written."""

    digest: bytes


class SearchIndex:
    """The search files of one Site: the documents in the order of their routes, each one's terms
    (from the memo when the document is the same), and each shard's digest.

    ``post_digest(i)`` is the digest of everything post ``i``'s view holds (the page fingerprints'
    own), which keys a post's terms; pages are keyed by their own text. A build that misses many
    documents' terms (a full build of the command line, the dev server's first) reads them from
    ``store`` and writes back what it had to work out.
    """

    def __init__(self, site: Site, memo: SearchMemo | None, post_digest: Callable[[int], bytes],
                 store: Path | None = None) -> None:
        self.site = site
        self.docs = [r for r in site.routes if r.kind == "searchdoc"]
        self.shards = sum(1 for r in site.routes if r.kind == "searchterms")
        self.ids = [r.url.rsplit("/", 1)[1].removesuffix(".json") for r in self.docs]
        self._posts = site.post_by_source()
        self._pages = {p.source: p for p in site.pages}
        self._memo = memo
        self._post_digest = post_digest
        self._store = store  # the folder of the kept terms (see ``searchstore``), or None to keep none
        self._entries: list[DocTerms] | None = None
        self._columns: list[bytes] | None = None
        self._views: list[tuple[bytes, memoryview]] | None = None

    def item(self, source: str) -> Post | Page:
        i = self._posts.get(source)
        return self.site.posts[i] if i is not None else self._pages[source]

    def _content(self, source: str) -> bytes:
        """A digest of everything a document's terms come from (a post's: its page fingerprints' own)."""
        i = self._posts.get(source)
        if i is not None:
            return self._post_digest(i)
        page = self._pages[source]
        return hashlib.sha256(repr((page.title, page.summary, page.html)).encode()).digest()

    def entries(self) -> list[DocTerms]:
        """Every document's terms, worked out only for documents neither the memo nor the kept file has.

        The memo's entries hold for one version of blogen's code and one shard count (``made_with``);
        the kept file's are keyed by both as well as the document, as it outlives the process.
        """
        if self._entries is None:
            made_with = hashlib.sha256(f"{code_fingerprint()}|{self.shards}".encode()).digest()
            memo = self._memo.terms if self._memo is not None else {}
            if self._memo is not None and self._memo.made_with.get("") != made_with:
                memo.clear()
                self._memo.made_with[""] = made_with
            contents = [self._content(r.item or "") for r in self.docs]
            missing = [j for j, (r, content) in enumerate(zip(self.docs, contents, strict=True))
                       if (kept := memo.get(r.item or "")) is None or kept[0] != content]
            use_store = len(missing) > _STORE_AT and self._store is not None
            stored = read_terms(self._store) if use_store and self._store is not None else {}
            shard_memo: dict[bytes, int] = {}
            term_names = {t.key: {term.slug: term.name for term in t.terms} for t in self.site.taxonomies}
            made = 0
            for j in missing:
                source = self.docs[j].item or ""
                entry = stored.get(hashlib.sha256(made_with + contents[j]).digest())
                if entry is None:
                    item = self.item(source)
                    names = [term_names.get(key, {}).get(slug, slug) for key, slugs in item.terms for slug in slugs] \
                        if isinstance(item, Post) else []
                    entry = doc_terms(item.html, item.title, item.summary, names, self.shards, shard_memo)
                    made += 1
                memo[source] = (contents[j], entry)
            for source in set(memo) - {r.item for r in self.docs}:
                del memo[source]
            self._entries = [memo[r.item or ""][1] for r in self.docs]
            if made and use_store and self._store is not None:
                write_terms(self._store, [(hashlib.sha256(made_with + c).digest(), e)
                                          for c, e in zip(contents, self._entries, strict=True)])
        return self._entries

    def columns(self) -> list[bytes]:
        """Per shard, a digest of everything its file holds: the documents' order and their terms in it."""
        if self._columns is None:
            rows = [e.digests for e in self.entries()]
            order = hashlib.sha256("\n".join(self.ids).encode()).digest()
            kept = self._memo.columns.get("") if self._memo is not None else None
            if kept is not None and kept[0] == order and len(kept[1]) == len(rows) and len(kept[2]) == self.shards:
                redo = {k for old, new in zip(kept[1], rows, strict=True) if old is not new and old != new
                        for k in range(self.shards) if old[8 * k:8 * k + 8] != new[8 * k:8 * k + 8]}
                columns = list(kept[2])
            else:
                redo, columns = set(range(self.shards)), [b""] * self.shards
            if redo:
                matrix = memoryview(b"".join(rows)).cast("Q")
                for k in redo:
                    columns[k] = hashlib.blake2b(order + matrix[k::self.shards].tobytes(), digest_size=16).digest()
            if self._memo is not None:
                self._memo.columns[""] = (order, rows, columns)
            self._columns = columns
        return self._columns

    def shows(self, route: Route, posts: Sequence[Any], pages: Mapping[str, Any]) -> dict[str, Any]:
        """What a route of the index is made from: a document's file its post's (or page's) view; the
        manifest and a shard, a digest of their inputs (see ``SearchInputs``)."""
        if route.kind == "searchdoc":
            assert route.item is not None
            i = self._posts.get(route.item)
            return {"post": posts[i]} if i is not None else {"page": pages[route.item]}
        if route.kind == "searchterms":
            assert route.item is not None
            return {"search": SearchInputs(self.columns()[int(route.item)])}
        return {"search": SearchInputs(hashlib.sha256(b"".join(self.columns()) + "\n".join(self.ids).encode()).digest())}

    def render(self, route: Route) -> bytes:
        if route.kind == "searchmeta":
            return _dumps({"docs": self.ids, "shards": [c[:4].hex() for c in self.columns()]})
        if route.kind == "searchterms":
            assert route.item is not None
            return self._shard(int(route.item))
        assert route.item is not None
        return self._document(self.item(route.item))

    def _shard(self, k: int) -> bytes:
        # Terms are letters, digits and "_", weights digits: nothing in a slice needs escaping in JSON.
        parts = [b'%d,"%s"' % (j, blob[offsets[k]:offsets[k + 1]])
                 for j, (blob, offsets) in enumerate(self._slices()) if offsets[k] != offsets[k + 1]]
        return b"[" + b",".join(parts) + b"]\n"

    def _slices(self) -> list[tuple[bytes, memoryview]]:
        if self._views is None:
            self._views = [(e.blob, memoryview(e.offsets).cast("I")) for e in self.entries()]
        return self._views

    def _document(self, item: Post | Page) -> bytes:
        base = self.site.config.base_path
        text = html_to_text(_LINENOS.sub("", item.html))
        if len(text) > TEXT_LIMIT:
            text = text[:TEXT_LIMIT].rsplit(" ", 1)[0]
        data: dict[str, Any] = {"url": "../" + item.url[len(base):], "title": item.title, "text": text}
        if isinstance(item, Post):
            data.update(date=format_date(item.date), datetime=item.date.isoformat())
        return _dumps(data)


def _dumps(data: Mapping[str, Any] | Sequence[Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode() + b"\n"
