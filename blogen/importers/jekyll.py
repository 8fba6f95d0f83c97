"""A Jekyll site read the way Jekyll reads it: what it published, and why the rest is not brought over.

Jekyll publishes posts (``_posts/``, also below a category folder), the documents of collections
with ``output: true``, every other file with front matter as a page, and every other file that
is not ``_``-prefixed, a dotfile or excluded in ``_config.yml`` as it is (images, downloads,
``CNAME``, the favicon). So does the import: posts and collection documents become posts (or
pages, for a collection without dates), pages become pages, the other files go to
``content/static/`` at the same URLs. Templates, data, Sass and plugins are listed as not
brought over, with the reason; so is a page Jekyll made from site data (the home page, a tag
index, a feed), because blogen makes its own.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import Any

import yaml

from blogen.core.errors import BlogenError
from blogen.importers.fields import split_front
from blogen.importers.sourcefs import Listed, SourceTree, read_head, read_text
from blogen.importers.values import Finding, Format, OldDoc, OldSite, SiteSettings, StaticFile

MARKDOWN_EXTS = frozenset({"md", "markdown", "mkd", "mkdn", "mdown", "mdwn", "mkdown", "ron"})
HTML_EXTS = frozenset({"html", "htm"})
_DATED = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-(.+)$")
_DEFAULT_EXCLUDE = (".sass-cache", ".jekyll-cache", "gemfiles", "Gemfile", "Gemfile.lock", "node_modules",
                    "vendor/bundle", "vendor/cache", "vendor/gems", "vendor/ruby")
_LISTING = re.compile(r"\{%-?\s*(?:for|tablerow)\b")
_FOLDER_REASONS = {
    "_layouts": "layouts of the old theme (blogen's theme, or yours in theme/templates/, replaces them)",
    "_includes": "template snippets of the old theme (an include a post uses becomes a shortcode; see the list of templates to make)",
    "_sass": "Sass sources of the old theme's styles",
    "_data": "data files the old templates read (blogen's templates cannot read them)",
    "_plugins": "Ruby plugins (blogen does not run them; what they did in posts is listed per post)",
    "_site": "Jekyll's own output folder",
    "_drafts": "",
}


def _load_yaml(tree: SourceTree, rel: str) -> dict[str, Any]:
    listed = tree.file(rel)
    if listed is None:
        return {}
    text = read_text(listed.path, tree.show(rel), tree.root)
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BlogenError.one(tree.show(rel), mark.line + 1 if mark else None, f"cannot read the Jekyll config: {exc}") from None
    return data if isinstance(data, dict) else {}


def read_config(tree: SourceTree) -> dict[str, Any]:
    """``_config.yml`` (or ``_config.yaml``) of the site, or an empty config."""
    for name in ("_config.yml", "_config.yaml"):
        if tree.file(name) is not None:
            return _load_yaml(tree, name)
    return {}


def is_jekyll_site(tree: SourceTree) -> bool:
    return any(tree.file(n) is not None for n in ("_config.yml", "_config.yaml")) or tree.is_dir("_posts")


def collections_of(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The configured collections (label -> metadata), as a map whether the config wrote a list or a map."""
    raw = config.get("collections")
    if isinstance(raw, list):
        return {str(label): {} for label in raw}
    if isinstance(raw, dict):
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in raw.items()}
    return {}


def _patterns(value: Any) -> list[str]:
    """A config list of paths (``exclude``, ``include``); a single string is one path."""
    if isinstance(value, str):
        return [value]
    return [str(e) for e in value] if isinstance(value, list) else []


