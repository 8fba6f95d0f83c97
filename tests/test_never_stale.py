"""Never stale, proven by a matrix: every kind of change, made every way a build can start, with and
without drafts, before and after a scheduled post comes due, gives exactly the bytes a from-scratch
build of the same tree gives. The clock is injected (``now``), so time is tested without sleeping."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import copy_sources, write_site

from blogen.build.patch import Memo
from blogen.build.pipeline import build_site
from blogen.incremental.plan import Full, UpToDate, build_options, decide_build

BEFORE = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)  # the scheduled post is not due yet
AFTER = BEFORE + timedelta(days=2)  # it is

SITE = """\
-- content/posts/alpha.md --
---
title: Alpha
date: 2024-01-01
tags: [one, shared]
---
Alpha body. See [beta](beta.md#more).
-- content/posts/beta.md --
---
title: Beta
date: 2024-01-02
tags: [two, shared]
---
Beta body.

## More

Text.
-- content/posts/gamma/index.md --
---
title: Gamma
date: 2024-01-03
tags: [three]
---
![a board](board.png)
-- content/posts/later.md --
---
title: Later
date: 2024-06-02
tags: [shared]
---
Scheduled for tomorrow.
-- content/posts/draft.md --
---
title: Draft
date: 2024-01-04
draft: true
---
Not yet.
-- content/pages/about.md --
---
title: About
---
About me.
-- content/static/robots-note.txt --
static one
-- theme/templates/_extra.html --
<p class="extra">included</p>
-- theme/shortcodes/note.html --
<aside class="note">{{ inner }}</aside>
-- content/posts/epsilon.md --
---
title: Epsilon
date: 2024-01-06
---
Let $x$ be real; then

$$x^2 \\geq 0$$

```dot title="Flow"
digraph { a -> b }
```
-- content/posts/delta-notes.md --
---
title: Delta notes
date: 2024-01-05
tags: [shared]
---
{{< note >}}A shortcode's text.{{< /note >}}
"""


@pytest.fixture(autouse=True)
def _settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are milliseconds old, and blogen reads a file that recent again whatever
    its identity says; let identities count at once, as they do for a site whose files have been still
    for a few seconds, so that the identity rules themselves are what is tested. (Every change below is
    made at least one build after the file was last written, so never within one clock tick.)"""
    from blogen.core import fileid

    monkeypatch.setattr(fileid, "SETTLED_NS", 0)


def _edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / rel
        text = path.read_text()
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1))
    return change


def _png(root: Path, colour: tuple[int, int, int], size: tuple[int, int], mtime: int | None = None) -> None:
    from PIL import Image

    path = root / "content/posts/gamma/board.png"
    Image.new("RGB", size, colour).save(path)
    if mtime is not None:
        import os
        os.utime(path, ns=(mtime, mtime))


def _same_size_image(root: Path) -> None:
    """Replaced by another image of the same byte size and mtime, as ``cp -p`` or ``rsync -a`` leave it."""
    path = root / "content/posts/gamma/board.png"
    st = path.stat()
    from PIL import Image

    for width in range(10, 400):  # a different picture whose PNG has exactly the old byte size
        Image.new("RGB", (width, 7), (200, 10, 10)).save(path)
        if path.stat().st_size == st.st_size:
            break
    else:
        pytest.skip("no same-size image found")
    import os
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


CHANGES: dict[str, Callable[[Path], None]] = {
    "post body": _edit("content/posts/beta.md", "Beta body.", "Beta body, edited."),
    "front matter": _edit("content/posts/beta.md", "tags: [two, shared]", "tags: [two, shared]\nsummary: A summary."),
    "title": _edit("content/posts/beta.md", "title: Beta", "title: Beta renamed"),
    "tags": _edit("content/posts/alpha.md", "tags: [one, shared]", "tags: [one]"),
    "date and order": _edit("content/posts/alpha.md", "date: 2024-01-01", "date: 2024-01-05"),
    "draft flag": _edit("content/posts/draft.md", "draft: true", "draft: false"),
    "draft's text": _edit("content/posts/draft.md", "Not yet.", "Not yet, see [beta](beta.md)."),
    "scheduled post's text": _edit("content/posts/later.md", "Scheduled for tomorrow.", "Scheduled, [alpha](alpha.md)."),
    "template": lambda root: (root / "theme/templates/post.html").write_text(
        (Path(__file__).parent.parent / "theme/templates/post.html").read_text().replace(
            "{% endblock %}", '{% include "_extra.html" %}{% endblock %}', 1)),
    "include": _edit("theme/templates/_extra.html", "included", "included, changed"),
    "shortcode template": _edit("theme/shortcodes/note.html", '<aside class="note">', '<aside class="note changed">'),
    "config": lambda root: (root / "blogen.toml").write_text((root / "blogen.toml").read_text().replace(
        "Test Notes", "Renamed Notes")),
    "math setting": lambda root: (root / "blogen.toml").write_text((root / "blogen.toml").read_text()
                                                               + "[markdown]\nmath = false\n"),
    "diagrams setting": lambda root: (root / "blogen.toml").write_text((root / "blogen.toml").read_text()
                                                                   + "[markdown]\ndiagrams = false\n"),
    "diagram edited": _edit("content/posts/epsilon.md", "a -> b", "a -> b -> c"),
    "static file": _edit("content/static/robots-note.txt", "static one", "static two"),
    "image, same size and mtime": _same_size_image,
    "file added": lambda root: (root / "content/posts/delta.md").write_text(
        "---\ntitle: Delta\ndate: 2024-01-06\ntags: [one]\n---\nNew.\n"),
    "file deleted": lambda root: (root / "content/posts/alpha.md").unlink(),
    "file renamed": lambda root: (root / "content/posts/alpha.md").rename(root / "content/posts/alpha-two.md"),
    "link added (a backlink)": _edit("content/posts/gamma/index.md", "![a board](board.png)",
                                     "![a board](board.png) Like [alpha](../alpha.md)."),
    "link removed": _edit("content/posts/alpha.md", " See [beta](beta.md#more).", ""),
    "linked heading renamed": lambda root: (_edit("content/posts/beta.md", "## More", "## Much more")(root),
                                            _edit("content/posts/alpha.md", "beta.md#more", "beta.md#much-more")(root)),
}

