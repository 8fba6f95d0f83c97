"""A Hugo page's front matter mapped to blogen's, and the URL Hugo published it at.

Hugo's front-matter keys are case-insensitive (``Title`` is ``title``). ``date`` (else
``publishDate``) is the date, ``lastmod`` the update; ``tags``, ``categories`` and ``series``
keep their own keys (categories join the tags with ``--categories tags``); ``description``
becomes the summary when there is no ``summary``; ``aliases`` stay aliases, and the page's old URL
(its ``url``, its section's ``[permalinks]`` pattern, or its section path and slug) is added.
A headless page or one Hugo never rendered is not imported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from blogen.core.errors import BlogenError
from blogen.core.urls import slugify
from blogen.importers import hugourls
from blogen.importers.fields import as_text_list, first_date, plain, put_taxonomies, split_front
from blogen.importers.values import DocKind, Entry, Finding, ImportOptions, OldDoc, OldSite

_DATE_KEYS = ("date", "publishdate", "pubdate", "published")
_UPDATED_KEYS = ("lastmod", "modified", "updated", "last_modified_at")
MAPPED = frozenset({"title", *_DATE_KEYS, *_UPDATED_KEYS, "tags", "categories", "series", "draft", "slug", "url",
                    "aliases", "description", "summary", "image", "images", "cover", "featured_image", "toc", "showtoc",
                    "extra", "layout", "type", "menu", "headless", "_build", "build"})


class Unpublished(BlogenError):
    """A page Hugo did not publish (headless, never rendered): listed, not imported."""


def _permalink_for(config: Mapping[str, Any], section: str) -> str | None:
    permalinks = config.get("permalinks")
    if not isinstance(permalinks, dict):
        return None
    page = permalinks.get("page") if isinstance(permalinks.get("page"), dict) else None
    for table in (page, permalinks):
        if table is not None and isinstance(table.get(section.lower()), str):
            return str(table[section.lower()])
    return None


def _ugly(config: Mapping[str, Any], section: str) -> bool:
    value = config.get("uglyurls")
    if isinstance(value, dict):
        return bool(value.get(section.lower()))
    return bool(value)


def old_url(site: OldSite, doc: OldDoc, values: Mapping[str, Any], title: str, when: date | None,
            override: str | None = None) -> str:
    """The URL Hugo gave the page (see ``hugourls``), without the site's base path."""
    config = site.context["config"]
    lower = not config.get("disablepathtolower")
    sections = tuple(p for p in doc.group.split("/") if p)
    section = sections[0] if sections else ""
    ugly = _ugly(config, section)
    if isinstance(values.get("url"), str) and values["url"].strip():
        return hugourls.front_url(values["url"])
    slug = str(values["slug"]) if isinstance(values.get("slug"), str) and values["slug"].strip() else None
    facts = hugourls.PageFacts(sections, doc.stem, title, slug, when)
    pattern = _permalink_for(config, section) if section else None
    if override and section in site.context["main_sections"]:
        pattern = override
    url = hugourls.expand(pattern, facts, lower=lower) if pattern else hugourls.default_url(facts, lower=lower)
    return hugourls.finish(url, ugly=ugly)


def _image(values: Mapping[str, Any]) -> str | None:
    for key in ("image", "featured_image"):
        if isinstance(values.get(key), str) and values[key].strip():
            return str(values[key]).strip()
    images = values.get("images")
    if isinstance(images, list) and images and isinstance(images[0], str):
        return images[0]
    cover = values.get("cover")
    if isinstance(cover, dict) and isinstance(cover.get("image"), str) and cover["image"].strip():
        return str(cover["image"]).strip()
    return None


