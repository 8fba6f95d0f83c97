"""Scenario tests for `blogen import`: the fixture blogs in fixtures/import/ hold every construct it converts or reports."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from blogen.build.pipeline import BuildReport
from blogen.cli.authoring import COMMANDS
from blogen.cli.commands import cli as main_group
from blogen.content.frontmatter import split_source
from blogen.core.errors import BlogenError
from blogen.importers.common import parse_date_value
from blogen.importers.jekyll import convert_body, jekyll_url

for _command in COMMANDS:
    if _command.name not in main_group.commands:
        main_group.add_command(_command)

FIXTURES = Path(__file__).parent / "fixtures" / "import"
JEKYLL = FIXTURES / "jekyll"
HUGO = FIXTURES / "hugo"
Cli = Callable[..., tuple[int, str, str]]


def front(path: Path) -> tuple[dict[str, Any], str]:
    """The front matter as blogen's own parser reads it, and the body."""
    split, problems = split_source(path.read_text(encoding="utf-8"), path.name)
    assert split is not None and not problems, problems
    return split.values, split.body


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if ": warning: " in line]


@pytest.fixture
def target(site: Callable[..., Path]) -> Path:
    return site("-- content/pages/about.md --\n---\ntitle: About\n---\nHi.\n")


# --- Jekyll ---------------------------------------------------------------------------------------


