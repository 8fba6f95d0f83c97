"""Pages go into the spare folder as they are rendered, not all at the end: a build that fails part-way
still leaves output/ exactly as it was, and the builds after it are right."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import assert_like_fresh_build, rewritten, snapshot, write_site

import blogen.output.folders
import blogen.output.writer
from blogen.build.markdown import PARALLEL_THRESHOLD
from blogen.build.pipeline import build_site
from blogen.core.errors import BlogenError
from blogen.output.folders import output_lock
from blogen.output.writer import ready_spare, staged_output, write_outputs

Cli = Callable[..., tuple[int, str, str]]


def _posts(n: int, word: str) -> str:
    return "".join(f"-- content/posts/p{i:03d}.md --\n---\ntitle: Post {i}\ndate: 2024-01-{1 + i % 28:02d}\n"
                   f"tags: [t{i % 4}]\n---\nPost {i} says {word}.\n\n## Part\n\nMore about {word}.\n" for i in range(n))


@pytest.fixture
def every_page_written_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Write each changed page into the spare as soon as it is handed over (normally they go in batches
    of a few MB, more than these small sites have), so a failure comes after pages were really written."""
    monkeypatch.setattr(blogen.output.writer, "_BATCH_BYTES", 1)


# Each breaks a page rendered after the posts (the archive, the 404 page), or fails only once every
# page is rendered (--strict with a warning from a template).
FAILURES = {
    "template error on a late page": (
        "-- theme/templates/archive.html --\n{% extends \"base.html\" %}{% block content %}{{ no_such_thing }}{% endblock %}\n",
        (), "undefined variable"),
    "broken link in a late page": (
        "-- theme/templates/404.html --\n{% extends \"base.html\" %}{% block content %}<a href=\"/nowhere/\">x</a>{% endblock %}\n",
        (), "broken link '/nowhere/'"),
    "strict, with a warning from a template": (
        "-- theme/templates/404.html --\n{% extends \"base.html\" %}{% block content %}<a href=\"/nowhere/\">x</a>{% endblock %}\n"
        "-- blogen.toml --\ntitle = \"Test Notes\"\nbase_url = \"https://example.org/\"\ntimezone = \"UTC\"\nbroken_links = \"warning\"\n",
        ("--strict",), "(--strict)"),
}


@pytest.mark.usefixtures("every_page_written_at_once")
@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_build_failing_after_pages_were_written_leaves_output_as_it_was(failure: str, tmp_path: Path, cli: Cli) -> None:
    root = write_site(tmp_path / "site", _posts(30, "old"))
    assert cli("build", "--root", str(root), "-q")[0] == 0
    write_site(root, _posts(30, "new"))
    assert cli("build", "--root", str(root), "-q")[0] == 0  # now the spare folder holds the "old" site
    write_site(root, _posts(30, "old"))
    assert cli("build", "--root", str(root), "-q")[0] == 0
    before = snapshot(root / "output")
    spec, options, message = FAILURES[failure]
    write_site(root, _posts(30, "newer") + spec)
    code, _, err = cli("build", "--root", str(root), *options)
    assert code == 1 and message in err, err
    assert "Traceback" not in err
    # The changed posts' pages had been written into the spare folder before the failure...
    assert "newer" in (root / ".output.blogen-spare/posts/p000/index.html").read_text()
    # ...but output/ is byte for byte and mtime for mtime as it was.
    assert snapshot(root / "output") == before
    # Fixing the site gives exactly what a build from scratch gives, and rewrites only what changed.
    for rel in ("theme", "blogen.toml"):
        if (root / rel).is_dir():
            shutil.rmtree(root / rel)
    write_site(root, "")
    code, _, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    after = assert_like_fresh_build(root, tmp_path / "fresh", cli)
    assert "posts/p000/index.html" in rewritten(before, after)


