"""Incremental builds are never stale: after every kind of change the output equals a from-scratch build,
and exactly the files whose bytes differ were rewritten."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, assert_like_fresh_build, copy_sources, read, rewritten, snapshot, write_site

from blogen.build.pipeline import build_site
from blogen.incremental.plan import Full

Cli = Callable[..., tuple[int, str, str]]

BASE = """\
-- content/posts/alpha.md --
---
title: Alpha
date: 2024-01-01
tags: [one, two]
---
Alpha body. See [beta](beta.md#more).
-- content/posts/beta.md --
---
title: Beta
date: 2024-01-02
tags: [two]
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
![dot](dot.svg)
-- content/posts/gamma/dot.svg --
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>
-- content/pages/about.md --
---
title: About
---
About.
-- content/static/robots.txt --
User-agent: *
-- theme/templates/_post_meta.html --
<p class="meta"><time datetime="{{ post.date | isodate }}">{{ post.date | date }}</time>{% for t in post.tags %} <a href="{{ t.url }}">{{ t.name }}</a>{% endfor %}</p>
"""


def _edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        path.write_text(path.read_text().replace(old, new, 1))
    return apply


def _rename(old: str, new: str) -> Callable[[Path], None]:
    return lambda root: (root / old).rename(root / new)


def _delete(rel: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).unlink()


def _write(rel: str, text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return apply


CHANGES = {
    "post body": _edit("content/posts/beta.md", "Beta body.", "Beta body, edited."),
    "post title": _edit("content/posts/beta.md", "title: Beta", "title: Beta renamed"),
    "tags": _edit("content/posts/alpha.md", "tags: [one, two]", "tags: [one, four]"),
    "date": _edit("content/posts/alpha.md", "date: 2024-01-01", "date: 2024-01-05"),
    "draft flag": _edit("content/posts/alpha.md", "tags: [one, two]", "tags: [one, two]\ndraft: true"),
    "heading a link points at": _edit("content/posts/beta.md", "## More\n", "## More {#more}\n\nMore words.\n"),
    "template": _write("theme/templates/page.html",
                       '{% extends "base.html" %}{% block content %}<h1>{{ page.title }}!</h1>{{ page.html }}{% endblock %}\n'),
    "include": _edit("theme/templates/_post_meta.html", '<p class="meta">', '<p class="meta byline">'),
    "config": _edit("blogen.toml", 'title = "Test Notes"', 'title = "Renamed Notes"'),
    "static file": _edit("content/static/robots.txt", "User-agent: *", "User-agent: *\nDisallow: /tmp/"),
    "bundle file": _write("content/posts/gamma/dot.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="30"/>'),
    "deleted post": _delete("content/pages/about.md"),
    "renamed file": _rename("content/posts/gamma", "content/posts/gamma-ray"),
    "new post": _write("content/posts/delta.md", "---\ntitle: Delta\ndate: 2024-02-01\ntags: [one]\n---\nNew.\n"),
    "categories": _edit("content/posts/beta.md", "tags: [two]", "tags: [two]\ncategories: [Linux, Kit]"),
    "series": _edit("content/posts/alpha.md", "tags: [one, two]", "tags: [one, two]\nseries: [Part time]"),
    "a new link (a backlink)": _edit("content/posts/beta.md", "Text.", "Text, as in [alpha](alpha.md)."),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_matches_a_from_scratch_build(change: str, tmp_path: Path, cli: Cli) -> None:
    root = write_site(tmp_path / "site", BASE)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    before = snapshot(root / "output")
    CHANGES[change](root)
    code, _, err = cli("build", "--root", str(root), "-v")
    assert code == 0, err
    after = assert_like_fresh_build(root, tmp_path / "fresh", cli)
    assert rewritten(before, after), "the change must show in the output"


def test_an_edit_renders_only_the_pages_that_show_it(tmp_path: Path, cli: Cli) -> None:
    posts = "".join(f"-- content/posts/p{i}.md --\n---\ntitle: P{i}\ndate: 2024-01-{i + 1:02d}\ntags: [t{i % 3}]\n---\nBody {i}.\n"
                    for i in range(12))
    root = write_site(tmp_path / "site", posts)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    (root / "content/posts/p0.md").write_text((root / "content/posts/p0.md").read_text().replace("Body 0.", "Body zero."))
    code, out, err = cli("build", "--root", str(root), "-v")
    assert code == 0, err
    kept = int(out.split("pages: ")[1].split(" kept")[0])
    total = len([p for p in (root / "output").rglob("*.html")]) + len(list((root / "output").rglob("feed.xml")))
    # p0 (oldest) is shown by its own page, its newer neighbour and related posts, one home page,
    # its tag's page and feeds, and the archive: everything else is kept.
    assert total - kept < 12 < total, (kept, total)
    assert "Body zero." in (root / "output/posts/p0/index.html").read_text()


def test_unchanged_site_is_skipped_without_loading_the_pipeline(tmp_path: Path, cli: Cli) -> None:
    root = write_site(tmp_path / "site", BASE)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    before = snapshot(root / "output")
    code, out, _ = cli("build", "--root", str(root))
    assert code == 0 and out.startswith("nothing changed since the last build")
    assert snapshot(root / "output") == before


@pytest.mark.parametrize("how", ["tampered output", "deleted output file", "other options", "corrupt record", "touched only",
                                 "copied site"])
def test_the_shortcut_is_taken_only_when_it_is_safe(how: str, tmp_path: Path, cli: Cli) -> None:
    root = write_site(tmp_path / "site", BASE)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    if how == "copied site":  # copied with its cache, and its own output/ deleted: the original's must not count
        shutil.copytree(root, tmp_path / "copy")
        root = tmp_path / "copy"
        shutil.rmtree(root / "output")
    args = ["build", "--root", str(root)]
    if how == "tampered output":
        (root / "output/index.html").write_text("oops")
    elif how == "deleted output file":
        (root / "output/posts/beta/index.html").unlink()
    elif how == "other options":
        args.append("--drafts")
    elif how == "corrupt record":
        (root / ".output.blogen-record").write_text("{not json")
    elif how == "touched only":
        path = root / "content/posts/beta.md"
        path.write_text(path.read_text())  # same bytes, new mtime: nothing to do
    code, out, err = cli(*args)
    assert code == 0, err
    if how == "touched only":
        assert out.startswith("nothing changed")
    else:
        assert out.startswith("built "), out
    assert "oops" not in (root / "output/index.html").read_text()
    assert (root / "output/posts/beta/index.html").is_file()


def test_a_scheduled_post_coming_due_is_not_skipped(tmp_path: Path, cli: Cli) -> None:
    root = write_site(tmp_path / "site", BASE + "-- content/posts/later.md --\n---\ntitle: Later\ndate: 2099-01-01\n---\nx\n")
    assert cli("build", "--root", str(root), "-q")[0] == 0
    assert cli("build", "--root", str(root))[1].startswith("nothing changed")
    report = build_site(root, now=datetime(2099, 1, 2, tzinfo=UTC))  # as if that day had come
    assert report.plan == Full("a scheduled post came due")
    assert (root / "output/posts/later/index.html").is_file()


def test_last_warnings_are_repeated_and_strict_still_fails(tmp_path: Path, cli: Cli) -> None:
    root = write_site(tmp_path / "site", BASE.replace("tags: [two]\n---\nBeta", "tags: [Two]\n---\nBeta"))
    code, _, err = cli("build", "--root", str(root), "-q")
    assert code == 0 and "also written as" in err
    code, out, err = cli("build", "--root", str(root))
    assert code == 0 and out.startswith("nothing changed") and "also written as" in err
    code, _, err = cli("build", "--root", str(root), "--strict")
    assert code == 1 and "(--strict)" in err


# The dev server keeps parsed sources, Markdown and parts of the model in memory between builds.
# The same changes, one after another in one process (with a broken save and its fix in between,
# and a link to a heading that is renamed and renamed back), must give what a fresh build gives.
SESSION = [
    "post body", "post title", "tags", "date", "draft flag", "heading a link points at", "template", "include",
    "config", "static file", "bundle file", "deleted post", "renamed file", "new post", "categories", "series",
    "a new link (a backlink)",
]


# How the dev server builds (its memo aside): drafts included, its own address as the base URL.
AS_SERVED: dict[str, Any] = {"drafts": True, "base_url": "http://127.0.0.1:8000/", "now": NOW}


def _assert_like_fresh(root: Path, served: Path, fresh: Path, step: str) -> None:
    """``served`` holds exactly what a from-scratch build of ``root`` (copied to ``fresh``) gives."""
    build_site(copy_sources(root, fresh), output=str(fresh / "out"), **AS_SERVED)
    got = {k: v[0] for k, v in snapshot(served).items()}
    want = {k: v[0] for k, v in snapshot(fresh / "out").items()}
    assert got == want, f"after '{step}': differs in {sorted(k for k in got.keys() | want.keys() if got.get(k) != want.get(k))}"


def test_a_long_lived_memo_never_serves_stale_output(tmp_path: Path) -> None:
    from blogen.build.patch import Memo
    from blogen.core.errors import BlogenError

    root = write_site(tmp_path / "site", BASE)
    memo = Memo(private_output=True)  # as the dev server keeps it
    served = tmp_path / "served"

    def both(step: str) -> None:
        build_site(root, output=str(served), memo=memo, **AS_SERVED)
        _assert_like_fresh(root, served, tmp_path / f"fresh-{step.replace(' ', '-')}", step)

    both("start")
    for step in SESSION:
        CHANGES[step](root)
        both(step)
        if step == "post title":  # a broken save, then the same file fixed: the memo must not keep the broken state
            path = root / "content/posts/beta.md"
            good = path.read_text()
            path.write_text(good.replace("date: 2024-01-02", "date: 2024-02-30"))
            with pytest.raises(BlogenError):
                build_site(root, output=str(served), memo=memo, **AS_SERVED)
            path.write_text(good)
            both("fixed")
        if step == "heading a link points at":  # alpha links to beta#more: renaming the heading must break alpha
            path = root / "content/posts/beta.md"
            good = path.read_text()
            path.write_text(good.replace("## More {#more}", "## Less"))
            with pytest.raises(BlogenError, match=r"alpha\.md"):
                build_site(root, output=str(served), memo=memo, **AS_SERVED)
            path.write_text(good)
            both("heading back")



# Listing pages are kept after an edit to a post's body when their templates read no body; a
# template that does read one (however it gets at it) must see the edit.
BODY_READERS = {
    "attribute": "{% for p in posts %}<p>{{ p.title }}: {{ p.words }} words</p>{% endfor %}",
    "subscript": "{% for p in posts %}<p>{{ p['words'] }}</p>{% endfor %}",
    "filter": "<p>{{ posts | map(attribute='html') | join('|') }}</p>",
    "whole view": "<p>{{ posts[-1] }}</p>",
    "neighbour's body": None,  # the default theme; beta's page links to alpha, which is edited
}


@pytest.mark.parametrize("how", sorted(BODY_READERS))
def test_pages_reading_a_body_see_its_edit(how: str, tmp_path: Path, cli: Cli) -> None:
    template = BODY_READERS[how]
    spec = BASE
    if template is not None:
        spec += f'-- theme/templates/index.html --\n{{% extends "base.html" %}}{{% block content %}}{template}{{% endblock %}}\n'
    if how == "neighbour's body":
        spec += ('-- theme/templates/_post_nav.html --\n'
                 '{% if older %}<p>{{ older.title }}: {{ older.html }}</p>{% endif %}\n')
    root = write_site(tmp_path / "site", spec)
    if how == "neighbour's body":
        post = (root / "theme/templates/post.html")
        builtin = (Path(__file__).parent.parent / "theme/templates/post.html").read_text()
        head, _, tail = builtin.rpartition("{% endblock %}")  # the end of the content block
        post.write_text(head + '{% include "_post_nav.html" %}{% endblock %}' + tail)
    # Two paragraphs, the second edited: the summary (the first paragraph) stays the same.
    _edit("content/posts/alpha.md", "(beta.md#more).", "(beta.md#more).\n\nSecond paragraph.")(root)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    _edit("content/posts/alpha.md", "Second paragraph.", "Second paragraph, now with a few more words in it.")(root)
    code, _, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    assert_like_fresh_build(root, tmp_path / "fresh", cli)
    page = "index.html" if template is not None else "posts/beta/index.html"
    assert "few more words" in (root / "output" / page).read_text() or how in ("attribute", "subscript")


# The dev server's quick rebuild (only posts' text changed) against from-scratch builds. Each step:
# the change, whether the quick path may take it, and the error a build must then report, if any.
# The command line's session (CLI_SESSION below) takes the same decisions.
QUICK_SESSION: list[tuple[str, Callable[[Path], None], bool, str | None]] = [
    ("body", _edit("content/posts/beta.md", "Beta body.", "Beta body, edited."), True, None),
    ("same bytes saved again", lambda root: (root / "content/posts/beta.md").write_text(
        (root / "content/posts/beta.md").read_text()), True, None),
    ("first paragraph (the summary)", _edit("content/posts/alpha.md", "Alpha body.", "Alpha body, retold."), True, None),
    ("heading title from the body", _edit("content/posts/epsilon.md", "# Epsilon", "# Epsilon, renamed"), True, None),
    ("long enough for another minute", _edit("content/posts/beta.md", "Text.", "Text. " + "word " * 400), True, None),
    ("two posts at once", lambda root: (_edit("content/posts/alpha.md", "retold", "told again")(root),
                                        _edit("content/posts/beta.md", "edited", "edited twice")(root)), True, None),
    ("a new link to a page", _edit("content/posts/gamma/index.md", "![dot](dot.svg)",
                                   "![dot](dot.svg) and [about](../../pages/about.md)"), True, None),
    ("the link removed again", _edit("content/posts/gamma/index.md", " and [about](../../pages/about.md)", ""), True, None),
    ("heading another post links to", _edit("content/posts/beta.md", "## More\n", "## Less\n"), True, "alpha.md"),
    # A failed build leaves the output and the snapshot as they were: the next one patches them again,
    # as on the command line.
    ("heading back", _edit("content/posts/beta.md", "## Less\n", "## More\n"), True, None),
    ("a broken link", _edit("content/posts/beta.md", "Beta body", "Beta [body](nowhere.md)"), True, "beta.md"),
    ("broken link mended", _edit("content/posts/beta.md", "[body](nowhere.md)", "body"), True, None),
    ("front matter", _edit("content/posts/beta.md", "title: Beta", "title: Beta renamed"), False, None),
    ("body after a full build", _edit("content/posts/beta.md", "twice", "three times"), True, None),
    ("a page's text", _edit("content/pages/about.md", "About.", "About us."), False, None),
    ("a template", _edit("theme/templates/_post_meta.html", '<p class="meta">', '<p class="meta byline">'), False, None),
    ("body after the template", _edit("content/posts/alpha.md", "again", "once more"), True, None),
]


def test_quick_rebuilds_match_a_from_scratch_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from blogen.build.patch import Memo
    from blogen.core import fileid
    from blogen.core.errors import BlogenError

    # Files written by the test are seconds old; let their identities count at once, as they would
    # for a site whose files have been still for a while. (Every edit below changes a file's size
    # or is made tens of milliseconds after the last write, so no change can hide in one clock tick.)
    monkeypatch.setattr(fileid, "SETTLED_NS", 0)
    spec = BASE + "-- content/posts/epsilon.md --\n---\ndate: 2024-01-04\ntags: [three]\n---\n# Epsilon\n\nIts title is its heading.\n"
    root = write_site(tmp_path / "site", spec)
    memo = Memo(private_output=True)
    served = tmp_path / "served"

    def build() -> bool:
        return build_site(root, output=str(served), memo=memo, **AS_SERVED).quick

    def matches(step: str) -> None:
        _assert_like_fresh(root, served, tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}", step)

    assert not build()  # nothing to start from yet
    assert build()  # nothing changed: the quick path, with nothing to do
    matches("nothing")
    for step, change, quick, error in QUICK_SESSION:
        change(root)
        if error is not None:
            with pytest.raises(BlogenError, match=error):
                build()
            continue
        assert build() is quick, f"'{step}' should {'' if quick else 'not '}take the quick path"
        matches(step)


def test_a_scan_begun_before_the_last_save_still_sees_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dev server scans its inputs while a burst of saves goes quiet; a save that lands after
    the scan looked at its file, or a file the scan never saw, must still reach the pages."""
    from blogen.build.patch import Memo
    from blogen.core import fileid
    from blogen.incremental.scan import Prescan

    monkeypatch.setattr(fileid, "SETTLED_NS", 0)  # as in the test above
    root = write_site(tmp_path / "site", BASE).resolve()
    memo = Memo(private_output=True)
    served = tmp_path / "served"
    build_site(root, output=str(served), memo=memo, **AS_SERVED)

    prescan = Prescan(root)
    assert prescan.take([]) is not None  # waits for the scan: everything below happens after it
    _edit("content/posts/beta.md", "Beta body.", "Beta body, saved after the scan.")(root)
    report = build_site(root, output=str(served), memo=memo, inputs=prescan.take(["content/posts/beta.md"]),
                        **AS_SERVED)
    assert report.quick
    assert "saved after the scan" in (served / "posts/beta/index.html").read_text()
    _assert_like_fresh(root, served, tmp_path / "fresh-edit", "a save after the scan")

    prescan = Prescan(root)
    assert prescan.take([]) is not None
    (root / "content/posts/zeta.md").write_text("---\ntitle: Zeta\ndate: 2024-02-01\n---\nA new post.\n")
    report = build_site(root, output=str(served), memo=memo, inputs=prescan.take(["content/posts/zeta.md"]),
                        **AS_SERVED)
    assert not report.quick
    assert "A new post." in (served / "posts/zeta/index.html").read_text()
    _assert_like_fresh(root, served, tmp_path / "fresh-new", "a post added after the scan")


# The command line's quick rebuild starts from the base the last full build kept on disk. Each
# step: the change, whether the quick path may take it, and the error a build must report, if
# any. Unlike the dev server's, a failed build leaves the base as it was (the output is unchanged).
CLI_SESSION: list[tuple[str, Callable[[Path], None], bool, str | None]] = [
    ("body", _edit("content/posts/beta.md", "Beta body.", "Beta body, edited."), True, None),
    ("first paragraph (the summary)", _edit("content/posts/alpha.md", "Alpha body.", "Alpha body, retold."), True, None),
    ("heading another post links to", _edit("content/posts/beta.md", "## More\n", "## Less\n"), True, "alpha.md"),
    ("heading back", _edit("content/posts/beta.md", "## Less\n", "## More\n"), True, None),
    ("two posts at once", lambda root: (_edit("content/posts/alpha.md", "retold", "told again")(root),
                                        _edit("content/posts/beta.md", "edited", "edited twice")(root)), True, None),
    ("front matter", _edit("content/posts/beta.md", "title: Beta", "title: Beta renamed"), False, None),
    ("body after a full build", _edit("content/posts/beta.md", "twice", "three times"), True, None),
    ("a template", _edit("theme/templates/_post_meta.html", '<p class="meta">', '<p class="meta byline">'), False, None),
    ("body after the template", _edit("content/posts/alpha.md", "again", "once more"), True, None),
    ("a new post", _write("content/posts/delta.md", "---\ntitle: Delta\ndate: 2024-02-01\ntags: [one]\n---\nNew.\n"),
     False, None),
    ("body of the new post", _edit("content/posts/delta.md", "New.", "New, and edited."), True, None),
    # links to other posts decide what those show (backlinks): patched too, the record saying which
    # pages show the linking post now
    ("a new link", _edit("content/posts/delta.md", "New, and", "New, see [gamma](gamma/index.md), and"), True, None),
    ("body after the link", _edit("content/posts/delta.md", "edited.", "edited again."), True, None),
    ("the link removed", _edit("content/posts/delta.md", "see [gamma](gamma/index.md), ", ""), True, None),
]


@pytest.fixture
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are seconds old; let their identities count at once, as they would for a
    site whose files have been still for a while (each edit below changes a file's size)."""
    from blogen.core import fileid

    monkeypatch.setattr(fileid, "SETTLED_NS", 0)


@pytest.mark.usefixtures("settled_at_once")
def test_command_line_quick_rebuilds_match_a_from_scratch_build(tmp_path: Path, cli: Cli) -> None:
    from blogen.core.errors import BlogenError

    root = write_site(tmp_path / "site", BASE)
    assert not build_site(root, now=NOW).quick  # the first build keeps a base for the next
    for n, (step, change, quick, error) in enumerate(CLI_SESSION):
        change(root)
        if error is not None:
            with pytest.raises(BlogenError, match=error):
                build_site(root, now=NOW)
            continue
        before = snapshot(root / "output")
        assert build_site(root, now=NOW).quick is quick, f"'{step}' should {'' if quick else 'not '}take the quick path"
        after = assert_like_fresh_build(root, tmp_path / f"fresh-{n}", cli)
        # (the failed build before "heading back" wrote nothing, so that step brings back what is there)
        assert bool(rewritten(before, after)) is (step != "heading back"), step


@pytest.mark.usefixtures("settled_at_once")
def test_editing_the_text_of_a_post_left_out_of_the_site_is_a_patch_that_writes_nothing(tmp_path: Path, cli: Cli) -> None:
    """A writer saves a draft (or a post scheduled for later) again and again: without ``--drafts`` its
    text is on no page, so the build patches nothing instead of making the whole site again."""
    root = write_site(tmp_path / "site", BASE + "-- content/posts/draft.md --\n---\ntitle: Draft\ndate: 2024-01-05\n"
                      "draft: true\n---\nNot yet.\n-- content/posts/later.md --\n---\ntitle: Later\n"
                      "date: 2099-07-01\n---\nSoon.\n")
    build_site(root, now=NOW)
    for n, (rel, old, new) in enumerate((("draft.md", "Not yet.", "Not yet, but [a link](alpha.md) now."),
                                         ("later.md", "Soon.", "Soon, and longer."))):
        _edit(f"content/posts/{rel}", old, new)(root)
        before = snapshot(root / "output")
        report = build_site(root, now=NOW)
        assert report.quick, (rel, report.plan)
        assert report.written == () and report.removed == (), rel
        assert rewritten(before, assert_like_fresh_build(root, tmp_path / f"fresh-{n}", cli)) == set(), rel
    # with --drafts the draft is on its pages, and its edits reach them
    build_site(root, now=NOW, drafts=True)
    _edit("content/posts/draft.md", "now.", "now, edited.")(root)
    report = build_site(root, now=NOW, drafts=True)
    assert "now, edited." in (root / "output/posts/draft/index.html").read_text(), report.plan


@pytest.mark.usefixtures("settled_at_once")
def test_a_base_never_keeps_pages_another_build_wrote(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from blogen.incremental import snapshot as kept_model

    # Epsilon is the draft's neighbour and shares nothing with alpha, the post edited below: only a
    # full build makes epsilon's page again, which in the drafts build links to the draft.
    root = write_site(tmp_path / "site", BASE + "-- content/posts/draft.md --\n---\ntitle: Draft\ndate: 2024-01-05\n"
                      "draft: true\n---\nNot yet.\n-- content/posts/epsilon.md --\n---\ntitle: Epsilon\n"
                      "date: 2024-01-04\ntags: [four]\n---\nEpsilon.\n")
    build_site(root, now=NOW)
    (path,) = (root / ".blogen-cache/snapshots").glob("*.pickle")  # the snapshot of default builds
    kept = path.read_bytes()
    # A build with other options writes the output folder and dies before it keeps its own base;
    # the old base is put back, as a copy of the site restored from a backup would have it.
    with monkeypatch.context() as patch:
        patch.setattr(kept_model, "save", lambda *_a, **_k: None)
        build_site(root, now=NOW, drafts=True)
    assert (root / "output/posts/draft/index.html").is_file()
    assert "posts/draft/" in (root / "output/posts/epsilon/index.html").read_text()
    path.write_bytes(kept)
    _edit("content/posts/alpha.md", "Alpha body.", "Alpha body, edited.")(root)
    report = build_site(root, now=NOW)
    assert not report.quick  # the output's notes name another build than the base
    assert not (root / "output/posts/draft/index.html").exists()
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


@pytest.mark.usefixtures("settled_at_once")
def test_a_base_from_elsewhere_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The base is a pickle, and reading a pickle runs code: one not signed with this user's key
    (a site copied with its cache, another user's) must be ignored unread."""
    import os
    import pickle

    root = write_site(tmp_path / "site", BASE)
    build_site(root, now=NOW)
    (path,) = (root / ".blogen-cache/snapshots").glob("*.pickle")
    data = path.read_bytes()
    magic, signature = data[:data.index(b"\n") + 1], data[-65:]
    made_with, snapshot_id = data.split(b"\n")[1:3]
    marker = tmp_path / "ran"

    class Trap:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.mkdir, (str(marker),))

    path.write_bytes(magic + made_with + b"\n" + snapshot_id + b"\n" + pickle.dumps(Trap()) + signature)  # an old signature on new content
    _edit("content/posts/beta.md", "Beta body.", "Beta body, edited.")(root)
    assert not build_site(root, now=NOW).quick
    assert not marker.exists()
    # Another user (another key) cannot use this user's base either.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    _edit("content/posts/beta.md", "edited", "edited twice")(root)
    assert not build_site(root, now=NOW).quick
    assert "edited twice" in (root / "output/posts/beta/index.html").read_text()


@pytest.mark.usefixtures("settled_at_once")
def test_the_remembered_code_fingerprint_goes_with_any_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Library versions decide the output, and looking them up is slow, so the answer is remembered
    while nothing is installed or removed; then it must be worked out again."""
    import sys

    from blogen.core import install

    packages = tmp_path / "site-packages"
    packages.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(packages)])
    install._installation.cache_clear()
    assert install.installed_fingerprint("test", lambda: "first") == "first"
    assert install.installed_fingerprint("test", lambda: "again") == "first"  # remembered
    (packages / "newlib-2.0.dist-info").mkdir()  # pip installs something
    install._installation.cache_clear()
    assert install.installed_fingerprint("test", lambda: "after the install") == "after the install"
    install._installation.cache_clear()


@pytest.mark.usefixtures("settled_at_once")
def test_a_quick_rebuild_that_fails_leaves_output_and_snapshot_to_patch_again(tmp_path: Path, cli: Cli) -> None:
    from blogen.core.errors import BlogenError

    # "Two" and "two" are one tag, written two ways: a warning, which --strict turns into a failure.
    root = write_site(tmp_path / "site", BASE.replace("tags: [two]", "tags: [Two]"))
    assert build_site(root, now=NOW).site.warnings
    before = snapshot(root / "output")
    _edit("content/posts/beta.md", "Beta body.", "Beta body, edited.")(root)
    with pytest.raises(BlogenError, match="strict"):
        build_site(root, now=NOW, strict=True)
    assert snapshot(root / "output") == before  # the record and the snapshot still describe this output
    assert build_site(root, now=NOW).quick
    _edit("content/posts/beta.md", "edited", "edited again")(root)
    assert build_site(root, now=NOW).quick
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


@pytest.mark.usefixtures("settled_at_once")
def test_a_command_line_patch_resolves_again_the_links_into_an_edited_post(tmp_path: Path, cli: Cli) -> None:
    # Alpha links to beta#more: an edit of beta's text is patched in, and alpha's links are resolved again.
    root = write_site(tmp_path / "site", BASE)
    build_site(root, now=NOW)
    _edit("content/posts/beta.md", "Beta body.", "Beta body, edited.")(root)
    report = build_site(root, now=NOW)
    assert report.quick, report.plan
    assert "Beta body, edited." in read(root, "posts/beta/index.html")
    assert 'beta/#more"' in read(root, "posts/alpha/index.html")
    assert_like_fresh_build(root, tmp_path / "fresh", cli)
