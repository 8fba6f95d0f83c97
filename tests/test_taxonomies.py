"""Categories, series and a site's own taxonomies: their pages, feeds and config, as a reader and a writer see them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, read, write_site

from blogen.build.pipeline import BuildReport
from blogen.core.errors import BlogenError

Site = Callable[..., Path]
Build = Callable[..., BuildReport]

# A three-part series written out of order, posts in two categories, one of them on two pages.
SERIES = """\
-- content/posts/nas-3.md --
---
title: Backups
date: 2024-03-01
categories: [Hardware, Linux]
series: Building a NAS
---
Part three.
-- content/posts/nas-1.md --
---
title: Choosing disks
date: 2024-01-01
categories: Hardware
series: [Building a NAS]
---
Part one.
-- content/posts/nas-2.md --
---
title: ZFS pools
date: 2024-02-01
categories: hardware, Linux
series: Building a NAS
---
Part two.
-- content/posts/lone.md --
---
title: A lone note
date: 2024-04-01
tags: [misc]
---
No series here.
"""

PAGED = DEFAULT_CONFIG + "posts_per_page = 2\n"


def _main(html: str) -> str:
    return html.split('<main id="main">', 1)[1].split("</main>", 1)[0]


def _links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_categories_and_series_have_pages_counts_and_feeds(site: Site, build: Build) -> None:
    root = site(SERIES, config=PAGED)
    report = build(root)
    hardware = read(root, "categories/hardware/index.html")
    assert "<h1>Category: Hardware</h1>" in hardware and "3 posts" in hardware
    # newest first, two a page: the oldest part is on page 2
    assert "Backups" in _main(hardware) and "ZFS pools" in _main(hardware) and "Choosing disks" not in _main(hardware)
    assert "Choosing disks" in _main(read(root, "categories/hardware/page/2/index.html"))
    index = _main(read(root, "categories/index.html"))
    assert index.index("Hardware") < index.index("Linux")
    assert re.search(r"Hardware<span class=\"count\">3<", index) and re.search(r"Linux<span class=\"count\">2<", index)
    assert "<h1>Series: Building a NAS</h1>" in read(root, "series/building-a-nas/index.html")
    assert "Building a NAS" in _main(read(root, "series/index.html"))
    for feed in ("categories/linux/feed.xml", "series/building-a-nas/feed.xml"):
        assert read(root, feed).count("<entry>") == 2 + feed.startswith("series")
    entries = json.loads(read(root, "categories/linux/feed.json"))["items"]
    assert [e["title"] for e in entries] == ["Backups", "ZFS pools"]
    # the menu lists each taxonomy that has terms, the pages link their feeds
    home = read(root, "index.html")
    nav = home.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert "Categories" in nav and "Series" in nav and "Tags" in nav
    assert '<link rel="alternate" type="application/feed+json"' in hardware and 'href="../../categories/hardware/feed.json"' in hardware
    terms = {t.key: [x.name for x in t.terms] for t in report.site.taxonomies}
    assert terms == {"tags": ["misc"], "categories": ["Hardware", "Linux"], "series": ["Building a NAS"]}


def test_each_part_of_a_series_shows_its_place_and_every_part_in_date_order(site: Site, build: Build) -> None:
    root = site(SERIES)
    build(root)
    for n, slug in enumerate(["nas-1", "nas-2", "nas-3"], start=1):
        page = read(root, f"posts/{slug}/index.html")
        box = page.split('<nav class="series"', 1)[1].split("</nav>", 1)[0]
        assert f"Part {n} of 3 in the series" in box
        assert re.findall(r"<li><a href=\"[^\"]+\"(?: aria-current=\"page\")?>([^<]+)</a>", box) == \
            ["Choosing disks", "ZFS pools", "Backups"]
        assert re.findall(r'href="([^"]+)" aria-current="page"', box) == [f"../../posts/{slug}/"]
    assert 'class="series"' not in read(root, "posts/lone/index.html")
    # categories show on the post, beside its tags
    assert re.search(r'Categories: <a href="../../categories/hardware/">Hardware</a>, <a href="../../categories/linux/">Linux</a>',
                     read(root, "posts/nas-2/index.html"))


def test_a_draft_part_counts_only_when_drafts_are_built(site: Site, build: Build, tmp_path: Path) -> None:
    spec = SERIES + "-- content/posts/nas-4.md --\n---\ntitle: Restores\ndate: 2024-03-15\ndraft: true\nseries: Building a NAS\n---\nSoon.\n"
    root = site(spec)
    build(root)
    assert "Part 3 of 3" in read(root, "posts/nas-3/index.html") and "Restores" not in read(root, "posts/nas-3/index.html")
    build(root, drafts=True, output=str(tmp_path / "drafts"))
    assert "Part 3 of 4" in (tmp_path / "drafts/posts/nas-3/index.html").read_text()
    assert "Part 4 of 4" in (tmp_path / "drafts/posts/nas-4/index.html").read_text()


TAXONOMY_CONFIG = DEFAULT_CONFIG + """
[taxonomies]
series = false

