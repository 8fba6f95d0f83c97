"""A Hugo site read the way Hugo reads it: its config, its content tree, what it published and what is left behind.

Hugo publishes every page under ``content/`` (single files and leaf bundles, a folder with an
``index.md`` and its resources), the files of ``static/`` as they are, and of ``assets/`` only
what a template publishes. The import brings pages of the main sections (``params.mainSections``,
else the section with the most pages) as posts, other dated pages as posts and undated ones as
pages, ``static/`` and the ``assets/`` files the content names into ``content/static/``, and
lists what it leaves: list pages (``_index.md``), headless bundles, other languages, templates,
data and the old theme.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from typing import Any

import yaml

from blogen.content.frontmatter import KNOWN_KEYS, TERM_KEYS
from blogen.core.errors import BlogenError
from blogen.importers.sourcefs import Listed, SourceTree, read_text
from blogen.importers.values import Finding, OldDoc, OldSite, SiteSettings, StaticFile

CONTENT_EXTS = frozenset({"md", "markdown", "mdown", "html", "htm"})
OTHER_FORMATS = frozenset({"org", "adoc", "asciidoc", "ad", "rst", "pandoc", "pdc", "mmark"})
_CONFIG_NAMES = ("hugo", "config")
_CONFIG_EXTS = ("toml", "yaml", "yml", "json")
_FOLDER_REASONS = {
    "layouts": "templates of the old site (blogen's theme, or yours in theme/templates/, replaces them)",
    "themes": "the old theme (its templates, styles and static files)",
    "data": "data files the old templates read (blogen's templates cannot read them)",
    "i18n": "translations of the old theme's texts",
}
_PATHISH = re.compile(r"[\w@~+%./-]+\.[A-Za-z0-9]{1,5}")


def _parse(text: str, ext: str, shown: str) -> dict[str, Any]:
    try:
        if ext == "toml":
            data: Any = tomllib.loads(text)
        elif ext == "json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # a safe loader
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise BlogenError.one(shown, None, f"cannot read the Hugo config: {exc}") from None
    return data if isinstance(data, dict) else {}


def _lower_keys(value: Any) -> Any:
    """Hugo's config keys are case-insensitive: compare them lower-cased."""
    if isinstance(value, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    return value


def read_config(tree: SourceTree) -> dict[str, Any] | None:
    """The site's merged config (keys lower-cased), or None if ``tree`` has no Hugo config at all."""
    config: dict[str, Any] = {}
    found = False
    for name in _CONFIG_NAMES:
        for ext in _CONFIG_EXTS:
            listed = tree.file(f"{name}.{ext}")
            if listed is not None:
                config.update(_lower_keys(_parse(read_text(listed.path, tree.show(listed.rel), tree.root), ext, tree.show(listed.rel))))
                found = True
                break
        if found:
            break
    if tree.is_dir("config/_default"):
        for listed in tree.walk("config/_default"):
            stem, _, ext = listed.rel.rsplit("/", 1)[-1].rpartition(".")
            if ext not in _CONFIG_EXTS:
                continue
            data = _lower_keys(_parse(read_text(listed.path, tree.show(listed.rel), tree.root), ext, tree.show(listed.rel)))
            path = stem.lower().split(".")  # languages.en.toml is [languages.en]
            if path[0] in _CONFIG_NAMES:
                config.update(data)
                continue
            node = config
            for part in path[:-1]:
                node = node.setdefault(part, {}) if isinstance(node.get(part), dict) or part not in node else {}
            if isinstance(node.get(path[-1]), dict):
                node[path[-1]].update(data)
            else:
                node[path[-1]] = data
            found = True
    return config if found else None


def _ext(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def _stem(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


def _language_of(stem: str, languages: frozenset[str]) -> str | None:
    """``post.fr`` -> ``fr`` when fr is one of the site's languages."""
    if "." in stem and stem.rsplit(".", 1)[1].lower() in languages:
        return stem.rsplit(".", 1)[1].lower()
    return None


def table(config: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A table of the config (``params``, ``markup``...), empty when missing or not a table."""
    value = config.get(key)
    return value if isinstance(value, dict) else {}


def _content_dir(config: Mapping[str, Any]) -> tuple[str, frozenset[str], str]:
    """The content folder of the default language, the site's other languages, and the default language."""
    default = str(config.get("defaultcontentlanguage") or "en").lower()
    languages = table(config, "languages")
    content = str(config.get("contentdir") or "content").strip("/")
    lang_conf = table(languages, default)
    if isinstance(lang_conf.get("contentdir"), str):
        content = str(lang_conf["contentdir"]).strip("/")
    return content, frozenset(str(k).lower() for k in languages if str(k).lower() != default), default


def _static_dirs(config: Mapping[str, Any]) -> list[str]:
    raw = config.get("staticdir", "static")
    dirs = raw if isinstance(raw, list) else [raw]
    return [str(d).strip("/") for d in dirs if isinstance(d, str) and d.strip("/")]


class _Reader:
    def __init__(self, tree: SourceTree, config: Mapping[str, Any]) -> None:
        self.tree = tree
        self.config = config
        self.content, self.other_languages, self.language = _content_dir(config)
        self.docs: list[OldDoc] = []
        self.static: list[StaticFile] = []
        self.left: list[Finding] = []

    def leave(self, what: str, reason: str) -> None:
        self.left.append(Finding(what, None, "not-imported", reason))

    def content_tree(self) -> None:
        if not self.tree.is_dir(self.content):
            raise BlogenError.one(self.tree.show(self.content), None, "no content folder here: is this a Hugo site?")
        files = self.tree.walk(self.content)
        prefix = self.content + "/"
        rels = [f.rel[len(prefix):] for f in files]
        folders_with_index = {r.rsplit("/", 1)[0] if "/" in r else "" for r in rels
                              if _stem(r).split(".")[0] == "index" and _ext(r) in CONTENT_EXTS}
        bundles = sorted(f for f in folders_with_index if f)
        for listed, rel in zip(files, rels, strict=True):
            bundle = next((b for b in bundles if rel.startswith(b + "/")), None)
            if bundle is not None:
                if _stem(rel).split(".")[0] == "index" and rel.rsplit("/", 1)[0] == bundle:
                    self.bundle(listed, rel, bundle, [(f, r) for f, r in zip(files, rels, strict=True)
                                                      if r.startswith(bundle + "/") and not self.is_index(r, bundle)])
                continue
            self.file(listed, rel)

    def is_index(self, rel: str, bundle: str) -> bool:
        """Whether ``rel`` is one of the bundle's index files (``index.md``, ``index.fr.md``)."""
        return rel.rsplit("/", 1)[0] == bundle and _stem(rel).split(".")[0] == "index" and _ext(rel) in CONTENT_EXTS

    def bundle(self, listed: Listed, rel: str, bundle: str, members: list[tuple[Listed, str]]) -> None:
        lang = _language_of(_stem(rel), self.other_languages)
        if lang is not None or (_stem(rel) != "index" and _language_of(_stem(rel), frozenset({self.language})) is None):
            self.leave(self.tree.show(listed.rel), f"the '{lang or _stem(rel).split('.', 1)[-1]}' translation; "
                                                   "a blogen site has one language")
            return
        sections = tuple(bundle.split("/")[:-1])
        assets = tuple((f.path, r[len(bundle) + 1:]) for f, r in members)
        self.docs.append(OldDoc("post", listed.path, listed.rel, self.tree.show(listed.rel), bundle.rsplit("/", 1)[-1],
                                sections[1:], "html" if _ext(rel) in ("html", "htm") else "markdown", bundle=listed.path.parent,
                                assets=assets, mtime=listed.mtime, group="/".join(sections)))

    def file(self, listed: Listed, rel: str) -> None:
        ext, stem = _ext(rel), _stem(rel)
        sections = tuple(rel.split("/")[:-1])
        if ext in CONTENT_EXTS or ext in OTHER_FORMATS:
            lang = _language_of(stem, self.other_languages)
            if lang is not None:
                self.leave(self.tree.show(listed.rel), f"the '{lang}' translation; a blogen site has one language")
            elif stem.split(".")[0] == "_index":
                self.leave(self.tree.show(listed.rel), "a section's list page; blogen makes its own lists (home, tags, archive)")
            elif ext in OTHER_FORMATS:
                self.leave(self.tree.show(listed.rel), f"a .{ext} page: blogen reads Markdown only; convert it by hand")
            else:
                self.docs.append(OldDoc("post", listed.path, listed.rel, self.tree.show(listed.rel), stem.split(".")[0]
                                        if _language_of(stem, frozenset({self.language})) else stem, sections[1:],
                                        "html" if ext in ("html", "htm") else "markdown", mtime=listed.mtime,
                                        group="/".join(sections)))
            return
        self.static.append(StaticFile(listed.path, self.tree.show(listed.rel), rel, listed.rel))

    def statics(self) -> None:
        for folder in _static_dirs(self.config):
            if not self.tree.is_dir(folder):
                continue
            for listed in self.tree.walk(folder):
                target = listed.rel[len(folder) + 1:]
                if any(p.startswith(".") for p in target.split("/")):
                    self.leave(self.tree.show(listed.rel), "a dotfile: blogen does not publish files whose names start with '.'")
                else:
                    self.static.append(StaticFile(listed.path, self.tree.show(listed.rel), target, listed.rel))

    def assets(self, texts: list[str]) -> None:
        """The files of ``assets/`` that some page names (Hugo published those through a template); the rest is listed."""
        if not self.tree.is_dir("assets"):
            return
        named = {m.group(0).lstrip("./") for text in texts for m in _PATHISH.finditer(text)}
        have = {s.target for s in self.static}
        unused = 0
        for listed in self.tree.walk("assets"):
            target = listed.rel[len("assets/"):]
            if target in named and target not in have:
                self.static.append(StaticFile(listed.path, self.tree.show(listed.rel), target, listed.rel))
            else:
                unused += 1
        if unused:
            self.leave(f"{self.tree.show('assets')}/ ({unused} files)",
                       "assets the old theme processed (Sass, scripts, images its templates used); no page names them")

    def others(self) -> None:
        for folder, reason in _FOLDER_REASONS.items():
            if self.tree.is_dir(folder):
                count = len(self.tree.walk(folder))
                if count:
                    self.leave(f"{self.tree.show(folder)}/ ({count} files)", reason)
        for lang in sorted(self.other_languages):
            other = table(table(self.config, "languages"), lang).get("contentdir")
            if isinstance(other, str) and self.tree.is_dir(other.strip("/")):
                self.leave(f"{self.tree.show(other.strip('/'))}/", f"the '{lang}' content; a blogen site has one language")


def _doc_texts(tree: SourceTree, docs: list[OldDoc]) -> list[str]:
    texts: list[str] = []
    for doc in docs:
        try:
            texts.append(read_text(doc.path, doc.shown, tree.root))
        except BlogenError:
            continue
    return texts


def settings_of(config: Mapping[str, Any]) -> SiteSettings:
    default = str(config.get("defaultcontentlanguage") or "en").lower()
    language = table(table(config, "languages"), default)
    config = {**config, **{k: v for k, v in language.items() if k in ("title", "params", "languagecode") and k not in config}}
    params = table(config, "params")
    author = params.get("author") or config.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    base = config.get("baseurl")
    base_url = (str(base).rstrip("/") + "/") if isinstance(base, str) and base.startswith(("http://", "https://")) else None
    markup = table(config, "markup")
    parser = table(table(markup, "goldmark"), "parser")
    id_type = str(parser.get("autoheadingidtype") or "github")
    handler = str(markup.get("defaultmarkdownhandler") or "goldmark")
    why = f"Hugo's {handler} made {id_type if handler == 'goldmark' else 'its own'} heading ids; GitHub's style is the closest"
    lang = config.get("languagecode") or config.get("defaultcontentlanguage")
    description = params.get("description") or config.get("description")
    own = [str(v) for v in table(config, "taxonomies").values() if isinstance(v, str)]
    taxonomies = tuple(sorted({t for t in own if re.fullmatch(r"[a-z][a-z0-9_]*", t) and t not in TERM_KEYS
                               and t not in KNOWN_KEYS}))
    return SiteSettings(
        title=str(config["title"]) if isinstance(config.get("title"), str) else None,
        description=" ".join(str(description).split()) if isinstance(description, str) else None,
        author=str(author) if isinstance(author, str) else None, base_url=base_url,
        language=_language_tag(str(lang)) if isinstance(lang, str) else None,
        timezone=str(config["timezone"]) if isinstance(config.get("timezone"), str) else None,
        heading_ids="github", heading_ids_reason=why, taxonomies=taxonomies)


def _language_tag(lang: str) -> str:
    parts = lang.replace("_", "-").split("-")
    return "-".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])


def main_sections(config: Mapping[str, Any], docs: list[OldDoc]) -> frozenset[str]:
    """The sections whose pages are the blog's posts: ``params.mainSections``, else the biggest section."""
    named = table(config, "params").get("mainsections")
    if isinstance(named, list) and named:
        return frozenset(str(n) for n in named)
    if isinstance(named, str) and named:
        return frozenset({named})
    counts: dict[str, int] = {}
    for doc in docs:
        top = doc.group.split("/", 1)[0]
        if top:
            counts[top] = counts.get(top, 0) + 1
    return frozenset({max(counts, key=lambda k: (counts[k], k))}) if counts else frozenset()


def find_site(tree: SourceTree) -> OldSite:
    """Everything the Hugo site at ``tree`` published, sorted into what becomes what (see the module's note)."""
    config = read_config(tree)
    if config is None:
        raise BlogenError.one(tree.shown, None, "no hugo.toml, config.toml (or .yaml/.json) or config/_default/ here: "
                                                "pass the Hugo site's folder")
    reader = _Reader(tree, config)
    reader.content_tree()
    reader.statics()
    reader.assets(_doc_texts(tree, reader.docs))
    reader.others()
    mains = main_sections(config, reader.docs)
    return OldSite("hugo", tree.root, tuple(reader.docs), tuple(reader.static), tuple(reader.left), settings_of(config),
                   {"config": config, "content": reader.content, "main_sections": mains})


def is_hugo_site(tree: SourceTree) -> bool:
    try:
        return read_config(tree) is not None
    except BlogenError:
        return True

