"""The search index: what it holds, how its words are cut, and that every kind of rebuild leaves it
exactly as a from-scratch build would, rewriting only the files whose bytes change."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULT_CONFIG, NOW, assert_like_fresh_build, copy_sources, rewritten, snapshot, write_site

from blogen.build.pipeline import build_site
from blogen.render.searchwords import shard_of, words

Cli = Callable[..., tuple[int, str, str]]
SEARCH_ON = DEFAULT_CONFIG + "[search]\nenabled = true\n"

SITE = """\
-- content/posts/alpha.md --
---
title: Alpha notes
date: 2024-01-01
tags: [Kernel]
---
The zebrafish swims past the café.

## More

Naïve façades and `setenforce 0` in a console.
-- content/posts/beta.md --
---
title: Beta
date: 2024-01-02
---
Beta talks about quokkas.

```c linenos
int main(void) { return 0; }
```
-- content/posts/hidden.md --
---
title: Hidden
date: 2024-01-03
search: false
---
A secret platypus.
-- content/pages/about.md --
---
title: About
---
About the kayak.
"""


def _index(out: Path) -> tuple[dict[str, Any], dict[str, dict[str, int]], dict[str, dict[str, Any]]]:
    """The manifest, every document's terms (as a reader's browser would gather them) and every document file."""
    meta = json.loads((out / "search/index.json").read_text())
    terms: dict[str, dict[str, int]] = {doc: {} for doc in meta["docs"]}
    for k in range(len(meta["shards"])):
        table = json.loads((out / f"search/t/{k:x}.json").read_text())
        for position, pairs in zip(table[::2], table[1::2], strict=True):
            items = pairs.split(" ")
            for term, weight in zip(items[::2], items[1::2], strict=True):
                assert shard_of(term.encode(), len(meta["shards"])) == k, f"{term} is in the wrong shard"
                terms[meta["docs"][position]][term] = int(weight)
    docs = {doc: json.loads((out / f"search/d/{doc}.json").read_text()) for doc in meta["docs"]}
    return meta, terms, docs


def _by_title(out: Path) -> dict[str, tuple[dict[str, int], dict[str, Any]]]:
    _, terms, docs = _index(out)
    return {docs[d]["title"]: (terms[d], docs[d]) for d in docs}


def test_the_index_holds_each_document_with_its_words(site: Callable[..., Path], build: Callable[..., Any]) -> None:
    root = site(SITE, config=SEARCH_ON)
    build(root)
    out = root / "output"
    found = _by_title(out)
    assert sorted(found) == ["About", "Alpha notes", "Beta"]  # 'search: false' keeps Hidden out
    alpha_terms, alpha = found["Alpha notes"]
    assert alpha == {"url": "../posts/alpha/", "title": "Alpha notes", "date": "1 January 2024",
                     "datetime": "2024-01-01T00:00:00+00:00",
                     "text": "The zebrafish swims past the café. More Naïve façades and setenforce 0 in a console."}
    # accents folded, code words kept, title and tags weigh more than a word of the text
    assert {"zebrafish", "cafe", "naive", "facades", "setenforce", "kernel", "alpha"} <= alpha_terms.keys()
    assert alpha_terms["alpha"] > alpha_terms["zebrafish"] and alpha_terms["kernel"] > alpha_terms["zebrafish"]
    beta_terms, beta = found["Beta"]
    assert "quokkas" in beta_terms and "main" in beta_terms
    assert "1" not in beta_terms and "1int" not in beta["text"] and "1 int" not in beta["text"], "line numbers are not text"
    assert found["About"][1]["url"] == "../about/" and "date" not in found["About"][1]
    page = (out / "search/index.html").read_text()
    assert '<input type="search" id="search-q" name="q"' in page and "<noscript>" in page
    assert 'href="../tags/"' in page and 'href="../archive/"' in page, "without JavaScript: the tags and the archive"
    assert 'src="../search.' in page
    home = (out / "index.html").read_text()
    box = '<form role="search" aria-label="Site" action="search/"><input type="search" name="q" aria-label="Search"'
    assert box in home
    assert "<script src=" not in (out / "posts/alpha/index.html").read_text(), "the script loads on the search page only"
    # the header's box on every page (one header height), the page's own form named apart (unique landmarks)
    assert '<form role="search" aria-label="Site" action=' in page and 'aria-label="Search the notes"' in page


def test_pages_can_be_left_out_and_search_is_off_by_default(tmp_path: Path, build: Callable[..., Any]) -> None:
    root = write_site(tmp_path / "a", SITE, config=SEARCH_ON + "pages = false\n")
    build(root)
    assert sorted(_by_title(root / "output")) == ["Alpha notes", "Beta"]
    off = write_site(tmp_path / "b", SITE)
    build(off)
    files = [p.relative_to(off / "output").as_posix() for p in (off / "output").rglob("*")]
    assert not [f for f in files if "search" in f]
    assert "search" not in (off / "output/index.html").read_text()


def test_a_bad_search_value_in_front_matter_is_an_error(site: Callable[..., Path], cli: Cli) -> None:
    root = site(SITE.replace("search: false", "search: nope"), config=SEARCH_ON)
    code, _, err = cli("build", "--root", str(root))
    assert code == 1
    assert "content/posts/hidden.md:4: front matter 'search' must be true or false" in err


def test_words_are_cut_and_folded_as_the_script_does() -> None:
    assert words("Hello, World_2 -- it's CAFÉ ﬁsh Ångström naïve 3.14") == \
        [b"hello", b"world_2", b"it", b"s", b"cafe", b"fish", b"angstrom", b"naive", b"3", b"14"]
    assert words("Straße Ελληνικά 東京") == ["straße".encode(), "ελληνικα".encode(), "東京".encode()]
    # FNV-1a of the first three characters; the script's own is checked against this in tests/test_browser_features.py
    # FNV-1a's published test vectors: "a" and "foo" (the first three characters of "foobar")
    assert shard_of(b"a", 1 << 32) == 0xE40C292C
    assert shard_of(b"foobar", 1 << 32) == shard_of(b"foo", 1 << 32) == 0xA9F37ED7


@pytest.mark.usefixtures("settled_at_once")
def test_an_edit_rewrites_only_the_search_files_it_changes(tmp_path: Path, cli: Cli) -> None:
    posts = "".join(f"-- content/posts/p{i}.md --\n---\ntitle: Post {i}\ndate: 2024-{1 + i // 28:02d}-{1 + i % 28:02d}\n---\n"
                    f"Words of post {i}: apple banana cherry{i} damson elder fig grape.\n" for i in range(40))
    root = write_site(tmp_path / "site", posts, config=SEARCH_ON)
    build_site(root, now=NOW)
    meta, _, docs = _index(root / "output")
    assert len(meta["shards"]) == 8 and len(meta["docs"]) == 40
    seven = next(d for d in docs if docs[d]["title"] == "Post 7")
    before = snapshot(root / "output")
    path = root / "content/posts/p7.md"
    path.write_text(path.read_text().replace("damson", "damson zucchini"))
    assert build_site(root, now=NOW).quick
    after = assert_like_fresh_build(root, tmp_path / "fresh", cli)
    changed = rewritten(before, after)
    shard = shard_of(b"zucchini", 8)
    assert {f for f in changed if f.startswith("search/")} == {"search/index.json", f"search/t/{shard:x}.json",
                                                              f"search/d/{seven}.json"}
    assert "zucchini" in _by_title(root / "output")["Post 7"][0]
    # A third "apple" where there were two: its weight (the count's bit length) stays 2, so no shard changes.
    path.write_text(path.read_text().replace("apple", "apple apple"))
    build_site(root, now=NOW)
    path.write_text(path.read_text().replace("apple apple", "apple apple, apple"))
    before = snapshot(root / "output")
    assert build_site(root, now=NOW).quick
    changed = {f for f in rewritten(before, assert_like_fresh_build(root, tmp_path / "fresh-2", cli)) if f.startswith("search/")}
    assert changed == {f"search/d/{seven}.json"}


EDITS: list[tuple[str, Callable[[Path], None]]] = [
    ("new word", lambda r: _replace(r, "content/posts/beta.md", "quokkas", "quokkas and wombats")),
    ("word gone", lambda r: _replace(r, "content/posts/alpha.md", "zebrafish ", "")),
    ("punctuation only", lambda r: _replace(r, "content/posts/beta.md", "wombats.", "wombats!")),
    ("title", lambda r: _replace(r, "content/posts/beta.md", "title: Beta", "title: Beta and gamma")),
    ("page text", lambda r: _replace(r, "content/pages/about.md", "kayak", "canoe")),
    ("left out", lambda r: _replace(r, "content/posts/alpha.md", "tags: [Kernel]", "tags: [Kernel]\nsearch: false")),
    ("new post", lambda r: (r / "content/posts/delta.md").write_text("---\ntitle: Delta\ndate: 2024-02-01\n---\nDingo.\n")),
    ("body after", lambda r: _replace(r, "content/posts/delta.md", "Dingo.", "Dingo and emu.")),
    ("search off", lambda r: _replace(r, "blogen.toml", "enabled = true", "enabled = false")),
    ("search on", lambda r: _replace(r, "blogen.toml", "enabled = false", "enabled = true")),
]


def _replace(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.usefixtures("settled_at_once")
def test_command_line_rebuilds_leave_the_index_as_a_fresh_build(tmp_path: Path, cli: Cli) -> None:
    root = write_site(tmp_path / "site", SITE, config=SEARCH_ON)
    build_site(root, now=NOW)
    for n, (step, change) in enumerate(EDITS):
        change(root)
        before = snapshot(root / "output")
        build_site(root, now=NOW)
        after = assert_like_fresh_build(root, tmp_path / f"fresh-{n}", cli)
        changed = rewritten(before, after)
        assert changed, step
        if step == "punctuation only":  # the same words: no shard changes, only the page and its document file
            assert not [f for f in changed if f.startswith(("search/t/", "search/index"))], changed
    assert "emu" in _by_title(root / "output")["Delta"][0]


@pytest.mark.usefixtures("settled_at_once")
def test_dev_server_rebuilds_leave_the_index_as_a_fresh_build(tmp_path: Path) -> None:
    from blogen.build.patch import Memo

    root = write_site(tmp_path / "site", SITE, config=SEARCH_ON)
    memo = Memo(private_output=True)
    served = tmp_path / "served"
    options: dict[str, Any] = {"drafts": True, "base_url": "http://127.0.0.1:8000/", "now": NOW}
    build_site(root, output=str(served), memo=memo, **options)
    quick = 0
    for n, (step, change) in enumerate(EDITS):
        change(root)
        quick += build_site(root, output=str(served), memo=memo, **options).quick
        fresh = copy_sources(root, tmp_path / f"fresh-{n}")
        build_site(fresh, output=str(fresh / "out"), **options)
        got = {k: v[0] for k, v in snapshot(served).items()}
        want = {k: v[0] for k, v in snapshot(fresh / "out").items()}
        assert got == want, f"after '{step}': {sorted(k for k in got.keys() | want.keys() if got.get(k) != want.get(k))}"
    assert quick >= 3, "edits to a post's text take the quick path"


@pytest.fixture
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are seconds old; let their identities count at once, as for a site at rest."""
    from blogen.core import fileid

    monkeypatch.setattr(fileid, "SETTLED_NS", 0)