[taxonomies.categories]
path = "topics"
title = "Topics"
singular = "topic"
names = { linux = "GNU/Linux" }
aliases = { hardware = "kit" }

[taxonomies.authors]
feed = false
"""


def test_a_taxonomy_can_move_be_renamed_folded_turned_off_or_added(site: Site, build: Build) -> None:
    spec = SERIES.replace("title: Backups\n", "title: Backups\nauthors: [Ann Example, Bo]\n")
    root = site(spec, config=TAXONOMY_CONFIG)
    build(root)
    out = root / "output"
    assert not (out / "categories").exists() and not (out / "series").exists()
    topics = read(root, "topics/index.html")
    # the alias folds 'hardware' into the term at /topics/kit/, still shown as written
    assert "<h1>Topics</h1>" in topics and 'GNU/Linux' in topics and '<a href="../topics/kit/">Hardware<' in topics
    assert "<h1>Topic: Hardware</h1>" in read(root, "topics/kit/index.html")
    assert 'class="series"' not in read(root, "posts/nas-2/index.html")  # series are off: no parts box
    assert "<h1>Author: Ann Example</h1>" in read(root, "authors/ann-example/index.html")
    assert not (out / "authors/ann-example/feed.xml").exists()  # feed = false
    assert (out / "topics/kit/feed.xml").exists()
    post = read(root, "posts/nas-3/index.html")
    assert 'Authors: <a href="../../authors/ann-example/">Ann Example</a>, <a href="../../authors/bo/">Bo</a>' in post
    assert 'Topics: <a href="../../topics/kit/">Hardware</a>, <a href="../../topics/linux/">GNU/Linux</a>' in post


def test_a_taxonomy_key_is_not_mistaken_for_a_typo(site: Site, build: Build) -> None:
    # 'topics' is close to 'toc', 'genres' to 'series': declared as taxonomies they are no typos
    spec = "-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\ntopics: [x]\ngenres: [y]\n---\nA.\n"
    root = site(spec, config=DEFAULT_CONFIG + "[taxonomies.topics]\n[taxonomies.genres]\n")
    report = build(root)
    assert report.warnings == ()
    assert (root / "output/topics/x/index.html").is_file() and (root / "output/genres/y/index.html").is_file()


def test_tags_can_be_turned_off(site: Site, build: Build) -> None:
    root = site(SERIES, config=DEFAULT_CONFIG + "[taxonomies]\ntags = false\n")
    report = build(root)
    assert not (root / "output/tags").exists() and report.site.tags == ()
    assert ">Tags<" not in read(root, "index.html")
    assert '<ul class="tags"' not in read(root, "posts/lone/index.html")


def test_an_unused_taxonomy_makes_no_pages_while_the_tag_index_always_exists(site: Site, build: Build) -> None:
    root = site("-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\n---\nA.\n")
    build(root)
    assert not (root / "output/categories").exists() and not (root / "output/series").exists()
    assert "No tags yet." in read(root, "tags/index.html")  # themes link site.tags_url unconditionally


def test_category_spellings_fold_and_the_warning_names_the_config_key(site: Site, build: Build, tmp_path: Path) -> None:
    report = build(site(SERIES))  # 'hardware' once, 'Hardware' twice
    assert [w.format() for w in report.warnings] == [
        "content/posts/nas-3.md:4: warning: category 'Hardware' is also written as 'hardware' (content/posts/nas-2.md); "
        "they are one category, shown as 'Hardware' (set taxonomies.categories.names.\"Hardware\" in the config to choose "
        "the spelling and silence this)"]
    config = DEFAULT_CONFIG + "[taxonomies.categories]\nnames = { hardware = \"Hardware\" }\n"
    assert build(write_site(tmp_path / "named", SERIES, config=config)).warnings == ()


@pytest.mark.parametrize(("config", "message"), [
    ("[taxonomies.categories]\npaht = \"topics\"\n", "unknown config key 'taxonomies.categories.paht' (did you mean 'path'?)"),
    ("[taxonomies.categories]\npath = \"a/b\"\n", "must be one URL segment"),
    ("[taxonomies]\nseries = 3\n", "must be true, false or a table"),
    ("[taxonomies.title]\n", "'title' is a front-matter key of its own"),
    ("[taxonomies.Topics]\n", "taxonomy 'Topics' must be a front-matter key of lower-case letters"),
    ("[taxonomies.categories]\npath = \"tags\"\n", "taxonomies 'tags' and 'categories' both use the URL segment '/tags/'"),
    ("[tag_names]\nlinux = \"Linux\"\n[taxonomies.tags]\nnames = { linux = \"GNU/Linux\" }\n", "'linux' has one value in tag_names"),
    ("[taxonomies.categories]\nnames = { \"!!\" = \"x\" }\n", "names entry '!!' has no letters or digits"),
])
def test_taxonomy_config_mistakes_are_named(site: Site, build: Build, config: str, message: str) -> None:
    root = site(SERIES, config=DEFAULT_CONFIG + config)
    with pytest.raises(BlogenError) as exc:
        build(root)
    assert any(message in p.message and p.path == "blogen.toml" for p in exc.value.problems), exc.value.problems


def test_a_taxonomy_path_that_takes_another_pages_url_is_an_error_naming_both(site: Site, build: Build) -> None:
    root = site(SERIES, config=DEFAULT_CONFIG + "[taxonomies.categories]\npath = \"archive\"\n")
    with pytest.raises(BlogenError, match=r"URL /archive/ is claimed twice: by the archive and by the category index"):
        build(root)


def test_tag_names_and_aliases_still_work_beside_the_taxonomies_table(site: Site, build: Build, tmp_path: Path) -> None:
    config = DEFAULT_CONFIG + "[tag_names]\nmisc = \"Miscellany\"\n[taxonomies.tags]\naliases = { misc = \"odds\" }\n"
    report = build(site(SERIES, config=config))
    assert [(t.slug, t.name) for t in report.site.tags] == [("odds", "misc")]  # folded into 'odds', shown as written
    report = build(write_site(tmp_path / "named", SERIES, config=DEFAULT_CONFIG + "[tag_names]\nmisc = \"Miscellany\"\n"))
    assert [(t.slug, t.name) for t in report.site.tags] == [("misc", "Miscellany")]


def test_term_front_matter_must_be_a_list_or_text(site: Site, build: Build) -> None:
    root = site("-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\nseries: {a: 1}\n---\nA.\n")
    with pytest.raises(BlogenError) as exc:
        build(root)
    assert [p.format() for p in exc.value.problems] == [
        "content/posts/a.md:4: front-matter key 'series': expected a list or a comma-separated string, not dict"]


def test_series_written_as_yaml_scalars_keep_their_text(site: Site, build: Build) -> None:
    spec = "-- content/posts/a.md --\n---\ntitle: A\ndate: 2024-01-01\nseries: 2024\ncategories: yes\n---\nA.\n"
    report = build(site(spec))
    assert [[t.name for t in x.terms] for x in report.site.taxonomies] == [[], ["yes"], ["2024"]]


def test_every_front_matter_key_is_either_reserved_or_a_built_in_taxonomy() -> None:
    """A site's own taxonomy may take any key but those: the two lists must not drift apart."""
    from blogen.content.frontmatter import KNOWN_KEYS, TERM_KEYS
    from blogen.core.taxonomies import BUILTIN, RESERVED

    assert set(KNOWN_KEYS) == RESERVED | set(BUILTIN) and set(TERM_KEYS) == set(BUILTIN)
