"""How a build starts: one decision, taken by the same rules for ``blogen build`` and ``blogen serve``.

A build is one of three things (a ``Plan``):

- ``UpToDate``: the output folder already holds what this build would write;
- ``Patch``: only the text of some existing posts changed since the model kept from an earlier build
  (the snapshot); those posts are read and rendered again, patched into that model, and only the
  pages that showed them are looked at again;
- ``Full``: everything is made again, for a reason that is said (``blogen build -v`` and ``serve``
  print it: "full build: config changed: blogen.toml").

The decision compares what the last build left in the record beside the output folder (see
``blogen.output.record``: the inputs it read, what it was made with, when the clock alone next
changes its output) with one walk of the inputs now (``blogen.content.inputs``): a file whose
identity is as recorded is unchanged; any other is read, and its digest decides. The output folder
must be exactly as the record describes it, or nothing can be kept. Only the standard library,
the config and that walk are imported here: ``blogen build`` decides before loading the pipeline.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blogen.content.inputs import CONFIG_FILES, SOURCE_SUFFIXES, Inputs, walk_inputs
from blogen.core.install import code_fingerprint
from blogen.core.tools import diagram_tools_fingerprint

if TYPE_CHECKING:
    from blogen.output.live import Live

# A patch redoes every post changed since the snapshot; past this many a full build (which keeps a
# new snapshot) costs about the same.
PATCH_LIMIT = 32


@dataclass(frozen=True, slots=True)
class UpToDate:
    """Nothing this build would write differs from what the output folder holds."""

    warnings: tuple[str, ...]  # the last build's warnings, to say again

    @property
    def reason(self) -> str:
        return "nothing changed since the last build"


@dataclass(frozen=True, slots=True)
class Patch:
    """Only the text of these existing posts changed since the snapshot the output was made from."""

    sources: tuple[str, ...]

    @property
    def reason(self) -> str:
        if not self.sources:
            return "nothing to patch: no post changed since the last build"
        return f"patched {len(self.sources)} post{'s' * (len(self.sources) != 1)}: {', '.join(self.sources)}"


@dataclass(frozen=True, slots=True)
class Full:
    """Make everything again, because of ``why``."""

    why: str

    @property
    def reason(self) -> str:
        return f"full build: {self.why}"


Plan = UpToDate | Patch | Full


@dataclass(frozen=True, slots=True)
class Last:
    """What the last build noted in the record, checked for shape (anything else counts as no record)."""

    made_with: str
    inputs: Mapping[str, list[Any]]  # key -> [inode, size, mtime_ns, ctime_ns, sha256]
    recent: frozenset[str]  # inputs too recent, then, for their identity to stand for their bytes
    next_change: datetime | None  # when the clock alone changes the output (a scheduled post comes due)
    warnings: tuple[str, ...]
    page_warnings: bool  # some warnings came from rendering pages (a patch would not see them again)
    snapshot: str | None  # the model snapshot the output was made from (with the posts patched since)
    patched: tuple[str, ...]


def read_last(notes: Mapping[str, Any]) -> Last | None:
    """The last build's notes, or None when there are none or they are not of the right shape."""
    try:
        inputs = notes["inputs"]
        # (checked without a loop in Python: this runs on every build, for every input)
        if not isinstance(inputs, dict) or not set(map(type, inputs.values())) <= {list} \
                or not set(map(len, inputs.values())) <= {5}:
            return None
        change = notes["next_change"]
        snapshot = notes["snapshot"]
        return Last(
            made_with=str(notes["made_with"]), inputs=inputs, recent=frozenset(str(k) for k in notes["recent"]),
            next_change=datetime.fromisoformat(change) if isinstance(change, str) else None,
            warnings=tuple(str(w) for w in notes["warnings"]), page_warnings=bool(notes["page_warnings"]),
            snapshot=snapshot if isinstance(snapshot, str) else None, patched=tuple(str(s) for s in notes["patched"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def build_options(drafts: bool, base_url: str | None, output: str | None) -> tuple[object, ...]:
    """The options that change what a build writes: a build with others never starts from this one's output."""
    return ("drafts", drafts, "base_url", base_url, "output", output)


def made_with(options: Sequence[object], root: Path) -> str:
    """What a build's output depends on besides its inputs: blogen's code and libraries, the options
    that change what it writes, where the site is (a copy, cache and all, builds afresh), Python, and
    the diagram programs installed (a diagram shown as code is drawn once its program is there)."""
    return hashlib.sha256(repr((code_fingerprint(), tuple(options), str(root), sys.version,
                                diagram_tools_fingerprint())).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Changes:
    """How the inputs differ from the last build's: every key in one of the three, sorted."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.modified)


def compare(inputs: Inputs, before: Mapping[str, list[Any]], before_recent: frozenset[str] = frozenset()
            ) -> tuple[dict[str, list[Any]], Changes]:
    """Every input's facts with its digest (for the next record), and what changed since ``before``.

    A file whose identity is as recorded, and was settled then and is now, keeps its recorded
    digest without being read; any other is read (it was taken before the read, so a change made
    meanwhile shows up next time).
    """
    facts: dict[str, list[Any]] = {}
    modified: list[str] = []
    recent = before_recent | inputs.recent
    get = before.get
    for key, ident in inputs.files.items():  # thousands of files on every build: no copies or calls for the usual one
        prior = get(key)
        if prior is not None and prior[2] == ident[2] and prior[3] == ident[3] and prior[0] == ident[0] \
                and prior[1] == ident[1] and key not in recent:
            facts[key] = prior
            continue
        try:
            with open(inputs.path(key), "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
        except OSError:
            digest = "unreadable"
        facts[key] = [*ident, digest]
        if prior is not None and prior[4] != digest:
            modified.append(key)
    added = sorted(inputs.files.keys() - before.keys())
    removed = sorted(before.keys() - inputs.files.keys())
    return facts, Changes(tuple(added), tuple(removed), tuple(sorted(modified)))


def decide(last: Last | None, changes: Changes, *, made: str, now: datetime, output_intact: bool,
           snapshot: str | None, inputs: Inputs) -> Plan:
    """The plan for a build (see the module docstring); every way to a full build says why."""
    if inputs.problems:
        return Full("the inputs have problems")
    if last is None:
        return Full("no record of an earlier build of this output folder")
    if last.made_with != made:
        return Full("blogen, its libraries, the options or the site's folder changed")
    if not output_intact:
        return Full("the output folder is not as the last build left it")
    if last.next_change is not None and now >= last.next_change:
        return Full("a scheduled post came due")
    if not changes:
        return UpToDate(last.warnings)
    why = _not_a_patch(last, changes, snapshot)
    if why is not None:
        return Full(why)
    return Patch(tuple(sorted({*last.patched, *changes.modified})))


def _not_a_patch(last: Last, changes: Changes, snapshot: str | None) -> str | None:
    """Why the changes need a full build, or None when patching the snapshot can make them."""
    if changes.added:
        return f"file added: {changes.added[0]}" + _more(changes.added)
    if changes.removed:
        return f"file removed: {changes.removed[0]}" + _more(changes.removed)
    for key in changes.modified:
        if key in CONFIG_FILES:
            return f"config changed: {key}"
        if not key.startswith("content/"):
            return f"theme changed: {key}"
        if not key.endswith(SOURCE_SUFFIXES) or key.startswith("content/static/"):
            return f"file changed: {key}"
        if key.startswith("content/pages/"):
            return f"page changed: {key}"
    if last.page_warnings:
        return "the last build's pages had warnings"
    if snapshot is None or snapshot != last.snapshot:
        return "no snapshot of the last full build's model"
    total = len({*last.patched, *changes.modified})
    if total > PATCH_LIMIT:
        return f"{total} posts changed since the last full build (more than {PATCH_LIMIT})"
    return None


def _more(keys: Sequence[str]) -> str:
    return f" (and {len(keys) - 1} more)" if len(keys) > 1 else ""


@dataclass(frozen=True, slots=True)
class Decision:
    """A plan with what deciding it found out, for the build that carries it out."""

    plan: Plan
    inputs: Inputs  # the walk, taken before anything was read
    facts: dict[str, list[Any]] = field(default_factory=dict)  # every input's facts and digest, for the next record
    made_with: str = ""
    last: Last | None = None


def decide_build(root: Path, out: Path, options: Sequence[object], now: datetime, *, private: bool = False,
                 snapshot: Callable[[str], str | None] = lambda _made: None, inputs: Inputs | None = None,
                 live: Live | None = None) -> Decision:
    """Read the record beside ``out``, walk the inputs (unless ``inputs`` is a walk already taken), and decide.

    ``snapshot`` tells the id of the model snapshot at hand (in memory, or on disk) made with what it is given.
    ``live``: the output folder as a look at it under the output lock found it (which the writer then
    builds on: see ``blogen.output.folders.OutputHold``); else it is looked at here.
    """
    from blogen.output.live import look

    if inputs is None:
        inputs = walk_inputs(root)
    if live is None:
        live = look(out, private)
    last = read_last(live.notes)
    facts, changes = compare(inputs, last.inputs if last else {}, last.recent if last else frozenset())
    made = made_with(options, root)
    plan = decide(last, changes, made=made, now=now, output_intact=live.intact, snapshot=snapshot(made), inputs=inputs)
    return Decision(plan, inputs, facts, made, last)


def notes_for(decision: Decision, *, next_change: datetime | None, warnings: Sequence[str], page_warnings: bool,
              snapshot: str | None, patched: Sequence[str]) -> dict[str, Any]:
    """What a build leaves in the record for the next one to decide by (see ``read_last``)."""
    return {
        "made_with": decision.made_with, "inputs": decision.facts, "recent": sorted(decision.inputs.recent),
        "next_change": next_change.isoformat() if next_change else None, "warnings": list(warnings),
        "page_warnings": page_warnings, "snapshot": snapshot, "patched": sorted(patched),
    }
