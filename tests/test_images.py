"""Images a page shows get their size, lazy loading after the first, and resized WebP/original copies
when large; their URLs come from where the file is published, so they work under a sub-path base URL,
from file:// and in feeds; a bad or huge image is a clear message, never a broken build or page."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import read
from PIL import Image
from test_browser import CHROMIUM, _missing

import blogen.content.images as images_mod
import blogen.content.resize as resize_mod
from blogen.build.pipeline import BuildReport
from blogen.core.errors import BlogenError

Site = Callable[..., Path]
Build = Callable[..., BuildReport]
Cli = Callable[..., tuple[int, str, str]]

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


def _outputs(root: Path, folder: str) -> set[str]:
    return {p.name for p in (root / "output" / folder).iterdir()}


def test_sizes_lazy_loading_and_variants(site: Site, build: Build) -> None:
    root = site(POST)
    _images(root)
    build(root)
    html = read(root, "posts/board/index.html")
    imgs = re.findall(r"<img [^>]*>", html)
    assert len(imgs) == 3
    big, small, logo = imgs
    assert 'width="1300" height="650"' in big and "loading=" not in big  # first image: above the fold
    assert 'srcset="big.png.400w.png 400w, big.png.800w.png 800w, big.png.1200w.png 1200w, big.png 1300w"' in big
    assert ('<source type="image/webp" srcset="big.png.400w.webp 400w, big.png.800w.webp 800w, '
            'big.png.1200w.webp 1200w, big.png.1300w.webp 1300w"') in html
    assert "<figure><picture>" in html and "<figcaption>The big one</figcaption>" in html
    assert 'width="300" height="200" loading="lazy" decoding="async"' in small and "srcset" not in small
    assert 'src="../../images/logo.svg"' in logo and 'width="64" height="32" loading="lazy"' in logo
    out = root / "output/posts/board"
    for name in ["big.png.400w.png", "big.png.800w.webp", "big.png.1300w.webp"]:
        assert (out / name).is_file(), name
    with Image.open(out / "big.png.800w.webp") as img:
        assert img.format == "WEBP" and img.size == (800, 400)
    with Image.open(out / "big.png.400w.png") as img:
        assert img.format == "PNG" and img.size == (400, 200)


def test_same_name_in_four_formats_never_collide(site: Site, build: Build) -> None:
    """x.jpg, x.png, x.webp and x.gif beside each other: each gets copies of its own, nothing is claimed twice."""
    root = site("""\
-- content/posts/shots/index.md --
---
title: Shots
date: 2024-01-01
---
![a](x.jpg) ![b](x.png) ![c](x.webp) ![d](x.gif)
""")
    folder = root / "content/posts/shots"
    for fmt in ("jpg", "png", "webp", "gif"):
        Image.new("RGB", (1000, 500), (10, 120, 40)).save(folder / f"x.{fmt}")
    build(root)
    html = read(root, "posts/shots/index.html")
    out = _outputs(root, "posts/shots")
    assert {"x.jpg.400w.webp", "x.jpg.800w.jpg", "x.png.800w.webp", "x.png.400w.png", "x.webp.400w.webp",
            "x.webp.800w.webp", "x.gif.400w.webp", "x.gif.800w.png"} <= out
    assert "x.webp.400w.jpg" not in out and "x.webp.1000w.webp" not in out  # a WebP is its own full-size WebP
    for name in ("x.jpg", "x.png", "x.webp", "x.gif"):
        assert f"{name}.800w.webp 800w" in html
    with Image.open(root / "output/posts/shots/x.jpg.800w.jpg") as img:
        assert img.format == "JPEG" and img.size == (800, 400)
    with Image.open(root / "output/posts/shots/x.gif.800w.png") as img:
        assert img.format == "PNG"


def test_a_file_named_like_a_copy_is_reported_not_overwritten(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/shots/index.md --
---
title: Shots
date: 2024-01-01
---
![a](x.jpg)
""")
    Image.new("RGB", (1000, 500)).save(root / "content/posts/shots/x.jpg")
    Image.new("RGB", (400, 200)).save(root / "content/posts/shots/x.jpg.400w.webp")
    with pytest.raises(BlogenError) as err:
        build(root)
    assert "URL /posts/shots/x.jpg.400w.webp is claimed twice" in str(err.value)


