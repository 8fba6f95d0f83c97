"""Diagram fences drawn at build time: ```` ```dot ````/```` ```graphviz ```` by Graphviz, ```` ```mermaid ```` by mermaid-cli.

Each fence becomes an inline SVG (cleaned by ``blogen.markdown.svg``) in a ``div.diagram``, or a
``figure.diagram`` captioned with the fence's ``title=``. The programs are found on ``PATH``
(``blogen.core.tools``) and run without a shell, with a time limit, on the fence's text alone:
Graphviz in its "server" mode, which loads no file (``image=``) from the build machine, mermaid
with its strict security level and its browser pointed at the system's Chromium.

What a program wrote is kept in the content-addressed cache (kind ``diagram``, keyed by the
program's identity and the fence's text), so a rebuild, even after the document around a diagram
changed, never runs the program again for it.

- A program that is not installed: a warning naming the fence's line and what to install, and the
  fence is shown as code.
- A mistake in the diagram (the program's own message): an error at the file line it names.
- A program that fails for another reason (its browser does not start): a warning, the fence shown
  as code, and the document's HTML marked ``volatile`` so it is not cached and the next build tries again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from markdown_it.token import Token

from blogen.core.errors import Problem
from blogen.core.tools import Program, find_browser, find_program
from blogen.markdown.fences import CodeOptions, escape_text, has_fence

if TYPE_CHECKING:
    import subprocess

    from markdown_it.renderer import RendererHTML
    from markdown_it.utils import EnvType, OptionsDict

# Fence language → the program that draws it.
DIAGRAM_LANGS = {"dot": "dot", "graphviz": "dot", "mermaid": "mermaid"}
DOT_TIMEOUT = 30
MERMAID_TIMEOUT = 120  # mmdc starts a browser: seconds on a loaded machine
_FORMAT = 1  # bump when what is stored or the way the programs are run changes
_FONT = "Helvetica,Arial,sans-serif"  # the reader's sans-serif instead of Graphviz's Times
_DOT_ARGS = ("-Tsvg", "-Gbgcolor=transparent", f"-Gfontname={_FONT}", f"-Nfontname={_FONT}", f"-Efontname={_FONT}")
_MERMAID_CONFIG = {"theme": "default", "securityLevel": "strict", "htmlLabels": False,
                   "flowchart": {"htmlLabels": False}, "class": {"htmlLabels": False}}
_INSTALL = {"dot": "Graphviz's 'dot' is not installed (apt install graphviz, brew install graphviz)",
            "mermaid": "mermaid-cli's 'mmdc' is not installed (npm install -g @mermaid-js/mermaid-cli)"}
_LINE_RE = re.compile(r"\b(?:in line|on line|line) (\d+)", re.IGNORECASE)
_MERMAID_MISTAKES = ("Parse error", "Lexical error", "UnknownDiagramError", "No diagram type", "Syntax error")


@dataclass(frozen=True, slots=True)
class DiagramTools:
    """The diagram programs installed, found once per build (and handed to each worker process)."""

    dot: Program | None
    mmdc: Program | None
    browser: Program | None

    def program(self, kind: str) -> Program | None:
        return self.dot if kind == "dot" else self.mmdc

    def identity(self, kind: str) -> str:
        """What decides this kind of diagram's SVG besides its text: the program (and for mermaid, its browser)."""
        program = self.program(kind)
        if program is None:
            return "-"
        return program.identity if kind == "dot" else f"{program.identity}|{self.browser.identity if self.browser else '-'}"


def find_diagram_tools() -> DiagramTools:
    return DiagramTools(find_program("dot"), find_program("mmdc"), find_browser())


class DiagramStore(Protocol):
    """Where drawn diagrams are kept between builds (the build gives the content-addressed cache)."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class Diagrams:
    """What drawing a document's diagrams needs: the programs, and the store (None: draw every time)."""

    tools: DiagramTools
    store: DiagramStore | None = None


_DIAGRAM_INFO_RE = re.compile(r"[ \t]*\{?[ \t]*\.?(?:dot|graphviz|mermaid)\b", re.IGNORECASE)


