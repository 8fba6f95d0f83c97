"""What a long-running process keeps between renders (``RenderMemo``): held by the dev server in memory,
and by a command-line build in its snapshot (``kept``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import jinja2

from blogen.model.values import Post
from blogen.render.listing import Listing
from blogen.render.search import SearchMemo
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