def test_only_images_pages_show_are_resized(site: Site, build: Build) -> None:
    """A large file nobody shows (unused, or only linked for download) is copied as it is and never decoded."""
    root = site("""\
-- content/posts/trip/index.md --
---
title: Trip
date: 2024-01-01
---
![Shown](shown.jpg) and [the full scan](scan.png).
-- content/static/wallpaper.png --
""")
    folder = root / "content/posts/trip"
    Image.new("RGB", (1200, 900), (90, 90, 90)).save(folder / "shown.jpg")
    Image.new("RGB", (2000, 1000), (1, 2, 3)).save(folder / "scan.png")
    Image.new("RGB", (2000, 1000), (4, 5, 6)).save(folder / "unused.png")
    Image.new("RGB", (2000, 1000), (7, 8, 9)).save(root / "content/static/wallpaper.png")
    build(root)
    out = _outputs(root, "posts/trip")
    assert {"shown.jpg", "scan.png", "unused.png", "shown.jpg.800w.webp"} <= out
    assert not [n for n in out if n.startswith(("scan.png.", "unused.png."))]
    assert sorted(p.name for p in (root / "output").iterdir() if p.name.startswith("wallpaper")) == ["wallpaper.png"]
    assert (root / "output/posts/trip/unused.png").read_bytes() == (folder / "unused.png").read_bytes()
    cached = {p.name.split(".", 1)[1] for p in (root / ".blogen-cache/images").iterdir()}
    assert cached == {"400w.webp", "400w.jpg", "800w.webp", "800w.jpg", "1200w.webp"}  # shown.jpg's alone


def test_resize_false_uses_the_originals_with_their_size(site: Site, build: Build) -> None:
    root = site(POST, config=None)
    (root / "blogen.toml").write_text('title = "T"\nbase_url = "https://example.org/"\n[images]\nresize = false\n')
    _images(root)
    build(root)
    html = read(root, "posts/board/index.html")
    assert '<img src="big.png" alt="First" width="1300" height="650">' in html
    assert "srcset" not in html and "<picture>" not in html
    assert not [n for n in _outputs(root, "posts/board") if n.count(".") > 1]
    assert not (root / ".blogen-cache/images").exists() or not list((root / ".blogen-cache/images").iterdir())


def test_widths_and_quality_are_configurable(site: Site, build: Build) -> None:
    root = site(POST, config=None)
    (root / "blogen.toml").write_text(
        'title = "T"\nbase_url = "https://example.org/"\n[images]\nwidths = [1000, 500]\nquality = 60\n')
    _images(root)
    build(root)
    html = read(root, "posts/board/index.html")
    assert 'srcset="big.png.500w.png 500w, big.png.1000w.png 1000w, big.png 1300w"' in html
    assert 'srcset="big.png.500w.webp 500w, big.png.1000w.webp 1000w"' in html  # wider than every width: no full-size WebP


@pytest.mark.parametrize(("table", "message"), [
    ("[images]\nresise = false\n", "unknown config key 'images.resise' (did you mean 'resize'?)"),
    ("[images]\nresize = 'no'\n", "config key 'images.resize' must be true or false"),
    ("[images]\nwidths = [0]\n", "config key 'images.widths' must be a list of 1 to 12 widths"),
    ("[images]\nquality = 101\n", "config key 'images.quality' must be a whole number from 1 to 100"),
    ("images = 3\n", "config key 'images' must be a table"),
])
def test_images_config_is_checked(site: Site, cli: Cli, table: str, message: str) -> None:
    root = site(POST, config=None)
    (root / "blogen.toml").write_text(f'title = "T"\nbase_url = "https://example.org/"\n{table}')
    code, _out, err = cli("build", "--root", str(root), "-q")
    assert code == 1 and message in err, err