def _name_date(stem: str) -> date | None:
    """A ``2020-05-05-`` prefix of the file name, the date Hugo's ``:filename`` front-matter setting reads."""
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)-", stem)
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _headless(values: Mapping[str, Any]) -> bool:
    if values.get("headless") is True:
        return True
    build = values.get("_build") if isinstance(values.get("_build"), dict) else values.get("build")
    return isinstance(build, dict) and str(build.get("render", "")).lower() in ("never", "false")


def _the_rest(values: dict[str, Any], front: dict[str, Any]) -> None:
    """Draft, slug, summary, image and toc into ``front``."""
    if values.get("draft") is True:
        front["draft"] = True
    if isinstance(values.get("slug"), str) and values["slug"].strip():
        front["slug"] = values["slug"].strip()
    summary = values.get("summary") if isinstance(values.get("summary"), str) else values.get("description")
    if isinstance(summary, str) and summary.strip():
        front["summary"] = " ".join(summary.split())
    image = _image(values)
    if image is not None:
        front["image"] = image
    toc = values.get("toc", values.get("showtoc"))
    if isinstance(toc, bool):
        front["toc"] = toc


def describe(site: OldSite, doc: OldDoc, text: str, options: ImportOptions) -> Entry:
    """The page with its front matter mapped; raises BlogenError if it cannot be read, ``Unpublished`` if Hugo did not publish it."""
    if text.lstrip().startswith("{"):
        raise BlogenError.one(doc.shown, 1, "JSON front matter is not supported; convert it to YAML (---) or TOML (+++)")
    findings: list[Finding] = []
    split = split_front(text, doc.shown, findings)
    values = {str(k).lower() if str(k).lower() in MAPPED else str(k): v for k, v in split.values.items()}
    lines = {str(k).lower(): v for k, v in split.lines.items()}
    if _headless(values):
        raise Unpublished.one(doc.shown, None, "a headless page (Hugo never rendered it on its own)")
    extra: dict[str, Any] = {k: plain(v) for k, v in values.items() if k not in MAPPED}
    if isinstance(values.get("extra"), dict):
        extra.update(plain(values["extra"]))
    for key in ("layout", "type"):
        if isinstance(values.get(key), str):
            extra[key] = values[key]
    when = first_date(values, _DATE_KEYS, doc.shown, lines, findings, extra) or _name_date(doc.stem)
    updated = first_date(values, _UPDATED_KEYS, doc.shown, lines, findings, extra)
    front: dict[str, Any] = {}
    title = " ".join(str(values["title"]).split()) if values.get("title") is not None else ""
    if title:
        front["title"] = title
    top = doc.group.split("/", 1)[0]
    kind: DocKind = "post" if top and (top in site.context["main_sections"] or when is not None) else "page"
    if kind == "post" and when is not None:
        front["date"] = when
    if updated is not None and (when is None or updated != when):
        front["updated"] = updated
    put_taxonomies(as_text_list(values.get("tags")), as_text_list(values.get("categories")), values.get("series"),
                   kind=kind, options=options, front=front, extra=extra)
    for key in site.settings.taxonomies:  # the site's own taxonomies (authors) keep their keys: blogen.toml declares them
        if key in extra and kind == "post":
            front[key] = as_text_list(extra.pop(key))
    _the_rest(values, front)
    url = old_url(site, doc, values, title or doc.stem, when, options.old_permalink)
    base = "/" + "/".join(p for p in doc.group.split("/") if p)
    front["aliases"] = [a if a.startswith("/") else f"{base.rstrip('/')}/{a}" for a in as_text_list(values.get("aliases"))
                        if "://" not in a]
    if extra:
        front["extra"] = extra
    name = doc.stem if doc.stem not in ("index", "_index") else (doc.folders[-1] if doc.folders else doc.group.rsplit("/", 1)[-1])
    if _name_date(name) is not None:
        name = name[11:]  # blogen takes a date prefix off the name too, as the post's date
    return Entry(replace(doc, kind=kind), front, split.body, split.body_line, url, tuple(findings),
                 slugify(name) or slugify(title) or "page", values, lines)
