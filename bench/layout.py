"""Lay one generated corpus out as a site for each tool.

The corpus (``gen_corpus.py``) is ``CORPUS/posts/*.md`` with YAML front matter and
``CORPUS/images/*.png`` referenced as ``/images/<name>.png``. Every tool gets the same
post bodies byte for byte; only where files go and the configuration differ:

* blogen    ``content/posts/``, ``content/static/images/``, ``blogen.toml``
* Hugo      ``content/posts/``, ``static/images/``, ``hugo.toml`` + a tiny layout set
* Hugo (light), tool ``hugo-light``: the same, with only ``single.html`` and ``list.html`` (no
            ``baseof.html``) and HTML only (no RSS for any page kind), so Hugo's ratio can be read
            apart from how much its templates do
* Pelican   ``content/posts/``, ``content/images/``, ``pelicanconf.py``; front matter
            rewritten into Pelican's own ``Key: value`` header (its Markdown reader does not
            read YAML lists), same title/date/tags/summary/draft
* Eleventy  ``src/posts/``, ``src/images/``, ``eleventy.config.cjs`` + Nunjucks layouts

Every site's post page is at ``<output>/posts/<file stem>/index.html``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

BASE_URL = "https://bench.example.org/"
TITLE = "Bench Notes"


@dataclass(frozen=True)
class Site:
    tool: str
    root: Path
    posts_dir: Path  # where the .md files are (the benchmark edits one of them)
    output: Path  # the folder the tool writes the site into
    caches: tuple[Path, ...]  # removed (with output) before a cold build

    def post_source(self, stem: str) -> Path:
        return self.posts_dir / f"{stem}.md"

    def post_output(self, stem: str) -> Path:
        return self.output / "posts" / stem / "index.html"


def _copy_tree(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for f in sorted(src.iterdir()):
        shutil.copyfile(f, dst / f.name)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- blogen -----------------------------------------------------------------------------------------


# Extra lines for blogen.toml: `bench/run.py --search` puts "[search] enabled = true" here.
BLOGEN_EXTRA_CONFIG = ""


def layout_blogen(corpus: Path, root: Path) -> Site:
    _copy_tree(corpus / "posts", root / "content" / "posts")
    _copy_tree(corpus / "images", root / "content" / "static" / "images")
    write_blogen_config(root)
    return Site("blogen", root, root / "content" / "posts", root / "output", (root / ".blogen-cache",))


def write_blogen_config(root: Path, description: str = "") -> None:
    """blogen.toml; another ``description`` changes every page, so the next build is a full one."""
    extra = f'description = "{description}"\n' if description else ""
    _write(root / "blogen.toml", f'title = "{TITLE}"\nbase_url = "{BASE_URL}"\ntimezone = "UTC"\n{extra}{BLOGEN_EXTRA_CONFIG}')


# --- Hugo -------------------------------------------------------------------------------------------

def _hugo_toml(outputs: str) -> str:
    """The Hugo site's configuration; ``outputs`` is its ``[outputs]`` table, the one thing the two Hugo
    setups configure differently."""
    return f"""\
baseURL = "{BASE_URL}"
title = "{TITLE}"
languageCode = "en"
timeZone = "UTC"
enableRobotsTXT = true

[taxonomies]
  tag = "tags"

[pagination]
  pagerSize = 10

{outputs}
# Highlight with CSS classes, as blogen does (Pygments classes + one stylesheet).
[markup.highlight]
  noClasses = false
"""


HUGO_TOML = _hugo_toml("""\
[outputs]
  home = ["html", "rss"]
  section = ["html", "rss"]
  taxonomy = ["html"]
  term = ["html", "rss"]