@pytest.mark.usefixtures("every_page_written_at_once")
def test_every_write_into_the_spare_holds_the_output_lock(tmp_path: Path, cli: Cli,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_site(tmp_path / "site", _posts(10, "old"))
    assert cli("build", "--root", str(root), "-q")[0] == 0
    write_site(root, _posts(10, "new"))
    real = blogen.output.folders.replace_with_data
    writes: list[Path] = []

    def checked(target: Path, data: bytes | Path) -> None:
        with pytest.raises(BlogenError, match="another blogen process"), output_lock(root / "output"):
            pass
        writes.append(target)
        real(target, data)

    monkeypatch.setattr(blogen.output.folders, "replace_with_data", checked)
    code, _, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    assert len(writes) >= 10
    assert "new" in (root / "output/posts/p000/index.html").read_text()


def _files(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_spare_readied_beforehand_takes_the_next_write_as_one_made_by_that_write(tmp_path: Path) -> None:
    """The first write into a new folder leaves no spare; ``ready_spare`` makes it ahead of the next
    write (the dev server does, between saves), which then writes only what changed."""
    out, spare = tmp_path / "out", tmp_path / ".out.blogen-spare"
    assert not ready_spare(out)  # no site yet: nothing to make a spare of
    write_outputs(out, {"a.html": b"A1", "b/index.html": b"B1", "c.html": b"C1"})
    assert not spare.exists()
    assert ready_spare(out)
    assert not ready_spare(out)  # there is one now
    live = _files(out)
    readied = {rel: os.stat(spare / rel).st_ino for rel in live}
    assert readied == {rel: os.stat(out / rel).st_ino for rel in live}  # the live files themselves, linked
    report = write_outputs(out, {"a.html": b"A2", "b/index.html": b"B1", "d.html": b"D1"})
    assert (report.written, report.removed) == (("a.html", "d.html"), ("c.html",))
    now = _files(out)
    assert {k: v[0] for k, v in now.items() if k != ".blogen-output"} == {"a.html": b"A2", "b/index.html": b"B1",
                                                                          "d.html": b"D1"}
    assert now["b/index.html"] == live["b/index.html"]  # unchanged: the same file, not a copy
    # A file put into the readied spare by hand is never published by the write after.
    assert ready_spare(out) is False and spare.is_dir()
    (spare / "planted.html").write_bytes(b"planted")
    write_outputs(out, {"a.html": b"A3", "b/index.html": b"B1", "d.html": b"D1"})
    assert not (out / "planted.html").exists() and (out / "a.html").read_bytes() == b"A3"


@pytest.mark.usefixtures("every_page_written_at_once")
@pytest.mark.parametrize("stop", [BlogenError.one("x", None, "a problem in the site"), RuntimeError("a crash")])
def test_stopping_midway_keeps_output_and_the_next_write_is_right(stop: Exception, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_outputs(out, {"a.html": b"A1", "b.html": b"B1", "c.html": b"C1"})
    write_outputs(out, {"a.html": b"A2", "b.html": b"B1", "c.html": b"C1"})  # the spare now holds the first site
    before = _files(out)
    with pytest.raises(type(stop)), staged_output(out) as staging:
        staging.add("a.html", b"A3")
        staging.add("c.html", b"C3")
        assert (tmp_path / ".out.blogen-spare/c.html").read_bytes() == b"C3"
        raise stop
    assert {k: v[0] for k, v in _files(out).items()} == {k: v[0] for k, v in before.items()}
    # Whatever the stop left in the spare, the next write finds out from the spare itself.
    report = write_outputs(out, {"a.html": b"A3", "b.html": b"B1", "c.html": b"C1"})
    assert report.written == ("a.html",)
    now = _files(out)
    assert {k: v[0] for k, v in now.items() if k != ".blogen-output"} == {"a.html": b"A3", "b.html": b"B1", "c.html": b"C1"}
    assert now["b.html"] == before["b.html"] and now["c.html"] == before["c.html"]  # same inode and mtime
    assert sorted(os.listdir(tmp_path)) == [".out.blogen-lock", ".out.blogen-record", ".out.blogen-spare", "out"]


def test_markdown_from_worker_processes_gives_the_same_site(tmp_path: Path) -> None:
    """A cold build with workers (started before the sources are read, their HTML sent back as text)
    makes the same bytes as one in a single process, and fills the same cache."""
    spec = _posts(PARALLEL_THRESHOLD + 6, "words") + "-- content/posts/code.md --\n---\ntitle: Code\ndate: 2024-02-01\n---\n" \
        "# Code\n\n[first](p000.md#part)\n\n```python\nprint('hi')\n```\n"
    one = write_site(tmp_path / "one", spec)
    two = write_site(tmp_path / "two", spec)
    build_site(one, jobs=1)
    report = build_site(two, jobs=2)
    assert report.rendered == PARALLEL_THRESHOLD + 7
    digests = {k: v[0] for k, v in snapshot(one / "output").items()}
    assert {k: v[0] for k, v in snapshot(two / "output").items()} == digests
    assert snapshot(one / ".blogen-cache/markdown").keys() == snapshot(two / ".blogen-cache/markdown").keys()
    shutil.rmtree(two / "output")
    assert build_site(two, jobs=2).cached == PARALLEL_THRESHOLD + 7
    assert {k: v[0] for k, v in snapshot(two / "output").items()} == digests
