"""The output tells the truth: after every build, output/ holds exactly what a from-scratch build
writes, whatever was done to output/ or the spare beside it in between."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import assert_like_fresh_build, snapshot, write_site

from blogen.core import fileid

Cli = Callable[..., tuple[int, str, str]]

SITE = """\
-- content/posts/alpha.md --
---
title: Alpha
date: 2024-01-01
tags: [one]
---
Alpha body.
-- content/posts/beta.md --
---
title: Beta
date: 2024-01-02
tags: [one]
---
Beta body.
-- content/pages/about.md --
---
title: About
---
About me.
"""


@pytest.fixture(params=["just-written", "settled"])
def root(request: pytest.FixtureRequest, tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Path:
    if request.param == "settled":
        # Files and folders as still as a site's usually are between builds: each check then lists only
        # the folders whose identity moved, and looks at the files of the others one by one.
        monkeypatch.setattr(fileid, "SETTLED_NS", 0)
    site = write_site(tmp_path / "site", SITE)
    assert cli("build", "--root", str(site), "-q")[0] == 0
    post = site / "content/posts/alpha.md"
    post.write_text(post.read_text() + "\nA second paragraph.\n")
    assert cli("build", "--root", str(site), "-q")[0] == 0  # a change: the spare now holds the first site
    return site


def _build(root: Path, cli: Cli) -> str:
    code, out, err = cli("build", "--root", str(root), "-v")
    assert code == 0, err
    assert "Traceback" not in err
    return out


def test_a_stray_file_in_output_is_removed_counted_and_never_comes_back(root: Path, cli: Cli, tmp_path: Path) -> None:
    (root / "output/stray.txt").write_text("not from the site")
    (root / "output/posts/old").mkdir()
    (root / "output/posts/old/index.html").write_text("an old page")
    out = _build(root, cli)
    assert "2 removed" in out
    assert not (root / "output/stray.txt").exists() and not (root / "output/posts/old").exists()
    for n in range(3):  # the stray must not shuttle between output/ and the spare
        _build(root, cli)
        assert_like_fresh_build(root, tmp_path / f"fresh{n}", cli)


@pytest.mark.parametrize("times_put_back", [False, True], ids=["", "folder-times-put-back"])
def test_a_stray_file_deep_in_a_folder_is_removed(root: Path, cli: Cli, tmp_path: Path, times_put_back: bool) -> None:
    for folder in (root / "output/posts/beta", root / ".output.blogen-spare/posts/beta"):
        st = folder.stat()
        (folder / "stray.html").write_text("not from the site")
        if times_put_back:  # the folder's mtime as it was (its ctime cannot be put back)
            os.utime(folder, ns=(st.st_atime_ns, st.st_mtime_ns))
    out = _build(root, cli)
    assert "1 removed" in out  # the live folder's; the spare's is cleared without a word
    assert not (root / "output/posts/beta/stray.html").exists()
    for n in range(3):  # and neither copy ever comes back
        _build(root, cli)
        assert_like_fresh_build(root, tmp_path / f"fresh{n}", cli)


def test_a_folder_dated_past_what_a_record_holds_is_still_checked(root: Path, cli: Cli, tmp_path: Path) -> None:
    folder = root / "output/posts/beta"
    year_3000 = 32_503_680_000 * 10**9  # nanoseconds: more than a signed 64-bit number holds
    os.utime(folder, ns=(year_3000, year_3000))
    _build(root, cli)
    (folder / "stray.html").write_text("not from the site")
    os.utime(folder, ns=(year_3000, year_3000))
    assert "1 removed" in _build(root, cli)
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


def test_a_folder_replaced_by_a_symlink_is_put_right(root: Path, cli: Cli, tmp_path: Path) -> None:
    import shutil

    folder = root / "output/posts/alpha"
    shutil.copytree(folder, tmp_path / "elsewhere")
    shutil.rmtree(folder)
    folder.symlink_to(tmp_path / "elsewhere")
    _build(root, cli)
    assert not folder.is_symlink() and "Alpha body." in (folder / "index.html").read_text()
    for n in range(2):
        _build(root, cli)
        assert_like_fresh_build(root, tmp_path / f"fresh{n}", cli)


def test_a_file_deleted_from_output_is_written_again(root: Path, cli: Cli, tmp_path: Path) -> None:
    (root / "output/posts/alpha/index.html").unlink()
    out = _build(root, cli)
    assert "wrote posts/alpha/index.html" in out
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


@pytest.mark.parametrize("keep_time", [False, True], ids=["edited", "edited-with-mtime-put-back"])
def test_a_hand_edit_of_an_output_file_is_undone(root: Path, cli: Cli, tmp_path: Path, keep_time: bool) -> None:
    page = root / "output/about/index.html"
    st = page.stat()
    original = page.read_bytes()
    with open(page, "r+b") as fh:  # in place: the spare's hard link to it sees the edit too
        fh.write(b"HACKED"[: len(original)])
    if keep_time:
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert page.stat().st_size == st.st_size
    out = _build(root, cli)
    assert "wrote about/index.html" in out
    assert page.read_bytes() == original
    _build(root, cli)  # and the spare's copy, edited through the shared file, never comes back
    assert page.read_bytes() == original
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


def test_a_changed_mode_is_put_right(root: Path, cli: Cli, tmp_path: Path) -> None:
    page = root / "output/posts/beta/index.html"
    mode = page.stat().st_mode
    page.chmod(0o000)
    _build(root, cli)
    assert page.stat().st_mode == mode
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


def test_files_put_into_the_spare_are_never_published(root: Path, cli: Cli, tmp_path: Path) -> None:
    spare = root / ".output.blogen-spare"
    assert spare.is_dir()
    (spare / "planted.html").write_text("planted")
    (spare / "posts/alpha/index.html").write_text("replaced in the spare")
    (spare / "link").symlink_to("/etc/passwd")
    (root / "content/posts/beta.md").write_text((root / "content/posts/beta.md").read_text() + "\nMore.\n")
    _build(root, cli)
    assert not (root / "output/planted.html").exists() and not (root / "output/link").exists()
    assert "Alpha body." in (root / "output/posts/alpha/index.html").read_text()
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


@pytest.mark.parametrize("damage", [b"", b"garbage", None], ids=["empty", "garbage", "truncated"])
def test_a_damaged_record_is_ignored_not_an_error(root: Path, cli: Cli, tmp_path: Path, damage: bytes | None) -> None:
    record = root / ".output.blogen-record"
    data = record.read_bytes()
    record.write_bytes(data[: len(data) // 2] if damage is None else damage)
    before = snapshot(root / "output")
    _build(root, cli)
    after = snapshot(root / "output")
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert_like_fresh_build(root, tmp_path / "fresh", cli)
    assert "nothing changed" in _build(root, cli)  # and the next build trusts the record it wrote


@pytest.mark.parametrize("bad", [lambda f: [None, *f[1:]], lambda f: f[:2], lambda f: {"digest": f[0]}],
                         ids=["no-digest", "short", "not-a-list"])
def test_a_record_whose_facts_have_the_wrong_shape_is_not_trusted(root: Path, cli: Cli, tmp_path: Path,
                                                                   bad: Callable[[list[object]], object]) -> None:
    # A record with a good checksum but facts of the wrong shape (written by something else than
    # blogen) vouches for nothing and stops nothing: a hand edit of a page it lists is still undone.
    import hashlib
    import marshal

    from blogen.output import record as rec

    page = root / "output/posts/alpha/index.html"
    path = root / ".output.blogen-record"
    data = path.read_bytes()
    doc = marshal.loads(data[len(rec._MAGIC) + 65:])
    for entry in doc["folders"].values():
        entry["files"] = {rel: bad(facts) for rel, facts in entry["files"].items()}
    body = marshal.dumps(doc)
    path.write_bytes(rec._MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    page.write_text("edited by hand")
    _build(root, cli)
    assert "Alpha body." in page.read_text()
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


def test_the_no_op_check_sees_a_hand_edit_that_put_the_time_back(root: Path, cli: Cli) -> None:
    page = root / "output/index.html"
    st = page.stat()
    data = page.read_bytes()
    page.write_bytes(data.replace(b"Alpha", b"Alphx"))
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    out = _build(root, cli)
    assert "nothing changed" not in out
    assert page.read_bytes() == data


def _edit_before_the_swap(monkeypatch: pytest.MonkeyPatch, page: Path) -> None:
    """Edit ``page`` in place by hand once the build has looked at both folders and is about to swap them."""
    from blogen.output.writer import Staging

    real = Staging.finish

    def edit_then_finish(self: Staging, notes: dict[str, object]) -> object:
        with open(page, "r+b") as fh:
            fh.write(b"HACKED")
        return real(self, notes)

    monkeypatch.setattr(Staging, "finish", edit_then_finish)


def test_a_page_edited_while_a_build_runs_is_undone_by_the_next(root: Path, cli: Cli, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # The page is the same file in output/ and the spare: the build records it as it looked before
    # the edit, so the next build sees that it is not.
    page = root / "output/about/index.html"
    original = page.read_bytes()
    (root / "content/posts/beta.md").write_text((root / "content/posts/beta.md").read_text() + "\nMore.\n")
    with monkeypatch.context() as patched:
        _edit_before_the_swap(patched, page)
        _build(root, cli)
    assert "wrote about/index.html" in _build(root, cli)
    assert page.read_bytes() == original
    assert_like_fresh_build(root, tmp_path / "fresh", cli)


def test_a_page_the_writer_links_again_after_a_hand_edit_stops_the_build(root: Path, cli: Cli, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The spare holds an older copy of this page, so the writer links the live file into it: edited
    # meanwhile, it would be recorded with the digest of the bytes it had when it was looked at.
    page = root / "output/posts/alpha/index.html"
    (root / "content/posts/beta.md").write_text((root / "content/posts/beta.md").read_text() + "\nMore.\n")
    with monkeypatch.context() as patched:
        _edit_before_the_swap(patched, page)
        before = snapshot(root / "output")
        code, _, err = cli("build", "--root", str(root))
    assert code == 1
    assert "a file of the output folder changed while the site was being built (posts/alpha/index.html)" in err
    edited = "posts/alpha/index.html"
    after = snapshot(root / "output")
    assert {k: v for k, v in after.items() if k != edited} == {k: v for k, v in before.items() if k != edited}  # as it was
    _build(root, cli)
    assert "Alpha body." in page.read_text() and "HACKED" not in page.read_text()
    assert_like_fresh_build(root, tmp_path / "fresh", cli)
