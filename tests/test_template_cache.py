"""Compiled templates are kept in the site's cache (``.blogen-cache/templates/``) for the next process,
signed with the user's key: a later build loads them instead of compiling, with the same pages and
the same error messages; an entry this user did not sign is never run."""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import jinja2
import pytest
from conftest import assert_like_fresh_build, copy_sources, digests, snapshot, write_site

from blogen.core import signing
from blogen.render.bytecode import signed_entry
from blogen.render.templates import make_environment

Cli = Callable[..., tuple[int, str, str]]

POST_TEMPLATE = """\
<!doctype html>
<title>{{ post.title }}</title>
{% if post.title == "Boom" %}
<p>{{ post.no_such_field }}</p>
{% endif %}
<main>{{ post.html }}</main>
<p>template v1</p>
"""

SITE = """\
-- content/posts/alpha.md --
---
title: Alpha
date: 2024-01-01
tags: [notes]
---
The alpha text.
-- content/posts/beta.md --
---
title: Beta
date: 2024-01-02
---
The beta text.
-- content/pages/about.md --
---
title: About
---
About this site.
-- theme/templates/post.html --
""" + POST_TEMPLATE


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates compiled from source (not loaded from the cache) from now on."""
    names: list[str] = []
    original = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str | jinja2.nodes.Template, name: str | None = None,
                 filename: str | None = None, raw: bool = False, defer_init: bool = False) -> object:
        names.append(name or "?")
        return original(self, source, name, filename, raw, defer_init)  # type: ignore[call-overload]

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / ".blogen-cache/templates").rglob("*") if p.is_file())


def _build_all(root: Path, cli: Cli) -> tuple[int, str]:
    """A build that renders every page again (the output, its record and spare folder are gone)."""
    shutil.rmtree(root / "output", ignore_errors=True)
    shutil.rmtree(root / ".output.blogen-spare", ignore_errors=True)
    (root / ".output.blogen-record").unlink(missing_ok=True)
    code, _out, err = cli("build", "--root", str(root), "-q")
    assert "Traceback" not in err
    return code, err


@pytest.fixture
def built(tmp_path: Path, cli: Cli) -> Path:
    root = write_site(tmp_path / "site", SITE)
    code, _out, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    return root


def test_a_later_build_loads_every_template_from_the_cache(built: Path, cli: Cli, compiled: list[str],
                                                          tmp_path: Path) -> None:
    first = snapshot(built / "output")
    assert _entries(built)  # the first build kept what it compiled
    assert _build_all(built, cli)[0] == 0
    assert compiled == []  # nothing compiled: every template came from the cache
    assert digests(snapshot(built / "output")) == digests(first)  # the same bytes as when compiled from source
    assert cli("check", "--root", str(built))[0] == 0
    assert compiled == []
    compiled.clear()
    assert_like_fresh_build(built, tmp_path / "fresh", cli)  # a site without a cache compiles them all ...
    assert "post.html" in compiled and "base.html" in compiled  # ... (so the count above could see them)


def test_an_edited_template_is_compiled_again_and_the_page_changes(built: Path, cli: Cli, compiled: list[str]) -> None:
    template = built / "theme/templates/post.html"
    template.write_text(POST_TEMPLATE.replace("template v1", "template v2"))
    code, _out, err = cli("build", "--root", str(built), "-q")
    assert code == 0, err
    assert compiled == ["post.html"]  # only the one whose source changed
    page = (built / "output/posts/alpha/index.html").read_text()
    assert "template v2" in page and "template v1" not in page
    template.write_text(POST_TEMPLATE)  # and back: the entry of the first version is still good
    compiled.clear()
    assert cli("build", "--root", str(built), "-q")[0] == 0
    assert compiled == []
    assert "template v1" in (built / "output/posts/alpha/index.html").read_text()


def _malicious_code(marker: Path) -> bytes:
    """The marshalled code of a template that writes ``marker`` when loaded and renders "PWNED"."""
    env = jinja2.Environment()
    source = env.compile("PWNED", "evil.html", "evil.html", raw=True)
    return marshal.dumps(compile(f"__import__('pathlib').Path({str(marker)!r}).write_text('ran')\n{source}", "evil.html", "exec"))


def _store(path: Path, body: bytes) -> None:
    """Put ``body`` in a cache entry, its header's digest made to match: only a signature can tell."""
    head = path.read_bytes().partition(b"\n")[0].split(b" ")
    head[-1] = hashlib.sha256(body).hexdigest().encode()
    path.write_bytes(b" ".join(head) + b"\n" + body)


