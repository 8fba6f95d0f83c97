"""A Jekyll document's front matter mapped to blogen's, and the URL Jekyll published it at.

Values come as Jekyll merged them: the site's ``defaults`` for the document's path and type
first, the document's own front matter over them. Dates come from the front matter or the
file name; ``last_modified_at``, ``date-updated``, ``updated`` and ``modified`` become
``updated``; categories (including the folders above ``_posts``) and ``series`` get keys of
their own (or join the tags with ``--categories tags``); ``published: false`` and ``_drafts``
make drafts; ``excerpt``/``description`` become the summary; ``redirect_from`` becomes aliases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from blogen.core.urls import slugify
from blogen.importers import jekyllurls
from blogen.importers.fields import as_text_list, first_date, plain, put_taxonomies, split_front
from blogen.importers.values import DocKind, Entry, Finding, ImportOptions, OldDoc, OldSite

_DATED = re.compile(r"^(\d{4})-(\d\d?)-(\d\d?)-(.+)$")
_UPDATED_KEYS = ("last_modified_at", "date-updated", "date_updated", "updated", "modified", "lastmod", "last_updated")
_DEFAULT_LAYOUTS = frozenset({"post", "page", "default", "single", "posts", "home", "none", "null"})
MAPPED = frozenset({"title", "date", *_UPDATED_KEYS, "tags", "tag", "categories", "category", "series", "published",
                    "draft", "slug", "summary", "excerpt", "description", "permalink", "redirect_from", "aliases", "image",
                    "toc", "extra", "layout", "excerpt_separator"})


def _scope_matches(scope: Mapping[str, Any], rel: str, kind: str) -> bool:
    path = str(scope.get("path") or "").strip("/")
    if path and not (rel == path or rel.startswith(path + "/") or re.fullmatch(re.escape(path).replace(r"\*", "[^/]*"), rel)):
        return False
    wanted = scope.get("type")
    return not wanted or wanted == kind or (kind == "drafts" and wanted == "posts")


def with_defaults(config: Mapping[str, Any], rel: str, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The front matter as Jekyll saw it: matching ``defaults`` (the more specific path winning), then the file's own."""
    merged: dict[str, Any] = {}
    rules = [d for d in config.get("defaults") or [] if isinstance(d, dict) and isinstance(d.get("values"), dict)]
    matching = [d for d in rules if _scope_matches(d.get("scope") or {}, rel, kind)]
    for rule in sorted(matching, key=lambda d: len(str((d.get("scope") or {}).get("path") or ""))):
        merged.update(rule["values"])
    merged.update(values)
    return merged


