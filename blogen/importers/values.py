"""The values an import passes from step to step: what was found in the old site, what becomes of it, what is reported.

An import runs in four steps, each from values to values: a source module (``jekyll``, ``hugo``)
finds the old site's documents, static files and settings (``OldSite``); each document's front
matter is read and mapped (``Entry``); ``plan`` chooses where everything goes in the new site and
converts the bodies, with every cross-link resolved (``Plan``); ``write`` puts it on disk. Nothing
is written before the whole plan exists, so ``--dry-run`` and a real run decide the same things.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, Literal

from blogen.core.errors import Problem

DocKind = Literal["post", "page"]
Format = Literal["markdown", "html"]


@dataclass(frozen=True, slots=True)
class Finding:
    """Something the import reports at a place: left in place, converted with a loss, or not brought over."""

    path: str  # a source file as the user named it, or a file of the new site
    line: int | None
    kind: str
    snippet: str

    def format(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: warning: {self.kind}: {self.snippet}"


# Kinds of finding, by what the user has to do about them (the summary groups them so).
RESIDUE_KINDS = frozenset({"liquid-tag", "liquid-output", "go-template", "kramdown-attribute", "hugo-shortcode"})
LEFT_BEHIND_KINDS = frozenset({"not-imported", "symlink", "special-file"})
SHORTCODE_KIND = "shortcode-template"


@dataclass(frozen=True, slots=True)
class OldDoc:
    """A post or page of the old site: where it is and what it is, before its front matter is read."""

    kind: DocKind
    path: Path  # the real file to read (inside the source folder)
    rel: str  # relative to the old site's root, '/'-separated: how the old site's own links name it
    shown: str  # as the user named it, for messages
    stem: str  # the file name without its extension, or a bundle's folder name
    folders: tuple[str, ...] = ()  # folders between the section (or collection) and the file: name prefixes on clashes
    fmt: Format = "markdown"
    bundle: Path | None = None  # a leaf bundle: its folder, whose other files go with the document
    assets: tuple[tuple[Path, str], ...] = ()  # bundle files: (real path, path relative to the bundle)
    draft: bool = False  # found among the old site's drafts
    mtime: float = 0.0
    group: str = ""  # Jekyll: the collection ('posts', 'pages', 'presentations'); Hugo: the section path
    categories: tuple[str, ...] = ()  # Jekyll: categories from the folders above _posts


@dataclass(frozen=True, slots=True)
class StaticFile:
    """A file published as it is: copied to ``content/static/<target>``, served at ``/<target>``."""

    path: Path
    shown: str
    target: str  # relative to content/static/, '/'-separated
    rel: str = ""  # its path in the old site, as a link there names it


@dataclass(frozen=True, slots=True)
class SiteSettings:
    """What the old site's configuration says that the new site's config can carry over."""

    title: str | None = None
    description: str | None = None
    author: str | None = None
    base_url: str | None = None  # absolute, ending in '/', with the old site's sub-path if it had one
    language: str | None = None
    timezone: str | None = None
    heading_ids: Literal["github", "kramdown"] = "github"
    heading_ids_reason: str = ""
    taxonomies: tuple[str, ...] = ()  # the old site's own taxonomies besides tags, categories and series (front-matter keys)


@dataclass(frozen=True, slots=True)
class OldSite:
    """Everything found in the old site: what will be converted, copied, and what will not be brought over."""

    generator: Literal["jekyll", "hugo"]
    root: Path  # the real path of the old site's folder
    docs: tuple[OldDoc, ...]
    static: tuple[StaticFile, ...]
    findings: tuple[Finding, ...]  # files not brought over (with the reason), unsafe links, ...
    settings: SiteSettings = field(default_factory=SiteSettings)
    context: Mapping[str, Any] = field(default_factory=dict)  # the generator's own values (config, permalinks)


@dataclass(frozen=True, slots=True)
class ImportOptions:
    tz: tzinfo
    categories_as_tags: bool = False  # fold categories into tags instead of a categories key of their own
    old_permalink: str | None = None  # the old site's post permalink, overriding what its config says


@dataclass(frozen=True, slots=True)
class Entry:
    """A document with its front matter read and mapped to blogen's keys; the body is not converted yet."""

    doc: OldDoc
    front: Mapping[str, Any]  # blogen's keys (and extra), checked later by ``finish_front``
    body: str  # the body as written in the old site
    body_line: int  # the source line where the body starts
    old_url: str | None  # the URL the old site published it at (without its base path)
    findings: tuple[Finding, ...]
    name: str  # the preferred file name in the new site (a slug)
    values: Mapping[str, Any] = field(default_factory=dict)  # the old front matter, for body conversions that read it
    lines: Mapping[str, int] = field(default_factory=dict)  # front-matter key -> source line, for messages


@dataclass(slots=True)
class Body:
    """A document's body after its generator's conversions, before links are rewritten."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    toc: bool = False  # the body asked for a table of contents (kramdown's {:toc})
    dropped: list[str] = field(default_factory=list)  # attribute lists dropped (they styled the old theme)


@dataclass(frozen=True, slots=True)
class Placed:
    """Where an entry goes in the new site (relative to the site root), or why it does not."""

    entry: Entry
    target: str  # content/posts/x.md, content/posts/x/index.md, content/pages/x.md
    slug: str
    occupied: bool = False  # the file is there already (an earlier import?): written only if it would not change


@dataclass(frozen=True, slots=True)
class Planned:
    """One converted document, ready to write."""

    source: str  # shown
    target: str
    text: str
    assets: tuple[tuple[Path, str], ...] = ()  # (real path, target relative to the site root)
    residue: int = 0  # template residue left in its body
    draft: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    documents: tuple[Planned, ...]
    static: tuple[tuple[Path, str, str], ...]  # (real path, shown, target relative to the site root)
    findings: tuple[Finding, ...]
    conflicts: tuple[Problem, ...]  # existing files of the new site the import leaves alone (and what it skipped)
    errors: tuple[Problem, ...] = ()  # sources that could not be read at all
    samples: tuple[str, ...] = ()  # blogen init's untouched samples the import replaces (removed before writing)
    permalink: str | None = None  # a permalink for the new site that gives the posts their old URLs
    shortcodes: Mapping[str, tuple[str, int]] = field(default_factory=dict)  # custom shortcode -> (first file, uses)
