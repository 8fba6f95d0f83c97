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
from blogen.core.urls import check_permalink, slugify


@dataclass(frozen=True, slots=True)
class MarkdownOptions:
    """Everything that changes how Markdown becomes HTML; part of the Markdown cache key."""

    raw_html: bool = True
    smart_punctuation: bool = False
    # Both meet WCAG AA (4.5:1) for every token colour on the theme's code backgrounds.
    highlight_light: str = "xcode"
    highlight_dark: str = "github-dark"
    line_numbers: bool = False


@dataclass(frozen=True, slots=True)
class FeedOptions:
    """The Atom feeds: on by default, full content, the newest 20 entries (0 means all)."""

    enabled: bool = True
    entries: int = 20
    full_content: bool = True
    tags: bool = True  # one feed per tag as well as the site feed


@dataclass(frozen=True, slots=True)
class ImageOptions:
    """Resized copies of the large raster images pages show: on by default, WebP plus the source's own format."""

    resize: bool = True
    widths: tuple[int, ...] = (400, 800, 1200, 1600)  # for a ~46rem column at 1x and 2x
    quality: int = 80  # JPEG and WebP


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

    @property
    def base_path(self) -> str:
        """The path part of base_url (``/`` or ``/blog/``); every site URL starts with it."""
        if not self.base_url:
            return "/"
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def output_dir(self) -> Path:
        return (self.root / self.output).resolve()


_DEFAULT_MD = MarkdownOptions()

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
}
_BOOL: tuple[_Check, str] = (lambda v: isinstance(v, bool), "true or false")
_STR: tuple[_Check, str] = (lambda v: isinstance(v, str) and v != "", "a non-empty string")
_MARKDOWN_KEYS = {"raw_html": _BOOL, "smart_punctuation": _BOOL}
_HIGHLIGHT_KEYS = {"light": _STR, "dark": _STR, "line_numbers": _BOOL}
_FEED_KEYS: dict[str, tuple[_Check, str]] = {
    "enabled": _BOOL, "full_content": _BOOL, "tags": _BOOL,
    "entries": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a whole number (0 for all entries)"),
}

_IMAGE_KEYS: dict[str, tuple[_Check, str]] = {
    "resize": _BOOL,
    "widths": (lambda v: isinstance(v, list) and 0 < len(v) <= 12 and all(
        isinstance(w, int) and not isinstance(w, bool) and 16 <= w <= 8192 for w in v),
        "a list of 1 to 12 widths in pixels, each from 16 to 8192"),
    "quality": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 100, "a whole number from 1 to 100"),
}


def find_config_file(root: Path) -> Path | None:
    """``blogen.toml`` if present (it replaces the table), else ``pyproject.toml`` if it has ``[tool.blogen]``."""
    toml = root / "blogen.toml"
    if toml.is_file():
        return toml
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        return pyproject
    return None


def _key_line(text: str, key: str) -> int | None:
    """Best-effort line of ``key = ...`` (tomllib gives no positions for valid documents)."""
    pattern = re.compile(rf"^\s*(\[[^\]]*\.)?\"?{re.escape(key)}\"?\s*[=.\]]", re.MULTILINE)
    m = pattern.search(text)
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
        raise BlogenError.one(str(root), None, "no blogen.toml or pyproject.toml with a [tool.blogen] table: is this a blogen site? (use --root)")
    rel = path.name
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise BlogenError.one(rel, 1, f"not valid UTF-8 ({exc.reason})") from None
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
    if base_url is not None:
        table = {**table, "base_url": base_url}
    if output is not None:
        table = {**table, "output": output}
    return _validate(root, rel, text, table, where)


def _validate(root: Path, rel: str, text: str, table: dict[str, Any], where: str) -> Config:
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(rel, _key_line(text, key.split(".")[-1]), message))

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

    base_url = top.get("base_url", "")
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
            bad("base_url", f"base_url '{base_url}' must be an absolute http(s) URL like 'https://example.org/'")
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
    for table_key in ("tag_names", "tag_aliases"):
        for name in top.get(table_key, {}):
            if not slugify(name, keep_symbols=True):
                bad(table_key, f"{table_key} entry '{name}' has no letters or digits")
    if (why := check_output_dir(root, top.get("output", "output"))) is not None:
        bad("output", why)
    if problems:
        raise BlogenError(problems)

    markdown = MarkdownOptions(
        raw_html=md.get("raw_html", True),
        smart_punctuation=md.get("smart_punctuation", False),
        highlight_light=hl.get("light", _DEFAULT_MD.highlight_light),
        highlight_dark=hl.get("dark", _DEFAULT_MD.highlight_dark),
        line_numbers=hl.get("line_numbers", False),
    )
    return Config(
        root=root,
        source=rel,
        markdown=markdown,
        feed=feed,
        images=ImageOptions(**images),
        tag_names=MappingProxyType(dict(top.pop("tag_names", {}))),
        tag_aliases=MappingProxyType(dict(top.pop("tag_aliases", {}))),
        extra=MappingProxyType(dict(top.pop("extra", {}))),
        **top,
    )


@lru_cache(maxsize=1)
def _style_names() -> frozenset[str]:
    from pygments.styles import get_all_styles  # type: ignore[import-untyped]  # the registry only: no lexer or style is loaded

    return frozenset(str(name) for name in get_all_styles())


def check_style(name: str) -> bool:
    """True if Pygments has a style of this name.

    Checked against the list of installed styles rather than by trying to load it, because
    Pygments' loader turns an unknown name into an import of ``pygments.styles.<name>``.
    """
    return name in _style_names()