def test_jekyll_import_converts_posts_and_reports_what_it_leaves(cli: Cli, target: Path, build: Callable[..., BuildReport]) -> None:
    code, out, err = cli("import", "jekyll", str(JEKYLL), "--root", str(target))
    assert code == 0, err
    assert "imported 4 posts" in out
    posts = target / "content" / "posts"
    assert sorted(p.name for p in posts.iterdir()) == ["hello-world.md", "idea.md", "old-notes.md", "timed.md"]

    meta, body = front(posts / "hello-world.md")
    # Date from the file name, slug from the rest of it; categories folded into tags; a tags string split on spaces.
    assert meta == {"title": "Hello: world", "date": date(2020, 1, 15), "tags": ["ssh", "shell", "Linux", "Tools"],
                    "aliases": ["/old/hello.html"]}
    assert "```python linenos\ndef greet(name):\n    return \"hi \" + name\n```" in body
    assert "```sh\necho plain\n```" in body
    assert "{% raw %}" not in body and "{% endraw %}" not in body
    assert "```yaml\ntoken: ${{ secrets.TOKEN }}\n```" in body  # the raw block's content, unwrapped and untouched
    assert "Escaped braces: {{name}}." in body  # Liquid printing a quoted string becomes that string
    # What cannot be converted stays in place ...
    for kept in ("{:toc}", "{{ site.url }}", "{: .note}", '{% include note.html text="careful" %}', "{::options parse_block_html=\"true\" /}"):
        assert kept in body
    # ... and is reported at its line in the source file.
    src = f"{JEKYLL}/_posts/2020-01-15-hello-world.md"
    assert warnings(err) == [
        f"{JEKYLL}/_posts/2017-01-01-legacy.html: warning: skipped: not a Markdown file; convert it by hand",
        f"{src}:9: warning: kramdown-attribute: {{:toc}}",
        f"{src}:11: warning: liquid-output: {{{{ site.url }}}}",
        f"{src}:29: warning: kramdown-attribute: {{: .note}}",
        f'{src}:31: warning: liquid-tag: {{% include note.html text="careful" %}}',
        f'{src}:33: warning: kramdown-extension: {{::options parse_block_html="true" /}}',
    ]
    assert "warnings: 2 kramdown-attribute, 1 kramdown-extension, 1 liquid-output, 1 liquid-tag, 1 skipped" in err

    meta, body = front(posts / "old-notes.md")  # .markdown, no title (the heading is), Jekyll's date format, unpublished
    assert meta["date"] == datetime(2019, 5, 2, 10, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert meta["draft"] is True and meta["tags"] == ["notes"] and meta["extra"] == {"layout": "post"}
    assert "title" not in meta and body.lstrip().startswith("# Old notes heading")

    meta, _ = front(posts / "timed.md")  # a YAML time with an offset survives; description -> summary; unknown keys -> extra
    assert meta["date"] == datetime(2018, 3, 4, 8, 15, tzinfo=timezone(timedelta(hours=2)))
    assert meta["summary"] == "Summary from the description."
    assert meta["extra"] == {"uuid": "4b0c1d2e-0000-4000-8000-000000000001"}
    assert front(posts / "idea.md")[0]["draft"] is True  # from _drafts/

    report = build(target, drafts=True)
    # What the import could not convert is still there, so the build says so too (kind first, at the post's line).
    assert [w.message.split(":", 1)[0] for w in report.warnings] == [
        "kramdown-attribute", "liquid-output", "kramdown-attribute", "liquid-tag", "kramdown-extension", "liquid-output"]
    assert all(w.path == "content/posts/hello-world.md" and w.severity == "warning" for w in report.warnings)
    titles = {p.title: p.url for p in report.site.posts}
    assert titles["Old notes heading"] == "/posts/old-notes/"
    assert "/posts/hello-world/" in (target / "output" / "old" / "hello.html").read_text()
    assert '<span class="linenos">' in (target / "output" / "posts" / "hello-world" / "index.html").read_text()


def test_jekyll_categories_kept_and_permalink_pattern(cli: Cli, target: Path, build: Callable[..., BuildReport]) -> None:
    code, _, err = cli("import", "jekyll", str(JEKYLL / "_posts"), "--root", str(target), "--categories", "keep",
                       "--jekyll-permalink", "/:categories/:year/:month/:day/:title.html")
    assert code == 0, err
    posts = target / "content" / "posts"
    assert not (posts / "idea.md").exists()  # SRC was the posts folder itself: no _drafts
    meta, _ = front(posts / "hello-world.md")
    assert meta["tags"] == ["ssh", "shell"]
    assert meta["extra"] == {"categories": ["Linux", "Tools"]}
    assert meta["aliases"] == ["/old/hello.html", "/linux/tools/2020/01/15/hello-world.html"]
    assert front(posts / "timed.md")[0]["aliases"] == ["/2018/03/04/timed.html"]
    build(target, drafts=True)
    assert (target / "output" / "linux" / "tools" / "2020" / "01" / "15" / "hello-world.html").is_file()


def test_jekyll_permalink_with_unknown_token_is_a_usage_error(cli: Cli, target: Path) -> None:
    code, _, err = cli("import", "jekyll", str(JEKYLL), "--root", str(target), "--jekyll-permalink", "/:yaer/:title/")
    assert code == 2 and "unknown token :yaer" in err
    code, _, err = cli("import", "hugo", str(HUGO), "--root", str(target), "--jekyll-permalink", "pretty")
    assert code == 2 and "only applies to 'blogen import jekyll'" in err
    assert not (target / "content" / "posts").exists()


def test_jekyll_body_conversion_keeps_source_lines() -> None:
    text = "a\n{% raw %}\n{{ x }}\n{% endraw %}\n{% highlight c linenos mark_lines=\"1 2\" cssclass=x %}\nint a;\nint b;\n{% endhighlight %}\n{% note %}\n"
    body, found = convert_body(text, 10, "p.md")
    assert body == "a\n{{ x }}\n```c linenos hl_lines=1,2\nint a;\nint b;\n```\n{% note %}\n"
    assert [(f.line, f.kind) for f in found] == [(14, "highlight-option"), (18, "liquid-tag")]


def test_jekyll_url_and_loose_dates() -> None:
    when = date(2019, 3, 1)
    assert jekyll_url("pretty", when=when, title="A-Survey-of-$RANDOM", slug=None, categories=["Unix Tools"]) == \
        "/unix-tools/2019/03/01/A-Survey-of-$RANDOM/"
    assert jekyll_url("/blog/:year/:month/:day/", when=when, title="x", slug=None, categories=[]) == "/blog/2019/03/01/"
    assert parse_date_value("2019-03-01 10:00:00 -0500") == datetime(2019, 3, 1, 10, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_date_value("2019-03-01T10:00Z") == datetime(2019, 3, 1, 10, tzinfo=UTC)
    assert parse_date_value("'2024-11-16'".strip("'")) == date(2024, 11, 16)
    assert parse_date_value("yesterday") is None


# --- Hugo -----------------------------------------------------------------------------------------


def test_hugo_import_converts_posts_bundles_and_reports_shortcodes(cli: Cli, target: Path, build: Callable[..., BuildReport]) -> None:
    code, out, err = cli("import", "hugo", str(HUGO), "--root", str(target))
    assert code == 0, err
    assert "imported 4 posts and 1 bundle file" in out
    posts = target / "content" / "posts"
    assert sorted(p.relative_to(posts).as_posix() for p in posts.rglob("*") if p.is_file()) == [
        "bundle-post/diagram.png", "bundle-post/index.md", "deep-post.md", "toml-post.md", "yaml-post.md"]
    assert (posts / "bundle-post" / "diagram.png").read_bytes() == (HUGO / "content/posts/bundle-post/diagram.png").read_bytes()

    meta, body = front(posts / "yaml-post.md")
    assert meta == {
        "title": "A YAML post",
        "date": datetime(2021, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-7))),
        "updated": datetime(2021, 3, 1, tzinfo=UTC),
        "tags": ["go", "hugo", "Programming"],
        "summary": "From the description.",
        "aliases": ["/old/yaml-post/", "/posts/previous-name", "/2021/yaml/"],
        "extra": {"weight": 3, "params": {"mood": "curious"}},
    }
    assert "{{< youtube abc123 >}}" in body and "{{% note %}}\nKeep this.\n{{% /note %}}" in body
    assert 'Write {{</* figure src="x.png" */>}} to show a figure.' in body  # an escaped shortcode stays escaped
    assert '```go linenos hl_lines="2"\n' in body
    src = f"{HUGO}/content/posts/yaml-post.md"
    assert warnings(err) == [
        f"{HUGO}/content/posts/_index.md: warning: skipped: a section's list page, not a post",
        f"{src}:18: warning: hugo-shortcode: {{{{< youtube abc123 >}}}}",
        f"{src}:20: warning: hugo-shortcode: {{{{% note %}}}}",
        f'{src}:26: warning: fence-attribute: {{file="main.go"}} has no equivalent; dropped',
    ]
    meta, _ = front(posts / "toml-post.md")  # TOML front matter
    assert meta == {"title": "TOML: post", "date": datetime(2020, 12, 24, 10, tzinfo=UTC), "tags": ["toml"], "draft": True,
                    "slug": "custom-toml"}
    meta, _ = front(posts / "deep-post.md")  # publishDate as the date; a relative alias is relative to its section
    assert meta == {"title": "Deep post", "date": date(2023, 1, 2), "aliases": ["/posts/nested/older"]}

    # A shortcode blogen has no template for stops the build, naming the template to create; once it is there, it draws.
    with pytest.raises(BlogenError) as info:
        build(target, drafts=True)
    assert [p.format() for p in info.value.problems] == [
        "content/posts/yaml-post.md:18: unknown shortcode 'note': create theme/shortcodes/note.html to draw it "
        "(known: callout, details, figure, gist, highlight, vimeo, youtube)"]
    (target / "theme" / "shortcodes").mkdir(parents=True)
    (target / "theme" / "shortcodes" / "note.html").write_text('<aside class="note">{{ inner }}</aside>\n')
    report = build(target, drafts=True)
    assert not report.warnings
    page = (target / "output" / "posts" / "yaml-post" / "index.html").read_text()
    assert '<aside class="note"><p>Keep this.</p>\n</aside>' in page and "youtube-nocookie.com/embed/abc123" in page
    assert 'Write {{&lt; figure src="x.png" &gt;}} to show a figure.' in page  # the escaped one is text
    assert (target / "output" / "posts" / "bundle-post" / "diagram.png").is_file()
    assert (target / "output" / "posts" / "custom-toml" / "index.html").is_file()
    assert "/posts/yaml-post/" in (target / "output" / "2021" / "yaml" / "index.html").read_text()


