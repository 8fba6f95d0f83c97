"""Backlinks: each post and page lists the posts that link to it, and stays right through every kind of rebuild."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULT_CONFIG, NOW, assert_like_fresh_build, copy_sources, read, snapshot, write_site

from blogen.build.pipeline import BuildReport, build_site

Site = Callable[..., Path]
Build = Callable[..., BuildReport]
Cli = Callable[..., tuple[int, str, str]]

NOTES = """\
-- content/posts/target.md --
---
title: The target
date: 2024-01-01
---
A note others point at.

## Detail

More.
-- content/posts/by-source.md --
---
title: By its source
date: 2024-01-02
---
See [the target](target.md#detail) and [it again](target.md), and [myself](by-source.md#more).

## More
-- content/posts/by-url.md --
---
title: By its URL
date: 2024-01-03
---
See [the target](/posts/target/) and ![a picture of it](/posts/target/).
-- content/posts/bundled/index.md --
---
title: A bundle
date: 2024-01-04
---
Points at [the about page](../../pages/about.md).
-- content/posts/quiet.md --
---
title: Quiet
date: 2024-01-05
---
Links [to the web](https://example.com/) only.
-- content/posts/draft.md --
---
title: A draft
date: 2024-01-06
draft: true
---
Also cites [the target](target.md).
-- content/pages/about.md --
---
title: About
---
This page's own link to [the target](../posts/target.md) is not a backlink: only posts count.
"""


def _linked_from(html: str) -> list[str]:
    if 'class="backlinks"' not in html:
        return []
    section = html.split('<section class="backlinks"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', section)


def test_a_post_lists_the_posts_that_link_to_it_newest_first(site: Site, build: Build) -> None:
    root = site(NOTES)
    report = build(root)
    # by its source file (twice, and with a fragment: once) and by its URL; an image, a page and an
    # unpublished draft do not count
    assert _linked_from(read(root, "posts/target/index.html")) == ["By its URL", "By its source"]
    assert "<h2 id=\"backlinks-h\">Linked from</h2>" in read(root, "posts/target/index.html")
    assert _linked_from(read(root, "about/index.html")) == ["A bundle"]  # a page lists its backlinks too
    assert _linked_from(read(root, "posts/by-source/index.html")) == []  # its link to itself is no backlink
    assert _linked_from(read(root, "posts/quiet/index.html")) == []
    assert dict(report.site.backlinks) == {"content/pages/about.md": (1,), "content/posts/target.md": (2, 3)}


def test_drafts_link_only_when_drafts_are_built(site: Site, build: Build, tmp_path: Path) -> None:
    root = site(NOTES)
    build(root, drafts=True, output=str(tmp_path / "drafts"))
    page = (tmp_path / "drafts/posts/target/index.html").read_text()
    assert _linked_from(page) == ["A draft", "By its URL", "By its source"]


def test_backlinks_can_be_turned_off_in_the_config_or_left_out_by_a_theme(site: Site, build: Build, tmp_path: Path) -> None:
    root = site(NOTES, config=DEFAULT_CONFIG + "backlinks = false\n")
    report = build(root)
    assert 'class="backlinks"' not in read(root, "posts/target/index.html") and dict(report.site.backlinks) == {}
    themed = write_site(tmp_path / "themed", NOTES + "-- theme/templates/_backlinks.html --\n")
    build(themed)
    assert 'class="backlinks"' not in (themed / "output/posts/target/index.html").read_text()


# --- after edits -------------------------------------------------------------------------------------

ADD = ("content/posts/quiet.md", "Links [to the web](https://example.com/) only.",
       "Links [to the web](https://example.com/) and [to the target](target.md) and [about](../pages/about.md).")


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are seconds old; let their identities count at once (see test_incremental)."""
    from blogen.core import fileid

    monkeypatch.setattr(fileid, "SETTLED_NS", 0)


@pytest.mark.usefixtures("settled_at_once")
def test_an_edit_that_adds_then_removes_a_link_matches_a_fresh_build_on_the_command_line(tmp_path: Path, cli: Cli) -> None:
    root = write_site(tmp_path / "site", NOTES)
    assert not build_site(root, now=NOW).quick  # keeps a base for the quick rebuilds below
    _edit(root, *ADD)
    before = snapshot(root / "output")
    # Its links changed: a patch of the snapshot, which renders the pages whose backlinks changed.
    assert build_site(root, now=NOW).quick
    after = assert_like_fresh_build(root, tmp_path / "fresh-add", cli)
    assert _linked_from(read(root, "posts/target/index.html")) == ["Quiet", "By its URL", "By its source"]
    assert _linked_from(read(root, "about/index.html")) == ["Quiet", "A bundle"]
    changed = {rel for rel in after if before[rel][0] != after[rel][0]}
    assert {"posts/target/index.html", "about/index.html", "posts/quiet/index.html"} <= changed
    assert "posts/by-url/index.html" not in changed
    _edit(root, ADD[0], "Links", "Still links")  # text only: the quick path
    assert build_site(root, now=NOW).quick
    assert_like_fresh_build(root, tmp_path / "fresh-text", cli)
    _edit(root, ADD[0], ADD[2].removeprefix("Links"), ADD[1].removeprefix("Links"))
    # Back to the snapshot's links: the pages that show the link now (the record says which) lose it.
    assert build_site(root, now=NOW).quick
    assert_like_fresh_build(root, tmp_path / "fresh-remove", cli)
    assert _linked_from(read(root, "posts/target/index.html")) == ["By its URL", "By its source"]
    assert _linked_from(read(root, "about/index.html")) == ["A bundle"]


# How the dev server builds (its memo aside): drafts included, its own address as the base URL.
AS_SERVED: dict[str, Any] = {"drafts": True, "base_url": "http://127.0.0.1:8000/", "now": NOW}


@pytest.mark.usefixtures("settled_at_once")
def test_an_edit_that_adds_then_removes_a_link_matches_a_fresh_build_in_the_dev_server(tmp_path: Path) -> None:
    from blogen.build.patch import Memo

    root = write_site(tmp_path / "site", NOTES)
    memo = Memo(private_output=True)
    served = tmp_path / "served"

    def matches(step: str) -> None:
        fresh = copy_sources(root, tmp_path / f"fresh-{step}")
        build_site(fresh, output=str(fresh / "out"), **AS_SERVED)
        got = {k: v[0] for k, v in snapshot(served).items()}
        want = {k: v[0] for k, v in snapshot(fresh / "out").items()}
        assert got == want, f"after '{step}': differs in {sorted(k for k in got.keys() | want.keys() if got.get(k) != want.get(k))}"

    build_site(root, output=str(served), memo=memo, **AS_SERVED)
    _edit(root, *ADD)
    assert build_site(root, output=str(served), memo=memo, **AS_SERVED).quick
    matches("add")
    assert _linked_from((served / "posts/target/index.html").read_text()) == ["A draft", "Quiet", "By its URL", "By its source"]
    _edit(root, ADD[0], ADD[2], ADD[1])
    assert build_site(root, output=str(served), memo=memo, **AS_SERVED).quick
    matches("remove")
    assert "Quiet" not in _linked_from((served / "about/index.html").read_text())
    # a link retargeted in one save: one target loses it, the other gains it
    _edit(root, "content/posts/by-url.md", "[the target](/posts/target/)", "[the quiet one](quiet.md)")
    assert build_site(root, output=str(served), memo=memo, **AS_SERVED).quick
    matches("retarget")
    assert _linked_from((served / "posts/quiet/index.html").read_text()) == ["By its URL"]
