"""Convert a Jekyll blog's posts: front matter mapped to blogen's, ``{% highlight %}`` to fences, ``{% raw %}`` unwrapped.

Everything else that only Jekyll (Liquid, kramdown) understands is left in the text, where the
reader will see it, and reported at its source line, so nothing is lost silently.
"""

from __future__ import annotations

import bisect
import os
import re
from datetime import date, datetime
from pathlib import Path

from blogen.core.urls import slugify
from blogen.importers.common import (
    IMPORT_SUFFIXES,
    Converted,
    Finding,
    ImportOptions,
    Source,
    as_text_list,
    close_post,
    fenced_lines,
    open_post,
    parse_date_value,
    plain,
    snippet,
    strip_code_spans,
    walk_files,
)

_TAG = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}", re.S)
_ENDRAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_ENDHIGHLIGHT = re.compile(r"\{%-?\s*endhighlight\s*-?%\}")
_OUTPUT = re.compile(r"\{\{(?:(?!\}\}).){1,300}?\}\}", re.S)
_STRING_OUTPUT = re.compile(r"""\{\{-?\s*(?:"([^"]*)"|'([^']*)')\s*-?\}\}""")
_ANY_OUTPUT = re.compile(f"(?:{_STRING_OUTPUT.pattern})|(?:{_OUTPUT.pattern})", re.S)
_KRAMDOWN_EXT = re.compile(r"\{::(?!/)[^}\n]*\}")
_KRAMDOWN_ATTR = re.compile(r"\{:(?![:/])[^}\n]*\}")
_HL_OPTION = re.compile(r"""(\w+)(?:=("[^"]*"|'[^']*'|\S+))?""")

# Jekyll's named permalink styles, as its documentation lists them.
PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
PERMALINK_TOKENS = ("year", "month", "day", "i_month", "i_day", "short_year", "y_day", "hour", "minute", "second",
                    "title", "slug", "categories", "output_ext")
_TOKEN = re.compile(r":([a-z_]+)")


# --- finding posts --------------------------------------------------------------------------------


def find_sources(src: Path, shown: str) -> tuple[list[Source], list[Finding]]:
    """Posts in ``src/_posts`` (and drafts in ``src/_drafts``), or in ``src`` itself when it is the posts folder."""
    tops = [(src / "_posts", False), (src / "_drafts", True)] if (src / "_posts").is_dir() else [(src, False)]
    sources: list[Source] = []
    skipped: list[Finding] = []
    for top, draft in tops:
        if not top.is_dir():
            continue
        for f in walk_files(top):
            where = os.path.join(shown, f.relative_to(src).as_posix())
            if f.suffix.lower() not in IMPORT_SUFFIXES:
                skipped.append(Finding(where, None, "skipped", "not a Markdown file; convert it by hand"))
                continue
            folders = f.parent.relative_to(top).parts
            sources.append(Source(f, where, f.name.rsplit(".", 1)[0], folders, None, draft, f.stat().st_mtime))
    return sources, skipped


# --- permalinks -----------------------------------------------------------------------------------


def check_permalink_pattern(pattern: str) -> str | None:
    """Why a ``--jekyll-permalink`` pattern cannot be used, or None."""
    pattern = PERMALINK_STYLES.get(pattern, pattern)
    unknown = sorted({t for t in _TOKEN.findall(pattern) if t not in PERMALINK_TOKENS})
    if unknown:
        return f"unknown token {', '.join(':' + t for t in unknown)} (known: {', '.join(':' + t for t in PERMALINK_TOKENS)})"
    return None


