"""The one URL rule: slugs, permalink patterns, and how a URL maps to a file under output/."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from pathlib import PurePosixPath

# Symbols that carry meaning in technical tag names and must not vanish from their slug,
# so that "C++" and "C#" never share one page.
_SYMBOL_WORDS = {"+": " plus ", "#": " sharp ", "@": " at ", "&": " and "}
_SAFE_SLUG = re.compile(r"^[\w][\w.~-]*$")
_ASCII_GAPS = re.compile(r"[^a-z0-9]+")
PERMALINK_TOKENS = ("year", "month", "day", "slug")
# The file that marks a folder as blogen's output (``blogen.output.record.MARKER``): no URL may claim it.
OUTPUT_MARKER = ".blogen-output"


@lru_cache(maxsize=8192)
def slugify(text: str, *, keep_symbols: bool = False) -> str:
    """Lower-case, dash-separated, URL-safe form of ``text``.

    Accents are folded to ASCII where Unicode can decompose them; other letters (Greek,
    CJK, ...) are kept because browsers handle them and dropping them would empty the slug.
    With ``keep_symbols`` the characters ``+ # @ &`` become words (used for tags).
    """
    if keep_symbols:
        for symbol, word in _SYMBOL_WORDS.items():
            text = text.replace(symbol, word)
    if text.isascii():  # the usual case, as the loop below would do it but ten times faster
        return _ASCII_GAPS.sub("-", text.lower()).strip("-")
    folded = unicodedata.normalize("NFKD", text)
    out: list[str] = []
    dash = False
    for ch in folded:
        if unicodedata.combining(ch):
            continue
        if ch.isalnum():
            out.append(ch.lower())
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def check_slug(slug: str) -> str | None:
    """Why ``slug`` cannot be used as a URL segment, or ``None`` if it can."""
    if not slug:
        return "slug is empty"
    if "/" in slug or "\\" in slug:
        return f"slug '{slug}' may not contain '/' or '\\'"
    if slug in {".", ".."} or not _SAFE_SLUG.match(slug):
        return f"slug '{slug}' may only use letters, digits, '-', '_', '.' and '~', and must start with a letter or digit"
    return None


def check_permalink(pattern: str) -> str | None:
    """Why a permalink pattern is unusable, or ``None``."""
    if not pattern.startswith("/"):
        return f"permalink '{pattern}' must start with '/'"
    if not (pattern.endswith("/") or pattern.endswith(".html")):
        return f"permalink '{pattern}' must end with '/' or '.html'"
    if "{slug}" not in pattern:
        return f"permalink '{pattern}' must contain {{slug}} so posts get distinct URLs"
    for token in re.findall(r"\{([^}]*)\}", pattern):
        if token not in PERMALINK_TOKENS:
            return f"permalink '{pattern}' uses unknown token {{{token}}} (known: {', '.join('{' + t + '}' for t in PERMALINK_TOKENS)})"
    if ".." in pattern.split("/") or "//" in pattern:
        return f"permalink '{pattern}' may not contain '..' or '//'"
    return None


def expand_permalink(pattern: str, slug: str, date: datetime) -> str:
    """The URL path (without the site's base path) of a post."""
    return (
        pattern.replace("{year}", f"{date.year:04d}")
        .replace("{month}", f"{date.month:02d}")
        .replace("{day}", f"{date.day:02d}")
        .replace("{slug}", slug)
    )


def join_url(base_path: str, path: str) -> str:
    """Prefix a site-relative path (``/tags/``) with the base path (``/blog/``)."""
    return base_path.rstrip("/") + path


def output_path(url: str, base_path: str) -> PurePosixPath:
    """The file, relative to output/, that serves ``url``; raises ValueError if it would escape.

    Clean URLs ending in ``/`` are served by ``index.html`` in that folder.
    """
    return PurePosixPath(output_file(url, base_path))


def output_file(url: str, base_path: str) -> str:
    """``output_path`` as a string: the same checks, without pathlib's cost (it runs once per route)."""
    if not url.startswith(base_path):
        raise ValueError(f"URL '{url}' is outside the site's base path '{base_path}'")
    rel = url[len(base_path):]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    padded = f"/{rel}/"  # an empty, "." or ".." segment shows as "//", "/./" or "/../"
    if "//" in padded or "/./" in padded or "/../" in padded or "\\" in rel or "\0" in rel:
        raise ValueError(f"URL '{url}' does not map to a safe file path")
    return rel


# What may stand in a URL as written (RFC 3986) besides letters and digits; other ASCII (spaces,
# quotes, angle brackets, braces, backslashes, control characters) must be percent-encoded. Letters
# beyond ASCII are allowed, as in IRIs (RFC 3987), which Atom and browsers accept.
_URL_ASCII = frozenset("-._~!$&'()*+,;=:@/?#[]%")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_HOST_LABEL = re.compile(r"^(?!-)[^\W_](?:[\w-]{0,61}[^\W_])?$")


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a well-formed absolute URL, or None. Non-ASCII letters are allowed (IRIs)."""
    if not _URL_SCHEME.match(url):
        return "it has no scheme (like https:)"
    for ch in url:
        if ch.isascii():
            if not ch.isalnum() and ch not in _URL_ASCII:
                return f"it contains {_shown_char(ch)}, which must be percent-encoded"
        elif unicodedata.category(ch)[0] in "CZ":  # controls, format characters, spaces, separators
            return f"it contains {_shown_char(ch)}, which must be percent-encoded"
    if _PERCENT.search(url):
        return "it has a '%' that does not start a %XX escape"
    return None


def _shown_char(ch: str) -> str:
    return "a space" if ch == " " else repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a site's ``base_url``, or None: an absolute http(s) URL with a real host
    name, an optional port and path, and nothing after the path."""
    from urllib.parse import urlsplit

    why = url_problem(url)
    if why is not None:
        return why
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, or an unbalanced '[' in the host
        return "its host or port is malformed (a port is a number from 1 to 65535)"
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "it must be an absolute http(s) URL"
    if "@" in parts.netloc:
        return "it may not hold a user name or password"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "it may not have a query (?) or fragment (#)"
    if port == 0:
        return "its host or port is malformed (a port is a number from 1 to 65535)"
    host = parts.hostname or ""
    if not host.startswith("[") and ":" not in host and not all(_HOST_LABEL.match(label) for label in host.rstrip(".").split(".")):
        return f"'{host}' is not a host name (letters, digits and '-' between dots)"
    segments = parts.path.split("/")[1:-1] if parts.path else []
    if any(s in ("", ".", "..") for s in segments):
        return "its path may not have empty, '.' or '..' parts"
    return None