def _excluded(rel: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        p = pattern.strip("/")
        if not p:
            continue
        if rel == p or rel.startswith(p + "/") or fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(rel, p + "/*"):
            return True
    return False


def _has_front_matter(tree: SourceTree, listed: Listed) -> bool:
    """Whether Jekyll would process the file (it opens with ``---``) rather than copy it."""
    try:
        head = read_head(listed.path, tree.show(listed.rel), tree.root, 64)
    except BlogenError:
        return False
    return re.match(rb"---[ \t]*\r?\n", head) is not None


def _ext(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[1].lower() if "." in name.lstrip(".") else ""


class _Reader:
    """One pass over the site's files, sorting each into posts, documents, pages, static files or not brought over."""

    def __init__(self, tree: SourceTree, config: Mapping[str, Any]) -> None:
        self.tree = tree
        self.config = config
        self.collections = collections_of(config)
        self.cdir = str(config.get("collections_dir") or "").strip("/")
        self.exclude = _patterns(config.get("exclude")) + list(_DEFAULT_EXCLUDE)
        self.include = _patterns(config.get("include"))
        self.docs: list[OldDoc] = []
        self.static: list[StaticFile] = []
        self.left: dict[str, list[str]] = {}  # reason -> files not brought over

    def leave(self, rel: str, reason: str) -> None:
        self.left.setdefault(reason, []).append(rel)

    def doc(self, listed: Listed, kind: str, group: str, within: str, *, draft: bool = False,
            categories: tuple[str, ...] = ()) -> None:
        name = listed.rel.rsplit("/", 1)[-1]
        stem = name.rsplit(".", 1)[0] if "." in name else name
        folders = tuple(p for p in within.split("/")[:-1] if p)
        fmt: Format = "html" if _ext(listed.rel) in HTML_EXTS else "markdown"
        self.docs.append(OldDoc("post" if kind == "post" else "page", listed.path, listed.rel, self.tree.show(listed.rel),
                                stem, folders, fmt, draft=draft, mtime=listed.mtime, group=group, categories=categories))

    def place(self, listed: Listed) -> None:
        rel = listed.rel
        parts = rel.split("/")
        special = next((i for i, p in enumerate(parts[:-1]) if p in ("_posts", "_drafts")), None)
        if special is not None and not any(p.startswith(("_", ".")) for p in parts[:special]):
            self.post(listed, parts, special)
            return
        inner = rel[len(self.cdir) + 1:] if self.cdir and rel.startswith(self.cdir + "/") else rel
        top = inner.split("/", 1)[0]
        if top.startswith("_") and top[1:] in self.collections and "/" in inner:
            self.collection_file(listed, top[1:], inner.split("/", 1)[1])
            return
        hidden = any(p.startswith(("_", ".", "#")) or p.endswith("~") for p in parts)
        if hidden and not _excluded(rel, self.include):
            self.hidden(rel, parts)
            return
        if any(p.startswith(".") for p in parts):
            self.leave(rel, "a dotfile: blogen does not publish files whose names start with '.'")
            return
        if _excluded(rel, self.exclude) and not _excluded(rel, self.include):
            self.leave(rel, "excluded in _config.yml (Jekyll did not publish it)")
            return
        self.page_or_static(listed)

    def post(self, listed: Listed, parts: list[str], special: int) -> None:
        ext = _ext(listed.rel)
        draft = parts[special] == "_drafts"
        if ext in MARKDOWN_EXTS or ext in HTML_EXTS:
            within = "/".join(parts[special + 1:])
            self.doc(listed, "post", "posts", within, draft=draft, categories=tuple(parts[:special]))
        elif _DATED.match(parts[-1]) and _has_front_matter(self.tree, listed):
            self.leave(listed.rel, f"a post in a format blogen cannot read (.{ext})")
        else:
            self.static.append(StaticFile(listed.path, self.tree.show(listed.rel), listed.rel, listed.rel))

    def collection_file(self, listed: Listed, label: str, within: str) -> None:
        meta = self.collections[label]
        if not meta.get("output"):
            self.leave(listed.rel, f"in collection '{label}', which Jekyll does not publish (no 'output: true')")
            return
        ext = _ext(listed.rel)
        if (ext in MARKDOWN_EXTS or ext in HTML_EXTS) and _has_front_matter(self.tree, listed):
            self.doc(listed, "doc", label, within)
        else:
            self.static.append(StaticFile(listed.path, self.tree.show(listed.rel), f"{label}/{within}", listed.rel))

    def hidden(self, rel: str, parts: list[str]) -> None:
        top = parts[0]
        if rel in ("_config.yml", "_config.yaml", "_config.toml"):
            self.leave(rel, "the Jekyll config (what maps was carried into blogen.toml)")
        elif _FOLDER_REASONS.get(top):
            self.leave(rel, _FOLDER_REASONS[top])
        elif top.startswith("_"):
            self.leave(rel, "a '_' file or folder, which Jekyll does not publish")
        else:
            self.leave(rel, "a dotfile or editor backup, which Jekyll does not publish")

    def page_or_static(self, listed: Listed) -> None:
        rel = listed.rel
        ext = _ext(rel)
        if not _has_front_matter(self.tree, listed):
            self.static.append(StaticFile(listed.path, self.tree.show(rel), rel, rel))
            return
        if ext in ("scss", "sass"):
            self.leave(rel, "Sass source of the old theme's styles")
        elif ext not in MARKDOWN_EXTS and ext not in HTML_EXTS:
            self.leave(rel, "a file Jekyll filled in with Liquid (a feed, sitemap, stylesheet or script); blogen makes its own "
                       "feeds and sitemap, and for anything else its output in the old _site/ can go into content/static/")
        elif rel.rsplit("/", 1)[-1].rsplit(".", 1)[0] == "404":
            self.leave(rel, "the old 404 page; blogen makes its own (override theme/templates/404.html)")
        else:
            self.page(listed)

    def page(self, listed: Listed) -> None:
        try:
            text = read_text(listed.path, self.tree.show(listed.rel), self.tree.root)
        except BlogenError:
            self.doc(listed, "page", "pages", listed.rel)  # the read error is reported when it is converted
            return
        findings: list[Finding] = []
        try:
            split = split_front(text, self.tree.show(listed.rel), findings)
        except BlogenError:
            self.doc(listed, "page", "pages", listed.rel)
            return
        layout = split.values.get("layout")
        if listed.rel in ("index.html", "index.md", "index.markdown") or _LISTING.search(split.body):
            self.leave(listed.rel, "a page Jekyll made with a Liquid loop over site data (a post list, tag index, archive); "
                       "blogen makes its own lists")
        elif not split.body.strip():
            self.leave(listed.rel, f"a page with no content of its own (its layout{f' {layout!r}' if isinstance(layout, str) else ''} "
                       "made it from site data); blogen makes its own lists")
        elif isinstance(split.values.get("redirect_to"), str):
            self.leave(listed.rel, f"only a redirect to {split.values['redirect_to']}; blogen has no redirects to other sites")
        else:
            self.doc(listed, "page", "pages", listed.rel)


def _findings(tree: SourceTree, left: dict[str, list[str]]) -> list[Finding]:
    """One finding per reason and top folder (``_layouts/: 6 files``), so a big site's list stays readable."""
    out: list[Finding] = []
    for reason, files in sorted(left.items()):
        by_top: dict[str, list[str]] = {}
        for rel in files:
            top = rel.split("/", 1)[0] + ("/" if "/" in rel else "")
            by_top.setdefault(top, []).append(rel)
        for top, inside in sorted(by_top.items()):
            what = tree.show(inside[0]) if len(inside) == 1 else f"{tree.show(top)} ({len(inside)} files)"
            out.append(Finding(what, None, "not-imported", reason))
    return out


def settings_of(config: Mapping[str, Any], cname: str | None = None) -> SiteSettings:
    """What the Jekyll config says that blogen's config can carry (``url``, else the ``CNAME`` file GitHub Pages used)."""
    url = str(config.get("url") or (f"https://{cname}" if cname else "")).rstrip("/")
    baseurl = str(config.get("baseurl") or "").strip("/")
    base = f"{url}/{baseurl}/" if url.startswith(("http://", "https://")) and baseurl else (url + "/" if url.startswith(("http://", "https://")) else None)
    author = config.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    engine = str(config.get("markdown") or "kramdown").lower()
    kramdown = config.get("kramdown") if isinstance(config.get("kramdown"), dict) else {}
    if engine == "kramdown":
        ids, why = "kramdown", "the Jekyll site used kramdown, whose heading ids old links use"
    else:
        ids, why = "github", f"the Jekyll site used {config.get('markdown')}, which makes GitHub-style heading ids"
    if isinstance(kramdown, dict) and kramdown.get("auto_ids") is False:
        why += " (auto_ids was off: only ids written by hand exist)"
    lang = config.get("lang") or config.get("locale")
    return SiteSettings(
        title=str(config["title"]) if isinstance(config.get("title"), str) else None,
        description=" ".join(str(config["description"]).split()) if isinstance(config.get("description"), str) else None,
        author=str(author) if isinstance(author, str) else None,
        base_url=base, language=str(lang).replace("_", "-") if isinstance(lang, str) else None,
        timezone=str(config["timezone"]) if isinstance(config.get("timezone"), str) else None,
        heading_ids=ids, heading_ids_reason=why,  # type: ignore[arg-type]
    )


def find_site(tree: SourceTree) -> OldSite:
    """Everything the Jekyll site at ``tree`` published, sorted into what becomes what (see the module's note)."""
    config = read_config(tree)
    source = str(config.get("source") or "").strip("/")
    if source and source != "." and tree.is_dir(source):
        raise BlogenError.one(tree.show("_config.yml"), None, f"the site's source is '{source}/': import that folder instead")
    reader = _Reader(tree, config)
    for listed in tree.walk():
        reader.place(listed)
    findings = _findings(tree, reader.left)
    cname_file = tree.file("CNAME")
    cname = read_text(cname_file.path, tree.show("CNAME"), tree.root).strip() if cname_file is not None else None
    if cname and not re.fullmatch(r"[A-Za-z0-9.-]+", cname):
        cname = None
    return OldSite("jekyll", tree.root, tuple(reader.docs), tuple(reader.static), tuple(findings), settings_of(config, cname),
                   {"config": config, "collections": reader.collections})
