"""The one walk of a site's inputs: which files are inputs, and the boundary every one of them must keep."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import digests, snapshot, write_site

from blogen.content.inputs import input_path, walk_inputs

Cli = Callable[..., tuple[int, str, str]]

SITE = """\
-- content/posts/good.md --
---
title: Good
date: 2024-01-01
---
Fine.
-- theme/static/extra.txt --
shared
"""


@pytest.fixture
def built(site: Callable[..., Path], cli: Cli) -> Path:
    root = site(SITE)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    return root


def _refused(root: Path, cli: Cli, *messages: str) -> None:
    """The build fails with each message, names no traceback, and leaves output/ as it was."""
    before = snapshot(root / "output")
    code, _out, err = cli("build", "--root", str(root))
    assert code == 1, err
    assert "Traceback" not in err
    for message in messages:
        assert message in err
    assert snapshot(root / "output") == before


def test_a_theme_file_symlinked_outside_the_site_is_refused_not_published(built: Path, cli: Cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not publish")
    (built / "theme/static/passwd").symlink_to(secret)
    _refused(built, cli, f"theme/static/passwd: symlink points outside the site (to {secret})")
    assert not any("do not publish" in p.read_text(errors="replace") for p in (built / "output").rglob("*") if p.is_file())


def test_a_theme_folder_that_is_itself_a_symlink_out_is_refused(site: Callable[..., Path], cli: Cli, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "static").mkdir(parents=True)
    (outside / "static/x.css").write_text("body{}")
    root = site(SITE.split("-- theme/")[0])
    (root / "theme").symlink_to(outside)
    code, _out, err = cli("build", "--root", str(root))
    assert code == 1
    assert f"theme: symlink points outside the site (to {outside})" in err


def test_a_template_symlinked_outside_is_refused(built: Path, cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("{{ '/etc' }}")
    (built / "theme/templates").mkdir(parents=True)
    (built / "theme/templates/post.html").symlink_to(tmp_path / "page.html")
    _refused(built, cli, "theme/templates/post.html: symlink points outside the site")


def test_a_symlink_that_stays_inside_the_site_is_followed(built: Path, cli: Cli) -> None:
    (built / "notes").mkdir()
    (built / "notes/shared.md").write_text("---\ntitle: Shared\ndate: 2024-02-01\n---\nFrom elsewhere in the site.\n")
    (built / "content/posts/shared.md").symlink_to(built / "notes/shared.md")
    code, _out, err = cli("build", "--root", str(built), "-q")
    assert code == 0, err
    assert "From elsewhere in the site." in (built / "output/posts/shared/index.html").read_text()


def test_a_fifo_is_refused_by_its_type_and_the_build_does_not_hang(built: Path, cli: Cli) -> None:
    os.mkfifo(built / "theme/static/pipe.css")
    os.mkfifo(built / "content/posts/pipe.md")
    result: list[tuple[int, str, str]] = []
    worker = threading.Thread(target=lambda: result.append(cli("build", "--root", str(built))), daemon=True)
    worker.start()
    worker.join(60)
    assert result, "the build blocked on a FIFO"
    code, _out, err = result[0]
    assert code == 1
    assert "theme/static/pipe.css: is a FIFO (named pipe); blogen reads only regular files" in err
    assert "content/posts/pipe.md: is a FIFO (named pipe)" in err


def test_a_file_name_that_is_not_utf8_is_a_problem_not_a_traceback(built: Path, cli: Cli) -> None:
    (built / os.fsdecode(b"content/posts/caf\xe9.md")).write_text("---\ntitle: x\ndate: 2024-01-02\n---\nx\n")
    _refused(built, cli, "content/posts/caf\\xe9.md: file name is not valid UTF-8")


def test_the_walk_skips_editor_noise_and_knows_the_config(built: Path) -> None:
    (built / "content/posts/.good.md.swp").write_text("x")
    (built / "content/posts/good.md~").write_text("x")
    (built / "content/posts/__pycache__").mkdir()
    found = walk_inputs(built.resolve())
    assert "blogen.toml" in found.files
    assert "content/posts/good.md" in found.files
    assert "theme/static/extra.txt" in found.files
    assert not [k for k in found.files if k.startswith("content/") and k != "content/posts/good.md"]
    assert not found.problems


def test_the_watcher_and_the_walk_agree_on_what_an_input_is(built: Path) -> None:
    root = built.resolve()
    for key in walk_inputs(root).files:
        if not key.startswith("/"):
            assert input_path(root, str(root / key)) == key
    for noise in ("content/.git/x", "content/posts/a.md.swp", "output/index.html", "README.md", ".blogen-cache/x"):
        assert input_path(root, str(root / noise)) is None


def test_hidden_files_put_in_static_on_purpose_are_published_and_tool_files_are_not(built: Path, cli: Cli) -> None:
    static = built / "content/static"
    (static / ".well-known").mkdir(parents=True)
    (static / ".well-known/security.txt").write_text("Contact: mailto:me@example.org\n")
    (static / ".nojekyll").write_text("")
    for noise in (".gitkeep", ".DS_Store", ".security.txt.swp", ".#lock"):
        (static / noise).write_text("x")
    code, _out, err = cli("build", "--root", str(built), "-q")
    assert code == 0, err
    out = built / "output"
    assert (out / ".well-known/security.txt").read_text().startswith("Contact:")
    assert (out / ".nojekyll").is_file()
    for noise in (".gitkeep", ".DS_Store", ".security.txt.swp", ".#lock"):
        assert not (out / noise).exists(), noise
    root = built.resolve()
    assert input_path(root, str(root / "content/static/.well-known/security.txt")) == "content/static/.well-known/security.txt"
    assert input_path(root, str(root / "content/posts/.hidden.md")) is None


# What editors leave beside the files they save (see ``is_editor_noise``), in every input folder.
EDITOR_LEFTOVERS = {
    "content/posts/good.md___jb_tmp___": "---\ntitle: Half saved\ndate: 2024-01-03\n---\nNot yet.\n",  # JetBrains safe write
    "content/posts/good.md___jb_old___": "---\ntitle: Good\ndate: 2024-01-01\n---\nBefore.\n",
    "content/posts/.good.md.kate-swp": "kate swap",
    "content/static/notes.txt___jb_tmp___": "half saved",
    "content/static/.notes.txt.kate-swp": "kate swap",
    "content/static/notes.txt__jb_bak__": "older JetBrains",
    "theme/templates/post.html___jb_tmp___": "{{ broken",
    "theme/static/extra.txt___jb_old___": "old",
    "theme/static/.extra.txt.kate-swp": "kate swap",
}


def test_a_build_ignores_what_editors_leave_beside_their_files(site: Callable[..., Path], cli: Cli, tmp_path: Path) -> None:
    spec = SITE + "-- content/static/notes.txt --\nnotes\n"
    clean = write_site(tmp_path / "clean", spec)
    code, _out, err = cli("build", "--root", str(clean))
    assert code == 0, err
    root = site(spec + "".join(f"-- {path} --\n{text}" for path, text in EDITOR_LEFTOVERS.items()))
    assert not EDITOR_LEFTOVERS.keys() & walk_inputs(root.resolve()).files.keys()
    code, _out, noisy_err = cli("build", "--root", str(root))
    assert code == 0, noisy_err
    assert noisy_err.replace(str(root), "") == err.replace(str(clean), "")  # no warning about them, nothing a clean site does not say
    assert digests(snapshot(root / "output")) == digests(snapshot(clean / "output"))
    assert "notes.txt" in {Path(rel).name for rel in snapshot(root / "output")}  # the real file is published


def test_an_editors_copy_of_a_shortcode_template_is_no_shortcode(tmp_path: Path, cli: Cli) -> None:
    """Shortcode templates follow the walk's rule: a hidden or editor's file beside one (an emacs
    autosave, a hidden backup) draws nothing and is not offered as a known shortcode."""
    root = write_site(tmp_path / "site", """\
-- theme/shortcodes/note.html --
<aside>{{ inner }}</aside>
-- theme/shortcodes/.old-note.html --
<aside class="old">{{ inner }}</aside>
-- theme/shortcodes/.drafts/box.html --
<div>{{ inner }}</div>
-- content/posts/a.md --
---
title: A
date: 2024-01-01
---
{{< nite >}}x{{< /nite >}}
""")
    code, out, err = cli("build", "--root", str(root), "-q")
    assert code == 1
    message = next(line for line in (out + err).splitlines() if "unknown shortcode 'nite'" in line)
    assert "note" in message and ".old-note" not in message and ".drafts" not in message and "box" not in message
