"""Convert a Hugo site's posts: YAML or TOML front matter mapped to blogen's, page bundles copied whole.

Shortcodes need Hugo's templates, so they are left in the text and reported at their source line;
escaped ones (``{{</* x */>}}``) become the literal text Hugo would have shown. Code-fence
attributes blogen does not know (``{file="x"}``) are dropped with a warning, because blogen rejects
unknown fence options.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path

from blogen.core.errors import BlogenError
from blogen.core.urls import slugify
from blogen.importers.common import (
    IMPORT_SUFFIXES,
    Converted,
    Finding,
    ImportOptions,
    Source,
    as_text_list,
    close_post,
    fence_states,
    open_post,
    parse_date_value,
    plain,
    snippet,
    walk_files,
)

_SHORTCODE = re.compile(r"\{\{([<%])(/\*)?\s*(/?)\s*([\w./-]*)(?:(?!\}\}).){0,400}?([>%])\}\}", re.S)
_FENCE_OPEN = re.compile(r"^([ \t]*(?:>[ \t]?)*[ \t]*)(`{3,}|~{3,})([^{`]*?)\s*\{(.*)\}\s*$")
_ATTR = re.compile(r"""([\w-]+)\s*=\s*("[^"]*"|'[^']*'|\[[^\]]*\]|[^\s,]+)|([\w-]+)""")
_INDEX_NAMES = {f"index{s}" for s in IMPORT_SUFFIXES}
_SECTION_NAMES = {f"_index{s}" for s in IMPORT_SUFFIXES}


PERMALINK_TOKENS = ("year", "month", "monthname", "day", "weekday", "yearday", "section", "sections", "title", "slug",
                    "filename", "contentbasename", "slugorfilename", "slugorcontentbasename")
_TOKEN = re.compile(r":([a-z]+)")


# --- finding posts --------------------------------------------------------------------------------


def posts_folder(src: Path) -> Path:
    """``src/content/posts`` (or ``post``, ``blog``) of a Hugo site (it has a hugo.toml or config.toml),
    or ``src`` itself when it is the folder of posts."""
    content = src / "content"
    is_site = any((src / name).exists() for name in ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml",
                                                        "config.json", "config"))
    if not content.is_dir() or not is_site:
        return src
    for name in ("posts", "post", "blog"):
        if (content / name).is_dir():
            return content / name
    raise BlogenError.one(str(content), None, "no posts/, post/ or blog/ section here; pass the folder that holds the posts")


def find_sources(src: Path, shown: str) -> tuple[list[Source], list[Finding]]:
    """Every post under the posts folder: single files, and leaf bundles (``x/index.md`` with its files)."""
    top = posts_folder(src)
    sources: list[Source] = []
    skipped: list[Finding] = []
    bundles: list[Path] = []
    for folder, dirs, files in os.walk(top):
        here = Path(folder)
        if any(b in here.parents for b in bundles):
            dirs[:] = []
            continue
        index = next((f for f in sorted(files) if f in _INDEX_NAMES), None)
        if index is not None and here != top:
            bundles.append(here)
            dirs[:] = []
            path = here / index
            sources.append(Source(path, os.path.join(shown, path.relative_to(src).as_posix()), here.name,
                                  here.parent.relative_to(top).parts, here, False, path.stat().st_mtime))
    for f in walk_files(top):
        if any(b == f.parent or b in f.parents for b in bundles):
            continue
        where = os.path.join(shown, f.relative_to(src).as_posix())
        if f.name in _SECTION_NAMES or f.name in _INDEX_NAMES:
            skipped.append(Finding(where, None, "skipped", "a section's list page, not a post"))
        elif f.suffix.lower() not in IMPORT_SUFFIXES:
            skipped.append(Finding(where, None, "skipped", "not a Markdown file and not in a page bundle"))
        else:
            sources.append(Source(f, where, f.name.rsplit(".", 1)[0], f.parent.relative_to(top).parts, None, False,
                                  f.stat().st_mtime))
    sources.sort(key=lambda s: s.shown)
    return sources, skipped


# --- the body -------------------------------------------------------------------------------------


def _fence_info(lang: str, attrs: str, where: str, line: int, findings: list[Finding]) -> str:
    """A fence info string blogen accepts, from Hugo's ``lang {linenos=table hl_lines=[2] file="x"}``."""
    kept: list[str] = []
    for m in _ATTR.finditer(attrs):
        key = (m.group(1) or m.group(3)).lower()
        value = (m.group(2) or "").strip("\"'")
        if key == "linenos":
            kept.append("linenos=false" if value.lower() in {"false", "no", "off", "0"} else "linenos")
        elif key == "hl_lines" and value:
            lines = " ".join(re.sub(r"[\[\]\"',]", " ", value).split())
            kept.append(f'hl_lines="{lines}"')
        elif key == "linenostart" and value.isdigit():
            kept.append(f"linenostart={value}")
        else:
            findings.append(Finding(where, line, "fence-attribute", f"{{{m.group(0)}}} has no equivalent; dropped"))
    return " ".join(part for part in [lang.strip(), *kept] if part)


