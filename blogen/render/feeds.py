"""Atom feeds, the sitemap and robots.txt, written by code (not templates) and checked before they are written.

(The JSON Feed beside each Atom feed is in ``jsonfeed``, from the same entries and helpers.)

Generating XML from code rather than templates makes escaping impossible to forget; the build then
parses every feed it wrote and fails if one is malformed, so a broken feed never reaches readers.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from blogen import __version__
from blogen.core.config import Config
from blogen.core.errors import Problem
from blogen.core.urls import url_problem
from blogen.model.values import Post, Term

ATOM_NS = "http://www.w3.org/2005/Atom"
# XML 1.0 forbids these characters anywhere, even escaped; a stray one would make the whole feed invalid.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# These patterns start at the literal '="' and check the attribute name behind it: Python's re
# finds a literal prefix quickly, while a leading \s is tried at every space of a 30 KB page.
_URL_ATTR = re.compile(r'(="(?:(?<=\shref=")|(?<=\ssrc=")|(?<=\sposter=")))([^"]*)"')
_SRCSET = re.compile(r'(srcset="(?<=\ssrcset="))([^"]*)"')
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
RELATIVE_IN_CONTENT = re.compile(r'="(?:(?<=\shref=")|(?<=\ssrc="))(?![A-Za-z][A-Za-z0-9+.-]*:)([^"]*)"')
# Heading self-links help on the page; in a feed reader a "#" link is a stray character and a linked
# heading just looks like a link: the first is dropped, the second unwrapped.
_ANCHOR = re.compile(r' ?<a class="anchor" href="#[^"]*"[^>]*>#</a>')
_SELF_LINK = re.compile(r'(<h([2-6]) id="([^"]*)">)<a href="#\3">(.*?)</a>(</h\2>)', re.DOTALL)


def escape(text: str, entities: dict[str, str] | None = None) -> str:
    """``&``, ``<`` and ``>`` as entities, then any of ``entities``.

    Written here rather than taken from xml.sax.saxutils, whose import pulls in urllib.request and
    http.client: a sixth of the start-up of a build that rewrites one page.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char, entity in (entities or {}).items():
        text = text.replace(char, entity)
    return text


def quoteattr(text: str) -> str:
    """An attribute value with its quotes: double ones unless the value holds only that kind."""
    text = escape(text, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))


def xml_text(text: str) -> str:
    return escape(_NOT_XML.sub("", text))


def xml_attr(text: str) -> str:
    return quoteattr(_NOT_XML.sub("", text))


def absolute_url(config: Config, url: str) -> str:
    """An absolute URL for a site path (``/posts/x/`` → ``https://host/posts/x/``)."""
    return urljoin(config.base_url, url)


def absolute_links(html: str, page_url: str) -> str:
    """Make every link and image in ``html`` absolute, resolved against the page's absolute URL.

    Feed readers show entries away from the site, where ``cask.png`` or ``/tags/x/`` mean nothing.
    """
    origin = page_url[: page_url.index("/", page_url.index("//") + 2)] if page_url.count("/") > 2 else page_url

    def resolve(value: str) -> str:
        # The common cases without urljoin, which is slow when called for every link of every entry.
        if _HAS_SCHEME.match(value):
            return value
        if value.startswith("#"):
            return page_url + value
        if value.startswith("/") and not value.startswith("//"):
            return origin + value
        return urljoin(page_url, value)

    def fix(m: re.Match[str]) -> str:
        return f'{m.group(1)}{escape(resolve(_unescape(m.group(2))), {chr(34): "&quot;"})}"'

    def fix_set(m: re.Match[str]) -> str:
        parts = []
        for candidate in _unescape(m.group(2)).split(","):
            bits = candidate.strip().split(None, 1)
            if bits:
                bits[0] = resolve(bits[0])
                parts.append(" ".join(bits))
        return f'{m.group(1)}{escape(", ".join(parts), {chr(34): "&quot;"})}"'

    return _SRCSET.sub(fix_set, _URL_ATTR.sub(fix, html))


def feed_html(post: Post, url: str) -> str:
    """A post's HTML as feeds carry it: without heading self-links, every URL absolute."""
    html = post.html
    if '<a class="anchor"' in html:  # a plain search first: the pattern's optional space makes it slow to scan
        html = _ANCHOR.sub("", html)
    html = _SELF_LINK.sub(r"\1\4\5", html)
    return absolute_links(html, url)