SUBPATH = """\
-- blogen.toml --
title = "Sub"
base_url = "https://user.github.io/blog/"
-- content/posts/trip/index.md --
---
title: Trip
date: 2024-01-01
---
![Harbour](harbour.jpg) and a map: ![Map](/maps/my%20map.png)

Text.
-- content/posts/cover/index.md --
---
title: Cover
date: 2024-01-02
image: cover.png
---
Words only, but a social card.
"""


def _subpath_site(site: Site) -> Path:
    root = site(SUBPATH)
    Image.new("RGB", (1600, 1200), (20, 90, 160)).save(root / "content/posts/trip/harbour.jpg")
    (root / "content/static/maps").mkdir(parents=True)
    Image.new("RGB", (900, 600), (160, 20, 90)).save(root / "content/static/maps/my map.png")
    Image.new("RGB", (1200, 630), (9, 9, 9)).save(root / "content/posts/cover/cover.png")
    return root


def _srcset_urls(html: str) -> list[str]:
    return [c.strip().split()[0] for s in re.findall(r'srcset="([^"]*)"', html) for c in s.split(",")]


def test_subpath_base_url_pages(site: Site, build: Build) -> None:
    """Under https://user.github.io/blog/ every src and srcset candidate on a page names a file the build wrote."""
    root = _subpath_site(site)
    build(root)
    for page, rel_root in (("posts/trip/index.html", "../../"), ("index.html", "")):
        html = read(root, page)
        base = (root / "output" / page).parent
        urls = re.findall(r'<img [^>]*src="([^"]*)"', html) + _srcset_urls(html)
        assert len(urls) >= 10, page
        for url in urls:
            assert not url.startswith("/"), url  # page-relative, so the folder works from disk too
            assert (base / url.replace("%20", " ")).resolve().is_file(), (page, url)
        assert f'src="{rel_root}maps/my%20map.png"' in html
        assert f"{rel_root}maps/my%20map.png.400w.webp 400w" in html
    post = read(root, "posts/trip/index.html")
    assert 'src="harbour.jpg"' in post and "harbour.jpg.800w.webp 800w" in post
    assert '<meta property="og:image" content="https://user.github.io/blog/posts/trip/harbour.jpg">' in post
    cover = read(root, "posts/cover/index.html")
    assert '<meta property="og:image" content="https://user.github.io/blog/posts/cover/cover.png">' in cover
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', cover, re.DOTALL).group(1))  # type: ignore[union-attr]
    assert ld["image"] == "https://user.github.io/blog/posts/cover/cover.png"


def test_static_image_social_card_under_subpath(site: Site, build: Build) -> None:
    root = site("""\
-- blogen.toml --
title = "Sub"
base_url = "https://user.github.io/blog/"
-- content/posts/a.md --
---
title: A
date: 2024-01-01
image: /cards/a.png
---
Text.
""")
    (root / "content/static/cards").mkdir(parents=True)
    Image.new("RGB", (1200, 630)).save(root / "content/static/cards/a.png")
    build(root)
    assert 'property="og:image" content="https://user.github.io/blog/cards/a.png"' in read(root, "posts/a/index.html")


def test_relative_front_matter_image_of_a_single_file_post_gets_its_published_url(site: Site, build: Build) -> None:
    """``image: ../static/c.svg`` in ``content/posts/a.md`` names content/static/c.svg, published at /c.svg:
    the card, JSON-LD and JSON Feed give that file's absolute URL under the sub-path, not the path as written."""
    root = site("""\
-- blogen.toml --
title = "Sub"
base_url = "https://user.github.io/blog/"
-- content/posts/a.md --
---
title: A
date: 2024-01-01
image: ../static/c.svg
---
Text.
-- content/static/c.svg --
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 630"/>
""")
    build(root)
    html = read(root, "posts/a/index.html")
    assert '<meta property="og:image" content="https://user.github.io/blog/c.svg">' in html
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL).group(1))  # type: ignore[union-attr]
    assert ld["image"] == "https://user.github.io/blog/c.svg"
    feed = json.loads(read(root, "feed.json"))
    assert feed["items"][0]["image"] == "https://user.github.io/blog/c.svg"
    assert (root / "output/c.svg").is_file()


