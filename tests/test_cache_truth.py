"""Caches verify what they return: an entry that parses but is not what its key asks for (swapped,
overwritten, wrong-typed) is made again, never trusted, and never an internal error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import assert_like_fresh_build, write_site

Cli = Callable[..., tuple[int, str, str]]

SITE = """\
-- content/posts/alpha.md --
---
title: Alpha
date: 2024-01-01
---
The alpha text.

```python
print("alpha")
```
-- content/posts/beta.md --
---
title: Beta
date: 2024-01-02
---
The beta text.
"""


@pytest.fixture
def root(tmp_path: Path, cli: Cli) -> Path:
    site = write_site(tmp_path / "site", SITE)
    assert cli("build", "--root", str(site), "-q")[0] == 0
    return site


def _entries(root: Path, kind: str) -> list[Path]:
    return sorted(p for p in (root / ".blogen-cache" / kind).rglob("*") if p.is_file())


def _rebuild_from_the_cache(root: Path, cli: Cli) -> None:
    """A build that must take every document's Markdown from the cache (the output is gone)."""
    import shutil

    for name in ("output", ".output.blogen-spare"):
        shutil.rmtree(root / name, ignore_errors=True)
    (root / ".output.blogen-record").unlink(missing_ok=True)
    code, _out, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    assert "Traceback" not in err


def test_two_swapped_markdown_entries_do_not_swap_the_posts(root: Path, cli: Cli, tmp_path: Path) -> None:
    a, b = _entries(root, "markdown")
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    _rebuild_from_the_cache(root, cli)
    assert "The alpha text." in (root / "output/posts/alpha/index.html").read_text()
    assert "The beta text." in (root / "output/posts/beta/index.html").read_text()
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


def test_an_entry_whose_fields_have_the_wrong_types_is_made_again(root: Path, cli: Cli, tmp_path: Path) -> None:
    for path in _entries(root, "markdown"):
        head, _, body = path.read_bytes().partition(b"\n")
        fields, _, html = body.partition(b"\n")
        entry = json.loads(fields)
        entry["words"] = "many"
        entry["title"] = ["not", "text"]
        _rewrite(path, head, json.dumps(entry).encode() + b"\n" + html)  # a well-formed entry of the wrong shape
    _rebuild_from_the_cache(root, cli)
    assert "The alpha text." in (root / "output/posts/alpha/index.html").read_text()
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


def test_an_entry_whose_html_does_not_unpack_is_made_again(root: Path, cli: Cli, tmp_path: Path) -> None:
    """The HTML is stored packed after the fields: a damaged block, signed anew so only unpacking
    it can tell, is rendered again rather than failing the build when a page prints it."""
    for path in _entries(root, "markdown"):
        head, _, body = path.read_bytes().partition(b"\n")
        fields, _, html = body.partition(b"\n")
        _rewrite(path, head, fields + b"\n" + html[:4] + b"\xff" * (len(html) - 4))
    _rebuild_from_the_cache(root, cli)
    assert "The alpha text." in (root / "output/posts/alpha/index.html").read_text()
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


def _rewrite(path: Path, head: bytes, body: bytes) -> None:
    """Replace a cache entry's body, with the digest its header carries made to match."""
    import hashlib

    parts = head.split(b" ")
    parts[-1] = hashlib.sha256(body).hexdigest().encode()
    path.write_bytes(b" ".join(parts) + b"\n" + body)


def test_an_overwritten_code_stylesheet_is_not_published(root: Path, cli: Cli, tmp_path: Path) -> None:
    (css,) = _entries(root, "css")
    css.write_bytes(css.read_bytes() + b"body { display: none }\n")
    _rebuild_from_the_cache(root, cli)
    published = next((root / "output").glob("style.*.css")).read_text()
    assert "display: none" not in published
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


def test_a_read_only_cache_only_costs_speed(root: Path, cli: Cli, tmp_path: Path) -> None:
    import os

    cache = root / ".blogen-cache"
    for folder in [cache, *[p for p in cache.rglob("*") if p.is_dir()]]:
        folder.chmod(0o555)
    try:
        post = root / "content/posts/beta.md"
        post.write_text(post.read_text() + "\nMore beta.\n")
        code, _out, err = cli("build", "--root", str(root), "-q")
        assert code == 0, err
        assert "More beta." in (root / "output/posts/beta/index.html").read_text()
    finally:
        for folder in [cache, *[p for p in cache.rglob("*") if p.is_dir()]]:
            os.chmod(folder, 0o755)
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


def _age(paths: list[Path], hours: float = 2) -> None:
    import os
    import time

    then = time.time() - hours * 3600
    for path in paths:
        os.utime(path, (then, then))


def _retitle(root: Path) -> None:
    """A config change: the next build is a full one."""
    config = root / "blogen.toml"
    config.write_text(config.read_text().replace('title = "Test Notes"', 'title = "Other Notes"'))


def test_a_full_build_removes_the_markdown_of_old_texts_once_an_hour_old(root: Path, cli: Cli) -> None:
    """Each save of a post leaves the Markdown of its earlier text behind; a full build clears those
    out, so the cache holds what the site uses and does not grow with every edit."""
    post = root / "content/posts/alpha.md"
    first = _entries(root, "markdown")
    assert len(first) == 2
    for n in range(3):  # three edits, each a patch build: their entries pile up meanwhile
        post.write_text(post.read_text() + f"\nEdit {n}.\n")
        assert cli("build", "--root", str(root), "-q")[0] == 0
    assert len(_entries(root, "markdown")) == 5
    _age(_entries(root, "markdown"))
    _retitle(root)
    code, out, err = cli("build", "--root", str(root), "-v")
    assert code == 0 and "full build" in out + err, out + err
    left = _entries(root, "markdown")
    assert len(left) == 2 and left != first  # alpha's latest text and beta's, nothing else
    assert len(set(first) & set(left)) == 1  # beta's, its text unchanged
    _rebuild_from_the_cache(root, cli)  # what is left is what the site needs: nothing to render again
    assert _entries(root, "markdown") == left


def test_markdown_of_an_old_text_younger_than_an_hour_is_kept(root: Path, cli: Cli) -> None:
    """A dev server or another build of the same site, started before the edit, may still use it."""
    post = root / "content/posts/alpha.md"
    post.write_text(post.read_text() + "\nEdit.\n")
    _retitle(root)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    assert len(_entries(root, "markdown")) == 3
