"""The ``[taxonomies]`` config table: which ways of grouping posts a site has, their URLs and their terms' names.

A taxonomy is a front-matter key whose values group posts (``tags``, ``categories``, ``series``,
or one the site declares, like ``authors``): each value is a term with its own listing pages and
feeds. Tags are one taxonomy among the others; the older ``tag_names``/``tag_aliases`` keys are
the tags taxonomy's ``names``/``aliases``. This module only reads and checks the table; the model
makes the terms (``blogen.model.terms``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from blogen.core.errors import did_you_mean
from blogen.core.urls import check_slug, slugify

# Built in, in this order, and on unless the site says ``<key> = false``.
BUILTIN = ("tags", "categories", "series")
# Front-matter keys with a meaning of their own: no taxonomy may take one of them.
RESERVED = frozenset({"title", "date", "updated", "summary", "draft", "slug", "aliases", "template", "toc", "image", "extra"})
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_DEFAULT_NAMES = {"tags": ("Tags", "tag"), "categories": ("Categories", "category"), "series": ("Series", "series")}


@dataclass(frozen=True, slots=True)
class TaxonomyOptions:
    """One taxonomy as the site configures it; ``key`` is its front-matter key."""

    key: str
    path: str  # the URL segment: /<path>/ lists the terms, /<path>/<term>/ a term's posts
    title: str  # the whole taxonomy's name, for its index page and the menu ("Categories")
    singular: str  # one term's kind, for headings and messages ("category")
    names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # display spelling per term
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # term folded into another
    feed: bool = True  # an Atom (and JSON) feed per term
    template: str = "term.html"  # a term's pages
    index_template: str = "terms.html"  # the list of terms
    names_key: str = ""  # where the config sets ``names``, for messages

    @property
    def always_listed(self) -> bool:
        """Whether the index page exists with no terms: themes link the tag index unconditionally
        (``site.tags_url``), so it always has a page; the other indexes exist once a post uses them."""
        return self.key == "tags"


_Bad = Callable[[str, str], None]
_STRINGS = "a table of strings"


def _strings(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


_KEYS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "path": (lambda v: isinstance(v, str) and check_slug(v) is None, "one URL segment like 'topics'"),
    "title": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string"),
    "singular": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string"),
    "names": (_strings, _STRINGS),
    "aliases": (_strings, _STRINGS),
    "feed": (lambda v: isinstance(v, bool), "true or false"),
}


def _names_for(key: str) -> tuple[str, str]:
    if key in _DEFAULT_NAMES:
        return _DEFAULT_NAMES[key]
    words = key.replace("_", " ")
    return words.capitalize(), (words[:-1] if words.endswith("s") and len(words) > 1 else words)


def read_taxonomies(table: Any, where: str, bad: _Bad, *, tag_names: Mapping[str, str], tag_aliases: Mapping[str, str],
                    tag_feeds: bool) -> tuple[TaxonomyOptions, ...]:
    """The site's taxonomies, the built-in ones first; every problem goes to ``bad(key, message)``.

    ``[taxonomies]`` maps a front-matter key to ``false`` (off), ``true`` (on, as it comes) or a
    table of ``_KEYS``. ``tag_names``, ``tag_aliases`` and ``feed.tags`` are the older spellings
    of the tags taxonomy's ``names``, ``aliases`` and ``feed``.
    """
    if not isinstance(table, dict):
        bad("taxonomies", f"config key '{where}taxonomies' must be a table, like [taxonomies.categories], not {table!r}")
        table = {}
    chosen: dict[str, Any] = {key: table.get(key, True) for key in BUILTIN}
    chosen.update((k, v) for k, v in table.items() if k not in BUILTIN)
    out: list[TaxonomyOptions] = []
    paths: dict[str, str] = {}
    for key, value in chosen.items():
        here = f"{where}taxonomies.{key}"
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            bad(f"taxonomies.{key}", f"taxonomy '{key}' must be a front-matter key of lower-case letters, digits and '_'")
            continue
        if key in RESERVED:
            bad(f"taxonomies.{key}", f"'{key}' is a front-matter key of its own and cannot be a taxonomy")
            continue
        if value is False:
            continue
        if value is True:
            value = {}
        if not isinstance(value, dict):
            bad(f"taxonomies.{key}", f"config key '{here}' must be true, false or a table, not {value!r}")
            continue
        options = _one(key, value, here, bad, tag_names, tag_aliases, tag_feeds)
        if options is None:
            continue
        if options.path in paths:
            bad(f"taxonomies.{key}", f"taxonomies '{paths[options.path]}' and '{key}' both use the URL segment "
                                     f"'/{options.path}/': give one of them another 'path'")
            continue
        paths[options.path] = key
        out.append(options)
    return tuple(out)


def term_table_problems(names: Mapping[str, str], aliases: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """What is wrong with a taxonomy's ``names`` and ``aliases``, as (table, term, message).

    Every term and alias target must make a slug; a shown name must have text; two names for one
    term must agree; and an alias must lead straight to a term that is not itself an alias, since
    a chain or a cycle (a -> b -> a) would silently swap or drop terms.
    """
    def slug(text: str) -> str:
        return slugify(text, keep_symbols=True)

    out: list[tuple[str, str, str]] = []
    for table, entries in (("names", names), ("aliases", aliases)):
        out += [(table, term, f"entry '{term}' has no letters or digits") for term in entries if not slug(term)]
    shown: dict[str, tuple[str, str]] = {}
    for term, name in names.items():
        if not name.strip() or not name.isprintable():
            out.append(("names", term, f"entry '{term}' must give the name to show, not {name!r}"))
        elif slug(term) in shown and shown[slug(term)][1] != name:
            other, other_name = shown[slug(term)]
            out.append(("names", term, f"entries '{other}' and '{term}' are one term but name it '{other_name}' and "
                                       f"'{name}'; keep one"))
        else:
            shown.setdefault(slug(term), (term, name))
    sources = {slug(term): term for term in aliases}
    for term, target in aliases.items():
        if not slug(target):
            out.append(("aliases", term, f"entry '{term}' points to '{target}', which has no letters or digits"))
        elif slug(target) in sources and slug(target) != slug(term):
            chain = [term, target]
            while slug(chain[-1]) in sources and slug(chain[-1]) not in {slug(c) for c in chain[:-1]} and len(chain) < 50:
                chain.append(aliases[sources[slug(chain[-1])]])
            kind = "a cycle" if slug(chain[-1]) in {slug(c) for c in chain[:-1]} else "a chain"
            out.append(("aliases", term, f"entry '{term}' points to '{target}', which is itself an alias ({kind}: "
                                         f"{' -> '.join(chain)}); point each spelling straight at the term it means"))
    return out


def _one(key: str, value: dict[str, Any], here: str, bad: _Bad, tag_names: Mapping[str, str],
         tag_aliases: Mapping[str, str], tag_feeds: bool) -> TaxonomyOptions | None:
    good: dict[str, Any] = {}
    failed = False
    for name, item in value.items():
        if name not in _KEYS:
            bad(f"taxonomies.{key}.{name}", f"unknown config key '{here}.{name}'{did_you_mean(name, _KEYS)}")
            failed = True
        elif not _KEYS[name][0](item):
            bad(f"taxonomies.{key}.{name}", f"config key '{here}.{name}' must be {_KEYS[name][1]}, not {item!r}")
            failed = True
        else:
            good[name] = item
    names, aliases = dict(good.get("names", {})), dict(good.get("aliases", {}))
    # Where each entry was written (the older tag_names/tag_aliases, or this table), for the messages.
    labels = {(table, term): f"taxonomies.{key}.{table}" for table, entries in (("names", names), ("aliases", aliases))
              for term in entries}
    if key == "tags":  # the older keys, kept working: the same tables under another name
        for old, new, older in (("tag_names", "names", tag_names), ("tag_aliases", "aliases", tag_aliases)):
            mine = names if new == "names" else aliases
            for term, spelling in older.items():
                if mine.get(term, spelling) != spelling:
                    bad(f"taxonomies.tags.{new}", f"'{term}' has one value in {old} and another in {here}.{new}: keep one")
                    failed = True
                mine.setdefault(term, spelling)
                labels.setdefault((new, term), old)
    for label, term, message in term_table_problems(names, aliases):
        where = labels[(label, term)]
        bad(f"{where}.{term}", f"{where} {message}")
        failed = True
    if failed:
        return None
    title, singular = _names_for(key)
    return TaxonomyOptions(
        key=key, path=good.get("path", key), title=good.get("title", title).strip(),
        singular=good.get("singular", singular).strip(),
        names=MappingProxyType(names), aliases=MappingProxyType(aliases),
        feed=good.get("feed", tag_feeds if key == "tags" else True),
        template="tag.html" if key == "tags" else "term.html",
        index_template="tags.html" if key == "tags" else "terms.html",
        names_key="tag_names" if key == "tags" else f"taxonomies.{key}.names",
    )