def has_diagram_fence(text: str) -> bool:
    """Whether a document's text may hold a diagram fence (cheaply, before parsing: the cache key of such a
    document names the diagram programs, so installing one draws what was shown as code)."""
    return has_fence(text, _DIAGRAM_INFO_RE)


@dataclass(frozen=True, slots=True)
class _Drawn:
    svg: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Failed:
    message: str
    line: int | None = None  # the line of the diagram's text the program named, from 1
    mistake: bool = True  # the author's (an error); else the program's (a warning, and try again next build)


def draw_diagrams(fences: Sequence[Token], diagrams: Diagrams, path: str, text: str) -> tuple[list[Problem], bool]:
    """Turn each diagram fence into a ``diagram`` token holding its SVG; returns the problems, and whether a
    program failed for a reason of its own (then the document's HTML must not be cached)."""
    problems: list[Problem] = []
    volatile = False
    prefix = "dg" + hashlib.sha256(text.encode()).hexdigest()[:6]
    for number, token in enumerate(fences, 1):
        code: CodeOptions = token.meta["code"]
        kind = DIAGRAM_LANGS[code.lang.lower()]
        line = int(token.meta.get("line", 0)) or None
        program = diagrams.tools.program(kind)
        if program is None:
            problems.append(Problem(path, line, f"{kind} diagram shown as code: {_INSTALL[kind]}", "warning"))
            continue
        outcome = _drawn(kind, token.content, diagrams)
        if isinstance(outcome, _Failed):
            where = line + outcome.line if line is not None and outcome.line is not None else line
            if outcome.mistake:
                problems.append(Problem(path, where, f"{kind} diagram: {outcome.message}"))
            else:
                volatile = True
                problems.append(Problem(path, line, f"{kind} diagram shown as code: {outcome.message}", "warning"))
            continue
        problems.extend(Problem(path, line, f"{kind} diagram: {w}", "warning") for w in outcome.warnings)
        from blogen.markdown.svg import SVGError, clean_svg  # only for a drawn diagram (XML parsing)

        try:
            svg = clean_svg(outcome.svg, prefix=f"{prefix}-{number}-", label=code.title, recolor=kind == "dot")
        except SVGError as exc:
            problems.append(Problem(path, line, f"{kind} diagram: {exc}"))
            continue
        token.type = "diagram"
        token.meta["html"] = _figure(svg, kind, code)
    return problems, volatile


def _figure(svg: str, kind: str, code: CodeOptions) -> str:
    classes = " ".join(("diagram", f"diagram-{kind}", *code.classes))
    ident = f' id="{code.ident}"' if code.ident else ""
    if code.title:
        return f'<figure class="{classes}"{ident}>{svg}<figcaption>{escape_text(code.title)}</figcaption></figure>\n'
    return f'<div class="{classes}"{ident}>{svg}</div>\n'