def feed_content(post: Post, url: str) -> str:
    """The Atom entry content of a post: ``feed_html``, XML-escaped."""
    return xml_text(feed_html(post, url))


def post_terms(post: Post, terms: Mapping[str, Mapping[str, Term]]) -> list[Term]:
    """Every term of a post, taxonomy by taxonomy in the site's order, as the feeds list them."""
    return [terms[key][slug] for key, slugs in post.terms for slug in slugs]


def _unescape(value: str) -> str:
    return value.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _stamp(when: datetime) -> str:
    return when.isoformat()


def entry_id(config: Config, post: Post) -> str:
    """A tag: URI from the host, the publication day and the file name: unchanged by retitling or re-slugging.

    Characters a URI may not hold (a space or '#' in a file name) are percent-encoded; letters
    beyond ASCII stay as they are, as IRIs allow."""
    host = urlsplit(config.base_url).hostname or "localhost"
    return f"tag:{host},{post.date.strftime('%Y-%m-%d')}:{_uri_text(post.name)}"


_TAG_URI_ASCII = frozenset("-._~!$&'()*+,;=:@/?")


def _uri_text(text: str) -> str:
    return "".join(ch if (ch.isalnum() if ch.isascii() else ch.isprintable() and not ch.isspace()) or ch in _TAG_URI_ASCII
                   else "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")) for ch in text)


def feed_entries(config: Config, posts: Sequence[Post]) -> list[Post]:
    """The posts a feed shows: the public ones, newest first, up to ``feed.entries``."""
    entries = [p for p in posts if p.public]
    return entries[: config.feed.entries] if config.feed.entries else entries


def atom_feed(config: Config, posts: Sequence[Post], terms: Mapping[str, Mapping[str, Term]], *, feed_url: str,
              page_url: str, title: str, stylesheet: str | None, contents: dict[str, str] | None = None,
              html: dict[str, str] | None = None) -> str:
    """The Atom document for ``posts`` (newest first); ``feed_url`` and ``page_url`` are site paths.

    ``terms`` are the site's terms by taxonomy and slug: each entry lists its own as categories.
    ``contents`` caches each post's entry content across the site feed and the term feeds of one
    build, ``html`` its ``feed_html``, which the JSON feeds share.
    """
    contents = {} if contents is None else contents
    entries = feed_entries(config, posts)
    updated = max((p.updated or p.date for p in entries), default=None)
    self_url, home_url = absolute_url(config, feed_url), absolute_url(config, page_url)
    out = ['<?xml version="1.0" encoding="utf-8"?>\n']
    if stylesheet:
        out.append(f'<?xml-stylesheet href={xml_attr(stylesheet)} type="text/xsl"?>\n')
    out.append(f'<feed xmlns="{ATOM_NS}" xml:lang={xml_attr(config.language)}>\n')
    out.append(f"<title>{xml_text(title)}</title>\n")
    if config.description:
        out.append(f"<subtitle>{xml_text(config.description)}</subtitle>\n")
    out.append(f"<id>{xml_text(home_url)}</id>\n")
    out.append(f'<link rel="self" type="application/atom+xml" href={xml_attr(self_url)}/>\n')
    out.append(f'<link rel="alternate" type="text/html" href={xml_attr(home_url)}/>\n')
    # An empty feed still needs <updated>; the Unix epoch keeps it deterministic.
    out.append(f"<updated>{_stamp(updated) if updated else '1970-01-01T00:00:00+00:00'}</updated>\n")
    out.append(f"<author><name>{xml_text(config.author or config.title)}</name></author>\n")
    out.append(f'<generator version="{__version__}">blogen</generator>\n')
    for post in entries:
        url = absolute_url(config, post.url)
        out.append("<entry>\n")
        out.append(f"<title>{xml_text(post.title)}</title>\n")
        out.append(f'<link rel="alternate" type="text/html" href={xml_attr(url)}/>\n')
        out.append(f"<id>{xml_text(entry_id(config, post))}</id>\n")
        out.append(f"<published>{_stamp(post.date)}</published>\n")
        out.append(f"<updated>{_stamp(post.updated or post.date)}</updated>\n")
        out.append(f"<author><name>{xml_text(config.author or config.title)}</name></author>\n")
        for term in post_terms(post, terms):
            out.append(f"<category term={xml_attr(term.slug)} label={xml_attr(term.name)} "
                       f"scheme={xml_attr(absolute_url(config, term.url))}/>\n")
        out.append(f"<summary>{xml_text(post.summary)}</summary>\n")
        if config.feed.full_content:
            if post.source not in contents:
                if html is None:
                    contents[post.source] = feed_content(post, url)
                else:
                    if post.source not in html:
                        html[post.source] = feed_html(post, url)
                    contents[post.source] = xml_text(html[post.source])
            out.append(f'<content type="html" xml:base={xml_attr(url)}>{contents[post.source]}</content>\n')
        out.append("</entry>\n")
    out.append("</feed>\n")
    return "".join(out)


