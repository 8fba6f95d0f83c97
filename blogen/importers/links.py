"""Links between the old site's documents, rewritten as portable links to the new ``.md`` files.

blogen resolves ``[x](other.md#part)`` to the other document's URL wherever it ends up, checks
the fragment, and keeps working when the permalink changes; a link to an old URL would only
reach the document through a redirect (and lose its ``#fragment`` on the way). So every link
that names a document of the old site, by its old URL (``/2019/03/01/x/``, with or without the
trailing slash, ``index.html`` or ``.html``), by its source path (``../_posts/x.md``) or through
Jekyll's and Hugo's reference tags, becomes a relative link to the new file. A relative link that
names something else is made root-relative against the page's old URL, which is what the
browser did with it, so it still finds the same static file.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from blogen.importers.prose import html_lines, prose_masked

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# The destination of an inline link, followed by what may end one (an optional title, then ")").
_INLINE = re.compile(r"""(\]\(\s*)(<[^>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()]*)*)(?=\s*(?:"[^"]*"|'[^']*'|\([^)]*\))?\s*\))""")
_REFDEF = re.compile(r"^([ ]{0,3}\[(?!\^)[^\]\n]+\]:[ \t]*)(<[^>\n]*>|\S+)")  # not a footnote ([^1]:)
_TAG = re.compile(r"<[A-Za-z][\w:-]*\s[^<>]*>")
_ATTR = re.compile(r"""(\s(?:href|src)\s*=\s*)("[^"]*"|'[^']*')""", re.I)


def url_key(path: str) -> str:
    """An old URL path reduced to what tells documents apart: decoded, no ``index.html``, ``.html`` or end slash."""
    path = unquote(path.split("#", 1)[0].split("?", 1)[0])
    if not path.startswith("/"):
        path = "/" + path
    path = re.sub(r"/{2,}", "/", path)
    for suffix in ("/index.html", "/index.htm", "/index.md"):
        if path.endswith(suffix):
            path = path[: -len(suffix) + 1]
    if path.endswith(".html") or path.endswith(".htm"):
        path = path.rsplit(".", 1)[0]
    return path.rstrip("/") or "/"


@dataclass(frozen=True, slots=True)
class LinkIndex:
    """Where every document of the old site went, under each name a link could give it."""

    by_source: Mapping[str, str]  # old site path ('_posts/2020-01-01-x.md') -> new file ('content/posts/x.md')
    by_url: Mapping[str, str]  # url_key(old URL) -> new file
    base_path: str = "/"  # the old site's path prefix ('/' or '/blog/')
    own_origins: tuple[str, ...] = ()  # 'https://example.org' and the like: absolute links to the old site itself
    new_urls: Mapping[str, str] = field(default_factory=dict)  # new file -> its URL in the new site (for raw HTML)
    bundle_files: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # url_key(old URL) -> (new file, new URL)
    static_indexes: Mapping[str, str] = field(default_factory=dict)  # url_key('/toys/') -> '/toys/index.html': static pages

    def document_at(self, path: str) -> str | None:
        """The new file for an old root-relative URL path (with or without the old base path)."""
        if self.base_path != "/" and path.startswith(self.base_path):
            found = self.by_url.get(url_key(path[len(self.base_path) - 1:]))
            if found is not None:
                return found
        return self.by_url.get(url_key(path))


def relative(from_file: str, to_file: str) -> str:
    """A link from one new file to another, as blogen resolves it (relative to the linking file's folder)."""
    return posixpath.relpath(to_file, posixpath.dirname(from_file))


def _split(target: str) -> tuple[str, str]:
    """(path with query, '#fragment' or '')."""
    path, hash_, frag = target.partition("#")
    return path, (hash_ + frag)


