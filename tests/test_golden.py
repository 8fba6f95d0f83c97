"""The whole output of a small fixture site, byte for byte, against a committed copy.

Refresh with `pytest tests/test_golden.py --update-golden` and review the change as a diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import NOW

from blogen.build.pipeline import build_site

FIXTURE = Path(__file__).parent / "fixtures" / "site"
GOLDEN = Path(__file__).parent / "golden" / "site"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_fixture_site_matches_golden_copy(tmp_path: Path, update_golden: bool) -> None:
    root = tmp_path / "site"
    shutil.copytree(FIXTURE, root)
    build_site(root, now=NOW, jobs=1)
    got = _files(root / "output")
    if update_golden:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(root / "output", GOLDEN)
    want = _files(GOLDEN)
    assert sorted(got) == sorted(want)
    for name, data in want.items():
        assert got[name] == data, f"{name} differs from the golden copy"