def test_hugo_categories_keep_and_old_permalink(cli: Cli, target: Path) -> None:
    code, _, err = cli("import", "hugo", str(HUGO / "content" / "posts"), "--root", str(target), "--categories", "keep",
                       "--hugo-permalink", "/:year/:month/:filename/")
    assert code == 0, err
    meta, _ = front(target / "content/posts/yaml-post.md")
    assert meta["tags"] == ["go", "hugo"] and meta["extra"]["categories"] == ["Programming"]
    assert meta["aliases"][-1] == "/2021/02/yaml-post/"
    assert front(target / "content/posts/bundle-post/index.md")[0]["aliases"] == ["/2022/05/bundle-post/"]


# --- safety ---------------------------------------------------------------------------------------


def test_dry_run_writes_nothing(cli: Cli, target: Path) -> None:
    code, out, err = cli("import", "hugo", str(HUGO), "--root", str(target), "--dry-run")
    assert code == 0, err
    assert f"would write {target}/content/posts/yaml-post.md  (from {HUGO}/content/posts/yaml-post.md)" in out
    assert f"would copy {target}/content/posts/bundle-post/diagram.png" in out
    assert "would import 4 posts" in out
    assert "hugo-shortcode" in err
    assert not (target / "content" / "posts").exists()


def test_conflicts_are_skipped_never_overwritten(cli: Cli, site: Callable[..., Path]) -> None:
    root = site("-- content/posts/timed.md --\n---\ntitle: Mine\ndate: 2020-01-01\n---\nMine.\n"
                "-- content/posts/other.md --\n---\ntitle: Other\ndate: 2020-01-01\nslug: hello-world\n---\nx\n")
    before = (root / "content/posts/timed.md").read_bytes()
    code, out, err = cli("import", "jekyll", str(JEKYLL), "--root", str(root))
    assert code == 1
    assert (root / "content/posts/timed.md").read_bytes() == before
    assert f"{root}/content/posts/timed.md: already exists; not overwritten (importing {JEKYLL}/_posts/2018-03-04-timed.md)" in err
    assert f"{root}/content/posts/other.md: already has slug 'hello-world'" in err
    assert not (root / "content/posts/hello-world.md").exists()
    assert (root / "content/posts/old-notes.md").exists()  # the others are imported
    assert "imported 2 posts" in out and "2 conflicts" in out