def resolve_target(target: str, *, new_file: str, old_source: str, old_url: str | None, index: LinkIndex,
                   keep_relative: Callable[[str], bool], html: bool = False) -> str | None:
    """What a link written in the old site should say in the new one, or None to leave it as it is.

    ``keep_relative`` says whether a relative path is the document's own file (a bundle's image),
    which blogen finds as written. In raw HTML (``html``) a document is linked by its new URL,
    since blogen resolves ``.md`` links only in Markdown.
    """

    def link_to(found: str, frag: str) -> str:
        if html:
            return index.new_urls.get(found, relative(new_file, found)) + frag
        return relative(new_file, found) + frag

    if not target or target.startswith("#") or "{{" in target or "{%" in target:
        return None
    own = next((o for o in index.own_origins if target == o or target.startswith(o + "/")), None)
    if own is None and (_SCHEME.match(target) or target.startswith("//")):
        return None
    path, frag = _split(target[len(own):] or "/" if own else target)
    bare = path.split("?", 1)[0]
    if not bare:
        return None
    if bare.startswith("/"):  # an old URL: a document's (or its bundle file's) becomes a link to the file
        found = index.document_at(bare)
        if found is not None:
            return link_to(found, frag)
        return _bundle_file(index, bare, new_file, html, frag) or _static_index(index, bare, path[len(bare):] + frag)
    if keep_relative(bare) or re.search(r"[():\s]", bare):
        return None  # a file of the document's own, or not a path at all (left for the author)
    if posixpath.normpath(posixpath.join(posixpath.dirname(new_file), unquote(bare))) in index.new_urls:
        return None  # already a link to a new file (made from a reference tag)
    source_path = posixpath.normpath(posixpath.join(posixpath.dirname(old_source), unquote(bare)))
    found = index.by_source.get(source_path)
    if found is not None:
        return link_to(found, frag)
    if old_url is None:
        return None
    folder = old_url if old_url.endswith("/") else old_url.rsplit("/", 1)[0] + "/"
    absolute = posixpath.normpath(posixpath.join(folder, bare)) + ("/" if bare.endswith("/") else "")
    if absolute.startswith("/.."):
        return None
    found = index.document_at(absolute)
    if found is not None:
        return link_to(found, frag)
    in_bundle = _bundle_file(index, absolute, new_file, html, frag)
    if in_bundle is not None:
        return in_bundle
    query = path[len(bare):]
    return absolute + query + frag


def _static_index(index: LinkIndex, path: str, rest: str) -> str | None:
    """``/toys/`` when ``toys/index.html`` is a static file (``/about`` for ``about.html``): linked by its file,
    which every host and ``file://`` serve, and blogen's link check finds."""
    found = index.static_indexes.get(url_key(path))
    return found + rest if found is not None and found != path else None


def _bundle_file(index: LinkIndex, path: str, new_file: str, html: bool, frag: str) -> str | None:
    """A link to a file of another document's bundle, by its old URL: now a link to where that file went."""
    base = index.base_path.rstrip("/")
    key = url_key(path[len(base):] if base and path.startswith(base + "/") else path)
    found = index.bundle_files.get(key)
    if found is None:
        return None
    return (found[1] if html else relative(new_file, found[0])) + frag


def rewrite_links(text: str, change: Callable[[str, bool, int], str | None], *, markdown: bool = True) -> tuple[str, int]:
    """``text`` with every link target outside code passed through ``change(target, in_html, line)``
    (``line`` counts from 1); returns the count changed.

    Markdown inline links and images, reference definitions and the ``href``/``src`` of raw HTML
    tags are rewritten; code blocks and code spans (which may run over lines) are left alone.
    """
    lines = text.split("\n")
    masks = prose_masked(text) if markdown else lines
    in_html = html_lines(text) if markdown else [True] * len(lines)  # Markdown's link syntax means nothing there
    changed = 0
    for i, line in enumerate(lines):
        masked = masks[i]
        if not any(s in masked for s in ("](", "]:", "href", "src", "HREF", "SRC")):
            continue
        edits: list[tuple[int, int, str]] = []  # (start, end, new text) of each target, found in the masked line
        found = [] if in_html[i] else [(m, False) for m in (*_INLINE.finditer(masked), *_REFDEF.finditer(masked))]
        for tag in _TAG.finditer(masked):
            found += [(m, True) for m in _ATTR.finditer(masked, tag.start(), tag.end())]
        for m, html in found:
            start, end = m.span(2)
            raw = line[start:end]
            quoted = raw[:1] in ("'", '"')
            inner = raw[1:-1] if quoted or (raw.startswith("<") and raw.endswith(">")) else raw
            new = change(inner.replace("&amp;", "&") if quoted else inner, html, i + 1)
            if new is None or new == inner:
                continue
            if quoted:
                new = raw[0] + new.replace("&", "&amp;").replace(raw[0], "%22" if raw[0] == '"' else "%27") + raw[0]
            elif raw.startswith("<") or any(c in new for c in " ()"):
                new = f"<{new}>"
            edits.append((start, end, new))
        for start, end, new in sorted(edits, reverse=True):
            line = line[:start] + new + line[end:]
            changed += 1
        lines[i] = line
    return "\n".join(lines), changed


def origins_of(base_url: str | None) -> tuple[str, ...]:
    """The origins (scheme and host, both schemes) under which the old site linked to itself absolutely."""
    if not base_url:
        return ()
    parts = urlsplit(base_url)
    if not parts.netloc:
        return ()
    host = parts.netloc
    hosts = {host, host.removeprefix("www.") if host.startswith("www.") else "www." + host}
    return tuple(sorted(f"{scheme}://{h}" for h in hosts for scheme in ("http", "https")))
