"""The watcher with a real observer on real files: what counts as one change, and what is noise."""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from watchdog.observers.api import BaseObserver

from blogen.content.inputs import input_path, is_editor_noise
from blogen.serve.watch import ChangeSet, Watcher

DEADLINE = 10.0


class Recorder:
    """Collects change sets from the watcher's thread and lets a test wait for them."""

    def __init__(self) -> None:
        self.sets: list[ChangeSet] = []
        self.cond = threading.Condition()

    def __call__(self, changes: ChangeSet) -> None:
        with self.cond:
            self.sets.append(changes)
            self.cond.notify_all()

    def wait_for(self, predicate: Callable[[list[ChangeSet]], bool], timeout: float = DEADLINE) -> list[ChangeSet]:
        with self.cond:
            assert self.cond.wait_for(lambda: predicate(self.sets), timeout), f"not seen in time; got {self.sets}"
            return list(self.sets)

    def all_paths(self) -> set[str]:
        with self.cond:
            return {p for s in self.sets for p in s.paths}

    def settle(self, quiet: float = 0.5) -> list[ChangeSet]:
        """Wait until no new change set arrived for ``quiet`` seconds (bounded), for "no more than" checks."""
        deadline = time.monotonic() + DEADLINE
        with self.cond:
            seen = len(self.sets)
            while time.monotonic() < deadline:
                self.cond.wait(quiet)
                if len(self.sets) == seen:
                    break
                seen = len(self.sets)
            return list(self.sets)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content" / "posts").mkdir(parents=True)
    (root / "theme" / "templates").mkdir(parents=True)
    (root / "blogen.toml").write_text('title = "T"\n')
    (root / "content" / "posts" / "a.md").write_text("---\ntitle: A\n---\nA\n")
    return root


@pytest.fixture
def watch(tree: Path) -> Iterator[Callable[..., tuple[Watcher, Recorder]]]:
    started: list[Watcher] = []

    def start(**kw: object) -> tuple[Watcher, Recorder]:
        rec = Recorder()
        w = Watcher(tree, rec, **kw)  # type: ignore[arg-type]
        w.start()
        started.append(w)
        return w, rec

    yield start
    for w in started:
        w.stop()


def test_noise_names() -> None:
    for name in ["4913", ".a.md.swp", "a.md.swx", ".#a.md", "#a.md#", "a.md~", "a.md.~1~", ".goutputstream-XYZ", ".hidden",
                 ".a.md.kate-swp", "a.md___jb_tmp___", "a.md___jb_old___", "a.md__jb_tmp__", "a.md__jb_bak__"]:
        assert is_editor_noise(name), name
    for name in ["a.md", "style.css", "index.html", "4914", "jb_tmp.md", "a___jb_tmp___.md"]:
        assert not is_editor_noise(name), name


def _jetbrains_save(path: Path, text: str) -> None:
    """What a JetBrains IDE with "safe write" on (the default) does on save, step by step."""
    tmp = path.with_name(path.name + "___jb_tmp___")
    old = path.with_name(path.name + "___jb_old___")
    tmp.write_text(text)
    os.rename(path, old)
    os.rename(tmp, path)
    old.unlink()


def test_a_jetbrains_safe_write_is_one_change_of_the_real_file(tree: Path, watch: Callable[..., tuple[Watcher, Recorder]]) -> None:
    _w, rec = watch()
    _jetbrains_save(tree / "content/posts/a.md", "---\ntitle: A\n---\nsaved by PyCharm\n")
    rec.wait_for(lambda s: any("content/posts/a.md" in c.paths for c in s))
    sets = rec.settle()
    assert [c.paths for c in sets] == [{"content/posts/a.md"}]


def test_jetbrains_temporaries_alone_are_no_change(tree: Path, watch: Callable[..., tuple[Watcher, Recorder]]) -> None:
    _w, rec = watch()
    # Temporaries that come and go without the real file changing (a save that failed half-way, one of
    # a file outside the site's inputs renamed in), in content/ and theme/ alike.
    for folder in (tree / "content/posts", tree / "theme/templates"):
        tmp, old = folder / "b.md___jb_tmp___", folder / "b.md___jb_old___"
        tmp.write_text("x")
        os.rename(tmp, old)
        old.unlink()
        (folder / ".b.md.kate-swp").write_text("x")
    time.sleep(0.3)  # far longer than the watcher's quiet time
    assert rec.settle() == []
    (tree / "content/posts/a.md").write_text("---\ntitle: A\n---\nnow a real change\n")  # the watcher was listening
    rec.wait_for(lambda s: bool(s))
    assert rec.all_paths() == {"content/posts/a.md"}


