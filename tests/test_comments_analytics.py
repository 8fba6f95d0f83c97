"""Comments and analytics: off unless configured, so nothing loads from another host; when on, the
provider's own snippet, loaded from its host only (comments: on click or scroll), and the config
checked like the rest of it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import DEFAULT_CONFIG

Cli = Callable[..., tuple[int, str, str]]

SITE = """\
-- content/posts/alpha.md --
---
title: Alpha
date: 2024-01-01
mastodon: https://fosstodon.org/@robin/111222333
---
Alpha links to [an outside page](https://example.com/x) and shows ![a picture](https://img.example.net/p.png).
-- content/posts/beta.md --
---
title: Beta
date: 2024-01-02
---
Beta.
-- content/posts/quiet.md --
---
title: Quiet
date: 2024-01-03
comments: false
---
No comments here.
-- content/pages/about.md --
---
title: About
---
About.
"""

GISCUS = """
[comments]
provider = "giscus"
repo = "robin/notes"
repo_id = "R_kgDOabc"
category = "Comments"
category_id = "DIC_kwDOabc"
mastodon = "robin@fosstodon.org"
[analytics]
provider = "plausible"
"""

# What makes a browser fetch from a host: scripts, styles, frames, media; not plain links.
_LOADS = re.compile(r'<(?:script|iframe|link|img|source|video|audio|embed|object)\b[^>]*?\s(?:src|href|data|srcset)="([^"]+)"')


def _loaded_hosts(out: Path) -> set[str]:
    hosts: set[str] = set()
    for page in out.rglob("*.html"):
        text = page.read_text()
        for m in _LOADS.finditer(text):
            tag = text[m.start():m.end()]
            if tag.startswith("<link") and not re.search(r'rel="(?:stylesheet|preload|preconnect|modulepreload|icon)"', tag):
                continue  # canonical and alternate links are addresses, not loads
            host = urlsplit(m.group(1)).hostname
            if host:
                hosts.add(host)
    return hosts


def test_off_by_default_nothing_loads_from_another_host(site: Callable[..., Path], cli: Cli) -> None:
    root = site(SITE)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    out = root / "output"
    # The one foreign load is the author's own image in a post, which blogen passes through as written.
    assert _loaded_hosts(out) == {"img.example.net"}
    for page in out.rglob("*.html"):
        text = page.read_text()
        assert "data-comments" not in text and "plausible" not in text and "goatcounter" not in text, page
    assert not list(out.glob("comments.*.js"))


def test_giscus_mastodon_and_plausible_when_configured(site: Callable[..., Path], cli: Cli) -> None:
    root = site(SITE, config=DEFAULT_CONFIG + GISCUS)
    code, _, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    out = root / "output"
    alpha = (out / "posts/alpha/index.html").read_text()
    # analytics: Plausible's script, deferred, for the base_url's host
    assert '<script defer data-domain="example.org" src="https://plausible.io/js/script.js"></script>' in alpha
    # comments: nothing from giscus.app until the reader asks: its script is only named in data- attributes
    assert 'data-src="https://giscus.app/client.js"' in alpha and '<script src="https://giscus.app' not in alpha
    for attr in ('data-attr-data-repo="robin/notes"', 'data-attr-data-repo-id="R_kgDOabc"', 'data-attr-data-category="Comments"',
                 'data-attr-data-category-id="DIC_kwDOabc"', 'data-attr-data-mapping="pathname"', 'data-attr-data-lang="en"',
                 'data-attr-data-theme="preferred_color_scheme"', 'data-load="click"'):
        assert attr in alpha
    assert '<a href="https://github.com/robin/notes/discussions">' in alpha  # where they are without JavaScript
    assert re.search(r'<script src="\.\./\.\./comments\.[0-9a-f]+\.js" defer></script>', alpha)
    # Mastodon: the post's own toot; other posts point at the account
    assert '<a href="https://fosstodon.org/@robin/111222333">Discuss this post on Mastodon</a>' in alpha
    beta = (out / "posts/beta/index.html").read_text()
    assert '<a href="https://fosstodon.org/@robin">@robin@fosstodon.org</a>' in beta
    quiet = (out / "posts/quiet/index.html").read_text()
    assert "data-comments" not in quiet and "Mastodon" not in quiet and "plausible.io" in quiet
    assert "data-comments" not in (out / "about/index.html").read_text()
    assert _loaded_hosts(out) == {"img.example.net", "plausible.io"}


def test_utterances_loading_on_scroll_and_goatcounter(site: Callable[..., Path], cli: Cli) -> None:
    root = site(SITE, config=DEFAULT_CONFIG + '[comments]\nprovider = "utterances"\nrepo = "robin/notes"\nlabel = "comment"\n'
                'load = "scroll"\n[analytics]\nprovider = "goatcounter"\ncode = "robin"\n')
    code, _, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    beta = (root / "output/posts/beta/index.html").read_text()
    assert '<script async data-goatcounter="https://robin.goatcounter.com/count" src="https://gc.zgo.at/count.js"></script>' in beta
    assert 'data-load="scroll" data-src="https://utteranc.es/client.js" data-attr-repo="robin/notes" ' \
           'data-attr-issue-term="pathname" data-attr-label="comment" data-attr-theme="preferred-color-scheme"' in beta
    assert '<a href="https://github.com/robin/notes/issues">GitHub issues</a>' in beta
    assert "Mastodon" not in beta


@pytest.mark.parametrize(("config", "message"), [
    ('[comments]\nprovider = "disqus"\n', "config key 'comments.provider' must be \"giscus\" or \"utterances\", not 'disqus'"),
    ('[comments]\nprovider = "giscus"\nrepo = "robin/notes"\n', "[comments] with provider = \"giscus\" needs 'repo_id'"),
    ('[comments]\nprovider = "utterances"\nrepo = "not a repo"\n', "config key 'comments.repo' must be a GitHub repository"),
    ('[comments]\nprovider = "utterances"\nrepo = "a/b"\ncategory = "x"\n', "config key 'comments.category' is for giscus, not utterances"),
    ('[comments]\nrepo = "a/b"\n', "config key 'comments.repo' needs provider"),
    ('[comments]\nmastodon = "robin"\n', "config key 'comments.mastodon' must be a Mastodon account as \"@user@host\""),
    ('[comments]\nlaod = "click"\n', "unknown config key 'comments.laod' (did you mean 'load'?)"),
    ('[analytics]\nprovider = "goatcounter"\n', "needs 'code'"),
    ('[analytics]\nprovider = "plausible"\nscript = "http://plausible.example/js"\n', "must be an https:// URL"),
    ('[analytics]\ndomain = "example.org"\n', "config key 'analytics.domain' needs provider"),
])
def test_bad_config_is_reported_with_its_line(site: Callable[..., Path], cli: Cli, config: str, message: str) -> None:
    root = site(SITE, config=DEFAULT_CONFIG + config)
    code, _, err = cli("build", "--root", str(root))
    assert code == 1
    assert message in err
    assert re.search(r"blogen\.toml:\d+: ", err), err


def test_a_mastodon_link_that_is_not_a_url_is_an_error(site: Callable[..., Path], cli: Cli) -> None:
    root = site(SITE.replace("https://fosstodon.org/@robin/111222333", "not a url"))
    code, _, err = cli("build", "--root", str(root))
    assert code == 1
    assert "content/posts/alpha.md:4: front matter 'mastodon' must be the https:// URL of the post's toot" in err
