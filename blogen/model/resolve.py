"""Resolve and check the links and images written in Markdown; pure, no I/O.

Writers link notes with plain relative paths to the ``.md`` source (``[x](criu.md#restoring)``)
because those also work on GitHub and in their editor. Here each such link becomes the target's
URL, and every local link whose target does not exist (a file, a page, or a heading in it) is an
error naming the file, the line and, where one is close, the heading it probably meant.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from blogen.core.errors import Problem, did_you_mean
from blogen.core.packed import PackedText
from blogen.markdown.anchors import heading_aliases
from blogen.markdown.render import LinkRef, decode_href

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# These patterns start at the literal '="' and check the attribute name behind it: Python's re
# finds a literal prefix quickly, while a leading \s is tried at every space of a 30 KB page.
_ID_ATTR = re.compile(r'id="(?<=\sid=")([^"]+)"')
_URL_ATTR = re.compile(r'(="(?:(?<=\shref=")|(?<=\ssrc=")))([^"]*)"')
SOURCE_SUFFIXES = (".md", ".markdown")


def ids_in(html: str) -> frozenset[str]:
    """Every id in a page body: headings, footnotes and ids written in raw HTML."""
    return frozenset(_ID_ATTR.findall(html))


@dataclass(frozen=True, slots=True)
class Target:
    """A document links can point at."""

    source: str  # content/posts/a.md
    url: str
    body: PackedText  # its HTML, searched for other ids (footnotes, raw HTML) only when a fragment names no heading
    headings: tuple[str, ...]  # heading ids, for "did you mean"
    bundle: str | None
    assets: frozenset[str]
    heading_texts: tuple[str, ...] = ()  # aligned with ``headings``: a fragment written in another id style finds them


@dataclass(frozen=True, slots=True)
class LinkIndex:
    """Everything a link may resolve to."""

    documents: Mapping[str, Target]  # by source path, by bundle folder, and by URL (for #fragment checks)
    unpublished: frozenset[str]  # sources that exist but are not in this build (drafts, scheduled)
    static: Mapping[str, str]  # content/static/... source path -> URL
    urls: frozenset[str]  # every URL the site serves
    base_path: str
    static_urls: Mapping[str, str]  # the reverse of ``static``: URL -> source path
    loose: frozenset[str] = frozenset()  # files in content/posts|pages outside any bundle: there, but not published
    aliases: Mapping[str, str] = field(default_factory=dict)  # an alias URL -> the URL of the page it redirects to


@dataclass(frozen=True, slots=True)
class Resolved:
    """The outcome for one document: href rewrites, problems, and the bundle files it used."""

    rewrites: Mapping[str, str]  # target as written -> URL to write instead
    problems: tuple[Problem, ...]
    used_assets: frozenset[str]  # bundle-relative paths of this document's own files that it links
    files: Mapping[str, str]  # target as written -> the local file it names (relative to the site root)
    broken: tuple[str, ...] = ()  # the targets (as written) that point at nothing
    documents: frozenset[str] = frozenset()  # the other documents (sources) its links point at: their backlinks


def _split(target: str) -> tuple[str, str | None]:
    path, _, frag = target.partition("#")
    path = path.partition("?")[0]
    return path, (frag if "#" in target else None)


def resolve_links(doc: Target, links: tuple[LinkRef, ...], index: LinkIndex) -> Resolved:  # noqa: C901, PLR0912, PLR0915 (one flat list of checks; see pyproject.toml)
    """Check every local link and image of ``doc`` and work out the URL each ``.md`` link becomes."""
    rewrites: dict[str, str] = {}
    problems: list[Problem] = []
    used: set[str] = set()
    files: dict[str, str] = {}
    dead: list[str] = []
    linked: set[str] = set()
    folder = doc.bundle or posixpath.dirname(doc.source)

    def broken(link: LinkRef, why: str) -> None:
        kind = "broken image" if link.is_image else "broken link"
        problems.append(Problem(doc.source, link.line, f"{kind} '{link.target}' ({why})"))
        dead.append(link.target)

    def check_fragment(link: LinkRef, target: Target, frag: str | None, url: str) -> None:
        if frag and frag not in target.headings and frag not in ids_in(target.body.text):
            same = _same_anchor(frag, target)
            if same is not None:  # written the way GitHub, Hugo or kramdown make ids ("a & b" -> "a--b")
                rewrites[link.target] = (url if target is not doc else "") + f"#{same}"
                return
            where = "this page" if target is doc else f"'{target.source.removeprefix('content/')}'"
            hint = did_you_mean(frag, target.headings).replace(" (did you mean", "; did you mean").rstrip(")")
            broken(link, f"no heading '{frag}' in {where}{hint}")
            return
        if target is not doc or not link.target.startswith("#"):  # (a page naming its own file links to itself)
            rewrites[link.target] = url + (f"#{frag}" if frag else "")

    for link in links:
        target = link.target
        if not target or _SCHEME.match(target) or target.startswith("//"):
            continue  # external (not fetched by build) or empty
        path, frag = _split(target)
        if not path:
            check_fragment(link, doc, frag, doc.url)
            continue
        if path.startswith("/"):
            candidate = posixpath.normpath("content" + path)
        else:
            candidate = posixpath.normpath(posixpath.join(folder, path))
        found = index.documents.get(candidate.rstrip("/"))
        if found is not None and (candidate.endswith(SOURCE_SUFFIXES) or found.bundle == candidate.rstrip("/")):
            check_fragment(link, found, frag, found.url)
            if not link.is_image:
                linked.add(found.source)
            continue
        if candidate.rstrip("/") in index.unpublished:
            broken(link, f"'{candidate.removeprefix('content/')}' is a draft or scheduled post, so it is not published")
            continue
        if candidate in index.static:
            rewrites[target] = index.static[candidate] + (f"#{frag}" if frag else "")
            files[target] = candidate
            continue
        if doc.bundle and candidate.startswith(doc.bundle + "/") and candidate[len(doc.bundle) + 1:] in doc.assets:
            used.add(candidate[len(doc.bundle) + 1:])
            files[target] = candidate
            continue
        owner = _bundle_of(candidate, index)
        if owner is not None:
            rel = candidate[len(owner.bundle or "") + 1:]
            base = owner.url if owner.url.endswith("/") else owner.url.rsplit("/", 1)[0] + "/"
            rewrites[target] = base + rel
            files[target] = candidate
            continue
        if candidate in index.loose:
            broken(link, _not_published(candidate, doc))
            continue
        if candidate.endswith(SOURCE_SUFFIXES):
            broken(link, f"no such file {candidate}{_moved(candidate, path, folder, doc, index)}")
            continue
        # Not a file: maybe a site URL, written root-relative (/tags/x/) or relative to the page.
        url = _site_url(path, doc.url, index.base_path)
        if url in index.static_urls:
            files[target] = index.static_urls[url]
        served = url if url in index.urls else url.rstrip("/") + "/" if url.rstrip("/") + "/" in index.urls else None
        if served is None:
            if "." in posixpath.basename(path):
                broken(link, f"no such file {candidate}{_moved(candidate, path, folder, doc, index)}")
            else:
                broken(link, f"no page at {url}")
            continue
        served = index.aliases.get(served, served)  # an old URL of a page: link the page itself
        # /some-post for /some-post/: written the way the site serves it, which also works from disk
        respell = served != url or (path.startswith("/") and url != path)
        page = index.documents.get(served)  # documents are also indexed by URL for fragment checks
        if page is not None and not link.is_image:
            linked.add(page.source)
        if page is not None and frag:
            check_fragment(link, page, frag, served)
        elif respell:
            rewrites[target] = served + (f"#{frag}" if frag else "")
    linked.discard(doc.source)
    return Resolved(rewrites, tuple(problems), frozenset(used), files, tuple(dead), frozenset(linked))


def _not_published(candidate: str, doc: Target) -> str:
    """Why a file that is there is not published, and the two ways to publish it."""
    name = posixpath.basename(candidate)
    static = f"content/static/{name}"
    if doc.bundle is None:
        stem = posixpath.basename(doc.source).rsplit(".", 1)[0]
        bundle = f"{posixpath.dirname(doc.source)}/{stem}/"
        return (f"{candidate} is there but is not published: only a bundle publishes the files beside it; move it to "
                f"{static} and write '/static/{name}', or make this post a bundle, {bundle}index.md with {name} beside it")
    return (f"{candidate} is there but is not published: only the files in a post's own bundle folder or in content/static/ "
            f"are; move it into {doc.bundle}/ or to {static} (and write '/static/{name}')")


def _exists(candidate: str, index: LinkIndex) -> bool:
    """Whether a link to the site file ``candidate`` would resolve: a document, its bundle, a static file or a bundle's file."""
    found = index.documents.get(candidate.rstrip("/"))
    if found is not None and (candidate.endswith(SOURCE_SUFFIXES) or found.bundle == candidate.rstrip("/")):
        return True
    return candidate in index.static or _bundle_of(candidate, index) is not None


