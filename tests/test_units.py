"""Unit tests per stage: values in, values out (URLs, config, front matter, the writer)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from blogen.content.frontmatter import split_source, validate
from blogen.core.config import load_config
from blogen.core.errors import BlogenError
from blogen.core.packed import PackedText
from blogen.core.urls import check_permalink, check_slug, expand_permalink, output_path, slugify
from blogen.output.writer import MARKER, write_outputs
from blogen.render.pagelinks import relative_links


@pytest.mark.parametrize(("text", "slug"), [
    ("Hello, World!", "hello-world"),
    ("  SELinux  ", "selinux"),
    ("Crème brûlée", "creme-brulee"),
    ("sshd: StrictModes & /data", "sshd-strictmodes-data"),
    ("日本語 notes", "日本語-notes"),
    ("!!!", ""),
])
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize("text", ["", "<p>plain</p>\n", "<p>Crème brûlée, 日本語, emoji 🛠️ and a back-arrow ↩︎</p>\n" * 200])
def test_packed_html_gives_back_exactly_its_text(text: str) -> None:
    """Posts' HTML is held packed while a build runs: what a page prints must be the text, to the byte."""
    import pickle

    packed = PackedText.of(text)
    assert packed.text == text
    assert packed == PackedText.of(text) and hash(packed) == hash(PackedText.of(text))  # memos compare it without unpacking
    assert packed != PackedText.of(text + " ")
    assert pickle.loads(pickle.dumps(packed)).text == text  # the snapshot keeps it
    if len(text) > 1000:
        assert len(packed.data) < len(text.encode()) / 2


def test_packed_html_that_was_damaged_is_an_error_not_garbage() -> None:
    with pytest.raises(ValueError, match="not a packed text"):
        _ = PackedText(PackedText.of("<p>hello</p>" * 50).data[:-5]).text


def test_slugify_symbols_for_tags() -> None:
    assert slugify("C++", keep_symbols=True) == "c-plus-plus"
    assert slugify("C#", keep_symbols=True) == "c-sharp"
    assert slugify("R&D", keep_symbols=True) == "r-and-d"


@pytest.mark.parametrize("bad", ["../../x", "a/b", "..", ".hidden", "", "a\\b", "-x"])
def test_check_slug_refuses_unsafe(bad: str) -> None:
    assert check_slug(bad) is not None


def test_permalinks() -> None:
    when = datetime(2021, 3, 4, tzinfo=UTC)
    assert expand_permalink("/{year}/{month}/{day}/{slug}/", "x", when) == "/2021/03/04/x/"
    assert check_permalink("/posts/{slug}/") is None
    assert "unknown token {yaer}" in (check_permalink("/{yaer}/{slug}/") or "")
    assert "must contain {slug}" in (check_permalink("/posts/") or "")
    assert "must start with '/'" in (check_permalink("posts/{slug}/") or "")


def test_output_path_never_escapes() -> None:
    assert output_path("/posts/x/", "/").as_posix() == "posts/x/index.html"
    assert output_path("/blog/", "/blog/").as_posix() == "index.html"
    assert output_path("/feed.xml", "/").as_posix() == "feed.xml"
    for bad in ["/posts/../../etc/", "/a//b/", "/x/./y/", "/a\\b/"]:
        with pytest.raises(ValueError):
            output_path(bad, "/")


def test_relative_links() -> None:
    html = '<a href="/tags/x/">t</a><img src="/posts/a/i.png"><a href="https://e.org/">e</a><a href="//cdn/x">c</a>'
    out = relative_links(html, "/posts/a/")
    assert '<a href="../../tags/x/">' in out and '<img src="../../posts/a/i.png">' in out
    assert 'href="https://e.org/"' in out and 'href="//cdn/x"' in out
    assert relative_links('<a href="/">h</a>', "/") == '<a href="./">h</a>'
    assert relative_links('<a href="/about/">h</a>', "/") == '<a href="about/">h</a>'
    assert relative_links('<a href="/blog/about/">h</a>', "/blog/posts/x/", "/blog/") == '<a href="../../about/">h</a>'


def _config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "blogen.toml").write_text(text)
    return tmp_path


def test_config_defaults_and_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.blogen]\ntitle = "Mine"\n[tool.blogen.feed]\nenabled = false\n')
    config = load_config(tmp_path)
    assert config.title == "Mine" and config.permalink == "/posts/{slug}/" and config.base_path == "/"
    assert config.markdown.raw_html is True


def test_blogen_toml_replaces_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.blogen]\ntitle = "From pyproject"\n')
    _config(tmp_path, 'title = "From blogen.toml"\nbase_url = "https://e.org/blog"\n')
    config = load_config(tmp_path)
    assert config.title == "From blogen.toml"
    assert config.base_url == "https://e.org/blog/" and config.base_path == "/blog/"


def test_config_nested_tables_validated(tmp_path: Path) -> None:
    _config(tmp_path, '[markdown]\nraw_htm = false\n[highlight]\nlight = "no-such-style"\nline_numbers = "yes"\n')
    with pytest.raises(BlogenError) as info:
        load_config(tmp_path)
    messages = [p.format() for p in info.value.problems]
    assert "blogen.toml:2: unknown config key 'markdown.raw_htm' (did you mean 'raw_html'?)" in messages
    assert "blogen.toml:4: unknown Pygments style 'no-such-style' for highlight.light" in messages
    assert "blogen.toml:5: config key 'highlight.line_numbers' must be true or false, not 'yes'" in messages


