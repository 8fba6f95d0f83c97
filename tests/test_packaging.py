"""The package as `pip install blogen` (or pipx) will get it: the wheel carries the theme and runs without the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_installs_and_makes_a_site_without_the_repository(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = dist.glob("blogen-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry = z.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    theme = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "theme").rglob("*") if p.is_file())
    assert theme and all(f"blogen/{name}" in names for name in theme)
    assert "blogen = blogen.cli:main" in entry
    assert "Requires-Python: >=3.11" in meta and "Classifier: Topic :: Internet :: WWW/HTTP :: Site Management" in meta
    assert not [n for n in names if n.startswith(("tests/", "content/"))]

    lib = tmp_path / "lib"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(lib), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    # The installed copy alone (its libraries come from this environment), run from a folder far from the repository.
    env = {**os.environ, "PYTHONPATH": str(lib), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    blogen = [sys.executable, "-c", "import sys, blogen.cli; sys.exit(blogen.cli.main())"]
    where = subprocess.run([sys.executable, "-c", "import blogen; print(blogen.__file__)"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(lib)
    for args in (["init", "blog", "--timezone", "UTC"], ["new", "Second note", "--root", "blog", "--publish"],
                 ["build", "--root", "blog", "--base-url", "https://notes.robin.dev/"]):
        done = subprocess.run([*blogen, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert "built 2 posts, 1 page" in done.stdout
    page = (tmp_path / "blog/output/posts/second-note/index.html").read_text()
    assert '<button class="scheme"' in page  # the packaged theme rendered it
