"""Feeds, sitemap, robots.txt, social metadata and redirects, read back the way readers and crawlers do."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import pytest
from conftest import read, snapshot, write_site

from blogen.build.pipeline import BuildReport
from blogen.core.errors import BlogenError
from blogen.render.feeds import check_feed
from blogen.render.jsonfeed import check_json_feed

Site = Callable[..., Path]
Build = Callable[..., BuildReport]
GOLDEN = Path(__file__).parent / "golden"

FEED_SITE = """\
-- content/posts/cask/index.md --
---
title: "Owning a cask"
date: 2016-05-08T10:00:00
updated: 2016-06-01T09:00:00
tags: [Whisky, cask]
summary: "Four friends & a hogshead."
---
The cask [timeline](#timeline) and a [tag](/tags/cask/) and an [old note](../sshd/).

![The cask head](cask.svg "Cask head")

## Timeline

Done.
-- content/posts/cask/cask.svg --
<svg xmlns="http://www.w3.org/2000/svg"/>
-- content/posts/sshd.md --
---
title: "sshd <StrictModes> & \\"quotes\\" ]]>"
date: 2020-11-21
tags: [ssh]
---
Body with `code`.
-- content/posts/draft.md --
---
title: Draft
date: 2020-01-01
draft: true
tags: [ssh]
---
secret
-- content/posts/future.md --
---
title: Future
date: 2031-01-01
tags: [ssh]
---
later
-- content/pages/about.md --
---
title: About
---
Me.
"""


def _parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_site_and_tag_feeds_parse_with_full_content_and_absolute_links(site: Site, build: Build) -> None:
    root = site(FEED_SITE)
    build(root)
    out = root / "output"
    feed = _parse(out / "feed.xml")
    assert [e.title for e in feed.entries] == ['sshd <StrictModes> & "quotes" ]]>', "Owning a cask"]
    assert feed.feed.title == "Test Notes"
    assert feed.feed.updated == "2020-11-21T00:00:00+00:00"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": "https://example.org/feed.xml", "alternate": "https://example.org/"}
    cask = feed.entries[1]
    assert cask.link == "https://example.org/posts/cask/"
    assert cask.published == "2016-05-08T10:00:00+00:00" and cask.updated == "2016-06-01T09:00:00+00:00"
    assert cask.author == "Tess Ter"
    assert [t.term for t in cask.tags] == ["whisky", "cask"]
    assert cask.summary == "Four friends & a hogshead."
    content = cask.content[0].value
    hrefs = re.findall(r'(?:href|src)="([^"]+)"', content)
    assert hrefs and all(h.startswith("https://example.org/") for h in hrefs), hrefs
    assert "https://example.org/posts/cask/cask.svg" in hrefs
    assert "https://example.org/posts/sshd/" in hrefs and "https://example.org/tags/cask/" in hrefs
    assert '<h2 id="timeline">Timeline</h2>' in content  # the page's heading self-link is not a link in the feed
    tag_feed = _parse(out / "tags/ssh/feed.xml")
    assert [e.title for e in tag_feed.entries] == ['sshd <StrictModes> & "quotes" ]]>']
    assert {link.rel: link.href for link in tag_feed.feed.links}["self"] == "https://example.org/tags/ssh/feed.xml"
    ET.parse(out / "feed.xml")  # a plain XML parser agrees


def test_feed_golden_copy(site: Site, build: Build, update_golden: bool) -> None:
    root = site(FEED_SITE)
    build(root)
    got = (root / "output/feed.xml").read_text()
    golden = GOLDEN / "feed.xml"
    if update_golden:
        golden.write_text(got)
    assert got == golden.read_text()


def test_drafts_and_scheduled_posts_never_reach_feeds_or_sitemap(site: Site, build: Build) -> None:
    root = site(FEED_SITE)
    build(root, drafts=True)  # even a preview build with drafts keeps them out
    out = root / "output"
    titles = [e.title for e in _parse(out / "tags/ssh/feed.xml").entries]
    assert "Draft" not in titles and "Future" not in titles
    sitemap = read(root, "sitemap.xml")
    assert "/posts/draft/" not in sitemap and "/posts/future/" not in sitemap


def test_sitemap_lists_exactly_the_public_pages(site: Site, build: Build) -> None:
    root = site(FEED_SITE)
    build(root)
    tree = ET.parse(root / "output/sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = sorted(e.text or "" for e in tree.findall("s:url/s:loc", ns))
    assert locs == [f"https://example.org{p}" for p in sorted([
        "/", "/about/", "/archive/", "/posts/cask/", "/posts/sshd/", "/tags/", "/tags/cask/", "/tags/ssh/", "/tags/whisky/"])]
    lastmod = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in tree.findall("s:url", ns)}
    assert lastmod["https://example.org/posts/cask/"] == "2016-06-01T09:00:00+00:00"
    assert read(root, "robots.txt") == "User-agent: *\nAllow: /\n\nSitemap: https://example.org/sitemap.xml\n"


def test_retitling_keeps_the_entry_id_and_unchanged_site_keeps_feed_bytes(site: Site, build: Build) -> None:
    root = site(FEED_SITE)
    build(root)
    before = _parse(root / "output/feed.xml").entries[1].id
    stamp = snapshot(root / "output")["feed.xml"]
    build(root)
    assert snapshot(root / "output")["feed.xml"] == stamp
    post = root / "content/posts/cask/index.md"
    post.write_text(post.read_text().replace('title: "Owning a cask"', 'title: "Owning a whisky cask"'))
    build(root)
    entry = _parse(root / "output/feed.xml").entries[1]
    assert entry.title == "Owning a whisky cask" and entry.id == before


def test_feed_limits_and_summary_only(site: Site, build: Build) -> None:
    root = site(FEED_SITE, config='title = "T"\nbase_url = "https://e.org/"\n[feed]\nentries = 1\nfull_content = false\n')
    build(root)
    feed = _parse(root / "output/feed.xml")
    assert len(feed.entries) == 1 and "content" not in feed.entries[0]


def test_hostile_title_stays_well_formed_everywhere(site: Site, build: Build) -> None:
    root = site(FEED_SITE)
    build(root)
    html = read(root, "posts/sshd/index.html")
    assert "<StrictModes>" not in html
    assert "sshd &lt;StrictModes&gt; &amp; &#34;quotes&#34; ]]&gt;" in html or "sshd &lt;StrictModes&gt; &amp;" in html
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert ld is not None
    data = json.loads(ld.group(1))
    assert data["@type"] == "BlogPosting" and data["headline"] == 'sshd <StrictModes> & "quotes" ]]>'
    assert "<" not in ld.group(1)
    og = re.search(r'<meta property="og:title" content="([^"]*)">', html)
    assert og is not None and og.group(1) == "sshd &lt;StrictModes&gt; &amp; &#34;quotes&#34; ]]&gt;"


def test_social_meta_uses_absolute_image_and_summary(site: Site, build: Build) -> None:
    root = site(FEED_SITE)
    build(root)
    html = read(root, "posts/cask/index.html")
    assert '<meta property="og:image" content="https://example.org/posts/cask/cask.svg">' in html
    assert '<meta property="og:description" content="Four friends &amp; a hogshead.">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<link rel="canonical" href="https://example.org/posts/cask/">' in html
    assert '<link rel="alternate" type="application/atom+xml" title="Test Notes" href="../../feed.xml">' in html
    tag = read(root, "tags/ssh/index.html")
    assert 'href="../../tags/ssh/feed.xml"' in tag


def test_json_ld_says_once_what_the_meta_tags_do_not(site: Site, build: Build) -> None:
    root = site(FEED_SITE)
    build(root)

    def ld(page: str) -> dict[str, object]:
        found = re.search(r'<script type="application/ld\+json">(.*?)</script>', read(root, page), re.S)
        assert found is not None
        return dict(json.loads(found.group(1)))

    cask = ld("posts/cask/index.html")
    assert cask == {
        "@context": "https://schema.org", "@type": "BlogPosting", "headline": "Owning a cask",
        "author": {"@type": "Person", "name": "Tess Ter"}, "image": "https://example.org/posts/cask/cask.svg",
        "datePublished": "2016-05-08T10:00:00+00:00", "dateModified": "2016-06-01T09:00:00+00:00",
        "keywords": ["Whisky", "cask"], "url": "https://example.org/posts/cask/",
    }  # the summary is the meta description, the URL the canonical link: neither is repeated
    assert "dateModified" not in ld("posts/sshd/index.html")  # never updated
    assert 'property="article:tag"' not in read(root, "posts/cask/index.html")  # the tags are the keywords above


def test_alias_colliding_with_a_page_is_an_error_naming_both(site: Site, build: Build) -> None:
    root = site(FEED_SITE.replace("tags: [ssh]\n---\nBody", "tags: [ssh]\naliases: [/about/]\n---\nBody"))
    with pytest.raises(BlogenError) as info:
        build(root)
    assert [p.format() for p in info.value.problems] == [
        "content/posts/sshd.md:5: URL /about/ is claimed twice: by content/pages/about.md and by content/posts/sshd.md (alias '/about/')"
    ]


def test_feed_check_catches_what_readers_trip_over() -> None:
    bad = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id>'
           b'<updated>2020-01-01T00:00:00Z</updated><link rel="self" href="https://e.org/feed.xml"/>'
           b'<entry><title>a</title><id>1</id><updated>2020-01-01T00:00:00Z</updated><published>2020-01-01T00:00:00Z</published>'
           b'<link rel="alternate" href="/rel/"/></entry>'
           b'<entry><title>b</title><id>1</id><updated>2020-01-01T00:00:00Z</updated><published>2020-01-01T00:00:00Z</published>'
           b'<link rel="alternate" href="https://e.org/b/"/></entry></feed>')
    messages = [p.message for p in check_feed("feed.xml", bad)]
    assert "feed entry 'a' has a relative URL '/rel/' that readers cannot follow" in messages
    assert "feed entry 'b' repeats the id 1" in messages
    assert "feed entry 'a' has no author" in messages
    assert check_feed("feed.xml", b"<feed><unclosed>")[0].message.startswith("feed is not well-formed XML")


# --- JSON Feed 1.1 (https://jsonfeed.org/version/1.1): beside each Atom feed, from the same entries --------

_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _json_feed(path: Path) -> dict[str, Any]:
    """The feed as a reader parses it, checked against what the JSON Feed 1.1 spec requires of it."""
    feed = json.loads(path.read_bytes())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert isinstance(feed["items"], list)
    for key in ("home_page_url", "feed_url"):
        assert feed[key].startswith("https://"), key  # optional in the spec, but readers need them absolute
    assert all(isinstance(a, dict) and a.get("name") for a in feed["authors"])
    ids = [item["id"] for item in feed["items"]]
    assert all(isinstance(i, str) and i for i in ids) and len(set(ids)) == len(ids)
    for item in feed["items"]:
        assert isinstance(item.get("content_html"), str) or isinstance(item.get("content_text"), str)
        assert all(item[k].startswith("https://") for k in ("url", "image") if k in item)
        assert all(_RFC3339.match(item[k]) for k in ("date_published", "date_modified") if k in item)
        assert all(isinstance(t, str) for t in item.get("tags", []))
    return feed


def test_a_json_feed_beside_every_atom_feed_with_the_same_entries(site: Site, build: Build) -> None:
    root = site(FEED_SITE)
    build(root)
    out = root / "output"
    atoms = sorted(p.relative_to(out).as_posix() for p in out.rglob("feed.xml"))
    assert atoms == ["feed.xml", "tags/cask/feed.xml", "tags/ssh/feed.xml", "tags/whisky/feed.xml"]
    for atom in atoms:
        feed = _json_feed(out / atom.replace(".xml", ".json"))
        entries = _parse(out / atom).entries
        assert [i["id"] for i in feed["items"]] == [e.id for e in entries]
        assert [i["title"] for i in feed["items"]] == [e.title for e in entries]
        atom_ns = "{http://www.w3.org/2005/Atom}"
        contents = [e.findtext(atom_ns + "content") for e in ET.parse(out / atom).getroot().iter(atom_ns + "entry")]
        assert [i["content_html"] for i in feed["items"]] == contents
        assert feed["feed_url"] == f"https://example.org/{atom.replace('.xml', '.json')}"
    site_feed = _json_feed(out / "feed.json")
    assert site_feed["title"] == "Test Notes" and site_feed["home_page_url"] == "https://example.org/"
    assert site_feed["language"] == "en" and site_feed["authors"] == [{"name": "Tess Ter"}]
    cask = site_feed["items"][1]
    assert cask["url"] == "https://example.org/posts/cask/" and cask["summary"] == "Four friends & a hogshead."
    assert cask["date_published"] == "2016-05-08T10:00:00+00:00" and cask["date_modified"] == "2016-06-01T09:00:00+00:00"
    assert cask["tags"] == ["Whisky", "cask"] and cask["image"] == "https://example.org/posts/cask/cask.svg"
    assert site_feed["items"][0]["title"] == 'sshd <StrictModes> & "quotes" ]]>'  # as written, JSON-escaped
    assert "Draft" not in read(root, "feed.json") and "Future" not in read(root, "feed.json")
    # every page names the site's feeds; a tag's pages name its own as well
    home, tag = read(root, "index.html"), read(root, "tags/ssh/index.html")
    assert '<link rel="alternate" type="application/feed+json" title="Test Notes (JSON Feed)" href="feed.json">' in home
    assert '<link rel="alternate" type="application/feed+json" title="Test Notes: ssh (JSON Feed)" href="../../tags/ssh/feed.json">' in tag


def test_json_feed_limits_summary_only_and_turned_off(site: Site, build: Build, tmp_path: Path) -> None:
    root = site(FEED_SITE, config='title = "T"\nbase_url = "https://e.org/"\n[feed]\nentries = 1\nfull_content = false\n')
    build(root)
    items = _json_feed(root / "output/feed.json")["items"]
    assert len(items) == 1 and "content_html" not in items[0] and items[0]["content_text"] == items[0]["summary"]
    off = write_site(tmp_path / "off", FEED_SITE, config='title = "T"\nbase_url = "https://e.org/"\n[feed]\njson = false\n')
    build(off)
    assert not list((off / "output").rglob("feed.json")) and (off / "output/feed.xml").is_file()
    assert "application/feed+json" not in (off / "output/index.html").read_text()


def test_json_feed_check_catches_what_readers_trip_over() -> None:
    item = {"id": "1", "title": "a", "content_html": '<a href="/rel/">x</a>', "url": "/a/", "date_published": "2020-01-01"}
    bad = {"version": "https://jsonfeed.org/version/1", "items": [item, {"id": "1", "title": "b"}, {"title": "c"}],
           "feed_url": "feed.json", "authors": [{}]}
    messages = [p.message for p in check_json_feed("feed.json", json.dumps(bad).encode())]
    assert messages == [
        "JSON feed has version 'https://jsonfeed.org/version/1', not 'https://jsonfeed.org/version/1.1'",
        "JSON feed has no title",
        "JSON feed feed_url 'feed.json' is not an absolute URL",
        "JSON feed authors must be a list of objects with a name, url or avatar",
        "JSON feed item 'a' url '/a/' is not an absolute URL",
        "JSON feed item 'a' date_published '2020-01-01' is not an RFC 3339 date",
        "JSON feed item 'a' has a relative URL '/rel/' that readers cannot follow",
        "JSON feed item 'b' repeats the id 1",
        "JSON feed item 'b' has neither content_html nor content_text",
        "JSON feed item 'c' has no string id",
        "JSON feed item 'c' has neither content_html nor content_text",
    ]
    assert check_json_feed("feed.json", b'{"version": ')[0].message.startswith("JSON feed is not valid JSON")
