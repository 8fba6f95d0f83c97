"""Load and validate the site configuration (``[tool.blogen]`` or ``blogen.toml``) into a frozen Config."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from blogen.core.errors import BlogenError, Problem, did_you_mean
from blogen.core.files import Refused, read_regular
from blogen.core.integrations import (
    AnalyticsOptions,
    CommentsOptions,
    DeployOptions,
    SearchOptions,
    parse_analytics,
    parse_comments,
    parse_deploy,
    parse_search,
)
from blogen.core.limits import MAX_NESTING, bracketiest_line, too_deep
from blogen.core.sitefolder import find_config_file
from blogen.core.taxonomies import TaxonomyOptions, read_taxonomies
from blogen.core.urls import base_url_problem, check_permalink


@dataclass(frozen=True, slots=True)
class MarkdownOptions:
    """Everything that changes how Markdown becomes HTML; part of the Markdown cache key."""

    raw_html: bool = True
    smart_punctuation: bool = False
    # Both meet WCAG AA (4.5:1) for every token colour on the theme's code backgrounds.
    highlight_light: str = "xcode"
    highlight_dark: str = "github-dark"
    line_numbers: bool = False
    heading_ids: str = "blogen"  # or "github" (GitHub, Hugo) or "kramdown" (Jekyll): how heading ids are made
    # TeX math as MathML: "on" ($…$, $$…$$, ```math), "off", or "auto": $$…$$ and ```math everywhere, and
    # $…$ only in a document that holds one of those or says `math: true` (so prices are never math)
    math: str = "auto"
    diagrams: bool = True  # ```dot, ```graphviz and ```mermaid fences drawn as SVG (when the tool is installed)


@dataclass(frozen=True, slots=True)
class FeedOptions:
    """The Atom feeds: on by default, full content, the newest 20 entries (0 means all)."""

    enabled: bool = True
    entries: int = 20
    full_content: bool = True
    tags: bool = True  # one feed per tag as well as the site feed
    json: bool = True  # a JSON Feed 1.1 beside each Atom feed


@dataclass(frozen=True, slots=True)
class ImageOptions:
    """Resized copies of the large raster images pages show: on by default, WebP plus the source's own format."""

    resize: bool = True
    widths: tuple[int, ...] = (400, 800, 1200, 1600)  # for a ~46rem column at 1x and 2x
    quality: int = 80  # JPEG and WebP
    # Where copies are made, relative to the site (absolute: a temporary folder, when the site's cache
    # cannot be written); set by the build, not by the config file.
    cache: str = ".blogen-cache/images"


@dataclass(frozen=True, slots=True)
class Config:
    """The validated site configuration. ``root`` is the site folder everything is relative to."""

    root: Path
    source: str  # the file the config came from, relative to root (for messages)
    title: str = "Notes"
    author: str = ""
    description: str = ""
    base_url: str = ""  # absolute, ends with "/", or "" when unknown (local preview)
    language: str = "en"
    timezone: str = "UTC"
    permalink: str = "/posts/{slug}/"
    posts_per_page: int = 10
    output: str = "output"
    max_source_mb: float = 16.0  # a Markdown source larger than this is refused (a runaway generated file)
    broken_links: str = "error"  # or "warning": while migrating a blog whose old links point at files not yet here
    markdown: MarkdownOptions = field(default_factory=MarkdownOptions)
    feed: FeedOptions = field(default_factory=FeedOptions)
    images: ImageOptions = field(default_factory=ImageOptions)
    tag_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    tag_aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    search: SearchOptions = field(default_factory=SearchOptions)
    comments: CommentsOptions = field(default_factory=CommentsOptions)
    analytics: AnalyticsOptions = field(default_factory=AnalyticsOptions)
    deploy: DeployOptions = field(default_factory=DeployOptions)
    # tags, categories, series and any the site declares ([taxonomies]); tag_names/tag_aliases are folded into tags
    taxonomies: tuple[TaxonomyOptions, ...] = field(default_factory=lambda: _DEFAULT_TAXONOMIES)
    backlinks: bool = True  # each post and page lists the posts that link to it

    @property
    def base_path(self) -> str:
        """The path part of base_url (``/`` or ``/blog/``); every site URL starts with it."""
        if not self.base_url:
            return "/"
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def file_urls(self) -> bool:
        """Whether the site is read from disk (a ``file:`` base_url): links then name ``index.html`` files."""
        return self.base_url.startswith("file:")

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def output_dir(self) -> Path:
        return (self.root / self.output).resolve()


