"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) beside each Atom feed: the same entries, checked before writing.

The entries, their ids (the Atom feed's ``tag:`` URIs, so a reader following both sees one post
once), their absolute content and the terms they list all come from ``feeds``, so the two formats
cannot drift apart. The document is made with ``json.dumps``, which escapes everything a string
can hold; ``check_json_feed`` then reads it back and fails the build on anything a reader needs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from blogen.core.config import Config
from blogen.core.errors import Problem
from blogen.model.values import Post, Term
from blogen.render.feeds import RELATIVE_IN_CONTENT, absolute_url, entry_id, feed_entries, feed_html, post_terms

VERSION = "https://jsonfeed.org/version/1.1"
MEDIA_TYPE = "application/feed+json"


def json_feed(config: Config, posts: Sequence[Post], terms: Mapping[str, Mapping[str, Term]], *, feed_url: str,
              page_url: str, title: str, contents: dict[str, str] | None = None) -> str:
    """The JSON Feed for ``posts`` (newest first), as ``atom_feed`` makes the Atom one; ``contents``
    caches each post's ``content_html`` across the feeds of one build."""
    contents = {} if contents is None else contents
    author = [{"name": config.author or config.title}]
    feed: dict[str, Any] = {
        "version": VERSION, "title": title,
        "home_page_url": absolute_url(config, page_url), "feed_url": absolute_url(config, feed_url),
    }
    if config.description:
        feed["description"] = config.description
    feed.update(language=config.language, authors=author, items=[])
    for post in feed_entries(config, posts):
        url = absolute_url(config, post.url)
        item: dict[str, Any] = {"id": entry_id(config, post), "url": url, "title": post.title}
        if config.feed.full_content:
            if post.source not in contents:
                contents[post.source] = feed_html(post, url)
            item["content_html"] = contents[post.source]
        else:  # the summary stands for the post, as in the Atom feed
            item["content_text"] = post.summary
        item["summary"] = post.summary
        if post.image:
            item["image"] = urljoin(url, post.image)
        item["date_published"] = post.date.isoformat()
        if post.updated:
            item["date_modified"] = post.updated.isoformat()
        # Every term the post has (JSON Feed has one list where Atom has schemes), each spelling once.
        names: dict[str, str] = {}
        for term in post_terms(post, terms):
            names.setdefault(term.name.casefold(), term.name)
        if names:
            item["tags"] = list(names.values())
        feed["items"].append(item)
    # Compact: with an indent, json.dumps leaves its C encoder for a Python one four times slower.
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")) + "\n"


def check_json_feed(path: str, data: bytes) -> list[Problem]:
    """What the JSON Feed 1.1 spec requires and a reader trips over: valid JSON, the version, a
    title, items each with a unique string id and content, RFC 3339 dates, absolute URLs."""
    try:
        feed = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        return [Problem(path, getattr(exc, "lineno", None), f"JSON feed is not valid JSON: {exc}")]
    if not isinstance(feed, dict):
        return [Problem(path, None, "JSON feed is not a JSON object")]
    problems: list[Problem] = []

    def bad(message: str) -> None:
        problems.append(Problem(path, None, f"JSON feed {message}"))

    if feed.get("version") != VERSION:
        bad(f"has version {feed.get('version')!r}, not '{VERSION}'")
    if not isinstance(feed.get("title"), str) or not feed["title"].strip():
        bad("has no title")
    for key in ("home_page_url", "feed_url"):
        if key in feed and not _absolute(feed[key]):
            bad(f"{key} {feed[key]!r} is not an absolute URL")
    _check_authors(feed.get("authors"), "", bad)
    items = feed.get("items")
    if not isinstance(items, list):
        bad("has no list of items")
        return problems
    ids: set[str] = set()
    for item in items:
        _check_item(item, ids, bad)
    return problems


def _check_item(item: Any, ids: set[str], bad: Any) -> None:
    if not isinstance(item, dict):
        bad("has an item that is not an object")
        return
    eid = item.get("id")
    where = f"item '{item.get('title') or eid}'"
    if not isinstance(eid, str) or not eid:
        bad(f"{where} has no string id")
    elif eid in ids:
        bad(f"{where} repeats the id {eid}")
    else:
        ids.add(eid)
    if not isinstance(item.get("content_html"), str) and not isinstance(item.get("content_text"), str):
        bad(f"{where} has neither content_html nor content_text")
    for key in ("url", "external_url", "image", "banner_image"):
        if key in item and not _absolute(item[key]):
            bad(f"{where} {key} {item[key]!r} is not an absolute URL")
    for key in ("date_published", "date_modified"):
        if key in item and not _rfc3339(item[key]):
            bad(f"{where} {key} {item[key]!r} is not an RFC 3339 date")
    if "tags" in item and not (isinstance(item["tags"], list) and all(isinstance(t, str) for t in item["tags"])):
        bad(f"{where} tags are not a list of strings")
    _check_authors(item.get("authors"), f"{where} ", bad)
    for url in RELATIVE_IN_CONTENT.findall(item.get("content_html") or ""):
        bad(f"{where} has a relative URL '{url}' that readers cannot follow")


def _check_authors(authors: Any, where: str, bad: Any) -> None:
    if authors is None:
        return
    if not isinstance(authors, list) or not all(isinstance(a, dict) and {"name", "url", "avatar"} & a.keys() for a in authors):
        bad(f"{where}authors must be a list of objects with a name, url or avatar")


def _absolute(value: Any) -> bool:
    """An absolute URL: a scheme and a host, or a ``file:`` path (a site built to be read from disk, --file-urls)."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme) and (bool(parts.netloc) or (parts.scheme == "file" and parts.path.startswith("/")))


def _rfc3339(value: Any) -> bool:
    """An RFC 3339 timestamp: a full date and time with an offset (``Z`` or ``+01:00``)."""
    if not isinstance(value, str) or len(value) < 20 or value[10] not in "Tt":
        return False
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00")).tzinfo is not None
    except ValueError:
        return False
