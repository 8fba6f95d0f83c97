"""Taxonomies made from the posts: each post's terms folded into slugs, and each taxonomy's terms with their posts.

Tags, categories, series and any taxonomy a site declares go through this one path: spellings of
one term (``SELinux``, ``selinux``) become one slug, the config's aliases fold one term into
another and its names choose the spelling, and the terms list their posts newest first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

from blogen.content.sources import Document
from blogen.core.config import Config
from blogen.core.errors import Problem
from blogen.core.limits import name_too_long
from blogen.core.taxonomies import TaxonomyOptions
from blogen.core.urls import join_url, slugify
from blogen.model.values import ModelMemo, Post, Taxonomy, Term, forget_others


def written_terms(config: Config, doc: Document) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The terms a document's front matter gives each of the site's taxonomies, as written."""
    return tuple((t.key, doc.meta.terms_of(t.key)) for t in config.taxonomies if doc.meta.terms_of(t.key))


class _Spellings:
    """The ways one taxonomy's terms are written, to pick each term's display name."""

    def __init__(self, options: TaxonomyOptions) -> None:
        self.options = options
        self.aliases = {slugify(k, keep_symbols=True): slugify(v, keep_symbols=True) for k, v in options.aliases.items()}
        self.declared = {slugify(k, keep_symbols=True): v for k, v in options.names.items()}
        self.counts: dict[str, Counter[str]] = {}
        self.first_seen: dict[tuple[str, str], str] = {}

    def slug(self, name: str, source: str) -> str:
        slug = slugify(name, keep_symbols=True)
        if not slug:
            return ""
        slug = self.aliases.get(slug, slug)
        self.counts.setdefault(slug, Counter())[name] += 1
        self.first_seen.setdefault((slug, name), source)
        return slug

    def name(self, slug: str, problems: list[Problem], docs: Mapping[str, Document]) -> str:
        """The display name of a term: the config's, else its most frequent spelling (told when there are several)."""
        if slug in self.declared:
            return self.declared[slug]
        counts = self.counts[slug]
        name = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        if len(counts) > 1:
            kind = self.options.singular
            others = ", ".join(f"'{s}' ({self.first_seen[(slug, s)]})" for s in sorted(counts) if s != name)
            where = self.first_seen[(slug, name)]
            problems.append(Problem(
                where, docs[where].meta.lines.get(self.options.key),
                f"{kind} '{name}' is also written as {others}; they are one {kind}, shown as '{name}' "
                f"(set {self.options.names_key}.\"{name}\" in the config to choose the spelling and silence this)", "warning"))
        return name


def fold_terms(config: Config, problems: list[Problem], posts: Sequence[Post], docs: Mapping[str, Document],
               memo: ModelMemo | None = None) -> tuple[list[Post], tuple[Taxonomy, ...]]:
    """Each post with its terms as slugs, and every taxonomy with its terms; reports merges the config does not name."""
    spellings = {t.key: _Spellings(t) for t in config.taxonomies}
    fixed: list[Post] = []
    for post in posts:
        terms: list[tuple[str, tuple[str, ...]]] = []
        for key, names in post.terms:
            slugs: list[str] = []
            for name in names:
                slug = spellings[key].slug(name, post.source)
                kind = spellings[key].options.singular
                if not slug:
                    problems.append(Problem(post.source, docs[post.source].meta.lines.get(key),
                                            f"{kind} '{name}' has no letters or digits"))
                elif (why := name_too_long(slug, f"{kind} '{name[:32]}{'…' if len(name) > 32 else ''}'")) is not None:
                    problems.append(Problem(post.source, docs[post.source].meta.lines.get(key), why))
                elif slug not in slugs:
                    slugs.append(slug)
            if slugs:
                terms.append((key, tuple(slugs)))
        folded = tuple(terms)
        tagged = memo.tagged.get(post.source) if memo is not None else None
        if tagged is not None and tagged[0] is post and tagged[1] == folded:
            fixed.append(tagged[2])
        else:
            fixed.append(post if folded == post.terms else replace(post, terms=folded))
            if memo is not None:
                memo.tagged[post.source] = (post, folded, fixed[-1])
    if memo is not None:
        forget_others(memo.tagged, docs)
    members: dict[str, dict[str, list[int]]] = {t.key: {} for t in config.taxonomies}
    for i, post in enumerate(fixed):
        for key, found_slugs in post.terms:
            for slug in found_slugs:
                members[key].setdefault(slug, []).append(i)
    taxonomies = []
    for options in config.taxonomies:
        found = members[options.key]
        terms_made = [Term(slug, spellings[options.key].name(slug, problems, docs), _term_url(config, options, slug),
                           len(found[slug]), options.key) for slug in found]
        terms_made.sort(key=lambda t: (t.name.casefold(), t.slug))
        taxonomies.append(Taxonomy(
            options=options, url=join_url(config.base_path, f"/{options.path}/"),
            listed=bool(terms_made) or options.always_listed, terms=tuple(terms_made),
            posts=MappingProxyType({slug: tuple(found[slug]) for slug in sorted(found)}),
        ))
    return fixed, tuple(taxonomies)


def _term_url(config: Config, options: TaxonomyOptions, slug: str) -> str:
    return join_url(config.base_path, f"/{options.path}/{slug}/")


def backlinks(posts: Sequence[Post], targets_of: Mapping[str, frozenset[str]]) -> dict[str, tuple[int, ...]]:
    """For each document some post links to, those posts (indices, newest first); pages' links do not count."""
    found: dict[str, list[int]] = {}
    for i, post in enumerate(posts):
        for target in sorted(targets_of.get(post.source, ())):
            found.setdefault(target, []).append(i)
    return {source: tuple(found[source]) for source in sorted(found)}
