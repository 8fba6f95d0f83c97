"""Import posts from another blog generator: the steps every source format shares.

A format module (``import_jekyll``, ``import_hugo``) finds the source files and turns each one
into a ``Converted`` post (front matter as blogen reads it, a body, and ``Finding``s for what it
left in place). This module chooses where each post goes, refuses to overwrite anything, and
writes. Nothing is written until every post has been converted and placed, so ``--dry-run`` and
a real run make the same decisions.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, Literal

import yaml

from blogen.authoring.listing import leading_title
from blogen.authoring.newpost import post_slugs
from blogen.authoring.scaffold import format_front_matter, readable_name
from blogen.content.frontmatter import KNOWN_KEYS, Split, parse_when, split_source, validate
from blogen.content.inputs import is_editor_noise
from blogen.content.sources import name_and_date
from blogen.core.config import Config
from blogen.core.errors import BlogenError, Problem
from blogen.core.urls import expand_permalink, join_url, slugify

IMPORT_SUFFIXES = (".md", ".markdown", ".mkd", ".mkdn", ".mdown")
_SNIPPET = 70
_CONTAINER = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*")
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Finding:
    """Something the import could not convert and left in place (or had to decide), at a source line."""

    path: str  # the source file, as the user named it
    line: int | None
    kind: str
    snippet: str

    def format(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: warning: {self.kind}: {self.snippet}"


@dataclass(frozen=True, slots=True)
class Source:
    """One post to import. ``folders`` are those between the posts folder and the file (or bundle)."""

    path: Path
    shown: str
    stem: str  # file name without extension, or the bundle folder's name
    folders: tuple[str, ...]
    bundle: Path | None = None  # a Hugo leaf bundle: the folder whose files go with the post
    draft: bool = False  # found in Jekyll's _drafts/
    mtime: float = 0.0


@dataclass(frozen=True, slots=True)
class ImportOptions:
    tz: tzinfo
    categories: Literal["tags", "keep"] = "tags"
    old_permalink: str | None = None  # the old site's permalink pattern, in its own syntax; its URLs become aliases


@dataclass(frozen=True, slots=True)
class Converted:
    source: Source
    name: str  # the preferred file name (a slug)
    front: Mapping[str, Any]
    body: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class Planned:
    source: Source
    target: str  # relative to the site root
    text: str
    assets: tuple[tuple[Path, str], ...] = ()  # bundle files: (source, target relative to root)


@dataclass(frozen=True, slots=True)
class Plan:
    items: tuple[Planned, ...]
    findings: tuple[Finding, ...]
    conflicts: tuple[Problem, ...]
    errors: tuple[Problem, ...] = field(default=())


# --- reading --------------------------------------------------------------------------------------


def walk_files(top: Path) -> list[Path]:
    """Every file under ``top`` except dotfiles and editor leftovers, sorted (so runs are repeatable)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not is_editor_noise(d))
        found.extend(Path(folder) / f for f in sorted(files) if not is_editor_noise(f))
    return sorted(found)


