"""Split a source file into front matter and body, and validate the front matter into typed values."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from types import MappingProxyType
from typing import Any

import yaml

from blogen.core.errors import Problem, closest
from blogen.core.limits import MAX_NESTING, MAX_TERMS_PER_POST, bracketiest_line, too_deep
from blogen.core.urls import check_slug, url_problem

KNOWN_KEYS = ("title", "date", "updated", "tags", "categories", "series", "summary", "draft", "slug", "aliases", "template",
              "toc", "image", "extra")
# Keys whose values are terms of a taxonomy: a list, or a comma-separated string. A site may declare more.
TERM_KEYS = ("tags", "categories", "series")
# Bounds a YAML alias bomb ("billion laughs") long before it can cost memory or time.
MAX_YAML_NODES = 10_000
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The known front-matter keys, typed; anything else the author wrote is in ``extra``."""

    title: str | None = None
    date: datetime | None = None
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    terms: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))  # other taxonomies' terms
    summary: str | None = None
    draft: bool = False
    slug: str | None = None
    aliases: tuple[str, ...] = ()
    template: str | None = None
    toc: bool = False
    image: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    lines: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # key -> file line, for later messages

    def terms_of(self, key: str) -> tuple[str, ...]:
        """The terms written under a taxonomy's key (``tags``, ``categories``, ...), in the order written."""
        return self.tags if key == "tags" else self.terms.get(key, ())


@dataclass(frozen=True, slots=True)
class Split:
    """A source file cut in two: raw front-matter values with their lines, and the body."""

    values: dict[str, Any]
    lines: dict[str, int]
    body: str
    body_line: int


class _Fail(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def split_source(text: str, path: str) -> tuple[Split | None, list[Problem]]:
    """Cut off and parse the front matter (``---`` YAML or ``+++`` TOML) of ``text``."""
    lines = text.split("\n")
    fence = lines[0].rstrip() if lines else ""
    if fence not in ("---", "+++"):
        return Split({}, {}, text, 1), []
    closers = ("---", "...") if fence == "---" else ("+++",)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in closers), None)
    if end is None:
        return None, [Problem(path, 1, f"front matter opened with '{fence}' is never closed (add a '{closers[0]}' line after it)")]
    raw = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:])
    try:
        if fence == "---":
            values, key_lines = _parse_yaml(raw)
        else:
            values, key_lines = _parse_toml(raw)
    except _Fail as fail:
        line = None if fail.line is None else fail.line + 1  # +1: the opening fence
        return None, [Problem(path, line, fail.message)]
    return Split(values, {k: v + 1 for k, v in key_lines.items()}, body, end + 2), []


def _parse_toml(raw: str) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise _Fail(int(m.group(1)) if m else 1, f"TOML syntax error in front matter: {msg}") from None
    except RecursionError:  # Python's TOML parser recurses into every array and inline table
        raise _Fail(bracketiest_line(raw), f"front matter is nested more than {MAX_NESTING} levels deep") from None
    if too_deep(data):
        raise _Fail(bracketiest_line(raw), f"front matter is nested more than {MAX_NESTING} levels deep")
    key_lines: dict[str, int] = {}
    for i, line in enumerate(raw.split("\n"), start=1):
        m = re.match(r"\s*([A-Za-z0-9_-]+)\s*=", line)
        if m and m.group(1) not in key_lines:
            key_lines[m.group(1)] = i
    return data, key_lines


