"""Scenario tests for `blogen init`, `new`, `list` and `theme eject`: each command, and each refusal."""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from blogen.authoring.scaffold import format_front_matter
from blogen.build.pipeline import BuildReport
from blogen.cli.authoring import COMMANDS
from blogen.cli.commands import cli as main_group
from blogen.content.frontmatter import split_source
from blogen.core.config import _MARKDOWN_KEYS, _TOP_KEYS, load_config
from blogen.core.install import builtin_theme_dir

for _command in COMMANDS:
    if _command.name not in main_group.commands:
        main_group.add_command(_command)

Cli = Callable[..., tuple[int, str, str]]
BERLIN = 'timezone = "Europe/Berlin"\n'


def meta_of(path: Path) -> dict[str, object]:
    split, problems = split_source(path.read_text(encoding="utf-8"), path.name)
    assert split is not None and not problems
    return split.values


# --- init -----------------------------------------------------------------------------------------


def test_init_makes_a_site_that_builds(cli: Cli, tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    code, out, err = cli("init", str(demo), "--timezone", "Europe/Berlin")
    assert code == 0, err
    files = sorted(p.relative_to(demo).as_posix() for p in demo.rglob("*") if p.is_file())
    assert files == [".gitignore", "blogen.toml", "content/pages/about.md", "content/posts/hello-blogen.md", "content/static/.gitkeep"]
    assert f"created {demo}/blogen.toml" in out
    assert not (demo / "theme").exists()  # the built-in theme is used
    ignored = [line for line in (demo / ".gitignore").read_text().splitlines() if not line.startswith("#")]
    assert ignored == ["output/", ".blogen-cache/", ".*.blogen-*"]
    post = meta_of(demo / "content/posts/hello-blogen.md")
    when = post["date"]
    assert isinstance(when, datetime) and when.utcoffset() == datetime.now(ZoneInfo("Europe/Berlin")).utcoffset()
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=1) and when.microsecond == 0
    assert post["tags"] == ["blogen", "notes"]
    assert "```python" in (demo / "content/posts/hello-blogen.md").read_text()

    code, out, err = cli("build", "--root", str(demo))
    assert code == 0, err
    assert "built 1 post, 1 page, 2 tags" in out
    assert (demo / "output/posts/hello-blogen/index.html").is_file()
    assert (demo / "output/about/index.html").is_file()
    assert (demo / "output/feed.xml").is_file()


def test_init_config_explains_every_key(tmp_path: Path) -> None:
    from blogen.authoring.scaffold import init_site

    init_site(tmp_path / "s", timezone="UTC", title="My Notes")
    text = (tmp_path / "s/blogen.toml").read_text()
    data = tomllib.loads(text)
    assert set(data) == set(_TOP_KEYS)
    assert set(data["markdown"]) == set(_MARKDOWN_KEYS)
    assert set(data["highlight"]) == {"light", "dark", "line_numbers"}
    assert set(data["feed"]) == {"enabled", "entries", "full_content", "tags", "json"}
    assert set(data["taxonomies"]) == {"categories", "series"}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^(\w+ =|\[\w+\])", line):  # every key and table has a comment right above it
            assert lines[i - 1].startswith("#"), line
    config = load_config(tmp_path / "s")
    assert config.title == "My Notes" and config.base_url == "https://example.org/"