def read_source(source: Source) -> str:
    """The text of a source file with the BOM dropped and newlines made ``\\n``."""
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        raise BlogenError.one(source.shown, None, f"cannot read file: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BlogenError.one(source.shown, line, "not valid UTF-8; convert the file to UTF-8 and import it again") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_front(text: str, shown: str, findings: list[Finding]) -> Split:
    """Front matter and body of a source file; YAML and TOML as blogen reads them.

    A YAML key given twice is an error in blogen but not in Jekyll or Hugo (the last one wins
    there), so such a file is read their way, with a warning, rather than left behind.
    """
    split, problems = split_source(text, shown)
    if split is not None:
        return split
    if text.startswith("---\n") and any("is given twice" in p.message for p in problems):
        lines = text.split("\n")
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if end is not None:
            try:
                values = yaml.load("\n".join(lines[1:end]), Loader=_LOADER)  # a safe loader
            except yaml.YAMLError:
                values = None
            if isinstance(values, dict):
                for p in problems:
                    findings.append(Finding(shown, p.line, "front-matter", f"{p.message}; the last one is used, as Jekyll and Hugo do"))
                key_lines: dict[str, int] = {}
                for n in range(1, end):
                    m = re.match(r"([\w-]+)\s*:", lines[n])
                    if m:
                        key_lines[m.group(1)] = n + 1
                return Split({str(k): v for k, v in values.items()}, key_lines, "\n".join(lines[end + 1:]), end + 2)
    raise BlogenError(problems)


@dataclass(slots=True)
class Opened:
    """A post's front matter read and its body converted: where every importer's ``convert`` starts.

    The importer fills ``front`` (blogen's keys) from ``values`` and adds to ``findings`` and
    ``extra`` (the keys blogen does not know, kept under ``extra:``); ``close_post`` finishes it.
    """

    values: dict[str, Any]
    lines: dict[str, int]
    body: str
    findings: list[Finding]
    name: str
    name_date: date | None
    front: dict[str, Any]
    extra: dict[str, Any]


def open_post(source: Source, text: str, convert_body: Callable[[str, int, str], tuple[str, list[Finding]]],
              mapped: Collection[str], *, fold_case: bool = False) -> Opened:
    """Read the front matter (raises BlogenError if it cannot be read), convert the body, and start
    the front matter: the title, and every key outside ``mapped`` kept as extra.

    ``fold_case``: keys are case-insensitive (Hugo's are), so ``Title`` maps like ``title``.
    """
    front_findings: list[Finding] = []
    split = split_front(text, source.shown, front_findings)
    body, findings = convert_body(split.body, split.body_line, source.shown)
    values, lines = dict(split.values), dict(split.lines)
    if fold_case:
        values = {k.lower() if k.lower() in mapped else k: v for k, v in values.items()}
        lines = {k.lower(): v for k, v in lines.items()}
    name, name_date = name_and_date(source.stem)
    extra: dict[str, Any] = {k: v for k, v in values.items() if k not in mapped}
    if isinstance(values.get("extra"), dict):
        extra.update(values["extra"])
    front: dict[str, Any] = {}
    if values.get("title") is not None:
        front["title"] = str(values["title"])
    return Opened(values, lines, body, front_findings + findings, name, name_date, front, extra)


def close_post(source: Source, post: Opened, options: ImportOptions) -> Converted:
    """The converted post: its front matter checked as blogen will (``finish_front``) and its file name."""
    file_name = slugify(post.name) or slugify(str(post.front.get("title", ""))) or "post"
    finished = finish_front(post.front, post.extra, post.body, source, post.name, options.tz, post.lines, post.findings)
    return Converted(source, file_name, finished, post.body, tuple(post.findings))


# --- values ---------------------------------------------------------------------------------------

_LOOSE_DATE = re.compile(
    r"^(\d{4}-\d\d-\d\d)(?:[Tt ]+(\d\d?:\d\d(?::\d\d(?:\.\d+)?)?))?\s*(Z|z|UTC|GMT|[+-]\d\d:?\d\d)?$")


def parse_date_value(value: Any) -> datetime | date | None:
    """A date as written by Jekyll or Hugo users (``2019-03-01 10:00:00 -0500`` too), or None if it is not one.

    Offsets are kept: the post's moment must not move by importing it.
    """
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str):
        return None
    m = _LOOSE_DATE.match(value.strip())
    if m is None:
        return None
    day, clock, zone = m.groups()
    try:
        if clock is None and zone is None:
            return date.fromisoformat(day)
        hms = clock or "00:00"
        if hms.count(":") == 1:
            hms += ":00"
        if len(hms.split(":")[0]) == 1:
            hms = "0" + hms
        when = datetime.fromisoformat(f"{day}T{hms}")
        if zone:
            if zone.upper() in {"Z", "UTC", "GMT"}:
                when = when.replace(tzinfo=UTC)
            else:
                sign = -1 if zone[0] == "-" else 1
                digits = zone[1:].replace(":", "")
                when = when.replace(tzinfo=timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))))
        return when
    except ValueError:
        return None


def as_text_list(value: Any, *, split_spaces: bool = False) -> list[str]:
    """A list of strings from a list, a comma string, or (Jekyll) a space-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.split() if split_spaces else value.split(",")
    elif isinstance(value, list | tuple):
        parts = [str(v) for v in value if v is not None and not isinstance(v, dict | list)]
    else:
        parts = [str(value)]
    return [p.strip() for p in parts if p.strip()]


def plain(value: Any) -> Any:
    """A value PyYAML can write safely (TOML times and tuples are not), recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, time):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool | date):
        return value
    return str(value)


