"""The one boundary rule at every entry point that reads or writes a file: the config, the theme's
templates and static files (as the build, the template loader and the dev server read them), the
user's cache files, and the files init, new and theme eject write."""

from __future__ import annotations

import json
import os
import stat
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest
from conftest import snapshot

from blogen.build.stages import collect_theme_assets
from blogen.content.inputs import theme_files, walk_inputs, walk_theme
from blogen.core import signing
from blogen.core.config import load_config
from blogen.core.errors import BlogenError
from blogen.core.install import installed_fingerprint, user_cache_dir
from blogen.render.templates import make_environment
from blogen.serve.server import DevServer

Cli = Callable[..., tuple[int, str, str]]

SITE = """\
-- content/posts/good.md --
---
title: Good
date: 2024-01-01
---
Fine.
-- theme/static/extra.css --
p { margin: 0 }
-- theme/templates/page.html --
{% extends "base.html" %}{% block content %}{{ page.html }}{% endblock %}
"""


def _in_time(action: Callable[[], tuple[int, str, str]], seconds: float = 60) -> tuple[int, str, str]:
    """Run a command in a thread; a FIFO read would block it forever, which must fail the test, not hang it."""
    result: list[tuple[int, str, str]] = []
    worker = threading.Thread(target=lambda: result.append(action()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, "blocked (on a FIFO?)"
    return result[0]


@pytest.fixture
def built(site: Callable[..., Path], cli: Cli) -> Path:
    root = site(SITE)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    return root


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text("TOP SECRET: never publish\n")
    return path


# --- the config -----------------------------------------------------------------------------------


def test_a_config_file_that_is_a_fifo_is_refused_without_waiting(built: Path, cli: Cli) -> None:
    (built / "blogen.toml").unlink()
    os.mkfifo(built / "blogen.toml")
    before = snapshot(built / "output")
    for command in ("build", "check"):
        code, _out, err = _in_time(lambda command=command: cli(command, "--root", str(built)))  # type: ignore[misc]
        assert code == 1
        assert "blogen.toml: is a FIFO (named pipe); blogen reads only regular files" in err
        assert "Traceback" not in err
    assert snapshot(built / "output") == before


def test_a_config_file_symlinked_outside_the_site_is_refused(built: Path, cli: Cli, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text((built / "blogen.toml").read_text())
    (built / "blogen.toml").unlink()
    (built / "blogen.toml").symlink_to(elsewhere)
    code, _out, err = cli("build", "--root", str(built))
    assert code == 1
    assert f"blogen.toml: symlink points outside the site (to {elsewhere})" in err


def test_an_unreadable_blogen_toml_is_not_passed_over_for_pyproject(built: Path) -> None:
    (built / "pyproject.toml").write_text('[tool.blogen]\ntitle = "Other"\nbase_url = "https://o.example/"\n')
    (built / "blogen.toml").unlink()
    os.mkfifo(built / "blogen.toml")
    with pytest.raises(BlogenError) as info:
        load_config(built)
    assert [p.format() for p in info.value.problems] == ["blogen.toml: is a FIFO (named pipe); blogen reads only regular files"]


# --- the theme ------------------------------------------------------------------------------------


def test_a_symlink_into_a_hidden_file_of_the_site_is_refused(built: Path, cli: Cli) -> None:
    """Inside the site, but where blogen never reads by name: a theme cloned with links to ../../.env
    or ../../.git/config must not publish the site's secrets."""
    (built / ".env").write_text("TOKEN=TOP SECRET\n")
    (built / ".git").mkdir()
    (built / ".git/config").write_text("[remote]\nurl = https://user:TOP SECRET@example.org/\n")
    (built / "theme/static/env.txt").symlink_to("../../.env")
    (built / "theme/static/git").symlink_to("../../.git", target_is_directory=True)
    (built / "content/posts/config.md").symlink_to(built / ".git/config")
    before = snapshot(built / "output")
    code, _out, err = cli("build", "--root", str(built))
    assert code == 1
    for link, hidden in (("theme/static/env.txt", ".env"), ("theme/static/git", ".git"), ("content/posts/config.md", ".git")):
        assert f"{link}: symlink leads into '{hidden}'" in err, err
    assert snapshot(built / "output") == before


def test_a_theme_file_swapped_for_a_symlink_after_the_walk_is_not_read(built: Path, secret: Path) -> None:
    """The readers read only what the walk vetted, and each read keeps the rule: a file the walk saw,
    replaced by a link out before it is read, is refused, never published."""
    root = built.resolve()
    inputs = walk_inputs(root)
    css = root / "theme/static/extra.css"
    css.unlink()
    css.symlink_to(secret)
    with pytest.raises(BlogenError) as info:
        collect_theme_assets(load_config(root), inputs)
    assert info.value.problems[0].format().startswith("theme/static/extra.css: symlink points outside the site")
    css.unlink()
    (root / ".env").write_text("TOP SECRET")
    css.symlink_to(root / ".env")
    with pytest.raises(BlogenError) as info:
        collect_theme_assets(load_config(root), inputs)
    assert info.value.problems[0].format().startswith("theme/static/extra.css: symlink leads into '.env'")


def test_the_template_loader_reads_only_what_the_walk_vetted(built: Path, secret: Path) -> None:
    root = built.resolve()
    env = make_environment(root)
    page = root / "theme/templates/page.html"
    page.unlink()
    page.symlink_to(secret)
    with pytest.raises(jinja2.TemplateError, match="symlink points outside the site") as info:
        env.get_template("page.html")
    assert "TOP SECRET" not in str(info.value)
    (root / "theme/templates/new.html").symlink_to(secret)  # not there when the walk ran: not a template
    with pytest.raises(jinja2.TemplateNotFound):
        env.get_template("new.html")
    with pytest.raises(jinja2.TemplateNotFound):
        make_environment(root).get_template("../outside/secret.txt")


def test_a_template_include_cannot_climb_out_of_the_theme(built: Path, cli: Cli) -> None:
    (built / "theme/templates/page.html").write_text('{% include "../../../../../../etc/hostname" %}')
    (built / "content/pages").mkdir()
    (built / "content/pages/about.md").write_text("---\ntitle: About\n---\nx\n")
    code, _out, err = cli("build", "--root", str(built))
    assert code == 1
    assert "theme/templates/page.html:1: template '../../../../../../etc/hostname' not found" in err


def test_the_built_in_theme_inside_the_site_is_walked_too(site: Callable[..., Path]) -> None:
    """A site that keeps its virtualenv inside itself has the built-in theme inside the site, but not
    in theme/: its templates and static files are still walked, vetted and found."""
    root = site(SITE).resolve()
    builtin = root / ".venv/lib/blogen/theme"
    (builtin / "templates").mkdir(parents=True)
    (builtin / "templates/base.html").write_text("<html>{% block content %}{% endblock %}</html>")
    (builtin / "static").mkdir()
    (builtin / "static/style.css").write_text("body{}")
    found = walk_theme(root, builtin_theme=builtin)
    assert set(theme_files(found, "templates")) == {"base.html", "page.html"}
    assert theme_files(found, "templates")["base.html"].path == str(builtin / "templates/base.html")
    assert set(theme_files(found, "static")) == {"extra.css", "style.css"}


def test_the_dev_server_never_serves_a_theme_file_from_outside(site: Callable[..., Path], secret: Path) -> None:
    root = site(SITE)
    (root / "theme/static/passwd").symlink_to(secret)
    lines: list[str] = []
    dev = DevServer(root, port=0, echo=lines.append)
    try:
        dev.start()
        assert dev.wait_first_build(60)
        for path in ("/passwd", "/static/passwd", "/theme/static/passwd"):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{dev.port}{path}", timeout=30) as resp:
                    body = resp.read()
            except urllib.error.HTTPError as exc:
                body = exc.read()
            assert b"TOP SECRET" not in body
        assert any("theme/static/passwd: symlink points outside the site" in line for line in lines)
        assert not any(p.is_file() and b"TOP SECRET" in p.read_bytes() for p in dev.served.rglob("*"))
    finally:
        dev.close()


# --- the user's cache folder ----------------------------------------------------------------------


def test_user_cache_files_that_are_fifos_neither_hang_nor_stop_the_build(site: Callable[..., Path], cli: Cli) -> None:
    folder = user_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("key", "fingerprints.json"):
        (folder / name).unlink(missing_ok=True)
        os.mkfifo(folder / name)
    try:
        root = site(SITE)
        code, _out, err = _in_time(lambda: cli("build", "--root", str(root), "-q"))
        assert code == 0, err
        assert installed_fingerprint("test-value", lambda: "computed") == "computed"
    finally:
        for name in ("key", "fingerprints.json"):
            (folder / name).unlink(missing_ok=True)


def test_the_signing_key_is_made_private_and_never_through_a_symlink(tmp_path: Path) -> None:
    folder = user_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / "key"
    key.unlink(missing_ok=True)
    target = tmp_path / "planted-key"
    key.symlink_to(target)  # dangling: writing through it would create a key the planter can read
    try:
        assert signing.secret() is None  # no key: every build is a full one
        assert not target.exists()
        key.unlink()
        made = signing.secret()
        assert made is not None and len(made) == 32
        assert stat.S_IMODE(key.lstat().st_mode) & 0o077 == 0
        assert stat.S_ISREG(key.lstat().st_mode)
        assert signing.secret() == made
    finally:
        key.unlink(missing_ok=True)


def test_fingerprints_are_written_whole_and_replace_a_symlink(tmp_path: Path) -> None:
    folder = user_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fingerprints.json"
    path.unlink(missing_ok=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    path.symlink_to(victim)
    try:
        installed_fingerprint("boundary-test", lambda: "value")
        assert victim.read_text() == "mine"
        if not path.is_symlink():  # written (the installation was settled): a file of its own
            assert isinstance(json.loads(path.read_text()), dict)
    finally:
        path.unlink(missing_ok=True)


# --- what init, new and eject write ---------------------------------------------------------------


def test_eject_force_replaces_a_symlink_instead_of_writing_through_it(built: Path, cli: Cli, tmp_path: Path) -> None:
    victim = tmp_path / "victim.css"
    victim.write_text("precious\n")
    (built / "theme/static/style.css").symlink_to(victim)
    code, _out, err = cli("theme", "eject", "--root", str(built), "--force")
    assert code == 0, err
    assert victim.read_text() == "precious\n"
    ejected = built / "theme/static/style.css"
    assert not ejected.is_symlink() and ejected.stat().st_size > 100


def test_eject_into_a_theme_folder_leading_outside_is_refused_and_writes_nothing(site: Callable[..., Path], cli: Cli,
                                                                               tmp_path: Path) -> None:
    root = site(SITE.split("-- theme/")[0])
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "theme").symlink_to(outside)
    code, _out, err = cli("theme", "eject", "--root", str(root), "--force")
    assert code == 1
    assert f"theme: leads outside the site (to {outside}); nothing was written" in err
    assert list(outside.iterdir()) == []


def test_init_force_into_a_folder_whose_content_leads_outside_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    dest, outside = tmp_path / "site", tmp_path / "elsewhere"
    dest.mkdir()
    outside.mkdir()
    (dest / "content").symlink_to(outside)
    code, _out, err = cli("init", str(dest), "--force")
    assert code == 1
    assert f"content: leads outside the site (to {outside}); nothing was written" in err
    assert list(outside.iterdir()) == [] and sorted(p.name for p in dest.iterdir()) == ["content"]


def test_new_refuses_a_posts_folder_leading_outside_and_ignores_fifos(built: Path, cli: Cli, tmp_path: Path) -> None:
    os.mkfifo(built / "content/posts/pipe.md")
    code, out, err = _in_time(lambda: cli("new", "Second post", "--root", str(built)))
    assert code == 0, err
    assert out.strip().endswith("content/posts/second-post.md")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (built / "content/posts/pipe.md").unlink()
    (built / "content/posts").rename(built / "posts-moved")
    (built / "content/posts").symlink_to(outside)
    code, _out, err = cli("new", "Third post", "--root", str(built))
    assert code == 1
    assert f"content/posts: leads outside the site (to {outside}); nothing was written" in err
    assert list(outside.iterdir()) == []


def test_a_fifo_at_a_cache_file_does_not_hang_the_build(built: Path, cli: Cli) -> None:
    cache = built / ".blogen-cache"
    for path in cache.glob("code-*.css"):
        path.unlink()
        os.mkfifo(path)
    (cache / "quick-base.pickle").unlink(missing_ok=True)
    os.mkfifo(cache / "quick-base.pickle")
    (built / "content/posts/good.md").write_text("---\ntitle: Good\ndate: 2024-01-01\n---\nFine, edited.\n")
    code, _out, err = _in_time(lambda: cli("build", "--root", str(built), "-q"))
    assert code == 0, err
    assert "Fine, edited." in (built / "output/posts/good/index.html").read_text()


def test_a_cache_folder_leading_outside_the_site_is_neither_read_nor_written(site: Callable[..., Path], cli: Cli,
                                                                            tmp_path: Path) -> None:
    root = site(SITE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / ".blogen-cache").symlink_to(elsewhere)
    for _ in range(2):
        code, _out, err = cli("build", "--root", str(root), "-q")
        assert code == 0, err
        (root / "content/posts/good.md").write_text("---\ntitle: Good\ndate: 2024-01-01\n---\nFine, again.\n")
    assert cli("check", "--root", str(root))[0] == 0
    assert list(elsewhere.iterdir()) == []
    assert "Fine, again." in (root / "output/posts/good/index.html").read_text()
