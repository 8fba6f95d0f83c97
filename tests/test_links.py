"""Plain Markdown links between notes resolve to URLs, and every broken local link fails the build by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import read

from blogen.build.pipeline import BuildReport
from blogen.core.errors import BlogenError

Site = Callable[..., Path]
Build = Callable[..., BuildReport]

TARGETS = """\
-- content/posts/criu-selinux.md --
---
title: CRIU
date: 2024-01-01
---
## Restoring threads

x
-- content/posts/board/index.md --
---
title: Board
date: 2024-01-02
---
![front](front.svg) and [schematic](schematic.pdf) and [the CRIU note](../criu-selinux.md#restoring-threads).
-- content/posts/board/front.svg --
<svg xmlns="http://www.w3.org/2000/svg"/>
-- content/posts/board/schematic.pdf --
%PDF
-- content/posts/board/unused.txt --
nobody links me
-- content/pages/about.md --
---
title: About
---
## Contact

me
-- content/static/images/logo.svg --
<svg xmlns="http://www.w3.org/2000/svg"/>
"""


def _post(body: str) -> str:
    return f"-- content/posts/source.md --\n---\ntitle: Source\ndate: 2024-02-01\n---\n{body}\n"


@pytest.mark.parametrize(("link", "href"), [
    ("criu-selinux.md", "../../posts/criu-selinux/"),
    ("criu-selinux.md#restoring-threads", "../../posts/criu-selinux/#restoring-threads"),
    ("./criu-selinux.md", "../../posts/criu-selinux/"),
    ("../pages/about.md#contact", "../../about/#contact"),
    ("/posts/criu-selinux.md", "../../posts/criu-selinux/"),
    ("board/index.md", "../../posts/board/"),
    ("board/", "../../posts/board/"),
    ("board/schematic.pdf", "../../posts/board/schematic.pdf"),
    ("../static/images/logo.svg", "../../images/logo.svg"),
    ("/images/logo.svg", "../../images/logo.svg"),
    ("/tags/", "../../tags/"),
    ("../criu-selinux/", "../criu-selinux/"),
    ("#intro", "#intro"),
    ("https://example.com/x.md", "https://example.com/x.md"),
])
def test_each_link_form_resolves(site: Site, build: Build, link: str, href: str) -> None:
    root = site(TARGETS + _post(f"## Intro\n\n[it]({link})"))
    build(root)
    assert f'<a href="{href}">it</a>' in read(root, "posts/source/index.html")


def test_bundle_links_resolve_and_unreferenced_files_are_listed(site: Site, build: Build) -> None:
    root = site(TARGETS)
    report = build(root)
    html = read(root, "posts/board/index.html")
    assert '<img src="front.svg" alt="front">' in html
    assert '<a href="schematic.pdf">schematic</a>' in html
    assert '<a href="../../posts/criu-selinux/#restoring-threads">the CRIU note</a>' in html
    assert report.site.unreferenced == ("content/posts/board/unused.txt",)
    assert (root / "output/posts/board/unused.txt").is_file()  # still published


@pytest.mark.parametrize(("link", "message"), [
    ("criu.md", "content/posts/source.md:7: broken link 'criu.md' (no such file content/posts/criu.md)"),
    ("criu-selinux.md#restoring", "content/posts/source.md:7: broken link 'criu-selinux.md#restoring' "
                                  "(no heading 'restoring' in 'posts/criu-selinux.md'; did you mean 'restoring-threads'?)"),
    ("criu-selinux.md#zzz", "content/posts/source.md:7: broken link 'criu-selinux.md#zzz' (no heading 'zzz' in 'posts/criu-selinux.md')"),
    ("#intr", "content/posts/source.md:7: broken link '#intr' (no heading 'intr' in this page; did you mean 'intro'?)"),
    ("board/missing.png", "content/posts/source.md:7: broken link 'board/missing.png' (no such file content/posts/board/missing.png)"),
    ("../static/nope.svg", "content/posts/source.md:7: broken link '../static/nope.svg' (no such file content/static/nope.svg)"),
    ("/tgas/", "content/posts/source.md:7: broken link '/tgas/' (no page at /tgas/)"),
])
def test_each_broken_link_fails_with_its_message(site: Site, build: Build, link: str, message: str) -> None:
    root = site(TARGETS + _post(f"## Intro\n\n[it]({link})"))
    with pytest.raises(BlogenError) as info:
        build(root)
    assert [p.format() for p in info.value.problems] == [message]


def test_missing_image_is_an_error_with_file_and_line(site: Site, build: Build) -> None:
    root = site(TARGETS + _post("text\n\n![scope trace](scope.png)"))
    with pytest.raises(BlogenError) as info:
        build(root)
    assert [p.format() for p in info.value.problems] == [
        "content/posts/source.md:7: broken image 'scope.png' (no such file content/posts/scope.png)"]


def test_link_to_a_draft_says_so(site: Site, build: Build) -> None:
    root = site(TARGETS + _post("[wip](wip.md)") + "-- content/posts/wip.md --\n---\ntitle: W\ndate: 2024-01-01\ndraft: true\n---\nw\n")
    with pytest.raises(BlogenError, match=r"broken link 'wip.md' \('posts/wip.md' is a draft or scheduled post"):
        build(root)
    build(root, drafts=True)  # a preview with drafts resolves it
    assert '<a href="../../posts/wip/">wip</a>' in read(root, "posts/source/index.html")


def test_renaming_a_heading_breaks_the_links_to_it(site: Site, build: Build) -> None:
    root = site(TARGETS + _post("[see](criu-selinux.md#restoring-threads)"))
    build(root)
    note = root / "content/posts/criu-selinux.md"
    note.write_text(note.read_text().replace("## Restoring threads", "## Restoring multi-threaded processes"))
    with pytest.raises(BlogenError) as info:
        build(root)
    hint = "(no heading 'restoring-threads' in 'posts/criu-selinux.md'; did you mean 'restoring-multi-threaded-processes'?)"
    assert [p.format() for p in info.value.problems] == [
        f"content/posts/board/index.md:5: broken link '../criu-selinux.md#restoring-threads' {hint}",
        f"content/posts/source.md:5: broken link 'criu-selinux.md#restoring-threads' {hint}",
    ]


def test_summaries_keep_working_links_on_listing_pages(site: Site, build: Build) -> None:
    root = site("""\
-- content/posts/psu/index.md --
---
title: PSU
date: 2024-01-01
tags: [bench]
---
![Ripple](ripple.svg "Ripple at 1 A") See [the note](#details) and [the schematic](schematic.pdf).

## Details

x
-- content/posts/psu/ripple.svg --
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>
-- content/posts/psu/schematic.pdf --
%PDF
""")
    build(root)
    home = read(root, "index.html")
    assert 'src="posts/psu/ripple.svg"' in home
    assert 'href="posts/psu/#details"' in home and 'href="posts/psu/schematic.pdf"' in home
    tag = read(root, "tags/bench/index.html")
    assert 'src="../../posts/psu/ripple.svg"' in tag
    post = read(root, "posts/psu/index.html")
    assert 'src="ripple.svg"' in post and 'href="#details"' in post  # the post itself is unchanged


def test_fragments_written_for_github_or_hugo_find_their_heading(site: Site, build: Build) -> None:
    root = site(TARGETS + _post("## People & Body\n\n[here](#people--body) and [there](../pages/about.md#--contact--)"))
    build(root)
    html = read(root, "posts/source/index.html")
    assert '<a href="#people-body">here</a>' in html
    assert '<a href="../../about/#contact">there</a>' in html


def test_broken_links_can_be_warnings_while_migrating(site: Site, build: Build) -> None:
    config = 'title = "T"\nbase_url = "https://e.org/"\nbroken_links = "warning"\n'
    root = site(TARGETS + _post("[gone](gone.md) ![x](nope.png)"), config=config)
    report = build(root)
    assert [w.format() for w in report.warnings] == [
        "content/posts/source.md:5: warning: broken image 'nope.png' (no such file content/posts/nope.png)",
        "content/posts/source.md:5: warning: broken link 'gone.md' (no such file content/posts/gone.md)",
    ]
    assert (root / "output/posts/source/index.html").is_file()
    with pytest.raises(BlogenError, match=r"broken link 'gone\.md'"):
        build(root, strict=True)


ANCHORS = """\
-- content/posts/js.md --
---
title: JS
date: 2024-01-01
aliases: [/2019/old-js/]
---
## String.prototype.replaceAll

## People & Body

## 2. Setup
"""


@pytest.mark.parametrize("style", ["blogen", "github", "kramdown"])
@pytest.mark.parametrize(("fragment", "heading"), [
    ("stringprototypereplaceall", 0),  # GitHub, Hugo, kramdown
    ("string-prototype-replaceall", 0),  # blogen
    ("people--body", 1),  # GitHub, Hugo, kramdown
    ("people-body", 1),  # blogen
    ("setup", 2),  # kramdown drops what comes before the first letter
    ("2-setup", 2),  # GitHub and blogen keep it
])
def test_a_fragment_written_in_any_id_style_lands_on_its_heading(site: Site, build: Build, style: str, fragment: str,
                                                                   heading: int) -> None:
    config = f'title = "T"\nbase_url = "https://e.org/"\n[markdown]\nheading_ids = "{style}"\n'
    root = site(ANCHORS + _post(f"[it](js.md#{fragment})"), config=config)
    report = build(root)
    ids = [h.id for h in report.site.posts[1].toc]
    assert ids == {"blogen": ["string-prototype-replaceall", "people-body", "2-setup"],
                   "github": ["stringprototypereplaceall", "people--body", "2-setup"],
                   "kramdown": ["stringprototypereplaceall", "people--body", "setup"]}[style]
    assert f'<a href="../../posts/js/#{ids[heading]}">it</a>' in read(root, "posts/source/index.html")


@pytest.mark.parametrize(("link", "href"), [
    ("/posts/js", "../../posts/js/"),
    ("/posts/js#people--body", "../../posts/js/#people-body"),
    ("../js", "../../posts/js/"),
    ("/2019/old-js", "../../posts/js/"),  # an alias: the page it stands for
    ("/2019/old-js/#stringprototypereplaceall", "../../posts/js/#string-prototype-replaceall"),
    ("/tags", "../../tags/"),
])
def test_a_site_url_without_its_trailing_slash_or_an_old_one_resolves(site: Site, build: Build, link: str, href: str) -> None:
    root = site(ANCHORS + _post(f"[it]({link})"))
    build(root)
    assert f'<a href="{href}">it</a>' in read(root, "posts/source/index.html")


def test_links_in_raw_html_and_shortcodes_are_checked_at_their_line(site: Site, build: Build) -> None:
    root = site(TARGETS + _post('Intro.\n\n<p>See <a href="/nowhere/">this</a>\nand <img src="gone.png" alt=""></p>\n\n'
                                '{{< figure src="missing.jpg" link="criu-selinux.md#restoring-threads" >}}\n'))
    with pytest.raises(BlogenError) as info:
        build(root)
    assert [p.format() for p in info.value.problems] == [
        "content/posts/source.md:7: broken link '/nowhere/' (no page at /nowhere/)",
        "content/posts/source.md:8: broken image 'gone.png' (no such file content/posts/gone.png)",
        "content/posts/source.md:10: broken image 'missing.jpg' (no such file content/posts/missing.jpg)",
    ]


def test_links_in_raw_html_and_shortcodes_resolve_like_markdown_ones(site: Site, build: Build) -> None:
    root = site(TARGETS + _post('<a href="criu-selinux.md">raw</a>\n\n'
                                '{{< figure src="/images/logo.svg" link="criu-selinux.md#restoring-threads" caption="Logo" >}}\n'))
    build(root)
    html = read(root, "posts/source/index.html")
    assert '<a href="../../posts/criu-selinux/">raw</a>' in html
    assert ('<figure><a href="../../posts/criu-selinux/#restoring-threads"><img src="../../images/logo.svg" alt="Logo"'
            in html)


def test_a_broken_link_in_a_template_names_the_template_that_holds_it(site: Site, build: Build) -> None:
    root = site(TARGETS + _post("x") + '-- theme/templates/_post_meta.html --\n<a href="/nowhere/">x</a>\n')
    with pytest.raises(BlogenError) as info:
        build(root)
    assert {p.path for p in info.value.problems} == {"theme/templates/_post_meta.html"}  # not post.html, which the site has not


def test_dead_links_as_warnings_are_counted_in_the_build_summary(site: Site, cli: Callable[..., tuple[int, str, str]]) -> None:
    config = 'title = "T"\nbase_url = "https://e.org/"\nbroken_links = "warning"\n'
    root = site(TARGETS + _post("[gone](gone.md) ![x](nope.png) [old](/2010/01/post/)"), config=config)
    code, out, err = cli("build", "--root", str(root))
    assert code == 0, err
    assert err.count("warning: broken") == 3
    assert out.rstrip().endswith("; 3 warnings (3 broken links)")
    code, out, _ = cli("check", "--root", str(root))
    assert code == 0 and out.rstrip().endswith("0 errors, 4 warnings (3 broken links, 1 other)")  # the other: the unreferenced file


def test_a_tolerated_dead_link_in_a_summary_is_told_once_at_its_post(site: Site, build: Build) -> None:
    config = 'title = "T"\nbase_url = "https://e.org/"\nbroken_links = "warning"\n'
    root = site(_post("First [paragraph](<see the original post>), shown on the home page.\n\n[café](<old café/>)"), config=config)
    report = build(root)
    assert [w.format() for w in report.warnings] == [
        "content/posts/source.md:5: warning: broken link 'see the original post' (no page at /posts/source/see the original post)",
        "content/posts/source.md:7: warning: broken link 'old café/' (no page at /posts/source/old café/)",
    ]
    assert 'href="posts/source/see%20the%20original%20post"' in read(root, "index.html")