def _site_tz(config: Mapping[str, Any]) -> ZoneInfo:
    try:
        return ZoneInfo(str(config.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _image(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):
        for key in ("path", "feature", "src", "url"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return None


def old_url(site: OldSite, doc: OldDoc, values: Mapping[str, Any], when: date | None, categories: list[str],
            options: ImportOptions) -> str | None:
    """The URL Jekyll gave the document (see ``jekyllurls``)."""
    config = site.context["config"]
    style = str(config.get("permalink") or "date")
    permalink = values.get("permalink") if isinstance(values.get("permalink"), str) else None
    if doc.group == "pages":
        return jekyllurls.page_url(doc.rel, style, permalink)
    collection = site.context["collections"].get(doc.group, {})
    if doc.group == "posts":
        template = permalink or options.old_permalink or str(collection.get("permalink") or style)
    else:
        template = permalink or str(collection.get("permalink") or f"/:collection/:path{jekyllurls.suffix_of(style)}")
    name = doc.rel.rsplit("/", 1)[-1]
    basename = name.rsplit(".", 1)[0]
    within = doc.rel.split(f"_{doc.group}/", 1)[-1] if doc.group != "posts" else doc.rel.rsplit("_posts/", 1)[-1].rsplit("_drafts/", 1)[-1]
    m = _DATED.match(basename)
    facts = jekyllurls.UrlFacts(
        basename=basename, slug=str(values["slug"]) if isinstance(values.get("slug"), str) else (m.group(4) if m else None),
        when=when, categories=tuple(categories), path="/" + within.rsplit(".", 1)[0], collection=doc.group)
    if when is None and re.search(r":(year|month|day|i_|short_|long_|y_day|week|w_)", jekyllurls.template_of(template)):
        return None
    return jekyllurls.expand(template, facts, _site_tz(config))


def _name(doc: OldDoc) -> tuple[str, date | None]:
    """The document's name without Jekyll's date prefix, and that date (an index is named after its folder)."""
    m = _DATED.match(doc.stem)
    name_date: date | None = None
    if m:
        try:
            name_date = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            name_date = None
    name = m.group(4) if m and name_date else doc.stem
    if name == "index" and doc.folders:
        name = doc.folders[-1]
    return name, name_date


def _taxonomies(values: dict[str, Any], doc: OldDoc, kind: DocKind, options: ImportOptions, front: dict[str, Any],
                extra: dict[str, Any]) -> list[str]:
    """Tags, categories and series into ``front`` (see the module's note); returns the categories (URLs use them)."""
    tags = as_text_list(values.get("tags"), split_spaces=True) + as_text_list(values.get("tag"), split_spaces=True)
    categories = list(dict.fromkeys([*doc.categories, *as_text_list(values.get("categories"), split_spaces=True),
                                     *as_text_list(values.get("category"), split_spaces=True)]))
    series = values.get("series")
    put_taxonomies(tags, categories, series if isinstance(series, str | list) else None,
                   kind=kind, options=options, front=front, extra=extra)
    return categories


def _the_rest(values: dict[str, Any], doc: OldDoc, front: dict[str, Any], extra: dict[str, Any]) -> None:
    """Draft, slug, summary, image, toc and aliases into ``front``."""
    if doc.draft or values.get("published") is False or values.get("draft") is True:
        front["draft"] = True
    if isinstance(values.get("slug"), str) and values["slug"].strip():
        front["slug"] = values["slug"].strip()
    summary = next((values[k] for k in ("summary", "excerpt", "description") if isinstance(values.get(k), str)), None)
    if summary is not None:
        front["summary"] = " ".join(summary.split())
    for key in ("summary", "excerpt", "description"):
        if values.get(key) is not None and not isinstance(values.get(key), str):
            extra[key] = plain(values[key])
    image = _image(values.get("image"))
    if image is not None:
        front["image"] = image
    if isinstance(values.get("toc"), bool):
        front["toc"] = values["toc"]
    redirects = as_text_list(values.get("redirect_from")) + as_text_list(values.get("aliases"))
    front["aliases"] = [a if a.startswith("/") else "/" + a for a in redirects if "://" not in a]


def describe(site: OldSite, doc: OldDoc, text: str, options: ImportOptions) -> Entry:
    """The document with its front matter mapped; raises BlogenError if the front matter cannot be read."""
    findings: list[Finding] = []
    split = split_front(text, doc.shown, findings)
    kind_name = "drafts" if doc.draft else ("posts" if doc.group == "posts" else doc.group)
    values = with_defaults(site.context["config"], doc.rel, kind_name, split.values)
    extra: dict[str, Any] = {k: plain(v) for k, v in values.items() if k not in MAPPED}
    if isinstance(values.get("layout"), str) and values["layout"] not in _DEFAULT_LAYOUTS:
        extra["layout"] = values["layout"]
    if isinstance(values.get("extra"), dict):
        extra.update(plain(values["extra"]))
    name, name_date = _name(doc)
    when = first_date(values, ["date"], doc.shown, split.lines, findings, extra) or name_date
    front: dict[str, Any] = {}
    if values.get("title") is not None:
        front["title"] = " ".join(str(values["title"]).split())
    kind: DocKind = doc.kind if doc.group in ("posts", "pages") else ("post" if when is not None else "page")
    if when is not None and kind == "post":
        front["date"] = when
    updated = first_date(values, _UPDATED_KEYS, doc.shown, split.lines, findings, extra)
    if updated is not None:
        front["updated"] = updated
    categories = _taxonomies(values, doc, kind, options, front, extra)
    _the_rest(values, doc, front, extra)
    url = old_url(site, doc, values, when, categories, options)
    return Entry(replace(doc, kind=kind), {**front, "extra": extra} if extra else front, split.body, split.body_line, url,
                 tuple(findings), slugify(name) or slugify(str(front.get("title", ""))) or "page", values, split.lines)
