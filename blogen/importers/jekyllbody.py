"""A Jekyll document's body converted: the excerpt separator, Liquid, kramdown's syntax, and HTML posts made Markdown-safe."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from blogen.core.errors import BlogenError
from blogen.importers import liquid
from blogen.importers.htmlpost import MORE, html_to_markdown
from blogen.importers.kramdown import convert_kramdown
from blogen.importers.sourcefs import SourceTree, read_text
from blogen.importers.values import Body, OldSite, Placed


@dataclass(frozen=True, slots=True)
class Links:
    """How a document's references resolve, from its new file."""

    post_url: Callable[[str], str | None]  # post_url argument -> new file
    source: Callable[[str], str | None]  # old site path -> new file
    static: Callable[[str], str | None]  # old site path -> the URL of a static file
    relative: Callable[[str], str]  # new file -> link from this document


def _mark_excerpt(text: str, separator: str, html: bool) -> str:
    """Put the summary marker where ``separator`` first occurs: in place when it stands on its own line,
    else at the end of its paragraph (Markdown) so that no paragraph is split."""
    at = text.find(separator)
    if at < 0:
        return text
    ls = text.rfind("\n", 0, at) + 1
    le = text.find("\n", at + len(separator))
    le = len(text) if le < 0 else le
    if not text[ls:at].strip() and not text[at + len(separator):le].strip():
        return text[:ls] + MORE + text[le:]
    rest = text[:at] + text[at + len(separator):]
    if html:
        return rest[:at] + MORE + rest[at:]
    end = rest.find("\n\n", at)
    end = len(rest) if end < 0 else end
    return rest[:end] + "\n" + MORE + rest[end:]


def _more_markdown(text: str) -> str:
    return re.sub(rf"\n*[ \t]*{MORE}[ \t]*\n*", "\n\n<!-- more -->\n\n", text, count=1).replace(MORE, "")


def convert_body(site: OldSite, placed: Placed, links: Links, tree: SourceTree, first_line: int) -> Body:
    """The converted body of a Jekyll document (its links to other documents are rewritten later, by ``plan``)."""
    entry = placed.entry
    doc = entry.doc
    config: Mapping[str, object] = site.context["config"]
    html = doc.fmt == "html"
    text = entry.body
    separator = entry.values.get("excerpt_separator", config.get("excerpt_separator"))
    if isinstance(separator, str) and separator.strip():
        text = _mark_excerpt(text, separator, html)

    def post_url(name: str) -> str | None:
        found = links.post_url(name.strip().strip("/"))
        return links.relative(found) if found is not None else None

    def link(path: str) -> str | None:
        path = path.strip().lstrip("/")
        found = links.source(path)
        if found is not None:
            return links.relative(found)
        return links.static(path)

    def source_text(rel: str) -> str | None:
        """The text of a file of the old site (``rel`` normalised), or None: outside it, not there, unreadable."""
        listed = tree.file(rel) if not rel.startswith("..") else None
        if listed is None:
            return None
        try:
            return read_text(listed.path, tree.show(rel), tree.root)
        except BlogenError:
            return None

    def include_relative(path: str) -> str | None:
        return source_text(posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel), path)))

    includes = str(config.get("includes_dir", "_includes")).strip("/")

    def include_file(name: str) -> str | None:
        return source_text(posixpath.normpath(f"{includes}/{name}" if includes else name))

    scope = liquid.Scope(doc.shown, first_line, config, {**entry.values, "title": entry.values.get("title")},
                         entry.old_url, post_url, link, include_relative, include_file, html=html)
    converted = liquid.convert(text, scope)
    body = Body(converted.text, converted.findings)
    if html:
        body.text = html_to_markdown(body.text, converted.highlights)
        return body
    kramdown = convert_kramdown(body.text)
    body.text, body.toc, body.dropped = _more_markdown(kramdown.text), kramdown.toc, kramdown.dropped
    return body
