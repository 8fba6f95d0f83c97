"""The documentation stays true to the program: every config key, command, option, front-matter key and
template is documented in docs/, README links every page, and no link in them points nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from blogen.cli.commands import cli
from blogen.content.frontmatter import KNOWN_KEYS
from blogen.core.config import _FEED_KEYS, _HIGHLIGHT_KEYS, _IMAGE_KEYS, _MARKDOWN_KEYS, _TOP_KEYS

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _config_keys() -> list[str]:
    keys = [k for k in _TOP_KEYS if k not in {"markdown", "highlight", "feed", "images"}]
    for table, known in (("markdown", _MARKDOWN_KEYS), ("highlight", _HIGHLIGHT_KEYS), ("feed", _FEED_KEYS),
                         ("images", _IMAGE_KEYS)):
        keys += [f"{table}.{k}" for k in known]
    return keys


@pytest.mark.parametrize("key", _config_keys())
def test_every_config_key_is_documented(key: str) -> None:
    table = [line for line in _read("configuration.md").splitlines() if line.startswith("| `")]
    assert any(f"`{key}`" in line.split(" | ")[0] for line in table), f"{key} has no row in docs/configuration.md"


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # as --help lists them (some are loaded only when asked for)
        command = group.get_command(ctx, name)
        assert command is not None, f"blogen {prefix}{name} is listed but cannot be loaded"
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
        else:
            found.append((prefix + name, command))
    return found


@pytest.mark.parametrize(("name", "command"), _commands(cli), ids=[n for n, _ in _commands(cli)])
def test_every_command_and_option_is_documented(name: str, command: click.Command) -> None:
    text = _read("commands.md")
    assert re.search(rf"^## `blogen {re.escape(name)}\b", text, re.MULTILINE), f"no section for blogen {name}"
    section = text.split(f"## `blogen {name}", 1)[1].split("\n## ", 1)[0]
    for param in command.params:
        for opt in (*param.opts, *param.secondary_opts):
            if opt.startswith("--") and opt != "--root":  # --root is the same for all, documented at the top
                assert f"`{opt}" in section, f"blogen {name} {opt} is not in its section of docs/commands.md"
    assert "`--root DIR`" in text


@pytest.mark.parametrize("key", KNOWN_KEYS)
def test_every_front_matter_key_is_documented(key: str) -> None:
    assert f"| `{key}` |" in _read("front-matter.md")


@pytest.mark.parametrize("template", sorted(p.name for p in (REPO / "theme" / "templates").glob("*.html")))
def test_every_template_is_documented(template: str) -> None:
    assert f"`{template}`" in _read("templates.md")


def test_readme_links_every_docs_page() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((docs/[^)#]+)", readme))
    assert linked == {f"docs/{p.name}" for p in DOCS.glob("*.md")}


@pytest.mark.parametrize("page", ["README.md", *sorted(f"docs/{p.name}" for p in DOCS.glob("*.md"))])
def test_relative_links_resolve(page: str) -> None:
    path = REPO / page
    text = re.sub(r"```.*?```|`[^`\n]*`", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)  # examples are not links
    for target in re.findall(r"\]\(([^)#\s]+)[^)]*\)", text):
        if re.match(r"^[a-z]+:", target):
            continue
        assert (path.parent / target).exists(), f"{page} links to {target}, which does not exist"