def test_an_image_written_into_the_page_is_never_the_social_card(site: Site, build: Build) -> None:
    """A first image given as a ``data:`` URI shows on the page, but no site showing the card could fetch it."""
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
    root = site(f"""\
-- content/posts/a.md --
---
title: A
date: 2024-01-01
---
![dot](data:image/png;base64,{pixel})
""")
    build(root)
    html = read(root, "posts/a/index.html")
    assert f'src="data:image/png;base64,{pixel}"' in html
    assert "og:image" not in html and "twitter:image" not in html and '"image"' not in html
    assert "image" not in json.loads(read(root, "feed.json"))["items"][0]


def test_missing_front_matter_image_is_an_error_or_with_tolerated_broken_links_no_card(site: Site, cli: Cli) -> None:
    """A card image that is not there is a broken image; where broken links are tolerated (half-way
    through a migration) it is a warning, and the card has no image rather than a link to a 404."""
    text = """\
-- content/posts/a.md --
---
title: A
date: 2024-01-01
image: missing.png
---
Text.
"""
    root = site(text)
    code, _out, err = cli("build", "--root", str(root), "-q")
    assert code == 1
    assert "content/posts/a.md:4: front-matter image 'missing.png' names no file of the site" in err
    assert not (root / "output").exists()
    config = root / "blogen.toml"
    config.write_text(config.read_text().replace('title = ', 'broken_links = "warning"\ntitle = ', 1))
    code, _out, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    assert "content/posts/a.md:4: warning: front-matter image 'missing.png' names no file of the site" in err
    html = read(root, "posts/a/index.html")
    assert "og:image" not in html and '"image"' not in html


def test_feed_image_urls_are_absolute(site: Site, build: Build) -> None:
    root = _subpath_site(site)
    build(root)
    feed = read(root, "feed.xml")
    content = re.search(r"<title>Trip</title>.*?<content type=\"html\"[^>]*>(.*?)</content>", feed, re.DOTALL)
    assert content is not None
    text = content.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    srcs = re.findall(r'<img [^>]*src="([^"]*)"', text)
    assert srcs == ["https://user.github.io/blog/posts/trip/harbour.jpg", "https://user.github.io/blog/maps/my%20map.png"]
    candidates = _srcset_urls(text)
    assert len(candidates) == 14
    assert all(c.startswith("https://user.github.io/blog/") for c in candidates), candidates
    assert "https://user.github.io/blog/posts/trip/harbour.jpg.1200w.webp" in candidates
    for url in candidates:
        assert (root / "output" / url.removeprefix("https://user.github.io/blog/").replace("%20", " ")).is_file(), url


@pytest.fixture
def browser() -> Iterator[Any]:
    why = _missing()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--allow-file-access-from-files"])
        try:
            yield b
        finally:
            b.close()


def test_images_load_from_file_urls(site: Site, build: Build, browser: Any) -> None:
    """Opened from disk in Chromium, every image of a post and of the home page loads, from src and srcset alike."""
    root = _subpath_site(site)
    build(root)
    if True:
        for scale in (1, 2):
            page = browser.new_page(viewport={"width": 500, "height": 800}, device_scale_factor=scale)
            for rel in ("posts/trip/index.html", "index.html"):
                page.goto((root / "output" / rel).as_uri())
                page.wait_for_load_state("load")
                page.evaluate("() => Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode(); }))")
                found = page.evaluate(
                    "() => [...document.images].map(i => [i.currentSrc, i.complete, i.naturalWidth])")
                assert len(found) >= 2, rel
                for src, complete, width in found:
                    assert src.startswith("file://") and complete and width > 0, (rel, src, width)
                chosen = [src for src, _c, _w in found if "harbour" in src]
                assert chosen and chosen[0].endswith(".webp"), chosen  # the <picture>'s WebP candidates were used
            page.close()


