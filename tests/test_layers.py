"""The architecture's rules that import-linter cannot see (its contracts in pyproject.toml keep the layers)."""

from __future__ import annotations

import ast
from pathlib import Path

import blogen
from blogen.incremental.cache import RENDERER_SOURCES

PACKAGE = Path(blogen.__file__).parent


def _imports(path: Path) -> set[str]:
    """The blogen modules ``path`` imports, as paths relative to the package (``core/urls.py``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("blogen."):
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names if alias.name.startswith("blogen.")]
        for name in names:
            module = PACKAGE.joinpath(*name.split(".")[1:]).with_suffix(".py")
            if module.is_file():
                found.add(module.relative_to(PACKAGE).as_posix())
    return found


def test_only_the_command_line_prints() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "cli" or path.name == "__main__.py":
            continue
        tree = ast.parse(path.read_text())
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"]
        assert not calls, f"{path.relative_to(PACKAGE)} calls print(); only the CLI talks to the terminal"


def test_every_module_sits_in_a_package() -> None:
    """The top level holds only the version and ``python -m blogen``: everything else has a stage."""
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]


# Small modules named for what they hold: past this a module holds more than one thing.
MODULE_LINES = 400
# The packages that orchestrate the stages, where ruff also holds every function to 15 branches and
# 60 statements (pyproject.toml); here no function's body runs past this many lines either.
ORCHESTRATION = ("build", "incremental", "output", "serve", "cli")
FUNCTION_LINES = 60


def test_no_module_is_over_400_lines() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 100, "the walk found too few modules to be blogen's"
    lengths = {path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines()) for path in modules}
    too_long = [f"blogen/{name}: {n} lines" for name, n in lengths.items() if n > MODULE_LINES]
    assert not too_long, f"modules over {MODULE_LINES} lines (move a part with a reason of its own into a module named for it): " \
        + "; ".join(too_long)


def _body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function's body, its docstring left out (a command's docstring is its --help text)."""
    body = function.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return (function.end_lineno or function.lineno) - body[0].lineno + 1


def test_no_function_in_the_orchestration_is_over_60_lines() -> None:
    too_long = []
    for package in ORCHESTRATION:
        for path in sorted((PACKAGE / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _body_lines(node) > FUNCTION_LINES:
                    too_long.append(f"blogen/{path.relative_to(PACKAGE).as_posix()}:{node.lineno}: {node.name} "
                                    f"({_body_lines(node)} lines)")
    assert not too_long, f"functions over {FUNCTION_LINES} lines in the orchestration (split them into named steps): " \
        + "; ".join(too_long)


def test_the_markdown_cache_is_keyed_by_all_of_the_renderers_code() -> None:
    """Cached HTML counts as fresh while the renderer's source files are the same: a module the
    renderer imports that is missing from that list could change the HTML and old entries would
    still be served after an upgrade."""
    seen: set[str] = set()
    todo = ["markdown/render.py"]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_imports(PACKAGE / name))
    # problem messages, the options (which the key holds; taxonomies and integrations hold parts of the
    # config: taxonomies; search, comments, analytics, deploy), how the config file is found, read and
    # bounded, how packages load their names, and how the HTML is held in memory (packed, never changed)
    shaping = seen - {"core/errors.py", "core/config.py", "core/sitefolder.py", "core/taxonomies.py",
                      "core/integrations.py", "core/facade.py", "core/files.py", "core/limits.py", "core/packed.py"} \
        - {n for n in seen if n.endswith("__init__.py")}
    assert shaping <= set(RENDERER_SOURCES)
