"""Shared helpers: write a whole small site from one string, build it, and look at its output."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from blogen.build.pipeline import BuildReport, build_site
from blogen.cli.commands import main

# Tests pin "now" so scheduled-post behaviour and output never depend on the day they run.
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

DEFAULT_CONFIG = """\
title = "Test Notes"
author = "Tess Ter"
description = "A site made by the tests."
base_url = "https://example.org/"
timezone = "UTC"
"""


@pytest.fixture(autouse=True)
def _own_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key that signs a site's quick-rebuild base lives in the user's cache folder: the tests use their own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden copies from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def write_site(root: Path, spec: str, *, config: str | None = DEFAULT_CONFIG) -> Path:
    """Write files given as ``-- path --`` blocks; a blogen.toml is added unless the spec has one."""
    root.mkdir(parents=True, exist_ok=True)
    parts = re.split(r"^-- (.+?) --\n", spec, flags=re.MULTILINE)
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    if config is not None and not (root / "blogen.toml").exists() and not (root / "pyproject.toml").exists():
        (root / "blogen.toml").write_text(config, encoding="utf-8")
    (root / "content").mkdir(exist_ok=True)
    return root


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder`` with its content digest and mtime: what "unchanged" means to a user."""
    out: dict[str, tuple[str, int]] = {}
    if not folder.exists():
        return out
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out[path.relative_to(folder).as_posix()] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return out


def copy_sources(root: Path, to: Path) -> Path:
    """A copy of a site's sources alone: without its output folder, the writer's files beside it, or its cache."""
    shutil.copytree(root, to, ignore=shutil.ignore_patterns("output", ".blogen-cache", ".*.blogen-*"))
    return to


def digests(files: dict[str, tuple[str, int]]) -> dict[str, str]:
    return {rel: digest for rel, (digest, _mtime) in files.items()}


def assert_like_fresh_build(root: Path, fresh: Path, cli: Callable[..., tuple[int, str, str]]) -> dict[str, tuple[str, int]]:
    """``root``'s output holds exactly what ``blogen build`` of a copy of its sources (at ``fresh``) makes
    from scratch; returns that output's snapshot."""
    after = snapshot(root / "output")
    assert cli("build", "--root", str(copy_sources(root, fresh)), "-q")[0] == 0
    assert digests(after) == digests(snapshot(fresh / "output"))
    return after


def rewritten(before: dict[str, tuple[str, int]], after: dict[str, tuple[str, int]]) -> set[str]:
    """The files whose bytes changed between two snapshots; every other file must have kept its mtime."""
    differ = {rel for rel in after if before.get(rel, ("", 0))[0] != after[rel][0]}
    assert {rel for rel in after if before.get(rel) != after[rel]} == differ, "a file with the same bytes was rewritten"
    return differ


@pytest.fixture
def site(tmp_path: Path) -> Callable[..., Path]:
    def make(spec: str, **kw: str | None) -> Path:
        return write_site(tmp_path / "site", spec, **kw)  # type: ignore[arg-type]
    return make


@pytest.fixture
def build() -> Callable[..., BuildReport]:
    def run(root: Path, **kw: object) -> BuildReport:
        kw.setdefault("now", NOW)
        kw.setdefault("jobs", 1)
        return build_site(root, **kw)  # type: ignore[arg-type]
    return run


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the command line in-process; returns (exit code, stdout, stderr)."""
    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


def read(root: Path, rel: str) -> str:
    return (root / "output" / rel).read_text(encoding="utf-8")
