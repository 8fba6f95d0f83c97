"""What a dev server leaves for the next one, so that ``blogen serve`` starts serving at once.

The server builds into a folder of its own in the site's cache (``.blogen-cache/serve/<host>-<port>/``,
one per address, since the address is the site's base URL there), which outlives it with its build
record and a model snapshot. The next server on the same address then decides its first build
exactly as ``blogen build`` does (``blogen.incremental.plan``): against that record, checked
against the folder, so an unchanged site is served as soon as the snapshot is read, and a few edited
posts are patched in. Nothing is taken on trust: a folder changed by hand, another blogen, or a
server killed before it could say what it left, all make a full build, as the first one always was.

While it runs, each full build's snapshot is written in the background (about a second for 5,000
posts: never on the way between a save and its page); at the end the record is written with what
the next server needs to patch from it: that snapshot, and the posts patched since.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import replace
from pathlib import Path

from blogen.build.pipeline import BuildReport
from blogen.core.files import check_inside
from blogen.incremental import snapshot as snapshots
from blogen.incremental.plan import Full, Patch
from blogen.incremental.snapshot import Snapshot
from blogen.output.record import Record
from blogen.serve.tempdirs import make_private_folder

log = logging.getLogger(__name__)


def serve_folder(root: Path, url: str) -> Path:
    """Where the server at ``url`` builds the site: in the site's cache, or (when the cache cannot be
    written, or leads out of the site) a private temporary folder that goes with the server."""
    name = re.sub(r"[^A-Za-z0-9.-]+", "-", url.removeprefix("http://").strip("/"))
    folder = root / ".blogen-cache" / "serve" / name
    if check_inside(folder, root) is None:
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            return folder
        except OSError as exc:
            log.debug("cannot keep the dev server's site in the cache (%s): a temporary folder instead", exc)
    return make_private_folder() / "site"


class Keeper:
    """Keeps, for the next server, the snapshot of each full build and the posts patched since."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._saving: threading.Thread | None = None
        self._saved: str | None = None  # the id of the snapshot last written
        self._wanted: str | None = None  # the id of the snapshot the last full build made
        self._patched: set[str] = set()  # posts patched since that full build

    def built(self, report: BuildReport, snap: Snapshot | None) -> None:
        """After each good build: a full one's snapshot is written in the background."""
        if isinstance(report.plan, Patch):
            self._patched.update(report.plan.sources)
        elif isinstance(report.plan, Full) and snap is not None and report.made_with:
            self._patched = set()
            self._wanted = snap.id
            kept = replace(snap, render=snap.render.kept())
            previous = self._saving
            self._saving = threading.Thread(target=self._save, args=(previous, report.made_with, kept),
                                            name="blogen-snapshot", daemon=True)
            self._saving.start()

    def _save(self, previous: threading.Thread | None, made_with: str, snap: Snapshot) -> None:
        if previous is not None:
            previous.join()
        snapshots.save(self._root, made_with, snap)
        self._saved = snap.id

    def leave(self, served: Path, timeout: float) -> None:
        """When the server stops: write the record of ``served`` for the next server (waiting up to
        ``timeout`` for a snapshot still being written; without it, the next server builds afresh)."""
        if self._saving is not None:
            self._saving.join(timeout)
        done = self._saved is not None and self._saved == self._wanted
        try:
            record = Record(served, private=True)
            notes = record.notes(served)
            if notes:  # a good build left this folder
                record.flush({**notes, "snapshot": self._wanted if done else None, "patched": sorted(self._patched)})
        except OSError as exc:
            log.debug("cannot leave the dev server's record: %s", exc)