WAYS = ("no-op check", "command line, incremental", "command line, full", "serve")


def _site(tmp_path: Path) -> Path:
    root = write_site(tmp_path / "site", SITE)
    (root / "theme/templates/post.html").write_text((Path(__file__).parent.parent / "theme/templates/post.html").read_text())
    _png(root, (10, 200, 10), (40, 30))
    return root


def _fresh(root: Path, where: Path, drafts: bool, now: datetime) -> dict[str, bytes]:
    copy = copy_sources(root, where)
    build_site(copy, drafts=drafts, now=now, jobs=1)
    return _files(copy / "output")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _build(root: Path, way: str, drafts: bool, now: datetime, memo: Memo | None, served: Path) -> Path:
    """Build ``root`` the given way; returns the folder holding the result."""
    if way == "serve":
        build_site(root, drafts=drafts, now=now, jobs=1, memo=memo, output=str(served))
        return served
    if way == "command line, full":
        shutil.rmtree(root / ".blogen-cache", ignore_errors=True)  # no snapshot to patch
    if way == "no-op check":
        decision = decide_build(root.resolve(), root.resolve() / "output", build_options(drafts, None, None), now)
        if isinstance(decision.plan, UpToDate):
            return root / "output"
        build_site(root, drafts=drafts, now=now, jobs=1, decision=decision)
        return root / "output"
    build_site(root, drafts=drafts, now=now, jobs=1)
    return root / "output"


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("drafts", [False, True], ids=["published", "drafts"])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_every_way_gives_a_from_scratch_build(tmp_path: Path, change: str, drafts: bool, way: str) -> None:
    root = _site(tmp_path)
    memo = Memo(private_output=True) if way == "serve" else None
    served = tmp_path / "served"
    _build(root, way, drafts, BEFORE, memo, served)
    CHANGES[change](root)
    for n, now in enumerate((BEFORE, AFTER)):  # the change, then the clock passing the scheduled post
        got = _files(_build(root, way, drafts, now, memo, served))
        assert got == _fresh(root, tmp_path / f"fresh-{n}", drafts, now), (change, way, drafts, now)


@pytest.mark.parametrize("drafts", [False, True], ids=["published", "drafts"])
def test_a_scheduled_post_coming_due_reaches_the_feeds_with_drafts_on_too(tmp_path: Path, drafts: bool) -> None:
    """With ``--drafts`` (and so in ``serve``) the scheduled post is shown before its day, but only
    reaches the feeds and the sitemap on it: the clock passing it is a change the record must know."""
    root = _site(tmp_path)
    build_site(root, drafts=drafts, now=BEFORE, jobs=1)
    assert "Later" not in (root / "output/feed.xml").read_text()
    decision = decide_build(root.resolve(), root.resolve() / "output", build_options(drafts, None, None), AFTER)
    assert decision.plan == Full("a scheduled post came due")
    build_site(root, drafts=drafts, now=AFTER, jobs=1, decision=decision)
    for rel in ("feed.xml", "sitemap.xml", "tags/shared/feed.xml"):
        assert "later" in (root / "output" / rel).read_text().lower(), rel


def test_an_image_replaced_by_one_of_the_same_size_and_mtime_gets_its_new_dimensions(tmp_path: Path) -> None:
    root = _site(tmp_path)
    build_site(root, now=BEFORE, jobs=1)
    assert 'width="40" height="30"' in (root / "output/posts/gamma/index.html").read_text()
    _same_size_image(root)
    build_site(root, now=BEFORE, jobs=1)
    page = (root / "output/posts/gamma/index.html").read_text()
    assert 'width="40" height="30"' not in page
    assert page == _fresh(root, tmp_path / "fresh", False, BEFORE)["posts/gamma/index.html"].decode()