def test_input_path_keeps_only_inputs(tree: Path) -> None:
    root = tree.resolve()
    assert input_path(root, str(root / "content/posts/a.md")) == "content/posts/a.md"
    assert input_path(root, str(root / "blogen.toml")) == "blogen.toml"
    assert input_path(root, str(root / "output/index.html")) is None
    assert input_path(root, str(root / ".blogen-cache/markdown/x.json")) is None
    assert input_path(root, str(root / ".git/index")) is None
    assert input_path(root, str(root / "content/.git/x")) is None
    assert input_path(root, str(root / "README.md")) is None


def test_atomic_save_is_one_change_of_the_real_file(tree: Path, watch: Callable[..., tuple[Watcher, Recorder]]) -> None:
    _w, rec = watch()
    posts = tree / "content" / "posts"
    tmp = posts / ".a.md.swp"
    tmp.write_text("---\ntitle: A\n---\nnew text\n")
    os.replace(tmp, posts / "a.md")
    sets = rec.wait_for(lambda s: any("content/posts/a.md" in c.paths for c in s))
    sets = rec.settle()
    assert len(sets) == 1
    assert sets[0].paths == {"content/posts/a.md"}


def test_vim_probe_and_swap_files_are_ignored(tree: Path, watch: Callable[..., tuple[Watcher, Recorder]]) -> None:
    _w, rec = watch()
    posts = tree / "content" / "posts"
    # What vim does on :w with default settings: probe file, swap file, backup, then the real write.
    (posts / "4913").write_text("")
    (posts / "4913").unlink()
    (posts / ".a.md.swp").write_bytes(b"swap")
    (posts / ".a.md.swx").write_bytes(b"swap")
    (posts / "a.md~").write_text("backup")
    (posts / ".#a.md").write_text("lock")
    (posts / "#a.md#").write_text("autosave")
    (posts / ".goutputstream-ABC").write_text("gedit")
    (posts / "a.md").write_text("---\ntitle: A\n---\nsaved by vim\n")
    rec.wait_for(lambda s: any("content/posts/a.md" in c.paths for c in s))
    rec.settle()
    assert rec.all_paths() == {"content/posts/a.md"}


def test_a_burst_of_writes_is_one_or_two_change_sets(tree: Path, watch: Callable[..., tuple[Watcher, Recorder]]) -> None:
    _w, rec = watch()
    posts = tree / "content" / "posts"
    names = [f"p{i:03d}.md" for i in range(200)]
    for name in names:
        (posts / name).write_text(f"---\ntitle: {name}\n---\nbody\n")
    rec.wait_for(lambda s: {f"content/posts/{n}" for n in names} <= {p for c in s for p in c.paths})
    sets = rec.settle()
    assert 1 <= len(sets) <= 2, [len(s.paths) for s in sets]


def test_config_and_theme_changes_are_seen(tree: Path, watch: Callable[..., tuple[Watcher, Recorder]]) -> None:
    _w, rec = watch()
    (tree / "blogen.toml").write_text('title = "Changed"\n')
    (tree / "theme" / "templates" / "base.html").write_text("<html></html>")
    (tree / "README.md").write_text("not a site input")
    rec.wait_for(lambda s: {"blogen.toml", "theme/templates/base.html"} <= {p for c in s for p in c.paths})
    rec.settle()
    assert "README.md" not in rec.all_paths()


def test_new_and_renamed_folders_are_watched(tree: Path, watch: Callable[..., tuple[Watcher, Recorder]]) -> None:
    _w, rec = watch()
    bundle = tree / "content" / "posts" / "bundle"
    bundle.mkdir()
    rec.wait_for(lambda s: any("content/posts/bundle" in c.paths for c in s))
    (bundle / "index.md").write_text("---\ntitle: B\n---\nB\n")
    rec.wait_for(lambda s: any("content/posts/bundle/index.md" in c.paths for c in s))
    renamed = tree / "content" / "posts" / "renamed"
    bundle.rename(renamed)
    rec.wait_for(lambda s: any("content/posts/renamed" in c.paths for c in s))
    (renamed / "photo.png").write_bytes(b"png")
    rec.wait_for(lambda s: any("content/posts/renamed/photo.png" in c.paths for c in s))