def test_config_rejects_relative_base_url(tmp_path: Path) -> None:
    _config(tmp_path, 'base_url = "/blog/"\n')
    with pytest.raises(BlogenError, match="must be an absolute http"):
        load_config(tmp_path)


def test_feeds_need_base_url(tmp_path: Path) -> None:
    _config(tmp_path, 'title = "T"\n')
    with pytest.raises(BlogenError, match="base_url is required for the Atom feeds"):
        load_config(tmp_path)


def test_no_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BlogenError, match=r"no blogen\.toml, or pyproject\.toml with a \[tool\.blogen\] table, in this folder"):
        load_config(tmp_path)


def _fm(text: str) -> tuple[object, list[str]]:
    split, problems = split_source(text, "p.md")
    if split is None:
        return None, [p.format() for p in problems]
    fm, problems = validate(split, "p.md", UTC)
    return fm, [p.format() for p in problems]


def test_front_matter_values() -> None:
    fm, problems = _fm("---\ntitle: 'A: b'\ndate: 2021-03-14 09:30:00\ntags: a, b, a\nmood: happy\n---\nbody\n")
    assert problems == []
    assert fm is not None
    assert fm.title == "A: b"  # type: ignore[attr-defined]
    assert fm.date == datetime(2021, 3, 14, 9, 30, tzinfo=UTC)  # type: ignore[attr-defined]
    assert fm.tags == ("a", "b")  # type: ignore[attr-defined]
    assert dict(fm.extra) == {"mood": "happy"}  # type: ignore[attr-defined]


def test_front_matter_body_line_and_no_front_matter() -> None:
    split, _ = split_source("---\ntitle: x\n---\nline four\n", "p.md")
    assert split is not None and split.body_line == 4 and split.body == "line four\n"
    split, _ = split_source("# Just markdown\n", "p.md")
    assert split is not None and split.body_line == 1 and split.values == {}


def test_yaml_alias_bomb_is_bounded() -> None:
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
           "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\n"
    _, problems = _fm(bomb)
    assert problems and "too large or too deeply aliased" in problems[0]


def test_front_matter_must_be_a_mapping() -> None:
    _, problems = _fm("---\n- a\n- b\n---\n")
    assert problems == ["p.md:2: front matter must be a mapping of keys to values (like 'title: My post')"]


def test_duplicate_key() -> None:
    _, problems = _fm("---\ntitle: a\ntitle: b\n---\n")
    assert problems == ["p.md:3: front-matter key 'title' is given twice"]


def test_writer_keeps_unchanged_files_and_prunes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_outputs(out, {"a.html": b"A", "d/b.html": b"B"})
    assert (out / MARKER).is_file()
    a_stat = (out / "a.html").stat()
    report = write_outputs(out, {"a.html": b"A", "c.html": b"C"})
    assert report.written == ("c.html",) and report.removed == ("d/b.html",)
    assert (out / "a.html").stat().st_mtime_ns == a_stat.st_mtime_ns and (out / "a.html").stat().st_ino == a_stat.st_ino
    assert not (out / "d").exists()
    # beside it: the lock, the manifests, and the spare copy the next build updates (no leftovers)
    assert sorted(os.listdir(tmp_path)) == [".out.blogen-lock", ".out.blogen-record", ".out.blogen-spare", "out"]


def test_writer_recovers_from_a_swap_killed_halfway(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_outputs(out, {"a.html": b"old"})
    # Simulate a kill between the fallback's two renames: the old site sits aside, output/ is gone.
    os.rename(out, tmp_path / ".out.blogen-old")
    (tmp_path / ".out.blogen-spare").mkdir()
    (tmp_path / ".out.blogen-spare" / "junk.html").write_bytes(b"half-made")
    write_outputs(out, {"a.html": b"new"})
    assert (out / "a.html").read_bytes() == b"new"
    assert sorted(os.listdir(out)) == [MARKER, "a.html"]
    assert ".out.blogen-old" not in os.listdir(tmp_path)


def test_writer_refuses_paths_that_escape(tmp_path: Path) -> None:
    for bad in ["../x", "/etc/x", "a/../../x", MARKER]:
        with pytest.raises(BlogenError, match="refusing to write outside"):
            write_outputs(tmp_path / "out", {bad: b"x"})
    assert not (tmp_path / "x").exists()


def test_objects_made_to_last_leave_the_collector_as_it_was_and_later_garbage_is_collected() -> None:
    """``kept_for_good`` pauses the cyclic collector while a command imports its code (or reads a
    snapshot), then freezes those objects out of its walks; what is made afterwards must still be
    collected, or a long build's garbage would pile up."""
    import gc
    import weakref

    from blogen.core.heap import kept_for_good

    class Node:
        pass

    frozen_before = gc.get_freeze_count()
    try:
        with kept_for_good():
            assert not gc.isenabled()
            kept = Node()
        assert gc.isenabled() and gc.get_freeze_count() > frozen_before
        garbage = Node()
        garbage.me = garbage  # type: ignore[attr-defined]  # a cycle: only the collector frees it
        gone = weakref.ref(garbage)
        del garbage
        gc.collect()
        assert gone() is None and isinstance(kept, Node)
        gc.disable()
        with kept_for_good():
            pass
        assert not gc.isenabled()  # left as it was found
        gc.enable()
        frozen = gc.get_freeze_count()
        with kept_for_good("blogen.core.heap"):  # imported already: nothing to freeze
            Node()
        assert gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.enable()
        gc.unfreeze()
