"""What the search index holds, as routes: the documents it covers, their ids, and how many term shards it has.

The index is plain files (see ``blogen.render.search``): a manifest, one file of terms per shard,
one file per document. Their names follow from the site's shape alone (which documents, how
many), never from the text, so a rebuild after an edit to a post's text has the same routes and
only rewrites the files whose bytes changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from blogen.core.config import Config
from blogen.model.values import Page, Post

SEARCH_PATH = "/search/"
# Terms per shard stay near 2,000 postings for a tech blog (~300 distinct terms a post), so a query
# of one word loads ~10-20 KB of index whatever the site's size; a site of up to 16 documents has one.
_DOCS_PER_SHARD = 8
MAX_SHARDS = 256


def searchable(item: Post | Page, config: Config) -> bool:
    """Whether the search index holds this post or page (``search: false`` in front matter leaves it out)."""
    if item.extra.get("search") is False:
        return False
    return isinstance(item, Post) or config.search.pages


def shard_count(documents: int) -> int:
    """The number of term shards for this many documents: a power of two, from 1 to ``MAX_SHARDS``.

    It changes only when documents are added or removed (a full build), never with an edit.
    """
    n = 1
    while n * _DOCS_PER_SHARD < documents and n < MAX_SHARDS:
        n *= 2
    return n


def document_ids(urls: Sequence[str]) -> list[str]:
    """A short, stable file name per document, from its URL: adding a post renames no other's file.

    Eight base-32 characters of a digest; a clash (about one site in a thousand at 5,000 posts)
    is resolved by hashing again, in the order given, so ids stay deterministic.
    """
    ids: list[str] = []
    taken: set[str] = set()
    for url in urls:
        salt = 0
        while True:
            digest = hashlib.blake2b(f"{salt}:{url}".encode() if salt else url.encode(), digest_size=5).digest()
            candidate = "".join("abcdefghijklmnopqrstuvwxyz234567"[(int.from_bytes(digest, "big") >> s) & 31] for s in range(35, -1, -5))
            if candidate not in taken:
                break
            salt += 1
        taken.add(candidate)
        ids.append(candidate)
    return ids
