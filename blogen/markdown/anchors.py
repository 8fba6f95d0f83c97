"""Heading ids the way blogen, GitHub (and Hugo's goldmark) and kramdown (Jekyll) make them.

A site chooses one style for the ids it writes (``markdown.heading_ids``), usually the one its
old generator used, so that links from elsewhere to ``/post/#some-heading`` still land. Links
inside the site may be written in any of the three styles: ``heading_aliases`` gives, for each
heading of a document, the ids every style would have made, so the link checker can find the
heading a fragment meant and rewrite it to the id the page really has.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

STYLES = ("blogen", "github", "kramdown")
FALLBACK = "section"  # the id of a heading whose text leaves nothing to make one from

_WORD_RE = re.compile(r"[^\W_]+")  # runs of characters for which str.isalnum() is true
_GITHUB_JUNK_RE = re.compile(r"[^a-z0-9_ -]")
_KRAMDOWN_LEAD_RE = re.compile(r"^[^a-zA-Z]+")
_KRAMDOWN_JUNK_RE = re.compile(r"[^a-zA-Z0-9 -]")


def blogen_slug(text: str) -> str:
    """Lower-case alphanumeric runs joined by ``-``; non-ASCII letters are kept, everything else separates words."""
    return "-".join(_WORD_RE.findall(text.lower()))


def _github_keeps(ch: str) -> bool:
    # Letters, marks, digits and connector punctuation (`_`) stay; so do `-` and spaces (made `-` below).
    return ch in "- " or unicodedata.category(ch)[0] in "LMN" or ch == "_"


def github_slug(text: str) -> str:
    """GitHub's (and goldmark's, so Hugo's) ids: lower case, punctuation dropped, each space a ``-``.

    Nothing is collapsed, so ``People & Body`` gives ``people--body`` and
    ``String.prototype.replaceAll`` gives ``stringprototypereplaceall``.
    """
    text = text.strip().lower()
    kept = _GITHUB_JUNK_RE.sub("", text) if text.isascii() else "".join(ch for ch in text if _github_keeps(ch))
    return kept.replace(" ", "-")


def kramdown_slug(text: str) -> str:
    """kramdown's ids (Jekyll's default): everything before the first ASCII letter dropped (so
    ``2. Setup`` gives ``setup``), then all but ASCII letters, digits, spaces and ``-``; spaces
    become ``-``, and the whole is lower-cased."""
    text = _KRAMDOWN_JUNK_RE.sub("", _KRAMDOWN_LEAD_RE.sub("", text))
    return text.replace(" ", "-").lower()


SLUGGERS: dict[str, Callable[[str], str]] = {"blogen": blogen_slug, "github": github_slug, "kramdown": kramdown_slug}


def unique_ids(reserved: set[str]) -> Callable[[str], str]:
    """A function that makes each id it is given unique among the ids it gave and ``reserved`` (which it
    extends), as every style does: the second ``setup`` is ``setup-1``, the third ``setup-2``."""
    used = reserved
    next_suffix: dict[str, int] = {}

    def unique(base: str) -> str:
        if base not in used:
            used.add(base)
            return base
        n = next_suffix.get(base, 0)
        while True:
            n += 1
            candidate = f"{base}-{n}"
            if candidate not in used:
                break
        next_suffix[base] = n
        used.add(candidate)
        return candidate

    return unique


def heading_aliases(texts: Sequence[str]) -> dict[str, set[int]]:
    """Every id any style would give each heading of a document (by the heading's position), duplicates numbered."""
    found: dict[str, set[int]] = {}
    for slugger in SLUGGERS.values():
        unique = unique_ids(set())
        for k, text in enumerate(texts):
            found.setdefault(unique(slugger(text) or FALLBACK), set()).add(k)
    return found
