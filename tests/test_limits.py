"""Inputs blogen cannot take as they are: each is a `path:line: message` found before anything is
written (in build, check and serve alike), never a traceback, a hang or half a gigabyte of output."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import copy_sources, digests, snapshot

from blogen.core.config import MarkdownOptions
from blogen.core.errors import BlogenError
from blogen.core.limits import MAX_NAME_BYTES, MAX_TERMS_PER_POST
from blogen.core.urls import OUTPUT_MARKER
from blogen.markdown.render import render_markdown
from blogen.output.record import MARKER
from blogen.render.feeds import check_feed
from blogen.serve.server import DevServer

Cli = Callable[..., tuple[int, str, str]]

GOOD = """\
-- content/posts/good.md --
---
title: Good
date: 2024-01-01
tags: [ok]
---
Fine.
"""


@pytest.fixture
def built(site: Callable[..., Path], cli: Cli) -> Path:
    root = site(GOOD)
    code, _, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    return root


def _post(root: Path, name: str, front: str, body: str = "Body.\n") -> None:
    path = root / "content/posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")


def _refused(root: Path, cli: Cli, *messages: str) -> str:
    """``build`` and ``check`` both fail with every message, no traceback, and output/ untouched."""
    before = snapshot(root / "output")
    for command in ("build", "check"):
        code, out, err = cli(command, "--root", str(root))
        assert code == 1, (command, out, err)
        assert "Traceback" not in err and "internal error" not in err
        for message in messages:
            assert message in err, (command, err)
    assert snapshot(root / "output") == before
    return err


# --- front matter and config that Python's parsers choke on ----------------------------------------


def test_a_recursive_yaml_alias_is_a_problem_naming_its_line(built: Path, cli: Cli) -> None:
    _post(built, "alias.md", "title: A\ndate: 2024-01-02\nextra: &a [*a]\n")
    _post(built, "alias2.md", "title: B\ndate: 2024-01-03\nextra:\n  me: &m\n    again: *m\n")
    _refused(built, cli, "content/posts/alias.md:4: front matter has a recursive alias",
             "content/posts/alias2.md:5: front matter has a recursive alias")


def test_a_shared_yaml_alias_that_is_not_recursive_still_works(built: Path, cli: Cli) -> None:
    _post(built, "shared.md", "title: S\ndate: 2024-01-02\nextra:\n  a: &x [1, 2]\n  b: *x\n")
    code, _out, err = cli("build", "--root", str(built), "-q")
    assert code == 0, err


@pytest.mark.parametrize("depth", [250, 5000])
def test_yaml_nested_too_deep(built: Path, cli: Cli, depth: int) -> None:
    _post(built, "deep.md", f"title: D\ndate: 2024-01-02\nextra:\n  x: {'[' * depth}{']' * depth}\n")
    err = _refused(built, cli)
    assert re.search(r"content/posts/deep.md:5: .*(nested more than 64 levels deep|nesting depth)", err), err


def test_toml_front_matter_nested_too_deep(built: Path, cli: Cli) -> None:
    (built / "content/posts/deep.md").write_text(f'+++\ntitle = "D"\ndate = 2024-01-02\n\n[extra]\nx = {"[" * 490}{"]" * 490}\n+++\nx\n')
    _refused(built, cli, "content/posts/deep.md:6: front matter is nested more than 64 levels deep")


def test_front_matter_as_deep_as_the_limit_builds(built: Path, cli: Cli) -> None:
    """Sixty levels (the limit is 64) go through everything that walks them: templates, the kept model."""
    _post(built, "deep.md", f"title: D\ndate: 2024-01-02\nextra:\n  x: {'[' * 60}1{']' * 60}\n")
    code, _out, err = cli("build", "--root", str(built), "-q")
    assert code == 0, err
    code, _out, err = cli("build", "--root", str(built), "-q")
    assert code == 0, err


def test_config_nested_too_deep(built: Path, cli: Cli) -> None:
    with (built / "blogen.toml").open("a") as fh:
        fh.write(f"\n[extra]\nlist = {'[' * 490}{']' * 490}\n")
    _refused(built, cli, "blogen.toml:8: nested more than 64 levels deep")


def test_the_dev_server_shows_a_recursive_alias_as_a_problem_and_prints_no_traceback(
        site: Callable[..., Path], caplog: pytest.LogCaptureFixture) -> None:
    root = site(GOOD)
    _post(root, "alias.md", "title: A\ndate: 2024-01-02\nextra: &a [*a]\n")
    lines: list[str] = []
    dev = DevServer(root, port=0, echo=lines.append)
    try:
        dev.start()
        assert dev.wait_first_build(60)
    finally:
        dev.close()
    assert "content/posts/alias.md:4: front matter has a recursive alias: an anchored value (&name) that contains itself (*name)" in lines
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


# --- undecodable names, unwritable caches ----------------------------------------------------------


def test_undecodable_names_anywhere_are_problems_in_build_check_and_serve(built: Path, cli: Cli) -> None:
    (built / "content/static").mkdir()
    (built / os.fsdecode(b"content/static/logo\xff.png")).write_bytes(b"x")
    (built / "theme/static").mkdir(parents=True)
    (built / os.fsdecode(b"theme/static/st\xfeyle.css")).write_text("p{}")
    (built / os.fsdecode(b"content/posts/d\xe9j\xe0")).mkdir()
    err = _refused(built, cli, "content/static/logo\\xff.png: file name is not valid UTF-8",
                   "theme/static/st\\xfeyle.css: file name is not valid UTF-8",
                   "content/posts/d\\xe9j\\xe0: file name is not valid UTF-8")
    assert err.count("not valid UTF-8") == 3
    lines: list[str] = []
    dev = DevServer(built, port=0, echo=lines.append)
    try:
        dev.start()
        assert dev.wait_first_build(60)
    finally:
        dev.close()
    assert sum("file name is not valid UTF-8" in line for line in lines) == 3, lines


def test_a_cache_folder_that_cannot_be_written_only_costs_speed(site: Callable[..., Path], cli: Cli, tmp_path: Path) -> None:
    """With ``.blogen-cache`` a plain file, nothing can be cached: builds, rebuilds and checks still
    work, and the output (resized image copies included) is what a build with a cache makes."""
    from PIL import Image

    root = site(GOOD + "-- content/posts/pic/index.md --\n---\ntitle: Pic\ndate: 2024-02-01\n---\n![wide](wide.png)\n")
    Image.new("RGB", (1000, 400), "teal").save(root / "content/posts/pic/wide.png")
    (root / ".blogen-cache").write_text("not a folder")
    for _ in range(2):
        code, _out, err = cli("build", "--root", str(root), "-q")
        assert code == 0, err
    assert cli("check", "--root", str(root))[0] == 0
    assert (root / "output/posts/pic/wide.png.800w.webp").is_file()
    fresh = copy_sources(root, tmp_path / "fresh")
    (fresh / ".blogen-cache").unlink(missing_ok=True)
    assert cli("build", "--root", str(fresh), "-q")[0] == 0
    assert digests(snapshot(root / "output")) == digests(snapshot(fresh / "output"))


# --- resource limits ------------------------------------------------------------------------------


def test_too_many_tags_on_a_post_is_an_error_naming_the_line(built: Path, cli: Cli) -> None:
    _post(built, "tags.md", "title: T\ndate: 2024-01-02\ntags: " + ", ".join(f"tag{i}" for i in range(2000)) + "\n")
    _refused(built, cli, f"content/posts/tags.md:4: front-matter key 'tags': 2,000 tags; a post may have at most {MAX_TERMS_PER_POST}")


def test_a_post_with_many_tags_gets_the_posts_sharing_most_of_them_as_related(built: Path, cli: Cli) -> None:
    many = [f"t{i}" for i in range(MAX_TERMS_PER_POST)]
    _post(built, "many.md", f"title: Many\ndate: 2024-01-05\ntags: [{', '.join(many)}]\n")
    _post(built, "three.md", "title: Three\ndate: 2024-01-02\ntags: [t1, t2, t3]\n")
    _post(built, "two.md", "title: Two\ndate: 2024-01-04\ntags: [t1, t2]\n")
    _post(built, "one.md", "title: One\ndate: 2024-01-03\ntags: [t1]\n")
    code, _out, err = cli("build", "--root", str(built), "-q")
    assert code == 0, err
    related = (built / "output/posts/many/index.html").read_text().split('class="related"', 1)[1]
    order = [related.index(f">{title}<") for title in ("Three", "Two", "One")]
    assert order == sorted(order), "posts sharing more tags come first"


def test_pathological_markdown_is_refused_naming_its_paragraph(built: Path, cli: Cli) -> None:
    _post(built, "brackets.md", "title: B\ndate: 2024-01-02\n", "An honest first paragraph.\n\n" + "[" * 30000 + "\n")
    _refused(built, cli, "content/posts/brackets.md:7: this paragraph of 30,000 characters is too costly to parse as "
                         "Markdown (30,000 more '[' than ']')")


@pytest.mark.parametrize("text", ["[]([]([](" * 3000, "[^x" * 10000, "![" * 15000, "http:" * 20000])
def test_other_pathological_markdown_is_refused(text: str) -> None:
    with pytest.raises(BlogenError) as info:
        render_markdown("Intro.\n\n" + text, MarkdownOptions(), path="p.md", first_line=5)
    problem = info.value.problems[0]
    assert (problem.path, problem.line) == ("p.md", 7)
    assert "too costly to parse as Markdown" in problem.message


def test_honest_markdown_dense_with_links_is_not_refused() -> None:
    """A long paragraph of links, references, footnotes and URLs (far denser than any real post) renders."""
    links = " ".join(f"[link {i}](https://example.org/{i}) and ![img](i{i}.png \"t\") [ref][r{i % 50}] [^n{i % 20}] "
                     f"https://example.org/u/{i} mail{i}@example.org www.example{i}.org [plain {i}]" for i in range(600))
    refs = "".join(f"[r{i}]: https://example.org/ref/{i}\n" for i in range(50))
    notes = "".join(f"[^n{i}]: Note {i}.\n" for i in range(20))
    rendered = render_markdown(f"{links}\n\n{refs}\n{notes}", MarkdownOptions(), path="dense.md")
    assert rendered.html.count("<a href=\"https://example.org/") >= 600 * 2


# --- checked before anything is written -----------------------------------------------------------


def test_aliases_claiming_built_in_outputs_are_errors_naming_the_post(built: Path, cli: Cli) -> None:
    _post(built, "old.md", "title: Old\ndate: 2024-01-02\naliases: [/feed.xml, /sitemap.xml, /.blogen-output, /tags/]\n")
    _refused(built, cli,
             "content/posts/old.md:4: URL /feed.xml/ needs a folder 'feed.xml' where the site feed puts the file of /feed.xml",
             "content/posts/old.md:4: URL /sitemap.xml/ needs a folder 'sitemap.xml' where the sitemap puts the file of /sitemap.xml",
             "content/posts/old.md:4: URL /.blogen-output/: '.blogen-output' is the name blogen marks its output folder with",
             "content/posts/old.md:4: URL /tags/ is claimed twice: by content/posts/old.md (alias '/tags/') and by the tag index")
    assert OUTPUT_MARKER == MARKER


def test_names_too_long_for_a_file_are_errors_naming_the_post(built: Path, cli: Cli) -> None:
    _post(built, "tag.md", f"title: T\ndate: 2024-01-02\ntags: [ok, {'x' * 300}]\n")
    _post(built, "slug.md", f"title: S\ndate: 2024-01-03\nslug: {'s' * 300}\n")
    _post(built, "alias.md", f"title: A\ndate: 2024-01-04\naliases: [/{'a' * 250}.html]\n")
    (built / "content/static").mkdir()
    (built / "content/static" / ("f" * 245 + ".txt")).write_text("x")
    _refused(built, cli,
             f"content/posts/tag.md:4: tag '{'x' * 32}…' makes a folder name of 300 bytes; a name in the output may "
             f"have at most {MAX_NAME_BYTES}",
             f"content/posts/slug.md:4: slug '{'s' * 32}…' makes a folder name of 300 bytes",
             f"content/posts/alias.md:4: URL /{'a' * 59}…",
             f"is 255 bytes long; a file or folder name in the output may have at most {MAX_NAME_BYTES}",
             f"content/static/{'f' * 245}.txt: URL /{'f' * 59}…")


@pytest.mark.parametrize(("image", "message"), [
    ("javascript:alert(1)", "front-matter key 'image': 'javascript:alert(1)' is not an image address"),
    ("data:image/png;base64,AAAA", "front-matter key 'image': 'data:image/png;base64,AAAA' is not an image address"),
    ("https://cdn.example/a b.png", "front-matter key 'image': 'https://cdn.example/a b.png' is not an image address: "
                                    "it contains a space, which must be percent-encoded"),
    ("cover.png", "front-matter image 'cover.png' names no file of the site (no such file content/posts/cover.png)"),
    ("/img/gone.png", "front-matter image '/img/gone.png' names no file of the site"),
])
def test_a_front_matter_image_is_checked_like_a_markdown_image(built: Path, cli: Cli, image: str, message: str) -> None:
    _post(built, "card.md", f'title: C\ndate: 2024-01-02\nimage: "{image}"\n')
    _refused(built, cli, f"content/posts/card.md:4: {message}")


def test_good_front_matter_images_build(built: Path, cli: Cli) -> None:
    (built / "content/posts/card").mkdir()
    (built / "content/posts/card/cover.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>')
    (built / "content/posts/card/index.md").write_text("---\ntitle: C\ndate: 2024-01-02\nimage: cover.svg\n---\nText.\n")
    (built / "content/static").mkdir()
    (built / "content/static/card.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>')
    _post(built, "shared.md", "title: S\ndate: 2024-01-03\nimage: ../static/card.svg\n")
    _post(built, "remote.md", "title: R\ndate: 2024-01-04\nimage: //cdn.example.org/r.png\n")
    code, _out, err = cli("build", "--root", str(built))
    assert code == 0, err
    assert "unreferenced" not in err and "nothing links to" not in cli("check", "--root", str(built))[2]


def test_tag_alias_cycles_chains_and_empty_names_are_config_errors(built: Path, cli: Cli) -> None:
    with (built / "blogen.toml").open("a") as fh:
        fh.write('\n[tag_names]\nok = ""\n\n[tag_aliases]\ngolang = "go"\ngo = "golang"\nk8s = "kube"\nkube = "kubernetes"\n')
    _refused(built, cli,
             "blogen.toml:8: tag_names entry 'ok' must give the name to show, not ''",
             "blogen.toml:11: tag_aliases entry 'golang' points to 'go', which is itself an alias (a cycle: golang -> go -> golang)",
             "blogen.toml:12: tag_aliases entry 'go' points to 'golang', which is itself an alias (a cycle: go -> golang -> go)",
             "blogen.toml:13: tag_aliases entry 'k8s' points to 'kube', which is itself an alias (a chain: k8s -> kube -> kubernetes)")


@pytest.mark.parametrize("base_url", ["https://exa mple.org/", "https://example.org/my blog/", "https://user@example.org/",
                                      "https://example.org:99999/", "https://example.org/a//b/", "https://ex_ample-.org/"])
def test_a_base_url_that_is_not_a_real_url_is_a_config_error(built: Path, cli: Cli, base_url: str) -> None:
    text = (built / "blogen.toml").read_text().replace('base_url = "https://example.org/"', f'base_url = "{base_url}"')
    (built / "blogen.toml").write_text(text)
    _refused(built, cli, f"blogen.toml:4: base_url '{base_url}' must be an absolute http(s) URL like 'https://example.org/': ")


def test_the_feed_check_refuses_ids_and_links_that_are_not_urls() -> None:
    feed = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>https://exa mple.org/</id><title>t</title>'
            b'<updated>2024-01-01T00:00:00Z</updated><link rel="self" href="https://exa mple.org/feed.xml"/>'
            b'<author><name>a</name></author><entry><id>tag:exa mple.org,2024-01-01:x</id><title>x</title>'
            b'<updated>2024-01-01T00:00:00Z</updated><published>2024-01-01T00:00:00Z</published>'
            b'<link href="https://example.org/x/"/></entry></feed>')
    messages = [p.message for p in check_feed("feed.xml", feed)]
    assert messages == [
        "feed id 'https://exa mple.org/' is not a well-formed URL: it contains a space, which must be percent-encoded",
        "feed link 'https://exa mple.org/feed.xml' is not a well-formed URL: it contains a space, which must be percent-encoded",
        "feed id 'tag:exa mple.org,2024-01-01:x' is not a well-formed URL: it contains a space, which must be percent-encoded",
    ]


def test_a_file_name_with_spaces_gives_a_well_formed_entry_id(built: Path, cli: Cli) -> None:
    _post(built, "my first #1 note.md", "title: Spaces\ndate: 2024-01-02\n")
    code, _out, err = cli("build", "--root", str(built), "-q")
    assert code == 0, err
    assert "<id>tag:example.org,2024-01-02:my%20first%20%231%20note</id>" in (built / "output/feed.xml").read_text()


def test_an_alias_with_a_query_or_fragment_is_an_error(built: Path, cli: Cli) -> None:
    _post(built, "old.md", 'title: Old\ndate: 2024-01-02\naliases: ["/old?id=3/"]\n')
    _refused(built, cli, "content/posts/old.md:4: front-matter key 'aliases': alias '/old?id=3/' must be a path alone")


def test_a_decompression_bomb_image_is_a_problem_not_a_crash(built: Path, cli: Cli) -> None:
    from PIL import Image

    (built / "content/posts/pic").mkdir()
    Image.new("1", (20000, 10000)).save(built / "content/posts/pic/bomb.png", optimize=True)  # 200 MP, 25 KB on disk
    (built / "content/posts/pic/index.md").write_text("---\ntitle: P\ndate: 2024-01-02\n---\n![b](bomb.png)\n")
    _refused(built, cli, "content/posts/pic/bomb.png: image is too large to process (over 89,478,485 pixels")


def test_new_refuses_a_slug_too_long_for_a_file(built: Path, cli: Cli) -> None:
    code, _out, err = cli("new", "t" * 300, "--root", str(built))
    assert code == 1
    assert "content/posts: slug 'tttt" in err and "makes a folder name of 300 bytes" in err and "--slug" in err
    assert sorted(p.name for p in (built / "content/posts").iterdir()) == ["good.md"]
