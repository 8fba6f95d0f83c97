"""The first hour of a new blogger: commands that find the site, say what to fix, and write what README says."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import snapshot

from blogen.authoring.newpost import fold_tags
from blogen.cli.authoring import COMMANDS
from blogen.cli.commands import cli as main_group
from blogen.core.config import Config, FeedOptions, MarkdownOptions, placeholder_host
from blogen.core.errors import BlogenError

for _command in COMMANDS:
    if _command.name not in main_group.commands:
        main_group.add_command(_command)

Cli = Callable[..., tuple[int, str, str]]
REAL = 'title = "T"\nbase_url = "https://notes.robin.dev/"\n'
POST = "-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\n---\nText.\n"


# --- finding the site -----------------------------------------------------------------------------


def test_commands_in_a_subfolder_find_the_site_above(cli: Cli, site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    root = site(POST + "-- content/posts/b.md --\n---\ntitle: B\ndate: 2024-01-02\n---\n[x](nope.md)\n", config=REAL)
    monkeypatch.chdir(root / "content" / "posts")
    code, _, err = cli("build")
    assert code == 1
    assert err.startswith("b.md:5: broken link 'nope.md'"), err  # the path as it opens from here, as git shows it
    (root / "content/posts/b.md").write_text("---\ntitle: B\ndate: 2024-01-02\n---\nFixed.\n")
    code, out, err = cli("build")
    assert code == 0 and err == ""
    assert "built 2 posts, 0 pages, 0 tags into ../../output/" in out
    code, out, _ = cli("new", "From here")
    assert code == 0 and out == "from-here.md\n" and (root / "content/posts/from-here.md").is_file()


@pytest.mark.parametrize("args", [("build",), ("check",), ("serve",), ("list",), ("new", "Title"), ("theme", "eject")])
def test_outside_a_site_every_command_exits_1_naming_where_it_looked(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     args: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(*args)
    assert code == 1 and out == ""
    assert err == (f"{tmp_path}: no blogen site here: looked for blogen.toml, or pyproject.toml with a [tool.blogen] table, "
                   "in this folder and every folder above it; make a site with 'blogen init DIR', or give one with --root DIR\n")
    assert sorted(tmp_path.iterdir()) == []


def test_serve_with_a_root_that_is_no_site_exits_1_without_serving(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # a Python project, not a blog
    code, out, err = cli("serve", "--root", str(tmp_path), "--port", "0")
    assert code == 1 and "Serving" not in out
    assert "no blogen.toml, or pyproject.toml with a [tool.blogen] table, in this folder" in err


# --- placeholder base_url -------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "host"), [
    ("https://example.org/", "example.org"), ("https://notes.example.com/blog/", "notes.example.com"),
    ("http://localhost:8000/", "localhost"), ("http://127.0.0.1/", "127.0.0.1"), ("https://blog.test/", "blog.test"),
    ("https://example.dev/", None), ("https://robin.github.io/notes/", None), ("https://myexample.org/", None),
])
def test_placeholder_hosts(url: str, host: str | None) -> None:
    assert placeholder_host(url) == host


def test_placeholder_base_url_warns_and_fails_strict(cli: Cli, site: Callable[..., Path]) -> None:
    root = site(POST)  # the tests' config says base_url = "https://example.org/"
    code, out, err = cli("build", "--root", str(root))
    assert code == 0 and "built 1 post" in out
    assert f"{root}/blogen.toml:4: warning: base_url 'https://example.org/' is a placeholder (example.org is not a public address)" in err
    before = snapshot(root / "output")
    (root / "content/posts/a.md").write_text("---\ntitle: A\ndate: 2024-01-01\n---\nChanged.\n")
    code, _, err = cli("build", "--root", str(root), "--strict")
    assert code == 1 and "is a placeholder" in err and "(--strict)" in err and "build failed: 1 error; output left unchanged" in err
    assert snapshot(root / "output") == before
    code, _, err = cli("build", "--root", str(root), "--base-url", "https://staging.example.org/")
    assert code == 0 and "placeholder" not in err  # given for one build: a choice, not a leftover
    code, out, err = cli("check", "--root", str(root), "--strict")
    assert code == 1 and "1 error" in out and "is a placeholder" in err


def test_real_base_url_builds_without_warnings(cli: Cli, site: Callable[..., Path]) -> None:
    root = site(POST, config=REAL)
    code, _, err = cli("build", "--root", str(root), "--strict")
    assert code == 0 and err == ""


# --- init writes README's defaults ----------------------------------------------------------------


def test_init_writes_the_documented_defaults(tmp_path: Path) -> None:
    from blogen.authoring.scaffold import init_site

    init_site(tmp_path / "s", timezone="UTC", title="My Notes")
    text = (tmp_path / "s/blogen.toml").read_text()
    data = tomllib.loads(text)
    defaults = Config(root=tmp_path, source="blogen.toml")
    mine = {"title", "author", "description", "base_url", "timezone"}  # the site's own, asked for or to be set
    for key, value in data.items():
        if key in mine or isinstance(value, dict):
            continue
        assert value == getattr(defaults, key), key
    md, feed = MarkdownOptions(), FeedOptions()
    assert data["highlight"] == {"light": md.highlight_light, "dark": md.highlight_dark, "line_numbers": md.line_numbers}
    assert data["highlight"]["light"] == "xcode" and data["highlight"]["dark"] == "github-dark"
    assert data["markdown"] == {"raw_html": md.raw_html, "smart_punctuation": md.smart_punctuation,
                                "heading_ids": md.heading_ids}
    assert data["feed"] == {key: getattr(feed, key) for key in data["feed"]} and "enabled" in data["feed"]
    assert "site.extra.<key>" in text and "config.extra" not in text


# --- new ------------------------------------------------------------------------------------------


def test_new_makes_a_draft_unless_asked_to_publish(cli: Cli, site: Callable[..., Path]) -> None:
    root = site("", config=REAL)
    code, _, err = cli("new", "Half written", "--root", str(root))
    assert code == 0, err
    assert "draft: true" in (root / "content/posts/half-written.md").read_text()
    code, _, err = cli("new", "Ready now", "--root", str(root), "--publish")
    assert code == 0, err
    assert "draft" not in (root / "content/posts/ready-now.md").read_text()


def test_new_folds_tag_spellings_as_the_build_does(cli: Cli, site: Callable[..., Path]) -> None:
    root = site("-- content/posts/old.md --\n---\ntitle: Old\ndate: 2024-01-01\ntags: [SELinux, Linux]\n---\nx\n", config=REAL)
    code, _, err = cli("new", "Note", "--root", str(root), "--tags", "linux,LINUX,selinux,til,TIL", "--publish")
    assert code == 0, err
    text = (root / "content/posts/note.md").read_text()
    assert "tags: [Linux, SELinux, til]" in text
    assert "tags written as Linux, SELinux, til" in err
    code, _, err = cli("build", "--root", str(root), "--strict")
    assert code == 0, err  # no "written two ways" warning


def test_fold_tags_uses_aliases_and_display_names() -> None:
    assert fold_tags(["k8s", "Kubernetes"], {}, {"k8s": "kubernetes"}) == ["k8s"]
    assert fold_tags(["golang"], {"go": {"Go": 3}}, {"golang": "go"}) == ["Go"]
    assert fold_tags(["selinux"], {}, None, {"selinux": "SELinux"}) == ["SELinux"]
    assert fold_tags([" ", "!!", "a"], {}) == ["a"]


@pytest.mark.parametrize("title", ["", "   "])
def test_new_refuses_an_empty_title(cli: Cli, site: Callable[..., Path], title: str) -> None:
    root = site("", config=REAL)
    code, _, err = cli("new", title, "--root", str(root))
    assert code == 2 and "the title is empty" in err
    assert not any((root / "content").rglob("*.md"))


def test_new_post_api_refuses_an_empty_title(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    from blogen.authoring.newpost import new_post

    with pytest.raises(BlogenError, match="the title is empty"):
        new_post(tmp_path, " ", ZoneInfo("UTC"))


# --- help and typos -------------------------------------------------------------------------------


def test_option_typo_suggests_only_close_options(cli: Cli) -> None:
    code, _, err = cli("build", "--draft")
    assert code == 2 and "Did you mean '--drafts'?" in err and "--root" not in err


def test_top_help_shows_every_summary_whole(cli: Cli) -> None:
    code, out, _ = cli("--help")
    assert code == 0
    commands = out.split("Commands:\n", 1)[1].splitlines()
    assert sorted(line.split()[0] for line in commands if line.strip()) == sorted(main_group.commands)
    assert not [line for line in commands if line.rstrip().endswith("...")]


def test_jobs_default_in_help_is_the_documented_one(cli: Cli) -> None:
    code, out, _ = cli("build", "--help")
    said = re.search(r"\(default: ([^)]*)\)", " ".join(out.split("--jobs", 1)[1].split()))
    assert code == 0 and said is not None
    docs = (Path(__file__).resolve().parent.parent / "docs" / "commands.md").read_text()
    assert f"default: {said.group(1)}" in " ".join(docs.split())


# --- reading from disk ----------------------------------------------------------------------------


def test_file_urls_build_links_index_files(cli: Cli, site: Callable[..., Path]) -> None:
    root = site(POST + "-- content/posts/b.md --\n---\ntitle: B\ndate: 2024-01-02\ntags: [x]\n---\n[a](a.md)\n", config=REAL)
    code, _, err = cli("build", "--root", str(root), "--file-urls", "--output", "offline")
    assert code == 0 and err == "", err
    home = (root / "offline/index.html").read_text()
    hrefs = re.findall(r'<a href="([^"]+)"', home)
    assert "posts/b/index.html" in hrefs and "tags/index.html" in hrefs and "archive/index.html" in hrefs
    assert not [h for h in hrefs if h.endswith("/")]
    post = (root / "offline/posts/b/index.html").read_text()
    assert '<a href="../../posts/a/index.html">' in post
    assert f'<link rel="canonical" href="{(root / "offline").as_uri()}/posts/b/index.html">' in post
    code, _, err = cli("build", "--root", str(root), "--file-urls", "--base-url", "https://x.org/")
    assert code == 2 and "exclude each other" in err


# --- messages that point at the fix ---------------------------------------------------------------


def test_image_beside_a_single_file_post_says_how_to_publish_it(cli: Cli, site: Callable[..., Path]) -> None:
    root = site("-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\n---\n![d](diagram.svg)\n"
                "-- content/posts/diagram.svg --\n<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/>\n", config=REAL)
    code, _, err = cli("build", "--root", str(root))
    assert code == 1
    assert (f"{root}/content/posts/a.md:5: broken image 'diagram.svg' (content/posts/diagram.svg is there but is not "
            "published: only a bundle publishes the files beside it; move it to content/static/diagram.svg and write "
            "'/static/diagram.svg', or make this post a bundle, content/posts/a/index.md with diagram.svg beside it)") in err


@pytest.mark.parametrize(("spec", "expected"), [
    ("-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\n---\n[b](b.md)\n"
     "-- content/posts/b/index.md --\n---\ntitle: B\ndate: 2024-01-02\n---\nB\n",
     "content/posts/a.md:5: broken link 'b.md' (no such file content/posts/b.md; did you mean 'b/index.md'?)"),
    ("-- content/posts/a/index.md --\n---\ntitle: A\ndate: 2024-01-01\n---\n[b](b.md) ![l](../static/l.svg)\n"
     "-- content/posts/b.md --\n---\ntitle: B\ndate: 2024-01-02\n---\nB\n"
     "-- content/static/l.svg --\n<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/>\n",
     "content/posts/a/index.md:5: broken link 'b.md' (no such file content/posts/a/b.md; did you mean '../b.md'?)\n"
     "content/posts/a/index.md:5: broken image '../static/l.svg' (no such file content/posts/static/l.svg; "
     "did you mean '../../static/l.svg'?)"),
    ("-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\n---\n[b](b/index.md)\n"
     "-- content/posts/b.md --\n---\ntitle: B\ndate: 2024-01-02\n---\nB\n",
     "content/posts/a.md:5: broken link 'b/index.md' (no such file content/posts/b/index.md; did you mean 'b.md'?)"),
])
def test_links_broken_by_a_bundle_get_a_did_you_mean(cli: Cli, site: Callable[..., Path], spec: str, expected: str) -> None:
    root = site(spec, config=REAL)
    code, _, err = cli("build", "--root", str(root))
    assert code == 1
    assert sorted(line.removeprefix(f"{root}/") for line in err.splitlines() if "broken" in line) == sorted(expected.splitlines())


def test_list_says_how_many_drafts_it_left_out(cli: Cli, site: Callable[..., Path]) -> None:
    root = site(POST + "-- content/posts/d.md --\n---\ntitle: D\ndate: 2024-01-02\ndraft: true\n---\nx\n", config=REAL)
    code, out, _ = cli("list", "--root", str(root))
    assert code == 0 and "(1 post; 1 draft not listed (add --drafts))" in out
    code, out, _ = cli("list", "--root", str(root), "--drafts")
    assert code == 0 and "(2 posts)" in out
