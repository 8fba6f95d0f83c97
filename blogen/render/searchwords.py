"""The words of the search index: how text is cut into terms, which shard holds a term, and one
document's terms grouped by shard (``DocTerms``), from which ``blogen.render.search`` makes its files.

Words are what the search page's script also finds: lower-cased, compatibility-decomposed (NFKD)
with non-spacing marks dropped (so ``café`` is ``cafe``), split at anything but letters, digits,
spacing marks and ``_``. The script (``theme/static/search.js``) must agree with ``words`` and
``shard_of``; tests/test_browser_features.py checks that it does.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass

# A term's weight in a document: the bit length of its count in the text (1 for once, 2 for twice
# or three times, 3 for four to seven, ... at most 7), plus 8 when the title has it and 4 when a
# tag does. Counted in powers of two, a weight rarely changes when an edit adds a word the text
# already has, so such an edit leaves that word's shard as it was (and unsent by deploy).
TITLE_WEIGHT = 8
TAG_WEIGHT = 4
_MAX_BITS = 7
MAX_TERM_BYTES = 64  # longer "words" are hashes and base64: not worth an index entry
_EMPTY = bytes(8)

# ASCII bytes that end a word become spaces; letters, digits, "_" and every non-ASCII byte stay.
_SPLIT = bytes(c if (48 <= c <= 57 or 97 <= c <= 122 or c == 95 or c >= 128) else 32 for c in range(256))
# Markup and entities become spaces; line numbers of code blocks are not words of the text.
_MARKUP = re.compile(r'<span class="linenos">[^<]*</span>|<[^>]*>|&[#\w]+;')


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
    weights = {term: min(count.bit_length(), _MAX_BITS)
               for term, count in Counter(words(_MARKUP.sub(" ", html)) + words(summary)).items()}
    for bonus, texts in ((TITLE_WEIGHT, (title,)), (TAG_WEIGHT, tags)):
        for term in {w for text in texts for w in words(text)}:
            weights[term] = weights.get(term, 0) + bonus
    groups: list[list[bytes]] = [[] for _ in range(shards)]
    memo_get = shard_memo.get
    for term, weight in weights.items():
        key = term[:3] if term.isascii() else term.decode()[:3].encode()
        k = memo_get(key)
        if k is None:
            k = shard_memo[key] = shard_of(key, shards)
        if len(term) <= MAX_TERM_BYTES:
            groups[k].append(b"%s %d" % (term, weight))
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
