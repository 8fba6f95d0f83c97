"""Links that point at nothing in the imported site, found while planning (so ``--dry-run`` counts them too).

blogen's own check reports them at every build; the import lists them at once, at their line in
the new file, so the summary can say how many links were already dead in the old blog. The map
of what the site will serve is made from the plan: the documents' new URLs and aliases, the static
and bundle files, what was already in the site, and the pages blogen makes itself. Fragments are
not judged here (heading ids follow the configured style); a missing page or file is.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from blogen.content.inputs import is_editor_noise
from blogen.importers.links import rewrite_links, url_key
from blogen.importers.values import Finding

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_BLOGEN_PREFIXES = ("/tags/", "/page/", "/categories/", "/series/")
_BLOGEN_URLS = ("/", "/archive", "/tags", "/feed.xml", "/sitemap.xml", "/robots.txt", "/404.html")


@dataclass(frozen=True, slots=True)
class SiteMap:
    """What the new site serves after the import."""

    urls: frozenset[str]  # url_key of every page, alias and file, without the base path
    files: frozenset[str]  # files under content/ (relative to the site root), for links to .md files
    base_path: str


def existing_files(root: Path) -> set[str]:
    """The files already in the site's content/ folder."""
    found: set[str] = set()
    content = root / "content"
    for folder, dirs, files in os.walk(content):
        dirs[:] = [d for d in dirs if not is_editor_noise(d)]
        for name in files:
            if not is_editor_noise(name):
                found.add((Path(folder) / name).relative_to(root).as_posix())
    return found


def make_map(urls: Iterable[str], files: Iterable[str], base_path: str) -> SiteMap:
    base = base_path.rstrip("/")
    keys = {url_key(u[len(base):] if base and u.startswith(base + "/") else u) for u in urls}
    keys.update(url_key(u) for u in _BLOGEN_URLS)
    for f in files:
        if f.startswith("content/static/"):
            keys.add(url_key("/" + f.removeprefix("content/static/")))
    return SiteMap(frozenset(keys), frozenset(files), base_path)


def _dead(target: str, new_file: str, site: SiteMap) -> bool:
    if not target or target.startswith("#") or _SCHEME.match(target) or target.startswith("//") or "{{" in target:
        return False
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return False
    if path.startswith("/"):
        base = site.base_path.rstrip("/")
        if base and path.startswith(base + "/"):
            path = path[len(base):]
        if path.startswith(_BLOGEN_PREFIXES):
            return False
        return url_key(path) not in site.urls and posixpath.normpath("content" + path) not in site.files
    return posixpath.normpath(posixpath.join(posixpath.dirname(new_file), path)) not in site.files


def find_dead(text: str, new_file: str, site: SiteMap, first_line: int) -> list[Finding]:
    """Each link of ``text`` (the body of ``new_file``, starting at ``first_line``) that points at nothing."""
    found: list[Finding] = []

    def look(target: str, html: bool, line: int) -> None:
        if _dead(target, new_file, site):
            found.append(Finding(new_file, first_line + line - 1, "dead-link", target))

    rewrite_links(text, lambda t, h, n: look(t, h, n))
    return found
