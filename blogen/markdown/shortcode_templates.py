"""Shortcode templates: the set a site can use, and running one of them for one shortcode in a document.

A shortcode ``name`` is drawn by the Jinja2 template ``theme/shortcodes/<name>.html``; a site's own
templates override blogen's built-in ones by name, as page templates do. The set is a value
(``ShortcodeSet``) handed to the Markdown renderer with everything else that decides its HTML,
and its digest is part of the Markdown cache key, so editing a shortcode template renders again
exactly the documents it could change. Templates run with autoescape and ``StrictUndefined``:
arguments are text, whatever they hold. See README.md ("Shortcodes") for what a template gets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from blogen.core.errors import Problem, did_you_mean
from blogen.markdown.shortcode_syntax import Value

if TYPE_CHECKING:
    import jinja2

SUFFIX = ".html"
BUILTIN_SHOWN = "(built-in theme)/shortcodes/"  # how problems name a built-in template (as page templates' are named)
# Hugo's own, which blogen answers differently: a message that says how, instead of "create a template".
_HUGO_ONLY = {
    "ref": "link to the Markdown file instead, e.g. [text](other-post.md) (blogen import converts these)",
    "relref": "link to the Markdown file instead, e.g. [text](other-post.md) (blogen import converts these)",
    "param": "it prints a front-matter or site setting, which shortcodes do not see: write the value itself",
}


@dataclass(frozen=True, slots=True)
class ShortcodeTemplate:
    """One template file: ``path`` relative to a ``shortcodes/`` folder (``figure.html``), and how problems name it."""

    path: str
    shown: str
    source: str


@dataclass(frozen=True, slots=True, eq=False)
class ShortcodeSet:
    """The shortcode templates a site can use, by path; equal (and hashed) by their digest."""

    templates: tuple[ShortcodeTemplate, ...]
    digest: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ShortcodeSet) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"ShortcodeSet({self.digest[:16]})"

    def names(self) -> tuple[str, ...]:
        return tuple(t.path.removesuffix(SUFFIX) for t in self.templates if t.path.endswith(SUFFIX))

    def find(self, name: str) -> ShortcodeTemplate | None:
        return _by_path(self).get(name + SUFFIX)

    def unknown(self, name: str) -> str:
        """The message for a shortcode no template draws."""
        if name in _HUGO_ONLY:
            return f"shortcode '{name}' is Hugo's own: {_HUGO_ONLY[name]}"
        known = ", ".join(sorted(self.names()))
        hint = did_you_mean(name, self.names()).replace(" (did you mean", "; did you mean").rstrip(")")
        return f"unknown shortcode '{name}': create theme/shortcodes/{name}.html to draw it{hint} (known: {known})"


def starter_template(name: str, first_use: str) -> str:
    """A template for a shortcode another generator's theme drew, to be made to draw the same: until
    then it shows what it is given (its arguments, its inner text), so nothing is lost and the site builds.
    ``blogen import`` writes one for each custom shortcode or include it brings over."""
    css = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)
    return f"""{{#- A starter made by blogen import for '{name}' (first used in {first_use}): make it draw what the
    old theme drew. It gets args, kwargs, get(key), inner, inner_html, paired, inline (see docs/templates.md).
    Until then it shows what it is given. -#}}
{{% set given = args + kwargs.values()|list %}}
{{% if inline %}}<span class="shortcode-{css}">{{{{ given|join(" ") }}}}{{% if paired %}}{{{{ inner_html }}}}{{% endif %}}</span>
{{%- else %}}<div class="shortcode-{css}">
{{% if given %}}<p>{{{{ given|join(" ") }}}}</p>
{{% endif %}}{{% if paired %}}{{{{ inner_html }}}}{{% endif %}}</div>
{{% endif %}}"""


def make_shortcode_set(templates: Iterable[tuple[str, str, str]]) -> ShortcodeSet:
    """The set of (path, shown, source) templates; the first of a path wins (a site's own before the built-ins)."""
    chosen: dict[str, ShortcodeTemplate] = {}
    for path, shown, source in templates:
        chosen.setdefault(path, ShortcodeTemplate(path, shown, source))
    ordered = tuple(chosen[p] for p in sorted(chosen))
    h = hashlib.sha256()
    for t in ordered:
        h.update(f"{t.path}\0{t.shown}\0{len(t.source)}\0".encode() + t.source.encode())
    return ShortcodeSet(ordered, h.hexdigest())


@lru_cache(maxsize=1)
def builtin_shortcodes() -> ShortcodeSet:
    """blogen's own shortcodes (for a caller that gives no set, such as a test of the renderer).

    Found as ``core.install.builtin_theme_dir`` finds the theme (inside the installed package, or
    beside it in a checkout), without importing it: the renderer's imports are its cache key's code.
    """
    package = Path(__file__).resolve().parent.parent
    folder = (package / "theme" if (package / "theme").is_dir() else package.parent / "theme") / "shortcodes"
    files = sorted(folder.rglob(f"*{SUFFIX}")) if folder.is_dir() else []
    return make_shortcode_set((p.relative_to(folder).as_posix(), f"{BUILTIN_SHOWN}{p.relative_to(folder).as_posix()}",
                               p.read_text(encoding="utf-8")) for p in files if p.is_file())


@lru_cache(maxsize=8)
def _by_path(shortcodes: ShortcodeSet) -> dict[str, ShortcodeTemplate]:
    return {t.path: t for t in shortcodes.templates}


@lru_cache(maxsize=256)
def variables(shortcodes: ShortcodeSet, name: str) -> frozenset[str]:
    """The names a template reads from its context (empty when it does not compile: rendering reports that)."""
    import jinja2
    from jinja2 import meta

    template = shortcodes.find(name)
    if template is None:
        return frozenset()
    try:
        return frozenset(meta.find_undeclared_variables(_environment(shortcodes).parse(template.source)))
    except jinja2.TemplateSyntaxError:
        return frozenset()


@lru_cache(maxsize=4)
def _environment(shortcodes: ShortcodeSet) -> jinja2.Environment:
    import jinja2

    by_path = _by_path(shortcodes)

    def load(path: str) -> tuple[str, str, Callable[[], bool]] | None:
        template = by_path.get(path)
        return None if template is None else (template.source, template.shown, lambda: True)

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(load), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, auto_reload=False,
    )
    env.filters["markdownify"] = jinja2.pass_context(_markdownify)
    return env


# --------------------------------------------------------------------------- one call


class ShortcodeFailure(Exception):
    """Raised by ``fail(message)`` in a template: the shortcode was used wrongly (a problem at its use)."""


@dataclass(frozen=True, slots=True)
class Tools:
    """What templates may ask of the Markdown renderer: highlighted code, inline Markdown."""

    highlight: Callable[[str, str, str], str]  # (code, language, options) -> HTML; problems go to the caller
    markdownify: Callable[[str], str]  # inline Markdown -> HTML


@dataclass(frozen=True, slots=True)
class Call:
    """One use of a shortcode in a document, as its template sees it."""

    name: str
    args: tuple[Value, ...]
    kwargs: Mapping[str, Value]
    inner: str | None  # the text between the tags as written; None when not paired
    inner_html: str | None  # that text rendered as Markdown, when it was
    markdown: bool  # written {{% … %}}
    source: str
    line: int
    ordinal: int  # how many shortcodes of this name come before it in the document
    inline: bool = False  # it sits in a line of text (a paragraph, a heading), not on a line of its own


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What a shortcode template knows of the document it is in."""

    source: str


def _markdownify(context: Any, value: object) -> Any:
    """The ``markdownify`` filter: inline Markdown (emphasis, code, links) as HTML, as Hugo's is used in captions."""
    from markupsafe import Markup

    tools = context.get("_blogen_tools")
    if not isinstance(tools, Tools):
        return Markup.escape(str(value))
    return Markup(tools.markdownify(str(value)))


@dataclass(slots=True)
class Outcome:
    html: str
    problems: list[Problem] = field(default_factory=list)


def render_shortcode(shortcodes: ShortcodeSet, call: Call, tools: Tools) -> Outcome:
    """The HTML of one shortcode use, or "" with the problems that stopped it."""
    import jinja2
    from markupsafe import Markup

    template = shortcodes.find(call.name)
    assert template is not None  # unknown names are reported when the document is parsed
    where = f"{call.source}:{call.line}"

    def get(key: int | str, default: object = None) -> object:
        if isinstance(key, int):
            return call.args[key] if -len(call.args) <= key < len(call.args) else default
        return call.kwargs.get(key, default)

    def fail(message: str) -> None:
        raise ShortcodeFailure(str(message))

    inner_html = Markup(call.inner_html or "")
    context = {
        "name": call.name, "args": list(call.args), "kwargs": dict(call.kwargs), "get": get,
        "inner": inner_html if call.markdown else (call.inner or ""), "inner_html": inner_html,
        "paired": call.inner is not None, "markdown": call.markdown, "inline": call.inline, "page": PageFacts(call.source),
        "line": call.line, "ordinal": call.ordinal, "highlight": lambda code, lang="", options="":
        Markup(tools.highlight(str(code), str(lang), str(options))), "fail": fail, "_blogen_tools": tools,
    }
    try:
        html = _environment(shortcodes).get_template(template.path).render(context)
    except ShortcodeFailure as exc:
        return Outcome("", [Problem(call.source, call.line, f"shortcode '{call.name}': {exc}")])
    except jinja2.TemplateSyntaxError as exc:
        return Outcome("", [Problem(exc.filename or template.shown, exc.lineno,
                                    f"template syntax error: {exc.message} (in the shortcode at {where})")])
    except Exception as exc:
        shown, line = _template_frame(exc.__traceback__, {t.shown for t in shortcodes.templates})
        kind = "undefined variable" if isinstance(exc, jinja2.UndefinedError) else "template error"
        return Outcome("", [Problem(shown or template.shown, line, f"{kind}: {exc} (in the shortcode at {where})")])
    return Outcome(html)


def _template_frame(tb: TracebackType | None, shown: set[str]) -> tuple[str | None, int | None]:
    """The innermost traceback frame in a shortcode template, as (the template as problems name it, line)."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name in shown:
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found