def test_variants_are_made_once_and_survive_rebuilds(site: Site, build: Build, monkeypatch: pytest.MonkeyPatch) -> None:
    root = site(POST)
    _images(root)
    monkeypatch.setattr(images_mod, "settled", lambda st, now=None: True)  # as if the images were saved a while ago
    build(root)
    cache = sorted((root / ".blogen-cache/images").iterdir())
    stamps = {p.name: p.stat().st_mtime_ns for p in cache}
    decoded: list[str] = []
    opened: list[Path] = []
    monkeypatch.setattr(resize_mod, "resize_one", lambda root, job: decoded.append(job.source))
    real_probe = images_mod._probe
    monkeypatch.setattr(images_mod, "_probe", lambda path: opened.append(path) or real_probe(path))
    (root / "content/posts/board/index.md").write_text((root / "content/posts/board/index.md").read_text() + "\nMore.\n")
    report = build(root)
    assert decoded == [] and opened == []  # no image opened, let alone decoded, again
    assert {p.name: p.stat().st_mtime_ns for p in (root / ".blogen-cache/images").iterdir()} == stamps
    assert "posts/board/index.html" in report.written
    assert not [w for w in report.written if w.endswith((".png", ".webp", ".svg"))]
    monkeypatch.undo()
    # Deleting the cache only costs time: the copies come back.
    shutil.rmtree(root / ".blogen-cache")
    build(root)
    assert (root / "output/posts/board/big.png.400w.png").is_file()


def test_deleted_copies_come_back_on_a_quick_rebuild(site: Site, cli: Cli) -> None:
    root = site(POST)
    _images(root)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    shutil.rmtree(root / ".blogen-cache/images")
    post = root / "content/posts/board/index.md"
    post.write_text(post.read_text() + "\nAn edit.\n")
    code, _out, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    assert (root / "output/posts/board/big.png.800w.webp").is_file() and "An edit." in read(root, "posts/board/index.html")


def test_showing_a_new_image_in_a_text_edit_makes_its_copies(site: Site, cli: Cli) -> None:
    """An edit to a post's text alone (a quick rebuild) that shows a bundle image nobody showed before."""
    root = site(POST)
    _images(root)
    Image.new("RGB", (1000, 800), (1, 100, 1)).save(root / "content/posts/board/later.png")
    assert cli("build", "--root", str(root), "-q")[0] == 0
    assert not (root / "output/posts/board/later.png.400w.webp").exists()
    post = root / "content/posts/board/index.md"
    post.write_text(post.read_text() + "\n![Later](later.png)\n")
    assert cli("build", "--root", str(root), "-q")[0] == 0
    assert (root / "output/posts/board/later.png.400w.webp").is_file()
    assert "later.png.800w.webp 800w" in read(root, "posts/board/index.html")


def test_changed_image_gets_new_size(site: Site, build: Build) -> None:
    root = site(POST)
    _images(root)
    build(root)
    Image.new("RGB", (320, 240)).save(root / "content/posts/board/small.png")
    build(root)
    assert 'width="320" height="240"' in read(root, "posts/board/index.html")


