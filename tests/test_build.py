"""Scenario tests: a whole small site written from one string, built, and its output read back."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import read, snapshot

from blogen.build.pipeline import BuildReport

Site = Callable[..., Path]
Build = Callable[..., BuildReport]

TWO_POSTS = """\
-- content/posts/first.md --
---
title: "First post"
date: 2024-01-10
tags: [Linux, ssh]
summary: "The first one."
---
Hello **world**.

## Details

```python
print("hi")
```
-- content/posts/second.md --
---
title: "Second post"
date: 2024-02-20T08:30:00
tags: [linux]
---
Second body with a paragraph.

<!-- more -->

And more after the fold.
-- content/pages/about.md --
---
title: About
---
About me.
-- content/static/CNAME --
notes.example.org
"""


def test_builds_every_kind_of_page(site: Site, build: Build) -> None:
    root = site(TWO_POSTS)
    report = build(root)
    out = root / "output"
    for rel in ["index.html", "posts/first/index.html", "posts/second/index.html", "about/index.html",
                "tags/index.html", "tags/linux/index.html", "tags/ssh/index.html", "archive/index.html",
                "404.html", "CNAME"]:
        assert (out / rel).is_file(), rel
    assert (out / "CNAME").read_text() == "notes.example.org\n"
    home = read(root, "index.html")
    assert home.index("Second post") < home.index("First post"), "newest first"
    post = read(root, "posts/first/index.html")
    assert '<span class="' in post and "print" in post  # highlighted code
    assert 'id="details"' in post
    assert len(report.site.posts) == 2
    css = [p.name for p in out.iterdir() if p.name.startswith("style.")]
    assert len(css) == 1 and re.fullmatch(r"style\.[0-9a-f]{10}\.css", css[0])
    assert f'href="{css[0]}"' in home  # links are page-relative, so output/ works opened from disk
    assert f'href="../../{css[0]}"' in post
    assert ".highlight" in (out / css[0]).read_text()


def test_tags_are_case_insensitive_and_merge_is_reported(site: Site, build: Build) -> None:
    root = site(TWO_POSTS)
    report = build(root)
    linux = [t for t in report.site.tags if t.slug == "linux"]
    assert len(linux) == 1 and linux[0].count == 2
    tag_page = read(root, "tags/linux/index.html")
    assert "First post" in tag_page and "Second post" in tag_page
    assert [w.format() for w in report.warnings] == [
        "content/posts/second.md:4: warning: tag 'Linux' is also written as 'linux' (content/posts/second.md); "
        "they are one tag, shown as 'Linux' (set tag_names.\"Linux\" in the config to choose the spelling and silence this)"
    ] or any("also written as" in w.message for w in report.warnings)


def test_tag_names_config_chooses_spelling_silently(site: Site, build: Build) -> None:
    root = site(TWO_POSTS, config='title = "T"\nbase_url = "https://e.org/"\n[tag_names]\nlinux = "GNU/Linux"\n')
    report = build(root)
    assert not report.warnings
    assert "GNU/Linux" in read(root, "tags/index.html")


def test_symbol_tags_never_collide(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/a.md --
---
title: A
date: 2024-01-01
tags: ["C++", "C#", "C"]
---
x
""")
    report = build(root)
    assert sorted(t.slug for t in report.site.tags) == ["c", "c-plus-plus", "c-sharp"]


def test_summary_sources(site: Site, build: Build) -> None:
    root = site(TWO_POSTS)
    report = build(root)
    by_slug = {p.slug: p for p in report.site.posts}
    assert by_slug["first"].summary == "The first one."
    assert by_slug["second"].summary == "Second body with a paragraph."
    assert "after the fold" not in by_slug["second"].summary_html
    assert "after the fold" in by_slug["second"].html


def test_second_build_writes_nothing(site: Site, build: Build) -> None:
    root = site(TWO_POSTS)
    build(root)
    before = snapshot(root / "output")
    report = build(root)
    assert report.written == () and report.removed == ()
    assert snapshot(root / "output") == before
    assert report.rendered == 0 and report.cached == 3