def _pretty(text: str) -> str:
    """Jekyll's ``:title``: the name with its case kept and only URL-unsafe characters made dashes."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._~!$&'()+,;=@]+", "-", text)).strip("-")


def jekyll_url(pattern: str, *, when: date, title: str, slug: str | None, categories: list[str]) -> str:
    """The URL Jekyll gave a post under ``pattern`` (a style name or a pattern of ``:tokens``)."""
    pattern = PERMALINK_STYLES.get(pattern, pattern)
    moment = when if isinstance(when, datetime) else datetime(when.year, when.month, when.day)
    values = {
        "year": f"{moment.year:04d}", "month": f"{moment.month:02d}", "day": f"{moment.day:02d}",
        "i_month": str(moment.month), "i_day": str(moment.day), "short_year": f"{moment.year % 100:02d}",
        "y_day": f"{moment.timetuple().tm_yday:03d}", "hour": f"{moment.hour:02d}", "minute": f"{moment.minute:02d}",
        "second": f"{moment.second:02d}",
        "title": _pretty(slug or title), "slug": slugify(slug or title),
        "categories": "/".join(c.lower().replace(" ", "-") for c in categories), "output_ext": ".html",
    }
    url = _TOKEN.sub(lambda m: values.get(m.group(1), m.group(0)), pattern)
    url = re.sub(r"/{2,}", "/", "/" + url)
    return url


# --- the body -------------------------------------------------------------------------------------


class _Lines:
    """Offset -> source line, for warnings that must name the line in the original file."""

    def __init__(self, text: str, first_line: int) -> None:
        self.starts = [0, *(i + 1 for i, ch in enumerate(text) if ch == "\n")]
        self.first = first_line

    def at(self, offset: int) -> int:
        return self.first + bisect.bisect_right(self.starts, offset) - 1


def _alone(text: str, start: int, end: int) -> tuple[int, int] | None:
    """If ``text[start:end]`` is alone on its line, the span of that whole line with its newline."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le
    if text[ls:start].strip() or text[end:le].strip():
        return None
    return ls, min(le + 1, len(text))


def _fence(code: str, lang: str, options: str, where: str, line: int, findings: list[Finding]) -> str:
    """A fenced block for a ``{% highlight %}`` tag's code and options (``linenos``, ``mark_lines``)."""
    info: list[str] = []
    for m in _HL_OPTION.finditer(options):
        key, value = m.group(1), (m.group(2) or "").strip("\"'")
        if key == "linenos":
            info.append("linenos")
        elif key == "mark_lines" and re.fullmatch(r"[\d\s]+", value):
            info.append(f"hl_lines={','.join(value.split())}")
        else:
            findings.append(Finding(where, line, "highlight-option", f"option '{m.group(0)}' has no equivalent; dropped"))
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    marker = "`" * max(3, longest + 1)
    head = " ".join(part for part in [lang, *info] if part)
    return f"{marker}{head}\n{code}\n{marker}"


def _literals(text: str) -> str:
    """``{{ "{{x" }}`` (Liquid printing a quoted string, a way to escape it) becomes the string itself."""
    return _STRING_OUTPUT.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


def convert_body(text: str, first_line: int, where: str) -> tuple[str, list[Finding]]:
    """Turn highlight blocks into fences, unwrap raw blocks and quoted-string outputs; report other Liquid and kramdown."""
    lines = _Lines(text, first_line)
    findings: list[Finding] = []
    raw_spans: list[tuple[int, int]] = []
    out: list[str] = []
    i = 0
    while True:
        m = _TAG.search(text, i)
        if m is None:
            out.append(_literals(text[i:]))
            break
        name = m.group(1)
        if name == "raw":
            end = _ENDRAW.search(text, m.end())
            stop = end.start() if end else len(text)
            open_span = _alone(text, m.start(), m.end()) or (m.start(), m.end())
            out.append(_literals(text[i:max(open_span[0], i)]))
            raw_spans.append((m.start(), stop))
            if end is None:
                findings.append(Finding(where, lines.at(m.start()), "liquid-tag", "{% raw %} is never closed; unwrapped to the end"))
                out.append(text[open_span[1]:])
                break
            close_span = _alone(text, end.start(), end.end()) or (end.start(), end.end())
            out.append(text[open_span[1]:max(close_span[0], open_span[1])])
            i = close_span[1]
        elif name == "highlight":
            end = _ENDHIGHLIGHT.search(text, m.end())
            if end is None:
                findings.append(Finding(where, lines.at(m.start()), "liquid-tag", snippet(m.group(0)) + " (never closed)"))
                out.append(_literals(text[i:m.start()]) + m.group(0))
                i = m.end()
                continue
            parts = m.group(2).split(None, 1)
            lang = parts[0] if parts else ""
            options = parts[1] if len(parts) > 1 else ""
            hl_span = _alone(text, m.start(), m.end())
            before = text[i:m.start()] if hl_span is None else text[i:max(hl_span[0], i)]
            if hl_span is None and before and not before.endswith("\n"):
                before += "\n"
            out.append(_literals(before))
            code = text[m.end():end.start()]
            code = re.sub(r"\A[ \t]*\n", "", code)
            code = re.sub(r"\n[ \t]*\Z", "", code)
            out.append(_fence(_literals(code), lang, options, where, lines.at(m.start()), findings))
            le = text.find("\n", end.end())
            le = len(text) if le < 0 else le
            if text[end.end():le].strip():
                out.append("\n")
                i = end.end()
            else:
                i = le
        else:
            if not name.startswith("end"):
                findings.append(Finding(where, lines.at(m.start()), "liquid-tag", snippet(m.group(0))))
            out.append(_literals(text[i:m.start()]) + m.group(0))
            i = m.end()

    def in_raw(pos: int) -> bool:
        return any(a <= pos < b for a, b in raw_spans)

    for m in _ANY_OUTPUT.finditer(text):
        if not in_raw(m.start()) and not _STRING_OUTPUT.fullmatch(m.group(0)):
            findings.append(Finding(where, lines.at(m.start()), "liquid-output", snippet(m.group(0))))
    offset = 0
    source_lines = text.split("\n")
    for n, (line, fenced) in enumerate(zip(source_lines, fenced_lines(source_lines), strict=True)):
        if not fenced and "{:" in line and not in_raw(offset):
            plain_line = strip_code_spans(line)
            for pattern, kind in ((_KRAMDOWN_EXT, "kramdown-extension"), (_KRAMDOWN_ATTR, "kramdown-attribute")):
                for k in pattern.finditer(plain_line):
                    findings.append(Finding(where, first_line + n, kind, k.group(0)))
        offset += len(line) + 1
    findings.sort(key=lambda f: (f.line or 0, f.kind, f.snippet))
    return "".join(out), findings


