"""What the dev server adds to pages: the live-reload script, the error overlay, and the page diff.

The script is added to HTML responses on the way out and never written to a file, so ``output/`` of
``blogen serve`` and ``blogen build`` could never differ by it. The diff decides, for one open page,
whether a rebuild means "nothing", "swap the stylesheets" (the page's HTML differs only in stylesheet
``href``s, as every page does when the fingerprinted theme CSS changes) or "reload".
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from blogen.core.errors import Problem

EVENTS_PATH = "/__blogen/events"
OVERLAY_ID = "__blogen-overlay"

Action = Literal["none", "css", "reload"]

_LINK_TAG = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(rb"""\s([a-zA-Z-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)""")
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
# Files a page embeds (rather than links to): when one changes, the page looks different.
EMBEDDED_SUFFIXES = (".js", ".mjs", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico",
                     ".woff", ".woff2", ".ttf", ".otf", ".mp4", ".webm", ".mp3", ".ogg")


@dataclass(frozen=True, slots=True)
class PageUpdate:
    """What one open page must do after a rebuild; ``sheets`` are its new stylesheet hrefs for "css"."""

    action: Action
    sheets: tuple[str, ...] = ()
    bust: bool = False  # same hrefs, new bytes (a CSS file that is not fingerprinted): defeat the cache


def digest(body: bytes) -> str:
    """Short identity of a page body: the script reports it back so the server knows what a tab shows."""
    return hashlib.sha256(body).hexdigest()[:20]


def _stylesheet_spans(page: bytes) -> list[tuple[int, int, str]]:
    """(start, end, href) of the href value of every ``<link rel="stylesheet">`` in ``page``."""
    spans: list[tuple[int, int, str]] = []
    for tag in _LINK_TAG.finditer(page):
        attrs = {m.group(1).lower(): m for m in _ATTR.finditer(tag.group(0))}
        rel, href = attrs.get(b"rel"), attrs.get(b"href")
        if rel is None or href is None or b"stylesheet" not in rel.group(2).strip(b"\"'").lower().split():
            continue
        value = href.group(2)
        quoted = value[:1] in (b'"', b"'")
        start = tag.start() + href.start(2) + (1 if quoted else 0)
        end = tag.start() + href.end(2) - (1 if quoted else 0)
        spans.append((start, end, html.unescape(page[start:end].decode("utf-8", "replace"))))
    return spans


def stylesheet_hrefs(page: bytes) -> tuple[str, ...]:
    """The stylesheet URLs of a page, in document order."""
    return tuple(href for _s, _e, href in _stylesheet_spans(page))


def without_stylesheet_hrefs(page: bytes) -> bytes:
    """``page`` with every stylesheet href blanked: equal results mean "differs only in its CSS links"."""
    out, pos = [], 0
    for start, end, _href in _stylesheet_spans(page):
        out.append(page[pos:start])
        pos = end
    out.append(page[pos:])
    return b"".join(out)


def page_update(old: bytes, new: bytes, written: Iterable[str]) -> PageUpdate:
    """Decide what a tab showing ``old`` must do now that the same URL serves ``new``.

    ``written`` are the output files the build changed; a changed CSS file or an embedded file
    (image, script, font) named in the page matters even when the page's own bytes did not change.
    """
    changed = tuple(written)
    if old != new:
        if without_stylesheet_hrefs(old) == without_stylesheet_hrefs(new):
            return PageUpdate("css", stylesheet_hrefs(new))
        return PageUpdate("reload")
    names = {w.rsplit("/", 1)[-1].encode() for w in changed if w.lower().endswith(EMBEDDED_SUFFIXES)}
    if any(name in new for name in names):
        return PageUpdate("reload")
    if any(w.lower().endswith(".css") for w in changed):
        sheets = stylesheet_hrefs(new)
        if sheets:
            return PageUpdate("css", sheets, bust=True)
    return PageUpdate("none")


def problems_json(problems: Sequence[Problem]) -> list[dict[str, object]]:
    return [{"path": p.path, "line": p.line, "message": p.message, "severity": p.severity, "text": p.format()}
            for p in problems]


def _script_json(value: object) -> str:
    """JSON safe inside ``<script>``: no ``</script>`` or ``<!--`` can end or confuse the element."""
    return (json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


_SCRIPT = """\
(function () {
  "use strict";
  var cfg = %(cfg)s;
  var source = null;
  var state = null;
  function overlay(problems) {
    var old = document.getElementById("%(overlay)s");
    if (old) { old.remove(); }
    if (!problems.length) { return; }
    if (!document.getElementById("%(overlay)s-style")) {
      var style = document.createElement("style");
      style.id = "%(overlay)s-style";
      style.textContent = %(css)s;
      (document.head || document.documentElement).appendChild(style);
    }
    var box = document.createElement("section");
    box.id = "%(overlay)s";
    box.setAttribute("role", "alert");
    box.setAttribute("aria-label", "Build problems");
    var title = document.createElement("p");
    title.className = "__blogen-title";
    title.textContent = "blogen: the site could not be built (" + problems.length +
      (problems.length === 1 ? " problem" : " problems") + ")." +
      (document.documentElement.hasAttribute("data-blogen-no-build") ? "" : " The page below is the last good build.");
    var hide = document.createElement("button");
    hide.type = "button";
    hide.textContent = "Hide";
    hide.addEventListener("click", function () { box.remove(); });
    box.appendChild(hide);
    box.appendChild(title);
    problems.forEach(function (p) {
      var line = document.createElement("pre");
      line.className = "__blogen-problem";
      line.textContent = p.text;
      box.appendChild(line);
    });
    var hint = document.createElement("p");
    hint.className = "__blogen-hint";
    hint.textContent = "Fix the file and save: this page updates by itself.";
    box.appendChild(hint);
    (document.body || document.documentElement).appendChild(box);
  }
  function swapStyles(sheets, bust) {
    var links = Array.prototype.slice.call(document.querySelectorAll('link[rel~="stylesheet"]'));
    if (links.length !== sheets.length) { location.reload(); return; }
    links.forEach(function (old, i) {
      var href = sheets[i];
      if (bust) { href += (href.indexOf("?") < 0 ? "?" : "&") + "__blogen=" + Date.now(); }
      var fresh = old.cloneNode(false);
      fresh.setAttribute("href", href);
      var done = function () { if (old.parentNode) { old.parentNode.removeChild(old); } };
      fresh.addEventListener("load", done);
      fresh.addEventListener("error", done);
      old.parentNode.insertBefore(fresh, old.nextSibling);
    });
  }
  function connect() {
    var url = cfg.events + "?page=" + encodeURIComponent(cfg.page) + "&v=" + encodeURIComponent(cfg.v);
    var es = new EventSource(url);
    source = es;
    ["reload", "problems", "ok", "css"].forEach(function (name) {
      es.addEventListener(name, function () { state.seen += 1; state.last = name; });
    });
    es.addEventListener("reload", function () { es.close(); location.reload(); });
    es.addEventListener("problems", function (e) { overlay(JSON.parse(e.data)); });
    es.addEventListener("ok", function () { overlay([]); });
    es.addEventListener("css", function (e) {
      var d = JSON.parse(e.data);
      swapStyles(d.sheets, d.bust);
      cfg.v = d.v;
      es.close();
      connect();  /* so a reconnect later reports what this tab now shows */
    });
    es.onerror = function () {
      /* The browser retries by itself while the state is CONNECTING; after a refusal it gives up. */
      if (es.readyState === 2 && source === es) { setTimeout(connect, 1000); }
    };
  }
  state = window.__blogen = {cfg: cfg, seen: 0, last: null};  /* for tests and curious users */
  /* Browsers allow about six connections per host; hidden tabs let go of theirs so that many open
     tabs cannot starve page loads. Coming back, the server compares versions and reloads if needed. */
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && source) { var s = source; source = null; s.close(); }
    else if (document.visibilityState === "visible" && !source) { connect(); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { overlay(cfg.problems); });
  } else { overlay(cfg.problems); }
  connect();
})();
"""


# The overlay's look. Every rule is scoped by the overlay's id and starts from `all: revert`, so a
# theme's rules for pre, p or button (colours, borders, fonts) cannot reach into it; its colours
# follow the page's scheme (the theme's data-scheme choice, else the system's), each pair
# above 7:1 contrast. A panel at the top, not a full-screen cover, so the last good page shows below.
_OVERLAY_CSS = (
    "#{id}{{--o-bg:#fff;--o-fg:#1b1b1f;--o-mu:#45474d;--o-code:#f4f4f5;--o-red:#b0181f;--o-bd:#d4d4d8;"
    "position:fixed;top:0;left:0;right:0;z-index:2147483647;max-height:100vh;overflow:auto;box-sizing:border-box;"
    "margin:0;padding:1rem clamp(.75rem,4vw,2rem);background:var(--o-bg);color:var(--o-fg);"
    "border-bottom:4px solid var(--o-red);box-shadow:0 4px 24px rgba(0,0,0,.35);text-align:left;"
    "font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif}}"
    "#{id} *{{all:revert;box-sizing:border-box}}"
    "#{id} .__blogen-title{{margin:0 0 .75rem;font-weight:700;color:var(--o-red)}}"
    "#{id} .__blogen-hint{{margin:.75rem 0 0;color:var(--o-mu);font-size:14px}}"
    "#{id} pre{{margin:0 0 .5rem;padding:.5rem .75rem;white-space:pre-wrap;overflow-wrap:anywhere;"
    "background:var(--o-code);color:var(--o-fg);border-left:4px solid var(--o-red);border-radius:4px;"
    "font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}}"
    "#{id} button{{float:right;margin:0 0 .5rem 1rem;padding:.3rem .9rem;font:inherit;font-size:14px;cursor:pointer;"
    "color:var(--o-fg);background:var(--o-code);border:1px solid var(--o-bd);border-radius:6px}}"
    "#{id} button:focus-visible{{outline:3px solid var(--o-red);outline-offset:2px}}"
    "@media (prefers-color-scheme:dark){{:root:not([data-scheme=light]) #{id}{{{dark}}}}}"
    "[data-scheme=dark] #{id}{{{dark}}}"
)
_OVERLAY_DARK = "--o-bg:#1c1d21;--o-fg:#ececef;--o-mu:#b4b6bd;--o-code:#2a2b31;--o-red:#ff8f87;--o-bd:#4a4c55"


def overlay_css() -> str:
    """The overlay's stylesheet (see ``_OVERLAY_CSS``)."""
    return _OVERLAY_CSS.format(id=OVERLAY_ID, dark=_OVERLAY_DARK)


def reload_script(page: str, version: str, problems: Sequence[Problem]) -> bytes:
    """The ``<script>`` element for a page served at ``page`` whose body has digest ``version``."""
    cfg = {"events": EVENTS_PATH, "page": page, "v": version, "problems": problems_json(problems)}
    body = _SCRIPT % {"cfg": _script_json(cfg), "overlay": OVERLAY_ID, "css": _script_json(overlay_css())}
    return f'<script data-blogen-live-reload="">\n{body}</script>\n'.encode()


def inject(page: bytes, script: bytes) -> bytes:
    """``page`` with ``script`` before its last ``</body>``, or at the end when it has none."""
    last = None
    for last in _BODY_END.finditer(page):  # noqa: B007 - we want the final match
        pass
    if last is None:
        return page + b"\n" + script
    return page[:last.start()] + script + page[last.start():]


def error_page(title: str, text: str) -> bytes:
    """A minimal page the server shows when there is no good build to show (the script adds the overlay)."""
    return (f"<!doctype html>\n<html lang=\"en\" data-blogen-no-build=\"\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"color-scheme\" content=\"light dark\">"
            f"</head>\n<body><main><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></main></body></html>\n").encode()