def test_exif_rotated_photo_is_sized_and_resized_upright(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/phone/index.md --
---
title: Phone
date: 2024-01-01
---
![Portrait](portrait.jpg)
""")
    stored = Image.new("RGB", (1200, 900), (0, 0, 0))
    stored.paste((255, 255, 255), (0, 0, 600, 900))  # left half white as stored: top half once turned
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to show"
    stored.save(root / "content/posts/phone/portrait.jpg", exif=exif)
    build(root)
    assert 'width="900" height="1200"' in read(root, "posts/phone/index.html")
    with Image.open(root / "output/posts/phone/portrait.jpg.400w.webp") as img:
        assert img.size == (400, 533)
        rgb = img.convert("RGB")
        assert sum(rgb.getpixel((200, 20))) > 600 and sum(rgb.getpixel((200, 500))) < 100  # type: ignore[arg-type]


def test_animated_gif_keeps_its_frames(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/anim/index.md --
---
title: Anim
date: 2024-01-01
---
![Spinner](spin.gif)
""")
    frames = [Image.new("P", (1000, 500), i) for i in range(3)]
    frames[0].save(root / "content/posts/anim/spin.gif", save_all=True, append_images=frames[1:], duration=100)
    build(root)
    html = read(root, "posts/anim/index.html")
    assert '<img src="spin.gif" alt="Spinner" width="1000" height="500">' in html
    assert _outputs(root, "posts/anim") == {"index.html", "spin.gif"}