def _check_nodes(root: yaml.Node) -> None:
    """Walk the node graph as construction would expand it, before anything is constructed: every
    alias is walked each time it occurs, so the node count bounds an alias bomb; a node found inside
    itself (``extra: &a [*a]``) and nesting deeper than MAX_NESTING are refused (construction recurses).
    """
    budget = MAX_YAML_NODES
    path: list[yaml.Node] = [root]  # the node being walked and its ancestors
    on_path = {id(root)}
    pending: list[list[yaml.Node]] = [_children(root)]  # children still to walk, per level of ``path``
    while pending:
        if not pending[-1]:
            pending.pop()
            on_path.discard(id(path.pop()))
            continue
        node = pending[-1].pop()
        budget -= 1
        line = node.start_mark.line + 1
        if budget < 0:
            raise _Fail(line, f"front matter is too large or too deeply aliased (over {MAX_YAML_NODES} YAML nodes)")
        if id(node) in on_path:
            raise _Fail(line, "front matter has a recursive alias: an anchored value (&name) that contains itself (*name)")
        children = _children(node)
        if children:
            if len(path) >= MAX_NESTING:
                raise _Fail(line, f"front matter is nested more than {MAX_NESTING} levels deep")
            path.append(node)
            on_path.add(id(node))
            pending.append(children)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _parse_yaml(raw: str) -> tuple[dict[str, Any], dict[str, int]]:
    loader = _LOADER(raw)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            col = f" (column {mark.column + 1})" if mark else ""
            raise _Fail(line, f"YAML syntax error in front matter: {exc.problem or exc.context}{col}") from None
        except yaml.YAMLError as exc:
            raise _Fail(1, f"YAML error in front matter: {exc}") from None
        except RecursionError:  # PyYAML's pure-Python composer recurses (libyaml stops at 1,000 levels itself)
            raise _Fail(None, f"front matter is nested more than {MAX_NESTING} levels deep") from None
        if node is None:
            return {}, {}
        if not isinstance(node, yaml.MappingNode):
            raise _Fail(node.start_mark.line + 1, "front matter must be a mapping of keys to values (like 'title: My post')")
        _check_nodes(node)
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Fail(line, "front-matter keys must be plain words")
            key = key_node.value
            if key in values:
                raise _Fail(line, f"front-matter key '{key}' is given twice")
            lines[key] = line
            values[key] = _construct(loader, key, value_node)
        return values, lines
    finally:
        loader.dispose()


_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*\.(html|xml)$")
_TEXT_KEYS = {"title", "summary", "slug", "template", "image"}


def _construct(loader: yaml.SafeLoader, key: str, node: yaml.Node) -> Any:
    # A title such as `yes`, `1.10` or `2023` means the text the author typed, not a bool or number.
    if (key in _TEXT_KEYS or key in TERM_KEYS) and isinstance(node, yaml.ScalarNode) and node.tag.startswith("tag:yaml.org,2002:") \
            and not node.tag.endswith(":null"):
        return node.value
    if (key in TERM_KEYS or key == "aliases") and isinstance(node, yaml.SequenceNode) \
            and all(isinstance(n, yaml.ScalarNode) and n.tag.startswith("tag:yaml.org,2002:") for n in node.value):
        return [n.value for n in node.value]
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or node.start_mark
        problem = exc.problem or "cannot be read"
        if "could not determine a constructor" in problem:
            problem = f"unsupported YAML tag '{_tag_of(problem)}' (only plain values, lists and maps are allowed)"
        raise _Fail(mark.line + 1, f"front-matter key '{key}': {problem}") from None
    except (ValueError, OverflowError) as exc:
        raise _Fail(node.start_mark.line + 1, f"front-matter key '{key}': invalid value {node_text(node)} ({exc})") from None


def _tag_of(problem: str) -> str:
    m = re.search(r"tag '?([^'\s]+)", problem)
    return m.group(1).replace("tag:yaml.org,2002:", "!!") if m else "?"


def node_text(node: yaml.Node) -> str:
    return repr(node.value) if isinstance(node, yaml.ScalarNode) else "value"


