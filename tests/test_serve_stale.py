"""The dev server starts a rebuild before its walk of the inputs has finished, from what the last
walk found and the files the events named; the walk still decides. A change no event named (a
missed or merged event) must reach the pages of that very burst, and what is served must be what a
from-scratch build of the same tree gives."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import write_site

from blogen.build.pipeline import BuildReport, build_site
from blogen.content.inputs import walk_inputs
from blogen.core import fileid
from blogen.incremental.scan import Prescan, WalkProcess, agrees, predict
from blogen.serve.server import DevServer
from blogen.serve.watch import ChangeSet

SITE = """\
-- content/posts/alpha.md --
---
title: Alpha
date: 2024-01-10
tags: [one]
---
Alpha body text.
-- content/posts/beta.md --
---
title: Beta
date: 2024-02-10
tags: [two]
---
Beta body text.
"""

DEADLINE = 30.0


class Counted:
    """``build_site`` as the dev server calls it, counting the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: Any, **kw: Any) -> BuildReport:
        self.calls += 1
        return build_site(*args, **kw)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[DevServer, Counted]]:
    """A running dev server whose watcher is stopped: the test says which files the events named."""
    root = write_site(tmp_path / "site", SITE)
    counted = Counted()
    dev = DevServer(root, port=0, build_function=counted)
    dev.start()
    try:
        assert dev.wait_first_build(DEADLINE)
        dev.watcher.stop()
        # A file changed in the last few seconds is read again by every build whatever its identity says
        # (see ``blogen.core.fileid``): let the site's files settle, so only the walk can find a change.
        time.sleep(fileid.SETTLED_NS / 1e9 + 0.2)
        yield dev, counted
    finally:
        dev.close()


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    path.write_text(path.read_text().replace(old, new))


def _burst(dev: DevServer, *named: str) -> None:
    """What the watcher does for a burst of events naming ``named``, then wait for its build."""
    dev._activity()
    dev._changed(ChangeSet(frozenset(named)))
    deadline = time.monotonic() + DEADLINE
    while not dev.builder.wait_idle(0.1):
        assert time.monotonic() < deadline, "the build did not end"


def _served(dev: DevServer, page: str) -> str:
    return (dev.served / page).read_text()