def test_damaged_image_is_a_warning_and_shown_as_it_is(site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = site("""\
-- content/posts/bad/index.md --
---
title: Bad
date: 2024-01-01
---
![Cut](cut.png)

![Not an image](fake.png)
""")
    Image.effect_noise((1000, 600), 60).convert("RGB").save(root / "content/posts/bad/full.png")
    data = (root / "content/posts/bad/full.png").read_bytes()
    (root / "content/posts/bad/full.png").unlink()
    (root / "content/posts/bad/cut.png").write_bytes(data[: len(data) // 2])  # a download cut short
    (root / "content/posts/bad/fake.png").write_text("<html>404 Not Found</html>")
    monkeypatch.setattr(images_mod, "settled", lambda st, now=None: True)  # as if the images were saved a while ago
    code, _out, err = cli("build", "--root", str(root))
    assert code == 0, err
    assert "content/posts/bad/cut.png: warning: cannot make resized copies (" in err
    assert "it is shown as it is" in err
    assert "content/posts/bad/fake.png: warning: not a readable image" in err
    html = read(root, "posts/bad/index.html")
    assert '<img src="cut.png" alt="Cut" width="1000" height="600">' in html and "srcset" not in html
    # The failure is remembered with the file: the next build does not try again, and says it again.
    (root / "content/posts/bad/index.md").write_text((root / "content/posts/bad/index.md").read_text() + "\nMore.\n")
    tried: list[str] = []
    real = resize_mod.resize_one
    monkeypatch.setattr(resize_mod, "resize_one", lambda r, job: tried.append(job.source) or real(r, job))
    code, _out, err = cli("build", "--root", str(root))
    assert code == 0 and tried == [] and "cut.png: warning: cannot make resized copies" in err


def test_oversized_images_are_said_in_blogens_words(site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over Pillow's decompression-bomb limit: a warning (shown as it is, no copies); over twice that: an error.
    Pillow's own warning never reaches the terminal (the tests turn every warning into an error)."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    root = site("""\
-- content/posts/big/index.md --
---
title: Big
date: 2024-01-01
---
![Panorama](pano.png)
""")
    Image.new("RGB", (1500, 1000)).save(root / "content/posts/big/pano.png")  # 1.5 MP: over the limit
    Image.new("RGB", (3000, 1000)).save(root / "content/posts/big/unused.png")  # 3 MP, shown nowhere: fine
    code, _out, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    assert ("content/posts/big/pano.png: warning: image is 1500×1000 (2 megapixels), over Pillow's decompression-bomb "
            "limit of 1 megapixels: it is published as it is, without resized copies") in err
    assert "unused.png" not in err and "DecompressionBomb" not in err
    assert '<img src="pano.png" alt="Panorama" width="1500" height="1000">' in read(root, "posts/big/index.html")
    Image.new("RGB", (3000, 1000)).save(root / "content/posts/big/pano.png")  # 3 MP: over twice the limit
    code, _out, err = cli("build", "--root", str(root), "-q")
    assert code == 1
    assert ("content/posts/big/pano.png: image is too large to process (over 1,000,000 pixels: it is 3 megapixels, "
            "more than twice Pillow's bound against decompression bombs") in err
    assert "DecompressionBomb" not in err


def test_many_images_are_resized_in_worker_processes(site: Site, build: Build) -> None:
    root = site("-- content/posts/many/index.md --\n---\ntitle: Many\ndate: 2024-01-01\n---\n"
                + "".join(f"![{i}](p{i}.jpg)\n\n" for i in range(6)))
    for i in range(6):
        Image.effect_noise((1700, 1100), 40 + i).convert("RGB").save(root / f"content/posts/many/p{i}.jpg")
    build(root, jobs=2)
    out = _outputs(root, "posts/many")
    for i in range(6):
        assert {f"p{i}.jpg.400w.webp", f"p{i}.jpg.1600w.jpg", f"p{i}.jpg.1600w.webp"} <= out
    with Image.open(root / "output/posts/many/p5.jpg.1600w.jpg") as img:
        assert img.size == (1600, 1035)


def test_a_text_edit_reads_no_image_again(site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A text edit is a patch, and the writer knows the digest of every image (from the walk of the inputs)
    and every copy (from when it was made): no image or copy is opened again (a photo blog has gigabytes)."""
    import builtins

    import blogen.content.inputs as inputs_mod
    import blogen.output.record as record_mod

    for module in (images_mod, record_mod, inputs_mod):
        monkeypatch.setattr(module, "settled", lambda st, now=None: True)  # as if saved a while ago
    monkeypatch.setattr(record_mod, "SETTLED_NS", -1 << 62)
    root = site(POST)
    _images(root)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    record_mod._FILE_DIGESTS.clear()  # nothing this process learnt by reading
    copies = {p.name for p in (root / ".blogen-cache/images").iterdir()}
    assert len(copies) == 7
    opened: list[str] = []
    real_read, real_open = Path.read_bytes, builtins.open
    monkeypatch.setattr(Path, "read_bytes", lambda self: opened.append(self.name) or real_read(self))
    monkeypatch.setattr(builtins, "open", lambda file, *a, **k: opened.append(os.path.basename(str(file))) or real_open(file, *a, **k))
    post = root / "content/posts/board/index.md"
    post.write_text(post.read_text() + "\nAn edit.\n")
    code, out, err = cli("build", "--root", str(root), "-v")
    assert code == 0, err
    assert "patched 1 post: content/posts/board/index.md" in out + err
    assert "An edit." in read(root, "posts/board/index.html")
    assert "index.md" in opened  # the edited post itself is read
    assert not [name for name in opened if name.startswith(("big.png", "small.png", "logo.svg")) or name in copies], opened


def test_copies_of_replaced_images_leave_the_cache(site: Site, build: Build, monkeypatch: pytest.MonkeyPatch) -> None:
    import blogen.build.images as build_images

    root = site(POST)
    _images(root)
    build(root)
    cache = root / ".blogen-cache/images"
    old = {p.name for p in cache.iterdir()}
    (cache / ".stale.png.123.tmp").write_bytes(b"left by a killed worker")
    Image.new("RGB", (1300, 650), (0, 200, 0)).save(root / "content/posts/board/big.png")
    build(root)  # the old copies are younger than an hour: another build of the site may still want them
    assert old <= {p.name for p in cache.iterdir()}
    monkeypatch.setattr(build_images, "STALE_AFTER", -1)
    Image.new("RGB", (1300, 650), (0, 0, 200)).save(root / "content/posts/board/big.png")
    build(root)
    now = {p.name for p in cache.iterdir()}
    assert len(now) == 7 and not now & old
    with Image.open(root / "output/posts/board/big.png.400w.webp") as img:
        assert img.convert("RGB").getpixel((10, 10))[2] > 150  # type: ignore[index]
