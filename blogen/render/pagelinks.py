"""Links in a rendered page: root-relative ones made page-relative (and collected for the link
check), and the redirect page an alias URL serves. Plain string work on finished HTML, no templates."""

from __future__ import annotations

import html as htmllib
import re

# These patterns start at the literal '="' and check the attribute name behind it: Python's re
# finds a literal prefix quickly, while a leading \s is tried at every space of a 30 KB page.
_LOCAL_ATTR = re.compile(r'(="(?:(?<=\shref=")|(?<=\ssrc=")|(?<=\saction=")|(?<=\sposter=")))(/(?!/)[^"]*)"')
_SRCSET = re.compile(r'(srcset="(?<=\ssrcset="))([^"]*)"')


def relative_links(html: str, page_url: str, base_path: str = "/", found: list[str] | None = None,
                   index_files: bool = False) -> str:
    """Rewrite root-relative ``href``/``src`` values (and ``srcset`` candidates) into page-relative ones.

    Relative links keep working wherever the folder is put: opened from disk, served under another
    path than base_url says, or copied to a mirror. Absolute URLs (canonical, feeds) are untouched.
    With ``found``, every root-relative link is appended to it, so links written in templates can
    be checked against the site's pages. With ``index_files`` a link to a folder names its
    ``index.html`` (``../posts/a/index.html#x``): a browser reading the site from disk (``file://``)
    shows a folder as a directory listing, not as its index page.
    """
    depth = page_url.count("/") - base_path.count("/")
    up = "../" * depth if depth > 0 else "./"

    def relative(target: str, record: bool = True) -> str:
        if found is not None and record:
            found.append(target)
        if not target.startswith(base_path):
            return target
        rel = up + target[len(base_path):]
        if index_files:
            rel = with_index_file(rel)
        return rel[2:] if rel.startswith("./") and len(rel) > 2 else rel

    def fix(m: re.Match[str]) -> str:
        return f'{m.group(1)}{relative(m.group(2))}"'

    def fix_set(m: re.Match[str]) -> str:
        # Candidates are "URL width" pairs split by commas; the URLs blogen writes have no comma or space.
        parts = []
        for candidate in m.group(2).split(","):
            bits = candidate.strip().split(None, 1)
            if bits and bits[0].startswith("/") and not bits[0].startswith("//"):
                bits[0] = relative(bits[0], False)  # resized copies: routes made with their image
            parts.append(" ".join(bits))
        return f'{m.group(1)}{", ".join(parts)}"'

    html = _LOCAL_ATTR.sub(fix, html)
    return _SRCSET.sub(fix_set, html) if "srcset=" in html else html


def with_index_file(url: str) -> str:
    """``url`` with ``index.html`` after a path that ends in ``/`` (before any ``?query`` or ``#fragment``)."""
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    path = url[:cut]
    return path + "index.html" + url[cut:] if path.endswith("/") else url


def redirect_page(target: str) -> str:
    """A page that sends readers and crawlers to ``target`` (meta refresh, canonical, noindex)."""
    t = htmllib.escape(target, quote=True)
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Moved</title>\n"
        f"<link rel=\"canonical\" href=\"{t}\">\n<meta name=\"robots\" content=\"noindex\">\n"
        f"<meta http-equiv=\"refresh\" content=\"0; url={t}\">\n</head>\n"
        f"<body>\n<p>This page has moved to <a href=\"{t}\">{t}</a>.</p>\n</body>\n</html>\n"
    )
