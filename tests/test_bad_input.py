"""Every bad input gets one `path:line: message` line, exit code 1, no traceback, and output/ untouched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import snapshot

Cli = Callable[..., tuple[int, str, str]]

GOOD = """\
-- content/posts/good.md --
---
title: Good
date: 2024-01-01
tags: [ok]
---
Fine.
"""


def _fails_cleanly(root: Path, cli: Cli, *extra: str) -> str:
    """Build once successfully, break the site, and check the failed build changed nothing."""
    before = snapshot(root / "output")
    code, out, err = cli("build", "--root", str(root), *extra)
    assert code == 1, (out, err)
    assert "Traceback" not in err
    assert err.rstrip().endswith("output left unchanged")
    assert snapshot(root / "output") == before
    return err


@pytest.fixture
def built(site: Callable[..., Path], cli: Cli) -> Path:
    root = site(GOOD)
    code, _, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    assert (root / "output/posts/good/index.html").is_file()
    return root


def _add(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def test_unclosed_front_matter(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/bad.md", "---\ntitle: Bad\ndate: 2024-01-01\n\nBody with no closing fence.\n")
    err = _fails_cleanly(built, cli)
    assert "content/posts/bad.md:1: front matter opened with '---' is never closed (add a '---' line after it)" in err


def test_yaml_syntax_error_names_line_and_column(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/bad.md", "---\ntitle: Bad\ndate: 2024-01-01\ntags: [a, b\n---\nx\n")
    err = _fails_cleanly(built, cli)
    assert "content/posts/bad.md:5: YAML syntax error in front matter:" in err
    assert "(column" in err


def test_impossible_date(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/bad.md", "---\ntitle: Bad\ndate: 2023-02-30\n---\nx\n")
    err = _fails_cleanly(built, cli)
    assert "content/posts/bad.md:3: front-matter key 'date': invalid value '2023-02-30' (day is out of range for month)" in err


def test_impossible_date_as_quoted_string(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/bad.md", "---\ntitle: Bad\ndate: \"2023-02-30\"\n---\nx\n")
    err = _fails_cleanly(built, cli)
    assert "content/posts/bad.md:3: front-matter key 'date': '2023-02-30' is not a valid date" in err


def test_non_utf8_bytes(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/bad.md", b"---\ntitle: Caf\xe9\ndate: 2024-01-01\n---\nx\n")
    err = _fails_cleanly(built, cli)
    assert "content/posts/bad.md:2: not valid UTF-8 (byte 0xe9 at offset 14); save the file as UTF-8" in err


def test_two_posts_with_one_slug(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/other.md", "---\ntitle: Other\ndate: 2024-01-02\nslug: good\n---\nx\n")
    err = _fails_cleanly(built, cli)
    assert "URL /posts/good/ is claimed twice: by content/posts/good.md and by content/posts/other.md" in err


def test_unsafe_yaml_tag(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/bad.md", "---\ntitle: Bad\ndate: 2024-01-01\nextra:\n  x: !!python/object/apply:os.system [\"echo pwned\"]\n---\nx\n")
    err = _fails_cleanly(built, cli)
    assert "content/posts/bad.md:5: front-matter key 'extra': unsupported YAML tag '!!python/object/apply:os.system'" in err
    assert "pwned" not in err


def test_slug_that_escapes(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/bad.md", "---\ntitle: Bad\ndate: 2024-01-01\nslug: ../../x\n---\nx\n")
    err = _fails_cleanly(built, cli)
    assert "content/posts/bad.md:4: front-matter key 'slug': slug '../../x' may not contain '/' or '\\'" in err
    assert not (built.parent / "x").exists()


def test_template_syntax_error_names_template_line_and_page(built: Path, cli: Cli) -> None:
    _add(built, "theme/templates/post.html", '{% extends "base.html" %}\n{% block content %}\n{{ post.title }\n{% endblock %}\n')
    err = _fails_cleanly(built, cli)
    assert "theme/templates/post.html:3: template syntax error: unexpected '}' (while rendering content/posts/good.md)" in err


def test_template_undefined_variable_names_template_line_and_page(built: Path, cli: Cli) -> None:
    _add(built, "theme/templates/post.html", '{% extends "base.html" %}\n{% block content %}\n<p>{{ post.subtitle }}</p>\n{% endblock %}\n')
    err = _fails_cleanly(built, cli)
    assert "theme/templates/post.html:3: undefined variable: 'blogen.render.views.PostView object' has no attribute 'subtitle' (while rendering content/posts/good.md)" in err


def test_missing_custom_template(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/bad.md", "---\ntitle: Bad\ndate: 2024-01-01\ntemplate: fancy.html\n---\nx\n")
    err = _fails_cleanly(built, cli)
    assert "content/posts/bad.md:4: template 'fancy.html' not found in theme/templates/ or the built-in theme" in err


def test_all_problems_reported_at_once(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/bad1.md", "---\ntitle: Bad\ndate: 2023-02-30\n---\nx\n")
    _add(built, "content/posts/bad2.md", "---\ntitle: [unclosed\n---\nx\n")
    _add(built, "content/posts/bad3.md", b"\xff\xfe")
    err = _fails_cleanly(built, cli)
    assert "content/posts/bad1.md:3:" in err and "content/posts/bad2.md:" in err and "content/posts/bad3.md:1:" in err
    assert "build failed: 3 errors" in err


def test_wrong_types_in_front_matter(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/bad.md", "---\ntitle: Bad\ndate: 2024-01-01\ndraft: maybe\ntags: {a: 1}\n---\nx\n")
    err = _fails_cleanly(built, cli)
    assert "content/posts/bad.md:4: front-matter key 'draft': expected true or false, not 'maybe'" in err
    assert "content/posts/bad.md:5: front-matter key 'tags': expected a list or a comma-separated string, not dict" in err


def test_post_without_date(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/bad.md", "---\ntitle: Bad\n---\nx\n")
    err = _fails_cleanly(built, cli)
    assert "content/posts/bad.md:1: post has no date" in err


def test_typo_in_key_is_a_warning_that_strict_turns_into_an_error(built: Path, cli: Cli) -> None:
    _add(built, "content/posts/t.md", "---\ntitle: T\ndate: 2024-01-01\ntgas: [x]\n---\nx\n")
    code, _, err = cli("build", "--root", str(built), "-q")
    assert code == 0
    assert "content/posts/t.md:4: warning: unknown front-matter key 'tgas' (did you mean 'tags'?); kept in extra" in err
    _add(built, "content/posts/t.md", "---\ntitle: T2\ndate: 2024-01-01\ntgas: [x]\n---\nx\n")
    err = _fails_cleanly(built, cli, "--strict")
    assert "(--strict)" in err


def test_unknown_config_key_suggests_and_all_config_errors_at_once(built: Path, cli: Cli) -> None:
    (built / "blogen.toml").write_text('title = "T"\ntitel = "x"\nposts_per_page = 0\ntimezone = "Mars/Base"\n')
    err = _fails_cleanly(built, cli)
    assert "blogen.toml:2: unknown config key 'titel' (did you mean 'title'?)" in err
    assert "blogen.toml:3: config key 'posts_per_page' must be an integer from 1 to 1000, not 0" in err
    assert "blogen.toml:4: unknown timezone 'Mars/Base'" in err


def test_config_toml_syntax_error(built: Path, cli: Cli) -> None:
    (built / "blogen.toml").write_text('title = "T"\nbase_url = \n')
    err = _fails_cleanly(built, cli)
    assert "blogen.toml:2: TOML syntax error: Invalid value (column 12)" in err


@pytest.mark.parametrize("where", ["/", "~", ".", "content"])
def test_refuses_dangerous_output_folders(built: Path, cli: Cli, where: str) -> None:
    target = str(Path.home()) if where == "~" else where
    err = _fails_cleanly(built, cli, "--output", target)
    assert "blogen replaces that folder's contents" in err


def test_refuses_a_folder_it_did_not_make(site: Callable[..., Path], cli: Cli, tmp_path: Path) -> None:
    root = site(GOOD)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    code, _, err = cli("build", "--root", str(root), "--output", str(mine))
    assert code == 1
    assert "not empty and was not made by blogen" in err
    assert (mine / "thesis.tex").read_text() == "precious"


def test_usage_error_exit_code(cli: Cli) -> None:
    code, _, err = cli("build", "--jobs", "0")
    assert code == 2
    assert "Invalid value for '--jobs'" in err


def test_broken_link_in_a_template(built: Path, cli: Cli) -> None:
    _add(built, "theme/templates/page.html", '{% extends "base.html" %}\n{% block content %}<a href="/tgas/">tags</a>{% endblock %}\n')
    _add(built, "content/pages/about.md", "---\ntitle: About\n---\nMe.\n")
    err = _fails_cleanly(built, cli)
    assert ("theme/templates/page.html: broken link '/tgas/' in the page (from its templates): the site has no such page or file "
            "(while rendering content/pages/about.md)") in err
