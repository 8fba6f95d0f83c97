#!/usr/bin/env python3
"""The Python floor: the per-post work a blog built on blogen's own libraries cannot avoid, and no more.

Run in a site laid out for blogen (``content/posts/*.md``), it writes ``output/`` with a page per post,
a paginated index, a page per tag and an Atom feed, using only what blogen's design card names:
PyYAML for the front matter, markdown-it-py (CommonMark, tables, strikethrough, footnotes) for the
Markdown, Pygments for fenced code, Jinja2 for the pages; two processes, as on the benchmark machine.
It has no cache, no checks, no search, no incremental rebuilds: it is what blogen's cold build
would cost if everything blogen adds were free. The benchmark runs it beside the peers, so the
table says how close to that floor a cold build is, and what a target set against another tool
asks of the libraries themselves.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml
from jinja2 import DictLoader, Environment
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

PER_PAGE = 10
FEED_ENTRIES = 20

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><a href="/">Home</a></header><main>{% block main %}{% endblock %}</main></body></html>
"""
POST = """{% extends "page" %}{% block main %}<article><h1>{{ title }}</h1>
<p><time datetime="{{ date }}">{{ date[:10] }}</time>{% for t in tags %} <a href="/tags/{{ t }}/">#{{ t }}</a>{% endfor %}</p>
{{ body }}</article>{% endblock %}
"""
LIST = """{% extends "page" %}{% block main %}<h1>{{ title }}</h1><ul>
{% for p in posts %}<li><a href="/posts/{{ p.slug }}/">{{ p.title }}</a> <time>{{ p.date[:10] }}</time></li>
{% endfor %}</ul>{% if older %}<a href="{{ older }}">Older</a>{% endif %}{% endblock %}
"""

_formatter = HtmlFormatter()
_lexers: dict[str, Any] = {}
_env = Environment(loader=DictLoader({"page": PAGE, "post": POST, "list": LIST}), autoescape=True)


def _highlight(code: str, lang: str, _attrs: str) -> str:
    if not lang:
        return ""
    if lang not in _lexers:
        try:
            _lexers[lang] = get_lexer_by_name(lang)
        except ClassNotFound:
            _lexers[lang] = None
    lexer = _lexers[lang]
    return "" if lexer is None else highlight(code, lexer, _formatter)


_md = MarkdownIt("commonmark", {"highlight": _highlight}).enable(["table", "strikethrough"]).use(footnote_plugin)


def _post(path: str) -> tuple[dict[str, Any], str]:
    """One post: its front matter and Markdown, rendered into its page (in a worker)."""
    text = Path(path).read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front) or {}
    slug = Path(path).stem
    info = {"slug": slug, "title": str(meta.get("title", slug)), "date": str(meta.get("date", "")),
            "tags": [str(t) for t in meta.get("tags") or []]}
    page = _env.get_template("post").render(body=Markup(_md.render(body)), **info)
    return info, page


def _write(out: Path, rel: str, text: str) -> None:
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _lists(out: Path, posts: list[dict[str, Any]], folder: str, title: str) -> None:
    pages = [posts[i:i + PER_PAGE] for i in range(0, len(posts), PER_PAGE)] or [[]]
    for n, chunk in enumerate(pages, 1):
        rel = f"{folder}index.html" if n == 1 else f"{folder}page/{n}/index.html"
        older = f"/{folder}page/{n + 1}/" if n < len(pages) else None
        _write(out, rel, _env.get_template("list").render(title=title, posts=chunk, older=older))


def _feed(out: Path, posts: list[dict[str, Any]]) -> None:
    entries = "".join(f"<entry><title>{escape(p['title'])}</title><id>/posts/{p['slug']}/</id>"
                      f"<updated>{escape(p['date'])}</updated></entry>" for p in posts[:FEED_ENTRIES])
    _write(out, "feed.xml", f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                            f"<title>Floor</title>{entries}</feed>")


def main() -> int:
    root = Path.cwd()
    out = root / "output"
    sources = sorted(str(p) for p in (root / "content" / "posts").glob("*.md"))
    with get_context("fork").Pool(int(os.environ.get("FLOOR_JOBS", "2"))) as pool:
        made = pool.map(_post, sources, chunksize=16)
    posts = []
    for info, page in made:
        _write(out, f"posts/{info['slug']}/index.html", page)
        posts.append(info)
    posts.sort(key=lambda p: p["date"], reverse=True)
    _lists(out, posts, "", "Posts")
    tagged: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in posts:
        for t in p["tags"]:
            tagged[t].append(p)
    for tag, chunk in tagged.items():
        _lists(out, chunk, f"tags/{tag}/", f"Posts tagged {tag}")
    _feed(out, posts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