def test_edit_rewrites_only_what_changed_and_prunes_stale(site: Site, build: Build) -> None:
    root = site(TWO_POSTS)
    build(root)
    before = snapshot(root / "output")
    post = root / "content/posts/second.md"
    post.write_text(post.read_text().replace("Second body", "Edited body"))
    report = build(root)
    after = snapshot(root / "output")
    changed = {k for k in after if before.get(k) != after[k]}
    assert "posts/second/index.html" in changed
    assert "posts/first/index.html" not in changed  # its neighbours' titles did not change
    assert changed == set(report.written)
    (root / "content/posts/first.md").unlink()
    report = build(root)
    assert "posts/first/index.html" in report.removed
    assert not (root / "output/posts/first").exists()
    assert "tags/ssh/index.html" in report.removed


def test_drafts_and_future_posts(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/draft.md --
---
title: Draft
date: 2024-01-01
draft: true
---
d
-- content/posts/future.md --
---
title: Future
date: 2030-01-01
---
f
-- content/posts/now.md --
---
title: Now
date: 2024-01-01
---
n
""")
    report = build(root)
    assert [p.slug for p in report.site.posts] == ["now"]
    assert report.site.next_scheduled is not None and report.site.next_scheduled[0].year == 2030
    assert report.site.next_scheduled[1] == "content/posts/future.md"
    assert not (root / "output/posts/draft").exists()
    report = build(root, drafts=True)
    assert sorted(p.slug for p in report.site.posts) == ["draft", "future", "now"]


def test_bundle_assets_are_published_beside_the_post(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/board/index.md --
---
title: Board
date: 2024-01-01
---
![The board](board.svg "Front side")
-- content/posts/board/board.svg --
<svg xmlns="http://www.w3.org/2000/svg"/>
""")
    build(root)
    assert (root / "output/posts/board/board.svg").is_file()
    html = read(root, "posts/board/index.html")
    assert "<figure>" in html and "<figcaption>Front side</figcaption>" in html


def test_toml_front_matter_and_title_from_heading(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/t.md --
+++
date = 2024-03-01
tags = ["toml"]
+++
# Title from heading

Body.
""")
    report = build(root)
    post = report.site.posts[0]
    assert post.title == "Title from heading"
    html = read(root, "posts/t/index.html")
    assert html.count("Title from heading</h1>") == 1


def test_title_that_yaml_reads_as_bool_or_number_is_kept_as_written(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/a.md --
---
title: yes
date: 2024-01-01
---
a
-- content/posts/b.md --
---
title: 1.10
date: 2024-01-02
tags: [2024, on]
---
b
""")
    report = build(root)
    assert sorted(p.title for p in report.site.posts) == ["1.10", "yes"]
    assert sorted(t.name for t in report.site.tags) == ["2024", "on"]


def test_jekyll_file_name_date(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/2019-05-04-old-note.md --
---
title: Old
---
x
""")
    report = build(root)
    assert report.site.posts[0].slug == "old-note"
    assert report.site.posts[0].date.year == 2019
    assert (root / "output/posts/old-note/index.html").is_file()


def test_permalink_pattern_and_pagination(site: Site, build: Build) -> None:
    posts = "".join(f"-- content/posts/p{i}.md --\n---\ntitle: Post {i}\ndate: 2024-01-{i + 1:02d}\ntags: [t]\n---\nbody {i}\n"
                    for i in range(5))
    root = site(posts, config='title = "T"\nbase_url = "https://e.org/"\nposts_per_page = 2\npermalink = "/{year}/{month}/{slug}/"\n')
    build(root)
    out = root / "output"
    assert (out / "2024/01/p0/index.html").is_file()
    assert (out / "page/2/index.html").is_file() and (out / "page/3/index.html").is_file()
    assert not (out / "page/4").exists()
    assert (out / "tags/t/page/3/index.html").is_file()
    assert 'href="page/2/"' in read(root, "index.html")


def test_previous_next_and_related(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/a.md --
---
title: Alpha
date: 2024-01-01
tags: [x, y]
---
a
-- content/posts/b.md --
---
title: Beta
date: 2024-01-02
tags: [z]
---
b
-- content/posts/c.md --
---
title: Gamma
date: 2024-01-03
tags: [x, y]
---
c
""")
    report = build(root)
    slugs = [p.slug for p in report.site.posts]
    assert slugs == ["c", "b", "a"]
    assert report.site.related[slugs.index("a")] == (slugs.index("c"),)
    beta = read(root, "posts/b/index.html")
    assert 'href="../../posts/c/"' in beta and 'href="../../posts/a/"' in beta