_DEFAULT_MD = MarkdownOptions()
_DEFAULT_TAXONOMIES: tuple[TaxonomyOptions, ...] = read_taxonomies({}, "", lambda key, message: None, tag_names={}, tag_aliases={}, tag_feeds=True)

# key -> (type check, description used in messages)
_Check = Callable[[Any], bool]
_TOP_KEYS: dict[str, tuple[_Check, str]] = {
    "title": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string"),
    "author": (lambda v: isinstance(v, str), "a string"),
    "description": (lambda v: isinstance(v, str), "a string"),
    "base_url": (lambda v: isinstance(v, str), "a string"),
    "language": (lambda v: isinstance(v, str) and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", v) is not None,
                 "a language tag like 'en' or 'en-GB'"),
    "timezone": (lambda v: isinstance(v, str), "a string"),
    "permalink": (lambda v: isinstance(v, str), "a string"),
    "posts_per_page": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 1000, "an integer from 1 to 1000"),
    "output": (lambda v: isinstance(v, str) and v.strip() != "" and "\0" not in v, "a folder name"),
    "broken_links": (lambda v: v in ("error", "warning"), '"error" or "warning"'),
    "max_source_mb": (lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= 1024, "a number of megabytes from 0 to 1024"),
    "markdown": (lambda v: isinstance(v, dict), "a table"),
    "highlight": (lambda v: isinstance(v, dict), "a table"),
    "feed": (lambda v: isinstance(v, dict), "a table"),
    "images": (lambda v: isinstance(v, dict), "a table"),
    "tag_names": (lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()), "a table of strings"),
    "tag_aliases": (lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()), "a table of strings"),
    "extra": (lambda v: isinstance(v, dict), "a table"),
    "search": (lambda v: isinstance(v, dict), "a table"),
    "comments": (lambda v: isinstance(v, dict), "a table"),
    "analytics": (lambda v: isinstance(v, dict), "a table"),
    "deploy": (lambda v: isinstance(v, dict), "a table"),
    "taxonomies": (lambda v: True, "a table"),  # checked key by key in blogen.core.taxonomies
    "backlinks": (lambda v: isinstance(v, bool), "true or false"),
}
_BOOL: tuple[_Check, str] = (lambda v: isinstance(v, bool), "true or false")
_STR: tuple[_Check, str] = (lambda v: isinstance(v, str) and v != "", "a non-empty string")
_MARKDOWN_KEYS: dict[str, tuple[_Check, str]] = {
    "raw_html": _BOOL, "smart_punctuation": _BOOL,
    "heading_ids": (lambda v: v in ("blogen", "github", "kramdown"), '"blogen", "github" or "kramdown"'),
    "math": (lambda v: v is True or v is False or v == "auto", 'true, false or "auto"'),
    "diagrams": _BOOL,
}
_MATH_MODES = {True: "on", False: "off", "auto": "auto"}
_HIGHLIGHT_KEYS = {"light": _STR, "dark": _STR, "line_numbers": _BOOL}
_FEED_KEYS: dict[str, tuple[_Check, str]] = {
    "enabled": _BOOL, "full_content": _BOOL, "tags": _BOOL, "json": _BOOL,
    "entries": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a whole number (0 for all entries)"),
}

_IMAGE_KEYS: dict[str, tuple[_Check, str]] = {
    "resize": _BOOL,
    "widths": (lambda v: isinstance(v, list) and 0 < len(v) <= 12 and all(
        isinstance(w, int) and not isinstance(w, bool) and 16 <= w <= 8192 for w in v),
        "a list of 1 to 12 widths in pixels, each from 16 to 8192"),
    "quality": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 100, "a whole number from 1 to 100"),
}


# Names reserved for examples and tests (RFC 2606, RFC 6761): a site is never published there.
_PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net", "example", "test", "invalid", "localhost")


def placeholder_host(base_url: str) -> str | None:
    """The host of ``base_url`` when it is a placeholder (example.org, localhost, a loopback address), else None."""
    host = (urlsplit(base_url).hostname or "").rstrip(".").lower()
    if not host:
        return None
    if any(host == d or host.endswith("." + d) for d in _PLACEHOLDER_DOMAINS):
        return host
    if host in {"127.0.0.1", "::1", "0.0.0.0"} or host.startswith("127."):
        return host
    return None