def parse_when(value: Any, tz: tzinfo) -> datetime:
    """A front-matter date as an aware datetime; naive values are in the site timezone."""
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        when = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        try:
            when = datetime.fromisoformat(text.replace(" ", "T", 1) if re.match(r"\d{4}-\d\d-\d\d \d", text) else text)
        except ValueError:
            raise ValueError(f"'{value}' is not a valid date; use 2021-03-14 or 2021-03-14T09:30:00") from None
    else:
        raise ValueError(f"expected a date like 2021-03-14 or 2021-03-14T09:30:00, not {value!r}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when


def validate(split: Split, path: str, tz: tzinfo, taxonomies: Collection[str] = ()) -> tuple[FrontMatter, list[Problem]]:
    """Type-check the known keys; typos of known keys are reported, other keys go to ``extra``.

    ``taxonomies`` names the taxonomies the site declares besides the built-in ones (``authors``):
    their values are terms too, read like ``tags``.
    """
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    terms: dict[str, tuple[str, ...]] = {}
    known = (*KNOWN_KEYS, *(t for t in taxonomies if t not in KNOWN_KEYS))

    def err(key: str, message: str) -> None:
        problems.append(Problem(path, split.lines.get(key), message))

    for key, value in split.values.items():
        if not isinstance(key, str):
            err(str(key), f"front-matter key {key!r} must be text")
            continue
        if key not in known:
            guess = closest(key, known)
            if guess is not None and guess not in split.values:
                problems.append(Problem(path, split.lines.get(key), f"unknown front-matter key '{key}' (did you mean '{guess}'?); kept in extra", "warning"))
            extra[key] = value
            continue
        if value is None:
            continue
        try:
            if key in TERM_KEYS[1:] or key not in KNOWN_KEYS:  # another taxonomy's terms (tags have a field)
                terms[key] = _terms(value, key)
            else:
                out[key] = _check_key(key, value, tz)
        except ValueError as exc:
            err(key, f"front-matter key '{key}': {exc}")
    if isinstance(out.get("extra"), Mapping):
        extra = {**extra, **out.pop("extra")}
    fm = FrontMatter(
        terms=MappingProxyType(terms),
        extra=MappingProxyType(extra),
        lines=MappingProxyType(dict(split.lines)),
        **out,
    )
    return fm, problems


# Control characters have no business in a title or tag and are invalid in XML feeds.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


def _text(value: Any, what: str = "text") -> str:
    if isinstance(value, (bool, int, float)):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected {what}, not {type(value).__name__}")
    return _CONTROL.sub("", value)


_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _image_problem(image: str) -> str | None:
    """Why a front-matter ``image`` cannot be a social card's image, or None (a local one is checked
    against the site's files later, like an image in the text)."""
    if image.startswith("//"):
        image = "https:" + image
    elif not _URL_SCHEME.match(image):
        return "it has a line break or control character" if not image.isprintable() else None
    if not image.lower().startswith(("http:", "https:")):
        return "give a file of the site (cover.png, /images/cover.png) or an http(s) URL"
    return url_problem(image)


def _check_key(key: str, value: Any, tz: tzinfo) -> Any:  # noqa: C901, PLR0912 (one flat list of checks; see pyproject.toml)
    if key in {"title", "summary", "image", "template"}:
        text = _text(value).strip()
        if key == "title" and "\n" in text:
            text = " ".join(text.split())
        if key == "template" and (not _TEMPLATE_NAME.match(text) or ".." in text.split("/")):
            raise ValueError(f"template '{text}' must be a template file name like 'post.html'")
        if key == "image" and text and (why := _image_problem(text)):
            raise ValueError(f"'{text[:80]}' is not an image address: {why}")
        return text or None
    if key in {"date", "updated"}:
        return parse_when(value, tz)
    if key in {"draft", "toc"}:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, not {value!r}")
        return value
    if key == "slug":
        slug = _text(value).strip()
        why = check_slug(slug)
        if why:
            raise ValueError(why)
        return slug
    if key == "tags":
        return _terms(value, key)
    if key == "aliases":
        if isinstance(value, str):
            items = [value.strip()]
        elif isinstance(value, list):
            items = [_text(v, "a list of text").strip() for v in value]
        else:
            raise ValueError(f"expected a list, not {type(value).__name__}")
        items = [i for i in items if i]
        for alias in items:
            if not alias.startswith("/") or ".." in alias.split("/") or "\\" in alias or "\0" in alias:
                raise ValueError(f"alias '{alias}' must be a site path starting with '/', like '/2019/old-post/'")
            if "?" in alias or "#" in alias or not alias.isprintable():
                raise ValueError(f"alias {alias!r} must be a path alone: a query (?), fragment (#) or control "
                                 "character is never part of the path a server looks up")
        return tuple(dict.fromkeys(items))
    if key == "extra":
        if not isinstance(value, dict):
            raise ValueError(f"expected a mapping, not {type(value).__name__}")
        return value
    raise AssertionError(key)  # pragma: no cover - KNOWN_KEYS and this function are kept in step


def _terms(value: Any, key: str) -> tuple[str, ...]:
    """A taxonomy's terms: a list, or a comma-separated string (``tags: linux, ssh``); each once, in order."""
    if isinstance(value, str):
        items = [v.strip() for v in _CONTROL.sub("", value).split(",")]
    elif isinstance(value, list):
        items = [_text(v, "a list of text").strip() for v in value]
    else:
        raise ValueError(f"expected a list or a comma-separated string, not {type(value).__name__}")
    terms = tuple(dict.fromkeys(i for i in items if i))
    if len(terms) > MAX_TERMS_PER_POST:
        raise ValueError(f"{len(terms):,} {key}; a post may have at most {MAX_TERMS_PER_POST} (every {key} page and feed "
                         f"lists the post with all its {key}, so the site grows with the square of this number)")
    return terms