def test_init_refuses_a_folder_that_is_not_empty(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = cli("init", str(tmp_path))
    assert code == 1
    assert err == f"{tmp_path}: folder is not empty (notes.txt); choose a new folder, or add --force to add the missing files (existing files are never overwritten)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_init_force_keeps_existing_files(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "content/pages").mkdir(parents=True)
    (tmp_path / "content/pages/about.md").write_text("---\ntitle: Mine\n---\nMine.\n")
    code, out, err = cli("init", str(tmp_path), "--force")
    assert code == 0, err
    assert f"skipped {tmp_path}/content/pages/about.md (it exists; not overwritten)" in out
    assert (tmp_path / "content/pages/about.md").read_text() == "---\ntitle: Mine\n---\nMine.\n"
    assert (tmp_path / "blogen.toml").is_file()


def test_init_bad_timezone_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("init", str(tmp_path / "x"), "--timezone", "Mars/Olympus")
    assert code == 2 and "unknown timezone" in err
    assert not (tmp_path / "x").exists()


# --- theme eject ----------------------------------------------------------------------------------


def test_theme_eject_copies_and_refuses_to_overwrite(cli: Cli, site: Callable[..., Path]) -> None:
    root = site("")
    code, out, err = cli("theme", "eject", "--root", str(root))
    assert code == 0, err
    builtin = builtin_theme_dir()
    for name in ("templates/base.html", "templates/post.html", "static/style.css", "shortcodes/figure.html"):
        assert (root / "theme" / name).read_bytes() == (builtin / name).read_bytes()
    assert f"created {root}/theme/templates/base.html" in out

    (root / "theme/templates/base.html").write_text("my edit")
    code, out, err = cli("theme", "eject", "--root", str(root))
    assert code == 1
    assert f"{root}/theme/templates/base.html: already exists; not overwritten (use --force to replace it with the built-in version)" in err
    assert (root / "theme/templates/base.html").read_text() == "my edit"

    code, out, err = cli("theme", "eject", "--root", str(root), "--force")
    assert code == 0 and f"replaced {root}/theme/templates/base.html" in out
    assert (root / "theme/templates/base.html").read_bytes() == (builtin / "templates/base.html").read_bytes()


def test_theme_eject_needs_a_site(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("theme", "eject", "--root", str(tmp_path))
    assert code == 1 and "is this a blogen site?" in err
    assert not (tmp_path / "theme").exists()


# --- new ------------------------------------------------------------------------------------------


def test_new_writes_a_post_that_builds(cli: Cli, site: Callable[..., Path], build: Callable[..., BuildReport]) -> None:
    root = site("", config=BERLIN + 'base_url = "https://example.org/"\n')
    title = 'C++: "why" it\'s #1 - yes'
    code, out, err = cli("new", title, "--root", str(root), "--tags", "c++, rants", "--publish")
    assert code == 0, err
    path = root / "content/posts/c-why-it-s-1-yes.md"
    assert out == f"{path}\n"
    meta = meta_of(path)
    assert meta["title"] == title and meta["tags"] == ["c++", "rants"] and "draft" not in meta
    when = meta["date"]
    assert isinstance(when, datetime) and when.utcoffset() == datetime.now(ZoneInfo("Europe/Berlin")).utcoffset()
    assert re.search(r"^date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", path.read_text(), re.M)
    report = build(root, now=datetime.now(UTC) + timedelta(seconds=1))
    assert [p.title for p in report.site.posts] == [title]


def test_new_draft_bundle_and_slug(cli: Cli, site: Callable[..., Path], build: Callable[..., BuildReport]) -> None:
    root = site("")
    code, out, err = cli("new", "Cask notes", "--root", str(root), "--bundle", "--draft", "--slug", "cask")
    assert code == 0, err
    path = root / "content/posts/cask/index.md"
    assert out == f"{path}\n" and meta_of(path)["draft"] is True
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert build(root, now=later).site.posts == ()
    assert [p.url for p in build(root, now=later, drafts=True).site.posts] == ["/posts/cask/"]


@pytest.mark.parametrize(("existing", "args", "message"), [
    ("-- content/posts/hello.md --\n---\ntitle: x\n---\n", ("Hello",),
     "content/posts/hello.md: a post with slug 'hello' already exists; choose another with --slug"),
    ("-- content/posts/hello/index.md --\n---\ntitle: x\n---\n", ("Hello!",),
     "content/posts/hello/index.md: a post with slug 'hello' already exists; choose another with --slug"),
    ("-- content/posts/2020-01-01-hello.md --\n---\ntitle: x\n---\n", ("hello",),
     "content/posts/2020-01-01-hello.md: a post with slug 'hello' already exists; choose another with --slug"),
    ("-- content/posts/other.md --\n---\ntitle: x\nslug: hello\n---\n", ("Hello",),
     "content/posts/other.md: a post with slug 'hello' already exists; choose another with --slug"),
    ("", ("!!!",), "content/posts: title '!!!' has no letters or digits to make a slug from; give one with --slug"),
])
def test_new_refuses(cli: Cli, site: Callable[..., Path], existing: str, args: tuple[str, ...], message: str) -> None:
    root = site(existing)
    before = sorted(p for p in root.rglob("*"))
    code, out, err = cli("new", *args, "--root", str(root))
    assert code == 1 and out == ""
    assert err == f"{root}/{message}\n"
    assert sorted(p for p in root.rglob("*")) == before


def test_new_bad_slug_is_a_usage_error(cli: Cli, site: Callable[..., Path]) -> None:
    root = site("")
    code, _, err = cli("new", "Title", "--root", str(root), "--slug", "a/b")
    assert code == 2 and "may not contain '/'" in err


def test_new_outside_a_site(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("new", "Title", "--root", str(tmp_path))
    assert code == 1 and "is this a blogen site?" in err and not (tmp_path / "content").exists()


def test_front_matter_round_trips_awkward_values() -> None:
    values = {"title": "yes", "summary": "a: b # c\n'd'", "tags": ["1.10", "on", "x, y"], "date": datetime(2021, 3, 14, 9, 30, tzinfo=UTC),
              "extra": {"n": None, "nested": {"k": [1, 2]}}}
    split, problems = split_source(format_front_matter(values) + "\nbody\n", "x.md")
    assert split is not None and not problems
    assert split.values == values


# --- list -----------------------------------------------------------------------------------------

LIST_SITE = """\
-- content/posts/old.md --
---
title: Old post
date: 2020-01-02T03:04:05+01:00
tags: [Linux, linux, ssh]
---
x
-- content/posts/2021-05-06-named.md --
# Named by heading

No title key; the date comes from the file name.
-- content/posts/future.md --
---
title: Future post
date: 2999-01-01
tags: [ssh]
---
x
-- content/posts/wip.md --
---
title: Work in progress
date: 2022-01-01
draft: true
tags: [Linux]
---
x
-- content/pages/about.md --
---
title: About
---
x
"""


def test_list_json_is_exact(cli: Cli, site: Callable[..., Path]) -> None:
    root = site(LIST_SITE)
    code, out, err = cli("list", "--root", str(root), "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "posts": [
            {"date": "2999-01-01T00:00:00+00:00", "title": "Future post", "slug": "future", "url": "/posts/future/",
             "tags": ["ssh"], "state": "scheduled", "source": "content/posts/future.md"},
            {"date": "2021-05-06T00:00:00+00:00", "title": "Named by heading", "slug": "named", "url": "/posts/named/",
             "tags": [], "state": "published", "source": "content/posts/2021-05-06-named.md"},
            {"date": "2020-01-02T03:04:05+01:00", "title": "Old post", "slug": "old", "url": "/posts/old/",
             "tags": ["Linux", "ssh"], "state": "published", "source": "content/posts/old.md"},
        ],
        "tags": [{"name": "ssh", "slug": "ssh", "count": 2}, {"name": "Linux", "slug": "linux", "count": 1}],
    }
    assert out.startswith('{\n  "posts": [\n    {\n      "date": "2999-01-01T00:00:00+00:00",')


def test_list_table_with_drafts(cli: Cli, site: Callable[..., Path]) -> None:
    root = site(LIST_SITE)
    code, out, err = cli("list", "--root", str(root), "--drafts")
    assert code == 0, err
    assert out == (
        "DATE        STATE      TITLE             TAGS\n"
        "2999-01-01  scheduled  Future post       ssh\n"
        "2022-01-01  draft      Work in progress  Linux\n"
        "2021-05-06  published  Named by heading\n"
        "2020-01-02  published  Old post          Linux, ssh\n"
        "(4 posts)\n"
        "\n"
        "TAG    POSTS\n"
        "Linux  2\n"
        "ssh    2\n"
    )


def test_list_reports_site_errors_without_traceback(cli: Cli, site: Callable[..., Path]) -> None:
    root = site("-- content/posts/bad.md --\n---\ntitle: [unclosed\n---\n")
    code, out, err = cli("list", "--root", str(root))
    assert code == 1 and out == ""
    assert re.match(rf"{re.escape(str(root))}/content/posts/bad\.md:\d+: YAML syntax error", err) and "Traceback" not in err


# --- help -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("init",), ("new",), ("import",), ("list",), ("theme",), ("theme", "eject")])
def test_every_command_has_an_example(cli: Cli, args: tuple[str, ...]) -> None:
    code, out, _ = cli(*args, "--help")
    assert code == 0
    assert re.search(r"Examples?:\n +blogen ", out), out


def test_progress_is_quiet_when_piped(monkeypatch: pytest.MonkeyPatch) -> None:
    from blogen.cli import terminal

    monkeypatch.delenv("CI", raising=False)
    assert terminal.person_watching() is False  # pytest captures stderr: not a terminal
    monkeypatch.setattr(terminal.sys.stderr, "isatty", lambda: True, raising=False)
    assert terminal.person_watching() is True
    monkeypatch.setenv("CI", "1")
    assert terminal.person_watching() is False
    assert os.environ["CI"] == "1"


def test_the_help_lists_every_command_and_each_one_loads() -> None:
    """The commands of ``cli/authoring.py`` load only when asked for (a build does without them): in a
    fresh process, ``blogen --help`` still lists every one, and each answers ``--help``."""
    import subprocess
    import sys

    run = [sys.executable, "-c", "import sys, blogen.cli; sys.exit(blogen.cli.main())"]
    shown = subprocess.run([*run, "--help"], capture_output=True, text=True, timeout=60, check=True).stdout
    listed = {line.split()[0] for line in shown.split("Commands:", 1)[1].splitlines() if line.strip()}
    assert {command.name for command in COMMANDS} <= listed
    assert {"build", "check", "serve", "deploy"} <= listed
    for command in COMMANDS:
        done = subprocess.run([*run, str(command.name), "--help"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "Usage: blogen" in done.stdout, done.stderr
    mistyped = subprocess.run([*run, "inti"], capture_output=True, text=True, timeout=60)
    assert mistyped.returncode == 2 and "Did you mean 'init'?" in mistyped.stderr