def placeholder_base_url(config: Config) -> Problem | None:
    """A warning when the configured base_url is a placeholder: feeds and canonical links would point there."""
    host = placeholder_host(config.base_url)
    if host is None:
        return None
    try:
        line = _key_line((config.root / config.source).read_text(encoding="utf-8"), "base_url")
    except (OSError, UnicodeDecodeError):
        line = None
    return Problem(config.source, line, f"base_url '{config.base_url}' is a placeholder ({host} is not a public address): "
                   "set it to the address the site will be published at, since feeds, canonical links and the "
                   "sitemap use it (or pass --base-url for one build)", "warning")


def _key_line(text: str, key: str) -> int | None:
    """Best-effort line of ``key = ...`` (tomllib gives no positions for valid documents); a dotted
    ``table.key`` is looked for after the ``[table]`` header first."""
    table, _, name = key.rpartition(".")
    start = 0
    if table:
        header = re.compile(rf"^\s*\[\s*(tool\.blogen\.)?{re.escape(table)}\s*\]", re.MULTILINE).search(text)
        start = header.end() if header is not None else 0
    pattern = re.compile(rf"^\s*(\[[^\]]*\.)?[\"']?{re.escape(name)}[\"']?\s*[=.\]]", re.MULTILINE)
    m = pattern.search(text, start) or pattern.search(text)
    if m is None:
        return None
    return text.count("\n", 0, m.start()) + 1


def check_output_dir(root: Path, output: str) -> str | None:
    """Why ``output`` must not be the output folder, or ``None``.

    blogen replaces everything in its output folder, so a slip like ``--output ~`` must be refused
    before anything is touched.
    """
    out = (root / output).resolve()
    content = (root / "content").resolve()
    forbidden = {Path("/"): "/", Path.home().resolve(): "your home folder", root: "the site root", content: "content/"}
    if out in forbidden:
        return f"output folder '{output}' is {forbidden[out]}; blogen replaces that folder's contents, so pick a dedicated one like 'output'"
    if content in out.parents or out in root.parents:
        return f"output folder '{output}' may not be inside content/ or contain the site"
    if (root / "theme").resolve() in out.parents or out == (root / "theme").resolve():
        return f"output folder '{output}' may not be inside theme/"
    return None