def _tamper(how: str, path: Path, evil: bytes) -> None:
    data = path.read_bytes().partition(b"\n")[2]
    if how == "code replaced, signature kept":
        _store(path, data[:signing.SIGNATURE_BYTES] + evil)
    elif how == "signed with another key":
        _store(path, signed_entry(os.urandom(32), path.name, evil))
    elif how == "bytes flipped":
        _store(path, data[:-40] + bytes(b ^ 0xFF for b in data[-40:]))
    elif how == "truncated":
        _store(path, data[:len(data) // 2])
    else:  # shorter than a signature
        _store(path, data[:signing.SIGNATURE_BYTES - 3])


@pytest.mark.parametrize("how", ["code replaced, signature kept", "signed with another key", "bytes flipped",
                                 "truncated", "shorter than a signature"])
def test_an_entry_not_signed_by_this_user_is_never_run(how: str, built: Path, cli: Cli, compiled: list[str],
                                                       tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    evil = _malicious_code(marker)
    entries = _entries(built)
    for path in entries:
        _tamper(how, path, evil)
    code, err = _build_all(built, cli)
    assert code == 0, err
    assert not marker.exists()
    assert "PWNED" not in (built / "output/posts/alpha/index.html").read_text()
    assert "post.html" in compiled and "base.html" in compiled  # compiled from source instead ...
    assert_like_fresh_build(built, tmp_path / "fresh", cli)
    compiled.clear()
    assert _build_all(built, cli)[0] == 0  # ... and stored again, good this time
    assert compiled == []
    assert _entries(built) == entries


def test_the_same_entry_signed_with_this_users_key_is_loaded(built: Path, cli: Cli, tmp_path: Path) -> None:
    """The control for the test above: the very code it plants, signed with the user's own key and
    stored for its key, is loaded and run; so what kept it out there was the signature alone."""
    marker = tmp_path / "ran"
    evil = _malicious_code(marker)
    key = signing.secret()
    assert key is not None
    for path in _entries(built):
        _store(path, signed_entry(key, path.name, evil))
    assert _build_all(built, cli)[0] == 0
    assert marker.exists()
    assert "PWNED" in (built / "output/posts/alpha/index.html").read_text()


def test_an_entry_moved_to_another_key_is_not_loaded(built: Path, cli: Cli, compiled: list[str]) -> None:
    """Two signed entries swapped: each is signed for its own key, so neither passes for the other."""
    entries = _entries(built)
    bodies = [p.read_bytes().partition(b"\n")[2] for p in entries]
    for path, body in zip(entries, bodies[1:] + bodies[:1], strict=True):
        _store(path, body)
    assert _build_all(built, cli)[0] == 0
    assert len(compiled) == len(entries)
    assert "The alpha text." in (built / "output/posts/alpha/index.html").read_text()


@pytest.fixture
def no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A user cache folder that cannot be made (a file stands where it would be): no signing key."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert signing.secret() is None
    yield


def test_without_a_key_templates_are_compiled_every_time_and_pages_are_the_same(
        built: Path, cli: Cli, compiled: list[str], tmp_path: Path, no_key: None) -> None:
    keyed = digests(snapshot(built / "output"))
    root = copy_sources(built, tmp_path / "unkeyed")
    for _ in range(2):
        compiled.clear()
        code, err = _build_all(root, cli)
        assert code == 0, err
        assert "post.html" in compiled and "base.html" in compiled
    assert not (root / ".blogen-cache/templates").exists()  # nothing unsigned is ever kept
    assert digests(snapshot(root / "output")) == keyed


def test_template_errors_name_their_file_and_line_with_a_warm_cache(built: Path, cli: Cli, compiled: list[str],
                                                                     tmp_path: Path) -> None:
    post = built / "content/posts/alpha.md"
    post.write_text(post.read_text().replace("title: Alpha", "title: Boom"))
    code, _out, err = cli("build", "--root", str(built), "-q")
    assert code == 1
    assert (f"{built}/theme/templates/post.html:4: undefined variable: 'blogen.render.views.PostView object' "
            "has no attribute 'no_such_field' (while rendering content/posts/alpha.md)") in err, err
    assert compiled == []  # the error came from the cached code
    # The same site moved elsewhere with its cache: its errors name its own files, not the old place's.
    moved = tmp_path / "moved"
    shutil.copytree(built, moved, symlinks=True)
    code, _out, err = cli("build", "--root", str(moved), "-q")
    assert code == 1
    assert f"{moved}/theme/templates/post.html:4: undefined variable:" in err, err
    assert "(built-in theme)" not in err and str(built) not in err
    # A syntax error, with every other template warm.
    post.write_text(post.read_text().replace("title: Boom", "title: Alpha"))
    (built / "theme/templates/post.html").write_text(POST_TEMPLATE.replace("<main>", "{% if %}<main>"))
    compiled.clear()
    code, _out, err = cli("build", "--root", str(built), "-q")
    assert code == 1
    assert "theme/templates/post.html:6: template syntax error:" in err, err
    assert set(compiled) == {"post.html"}  # the broken one, tried for each of its pages; no other


def test_the_environment_without_a_key_has_no_bytecode_cache(built: Path, no_key: None) -> None:
    assert make_environment(built).bytecode_cache is None


# --- pruning ---------------------------------------------------------------------------------------


def _names(root: Path) -> set[str]:
    return {p.name for p in _entries(root)}


def _age(root: Path, seconds: float = 2 * 3600) -> None:
    """Make every entry as old as if written ``seconds`` ago (the time between edits, without waiting it)."""
    then = time.time() - seconds
    for path in _entries(root):
        os.utime(path, (then, then))


def test_entries_of_an_edited_templates_old_texts_are_pruned_once_old(built: Path, cli: Cli, compiled: list[str]) -> None:
    template = built / "theme/templates/post.html"
    start = _names(built)
    for version in range(2, 7):  # five edits, each with a build, an hour or more apart
        _age(built)
        template.write_text(POST_TEMPLATE.replace("template v1", f"template v{version}"))
        code, _out, err = cli("build", "--root", str(built), "-q")
        assert code == 0, err
        assert f"template v{version}" in (built / "output/posts/alpha/index.html").read_text()
        assert len(_names(built)) == len(start)  # the old text's entry went, the new one came
    kept = _names(built)
    compiled.clear()
    assert _build_all(built, cli)[0] == 0  # a warm rebuild of every page ...
    assert compiled == []  # ... compiles nothing: every template the build uses is still there
    assert _names(built) == kept
    # What is left is exactly what the current templates compile to from an empty cache.
    shutil.rmtree(built / ".blogen-cache/templates")
    assert _build_all(built, cli)[0] == 0
    assert _names(built) == kept and "post.html" in compiled


def test_an_unused_entry_younger_than_an_hour_is_kept(built: Path, cli: Cli) -> None:
    """Another build of the same site (a dev server's, one started before the edit) may still use it."""
    start = _names(built)
    (built / "theme/templates/post.html").write_text(POST_TEMPLATE.replace("template v1", "template v2"))
    assert cli("build", "--root", str(built), "-q")[0] == 0
    after = _names(built)
    assert start < after and len(after) == len(start) + 1  # v1's entry is still there, beside v2's
    _age(built, 3000)  # fifty minutes: still young
    assert _build_all(built, cli)[0] == 0
    assert _names(built) == after
    _age(built, 3700)
    assert _build_all(built, cli)[0] == 0
    assert len(_names(built)) == len(start) and _names(built) != start  # v1's is gone, v2's stays


def test_a_build_that_renders_no_template_anew_prunes_nothing(built: Path, cli: Cli) -> None:
    """Only a full build (which a template edit always is) looks at the entries: a post's text edited
    is a patch, and costs no walk of the cache."""
    (built / "theme/templates/post.html").write_text(POST_TEMPLATE.replace("template v1", "template v2"))
    assert cli("build", "--root", str(built), "-q")[0] == 0
    with_both = _names(built)
    _age(built)
    post = built / "content/posts/alpha.md"
    post.write_text(post.read_text().replace("The alpha text.", "The alpha text, edited."))
    code, out, err = cli("build", "--root", str(built), "-v")
    assert code == 0, err
    assert "patched 1 post" in out + err
    assert _names(built) == with_both


def test_a_cache_folder_leading_out_of_the_site_is_never_pruned(built: Path, cli: Cli, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.move(built / ".blogen-cache/templates", elsewhere)
    (built / ".blogen-cache/templates").symlink_to(elsewhere)
    stray = elsewhere / "ab" / ("ab" + "0" * 62)
    stray.parent.mkdir(exist_ok=True)
    stray.write_text("not blogen's to remove")
    then = time.time() - 7200
    os.utime(stray, (then, then))
    (built / "theme/templates/post.html").write_text(POST_TEMPLATE.replace("template v1", "template v2"))
    assert cli("build", "--root", str(built), "-q")[0] == 0
    assert stray.read_text() == "not blogen's to remove"