def _moved(candidate: str, path: str, folder: str, doc: Target, index: LinkIndex) -> str:
    """A "did you mean" for a link that broke when a post became a bundle (or stopped being one).

    ``b.md`` may now be ``b/index.md`` (and the reverse); and the links in a post that became
    ``a/index.md`` are now read from one folder deeper, so ``b.md`` would be ``../b.md``.
    """
    tries: list[str] = []
    stem, dot, suffix = candidate.rpartition(".")
    if dot and f".{suffix}" in SOURCE_SUFFIXES:
        if posixpath.basename(stem) == "index":
            tries.append(posixpath.dirname(stem) + ".md")
        else:
            tries.append(f"{stem}/index.md")
    if doc.bundle is not None and not path.startswith("/"):
        tries.append(posixpath.normpath(posixpath.join(posixpath.dirname(doc.bundle), path)))
    for alt in tries:
        if _exists(alt, index):
            return f"; did you mean '{posixpath.relpath(alt, folder)}'?"
    return ""


def _same_anchor(frag: str, target: Target) -> str | None:
    """The id of the heading ``frag`` names in another id style (GitHub's, kramdown's, blogen's), or
    once runs of dashes count as one, if exactly one heading matches."""
    aliases = heading_aliases(target.heading_texts)
    found = aliases.get(frag, set())
    if not found:
        key = _dashes(frag.lower())
        found = {k for alias, ks in aliases.items() if _dashes(alias) == key for k in ks}
        found |= {k for k, h in enumerate(target.headings) if _dashes(h) == key}
    if len(found) != 1:
        return None
    k = found.pop()
    return target.headings[k] if k < len(target.headings) else None