def test_posts_sharing_a_name_get_their_folder_as_prefix(cli: Cli, target: Path, tmp_path: Path,
                                                         build: Callable[..., BuildReport]) -> None:
    src = tmp_path / "hugo-src"
    for folder in ("a", "b"):
        (src / folder).mkdir(parents=True)
        (src / folder / "Title.md").write_text(f"---\ntitle: {folder}\ndate: 2020-01-0{len(folder)}\n---\n{folder}\n")
    code, _, err = cli("import", "hugo", str(src), "--root", str(target))
    assert code == 0, err
    assert sorted(p.name for p in (target / "content/posts").iterdir()) == ["b-title.md", "title.md"]
    build(target)


def test_import_repairs_what_blogen_would_reject(cli: Cli, target: Path, tmp_path: Path, build: Callable[..., BuildReport]) -> None:
    src = tmp_path / "jekyll-src" / "_posts"
    src.mkdir(parents=True)
    (src / "twice.md").write_text("---\ntitle: One\ntitle: Two\ndate: 2020-01-01\nslug: 'bad slug!'\ntemplate: fancy\n---\nBody.\n")
    (src / "2020-02-02-nameless.md").write_text("No front matter and no heading.\n")
    code, _, err = cli("import", "jekyll", str(src.parent), "--root", str(target))
    assert code == 0, err
    meta, _ = front(target / "content/posts/twice.md")
    assert meta["title"] == "Two" and "slug" not in meta
    assert meta["extra"] == {"slug": "bad slug!", "template": "fancy"}
    assert re.search(r"twice\.md:3: warning: front-matter: front-matter key 'title' is given twice", err)
    assert re.search(r"twice\.md:5: warning: front-matter: front-matter key 'slug': slug 'bad slug!' may only use", err)
    meta, _ = front(target / "content/posts/nameless.md")
    assert meta == {"title": "Nameless", "date": date(2020, 2, 2)}
    assert "warning: no-title: no title; using 'Nameless' from the file name" in err
    build(target)


def test_import_needs_a_site(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("import", "jekyll", str(JEKYLL), "--root", str(tmp_path))
    assert code == 1 and "is this a blogen site?" in err and "Traceback" not in err


def test_progress_only_on_a_terminal(cli: Cli, target: Path) -> None:
    code, out, err = cli("import", "jekyll", str(JEKYLL), "--root", str(target))
    assert code == 0 and "\r" not in err and "\r" not in out