def test_related_posts_share_the_most_tags_then_are_newest(site: Site, build: Build) -> None:
    # (name, day, tags): "me" shares three tags with all3, two with two_a and two_b, one with the rest.
    posts = [("me", 1, "a b c"), ("all3", 2, "a b c d"), ("two_a", 3, "a c"), ("two_b", 9, "b c"),
             ("one_old", 4, "a"), ("one_mid", 5, "b e"), ("one_new", 8, "c"), ("none", 10, "z")]
    spec = "".join(f"-- content/posts/{name}.md --\n---\ntitle: {name}\ndate: 2024-01-{day:02d}\n"
                   f"tags: [{', '.join(tags.split())}]\n---\nText.\n" for name, day, tags in posts)
    report = build(site(spec))
    slugs = [p.slug for p in report.site.posts]
    related = {slug: [slugs[j] for j in report.site.related[i]] for i, slug in enumerate(slugs)}
    assert related["me"] == ["all3", "two-b", "two-a", "one-new", "one-mid"]
    assert related["one-old"] == ["two-a", "all3", "me"]  # fewer than five share a tag: only those
    assert related["none"] == []


def test_site_theme_overrides_a_builtin_template(site: Site, build: Build) -> None:
    root = site("""\
-- content/pages/about.md --
---
title: About
---
x
-- theme/templates/page.html --
{% extends "base.html" %}{% block content %}<p class="custom">{{ page.title }}</p>{% endblock %}
""")
    build(root)
    html = read(root, "about/index.html")
    assert '<p class="custom">About</p>' in html
    assert "<!doctype html>" in html.lower()  # still the built-in base layout


def test_reading_time_ignores_code(site: Site, build: Build) -> None:
    prose = " ".join(["word"] * 440)
    code = "\n".join(["x = 1"] * 2000)
    root = site(f"-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\n---\n{prose}\n\n```python\n{code}\n```\n")
    report = build(root)
    assert report.site.posts[0].reading_minutes == 2


