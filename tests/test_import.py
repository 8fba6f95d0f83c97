"""Scenario tests for `blogen import`: a whole Jekyll or Hugo blog (fixtures/import/) brought over with
`blogen init`, `blogen import` and `blogen build`, as a user moving their blog would run them."""

from __future__ import annotations

import os
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


def files(folder: Path) -> list[str]:
    """The files under ``folder`` (``blogen init``'s ``.gitkeep`` apart), as relative paths."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != ".gitkeep")


def warnings(err: str, kind: str) -> list[str]:
    return [line for line in err.splitlines() if f": warning: {kind}: " in line]


@pytest.fixture
def fresh(cli: Cli, tmp_path: Path) -> Path:
    """A site made by `blogen init`, the documented start of a migration."""
    root = tmp_path / "new"
    code, _, err = cli("init", str(root), "--timezone", "UTC")
    assert code == 0, err
    return root


def imported(cli: Cli, kind: str, src: Path, root: Path, *args: str) -> tuple[str, str]:
    code, out, err = cli("import", kind, str(src), "--root", str(root), *args)
    assert code == 0, err
    return out, err


# --- a Jekyll blog --------------------------------------------------------------------------------


def test_jekyll_blog_comes_over_whole_and_builds_first_time(cli: Cli, fresh: Path, build: Callable[..., BuildReport]) -> None:
    out, err = imported(cli, "jekyll", JEKYLL, fresh)
    assert "imported 6 posts (2 drafts), 2 pages and 4 static files into" in out
    posts, pages, static = fresh / "content/posts", fresh / "content/pages", fresh / "content/static"
    assert sorted(p.name for p in posts.iterdir()) == ["fast-builds.md", "hello-world.md", "idea.md", "legacy.md",
                                                       "old-notes.md", "timed.md"]
    assert sorted(p.name for p in pages.iterdir()) == ["about.md", "workshop.md"]  # init's sample about page replaced
    assert "removed blogen init's samples: content/pages/about.md, content/posts/hello-blogen.md" in out
    assert files(static) == ["CNAME", "assets/img/diagram.png", "downloads/tool.txt", "favicon.ico"]

    report = build(fresh, drafts=False)
    output = fresh / "output"
    # Every old URL still leads to its post or page: as the new URL, or as a redirect page.
    assert "/posts/hello-world/" in (output / "linux/tools/2020/01/15/hello-world/index.html").read_text()
    assert "/posts/hello-world/" in (output / "old/hello.html").read_text()
    assert "/posts/fast-builds/" in (output / "talks/fast-builds/index.html").read_text()  # a dated collection document
    assert "/workshop/" in (output / "talks/workshop/index.html").read_text()  # an undated one is a page
    assert (output / "CNAME").read_text() == "old.example.org\n"
    assert (output / "assets/img/diagram.png").is_file() and (output / "downloads/tool.txt").is_file()
    # The first build succeeds; the link that was already dead in the old blog is a warning, as the import said.
    assert [w.message for w in report.warnings if "broken" in w.message] == ["broken link '/no/such/page/' (no page at /no/such/page/)"]
    assert warnings(err, "dead-link") == [f"{fresh}/content/posts/timed.md:11: warning: dead-link: /no/such/page/"]
    # A page deep in the old site is kept out of the menu; the about page is in it.
    nav = re.search(r'<nav aria-label="Main">.*?</nav>', (output / "index.html").read_text(), re.S)
    assert nav is not None and "About" in nav.group(0) and "Workshop" not in nav.group(0)


def test_jekyll_liquid_and_kramdown_are_converted(cli: Cli, fresh: Path, build: Callable[..., BuildReport]) -> None:
    _, err = imported(cli, "jekyll", JEKYLL, fresh)
    meta, body = front(fresh / "content/posts/hello-world.md")
    assert meta == {
        "title": "Hello: world", "date": date(2020, 1, 15), "updated": date(2020, 2, 1),
        "tags": ["ssh", "shell"], "categories": ["Linux", "Tools"],  # a key of their own, no longer folded into tags
        "aliases": ["/linux/tools/2020/01/15/hello-world/", "/old/hello.html"],  # permalink: pretty, and redirect_from
        "toc": True,  # from {:toc}, whose list item is gone
    }
    assert body.startswith("\nIntro with [the about page](../pages/about.md), [the legacy post](legacy.md)\n"
                           "and [the talk](fast-builds.md#slides).\n\n<!-- more -->\n")
    assert '```python linenos\ndef greet(name):\n    return "{{ hi }}" + name\n```' in body  # raw inside highlight
    assert "```yaml\ntoken: ${{ secrets.TOKEN }}\n```" in body  # a raw block's code, unwrapped and untouched
    assert "Literal text: &#123;{ page.title }}." in body  # raw text in prose stays literal without reading as syntax
    assert "A note follows.\n\n![Diagram](/assets/img/diagram.png)\n" in body  # attribute lists dropped
    assert '{{< note text="careful" level="2" >}}' in body  # an include is a shortcode
    assert "The title is Hello: world." in body
    assert "* TOC" not in body and "{:" not in body
    # What no conversion covers is left in place and reported at its line in the new file.
    assert warnings(err, "liquid-tag") == [f"{fresh}/content/posts/hello-world.md:35: warning: liquid-tag: {{% assign answer = 42 %}}"]
    assert (fresh / "content/posts/hello-world.md").read_text().split("\n")[34] == "{% assign answer = 42 %}"
    html = (fresh / "output/posts/hello-world/index.html").read_text() if (fresh / "output").exists() else ""
    assert html == ""  # not built yet
    build(fresh)
    html = (fresh / "output/posts/hello-world/index.html").read_text()
    assert 'href="../../about/"' in html and 'href="../../posts/legacy/"' in html and 'href="../../posts/fast-builds/#slides"' in html
    assert "{{name}}" in html  # Liquid printed the quoted string; so does the new site


def test_jekyll_html_post_renders_its_html_unchanged(cli: Cli, fresh: Path, build: Callable[..., BuildReport]) -> None:
    imported(cli, "jekyll", JEKYLL, fresh)
    build(fresh)
    html = (fresh / "output/posts/legacy/index.html").read_text()
    assert "<p>An HTML post with *stars* that stay.</p>" in html  # not read as Markdown
    assert "<pre>\nline one\n&#10;line three\n</pre>" in html  # the blank line inside <pre> survives
    assert '<code class="language-c">' in html  # {% highlight %} became a highlighted block
    assert 'a <a href="../../posts/hello-world/">link to the hello post</a>' in html  # an old URL in raw HTML


def test_jekyll_summary_lists_what_is_left_and_what_was_not_brought_over(cli: Cli, fresh: Path) -> None:
    out, err = imported(cli, "jekyll", JEKYLL, fresh)
    left = {line.split(": warning: not-imported: ")[0].removeprefix(f"{JEKYLL}/"): line.split(": warning: not-imported: ")[1]
            for line in warnings(err, "not-imported")}
    assert sorted(left) == ["404.html", "Gemfile", "_config.yml", "_data/authors.yml", "_includes/note.html",
                            "_layouts/post.html", "_notes/secret.md", "_sass/base.scss", "css/site.scss", "feed.xml",
                            "index.html"]
    assert left["_notes/secret.md"] == "in collection 'notes', which Jekyll does not publish (no 'output: true')"
    assert left["Gemfile"] == "excluded in _config.yml (Jekyll did not publish it)"
    assert left["index.html"].startswith("a page Jekyll made with a Liquid loop over site data")
    steps = out.split("what to fix next:\n", 1)[1]
    assert "1. residue: 1 file still holds template syntax that no conversion covers (1 liquid-tag)" in steps
    assert "2. shortcodes: 1 template to make, once each, for the old site's custom includes and shortcodes used in 1 file: " \
           "theme/shortcodes/note.html (1 file, first content/posts/hello-world.md)" in steps
    assert "3. dead links: 1 link in 1 file points at nothing" in steps
    assert "4. not brought over: 11 files and folders" in steps
    assert "warnings: 11 not-imported, 2 dropped, 1 dead-link, 1 liquid-tag" in err


def test_jekyll_settings_go_into_blogen_toml(cli: Cli, fresh: Path) -> None:
    out, _ = imported(cli, "jekyll", JEKYLL, fresh)
    config = (fresh / "blogen.toml").read_text()
    assert 'base_url = "https://old.example.org/"' in config and 'title = "Old Jekyll blog"' in config
    assert 'timezone = "Europe/Berlin"' in config and 'author = "Jo Old"' in config
    assert "# Set by blogen import: links that were already dead in the old blog" in config
    assert re.search(r'^broken_links = "warning"$', config, re.M)
    assert re.search(r"heading_ids = \"kramdown\"", config)  # kramdown made the old ids
    assert "set in blogen.toml: base_url = 'https://old.example.org/'" in out


def test_keep_link_errors_and_categories_as_tags(cli: Cli, fresh: Path) -> None:
    imported(cli, "jekyll", JEKYLL, fresh, "--keep-link-errors", "--categories", "tags")
    assert re.search(r'^broken_links = "error"$', (fresh / "blogen.toml").read_text(), re.M)
    meta, _ = front(fresh / "content/posts/hello-world.md")
    assert meta["tags"] == ["ssh", "shell", "Linux", "Tools"] and "categories" not in meta


def test_jekyll_old_permalink_option(cli: Cli, fresh: Path, build: Callable[..., BuildReport]) -> None:
    # The blog's real permalink, which its _config.yml did not say: the posts keep those URLs outright.
    imported(cli, "jekyll", JEKYLL, fresh, "--jekyll-permalink", "/:year/:month/:day/:title.html")
    assert re.search(r'^permalink = "/\{year\}/\{month\}/\{day\}/\{slug\}.html"$', (fresh / "blogen.toml").read_text(), re.M)
    assert "aliases" not in front(fresh / "content/posts/timed.md")[0]
    build(fresh)
    assert (fresh / "output/2018/03/04/timed.html").is_file()


def test_permalink_with_unknown_token_is_a_usage_error(cli: Cli, fresh: Path) -> None:
    code, _, err = cli("import", "jekyll", str(JEKYLL), "--root", str(fresh), "--jekyll-permalink", "/:yaer/:title/")
    assert code == 2 and "unknown token :yaer" in err
    code, _, err = cli("import", "hugo", str(HUGO), "--root", str(fresh), "--jekyll-permalink", "pretty")
    assert code == 2 and "only applies to 'blogen import jekyll'" in err
    assert not any((fresh / "content/posts").glob("timed*"))


# --- a Hugo site ----------------------------------------------------------------------------------


def test_hugo_site_comes_over_whole_and_builds_first_time(cli: Cli, fresh: Path, build: Callable[..., BuildReport]) -> None:
    out, err = imported(cli, "hugo", HUGO, fresh)
    assert "imported 6 posts, 2 pages, 5 static files and 1 bundle file into" in out
    content = fresh / "content"
    assert files(content) == [
        "pages/about.md", "pages/tool.md",
        "posts/bundle-post/diagram.png", "posts/bundle-post/index.md", "posts/deep-post.md", "posts/quick.md",
        "posts/toml-post.md", "posts/whats-new.md", "posts/yaml-post.md",
        "static/CNAME", "static/images/cover.png", "static/img/logo.png",  # cover.png from assets/: a post names it
        "static/legacy/index.html"]  # a whole HTML page of its own, published as it was
    assert (fresh / "theme/static/favicon.svg").read_bytes() == (HUGO / "static/favicon.svg").read_bytes()
    config = (fresh / "blogen.toml").read_text()
    assert 'permalink = "/{year}/{month}/{slug}/"' in config  # the posts keep their URLs outright
    assert "\n[taxonomies.authors]" in config  # the old site's own taxonomy
    assert front(fresh / "content/posts/toml-post.md")[0]["authors"] == ["Jo Old"]
    assert re.search(r'heading_ids = "github"', config)  # goldmark's ids
    build(fresh)
    output = fresh / "output"
    for url in ("2021/02/a-yaml-post", "2021/06/whats-new", "2022/05/bundle-post", "2023/01/deep-post"):
        assert (output / url / "index.html").is_file(), url
    assert (output / "2022/05/bundle-post/diagram.png").is_file()
    assert "/2020/05/quick/" in (output / "notes/2020-05-05-quick.html").read_text()  # uglyURLs for that section
    assert "/tool/" in (output / "projects/tool/index.html").read_text()
    assert "/2021/02/a-yaml-post/" in (output / "old/yaml-post/index.html").read_text()
    assert (output / "legacy/index.html").read_text() == (HUGO / "content/legacy.html").read_text()
    assert (output / "authors/jo-old/index.html").is_file()
    left = "\n".join(warnings(err, "not-imported"))
    for why in ("content/_index.md: warning: not-imported: a section's list page",
                "content/posts/yaml-post.fr.md: warning: not-imported: the 'fr' translation",
                "content/posts/hidden/index.md: warning: not-imported: a headless page",
                "layouts/ (1 files): warning: not-imported: templates of the old site",
                "data/ (1 files): warning: not-imported: data files",
                "assets/ (1 files): warning: not-imported: assets the old theme processed"):
        assert why in left


def test_hugo_shortcodes_and_references_are_converted(cli: Cli, fresh: Path, build: Callable[..., BuildReport]) -> None:
    out, err = imported(cli, "hugo", HUGO, fresh)
    meta, body = front(fresh / "content/posts/yaml-post.md")
    assert meta == {
        "title": "A YAML post", "date": datetime(2021, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-7))),
        "updated": datetime(2021, 3, 1, tzinfo=UTC), "tags": ["go", "hugo"], "categories": ["Programming"],
        "series": "Learning Go", "summary": "From the description.", "slug": "a-yaml-post",
        "aliases": ["/old/yaml-post/", "/posts/previous-name"], "image": "/images/cover.png", "extra": {"weight": 3},
    }
    assert "Written by Jo Old." in body  # {{< param author >}}
    assert '{{< youtube id="abc123" >}}' in body  # blogen's built-in, its positional argument named
    assert "See [the bundle](bundle-post/index.md), [its part](toml-post.md#part-two)\nand [what is new](whats-new.md)." in body
    assert '{{< figure src="/img/logo.png" title="Logo" >}}' in body
    assert '{{< gist user="spf13" id="7896402" >}}' in body
    assert "[A post by @golang](https://x.com/golang/status/1234567890)" in body
    assert "{{% note %}}\nKeep this.\n{{% /note %}}" in body  # a custom shortcode stays, its template listed
    assert 'Write &#123;{< figure src="x.png" >}} to show a figure.' in body  # an escaped call is literal text
    assert '```go linenos hl_lines="2"\npackage main\nfunc main() {}\n```' in body  # {{< highlight >}}
    assert '```go linenos hl_lines="2 3-4"\n' in body
    assert warnings(err, "fence-attribute") == [
        f"{fresh}/content/posts/yaml-post.md:40: warning: fence-attribute: 'file=\"main.go\"' after the language has no equivalent; dropped"]
    assert "theme/shortcodes/note.html (1 file, first content/posts/yaml-post.md)" in out
    build(fresh)
    html = (fresh / "output/2021/02/a-yaml-post/index.html").read_text()
    assert 'href="../../../2022/05/bundle-post/"' in html and 'href="../../../2020/12/custom-toml/#part-two"' in html


# --- slug and URL rules of the old generators -----------------------------------------------------


def test_jekyll_slugify_and_permalink_styles() -> None:
    from blogen.importers.jekyllurls import UrlFacts, expand, jekyll_slugify, page_url, served_as

    assert jekyll_slugify("What's new") == "what-s-new"
    assert jekyll_slugify("The _config.yml file", "pretty") == "the-_config.yml-file"
    assert jekyll_slugify("The _config.yml file", "pretty", cased=True) == "The-_config.yml-file"
    assert jekyll_slugify("Ünïcode & more", "ascii") == "n-code-more"
    assert jekyll_slugify("a  b", "raw") == "a-b"
    facts = UrlFacts("2019-03-01-A-Survey-of-$RANDOM", slug="A-Survey-of-$RANDOM", when=date(2019, 3, 1), categories=("Unix Tools",))
    assert expand("date", facts) == "/unix tools/2019/03/01/A-Survey-of-$RANDOM.html"
    assert expand("pretty", facts) == "/unix tools/2019/03/01/A-Survey-of-$RANDOM/"
    assert expand("ordinal", facts) == "/unix tools/2019/060/A-Survey-of-$RANDOM.html"
    assert expand("none", facts) == "/unix tools/A-Survey-of-$RANDOM.html"
    assert expand("/blog/:year/:i_month/:slug/", facts) == "/blog/2019/3/a-survey-of-random/"
    late = UrlFacts("x", when=datetime(2019, 3, 1, 23, 30, tzinfo=UTC))
    from zoneinfo import ZoneInfo

    assert expand("/:year/:month/:day/", late, ZoneInfo("Asia/Tokyo")) == "/2019/03/02/"  # the date in the site's zone
    assert page_url("about.md", "date", None) == "/about.html"
    assert page_url("about.md", "pretty", None) == "/about/"
    assert page_url("docs/index.md", "date", None) == "/docs/"
    assert page_url("x.md", "date", "/:basename/") == "/x/"
    assert served_as("/about") == "/about.html" and served_as("/about/") == "/about/"


def test_hugo_urlize_permalinks_and_ugly_urls() -> None:
    from blogen.importers.hugourls import PageFacts, default_url, expand, finish, urlize

    assert urlize("What's new") == "whats-new"  # not Jekyll's what-s-new
    assert urlize("A B   C") == "a-b-c"
    assert urlize("< a, b, & c >") == "a-b-c"
    assert urlize("main.go") == "main.go"
    assert urlize("C++ Tips", lower=False) == "C++-Tips"  # disablePathToLower
    facts = PageFacts(("posts",), "Go-1.11", "Go 1.11: What's new", None, date(2018, 8, 25))
    assert expand("/:year/:month/:title/", facts, lower=True) == "/2018/08/go-1.11-whats-new/"
    assert expand("/:year/:month/:day/:filename", facts, lower=False) == "/2018/08/25/Go-1.11"
    assert expand("/:sections/:slug/", PageFacts(("a", "b"), "x", "T", "My Slug"), lower=True) == "/a/b/my-slug/"
    assert expand("/:06/:1/:2/:slugorcontentbasename/", facts, lower=True) == "/18/8/25/go-1.11/"
    assert default_url(PageFacts(("Blog",), "My Post", "t"), lower=True) == "/blog/my-post/"
    assert finish("/2018/08/25/Go-1.11", ugly=True) == "/2018/08/25/Go-1.11.html"
    assert finish("/posts/x", ugly=False) == "/posts/x/"


# --- safety ---------------------------------------------------------------------------------------


def _blog_with(tmp_path: Path) -> Path:
    src = tmp_path / "old"
    (src / "_posts").mkdir(parents=True)
    (src / "_config.yml").write_text("title: Old\n")
    (src / "_posts/2020-01-01-a.md").write_text("---\ntitle: A\n---\nText.\n")
    (src / "img").mkdir()
    (src / "img/ok.txt").write_text("fine\n")
    return src


def test_symlinks_out_of_the_source_and_special_files_are_never_read(cli: Cli, fresh: Path, tmp_path: Path) -> None:
    src = _blog_with(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    os.symlink(secret, src / "img/shadow.txt")  # a file outside the blog
    os.symlink(tmp_path, src / "img/everything")  # a folder outside it
    os.symlink(secret, src / "_posts/2020-02-02-leak.md")
    os.symlink(src / "img/ok.txt", src / "img/alias.txt")  # inside the blog: fine
    os.mkfifo(src / "img/pipe.png")  # opening a FIFO would block the import
    (src / "_posts/2020-03-03-inc.md").write_text("---\ntitle: Inc\n---\n{% include_relative ../../secret.txt %}\n"
                                                  f"{{% include_relative {secret} %}}\n{{% include ../../secret.txt %}}\n")
    _, err = imported(cli, "jekyll", src, fresh)
    static = fresh / "content/static"
    assert files(static) == ["img/alias.txt", "img/ok.txt"]
    assert not (fresh / "content/posts/leak.md").exists()
    assert f"{src}/img/shadow.txt: warning: symlink: symlink to {secret} points outside {src}; not imported" in err
    assert f"{src}/img/everything: warning: symlink: symlink to {tmp_path} points outside {src}; not imported" in err
    assert f"{src}/_posts/2020-02-02-leak.md: warning: symlink: symlink to {secret}" in err
    assert f"{src}/img/pipe.png: warning: special-file: not a regular file (a FIFO, socket or device); not imported" in err
    assert "root:x" not in "".join(p.read_text() for p in (fresh / "content").rglob("*") if p.is_file())
    assert "{% include_relative ../../secret.txt %}" in (fresh / "content/posts/inc.md").read_text()  # left, reported


def test_nothing_is_written_through_a_symlink_in_the_site(cli: Cli, fresh: Path, tmp_path: Path) -> None:
    src = _blog_with(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (fresh / "content/static/.gitkeep").unlink()
    (fresh / "content/static").rmdir()
    os.symlink(elsewhere, fresh / "content/static")
    code, _, err = cli("import", "jekyll", str(src), "--root", str(fresh))
    assert code == 1
    assert f"{fresh}/content/static/img/ok.txt: 'static' is a symlink or not a folder; not written (importing {src}/img/ok.txt)" in err
    assert list(elsewhere.iterdir()) == []
    assert (fresh / "content/posts/a.md").is_file()  # the rest is imported


def test_existing_files_are_never_overwritten(cli: Cli, site: Callable[..., Path]) -> None:
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
    assert "conflicts: 2 files of this site already there" in out


def test_dry_run_writes_nothing(cli: Cli, fresh: Path) -> None:
    config = (fresh / "blogen.toml").read_bytes()
    before = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*"))
    code, out, err = cli("import", "hugo", str(HUGO), "--root", str(fresh), "--dry-run")
    assert code == 0, err
    assert f"would write {fresh}/content/posts/yaml-post.md  (from {HUGO}/content/posts/yaml-post.md)" in out
    assert f"would write {fresh}/content/posts/bundle-post/diagram.png" in out
    assert "would import 6 posts, 2 pages, 5 static files and 1 bundle file" in out
    assert "would remove blogen init's samples" in out and "would set in blogen.toml: base_url" in out
    assert (fresh / "blogen.toml").read_bytes() == config
    assert sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*")) == before


def test_importing_again_changes_nothing(cli: Cli, fresh: Path) -> None:
    imported(cli, "hugo", HUGO, fresh)
    before = {p: p.read_bytes() for p in fresh.rglob("*") if p.is_file()}
    out, _ = imported(cli, "hugo", HUGO, fresh)
    assert "imported 0 posts, 0 pages and 0 static files" in out
    assert {p: p.read_bytes() for p in fresh.rglob("*") if p.is_file()} == before


def test_import_needs_a_site(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("import", "jekyll", str(JEKYLL), "--root", str(tmp_path))
    assert code == 1 and "is this a blogen site?" in err and "Traceback" not in err


def test_the_wrong_generator_is_named(cli: Cli, fresh: Path) -> None:
    code, _, err = cli("import", "jekyll", str(HUGO), "--root", str(fresh))
    assert code == 1 and "looks like a Hugo site" in err and "use 'blogen import hugo'" in err


# --- one conversion at a time ---------------------------------------------------------------------


def _liquid_scope(**kw: Any) -> Any:
    from blogen.importers import liquid

    values: dict[str, Any] = {"where": "p.md", "first_line": 10, "site": {"title": "Site", "url": "https://x.org"},
                              "page": {"title": "Post"}, "own_url": "/2020/x/", "post_url": lambda n: None,
                              "link": lambda p: None, "include_relative": lambda p: None}
    values.update(kw)
    return liquid.Scope(**values)


def test_liquid_tags_each_conversion() -> None:
    from blogen.importers import liquid

    scope = _liquid_scope(post_url=lambda n: "other.md" if n == "2020-01-01-other" else None,
                          include_relative=lambda p: "Included {{ page.title }}." if p == "part.md" else None,
                          include_file=lambda n: "svg{}" if n == "icons/x.svg" else None)
    text = ("{% comment %}\nhidden\n{% endcomment %}\n"
            "[o]({% post_url 2020-01-01-other %}) [d]({% post_url nope %})\n"
            "{% include_relative part.md %}\n"
            "{% include icons/x.svg %}\n"
            "{% gist parkr/931c1c8d465a04042403 %} {% youtube https://www.youtube.com/watch?v=dQw4w9WgXcQ %}\n"
            "{% note %}\nInside {{ site.title | upcase }}.\n{% endnote %}\n"
            "- item\n  {% highlight sh %}\n  echo hi\n  {% endhighlight %}\n"
            "{{ \"/img/x.png\" | relative_url }} {{ page.url }} {{ page.missing }}\n")
    out = liquid.convert(text, scope)
    assert out.text == ("[o](other.md) [d]({% post_url nope %})\n"
                        "Included Post.\n"
                        "svg{}\n"
                        '{{< gist user="parkr" id="931c1c8d465a04042403" >}} {{< youtube id="dQw4w9WgXcQ" >}}\n'
                        "{{< note >}}\nInside SITE.\n{{< /note >}}\n"
                        "- item\n  ```sh\n  echo hi\n  ```\n"
                        "/img/x.png /2020/x/ {{ page.missing }}\n")
    assert [(f.line, f.kind) for f in out.findings] == [(13, "dead-reference"), (17, "shortcode-template")]


def test_liquid_raw_is_kept_literal_in_prose_and_in_code() -> None:
    from blogen.importers import liquid
    from blogen.importers.prose import settle_literals

    out = liquid.convert("A {% raw %}{{ x }}{% endraw %} and `{% raw %}{% y %}{% endraw %}`.\n\n"
                         "{% raw %}\n```\n{{ z }}\n```\n{% endraw %}\n", _liquid_scope())
    assert settle_literals(out.text) == "A &#123;{ x }} and `{% y %}`.\n\n```\n{{ z }}\n```\n"


def test_kramdown_syntax_each_conversion() -> None:
    from blogen.importers.kramdown import convert_kramdown

    text = ("* TOC\n{:toc}\n\n## Setup {: #setup}\n\n## Other\n{: #other .wide}\n\n"
            "    def f(): pass\n{: .language-python}\n\n{:class=\"x\"}\n\n    one block\n\n{:class=\"y\"}\n\n    another\n\n"
            "![x](a.png){: .right} [l](u){:target=\"_blank\"} `{: .in-code}`\n{: .note}\n"
            "{::options parse_block_html=\"true\" /}\n{::comment}\nhidden\n{:/comment}\n"
            "text {::nomarkdown}<b>x</b>{:/} end\n")
    out = convert_kramdown(text)
    assert out.toc is True
    assert out.text == ("\n## Setup {#setup}\n\n## Other {#other}\n\n```python\ndef f(): pass\n```\n\n\n```\none block\n```\n\n\n"
                        "```\nanother\n```\n\n![x](a.png) [l](u) `{: .in-code}`\n\n\ntext <b>x</b> end\n")
    assert sorted(out.dropped) == ['{: .note}', '{: .right}', '{::options parse_block_html="true" /}', '{:class="x"}',
                                   '{:class="y"}', '{:target="_blank"}']


def test_html_body_made_markdown_safe() -> None:
    from blogen.importers import liquid
    from blogen.importers.htmlpost import html_to_markdown

    scope = _liquid_scope(html=True)
    text = "<p>\nText with *stars*_and_underscores_\n</p>\n\n<pre>\na\n\n\nb\n</pre>\n    indented\n\n" \
           "{% highlight c %}\nint x;\n{% endhighlight %}\n<p>after</p>\n<ul><li>\n{% highlight sh %}\necho <b>\n{% endhighlight %}\n" \
           "in a list</li></ul>\n"
    out = liquid.convert(text, scope)
    md = html_to_markdown(out.text, out.highlights)
    assert md == ("<p>\nText with *stars*_and_underscores_\n</p>\n<pre>\na\n&#10;&#10;b\n</pre>\n    indented\n\n"
                  "```c\nint x;\n```\n\n<p>after</p>\n<ul><li><pre><code class=\"language-sh\">echo &lt;b&gt;</code></pre>in a list</li></ul>\n")
    assert html_to_markdown("Text first\n\n<p>then</p>\n", []) == "<div>\nText first\n<p>then</p>\n</div>\n"


def test_hugo_shortcode_each_conversion() -> None:
    from blogen.importers import shortcodes

    scope = shortcodes.Scope("p.md", 5, {"author": "Jo"}, lambda a: "../x.md#sec" if a == "x.md#sec" else None)
    text = ('{{< youtube id="zz" autoplay="true" >}} {{< vimeo 123456 >}} {{< param author >}} {{< param nope >}}\n'
            '[r]({{< relref "x.md#sec" >}}) [d]({{< ref "missing" >}})\n'
            '{{< instagram BWNjjyYFxVx >}}\n'
            '{{< comment >}}gone{{< /comment >}}\n'
            '{{< custom a="1" >}}inner{{< /custom >}}\n')
    out = shortcodes.convert(text, scope)
    assert out.text == ('{{< youtube id="zz" autoplay="true" >}} {{< vimeo id="123456" >}} Jo {{< param nope >}}\n'
                        '[r](../x.md#sec) [d]({{< ref "missing" >}})\n'
                        '[A post on Instagram](https://www.instagram.com/p/BWNjjyYFxVx/)\n'
                        '\n'
                        '{{< custom a="1" >}}inner{{< /custom >}}\n')
    assert [(f.line, f.kind) for f in out.findings] == [(5, "hugo-shortcode"), (6, "dead-reference"), (9, "shortcode-template")]


def test_fence_info_strings_blogen_accepts() -> None:
    from blogen.importers.fenceinfo import clean_info
    from blogen.importers.values import Finding

    found: list[Finding] = []
    assert clean_info('go {linenos=table,hl_lines=[2,"4-6"],linenostart=3}', "p", 1, found) == \
        'go linenos hl_lines="2 4-6" linenostart=3'
    assert clean_info("cat << EOF >/usr/local/x.lua", "p", 2, found) == "cat"
    assert clean_info('js title="app.js"', "p", 3, found) == "js"
    assert clean_info("c++ linenos", "p", 4, found) == "c++ linenos"
    assert [(f.line, f.snippet) for f in found] == [
        (2, "'<< EOF >/usr/local/x.lua' after the language has no equivalent; dropped"),
        (3, "'title=\"app.js\"' after the language has no equivalent; dropped")]


def test_links_to_old_urls_become_links_to_the_new_files() -> None:
    from blogen.importers.links import LinkIndex, resolve_target, rewrite_links

    index = LinkIndex({"_posts/2020-01-01-a.md": "content/posts/a.md"}, {"/2020/01/01/a": "content/posts/a.md"},
                      "/", ("https://old.example.org",), {"content/posts/a.md": "/posts/a/"}, {},
                      {"/toys": "/toys/index.html"})

    def change(target: str, html: bool, line: int) -> str | None:
        return resolve_target(target, new_file="content/posts/b.md", old_source="_posts/2020-02-02-b.md",
                              old_url="/2020/02/02/b/", index=index, keep_relative=lambda p: p == "own.png", html=html)

    text = ("[1](/2020/01/01/a/#part) [2](/2020/01/01/a) [3](https://old.example.org/2020/01/01/a/index.html)\n"
            "[4](2020-01-01-a.md) [5](../img/x.png) [6](own.png) [7](https://elsewhere.org/) [8](#here)\n"
            "[ref]: /2020/01/01/a.html\n[^note]: Not a link.\n"
            '<a href="/2020/01/01/a/">raw</a> `[code](/2020/01/01/a/)`\n\n```\n[fenced](/2020/01/01/a/)\n```\n'
            "[toys](/toys/) `a code span\nover two lines [x](/2020/01/01/a/)` and new[](size_t, void *) [9](/toys)\n")
    out, changed = rewrite_links(text, change)
    assert out == ("[1](a.md#part) [2](a.md) [3](a.md)\n"
                   "[4](a.md) [5](/2020/02/02/img/x.png) [6](own.png) [7](https://elsewhere.org/) [8](#here)\n"
                   "[ref]: a.md\n[^note]: Not a link.\n"
                   '<a href="/posts/a/">raw</a> `[code](/2020/01/01/a/)`\n\n```\n[fenced](/2020/01/01/a/)\n```\n'
                   "[toys](/toys/index.html) `a code span\nover two lines [x](/2020/01/01/a/)` and new[](size_t, void *) "
                   "[9](/toys/index.html)\n")
    assert changed == 9


def test_excerpt_separator_becomes_the_summary_marker(cli: Cli, fresh: Path, tmp_path: Path) -> None:
    src = tmp_path / "old"
    (src / "_posts").mkdir(parents=True)
    (src / "_posts/2020-01-01-a.md").write_text("---\ntitle: A\nexcerpt_separator: '[cut]'\n---\n"
                                                "First part of the paragraph [cut] and the rest of it.\n\nMore.\n")
    imported(cli, "jekyll", src, fresh)
    assert front(fresh / "content/posts/a.md")[1] == ("\nFirst part of the paragraph  and the rest of it.\n\n<!-- more -->\n\n"
                                                       "More.\n")


def test_a_file_named_like_an_image_that_is_not_one_is_left_out(cli: Cli, fresh: Path, tmp_path: Path,
                                                                 build: Callable[..., BuildReport]) -> None:
    src = _blog_with(tmp_path)
    (src / "img/photo.jpg").write_text("<html>Not Found</html>\n")
    _, err = imported(cli, "jekyll", src, fresh)
    assert f"{src}/img/photo.jpg: warning: not-imported: named like an image but not one" in err
    assert not (fresh / "content/static/img/photo.jpg").exists()
    build(fresh)


def test_settings_the_user_chose_are_kept(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "new"
    cli("init", str(root), "--timezone", "UTC", "--title", "My Notes")
    config = root / "blogen.toml"
    config.write_text(config.read_text().replace('base_url = "https://example.org/"', 'base_url = "https://me.example/"'))
    out, _ = imported(cli, "jekyll", JEKYLL, root)
    text = config.read_text()
    assert 'base_url = "https://me.example/"' in text and 'title = "My Notes"' in text
    assert "base_url" not in out.split("set in blogen.toml:", 1)[1].split("\n", 1)[0]


def test_a_pyproject_config_is_not_edited(cli: Cli, site: Callable[..., Path]) -> None:
    root = site("-- pyproject.toml --\n[tool.blogen]\ntitle = \"T\"\nbase_url = \"https://example.org/\"\n", config=None)
    before = (root / "pyproject.toml").read_text()
    out, _ = imported(cli, "jekyll", JEKYLL, root)
    assert (root / "pyproject.toml").read_text() == before
    assert "to set in your config (add them by hand: it is not a blogen.toml the import may edit): " in out
    assert "broken_links = 'warning'" in out


def test_heading_id_style_is_set_once_blogen_reads_it(cli: Cli, fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from blogen.importers import siteconfig

    monkeypatch.setattr(siteconfig, "heading_ids_known", lambda: True)
    imported(cli, "jekyll", JEKYLL, fresh)
    text = (fresh / "blogen.toml").read_text()
    markdown = text.split("[markdown]", 1)[1].split("[", 1)[0]
    assert re.search(r'^heading_ids = "kramdown"$', markdown, re.M)
    assert "# Set by blogen import: the Jekyll site used kramdown" in markdown


def test_hugo_old_permalink_option(cli: Cli, fresh: Path) -> None:
    imported(cli, "hugo", HUGO, fresh, "--hugo-permalink", "/:year/:month/:day/:slug/")
    assert re.search(r'^permalink = "/\{year\}/\{month\}/\{day\}/\{slug\}/"$', (fresh / "blogen.toml").read_text(), re.M)
    assert front(fresh / "content/posts/toml-post.md")[0]["slug"] == "custom-toml"  # /2020/12/24/custom-toml/ as before


def test_jekyll_defaults_and_static_links(cli: Cli, fresh: Path, tmp_path: Path, build: Callable[..., BuildReport]) -> None:
    src = _blog_with(tmp_path)
    (src / "_config.yml").write_text("title: Old\ndefaults:\n  - scope: {path: '', type: posts}\n"
                                     "    values: {permalink: '/writing/:title/', tags: [from-defaults]}\n")
    (src / "_posts/2020-01-02-b.md").write_text("---\ntitle: B\ntags: [own]\n---\n"
                                                "[The file]({% link img/ok.txt %}) and [a]({{ site.baseurl }}{% link _posts/2020-01-01-a.md %}).\n")
    imported(cli, "jekyll", src, fresh)
    meta, body = front(fresh / "content/posts/b.md")
    assert meta["tags"] == ["own"]  # the file's own front matter wins over the defaults
    assert body == "\n[The file](/img/ok.txt) and [a](a.md).\n"
    assert re.search(r'^permalink = "/writing/\{slug\}/"$', (fresh / "blogen.toml").read_text(), re.M)
    build(fresh)
    assert (fresh / "output/writing/b/index.html").is_file()


def test_a_new_site_inside_the_old_blog_is_not_imported_into_itself(cli: Cli, tmp_path: Path) -> None:
    src = _blog_with(tmp_path)
    root = src / "new-site"
    cli("init", str(root), "--timezone", "UTC")
    out, _ = imported(cli, "jekyll", src, root)
    assert "imported 1 post, 0 pages and 1 static file" in out
    assert not (root / "content/static/new-site").exists()


def test_posts_sharing_a_slug_keep_their_dated_urls(cli: Cli, fresh: Path, tmp_path: Path, build: Callable[..., BuildReport]) -> None:
    src = tmp_path / "old"
    (src / "_posts").mkdir(parents=True)
    (src / "_config.yml").write_text("permalink: /:year/:title/\n")
    for year in (2019, 2020):
        (src / f"_posts/{year}-01-01-news.md").write_text(f"---\ntitle: News of {year}\n---\nText.\n")
    imported(cli, "jekyll", src, fresh)
    assert files(fresh / "content/posts") == ["news-2.md", "news.md"]
    assert front(fresh / "content/posts/news-2.md")[0]["slug"] == "news"
    build(fresh)
    assert (fresh / "output/2019/news/index.html").is_file() and (fresh / "output/2020/news/index.html").is_file()