@pytest.mark.usefixtures("settled_at_once")
def test_a_full_build_reads_the_kept_terms_and_ignores_a_damaged_file(tmp_path: Path, cli: Cli,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from blogen.render import search

    posts = "".join(f"-- content/posts/p{i}.md --\n---\ntitle: Post {i}\ndate: 2024-{1 + i // 28:02d}-{1 + i % 28:02d}\n---\n"
                    f"Words of post {i}: apple banana cherry{i}.\n" for i in range(40))
    root = write_site(tmp_path / "site", posts, config=SEARCH_ON)
    build_site(root, now=NOW)
    kept = root / ".blogen-cache/search-terms.bin"
    assert kept.is_file()
    made: list[str] = []
    real = search.doc_terms
    monkeypatch.setattr(search, "doc_terms", lambda html, title, *a: made.append(title) or real(html, title, *a))
    _replace(root, "blogen.toml", 'title = "Test Notes"', 'title = "Renamed Notes"')  # a full build
    assert not build_site(root, now=NOW).quick
    assert made == [], "every post's terms came from the kept file"
    assert_like_fresh_build(root, tmp_path / "fresh-1", cli)
    made.clear()  # (the fresh build of a copy, without the file, worked them out)
    kept.write_bytes(kept.read_bytes()[:1000])  # cut short: ignored, and the terms are worked out again
    _replace(root, "blogen.toml", 'title = "Renamed Notes"', 'title = "Test Notes"')
    build_site(root, now=NOW)
    assert len(made) == 40
    assert_like_fresh_build(root, tmp_path / "fresh-2", cli)