""")

HUGO_BASEOF = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }} | {{ site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}">{{ end }}
</head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

# What both Hugo setups show: a post, the list of a taxonomy's terms, and a page of a paginated list.
_HUGO_POST = """\
<h1>{{ .Title }}</h1>
<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2 January 2006" }}</time>
<ul class="tags">{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
{{ .Content }}
"""
_HUGO_PAGES = '{{ $pages := .RegularPagesRecursive }}{{ if .IsHome }}{{ $pages = where site.RegularPages "Section" "posts" }}{{ end }}\n'
_HUGO_TERMS = ('{{ if eq .Kind "taxonomy" }}<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">'
               "{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>\n")
_HUGO_PAGER = """\
{{ range $pager.Pages }}<article>
<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2 January 2006" }}</time>
<ul class="tags">{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
<p>{{ .Summary }}</p>
</article>{{ end }}
<nav>{{ with $pager.Prev }}<a href="{{ .URL }}">Newer</a>{{ end }} {{ with $pager.Next }}<a href="{{ .URL }}">Older</a>{{ end }}</nav>
"""

HUGO_SINGLE = '{{ define "main" }}<article>\n' + _HUGO_POST + "</article>{{ end }}\n"

HUGO_LIST = ('{{ define "main" }}<h1>{{ .Title }}</h1>\n' + _HUGO_PAGES + _HUGO_TERMS
             + "{{ else }}{{ $pager := .Paginate $pages }}\n" + _HUGO_PAGER + "{{ end }}{{ end }}\n")


def layout_hugo(corpus: Path, root: Path, *, light: bool = False) -> Site:
    """The Hugo site; ``light``: the Hugo (light) one (see below)."""
    _copy_tree(corpus / "posts", root / "content" / "posts")
    _copy_tree(corpus / "images", root / "static" / "images")
    _write(root / "hugo.toml", HUGO_LIGHT_TOML if light else HUGO_TOML)
    if not light:
        _write(root / "layouts" / "_default" / "baseof.html", HUGO_BASEOF)
    _write(root / "layouts" / "_default" / "single.html", HUGO_LIGHT_SINGLE if light else HUGO_SINGLE)
    _write(root / "layouts" / "_default" / "list.html", HUGO_LIGHT_LIST if light else HUGO_LIST)
    return Site("hugo-light" if light else "hugo", root, root / "content" / "posts", root / "public", (root / "resources",))


# --- Hugo (light) -----------------------------------------------------------------------------------
# The floor of a Hugo blog: the same configuration, posts, list pages and pagination as above, but two
# whole-page templates (no baseof, so no block lookup) and no feed of any kind, so the cold-build ratio
# against Hugo is not carried by how much work the peer's layout happens to do.

HUGO_LIGHT_TOML = _hugo_toml("""\
# HTML only: no RSS for the home page, the section, the taxonomy or its terms.
[outputs]
  home = ["html"]
  section = ["html"]
  taxonomy = ["html"]
  term = ["html"]
""")

_HUGO_LIGHT_HEAD = '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{{ .Title }} | {{ site.Title }}</title></head>\n<body>\n'
_HUGO_LIGHT_FOOT = "</body>\n</html>\n"

HUGO_LIGHT_SINGLE = _HUGO_LIGHT_HEAD + "<article>\n" + _HUGO_POST + "</article>\n" + _HUGO_LIGHT_FOOT

HUGO_LIGHT_LIST = (_HUGO_LIGHT_HEAD + "<h1>{{ .Title }}</h1>\n" + _HUGO_TERMS + "{{ else }}" + _HUGO_PAGES
                   + "{{ $pager := .Paginate $pages }}\n" + _HUGO_PAGER + "{{ end }}\n" + _HUGO_LIGHT_FOOT)


# --- Pelican ----------------------------------------------------------------------------------------

PELICANCONF = f"""\
AUTHOR = "Bench"
SITENAME = "{TITLE}"
SITEURL = "{BASE_URL.rstrip('/')}"
PATH = "content"
OUTPUT_PATH = "output"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%d %B %Y"
RELATIVE_URLS = False
DEFAULT_PAGINATION = 10
STATIC_PATHS = ["images"]
ARTICLE_PATHS = ["posts"]
# The file name is the slug (titles can repeat in a big corpus), and posts live where blogen puts them.
SLUGIFY_SOURCE = "basename"
ARTICLE_URL = "posts/{{slug}}/"
ARTICLE_SAVE_AS = "posts/{{slug}}/index.html"
# Feeds as blogen makes them: one for the site, one per tag.
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
TAG_FEED_ATOM = "feeds/tag/{{slug}}.atom.xml"
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
# Pelican's fastest rebuild mode: keep parsed content in cache/ between runs.
LOAD_CONTENT_CACHE = True
CACHE_CONTENT = True
CACHE_PATH = "cache"
CHECK_MODIFIED_METHOD = "mtime"
"""


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def pelican_text(text: str) -> str:
    """The generator's YAML front matter as a Pelican Markdown metadata header; the body unchanged."""
    assert text.startswith("---\n"), "corpus post without front matter"
    end = text.index("\n---\n", 4)
    lines = text[4:end].split("\n")
    body = text[end + 5:]
    meta: list[str] = []
    tags: list[str] = []
    for line in lines:
        if line.startswith("  - "):
            tags.append(line[4:].strip())
            continue
        key, _, value = line.partition(":")
        value = value.strip()
        if key == "title":
            meta.append(f"Title: {_unquote(value)}")
        elif key == "date":
            meta.append(f"Date: {value.replace('T', ' ')}")
        elif key == "summary":
            meta.append(f"Summary: {_unquote(value)}")
        elif key == "draft" and value == "true":
            meta.append("Status: draft")
    if tags:
        meta.insert(2, "Tags: " + ", ".join(tags))
    return "\n".join(meta) + "\n" + body


def layout_pelican(corpus: Path, root: Path) -> Site:
    posts = root / "content" / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    for f in sorted((corpus / "posts").iterdir()):
        (posts / f.name).write_text(pelican_text(f.read_text(encoding="utf-8")), encoding="utf-8")
    _copy_tree(corpus / "images", root / "content" / "images")
    _write(root / "pelicanconf.py", PELICANCONF)
    return Site("pelican", root, posts, root / "output", (root / "cache",))


# --- Eleventy ---------------------------------------------------------------------------------------

ELEVENTY_CONFIG = """\
const syntaxHighlight = require(@HIGHLIGHT@);

module.exports = function (eleventyConfig) {
  eleventyConfig.addPlugin(syntaxHighlight);  // build-time Prism, CSS classes (like blogen's Pygments)
  eleventyConfig.addPassthroughCopy({ "src/images": "images" });
  eleventyConfig.addPreprocessor("drafts", "md", (data) => { if (data.draft) return false; });
  eleventyConfig.addCollection("posts", (api) => api.getFilteredByGlob("src/posts/*.md").sort((a, b) => b.date - a.date));
  eleventyConfig.addFilter("isodate", (d) => d.toISOString());
  eleventyConfig.addFilter("longdate", (d) => d.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }));
  return {
    dir: { input: "src", output: "_site", includes: "_includes" },
    markdownTemplateEngine: false,  // the posts are plain Markdown, as for the other tools
    htmlTemplateEngine: "njk",
  };
};
"""

ELEVENTY_BASE = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }} | @TITLE@</title>
<link rel="alternate" type="application/atom+xml" href="/feed.xml"></head>
<body>
<header><a href="/">@TITLE@</a></header>
<main>{{ content | safe }}</main>
</body>
</html>
"""

ELEVENTY_POST = """\
---
layout: base.njk
---
<article>
<h1>{{ title }}</h1>
<time datetime="{{ page.date | isodate }}">{{ page.date | longdate }}</time>
<ul class="tags">{% for t in tags %}<li><a href="/tags/{{ t | slugify }}/">{{ t }}</a></li>{% endfor %}</ul>
{{ content | safe }}
</article>
"""

ELEVENTY_INDEX = """\
---
layout: base.njk
title: Posts
pagination:
  data: collections.posts
  size: 10
  alias: posts