def mtime_date(source: Source, tz: tzinfo) -> datetime:
    """The file's modification time, to the second: the best guess when a post has no date at all."""
    return datetime.fromtimestamp(int(source.mtime), tz)


def snippet(text: str) -> str:
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= _SNIPPET else first[: _SNIPPET - 1] + "…"


def fence_states(lines: Sequence[str]) -> list[str]:
    """For each line: ``"open"`` for a line opening a fenced code block, ``"code"`` inside one or
    closing it, ``""`` outside."""
    states: list[str] = []
    fence: str | None = None
    for line in lines:
        # Container markers (block quotes, list indentation) are looked through: close enough to
        # find code, and a misread costs only a warning, never text.
        stripped = _CONTAINER.sub("", line)
        if fence is None:
            m = re.match(r"(`{3,}|~{3,})", stripped)
            if m and not (m.group(1)[0] == "`" and "`" in stripped[len(m.group(1)):]):
                fence = m.group(1)
                states.append("open")
                continue
            states.append("")
        else:
            states.append("code")
            if re.fullmatch(re.escape(fence[0]) + "{" + str(len(fence)) + ",}[ \t]*", stripped):
                fence = None
    return states


def fenced_lines(lines: Sequence[str]) -> list[bool]:
    """For each line, whether it lies in a fenced code block (including the fence lines themselves)."""
    return [state != "" for state in fence_states(lines)]


def strip_code_spans(line: str) -> str:
    """``line`` with inline code spans blanked out, so that ``{:a 1}`` in code is not taken for syntax."""
    return re.sub(r"(`+)(.+?)\1", lambda m: " " * len(m.group(0)), line)


# --- front matter ---------------------------------------------------------------------------------


def finish_front(front: dict[str, Any], extra: dict[str, Any], body: str, source: Source, name: str,
                 tz: tzinfo, lines: Mapping[str, int], findings: list[Finding]) -> dict[str, Any]:
    """Check every key as blogen will; a value blogen would reject moves to ``extra`` with a warning.

    Also makes sure a post has what blogen requires: a title (unless the body opens with a ``#``
    heading, which blogen takes as the title) and a date (the file's time, with a warning).
    """
    out: dict[str, Any] = {}
    for key, value in front.items():
        if value is None or value == [] or value == "":
            continue
        _, problems = validate(Split({key: value}, {}, "", 1), source.shown, tz)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            target = key if key not in extra else f"original_{key}"
            extra[target] = plain(value)
            findings.append(Finding(source.shown, lines.get(key), "front-matter",
                                    f"{errors[0].message}; kept as extra.{target}"))
            continue
        out[key] = value
    if "title" not in out and leading_title(body) is None:
        out["title"] = readable_name(name)
        findings.append(Finding(source.shown, None, "no-title", f"no title; using '{out['title']}' from the file name"))
    if "date" not in out:
        out["date"] = mtime_date(source, tz)
        findings.append(Finding(source.shown, None, "no-date", f"no date; using the file's modification time {out['date'].isoformat()}"))
    order = [k for k in KNOWN_KEYS if k in out and k != "extra"]
    result = {k: out[k] for k in order}
    if extra:
        result["extra"] = {k: plain(v) for k, v in extra.items()}
    return result


# --- placing and writing --------------------------------------------------------------------------


def _candidates(item: Converted) -> list[str]:
    """File names to try in turn: the post's own, then prefixed by its folders (``page-title``)."""
    names = [item.name]
    folders = [slugify(f) for f in item.source.folders if slugify(f)]
    for i in range(len(folders) - 1, -1, -1):
        names.append("-".join([*folders[i:], item.name]))
    return names


def _post_url(config: Config, slug: str, when: Any) -> str | None:
    try:
        moment = parse_when(when, config.tzinfo)
    except ValueError:
        return None
    return join_url(config.base_path, expand_permalink(config.permalink, slug, moment))


def _alias_url(config: Config, alias: str) -> str:
    path = alias if alias.endswith("/") or alias.endswith(".html") else alias + "/"
    return join_url(config.base_path, path)


