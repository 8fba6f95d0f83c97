"""The end of an import: what was brought over, what the config now says, and what to fix next, by kind, with counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from blogen.importers.values import LEFT_BEHIND_KINDS, RESIDUE_KINDS, Finding, Plan

QUIET_KINDS = frozenset({"dropped"})  # counted in the summary, listed only with --verbose


def count_kinds(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each kind, most frequent first."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


@dataclass(frozen=True, slots=True)
class Tally:
    posts: int
    drafts: int
    pages: int
    static: int
    bundle_files: int


def tally(plan: Plan) -> Tally:
    posts = sum(1 for d in plan.documents if d.target.startswith("content/posts/"))
    pages = sum(1 for d in plan.documents if d.target.startswith("content/pages/"))
    whole = len(plan.documents) - posts - pages  # whole HTML pages, published as static files
    drafts = sum(1 for d in plan.documents if d.draft and d.target.startswith("content/posts/"))
    return Tally(posts, drafts, pages, len(plan.static) + whole, sum(len(d.assets) for d in plan.documents))


def headline(plan: Plan, *, dry_run: bool, where: str) -> str:
    t = tally(plan)
    verb = "would import" if dry_run else "imported"
    posts = _plural(t.posts, "post") + (f" ({_plural(t.drafts, 'draft')})" if t.drafts else "")
    parts = [posts, _plural(t.pages, "page"), _plural(t.static, "static file")]
    if t.bundle_files:
        parts.append(_plural(t.bundle_files, "bundle file"))
    return f"{verb} {', '.join(parts[:-1])} and {parts[-1]} into {where}"


def next_steps(plan: Plan, *, broken_links_warning: bool) -> list[str]:
    """What is left to do, most important first; empty when nothing is."""
    steps: list[str] = []
    residue = [f for f in plan.findings if f.kind in RESIDUE_KINDS]
    if residue:
        files = len({f.path for f in residue})
        kinds = ", ".join(f"{n} {k}" for k, n in count_kinds(residue).items())
        steps.append(f"residue: {_plural(files, 'file')} still {'holds' if files == 1 else 'hold'} template syntax that no conversion covers ({kinds}); "
                     "each place is listed above as file:line")
    if plan.shortcodes:
        uses = sum(n for _, n in plan.shortcodes.values())
        named = ", ".join(f"theme/shortcodes/{name}.html ({_plural(n, 'file')}, first {first})"
                          for name, (first, n) in sorted(plan.shortcodes.items(), key=lambda kv: (-kv[1][1], kv[0]))[:8])
        more = "" if len(plan.shortcodes) <= 8 else f" and {len(plan.shortcodes) - 8} more"
        steps.append(f"shortcodes: {_plural(len(plan.shortcodes), 'template')} to make, once each, for the old site's "
                     f"custom includes and shortcodes used in {_plural(uses, 'file')}: {named}{more} "
                     "(a starter that shows what it is given is written where the site has none)")
    dead = [f for f in plan.findings if f.kind in ("dead-link", "dead-reference")]
    if dead:
        how = "; broken_links = \"warning\" lets the site build meanwhile" if broken_links_warning else \
            "; they stop the build until fixed (broken_links = \"error\")"
        files = len({f.path for f in dead})
        verb = "points" if len(dead) == 1 else "point"
        steps.append(f"dead links: {_plural(len(dead), 'link')} in {_plural(files, 'file')} {verb} at nothing (most were already "
                     f"dead in the old blog, or lead to files not brought over); each is listed above as file:line{how}")
    left = [f for f in plan.findings if f.kind in LEFT_BEHIND_KINDS]
    if left:
        steps.append(f"not brought over: {_plural(len(left), 'file or folder', 'files and folders')} "
                     "(templates, data, Sass, unsafe links...), each listed above with the reason")
    if plan.conflicts:
        steps.append(f"conflicts: {_plural(len(plan.conflicts), 'file')} of this site already there; those documents were skipped")
    if plan.errors:
        steps.append(f"errors: {_plural(len(plan.errors), 'file')} could not be read; see above")
    return steps
