"""Front-matter values as Jekyll and Hugo users write them, and the front matter blogen will read back.

Other generators are lenient where blogen is strict (a key given twice, a date with a space and
an offset, tags as one space-separated string); these helpers read the old values their way and
``finish_front`` checks each mapped key exactly as blogen will, so that what is imported builds:
a value blogen would reject moves to ``extra`` with a warning instead of stopping the build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

import yaml

from blogen.authoring.listing import leading_title
from blogen.authoring.scaffold import readable_name
from blogen.content.frontmatter import KNOWN_KEYS, Split, split_source, validate
from blogen.core.errors import BlogenError
from blogen.importers.values import DocKind, Finding, ImportOptions

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LOOSE_DATE = re.compile(
    r"^(\d{4}-\d\d?-\d\d?)(?:[Tt ]+(\d\d?:\d\d(?::\d\d(?:\.\d+)?)?))?\s*(Z|z|UTC|GMT|[+-]\d\d:?\d\d)?$")
_SNIPPET = 70


def snippet(text: str) -> str:
    """The first line of ``text``, shortened to fit a warning."""
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= _SNIPPET else first[: _SNIPPET - 1] + "…"


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
    y, mo, d = (int(part) for part in day.split("-"))
    try:
        if clock is None and zone is None:
            return date(y, mo, d)
        hms = [int(float(part)) for part in (clock or "00:00").split(":")] + [0]
        when = datetime(y, mo, d, hms[0], hms[1], hms[2])
        if zone:
            if zone.upper() in {"Z", "UTC", "GMT"}:
                return when.replace(tzinfo=UTC)
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            return when.replace(tzinfo=timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))))
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
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


def put_taxonomies(tags: list[str], categories: list[str], series: Any, *, kind: DocKind, options: ImportOptions,
                   front: dict[str, Any], extra: dict[str, Any]) -> None:
    """The old site's tags, categories and series into the new front matter, as both importers carry them:
    categories a taxonomy of their own (or folded into the tags with ``--categories tags``; a page's go
    to ``extra``, since a page is in no taxonomy), and a series as one name, or a list of names when it
    was written as several."""
    if options.categories_as_tags:
        tags = tags + categories
    elif categories and kind == "post":
        front["categories"] = categories
    elif categories:
        extra["categories"] = categories
    front["tags"] = list(dict.fromkeys(tags))
    if series:
        front["series"] = series if isinstance(series, str) and "," not in series else as_text_list(series if isinstance(series, list) else [series])


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


def first_date(values: Mapping[str, Any], keys: Iterable[str], shown: str, lines: Mapping[str, int],
               findings: list[Finding], extra: dict[str, Any]) -> datetime | date | None:
    """The first of ``keys`` that holds a date; the others that hold one go unused, those that do not go to ``extra``."""
    found: datetime | date | None = None
    for key in keys:
        if values.get(key) is None:
            continue
        parsed = parse_date_value(values[key])
        if parsed is None:
            findings.append(Finding(shown, lines.get(key), "bad-date", f"{key} {values[key]!r} is not a date; kept as extra.{key}"))
            extra[key] = plain(values[key])
        elif found is None:
            found = parsed
    return found


def finish_front(front: Mapping[str, Any], extra: Mapping[str, Any], body: str, shown: str, name: str,
                 tz: tzinfo, lines: Mapping[str, int], findings: list[Finding], *, kind: str, mtime: float) -> dict[str, Any]:
    """Check every key as blogen will; a value blogen would reject moves to ``extra`` with a warning.

    Also makes sure a post has what blogen requires: a title (unless the body opens with a ``#``
    heading, which blogen takes as the title) and a date (the file's time, with a warning).
    """
    out: dict[str, Any] = {}
    kept = dict(extra)
    for key, value in front.items():
        if value is None or value == [] or value == "":
            continue
        _, problems = validate(Split({key: value}, {}, "", 1), shown, tz)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            target = key if key not in kept else f"original_{key}"
            kept[target] = plain(value)
            findings.append(Finding(shown, lines.get(key), "front-matter", f"{errors[0].message}; kept as extra.{target}"))
            continue
        out[key] = value
    if "title" not in out and leading_title(body) is None:
        out["title"] = readable_name(name)
        findings.append(Finding(shown, None, "no-title", f"no title; using '{out['title']}' from the file name"))
    if kind == "post" and "date" not in out:
        out["date"] = datetime.fromtimestamp(int(mtime), tz)
        findings.append(Finding(shown, None, "no-date", f"no date; using the file's modification time {out['date'].isoformat()}"))
    result = {k: out[k] for k in KNOWN_KEYS if k in out and k != "extra"}
    result.update((k, v) for k, v in out.items() if k not in KNOWN_KEYS)  # the site's own taxonomies
    if kept:
        result["extra"] = {k: plain(v) for k, v in kept.items()}
    return result