permalink: "{% if pagination.pageNumber > 0 %}/page/{{ pagination.pageNumber + 1 }}/{% else %}/{% endif %}"
---
<h1>Posts</h1>
{% for post in posts %}<article>
<h2><a href="{{ post.url }}">{{ post.data.title }}</a></h2>
<time datetime="{{ post.date | isodate }}">{{ post.date | longdate }}</time>
<ul class="tags">{% for t in post.data.tags %}<li><a href="/tags/{{ t | slugify }}/">{{ t }}</a></li>{% endfor %}</ul>
<p>{{ post.data.summary }}</p>
</article>{% endfor %}
<nav>{% if pagination.href.previous %}<a href="{{ pagination.href.previous }}">Newer</a>{% endif %}
{% if pagination.href.next %}<a href="{{ pagination.href.next }}">Older</a>{% endif %}</nav>
"""

ELEVENTY_TAGS = """\
---
layout: base.njk
pagination:
  data: collections
  size: 1
  alias: tag
  filter: ["all", "posts"]
eleventyComputed:
  title: "Tagged {{ tag }}"
permalink: "/tags/{{ tag | slugify }}/"
---
<h1>Tagged {{ tag }}</h1>
{% for post in collections[tag] | reverse %}<article>
<h2><a href="{{ post.url }}">{{ post.data.title }}</a></h2>
<time datetime="{{ post.date | isodate }}">{{ post.date | longdate }}</time>
<p>{{ post.data.summary }}</p>
</article>{% endfor %}
"""

ELEVENTY_FEED = """\
---
permalink: /feed.xml
eleventyExcludeFromCollections: true
---
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>@TITLE@</title>
<link href="@BASE@"/>
<id>@BASE@</id>
{% for post in collections.posts.slice(0, 20) %}<entry>
<title>{{ post.data.title }}</title>
<link href="@BASE_NOSLASH@{{ post.url }}"/>
<id>@BASE_NOSLASH@{{ post.url }}</id>
<updated>{{ post.date | isodate }}</updated>
<content type="html">{{ post.content }}</content>
</entry>
{% endfor %}</feed>
"""


def layout_eleventy(corpus: Path, root: Path, highlight_plugin: Path) -> Site:
    src = root / "src"
    _copy_tree(corpus / "posts", src / "posts")
    _copy_tree(corpus / "images", src / "images")
    subst = {"@TITLE@": TITLE, "@BASE@": BASE_URL, "@BASE_NOSLASH@": BASE_URL.rstrip("/"),
             "@HIGHLIGHT@": json.dumps(str(highlight_plugin))}

    def fill(template: str) -> str:
        for key, value in subst.items():
            template = template.replace(key, value)
        return template

    _write(root / "eleventy.config.cjs", fill(ELEVENTY_CONFIG))
    _write(src / "_includes" / "base.njk", fill(ELEVENTY_BASE))
    _write(src / "_includes" / "post.njk", ELEVENTY_POST)
    # A function, since Markdown is not run through a template engine (so a "{{ }}" permalink is not either).
    _write(src / "posts" / "posts.11tydata.js",
           'module.exports = {\n  layout: "post.njk",\n  permalink: (data) => `/posts/${data.page.fileSlug}/`,\n};\n')
    _write(src / "index.njk", ELEVENTY_INDEX)
    _write(src / "tags.njk", ELEVENTY_TAGS)
    _write(src / "feed.njk", fill(ELEVENTY_FEED))
    return Site("eleventy", root, src / "posts", root / "_site", (root / ".cache",))


def lay_out(tool: str, corpus: Path, root: Path, *, eleventy_highlight: Path | None = None) -> Site:
    """A fresh site for ``tool`` at ``root`` (anything there before is removed)."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    if tool == "blogen":
        return layout_blogen(corpus, root)
    if tool == "floor":  # bench/floor.py reads a blogen site's posts and writes output/, with no cache
        site = layout_blogen(corpus, root)
        return Site("floor", root, site.posts_dir, site.output, ())
    if tool == "hugo":
        return layout_hugo(corpus, root)
    if tool == "hugo-light":
        return layout_hugo(corpus, root, light=True)
    if tool == "pelican":
        return layout_pelican(corpus, root)
    if tool == "eleventy":
        assert eleventy_highlight is not None
        return layout_eleventy(corpus, root, eleventy_highlight)
    raise ValueError(tool)
