"""The architecture's import rule: modules import only from modules below them in the table."""

from __future__ import annotations

import ast
from pathlib import Path

import blogen
from blogen.mdcache import RENDERER_SOURCES

# Each module may import from blogen only what is listed (directly or not); the README's module table
# says what each one does.
ALLOWED = {
    "errors": set(),
    "urls": {"errors"},
    "config": {"urls", "errors", "markdown"},  # markdown only to check highlight style names
    "frontmatter": {"errors", "urls"},
    "fileid": set(),
    "content": {"config", "errors", "fileid", "frontmatter"},
    "highlight": set(),
    "fences": {"errors", "highlight"},
    "mdparser": {"config", "errors", "fences", "highlight", "urls"},
    "mdanalysis": {"config", "errors", "fences", "highlight", "urls"},
    "markdown": {"config", "errors", "fences", "highlight", "mdanalysis", "mdparser", "urls"},
    "links": {"errors", "markdown"},
    "images": {"errors"},
    "site": {"config", "content", "errors", "images", "links", "markdown"},
    "routes": {"config", "content", "errors", "images", "site", "urls"},
    "sitelinks": {"config", "content", "errors", "images", "links", "markdown", "site", "urls"},
    "model": {"config", "content", "errors", "images", "markdown", "routes", "site", "sitelinks", "urls"},
    "sitepatch": {"content", "images", "markdown", "model", "site", "sitelinks"},
    "feeds": {"config", "errors", "site"},
    "stamp": {"fileid"},
    "views": {"markdown", "site"},
    "templates": {"errors", "views"},
    "pagelinks": set(),
    "fingerprints": {"site", "stamp", "views"},
    "render": {"errors", "feeds", "fingerprints", "markdown", "pagelinks", "site", "stamp", "templates", "urls", "views"},
    "outstate": {"fileid"},
    "write": {"errors", "outstate"},
    "check": {"build", "errors", "mdcache"},
    "scaffold": {"content", "errors", "frontmatter", "urls"},
    "listing": {"config", "content", "errors", "urls"},
    "importer": {"config", "content", "errors", "frontmatter", "listing", "scaffold", "urls"},
    "import_jekyll": {"content", "errors", "importer", "urls"},
    "import_hugo": {"content", "errors", "importer", "urls"},
    "mdcache": {"config", "content", "errors", "markdown", "stamp"},
    "quick": {"config", "content", "fileid", "images", "markdown", "site"},
    "lastbuild": {"config", "content", "errors", "images", "markdown", "quick", "render", "site", "stamp"},
    "rebuild": {"config", "content", "images", "lastbuild", "markdown", "mdcache", "quick", "render", "site", "sitepatch",
                "stamp", "templates"},
    "build": {"config", "content", "errors", "images", "lastbuild", "markdown", "mdcache", "model", "outstate", "quick",
              "rebuild", "render", "site", "sitepatch", "stamp", "templates", "write"},
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("blogen"):
            mod = node.module.removeprefix("blogen").lstrip(".")
            if mod:
                found.add(mod.split(".")[0])
            else:
                found.update(alias.name for alias in node.names if alias.name != "__version__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("blogen."):
                    found.add(alias.name.split(".")[1])
    return found


def test_pipeline_modules_only_import_downwards() -> None:
    pkg = Path(blogen.__file__).parent
    for name, allowed in ALLOWED.items():
        used = _imports(pkg / f"{name}.py")
        assert used <= allowed, f"blogen.{name} imports {sorted(used - allowed)}, which sit above it in the pipeline"


def test_only_cli_prints() -> None:
    pkg = Path(blogen.__file__).parent
    for path in sorted(pkg.glob("*.py")):
        if path.name in {"cli.py", "__main__.py"}:
            continue
        tree = ast.parse(path.read_text())
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"]
        assert not calls, f"{path.name} calls print(); only the CLI talks to the terminal"


def test_the_markdown_cache_is_keyed_by_all_of_the_renderers_code() -> None:
    """Cached HTML counts as fresh while the renderer's source files are the same: a module the
    renderer imports that is missing from that list could change the HTML and old entries would
    still be served after an upgrade."""
    pkg = Path(blogen.__file__).parent
    seen: set[str] = set()
    todo = ["markdown"]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_imports(pkg / f"{name}.py"))
    shaping = seen - {"errors", "config"}  # problem messages; the options themselves are in the key
    assert {f"{name}.py" for name in shaping} <= set(RENDERER_SOURCES)
