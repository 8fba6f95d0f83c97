"""Where a broken link found in a finished page comes from: the post or page whose own text holds it,
else the template that writes it; so its message names the file to fix (not one the site does not have)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

import jinja2

from blogen.model.values import Route, Site
from blogen.render.templates import template_path


def text_holding(site: Site, index: Mapping[str, int], route: Route, quoted: str) -> str | None:
    """The post or page whose own HTML holds ``quoted`` (an attribute value): the one the route shows,
    else a post whose summary a listing shows; None when the link comes from a template."""
    if route.kind == "post" and route.item is not None and route.item in index:
        return route.item if quoted in site.posts[index[route.item]].html else None
    if route.kind == "page":
        return route.item if any(quoted in p.html for p in site.pages if p.source == route.item) else None
    return next((p.source for p in site.posts if quoted in p.summary_html), None)


def template_holding(env: jinja2.Environment, route: Route, target: str, root: Path, base_path: str) -> str:
    """The template a broken link comes from, as problems name it: the one whose text holds it (the site's
    own first, then the route's own, then any), else the one the route is drawn with."""
    names = [route.template or ""]
    with contextlib.suppress(TypeError):  # a loader that cannot list its templates
        names += [n for n in env.list_templates() if n not in names]
    written = target.removeprefix(base_path.rstrip("/"))
    for name in names:
        try:
            source, filename, _ = env.loader.get_source(env, name) if env.loader else ("", None, None)
        except jinja2.TemplateNotFound:
            continue
        if filename and written in source:
            return template_path(filename, root)
    try:
        filename = env.get_template(route.template or "").filename
    except jinja2.TemplateError:
        filename = None
    return template_path(filename, root) if filename else f"theme/templates/{route.template}"
