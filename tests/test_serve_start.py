"""``blogen serve`` starts from what the last server left: its built site, its record and its model
snapshot, so an unchanged site is served at once and edits made while it was stopped are patched in;
never a stale or half-built page, whatever happened to the folder meanwhile."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import copy_sources, snapshot, write_site

from blogen.build.pipeline import BuildReport, build_site
from blogen.incremental.plan import Full, Patch
from blogen.serve.server import DevServer

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
date: 2024-01-11
tags: [one]
---
Beta body text.
"""


@pytest.fixture(autouse=True)
def _settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let file identities count at once, as for a site whose files have been still a few seconds."""
    from blogen.core import fileid

    monkeypatch.setattr(fileid, "SETTLED_NS", 0)


@contextmanager
def _serving(root: Path, port: int = 0) -> Iterator[tuple[DevServer, list[BuildReport]]]:
    reports: list[BuildReport] = []

    def recording(*args: object, **kwargs: object) -> BuildReport:
        report = build_site(*args, **kwargs)  # type: ignore[arg-type]
        reports.append(report)
        return report

    dev = DevServer(root, port=port, port_explicit=port != 0, build_function=recording)
    dev.start()
    try:
        assert dev.wait_first_build(60)
        yield dev, reports
    finally:
        dev.close()


def _like_fresh(root: Path, served: Path, port: int, where: Path) -> None:
    fresh = copy_sources(root, where)
    build_site(fresh, drafts=True, base_url=f"http://127.0.0.1:{port}/", output=str(fresh / "out"))
    assert {k: v[0] for k, v in snapshot(served).items()} == {k: v[0] for k, v in snapshot(fresh / "out").items()}


def test_a_second_server_serves_at_once_from_what_the_first_left(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", SITE)
    with _serving(root) as (dev, reports):
        port, served = dev.port, dev.served
        assert isinstance(reports[0].plan, Full)
    before = snapshot(served)
    with _serving(root, port) as (dev, reports):
        assert dev.served == served
        assert isinstance(reports[0].plan, Patch), reports[0].plan  # from the snapshot the first server left
        assert not reports[0].written
    assert snapshot(served) == before


def test_edits_made_while_no_server_ran_are_patched_in_at_start(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", SITE)
    with _serving(root) as (dev, _reports):
        port, served = dev.port, dev.served
        (root / "content/posts/alpha.md").write_text(SITE.split("--\n", 1)[1].split("-- ")[0].replace(
            "Alpha body text.", "Alpha, edited while serving."))
        dev.builder.request(frozenset({"content/posts/alpha.md"}))
    (root / "content/posts/beta.md").write_text((root / "content/posts/beta.md").read_text().replace(
        "Beta body text.", "Beta, edited while stopped."))
    with _serving(root, port) as (dev, reports):
        plan = reports[0].plan
        assert isinstance(plan, Patch) and "content/posts/beta.md" in plan.sources, plan
        assert "Beta, edited while stopped." in (served / "posts/beta/index.html").read_text()
    _like_fresh(root, served, port, tmp_path / "fresh")


def test_a_folder_changed_while_no_server_ran_is_made_whole_again(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", SITE)
    with _serving(root) as (dev, _reports):
        port, served = dev.port, dev.served
    (served / "stray.html").write_text("not from the site")
    (served / "posts/alpha/index.html").write_text("tampered")
    with _serving(root, port) as (_dev, reports):
        assert isinstance(reports[0].plan, Full)
    assert not (served / "stray.html").exists()
    _like_fresh(root, served, port, tmp_path / "fresh")


def test_a_server_without_a_snapshot_builds_afresh(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", SITE)
    with _serving(root) as (dev, _reports):
        port, served = dev.port, dev.served
    shutil.rmtree(root / ".blogen-cache/snapshots")
    with _serving(root, port) as (_dev, reports):
        assert reports[0].plan == Full("there is no readable snapshot of the last full build"), reports[0].plan
    _like_fresh(root, served, port, tmp_path / "fresh")