def _assert_like_fresh(dev: DevServer, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    build_site(dev.root, drafts=True, base_url=dev.url, output=str(fresh))
    got = {p.relative_to(dev.served).as_posix(): p.read_bytes() for p in dev.served.rglob("*") if p.is_file()}
    want = {p.relative_to(fresh).as_posix(): p.read_bytes() for p in fresh.rglob("*") if p.is_file()}
    got.pop(".blogen-output", None)
    want.pop(".blogen-output", None)
    assert got.keys() == want.keys()
    assert [k for k in want if got[k] != want[k]] == []


def test_a_change_no_event_named_reaches_the_pages_of_the_same_burst(server: tuple[DevServer, Counted],
                                                                     tmp_path: Path) -> None:
    dev, counted = server
    root = dev.root
    _edit(root, "content/posts/alpha.md", "Alpha body text.", "Alpha, first edit.")
    _burst(dev, "content/posts/alpha.md")  # the first burst waits for its walk: there is no earlier one
    assert "Alpha, first edit." in _served(dev, "posts/alpha/index.html")

    before = counted.calls
    _edit(root, "content/posts/alpha.md", "Alpha, first edit.", "Alpha, second edit, a little longer.")
    _burst(dev, "content/posts/alpha.md")
    assert counted.calls == before + 1  # started from the last walk, which the new one agreed with
    assert "second edit" in _served(dev, "posts/alpha/index.html")

    # Beta changes too, but the events name only alpha: the walk sees beta, and the build is made again.
    before = counted.calls
    _edit(root, "content/posts/alpha.md", "second edit", "third edit")
    _edit(root, "content/posts/beta.md", "Beta body text.", "Beta, changed without an event.")
    _burst(dev, "content/posts/alpha.md")
    assert counted.calls == before + 2
    assert "third edit" in _served(dev, "posts/alpha/index.html")
    assert "Beta, changed without an event." in _served(dev, "posts/beta/index.html")
    _assert_like_fresh(dev, tmp_path)


def test_a_new_post_no_event_named_is_built_too(server: tuple[DevServer, Counted], tmp_path: Path) -> None:
    dev, _counted = server
    root = dev.root
    _edit(root, "content/posts/alpha.md", "Alpha body text.", "Alpha, first edit.")
    _burst(dev, "content/posts/alpha.md")
    (root / "content/posts/gamma.md").write_text("---\ntitle: Gamma\ndate: 2024-03-10\n---\nGamma, unannounced.\n")
    _edit(root, "content/posts/alpha.md", "first edit", "second edit")
    _burst(dev, "content/posts/alpha.md")
    assert "Gamma, unannounced." in _served(dev, "posts/gamma/index.html")
    _assert_like_fresh(dev, tmp_path)


def test_a_broken_edit_is_checked_against_the_walk_too(server: tuple[DevServer, Counted], tmp_path: Path) -> None:
    """A build that fails on the named file is made again when the walk found more: here the file no
    event named is the one that fixes the site's only error."""
    dev, _counted = server
    root = dev.root
    _edit(root, "content/posts/alpha.md", "Alpha body text.", "Alpha, first edit.")
    _burst(dev, "content/posts/alpha.md")
    _edit(root, "content/posts/alpha.md", "Alpha, first edit.", "Links to [gamma](gamma.md).")
    _burst(dev, "content/posts/alpha.md")
    assert dev.builder.outcome is not None and not dev.builder.outcome.ok  # gamma.md does not exist
    (root / "content/posts/gamma.md").write_text("---\ntitle: Gamma\ndate: 2024-03-10\n---\nGamma.\n")
    _edit(root, "content/posts/alpha.md", "Links to", "Now links to")
    _burst(dev, "content/posts/alpha.md")
    assert dev.builder.outcome is not None and dev.builder.outcome.ok, dev.builder.outcome.problems
    assert "Now links to" in _served(dev, "posts/alpha/index.html")
    _assert_like_fresh(dev, tmp_path)


def test_the_walk_process_finds_what_the_walk_finds(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", SITE).resolve()
    (root / "content/static").mkdir(parents=True)
    (root / "content/static/out").symlink_to(tmp_path)  # a link out of the site: a problem of the walk
    os.mkfifo(root / "content/static/pipe")  # a special file: another
    walker = WalkProcess(root)
    try:
        here = walk_inputs(root)
        there = walker.walk()
        assert there is not None and walker.alive
        assert len(here.problems) == 2
        assert agrees(there, here) and there.recent == here.recent and there.root == here.root
    finally:
        walker.close()
    assert not walker.alive and walker.walk() is None


def test_a_dead_walk_process_leaves_the_walk_to_the_server(server: tuple[DevServer, Counted], tmp_path: Path) -> None:
    dev, _counted = server
    root = dev.root
    _edit(root, "content/posts/alpha.md", "Alpha body text.", "Alpha, first edit.")
    _burst(dev, "content/posts/alpha.md")
    walker = dev._walker
    assert walker is not None and walker._proc is not None
    walker._proc.kill()
    walker._proc.wait()
    _edit(root, "content/posts/alpha.md", "first edit", "second edit")
    _edit(root, "content/posts/beta.md", "Beta body text.", "Beta, changed without an event.")
    _burst(dev, "content/posts/alpha.md")
    assert not walker.alive
    assert "second edit" in _served(dev, "posts/alpha/index.html")
    assert "Beta, changed without an event." in _served(dev, "posts/beta/index.html")
    _assert_like_fresh(dev, tmp_path)


def test_a_prediction_is_the_last_walk_with_the_named_files_looked_at_again(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fileid, "SETTLED_NS", 0)
    root = write_site(tmp_path / "site", SITE).resolve()
    base = Prescan(root).take([])
    assert base is not None
    (root / "content/posts/alpha.md").write_text("---\ntitle: Alpha\ndate: 2024-01-10\n---\nLonger text than before.\n")
    predicted = predict(base, ["content/posts/alpha.md"])
    assert predicted is not None and agrees(walk_inputs(root), predicted)
    assert predict(base, ["content/posts/new.md"]) is None  # a file the last walk did not see: only a walk can tell
    (root / "content/posts/beta.md").write_text("changed, unnamed")
    assert predicted is not None and not agrees(walk_inputs(root), predicted)
