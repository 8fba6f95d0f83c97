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

Words are what the script also finds: lower-cased, compatibility-decomposed (NFKD) with
non-spacing marks dropped (so ``café`` is ``cafe``), split at anything but letters, digits,
spacing marks and ``_``. The script (``theme/static/search.js``) must agree with ``words``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from blogen.model.make import html_to_text
from blogen.model.values import Page, Post, Route, Site
from blogen.render.templates import format_date

TITLE_WEIGHT = 10  # a word of the title counts as ten in the body
TAG_WEIGHT = 5
MAX_WEIGHT = 9999
MAX_TERM_BYTES = 64  # longer "words" are hashes and base64: not worth an index entry
TEXT_LIMIT = 50_000  # characters of a document's text kept for excerpts
_EMPTY = bytes(8)
_INDEX_FORMAT = b"search-index-1"  # part of every entry's key: change it when the words or files change

# ASCII bytes that end a word become spaces; letters, digits, "_" and every non-ASCII byte stay.
_SPLIT = bytes(c if (48 <= c <= 57 or 97 <= c <= 122 or c == 95 or c >= 128) else 32 for c in range(256))
# Markup and entities become spaces; line numbers of code blocks are not words of the text.
_MARKUP = re.compile(r'<span class="linenos">[^<]*</span>|<[^>]*>|&[#\w]+;')
_LINENOS = re.compile(r'<span class="linenos">[^<]*</span>')


def words(text: str) -> list[bytes]:
    """The words of ``text`` as the index stores them (UTF-8), in order, repeats kept."""
    chunks = text.lower().encode().translate(_SPLIT).split()
    if text.isascii():
        return chunks
    out: list[bytes] = []
    for chunk in chunks:
        if chunk.isascii():
            out.append(chunk)
        else:
            out.extend(w.encode() for w in _unicode_words(chunk.decode()))
    return out


