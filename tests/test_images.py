"""Images get their size, lazy loading after the first, and cached WebP/original variants when large."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from conftest import read
from PIL import Image

from blogen.build.pipeline import BuildReport

Site = Callable[..., Path]
Build = Callable[..., BuildReport]

POST = """\
-- content/posts/board/index.md --
---
title: Board
date: 2024-01-01
---
![First](big.png "The big one")

Text.

![Second](small.png)

![Logo](/images/logo.svg)
-- content/static/images/logo.svg --
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 32"/>
"""


def _images(root: Path) -> None:
    Image.new("RGB", (1300, 650), (200, 30, 30)).save(root / "content/posts/board/big.png")
    Image.new("RGB", (300, 200), (30, 30, 200)).save(root / "content/posts/board/small.png")


def test_sizes_lazy_loading_and_variants(site: Site, build: Build) -> None:
    root = site(POST)
    _images(root)
    build(root)
    html = read(root, "posts/board/index.html")
    imgs = re.findall(r"<img [^>]*>", html)
    assert len(imgs) == 3
    big, small, logo = imgs
    assert 'width="1300" height="650"' in big and "loading=" not in big  # first image: above the fold
    assert 'srcset="big.400w.png 400w, big.800w.png 800w, big.1200w.png 1200w, big.png 1300w"' in big
    assert '<source type="image/webp" srcset="big.400w.webp 400w, big.800w.webp 800w, big.1200w.webp 1200w, big.1300w.webp 1300w"' in html
    assert "<figure><picture>" in html and "<figcaption>The big one</figcaption>" in html
    assert 'width="300" height="200" loading="lazy" decoding="async"' in small and "srcset" not in small
    assert 'src="../../images/logo.svg"' in logo and 'width="64" height="32" loading="lazy"' in logo
    out = root / "output/posts/board"
    for name in ["big.400w.png", "big.800w.webp", "big.1300w.webp"]:
        assert (out / name).is_file(), name
    with Image.open(out / "big.800w.webp") as img:
        assert img.format == "WEBP" and img.size == (800, 400)


def test_variants_are_made_once_and_survive_rebuilds(site: Site, build: Build) -> None:
    root = site(POST)
    _images(root)
    build(root)
    cache = sorted((root / ".blogen-cache/images").iterdir())
    stamps = {p.name: p.stat().st_mtime_ns for p in cache}
    (root / "content/posts/board/index.md").write_text((root / "content/posts/board/index.md").read_text() + "\nMore.\n")
    report = build(root)
    assert {p.name: p.stat().st_mtime_ns for p in (root / ".blogen-cache/images").iterdir()} == stamps
    assert "posts/board/index.html" in report.written
    assert not [w for w in report.written if w.endswith((".png", ".webp", ".svg"))]
    # Deleting the cache only costs time: the variants come back.
    import shutil
    shutil.rmtree(root / ".blogen-cache")
    build(root)
    assert (root / "output/posts/board/big.400w.png").is_file()


def test_changed_image_gets_new_size(site: Site, build: Build) -> None:
    root = site(POST)
    _images(root)
    build(root)
    Image.new("RGB", (320, 240)).save(root / "content/posts/board/small.png")
    build(root)
    assert 'width="320" height="240"' in read(root, "posts/board/index.html")
