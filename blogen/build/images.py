"""The build's image step: the resized copies of the images the finished model shows, made before any page is.

The model names every copy it links (``Site.shown_images`` and ``plan_variants``); this step makes
the ones the cache does not hold yet, in worker processes, and forgets copies no image of the site
has any more. An image whose copies cannot be made is not an error: the caller makes the model
again with that image marked, and its pages show the original.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from blogen.content.images import ImageInfo, copies_folder, known_copies, note_copies, note_failures, plan_variants, variant_tag
from blogen.content.resize import Job, make_variants, missing
from blogen.core.cachestore import STALE_AFTER
from blogen.core.config import Config
from blogen.core.processes import worker_count
from blogen.core.progress import Progress
from blogen.model.values import Site
from blogen.output.record import know_inputs, remember_digests

log = logging.getLogger(__name__)

def with_copies_folder(config: Config) -> Config:
    """``config`` with where this process makes resized copies (see ``copies_folder``)."""
    if not config.images.resize:
        return config
    folder = copies_folder(config.root)
    return config if folder == config.images.cache else replace(config, images=replace(config.images, cache=folder))


def _jobs(config: Config, site: Site, images: Mapping[str, ImageInfo]) -> list[Job]:
    wanted = [(s, plan_variants(s, images[s], config.images)) for s in site.shown_images if s in images]
    absent = set(missing(config.root, [v for _s, vs in wanted for v in vs]))
    return [Job(s, images[s], tuple(v for v in vs if v in absent), config.images.quality)
            for s, vs in wanted if any(v in absent for v in vs)]


def variants_missing(config: Config, site: Site, images: Mapping[str, ImageInfo]) -> bool:
    """Whether a copy the site links is not in the cache (someone emptied it since the model was made)."""
    return bool(site.shown_images) and bool(_jobs(config, site, images))


def resize_shown(config: Config, site: Site, images: Mapping[str, ImageInfo], jobs: int | None,
                 progress: Progress | None) -> dict[str, ImageInfo] | None:
    """Make the missing copies of the images ``site`` shows; the image facts to make the model again
    with when some could not be made (those images are then shown as they are), else None."""
    todo = _jobs(config, site, images) if site.shown_images else []
    outcome = make_variants(config.root, todo, worker_count(jobs), progress)
    if outcome.made:
        log.info("resized %d images", outcome.made)
    if not os.path.isabs(config.images.cache):  # the site's own cache (not a temporary folder)
        present, pruned = _prune(config, images)
        if outcome.copies or pruned:
            note_copies(config.root, outcome.copies, present)
    if outcome.failed:
        return note_failures(config.root, images, outcome.failed, outcome.lasting)
    return None


def _prune(config: Config, images: Mapping[str, ImageInfo]) -> tuple[list[str], bool]:
    """Delete cached copies of images the site no longer has (replaced, deleted) or made with other
    settings, and leftovers of killed workers, once they are old; returns the names left, and
    whether any was deleted."""
    keep = {variant_tag(info.digest, config.images) for info in images.values() if info.digest}
    folder = config.root / config.images.cache
    try:
        names = os.listdir(folder)
    except OSError:
        return [], False
    now = time.time()
    present: list[str] = []
    pruned = False
    for name in names:
        present.append(name)
        if name.split(".", 1)[0] in keep:
            continue
        path = folder / name
        try:
            if now - path.stat().st_mtime > STALE_AFTER:  # younger: another build (a dev server's) may have seen the image
                path.unlink()
                present.pop()
                pruned = True
        except OSError:
            continue
    return present, pruned


def remember_known_digests(root: Path, facts: Mapping[str, list[Any]], recent: Iterable[str]) -> None:
    """Hand the writer the digests already known of the files it copies: the site's own files from the
    walk of the inputs (``facts``: key -> identity and SHA-256, see ``blogen.incremental.plan``), the
    resized copies from when they were made. Without this, every build that writes anything reads
    each image and copy again (gigabytes for a photo blog)."""
    remember_digests(known_copies(root))
    know_inputs(str(root), facts, recent)  # as the writer names the files it copies: the site root is resolved
