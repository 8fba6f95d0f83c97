"""The URLs Hugo gave pages, by Hugo's own rules: ``urlize``, ``[permalinks]``, ``uglyURLs``, ``disablePathToLower``.

Hugo makes a path segment with ``urlize``: letters, digits, marks and ``. _ ~ # + - @ /`` are
kept, every run of white space becomes one ``-`` (none doubled next to a ``-`` already there),
anything else is dropped (``What's new`` -> ``whats-new``), and the result is lower-cased unless
the site sets ``disablePathToLower``. Without a permalink pattern a page lives at its section
path and its slug (or file name, or bundle folder); a ``url`` in front matter replaces all of it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

TOKENS = ("year", "month", "monthname", "day", "weekday", "weekdayname", "yearday", "section", "sectionslug",
          "sections", "sectionslugs", "title", "slug", "filename", "contentbasename", "slugorfilename",
          "slugorcontentbasename")
_TOKEN = re.compile(r":([a-z]+)(\[[^\]]*\])?|:(\d{1,4}|Jan|January|Mon|Monday)")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ALLOWED = set("./\\_#+~-@")


def urlize(text: str, *, lower: bool = True) -> str:
    """Hugo's ``urlize`` (its path sanitiser), see the module's note."""
    out: list[str] = []
    pending = False
    was_hyphen = False
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        allowed = ch in _ALLOWED or category[0] in "LM" or category == "Nd"
        allowed = allowed or (ch == "%" and re.fullmatch(r"[0-9A-Fa-f]{2}", text[i + 1:i + 3]) is not None)
        if allowed:
            was_hyphen = ch == "-"
            if pending and not was_hyphen:
                out.append("-")
            pending = False
            out.append(ch)
        elif out and not was_hyphen and ch.isspace():
            pending = True
    result = "".join(out)
    return result.lower() if lower else result


def check_pattern(pattern: str) -> str | None:
    """Why a Hugo permalink pattern cannot be used, or None."""
    unknown = sorted({m.group(1) for m in _TOKEN.finditer(pattern) if m.group(1) and m.group(1) not in TOKENS})
    if unknown:
        return f"unknown token {', '.join(':' + t for t in unknown)} (known: {', '.join(':' + t for t in TOKENS)})"
    return None


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What a Hugo page's URL is made of."""

    sections: tuple[str, ...]  # the folders from content/ down to the page's section
    basename: str  # the file name without extension, or the bundle's folder name
    title: str
    slug: str | None = None
    when: date | None = None


def _go_layout(token: str, m: datetime) -> str:
    """A Go time-layout token used in a permalink (``:2006``, ``:01``, ``:02``, ``:Jan``)."""
    table = {"2006": f"{m.year:04d}", "06": f"{m.year % 100:02d}", "01": f"{m.month:02d}", "1": str(m.month),
             "02": f"{m.day:02d}", "2": str(m.day), "Jan": _MONTHS[m.month - 1][:3], "January": _MONTHS[m.month - 1],
             "Mon": _DAYS[m.weekday()][:3], "Monday": _DAYS[m.weekday()], "15": f"{m.hour:02d}", "04": f"{m.minute:02d}",
             "05": f"{m.second:02d}", "002": f"{m.timetuple().tm_yday:03d}"}
    return table.get(token, ":" + token)


def _slice(parts: tuple[str, ...], spec: str | None) -> tuple[str, ...]:
    if not spec:
        return parts
    inner = spec[1:-1].replace("last", str(len(parts) - 1))
    if ":" not in inner:
        i = int(inner) if inner.lstrip("-").isdigit() else 0
        return parts[i:i + 1] if -len(parts) <= i < len(parts) else ()
    a, _, b = inner.partition(":")
    return parts[int(a) if a else 0:int(b) if b else None]


def expand(pattern: str, facts: PageFacts, *, lower: bool, tz: tzinfo | None = None) -> str:
    """The URL a ``[permalinks]`` pattern gives a page (as Hugo expands and sanitises it)."""
    moment: datetime | None = None
    if facts.when is not None:
        moment = facts.when if isinstance(facts.when, datetime) else datetime.combine(facts.when, time())
        if moment.tzinfo is not None and tz is not None:
            moment = moment.astimezone(tz)
    title = urlize(facts.title, lower=lower)
    slug = urlize(facts.slug, lower=lower) if facts.slug else ""
    values = {
        "section": facts.sections[0] if facts.sections else "", "sectionslug": facts.sections[0] if facts.sections else "",
        "title": title, "slug": slug or title, "filename": facts.basename, "contentbasename": facts.basename,
        "slugorfilename": slug or facts.basename, "slugorcontentbasename": slug or facts.basename,
    }
    if moment is not None:
        values.update({
            "year": f"{moment.year:04d}", "month": f"{moment.month:02d}", "monthname": _MONTHS[moment.month - 1].lower(),
            "day": f"{moment.day:02d}", "weekday": str(moment.isoweekday() % 7),
            "weekdayname": _DAYS[moment.weekday()].lower(), "yearday": str(moment.timetuple().tm_yday),
        })

    def fill(m: re.Match[str]) -> str:
        if m.group(3):
            return _go_layout(m.group(3), moment) if moment is not None else m.group(0)
        name = m.group(1)
        if name in ("sections", "sectionslugs"):
            return "/".join(_slice(facts.sections, m.group(2)))
        return values.get(name, m.group(0))

    url = _TOKEN.sub(fill, pattern)
    url = re.sub(r"/{2,}", "/", "/" + url)
    return url.lower() if lower else url


def default_url(facts: PageFacts, *, lower: bool) -> str:
    """Where Hugo puts a page when no permalink pattern applies: its sections, then its slug or file name."""
    parts = [urlize(s, lower=lower) for s in facts.sections]
    parts.append(urlize(facts.slug, lower=lower) if facts.slug else urlize(facts.basename, lower=lower))
    return "/" + "/".join(p for p in parts if p) + "/"


def front_url(url: str) -> str:
    """A page's ``url`` front-matter value as the path Hugo serves it: used as written, with a leading ``/``."""
    return "/" + url.strip().lstrip("/")


def finish(url: str, *, ugly: bool) -> str:
    """A page URL as Hugo writes it: ``/posts/x/``, or ``/posts/x.html`` under ``uglyURLs``; one with an extension as is."""
    if url == "/" or url.endswith((".html", ".htm", ".xml")):
        return url
    if ugly:
        return url.rstrip("/") + ".html"
    return url if url.endswith("/") else url + "/"
