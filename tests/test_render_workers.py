"""A big site's pages rendered in worker processes are the pages one process makes: the same bytes,
the same notes for the next build, the same problems when a template is broken."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, NOW, snapshot, write_site

import blogen.render.workers as workers
from blogen.build.pipeline import build_site
from blogen.core.errors import BlogenError
from blogen.incremental.plan import Full

CONFIG = DEFAULT_CONFIG + "posts_per_page = 5\n[search]\nenabled = true\n"
TAGS = ("linux", "selinux", "pcb", "podman", "sshd")


def _site(root: Path, posts: int = 70, extra: str = "") -> Path:
    """A site past the Markdown workers' threshold (so a cold build keeps no snapshot and no memo):
    posts with tags, code, links between them, a page and the feeds."""
    spec = [extra, "-- content/pages/about.md --\n---\ntitle: About\n---\nWho writes [the first note](/posts/note-0/).\n"]
    for i in range(posts):
        tags = ", ".join(TAGS[j % len(TAGS)] for j in range(i % 3 + 1))
        spec.append(f"-- content/posts/note-{i}.md --\n---\ntitle: Note {i}\ndate: 2023-01-{i % 28 + 1:02d}T{i % 24:02d}:00:00Z\n"
                    f"tags: [{tags}]\n---\nBody of note {i}, see [the next](/posts/note-{(i + 1) % posts}/).\n\n"
                    f"```python\nprint({i})\n```\n")
    return write_site(root, "".join(spec), config=CONFIG)


@pytest.fixture
def in_workers(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Any site with routes is rendered in workers; returns how many builds went that way."""
    calls = [0]
    real = workers.render_in_workers

    def counted(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(workers, "PARALLEL_ROUTES", 1)
    monkeypatch.setattr(workers, "SPAN", 7)  # many spans, so their order matters
    monkeypatch.setattr(workers, "render_in_workers", counted)
    return lambda: calls[0]


def test_a_cold_build_rendered_in_workers_writes_the_bytes_one_process_writes(tmp_path: Path, in_workers: Callable[[], int]) -> None:
    one, two = _site(tmp_path / "one"), _site(tmp_path / "two")
    build_site(one, jobs=1, now=NOW)
    assert in_workers() == 0
    report = build_site(two, jobs=2, now=NOW)
    assert in_workers() == 1
    files = snapshot(two / "output")
    assert len(files) > 100 and "search/index.json" in files and "tags/pcb/feed.xml" in files
    assert {k: v[0] for k, v in files.items()} == {k: v[0] for k, v in snapshot(one / "output").items()}
    assert report.written and not report.warnings


def test_the_next_build_keeps_every_page_the_workers_rendered(tmp_path: Path, in_workers: Callable[[], int]) -> None:
    """The notes the workers sent back (each page's fingerprint and links) let the next full build keep
    every page it would render the same: adding a static file writes that file alone."""
    root = _site(tmp_path / "site")
    first = build_site(root, jobs=2, now=NOW)
    assert in_workers() == 1
    compared = [r for r in first.site.routes if r.kind not in ("static", "asset", "alias", "robots")]
    (root / "content/static").mkdir(parents=True)
    (root / "content/static/key.asc").write_text("a public key\n", encoding="utf-8")
    second = build_site(root, jobs=2, now=NOW)
    assert isinstance(second.plan, Full)
    assert second.written == ("key.asc",)
    assert second.pages_kept == len(compared) > 150


BROKEN = "-- theme/templates/post.html --\n{% extends \"base.html\" %}{% block content %}{{ post.nope }}{% endblock %}\n"


def test_a_template_broken_on_every_post_fails_alike_in_workers(tmp_path: Path, in_workers: Callable[[], int]) -> None:
    failures = []
    for name, jobs in (("one", 1), ("two", 2)):
        root = _site(tmp_path / name, extra=BROKEN)
        with pytest.raises(BlogenError) as caught:
            build_site(root, jobs=jobs, now=NOW)
        assert not (root / "output").exists()  # nothing written
        failures.append([p.format() for p in caught.value.problems])
    assert in_workers() == 1
    assert failures[0] == failures[1]
    assert len(failures[1]) == 1 and "and 69 other pages" in failures[1][0], failures[1]