def _unicode_words(chunk: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", chunk).lower()
    found: list[str] = []
    current: list[str] = []
    for ch in decomposed:
        if ch.isalnum() or ch == "_":
            current.append(ch)
            continue
        kind = unicodedata.category(ch)
        if kind == "Mn":
            continue
        if kind in ("Mc", "Me"):
            current.append(ch)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return found


def shard_of(term: bytes, shards: int) -> int:
    """The shard that holds ``term``: FNV-1a (32 bits) of its first three characters, modulo ``shards``."""
    key = term[:3] if term.isascii() else term.decode()[:3].encode()
    h = 0x811C9DC5
    for ch in key.decode():
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h % shards


@dataclass(frozen=True, slots=True)
class DocTerms:
    """One document's terms, grouped by shard: ``blob`` holds ``term weight`` pairs separated by
    spaces, each shard's sorted, at ``offsets[k]:offsets[k+1]`` (native unsigned ints); ``digests``
    8 bytes per shard (zeros for none), so a shard's inputs are compared without reading its terms."""

    blob: bytes
    offsets: bytes
    digests: bytes


def doc_terms(html: str, title: str, summary: str, tags: Iterable[str], shards: int,
              shard_memo: MutableMapping[bytes, int]) -> DocTerms:
    counts = Counter(words(_MARKUP.sub(" ", html)))
    counts.update(words(summary))
    for weight, texts in ((TITLE_WEIGHT, (title,)), (TAG_WEIGHT, tags)):
        for text in texts:
            for w in words(text):
                counts[w] += weight
    groups: list[list[bytes]] = [[] for _ in range(shards)]
    memo_get = shard_memo.get
    for term, count in counts.items():
        key = term[:3] if term.isascii() else term.decode()[:3].encode()
        k = memo_get(key)
        if k is None:
            k = shard_memo[key] = shard_of(key, shards)
        if len(term) <= MAX_TERM_BYTES:
            groups[k].append(b"%s %d" % (term, count if count < MAX_WEIGHT else MAX_WEIGHT))
    parts: list[bytes] = []
    offsets = array("I", [0])
    digests = bytearray()
    position = 0
    for group in groups:
        if group:
            group.sort()
            chunk = b" ".join(group)
            parts.append(chunk)
            position += len(chunk)
            digests += hashlib.blake2b(chunk, digest_size=8).digest()
        else:
            digests += _EMPTY
        offsets.append(position)
    return DocTerms(b"".join(parts), offsets.tobytes(), bytes(digests))


# (content key, entry) per document source, kept between builds by the renderer's memo
SearchMemo = MutableMapping[str, tuple[bytes, DocTerms]]


class SearchIndex:
    """The search files of one Site: the documents in the order of their routes, each one's terms
    (from the memo when the document is the same), and each shard's digest.

    ``post_digest(i)`` is the digest of everything post ``i``'s view holds (the page fingerprints'
    own), which keys a post's terms; pages are keyed by their own text.
    """

    def __init__(self, site: Site, memo: SearchMemo | None, post_digest: Callable[[int], bytes]) -> None:
        self.site = site
        self.docs = [r for r in site.routes if r.kind == "searchdoc"]
        self.shards = sum(1 for r in site.routes if r.kind == "searchterms")
        self.ids = [r.url.rsplit("/", 1)[1].removesuffix(".json") for r in self.docs]
        self._posts = site.post_by_source()
        self._pages = {p.source: p for p in site.pages}
        self._memo = memo
        self._post_digest = post_digest
        self._entries: list[DocTerms] | None = None
        self._columns: list[bytes] | None = None
        self._views: list[tuple[bytes, memoryview]] | None = None

    def item(self, source: str) -> Post | Page:
        i = self._posts.get(source)
        return self.site.posts[i] if i is not None else self._pages[source]

    def _key(self, source: str) -> bytes:
        i = self._posts.get(source)
        h = hashlib.sha256(_INDEX_FORMAT + b"%d" % self.shards)
        if i is not None:
            h.update(self._post_digest(i))
        else:
            page = self._pages[source]
            h.update(repr((page.title, page.summary)).encode())
            h.update(page.html.encode())
        return h.digest()

    def entries(self) -> list[DocTerms]:
        """Every document's terms, worked out only for documents the memo does not have as they are."""
        if self._entries is None:
            shard_memo: dict[bytes, int] = {}
            tag_names = {t.slug: t.name for t in self.site.tags}
            found: list[DocTerms] = []
            for route in self.docs:
                assert route.item is not None
                key = self._key(route.item)
                kept = self._memo.get(route.item) if self._memo is not None else None
                if kept is not None and kept[0] == key:
                    found.append(kept[1])
                    continue
                item = self.item(route.item)
                tags = [tag_names.get(t, t) for t in item.tags] if isinstance(item, Post) else []
                entry = doc_terms(item.html, item.title, item.summary, tags, self.shards, shard_memo)
                if self._memo is not None:
                    self._memo[route.item] = (key, entry)
                found.append(entry)
            if self._memo is not None:
                for source in set(self._memo) - {r.item for r in self.docs}:
                    del self._memo[source]
            self._entries = found
        return self._entries

    def columns(self) -> list[bytes]:
        """Per shard, a digest of everything its file holds: the documents' order and their terms in it."""
        if self._columns is None:
            entries = self.entries()
            order = hashlib.sha256("\n".join(self.ids).encode()).digest()
            matrix = memoryview(b"".join(e.digests for e in entries)).cast("Q")
            self._columns = [hashlib.blake2b(order + matrix[k::self.shards].tobytes(), digest_size=16).digest()
                             for k in range(self.shards)]
        return self._columns

    def fingerprint(self, route: Route) -> bytes:
        """What the manifest or a shard depends on (documents are fingerprinted as their pages are)."""
        if route.kind == "searchterms":
            assert route.item is not None
            return self.columns()[int(route.item)]
        return b"".join(self.columns()) + "\n".join(self.ids).encode()

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