def load_config(root: Path, *, base_url: str | None = None, output: str | None = None) -> Config:
    """Read and validate the config of the site at ``root``; raise BlogenError listing every problem."""
    root = root.resolve()
    path = find_config_file(root)
    if path is None:
        raise BlogenError.one(str(root), None, "no blogen.toml, or pyproject.toml with a [tool.blogen] table, in this folder: is this a blogen site? (make one with blogen init DIR, or give --root the folder that has one)")
    rel = path.name
    try:
        text = read_regular(path, inside=root).decode("utf-8")
        data = tomllib.loads(text)
    except Refused as exc:
        raise BlogenError.one(rel, None, exc.strerror or "cannot be read") from None
    except OSError as exc:
        raise BlogenError.one(rel, None, f"cannot read file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise BlogenError.one(rel, 1, f"not valid UTF-8 ({exc.reason})") from None
    except RecursionError:  # Python's TOML parser recurses into every array and inline table
        raise BlogenError.one(rel, bracketiest_line(text), f"nested more than {MAX_NESTING} levels deep") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(m.group(1)) if m else None
        col = f" (column {m.group(2)})" if m else ""
        raise BlogenError.one(rel, line, f"TOML syntax error: {msg}{col}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("blogen")
        if not isinstance(table, dict):
            raise BlogenError.one(rel, None, "no [tool.blogen] table: is this a blogen site? (add one, or a blogen.toml)")
        where = "tool.blogen."
    else:
        table = data
        where = ""
    if too_deep(table):
        raise BlogenError.one(rel, bracketiest_line(text), f"nested more than {MAX_NESTING} levels deep")
    if base_url is not None:
        table = {**table, "base_url": base_url}
    if output is not None:
        table = {**table, "output": output}
    return _validate(root, rel, text, table, where)


def _validate(root: Path, rel: str, text: str, table: dict[str, Any], where: str) -> Config:  # noqa: C901 (one flat list of checks; see pyproject.toml)
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(rel, _key_line(text, key), message))

    def check_table(prefix: str, data: dict[str, Any], known: Mapping[str, tuple[_Check, str]]) -> dict[str, Any]:
        good: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                bad(prefix + key, f"unknown config key '{where}{prefix}{key}'{did_you_mean(key, known)}")
                continue
            check, expected = known[key]
            if not check(value):
                bad(prefix + key, f"config key '{where}{prefix}{key}' must be {expected}, not {value!r}")
                continue
            good[key] = value
        return good

    top = check_table("", table, _TOP_KEYS)
    md = check_table("markdown.", top.pop("markdown", {}), _MARKDOWN_KEYS)
    hl = check_table("highlight.", top.pop("highlight", {}), _HIGHLIGHT_KEYS)
    feed = FeedOptions(**check_table("feed.", top.pop("feed", {}), _FEED_KEYS))
    images = check_table("images.", top.pop("images", {}), _IMAGE_KEYS)
    if "widths" in images:
        images["widths"] = tuple(sorted(set(images["widths"])))
    search = parse_search(top.pop("search", {}), check_table)
    comments = parse_comments(top.pop("comments", {}), check_table, bad)
    analytics = parse_analytics(top.pop("analytics", {}), check_table, bad, top.get("base_url", ""))
    deploy = parse_deploy(top.pop("deploy", {}), check_table)

    base_url = top.get("base_url", "")
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme == "file" and not parts.netloc and parts.path.startswith("/") and not parts.query and not parts.fragment:
            if not base_url.endswith("/"):  # a folder on this machine: the site is read from disk (--file-urls)
                top["base_url"] = base_url + "/"
        elif (why := base_url_problem(base_url)) is not None:
            bad("base_url", f"base_url '{base_url}' must be an absolute http(s) URL like 'https://example.org/': {why}")
        elif not base_url.endswith("/"):
            top["base_url"] = base_url + "/"
    elif feed.enabled:
        problems.append(Problem(rel, _key_line(text, "base_url") or 1,
                                "base_url is required for the Atom feeds, whose links must be absolute: set base_url = "
                                "\"https://your.site/\" (or turn feeds off with [feed] enabled = false)"))
    if "timezone" in top:
        try:
            ZoneInfo(top["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            bad("timezone", f"unknown timezone '{top['timezone']}' (use an IANA name like 'Europe/Berlin' or 'UTC')")
            del top["timezone"]
    if "permalink" in top and (why := check_permalink(top["permalink"])):
        bad("permalink", why)
        del top["permalink"]
    for key in ("light", "dark"):
        if key in hl and not check_style(hl[key]):
            bad(f"highlight.{key}", f"unknown Pygments style '{hl[key]}' for highlight.{key}")
            del hl[key]
    if (why := check_output_dir(root, top.get("output", "output"))) is not None:
        bad("output", why)
    taxonomies = read_taxonomies(top.pop("taxonomies", {}), where, bad, tag_names=top.get("tag_names", {}),
                                 tag_aliases=top.get("tag_aliases", {}), tag_feeds=feed.tags)
    if problems:
        raise BlogenError(problems)

    markdown = MarkdownOptions(
        raw_html=md.get("raw_html", True),
        smart_punctuation=md.get("smart_punctuation", False),
        highlight_light=hl.get("light", _DEFAULT_MD.highlight_light),
        highlight_dark=hl.get("dark", _DEFAULT_MD.highlight_dark),
        line_numbers=hl.get("line_numbers", False),
        heading_ids=md.get("heading_ids", "blogen"),
        math=_MATH_MODES[md.get("math", "auto")],
        diagrams=md.get("diagrams", True),
    )
    return Config(
        root=root,
        source=rel,
        markdown=markdown,
        feed=feed,
        images=ImageOptions(**images),
        search=search,
        comments=comments,
        analytics=analytics,
        deploy=deploy,
        tag_names=MappingProxyType(dict(top.pop("tag_names", {}))),
        tag_aliases=MappingProxyType(dict(top.pop("tag_aliases", {}))),
        extra=MappingProxyType(dict(top.pop("extra", {}))),
        taxonomies=taxonomies,
        **top,
    )


@lru_cache(maxsize=1)
def _style_names() -> frozenset[str]:
    from pygments.styles import get_all_styles  # type: ignore[import-untyped]  # the registry only: no lexer or style is loaded

    return frozenset(str(name) for name in get_all_styles())


def check_style(name: str) -> bool:
    """True if Pygments has a style of this name.

    Checked against the list of installed styles rather than by trying to load it, because
    Pygments' loader turns an unknown name into an import of ``pygments.styles.<name>``. Pygments'
    own styles are looked up first: listing the styles other packages add reads every installed
    package's metadata (~25 ms that every build would pay).
    """
    from pygments.styles import STYLE_MAP

    return name in STYLE_MAP or name in _style_names()