def _dashes(ident: str) -> str:
    return re.sub(r"-{2,}", "-", ident).strip("-")


def _bundle_of(candidate: str, index: LinkIndex) -> Target | None:
    folder = posixpath.dirname(candidate)
    while folder and folder != "content":
        owner = index.documents.get(folder)
        if owner is not None and owner.bundle == folder:
            rel = candidate[len(folder) + 1:]
            return owner if rel in owner.assets else None
        folder = posixpath.dirname(folder)
    return None


def _site_url(path: str, page_url: str, base_path: str) -> str:
    if path.startswith("/"):
        return path if path.startswith(base_path) else base_path.rstrip("/") + path
    base = page_url if page_url.endswith("/") else page_url.rsplit("/", 1)[0] + "/"
    return posixpath.normpath(posixpath.join(base, path)) + ("/" if path.endswith("/") else "")


_SRCSET_ATTR = re.compile(r'(srcset="(?<=\ssrcset="))([^"]*)"')


def root_relative_url(value: str, page_url: str) -> str:
    """A page-relative href or src as seen from the site root (``cask.png`` on ``/posts/x/`` -> ``/posts/x/cask.png``)."""
    if not value or _SCHEME.match(value) or value.startswith("/"):
        return value
    if value.startswith("#"):
        return page_url + value
    folder = page_url if page_url.endswith("/") else page_url.rsplit("/", 1)[0] + "/"
    path, sep, rest = value.partition("#")
    joined = posixpath.normpath(posixpath.join(folder, path)) + ("/" if path.endswith("/") else "")
    return joined + sep + rest


def root_relative(html: str, page_url: str) -> str:
    """Make the page-relative links and images of ``html`` root-relative, so the fragment can be shown
    on another page (a post's summary on the home and tag pages) and still point at the same files."""

    def resolve(value: str) -> str:
        return root_relative_url(value, page_url)

    def fix(m: re.Match[str]) -> str:
        return f'{m.group(1)}{resolve(m.group(2))}"'

    def fix_set(m: re.Match[str]) -> str:
        items = [c.strip().split(None, 1) for c in m.group(2).split(",") if c.strip()]
        return m.group(1) + ", ".join(" ".join([resolve(i[0]), *i[1:]]) for i in items) + '"'

    return _SRCSET_ATTR.sub(fix_set, _URL_ATTR.sub(fix, html))


def rewrite_html(html: str, rewrites: Mapping[str, str]) -> str:
    """Replace the ``href``/``src`` of each rewritten link in rendered HTML."""
    if not rewrites:
        return html

    def fix(m: re.Match[str]) -> str:
        new = rewrites.get(decode_href(m.group(2)))
        if new is None:
            return m.group(0)
        return f'{m.group(1)}{new.replace("&", "&amp;").replace(chr(34), "&quot;")}"'

    return _URL_ATTR.sub(fix, html)
