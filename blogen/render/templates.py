"""Jinja2 plumbing: the environment a site's templates (its theme over the built-in one) run in, and
where in them an error happened, each reported once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2

from blogen.content.inputs import ThemeFile, theme_files, walk_theme
from blogen.core.errors import Problem, Severity
from blogen.core.files import read_regular
from blogen.render.bytecode import keep_compiled
from blogen.render.views import BODY_FIELDS, PostView, note_body_read

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def templates_digest(root: Path) -> bytes:
    """A digest of every template the site can use (its own, and the built-in ones it does not override).

    Only the templates the input walk vets are read (``blogen.content.inputs``): a template that is a
    symlink out of the site or a FIFO is never opened; the walk reports it.
    """
    h = hashlib.sha256()
    for name, file in theme_files(walk_theme(root), "templates").items():
        h.update(f"{name}\0{file.path}\0".encode())
        try:
            h.update(read_regular(file.path, inside=file.bound, where=_where(file, root)))
        except OSError as exc:  # the walk or the render reports it
            h.update(f"\0unreadable: {exc}".encode())
    return h.digest()


def _where(file: ThemeFile, root: Path) -> str:
    return "the site" if file.bound == str(root) else "the built-in theme"


class _ThemeLoader(jinja2.BaseLoader):
    """Templates by name from the files the input walk vetted, each read by the boundary rule; Jinja's
    own file loader would open any path under its folders, symlinks leading out and FIFOs included."""

    def __init__(self, files: Mapping[str, ThemeFile], root: Path) -> None:
        self.files = files
        self.root = root

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        file = self.files.get(template)
        if file is None:
            raise jinja2.TemplateNotFound(template)
        try:
            text = read_regular(file.path, inside=file.bound, where=_where(file, self.root)).decode("utf-8")
        except OSError as exc:
            raise jinja2.TemplateError(f"template '{template}' cannot be read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise jinja2.TemplateError(f"template '{template}' is not valid UTF-8 ({exc.reason})") from None
        return text, file.path, lambda: True

    def list_templates(self) -> list[str]:
        return sorted(self.files)


def format_date(value: datetime) -> str:
    """``14 March 2021``: English and locale-independent, so output is the same on every machine."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def iso_date(value: datetime) -> str:
    return value.isoformat()


class _Environment(jinja2.Environment):
    """Jinja's environment, noting every read of a post's body fields (``post.html``, ``post['toc']``,
    ``map(attribute='words')``: all go through these two methods)."""

    # Every ``a.b`` and ``a[b]`` of every template comes through these (a million times when a theme's menu
    # looks at each of a big site's pages on every page), so the lookup that usually succeeds is tried here
    # first, in one call; Jinja's own method (which tries it again, then the other kind, then undefined)
    # only when it fails.

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute in BODY_FIELDS and isinstance(obj, PostView):
            note_body_read(obj)
        try:
            return getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: str | Any) -> Any:
        if isinstance(obj, PostView) and argument in BODY_FIELDS:
            note_body_read(obj)
        try:
            return obj[argument]
        except (AttributeError, TypeError, LookupError):
            return super().getitem(obj, argument)


def make_environment(root: Path) -> jinja2.Environment:
    """A strict environment: autoescape on, and an undefined variable is an error, not an empty string.
    Templates compiled by an earlier process are loaded from the site's cache (``blogen.render.bytecode``)."""
    loader = _ThemeLoader(theme_files(walk_theme(root), "templates"), root)
    env = _Environment(
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, auto_reload=False,
        cache_size=-1,  # a plain dict: a theme has a few dozen templates, each fetched at every include
    )
    env.filters["date"] = format_date
    env.filters["isodate"] = iso_date
    keep_compiled(env, root)  # last: the compiled templates' key takes the settings and filters above
    return env


@dataclass
class TemplateErrors:
    """Template errors, each reported once however many pages hit it."""

    seen: dict[tuple[str, int | None, str, Severity], list[str]] = field(default_factory=dict)
    failed: bool = False  # an error (not just a warning) was seen: the build will fail

    def add(self, path: str, line: int | None, message: str, page: str, severity: Severity = "error") -> None:
        self.seen.setdefault((path, line, message, severity), []).append(page)
        self.failed = self.failed or severity == "error"

    def problems(self) -> list[Problem]:
        out = []
        for (path, line, message, severity), pages in self.seen.items():
            more = f" and {len(pages) - 1} other page{'s' if len(pages) > 2 else ''}" if len(pages) > 1 else ""
            out.append(Problem(path, line, f"{message} (while rendering {pages[0]}{more})", severity))
        return out


def template_path(filename: str, root: Path) -> str:
    """A template's file as a problem names it: relative to the site's ``root``, or in the built-in theme."""
    path = Path(filename)
    if not path.is_absolute():
        return f"theme/templates/{filename}"
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return f"(built-in theme)/templates/{path.name}"


def template_frame(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """The innermost traceback frame that belongs to a template, as (filename, line)."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".j2")) and "/jinja2/" not in name:
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found
