"""What a long-running process keeps between renders (``RenderMemo``): held by the dev server in memory,
and by a command-line build in its snapshot (``kept``); and how a renderer takes back what it kept
(the template environment, the terms' views, the posts' digests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from blogen.content.theme import theme_dirs
from blogen.model.values import Post, Site
from blogen.render.listing import Listing
from blogen.render.search import SearchMemo
from blogen.render.templates import make_environment
from blogen.render.views import PostView, TermView


@dataclass(slots=True)
class RenderMemo:
    """What a long-running process (``blogen serve``) keeps between renders.

    The template environment, with its compiled templates, while no template file changed;
    and each post's view and digest while the post is the same object and its terms' views are
    equal (the model's memo hands back the same Post when nothing it was made from changed).
    """

    env: dict[tuple[object, ...], jinja2.Environment] = field(default_factory=dict)
    views: dict[str, tuple[Post, object, PostView, tuple[bytes, bytes] | None]] = field(default_factory=dict)
    # source -> (post, base URL, Atom entry content, JSON Feed content_html)
    feeds: dict[str, tuple[Post, str, str | None, str | None]] = field(default_factory=dict)
    tag_views: dict[tuple[str, str], TermView] = field(default_factory=dict)  # (taxonomy, slug) -> view
    search: SearchMemo = field(default_factory=SearchMemo)  # the search index's terms and shard digests
    listing: Listing | None = None  # the last renderer's posts and what it made of them

    def copy(self) -> RenderMemo:
        """A copy a build can bring up to date while this one still describes the last good build."""
        return RenderMemo(dict(self.env), dict(self.views), dict(self.feeds), dict(self.tag_views), self.search.copy(),
                          self.listing)

    def kept(self) -> RenderMemo:
        """What is worth keeping on disk: the posts' views and digests, the search terms (not the compiled templates)."""
        return RenderMemo(views=self.views, tag_views=self.tag_views, search=self.search)

    def environment(self, root: Path, templates: bytes) -> jinja2.Environment:
        """The template environment, kept with its compiled templates while no template file changed
        (``templates``: the digest of the theme's templates)."""
        key = (tuple(str(d) for d in theme_dirs(root)), templates)
        env = self.env.get(key)
        if env is None:
            self.env.clear()
            env = self.env[key] = make_environment(root)
        return env

    def same_term_views(self, terms: dict[str, dict[str, TermView]]) -> bool:
        """Put back into ``terms`` (taxonomy key -> slug -> view) the kept view objects that are equal to
        the new ones, and keep the new ones that are not; whether every view is now the very object of
        the last build (then a post that is the same object has the same term views too)."""
        keys = {(taxonomy, slug) for taxonomy, views in terms.items() for slug in views}
        same = self.tag_views.keys() == keys
        for taxonomy, views in terms.items():
            for slug, view in views.items():
                kept = self.tag_views.get((taxonomy, slug))
                if kept == view:
                    views[slug] = kept
                else:
                    self.tag_views[(taxonomy, slug)] = view
                    same = False
        for gone in [k for k in self.tag_views if k not in keys]:
            del self.tag_views[gone]
        return same

    def digest_keeper(self, site: Site) -> Callable[[int, tuple[bytes, bytes]], None]:
        """What keeps a post's digests with its view in this memo, while the post is the same object.

        A function of the site and the memo, not a method of the renderer: a bound method held by the
        renderer's own ``Fingerprints`` would make a cycle, and the renderer (with every feed entry it
        made) would outlive the build's rendering until a garbage collection happens to run.
        """
        def keep(i: int, digest: tuple[bytes, bytes]) -> None:
            post = site.posts[i]
            hit = self.views.get(post.source)
            if hit is not None and hit[0] is post:
                self.views[post.source] = (hit[0], hit[1], hit[2], digest)
        return keep