def test_aliases_write_redirects(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/a.md --
---
title: A
date: 2024-01-01
aliases: [/2019/old-a/]
---
x
""")
    build(root)
    html = read(root, "2019/old-a/index.html")
    assert 'content="0; url=https://example.org/posts/a/"' in html
    assert '<link rel="canonical" href="https://example.org/posts/a/">' in html


def test_output_is_deterministic(site: Site, build: Build, tmp_path: Path) -> None:
    root = site(TWO_POSTS)
    build(root)
    first = {k: v[0] for k, v in snapshot(root / "output").items()}
    import shutil
    shutil.rmtree(root / "output")
    shutil.rmtree(root / ".blogen-cache")
    build(root, jobs=2)
    assert {k: v[0] for k, v in snapshot(root / "output").items()} == first


def test_command_line_build_and_module_entry(site: Site) -> None:
    root = site(TWO_POSTS)
    proc = subprocess.run([sys.executable, "-m", "blogen", "build", "--root", str(root)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "error"})
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"built 2 posts, 1 page, 2 tags into .*output/ in [\d.]+ s: \d+ written, 0 removed, 0 unchanged", proc.stdout)
    proc = subprocess.run([sys.executable, "-m", "blogen", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and re.fullmatch(r"blogen \d+\.\d+\.\d+\n", proc.stdout)


def test_output_and_base_url_options(site: Site, cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    root = site(TWO_POSTS)
    code, out, err = cli("build", "--root", str(root), "--output", str(tmp_path / "public"), "--base-url",
                         "https://staging.example.org/blog/", "-q")
    assert code == 0, err
    assert out == ""
    home = (tmp_path / "public/index.html").read_text()
    assert 'href="posts/first/"' in home
    assert '<link rel="canonical" href="https://staging.example.org/blog/">' in home
    assert not (root / "output").exists()


def test_build_says_when_the_next_scheduled_post_goes_live(site: Site, cli: Callable[..., tuple[int, str, str]]) -> None:
    root = site("""\
-- content/posts/later.md --
---
title: Later
date: 2099-05-01T08:00:00
---
x
""")
    code, out, err = cli("build", "--root", str(root))
    assert code == 0, err
    assert "next scheduled post goes live 2099-05-01 08:00 UTC (content/posts/later.md); build again then to publish it" in out


def test_markdown_errors_from_worker_processes_are_reported(site: Site, build: Build) -> None:
    from blogen.build.markdown import PARALLEL_THRESHOLD
    from blogen.core.errors import BlogenError

    posts = "".join(f"-- content/posts/p{i}.md --\n---\ntitle: P{i}\ndate: 2024-01-01\n---\n```c hl_lines=9\nx\n```\n"
                    for i in range(PARALLEL_THRESHOLD + 2))
    root = site(posts)
    try:
        build(root, jobs=2)
    except BlogenError as exc:
        assert len(exc.problems) == PARALLEL_THRESHOLD + 2
        assert "content/posts/p0.md:5: invalid fence option 'hl_lines=9'" in exc.problems[0].format()
    else:
        raise AssertionError("the build should fail")


def test_progress_shows_on_a_terminal_only(site: Site) -> None:
    import pty

    posts = "".join(f"-- content/posts/p{i}.md --\n---\ntitle: P{i}\ndate: 2024-01-01\n---\nx\n" for i in range(30))
    root = site(posts)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    piped = subprocess.run([sys.executable, "-m", "blogen", "build", "--root", str(root)], capture_output=True, text=True, env=env)
    assert piped.returncode == 0 and "rendering" not in piped.stderr + piped.stdout
    (root / "content/posts/p0.md").write_text("---\ntitle: P0\ndate: 2024-01-01\n---\nchanged\n")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "blogen", "build", "--root", str(root)], stdout=subprocess.DEVNULL,
                            stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    shown = b"".join(chunks).decode()
    assert proc.returncode == 0
    assert "rendering Markdown 1/1" in shown and re.search(r"rendering pages \d+/\d+", shown)


def test_the_menu_leaves_out_pages_whose_front_matter_says_menu_false(site: Site, build: Build) -> None:
    root = site(
        "-- content/pages/about.md --\n---\ntitle: About\n---\nWho writes here.\n"
        "-- content/pages/colophon.md --\n---\ntitle: Colophon\nmenu: true\n---\nHow it is made.\n"
        "-- content/pages/imprint.md --\n---\ntitle: Imprint\nmenu: false\n---\nThe legal page.\n"
        "-- content/pages/old.md --\n---\ntitle: Old notes\nextra:\n  menu: false\n---\nKept, not listed.\n"
        "-- content/posts/a.md --\n---\ntitle: A post\ndate: 2024-01-01\n---\nText.\n"
    )
    build(root)
    for page in ("index.html", "about/index.html", "imprint/index.html", "posts/a/index.html"):
        nav = read(root, page).split('<nav aria-label="Main">')[1].split("</nav>")[0]
        listed = re.findall(r">([^<]+)</a></li>", nav)
        assert "About" in listed and "Colophon" in listed and "Archive" in listed
        assert "Imprint" not in listed and "Old notes" not in listed
    assert "The legal page." in read(root, "imprint/index.html")  # left out of the menu, still published