# --- front matter ---------------------------------------------------------------------------------

_MAPPED = {"title", "date", "updated", "last_modified_at", "modified", "tags", "tag", "categories", "category",
           "published", "draft", "slug", "summary", "excerpt", "description", "permalink", "redirect_from", "aliases",
           "image", "toc", "extra"}


def convert(source: Source, text: str, options: ImportOptions) -> Converted:
    """One Jekyll post as blogen front matter and body; raises BlogenError if its front matter cannot be read."""
    post = open_post(source, text, convert_body, _MAPPED)
    values, lines, findings, front, extra = post.values, post.lines, post.findings, post.front, post.extra
    name, name_date = post.name, post.name_date
    when: date | None = name_date
    if values.get("date") is not None:
        parsed = parse_date_value(values["date"])
        if parsed is None:
            findings.append(Finding(source.shown, lines.get("date"), "bad-date",
                                    f"date {values['date']!r} is not a date; kept as extra.original_date"))
            extra["original_date"] = plain(values["date"])
        else:
            when = parsed
    if when is not None:
        front["date"] = when
    for key in ("updated", "last_modified_at", "modified"):
        parsed = parse_date_value(values.get(key))
        if parsed is not None:
            front["updated"] = parsed
            break
        if values.get(key) is not None:
            extra[key] = plain(values[key])
    tags = as_text_list(values.get("tags"), split_spaces=True) + as_text_list(values.get("tag"), split_spaces=True)
    categories = as_text_list(values.get("categories"), split_spaces=True) + as_text_list(values.get("category"), split_spaces=True)
    if options.categories == "tags":
        tags += categories
    elif categories:
        extra["categories"] = categories
    front["tags"] = list(dict.fromkeys(tags))
    if source.draft or values.get("published") is False or values.get("draft") is True:
        front["draft"] = True
    slug = values.get("slug")
    if isinstance(slug, str) and slug.strip():
        front["slug"] = slug.strip()
    for key in ("summary", "excerpt", "description"):
        if isinstance(values.get(key), str) and "summary" not in front:
            front["summary"] = values[key]
        elif values.get(key) is not None:
            extra[key] = plain(values[key])
    aliases: list[str] = []
    title_part = name
    permalink = values.get("permalink")
    if isinstance(permalink, str) and permalink.strip() and when is not None:
        aliases.append(jekyll_url(permalink.strip(), when=when, title=title_part, slug=front.get("slug"), categories=categories))
    elif isinstance(permalink, str) and permalink.strip():
        aliases.append("/" + permalink.strip().lstrip("/"))
    for key in ("redirect_from", "aliases"):
        aliases += ["/" + a.lstrip("/") for a in as_text_list(values.get(key)) if "://" not in a]
    if options.old_permalink and when is not None:
        aliases.append(jekyll_url(options.old_permalink, when=when, title=title_part, slug=front.get("slug"), categories=categories))
    front["aliases"] = list(dict.fromkeys(aliases))
    if isinstance(values.get("image"), str):
        front["image"] = values["image"]
    elif values.get("image") is not None:
        extra["image"] = plain(values["image"])
    if isinstance(values.get("toc"), bool):
        front["toc"] = values["toc"]
    elif values.get("toc") is not None:
        extra["toc"] = plain(values["toc"])

    return close_post(source, post, options)