def plan_import(root: Path, config: Config, converted: Sequence[Converted]) -> Plan:
    """Choose each post's file, drop aliases that would clash, and list the conflicts with existing files.

    Posts that share a name get their folders' names as a prefix; an existing file or slug in
    content/ is never touched: that post becomes a conflict and is skipped.
    """
    existing = post_slugs(root)
    used_names: set[str] = set()
    used_slugs: dict[str, str] = {}
    claimed_aliases: dict[str, str] = {}
    items: list[Planned] = []
    conflicts: list[Problem] = []
    findings: list[Finding] = []
    for item in converted:
        findings.extend(item.findings)
        front = dict(item.front)
        explicit = front.get("slug")
        if explicit is not None and (explicit.casefold() in used_slugs):
            findings.append(Finding(item.source.shown, None, "duplicate-slug",
                                    f"slug '{explicit}' is also the slug of {used_slugs[explicit.casefold()]}; "
                                    "using the file name instead (kept as extra.original_slug)"))
            front.pop("slug")
            front.setdefault("extra", {})["original_slug"] = explicit
            explicit = None
        name = next((n for n in _candidates(item) if n.casefold() not in used_names
                     and (explicit is not None or n.casefold() not in used_slugs)), None)
        if name is None:
            base = item.name
            n = 2
            while f"{base}-{n}".casefold() in used_names or f"{base}-{n}".casefold() in used_slugs:
                n += 1
            name = f"{base}-{n}"
        slug = explicit or name
        target = f"content/posts/{name}/index.md" if item.source.bundle else f"content/posts/{name}.md"
        used_names.add(name.casefold())
        used_slugs[slug.casefold()] = item.source.shown
        clash = [p for p in (f"content/posts/{name}.md", f"content/posts/{name}.markdown", f"content/posts/{name}")
                 if (root / p).exists()]
        if clash:
            conflicts.append(Problem(clash[0], None, f"already exists; not overwritten (importing {item.source.shown})"))
            continue
        if slug.casefold() in existing:
            conflicts.append(Problem(existing[slug.casefold()], None,
                                     f"already has slug '{slug}'; {item.source.shown} not imported (it would take the same URL)"))
            continue
        url = _post_url(config, slug, front.get("date"))
        aliases: list[str] = []
        for alias in front.get("aliases", []):
            alias_url = _alias_url(config, alias)
            if alias_url == url or alias in aliases:
                continue
            if alias_url in claimed_aliases:
                findings.append(Finding(item.source.shown, None, "duplicate-alias",
                                        f"old URL {alias} is also claimed by {claimed_aliases[alias_url]}; dropped here"))
                continue
            claimed_aliases[alias_url] = item.source.shown
            aliases.append(alias)
        if aliases:
            front["aliases"] = aliases
        else:
            front.pop("aliases", None)
        body = item.body if item.body.startswith("\n") else "\n" + item.body
        text = format_front_matter(front) + body
        if not text.endswith("\n"):
            text += "\n"
        assets: list[tuple[Path, str]] = []
        if item.source.bundle is not None:
            for f in walk_files(item.source.bundle):
                if f != item.source.path:
                    assets.append((f, f"content/posts/{name}/{f.relative_to(item.source.bundle).as_posix()}"))
        items.append(Planned(item.source, target, text, tuple(assets)))
    return Plan(tuple(items), tuple(findings), tuple(conflicts))


def write_plan(root: Path, plan: Plan) -> list[str]:
    """Write every planned file, never replacing one (a file that appeared meanwhile is a conflict)."""
    written: list[str] = []
    late: list[Problem] = []
    for item in plan.items:
        for rel, data in [(item.target, item.text.encode()), *((t, s.read_bytes()) for s, t in item.assets)]:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with path.open("xb") as f:
                    f.write(data)
            except FileExistsError:
                late.append(Problem(rel, None, f"already exists; not overwritten (importing {item.source.shown})"))
                continue
            written.append(rel)
    if late:
        raise BlogenError(late)
    return written


def count_kinds(findings: Iterable[Finding]) -> dict[str, int]:
    """How many warnings of each kind, most frequent first: the summary at the end of an import."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