def test_content_folder_created_after_start_is_watched(tmp_path: Path) -> None:
    root = tmp_path / "empty-site"
    root.mkdir()
    rec = Recorder()
    w = Watcher(root, rec)
    w.start()
    try:
        # One step at a time: watchdog warns (an error under pytest) when a folder appears inside one
        # whose recursive watch is still being set up; outside tests that race is harmless.
        (root / "content").mkdir()
        rec.wait_for(lambda s: any("content" in c.paths for c in s))
        (root / "content" / "posts").mkdir()
        rec.wait_for(lambda s: any("content/posts" in c.paths for c in s))
        (root / "content" / "posts" / "x.md").write_text("x")
        rec.wait_for(lambda s: any("content/posts/x.md" in c.paths for c in s))
    finally:
        w.stop()


def test_polling_when_asked(tree: Path, watch: Callable[..., tuple[Watcher, Recorder]]) -> None:
    w, rec = watch(poll=True, poll_interval=0.1)
    assert w.polling
    (tree / "content" / "posts" / "a.md").write_text("---\ntitle: A\n---\npolled\n")
    rec.wait_for(lambda s: any("content/posts/a.md" in c.paths for c in s))


def test_polling_when_the_inotify_limit_is_reached(tree: Path, watch: Callable[..., tuple[Watcher, Recorder]]) -> None:
    from watchdog.observers import Observer

    class Exhausted(Observer):  # type: ignore[misc, valid-type]
        def start(self) -> None:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    def factory() -> BaseObserver:
        return Exhausted()

    w, rec = watch(observer_factory=factory, poll_interval=0.1)
    assert w.polling
    assert w.fallback_reason is not None and "inotify watch limit" in w.fallback_reason
    (tree / "content" / "posts" / "new.md").write_text("---\ntitle: N\n---\nN\n")
    rec.wait_for(lambda s: any("content/posts/new.md" in c.paths for c in s))


def test_activity_is_reported_before_the_debounced_change(tree: Path) -> None:
    order: list[str] = []
    seen = threading.Event()

    def on_change(_c: ChangeSet) -> None:
        order.append("change")
        seen.set()

    w = Watcher(tree, on_change, on_activity=lambda: order.append("activity"))
    w.start()
    try:
        (tree / "content" / "posts" / "a.md").write_text("x")
        assert seen.wait(DEADLINE)
    finally:
        w.stop()
    assert order[:2] == ["activity", "change"]


def test_a_save_whose_bytes_are_all_there_is_handed_on_soonest(tree: Path) -> None:
    """One file closed after writing, or renamed into place, needs only the shortest quiet time; an
    event after that (a chmod, a write), a file merely moved away, or a second file waits longer."""
    from watchdog.events import FileAttribEvent, FileClosedEvent, FileModifiedEvent, FileMovedEvent

    from blogen.serve.watch import DEBOUNCE, DEBOUNCE_ONE, DEBOUNCE_WRITTEN

    posts = tree.resolve() / "content" / "posts"
    w = Watcher(tree, lambda _c: None)  # not started: the events are handed to it by hand

    def quiet_after(*events: object) -> float:
        with w._cond:
            w._pending.clear()
        for event in events:
            w._on_event(event)  # type: ignore[arg-type]
        with w._cond:
            return w._quiet_locked()

    a, b = str(posts / "a.md"), str(posts / "b.md")
    assert DEBOUNCE_WRITTEN < DEBOUNCE_ONE < DEBOUNCE
    assert quiet_after(FileModifiedEvent(a)) == DEBOUNCE_ONE
    assert quiet_after(FileModifiedEvent(a), FileClosedEvent(a)) == DEBOUNCE_WRITTEN
    assert quiet_after(FileModifiedEvent(a), FileClosedEvent(a), FileAttribEvent(a)) == DEBOUNCE_ONE
    assert quiet_after(FileMovedEvent(str(posts / ".a.md.swp"), a)) == DEBOUNCE_WRITTEN  # an atomic save
    assert quiet_after(FileMovedEvent(a, str(posts / "a.md~"))) == DEBOUNCE_ONE  # vim's backup: a.md is gone for now
    assert quiet_after(FileClosedEvent(a), FileClosedEvent(b)) == DEBOUNCE
