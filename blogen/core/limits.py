"""The bounds blogen puts on what it is given, so that an input it cannot handle in reasonable time
or memory is a clear error naming the file, never a hang, a crash or half a gigabyte of output.

Each bound is far above what a real site needs: the largest real blogs tried (a few thousand
posts from Jekyll, Hugo and Zola sites) use at most 7 tags on a post and nest front matter 3 deep.
The dev server's own bound (a request line of 64 KB) is http.server's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Lists and tables inside one another, in front matter or the config. Python's own parsers and
# everything that later walks the values (templates, JSON-LD, the kept model) recurse, and run out
# of stack a few hundred levels down.
MAX_NESTING = 64

# Terms of one taxonomy (tags, categories, series...) on one post. Every term page and feed lists the
# post with all its terms, so the site grows with the square of this number: 2,000 tags on one post
# made 4,000 files and 493 MB.
MAX_TERMS_PER_POST = 100

# Bytes in one file or folder name of the output. File systems allow 255; the writer's temporary
# names add up to 13 (``.name.12345.tmp``), so a longer name could be made but never written.
MAX_NAME_BYTES = 240
# Bytes in a whole path (the output folder's included): Linux refuses paths of 4,096 and more.
MAX_PATH_BYTES = 4000


def too_deep(value: Any, limit: int = MAX_NESTING) -> bool:
    """Whether lists and mappings nest more than ``limit`` levels deep in ``value``.

    Iterative, so a value nested far deeper than the stack allows is measured rather than crashing
    (a value that contains itself is too deep, at any limit).
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def bracketiest_line(text: str) -> int:
    """The (1-based) line of ``text`` that opens the most arrays and tables: where TOML nests deepest."""
    lines = text.split("\n")
    return 1 + max(range(len(lines)), key=lambda i: lines[i].count("[") + lines[i].count("{"))


def name_too_long(name: str, what: str) -> str | None:
    """Why ``name`` (a slug) cannot name a folder or file of the output, or None; ``what`` says what made it."""
    size = len(name.encode("utf-8", "surrogateescape"))
    if size <= MAX_NAME_BYTES:
        return None
    return f"{what} makes a folder name of {size} bytes; a name in the output may have at most {MAX_NAME_BYTES}: shorten it"
