"""A diagram program's SVG made fit to sit inside a page: safe, accessible, unique in its ids, and readable in both schemes.

What Graphviz and mermaid write is a standalone file; inline in a page it must change:

- **Safe**: no scripts, event handlers, ``<image>`` (a file reference from the build machine),
  and no links other than ``http(s):`` and ``mailto:`` (a link is unwrapped, its text kept).
- **Accessible**: the root is ``role="img"`` with an ``aria-label`` (the fence's ``title=``, or a
  title the diagram gives itself, e.g. mermaid's ``accTitle``); the tooltips Graphviz gives every
  node and edge (``<title>a->b</title>``) go, since a screen reader hears the label instead.
- **Unique ids**: two diagrams on one page (or two posts' summaries on the home page) must not
  share ``node1`` or ``my-svg``. Ids nothing refers to are dropped; the others get ``prefix``.
- **Both schemes** (Graphviz): its default black (``stroke="black"``, text without a colour) becomes
  ``currentColor``, so lines and labels take the page's text colour in light and dark alike;
  colours the author chose stay, and text inside a shape the author filled stays black, so it
  keeps its contrast on that fill. (mermaid's colours live in its stylesheet; the theme inverts a
  mermaid diagram in the dark scheme instead.)

The SVG is parsed as XML (the programs write well-formed XML) and written back by hand, with the
element and attribute names HTML expects (``xlink:href``, no namespace declarations).
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError, fromstring

_SVG = "{http://www.w3.org/2000/svg}"
_XLINK = "{http://www.w3.org/1999/xlink}"
_XML = "{http://www.w3.org/XML/1998/namespace}"
_DROP = frozenset({"script", "image", "title", "desc", "metadata", "iframe", "embed", "object", "handler", "listener"})
_DARK = frozenset({"black", "#000", "#000000"})
_UNFILLED = frozenset({"none", "transparent", "", "black", "#000", "#000000"})
_SHAPES = frozenset({"polygon", "ellipse", "path", "rect", "circle", "polyline"})
_REF_RE = re.compile(r"url\(\s*['\"]?#([^)'\"\s]+)['\"]?\s*\)")
_CSS_ID_RE = re.compile(r"#([A-Za-z_][\w-]*)")
_SAFE_LINK_RE = re.compile(r"(?:https?:|mailto:)", re.IGNORECASE)
_PROLOG_RE = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>[]*(?:\[[^\]]*\])?\s*>", re.IGNORECASE)
_TEXTUAL = frozenset({"text", "tspan", "textPath", "style"})  # where spaces are part of what is shown
_ROOT_ATTRS = frozenset({"viewBox", "width", "height", "preserveAspectRatio", "style", "class"})


class SVGError(ValueError):
    """What a program wrote is not an SVG that can be shown."""


def clean_svg(raw: str, *, prefix: str, label: str, recolor: bool) -> str:
    """``raw`` (one program's SVG file) as an inline ``<svg role="img">``; see the module docstring.

    ``label`` names the diagram when it does not name itself; ``prefix`` makes its ids unique on a page.
    """
    try:
        root = fromstring(_PROLOG_RE.sub("", raw))
    except ParseError as exc:
        raise SVGError(f"the SVG cannot be read ({exc})") from None
    if _local(root.tag) != "svg":
        raise SVGError("the output is not an SVG")
    own = _own_title(root)
    ids = _referenced_ids(root)
    if recolor:
        _recolor(root, filled=False)
    attrs = {name: value for name, value in root.attrib.items() if name in _ROOT_ATTRS}
    width = attrs.get("width", "")
    if width.endswith("%"):  # mermaid's width="100%" with a max-width: the theme makes every diagram fit its column
        del attrs["width"]
    if root.get("id") in ids:  # mermaid's stylesheet is scoped to its root's id
        attrs = {"id": prefix + root.get("id", ""), **attrs}
    head = "".join(f' {name}="{_attr(value)}"' for name, value in attrs.items())
    body = "".join(_xml(child, ids, prefix) + _text(_meant(child.tail)) for child in root)
    return f'<svg role="img" aria-label="{_attr(label or own or "Diagram")}"{head}>{body}</svg>'


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _own_title(root: Element) -> str:
    """A title the diagram gives itself as the root's first ``<title>`` (mermaid's ``accTitle``), else ``""``."""
    for child in root:
        if _local(child.tag) == "title":
            return " ".join((child.text or "").split())
    return ""


def _referenced_ids(root: Element) -> set[str]:
    """The ids something in the SVG refers to: ``url(#id)``, ``href="#id"``, ``#id`` in a stylesheet."""
    refs: set[str] = set()
    for element in root.iter():
        for name, value in element.attrib.items():
            refs.update(_REF_RE.findall(value))
            if _local(name) == "href" and value.startswith("#"):
                refs.add(value[1:])
        if _local(element.tag) == "style" and element.text:
            refs.update(_CSS_ID_RE.findall(element.text))
    present = {element.get("id") for element in root.iter()}
    return {ref for ref in refs if ref in present}


def _recolor(element: Element, filled: bool) -> None:
    """Graphviz's default black as ``currentColor`` (see the module docstring); ``filled``: inside a shape with a fill."""
    tag = _local(element.tag)
    if tag == "g" and not filled:
        filled = any(_local(c.tag) in _SHAPES and c.get("fill", "none").lower() not in _UNFILLED for c in element.iter())
    for name in ("stroke", "fill"):
        value = element.get(name)
        if value is not None and value.lower() in _DARK and not (tag == "text" and filled):
            element.set(name, "currentColor")
    if tag == "text" and element.get("fill") is None and not filled:
        element.set("fill", "currentColor")
    for child in element:
        _recolor(child, filled)


def _xml(element: Element, ids: set[str], prefix: str) -> str:
    tag = _local(element.tag)
    if tag in _DROP or not isinstance(element.tag, str):
        return ""
    if tag == "a":
        href = element.get(f"{_XLINK}href") or element.get("href") or ""
        if not _SAFE_LINK_RE.match(href.strip()):  # unwrap: the drawing stays, the link goes
            return _text(element.text) + "".join(_xml(c, ids, prefix) + _text(c.tail) for c in element)
    attrs = []
    for name, value in element.attrib.items():
        local = _local(name)
        if local.lower().startswith("on") or local == "title":
            continue
        if local == "id":
            if value not in ids:
                continue
            value = prefix + value
        elif local == "href":
            if value.startswith("#"):
                value = "#" + prefix + value[1:]
            name = "xlink:href" if name.startswith(_XLINK) else "href"
        elif "url(" in value:
            value = _REF_RE.sub(lambda m: f"url(#{prefix}{m.group(1)})" if m.group(1) in ids else m.group(0), value)
        if name.startswith(_XML):
            name = "xml:" + local
        elif name.startswith("{"):
            continue  # other namespaced attributes (xlink:title, mermaid's own): nothing a reader needs
        attrs.append(f' {name}="{_attr(value)}"')
    text = element.text
    if tag == "style" and text:
        text = _CSS_ID_RE.sub(lambda m: "#" + prefix + m.group(1) if m.group(1) in ids else m.group(0), text)
        text = re.sub(r"@import[^;]*;", "", text)
    if tag in _TEXTUAL:
        inner = _text(text) + "".join(_xml(c, ids, prefix) + _text(c.tail) for c in element)
    else:  # the line ends between elements: nothing a reader sees
        inner = _text(_meant(text)) + "".join(_xml(c, ids, prefix) + _text(_meant(c.tail)) for c in element)
    return f"<{tag}{''.join(attrs)}>{inner}</{tag}>" if inner else f"<{tag}{''.join(attrs)}/>"


def _meant(text: str | None) -> str | None:
    return None if text is None or text.isspace() else text


def _text(text: str | None) -> str:
    if not text:
        return ""
    return text.replace("\0", "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;")