def convert_body(text: str, first_line: int, where: str) -> tuple[str, list[Finding]]:
    """Report shortcodes and translate code-fence attributes."""
    findings: list[Finding] = []
    line_starts = [0, *(i + 1 for i, ch in enumerate(text) if ch == "\n")]

    def line_of(offset: int) -> int:
        import bisect

        return first_line + bisect.bisect_right(line_starts, offset) - 1

    for sc in _SHORTCODE.finditer(text):
        if sc.group(2) or sc.group(3):  # escaped, or a closing tag: the opening one is reported
            continue
        findings.append(Finding(where, line_of(sc.start()), "hugo-shortcode", snippet(sc.group(0))))
    lines = text.split("\n")
    states = fence_states(lines)
    out: list[str] = []
    for n, line in enumerate(lines):
        m = _FENCE_OPEN.match(line)
        if m and states[n] == "open":
            line = f"{m.group(1)}{m.group(2)}{_fence_info(m.group(3), m.group(4), where, first_line + n, findings)}"
        out.append(line)
    body = "\n".join(out)  # escaped shortcodes stay escaped: blogen shows {{</* x */>}} as the text {{< x >}}, as Hugo does
    findings.sort(key=lambda f: (f.line or 0, f.kind, f.snippet))
    return body, findings


# --- permalinks ----------------------------------------------------------------------------------


def check_permalink_pattern(pattern: str) -> str | None:
    """Why a ``--hugo-permalink`` pattern cannot be used, or None."""
    unknown = sorted({t for t in _TOKEN.findall(pattern) if t not in PERMALINK_TOKENS})
    if unknown:
        return f"unknown token {', '.join(':' + t for t in unknown)} (known: {', '.join(':' + t for t in PERMALINK_TOKENS)})"
    return None


def hugo_url(pattern: str, *, when: date, filename: str, slug: str | None, title: str, section: str) -> str:
    """The URL Hugo gave a post under a ``[permalinks]`` pattern, with case kept (as with ``disablePathToLower``)."""
    moment = when if isinstance(when, datetime) else datetime(when.year, when.month, when.day)
    title_slug = slugify(title)
    values = {
        "year": f"{moment.year:04d}", "month": f"{moment.month:02d}", "monthname": moment.strftime("%B").lower(),
        "day": f"{moment.day:02d}", "weekday": str(moment.isoweekday() % 7), "yearday": str(moment.timetuple().tm_yday),
        "section": section, "sections": section, "title": title_slug, "slug": slug or title_slug,
        "filename": filename, "contentbasename": filename, "slugorfilename": slug or filename,
        "slugorcontentbasename": slug or filename,
    }
    url = _TOKEN.sub(lambda m: values.get(m.group(1), m.group(0)), pattern)
    return re.sub(r"/{2,}", "/", "/" + url)


# --- front matter ---------------------------------------------------------------------------------

_DATE_KEYS = ("date", "publishdate", "pubdate", "published", "lastmod", "modified")
_MAPPED = {"title", *_DATE_KEYS, "tags", "categories", "draft", "slug", "url", "aliases", "description", "summary",
           "image", "toc", "extra"}


def convert(source: Source, text: str, options: ImportOptions, *, section: str = "") -> Converted:
    """One Hugo post as blogen front matter and body; raises BlogenError if its front matter cannot be read."""
    if text.lstrip().startswith("{"):
        raise BlogenError.one(source.shown, 1, "JSON front matter is not supported; convert it to YAML (---) or TOML (+++)")
    post = open_post(source, text, convert_body, _MAPPED, fold_case=True)
    values, lines, findings, front, extra = post.values, post.lines, post.findings, post.front, post.extra
    name, name_date = post.name, post.name_date
    when: date | None = None
    for key in _DATE_KEYS:
        if values.get(key) is None:
            continue
        parsed = parse_date_value(values[key])
        if parsed is None:
            findings.append(Finding(source.shown, lines.get(key), "bad-date", f"{key} {values[key]!r} is not a date; kept in extra"))
        if key in {"lastmod", "modified"}:
            if parsed is not None:
                front.setdefault("updated", parsed)
            else:
                extra[key] = plain(values[key])
        elif parsed is None:
            extra[key] = plain(values[key])
        elif when is None:
            when = parsed
        elif key != "date":
            extra[key] = plain(values[key])
    when = when or front.get("updated") or name_date
    if when is not None:
        front["date"] = when
    tags = as_text_list(values.get("tags"))
    categories = as_text_list(values.get("categories"))
    if options.categories == "tags":
        tags += categories
    elif categories:
        extra["categories"] = categories
    front["tags"] = list(dict.fromkeys(tags))
    if values.get("draft") is True:
        front["draft"] = True
    elif values.get("draft") is not None and values.get("draft") is not False:
        extra["draft"] = plain(values["draft"])
    if isinstance(values.get("slug"), str) and values["slug"].strip():
        front["slug"] = values["slug"].strip()
    summary = values.get("summary") if isinstance(values.get("summary"), str) else values.get("description")
    if isinstance(summary, str) and summary.strip():
        front["summary"] = summary.strip()
    for key in ("summary", "description"):
        if values.get(key) is not None and values[key] != summary:
            extra[key] = plain(values[key])
    base = "/" + "/".join([*([section] if section else []), *source.folders])
    aliases = [a if a.startswith("/") else f"{base.rstrip('/')}/{a}" for a in as_text_list(values.get("aliases"))
               if "://" not in a]
    url = values.get("url")
    if isinstance(url, str) and url.strip() and "://" not in url:
        aliases.append("/" + url.strip().lstrip("/"))
    if options.old_permalink and when is not None:
        aliases.append(hugo_url(options.old_permalink, when=when, filename=source.stem, slug=front.get("slug"),
                                title=str(front.get("title", name)), section=section))
    front["aliases"] = list(dict.fromkeys(aliases))
    for key, kind in (("image", str), ("toc", bool)):
        if isinstance(values.get(key), kind):
            front[key] = values[key]
        elif values.get(key) is not None:
            extra[key] = plain(values[key])

    return close_post(source, post, options)
