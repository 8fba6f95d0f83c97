"""The URLs Jekyll gave posts, pages and collection documents, by Jekyll's own rules (version 4).

Old links and bookmarks keep working only if each old URL is known exactly, so this follows
Jekyll's documented behaviour: the permalink styles (``date``, ``pretty``, ``ordinal``,
``weekdate``, ``none``) and custom patterns of ``:placeholders``; ``:title`` made with ``slugify``
in its ``pretty`` mode with case kept, ``:slug`` and ``:name`` in its ``default`` mode;
categories lower-cased; the date in the site's time zone; and the URL cleaned the way Jekyll
cleans it (``..`` and ``./`` removed, slashes squeezed).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
TOKENS = ("year", "month", "day", "i_month", "i_day", "short_year", "y_day", "hour", "minute", "second",
          "short_month", "long_month", "short_day", "long_day", "week", "w_year", "w_day",
          "title", "slug", "name", "path", "basename", "categories", "slugified_categories", "collection", "output_ext")
_TOKEN = re.compile(r":([a-z_]+)")
SLUGIFY_MODES = ("raw", "default", "pretty", "ascii", "latin")
_KEEP_PRETTY = set("._~!$&'()+,;=@")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _keep(ch: str, mode: str) -> bool:
    if mode == "ascii":
        return ch.isascii() and ch.isalnum()
    category = unicodedata.category(ch)
    if category[0] in "LM" or category == "Nd":
        return True
    return mode == "pretty" and ch in _KEEP_PRETTY


def jekyll_slugify(text: str, mode: str = "default", *, cased: bool = False) -> str:
    """Jekyll's ``slugify``: each run of characters the mode does not keep becomes one ``-``.

    ``raw`` replaces only runs of whitespace; ``latin`` first drops accents; an unknown mode only
    lower-cases (as Jekyll does).
    """
    if mode not in SLUGIFY_MODES:
        return text if cased else text.lower()
    if mode == "latin":
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        text = "".join(c if c.isascii() else "?" for c in text)
    if mode == "raw":
        slug = re.sub(r"\s+", "-", text)
    else:
        keep_mode = "default" if mode == "latin" else mode
        out: list[str] = []
        for ch in text:
            if _keep(ch, keep_mode):
                out.append(ch)
            elif not out or out[-1] != "\0":
                out.append("\0")  # one mark per run of characters the mode replaces
        slug = "".join(out).replace("\0", "-")
    slug = slug.removeprefix("-").removesuffix("-")
    return slug if cased else slug.lower()


def suffix_of(style: str) -> str:
    """The ending a permalink style gives other pages: ``/``, ``:output_ext`` or nothing (Jekyll's rule)."""
    if style == "pretty":
        return "/"
    if style in ("date", "ordinal", "none"):
        return ":output_ext"
    if style.endswith("/"):
        return "/"
    if style.endswith(":output_ext"):
        return ":output_ext"
    return ""


def template_of(style: str) -> str:
    return STYLES.get(style, style)


def check_pattern(pattern: str) -> str | None:
    """Why a permalink pattern cannot be used, or None."""
    unknown = sorted({t for t in _TOKEN.findall(template_of(pattern)) if t not in TOKENS})
    if unknown:
        return f"unknown token {', '.join(':' + t for t in unknown)} (known: {', '.join(':' + t for t in TOKENS)})"
    return None


@dataclass(frozen=True, slots=True)
class UrlFacts:
    """What a document's URL is made of."""

    basename: str  # the file name without extension
    slug: str | None = None  # front-matter slug, or for a post the name after the date
    when: date | None = None
    categories: tuple[str, ...] = ()
    path: str = ""  # :path — for a collection document, its path in the collection without extension
    collection: str = "posts"
    output_ext: str = ".html"


def _moment(when: date, tz: tzinfo | None) -> datetime:
    if isinstance(when, datetime):
        if when.tzinfo is not None and tz is not None:
            return when.astimezone(tz)
        return when
    return datetime.combine(when, time())


def _date_values(when: date, tz: tzinfo | None) -> dict[str, str]:
    m = _moment(when, tz)
    iso = m.isocalendar()
    return {
        "year": f"{m.year:04d}", "month": f"{m.month:02d}", "day": f"{m.day:02d}", "i_month": str(m.month),
        "i_day": str(m.day), "short_year": f"{m.year % 100:02d}", "y_day": f"{m.timetuple().tm_yday:03d}",
        "hour": f"{m.hour:02d}", "minute": f"{m.minute:02d}", "second": f"{m.second:02d}",
        "short_month": _MONTHS[m.month - 1][:3], "long_month": _MONTHS[m.month - 1],
        "short_day": _DAYS[m.weekday()][:3], "long_day": _DAYS[m.weekday()],
        "week": f"{iso[1]:02d}", "w_year": str(iso[0]), "w_day": str(iso[2]),
    }


def expand(template: str, facts: UrlFacts, tz: tzinfo | None = None) -> str:
    """The URL ``template`` (a style name or a pattern) gives a document; as Jekyll cleans it."""
    template = template_of(template)
    base = facts.slug or facts.basename
    values: dict[str, str] = {
        "title": jekyll_slugify(base, "pretty", cased=True),
        "slug": jekyll_slugify(base),
        "name": jekyll_slugify(facts.basename),
        "basename": facts.basename,
        "path": facts.path,
        "categories": "/".join(dict.fromkeys(c.lower() for c in facts.categories)),
        "slugified_categories": "/".join(dict.fromkeys(jekyll_slugify(c) for c in facts.categories)),
        "collection": facts.collection,
        "output_ext": facts.output_ext,
    }
    if facts.when is not None:
        values.update(_date_values(facts.when, tz))

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        for key in (name, name.rstrip("_")):
            if key in values:
                return values[key]
        return m.group(0)

    url = _TOKEN.sub(fill, template)
    url = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", url)


def page_url(rel: str, style: str, permalink: str | None) -> str:
    """A page's URL: its front-matter permalink, or its path with the ending the style gives pages."""
    folder, _, file = rel.rpartition("/")
    basename, dot, ext = file.rpartition(".")
    if not dot:
        basename, ext = file, ""
    output_ext = ".html" if ext.lower() in ("md", "markdown", "mkd", "mkdn", "mdown", "html", "htm") else f".{ext}"
    if permalink:
        template = permalink
    elif output_ext != ".html":
        template = "/:path/:basename:output_ext"
    elif basename == "index":
        template = "/:path/"
    else:
        template = "/:path/:basename" + suffix_of(style)
    url = template.replace(":path", "/" + folder if folder else "").replace(":basename", basename)
    url = url.replace(":output_ext", output_ext)
    url = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", url)


def served_as(url: str) -> str:
    """The path a static host serves an old URL from, as blogen writes aliases.

    Jekyll writes ``/about`` (no ending) as ``about.html``, which GitHub Pages and Netlify serve
    for ``/about`` too; an alias of that file keeps both working.
    """
    last = url.rsplit("/", 1)[-1]
    if url.endswith("/") or "." in last:
        return url
    return url + ".html"