def check_feed(path: str, data: bytes) -> list[Problem]:
    """What a feed reader would trip over: malformed XML, missing elements, relative URLs, repeated ids."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return [Problem(path, exc.position[0], f"feed is not well-formed XML: {exc}")]
    problems: list[Problem] = []
    a = f"{{{ATOM_NS}}}"

    def need(elem: ET.Element, name: str, where: str) -> None:
        child = elem.find(a + name)
        if child is None or not (child.text or "").strip():
            problems.append(Problem(path, None, f"feed {where} has no <{name}>"))

    if root.tag != a + "feed":
        return [Problem(path, None, "feed's root element is not an Atom <feed>")]
    for name in ("id", "title", "updated"):
        need(root, name, "")
    if not any(link.get("rel") == "self" for link in root.findall(a + "link")):
        problems.append(Problem(path, None, "feed has no rel=\"self\" link"))
    ids: set[str] = set()
    for entry in root.findall(a + "entry"):
        eid = (entry.findtext(a + "id") or "").strip()
        where = f"entry '{entry.findtext(a + 'title') or eid}'"
        for name in ("id", "title", "updated", "published"):
            need(entry, name, where)
        if eid in ids:
            problems.append(Problem(path, None, f"feed {where} repeats the id {eid}"))
        ids.add(eid)
        if entry.find(a + "author") is None and root.find(a + "author") is None:
            problems.append(Problem(path, None, f"feed {where} has no author"))
        content = entry.findtext(a + "content") or ""
        urls = [m.group(1) for m in RELATIVE_IN_CONTENT.finditer(content)]
        urls += [h for link in entry.findall(a + "link") if not _HAS_SCHEME.match(h := link.get("href", ""))]
        for url in urls:
            problems.append(Problem(path, None, f"feed {where} has a relative URL '{url}' that readers cannot follow"))
    for link in root.findall(a + "link"):
        if not urlsplit(link.get("href", "")).scheme:
            problems.append(Problem(path, None, f"feed link '{link.get('href')}' is not absolute"))
    problems.extend(_malformed_urls(path, root))
    return problems


def _malformed_urls(path: str, root: ET.Element) -> list[Problem]:
    """Every id and link of the feed must be a well-formed absolute URL (a space in one makes the feed
    invalid, and readers then drop entries or the whole feed)."""
    a = f"{{{ATOM_NS}}}"
    found: list[tuple[str, str]] = [("id", (root.findtext(a + "id") or "").strip())]
    found += [("link", link.get("href", "")) for link in root.iter(a + "link")]
    found += [("id", (entry.findtext(a + "id") or "").strip()) for entry in root.iter(a + "entry")]
    problems = []
    for kind, url in dict.fromkeys(found):
        if url and _HAS_SCHEME.match(url) and (why := url_problem(url)) is not None:
            problems.append(Problem(path, None, f"feed {kind} '{url}' is not a well-formed URL: {why}"))
    return problems


def sitemap(config: Config, pages: Sequence[tuple[str, datetime | None]]) -> str:
    """``pages`` are (site path, last modified or None) for every public HTML page."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for url, lastmod in pages:
        out.append(f"<url><loc>{xml_text(absolute_url(config, url))}</loc>")
        if lastmod is not None:
            out.append(f"<lastmod>{_stamp(lastmod)}</lastmod>")
        out.append("</url>\n")
    out.append("</urlset>\n")
    return "".join(out)


def robots_txt(config: Config, sitemap_url: str) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute_url(config, sitemap_url)}\n"