def render_diagram(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return str(tokens[idx].meta.get("html", ""))


def _drawn(kind: str, source: str, diagrams: Diagrams) -> _Drawn | _Failed:
    """The program's SVG for ``source``, from the store when it was drawn before."""
    tools = diagrams.tools
    key = hashlib.sha256(f"{_FORMAT}|{kind}|{tools.identity(kind)}|{source}".encode()).hexdigest()
    store = diagrams.store
    kept = store.get(key) if store is not None else None
    if kept is not None:
        try:
            entry = json.loads(kept)
            if isinstance(entry.get("svg"), str) and all(isinstance(w, str) for w in entry.get("warnings", ())):
                return _Drawn(entry["svg"], tuple(entry.get("warnings", ())))
        except (ValueError, AttributeError, TypeError):
            pass  # a damaged entry: draw again
    outcome = _run_dot(tools, source) if kind == "dot" else _run_mermaid(tools, source)
    if isinstance(outcome, _Drawn) and store is not None:
        store.put(key, json.dumps({"svg": outcome.svg, "warnings": list(outcome.warnings)}).encode())
    return outcome


def _run(command: list[str], source: str, timeout: int, env: dict[str, str]) -> subprocess.CompletedProcess[bytes] | _Failed:
    import subprocess

    name = os.path.basename(command[0])
    try:
        return subprocess.run(command, input=source.encode(), capture_output=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return _Failed(f"{name} did not finish within {timeout} s", mistake=False)
    except OSError as exc:
        return _Failed(f"{name} could not be run ({exc.strerror or exc})", mistake=False)


def _run_dot(tools: DiagramTools, source: str) -> _Drawn | _Failed:
    import tempfile

    assert tools.dot is not None
    with tempfile.TemporaryDirectory(prefix="blogen-dot-") as nowhere:
        # Server mode: Graphviz loads files (image=, shapefile=) only from GV_FILE_PATH, an empty folder.
        env = {**os.environ, "SERVER_NAME": "blogen", "GV_FILE_PATH": nowhere + os.sep}
        done = _run([tools.dot.path, *_DOT_ARGS], source, DOT_TIMEOUT, env)
    if isinstance(done, _Failed):
        return done
    said = [line.strip() for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    if done.returncode != 0 or not done.stdout.strip():
        first = next((s for s in said if s.lower().startswith("error")), said[0] if said else f"dot exited with status {done.returncode}")
        message = re.sub(r"^Error:\s*(<stdin>:\s*)?", "", first)
        found = _LINE_RE.search(message)
        return _Failed(message, int(found.group(1)) if found else None)
    warnings = tuple(re.sub(r"^Warning:\s*(<stdin>:\s*)?", "", s) for s in said if s.lower().startswith("warning"))
    return _Drawn(done.stdout.decode("utf-8", "replace"), warnings)


def _run_mermaid(tools: DiagramTools, source: str) -> _Drawn | _Failed:
    import tempfile

    assert tools.mmdc is not None
    with tempfile.TemporaryDirectory(prefix="blogen-mermaid-") as folder:
        config, browser = os.path.join(folder, "mermaid.json"), os.path.join(folder, "puppeteer.json")
        with open(config, "w", encoding="utf-8") as fh:
            json.dump(_MERMAID_CONFIG, fh)
        with open(browser, "w", encoding="utf-8") as fh:
            json.dump(_puppeteer_config(tools), fh)
        command = [tools.mmdc.path, "--quiet", "--input", "-", "--output", "-", "--outputFormat", "svg",
                   "--backgroundColor", "transparent", "--svgId", "mermaid", "--configFile", config,
                   "--puppeteerConfigFile", browser]
        env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"}
        done = _run(command, source, MERMAID_TIMEOUT, env)
    if isinstance(done, _Failed):
        return done
    said = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0 or "<svg" not in done.stdout.decode("utf-8", "replace")[:2000]:
        return _mermaid_failure(said, done.returncode)
    return _Drawn(done.stdout.decode("utf-8", "replace"))


def _puppeteer_config(tools: DiagramTools) -> dict[str, object]:
    """The system's browser, headless; without its sandbox only as root, where Chromium refuses to start with it."""
    config: dict[str, object] = {"headless": True}
    if tools.browser is not None:
        config["executablePath"] = tools.browser.path
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        config["args"] = ["--no-sandbox"]
    return config


def _mermaid_failure(said: str, status: int) -> _Failed:
    """mmdc's message without its stack trace; a mistake in the diagram, or a failure of its own."""
    lines = [line.rstrip() for line in said.splitlines() if line.strip()]
    kept: list[str] = []
    for line in lines:
        if line.lstrip().startswith("at ") or "(file://" in line or "(https://" in line:
            break
        if not re.fullmatch(r"\s*(-*\^|\.\.\..*)", line):  # the excerpt and the caret under it: meaningless on one line
            kept.append(line.strip())
    message = " ".join(kept[:4]) or f"mmdc exited with status {status}"
    message = re.sub(r"^Error:\s*", "", message)
    mistake = any(sign in said for sign in _MERMAID_MISTAKES)
    found = _LINE_RE.search(message) if mistake else None
    return _Failed(message if len(message) < 400 else message[:399] + "…", int(found.group(1)) if found else None, mistake)
