"""The resized copies of the images pages show, made in worker processes with a bounded amount of memory.

Each image is decoded once, as small as its decoder allows (a JPEG at 1/2, 1/4 or 1/8 scale while
decoding), turned into its largest copy at once (the full-size pixels are freed right then), and
every smaller copy is made from that one. Images are handed out largest first to one process per
core, while the memory their decoding takes (``images.decode_cost``) stays within a budget, so a
folder of huge PNGs is resized a few at a time instead of all at once. Copies land in
``.blogen-cache/images/`` under their source's content digest: made once, whatever the build.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from blogen.content.images import ImageInfo, Variant, decode_cost
from blogen.core.progress import Progress

if TYPE_CHECKING:
    from concurrent.futures import Future
    from multiprocessing.context import BaseContext

    from PIL import Image as PILImage

log = logging.getLogger(__name__)

# The decoded pixels all workers may hold at once; one image over it still runs, alone.
MEMORY_BUDGET = 128 << 20
# With fewer images than this to resize, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 3
_TRANSPOSE = {2: 0, 3: 3, 4: 1, 5: 5, 6: 4, 7: 6, 8: 2}  # EXIF orientation -> Image.Transpose value


@dataclass(frozen=True, slots=True)
class Job:
    source: str  # relative to the site root
    info: ImageInfo
    variants: tuple[Variant, ...]  # those not in the cache yet
    quality: int


# A copy made: its file name in the cache, its identity (inode, size, mtime, ctime) and its digest.
Copy = tuple[str, tuple[int, int, int, int], str]


@dataclass(frozen=True, slots=True)
class Made:
    """What resizing one image gave: its copies, or why there are none."""

    copies: tuple[Copy, ...] = ()
    failed: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of the images to resize: those that failed, and whether the failures will last."""

    failed: Mapping[str, str]  # source -> why
    lasting: bool  # every failure came from the file itself (not a worker that died)
    made: int
    copies: tuple[Copy, ...] = ()


def _prepare(img: PILImage.Image) -> PILImage.Image:
    """The image in a mode that resizes well and every target format takes (RGB or RGBA; L and LA stay)."""
    if img.mode in ("RGB", "RGBA", "L", "LA"):
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        return img.point(lambda v: v * (1 / 256)).convert("L")  # 16-bit grey: keep the range, not the low byte
    has_alpha = "A" in img.getbands() or "transparency" in img.info
    return img.convert("RGBA" if has_alpha else "RGB")


def _save(img: PILImage.Image, variant: Variant, root: Path, quality: int, icc: bytes | None) -> Copy:
    """Encode one copy into the cache; its digest is taken from the bytes on their way to the file, so
    the writer never has to read the file again to know it."""
    target = root / variant.cache_file
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    options: dict[str, object] = {}
    if icc:
        options["icc_profile"] = icc
    if variant.ext == ".jpg":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        options.update(quality=quality, optimize=True)
    elif variant.ext == ".webp":
        # Method 2 of libwebp's 0-6: half the time of the default 4 for files ~2 % larger.
        options.update(quality=quality, method=2)
    else:
        options.update(compress_level=3)  # the fallback for browsers without WebP: seldom fetched
    buffer = io.BytesIO()
    img.save(buffer, format=variant.pil_format, **options)
    data = buffer.getbuffer()
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    st = os.stat(target)
    return target.name, (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns), hashlib.sha256(data).hexdigest()[:32]


def resize_one(root: Path, job: Job) -> Made:
    """Make the copies of one image, or say why they could not be made. Runs in a worker process."""
    import warnings

    from PIL import Image

    info, variants = job.info, job.variants
    largest = max(variants, key=lambda v: v.width)
    turned = info.orientation >= 5  # stored turned by 90 degrees: sizes below are as stored
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # probed already: never expected
            with Image.open(root / job.source) as src:  # the with closes the file; close() frees the pixels
                want = (largest.height, largest.width) if turned else (largest.width, largest.height)
                if src.format in ("JPEG", "MPO"):
                    src.draft(src.mode, want)  # decode at the smallest scale that is still large enough
                src.load()
                icc = src.info.get("icc_profile") if src.mode in ("RGB", "RGBA", "P") else None
                work = _prepare(src)
        if work is not src:
            src.close()
        top = work.resize(want, Image.Resampling.LANCZOS, reducing_gap=3.0) if work.size != want else work
        if top is not work:
            work.close()  # the full-size pixels go now: only copies at most ``largest`` wide are kept
        del src, work
        if info.orientation in _TRANSPOSE:
            top = top.transpose(Image.Transpose(_TRANSPOSE[info.orientation]))
        copies = []
        for variant in sorted(variants, key=lambda v: -v.width):
            size = (variant.width, variant.height)
            img = top if top.size == size else top.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            copies.append(_save(img, variant, root, job.quality, icc if isinstance(icc, bytes) else None))
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        return Made(failed=str(exc) or type(exc).__name__)
    return Made(tuple(copies))


def _resize_in_worker(root: Path, job: Job) -> Made:
    return resize_one(root, job)


def missing(root: Path, variants: Sequence[Variant]) -> list[Variant]:
    """The copies among ``variants`` that the cache does not hold; each cache folder is listed once."""
    listed: dict[str, set[str]] = {}
    out: list[Variant] = []
    for v in variants:
        folder, _, name = v.cache_file.rpartition("/")
        present = listed.get(folder)
        if present is None:
            try:
                present = listed[folder] = set(os.listdir(root / folder))
            except OSError:
                present = listed[folder] = set()
        if name not in present:
            out.append(v)
    return out


def make_variants(root: Path, jobs: Sequence[Job], workers: int, progress: Progress | None = None) -> Outcome:
    """Make every copy ``jobs`` ask for; an image that cannot be decoded is reported, never raised."""
    if not jobs:
        return Outcome({}, True, 0)
    for folder in {posixpath.dirname(v.cache_file) for job in jobs for v in job.variants}:
        (root / folder).mkdir(parents=True, exist_ok=True)
    todo = sorted(jobs, key=lambda j: (-j.info.width * j.info.height, j.source))  # largest first
    failed: dict[str, str] = {}
    copies: list[Copy] = []

    def take(job: Job, made: Made) -> None:
        if made.failed is not None:
            failed[job.source] = made.failed
        copies.extend(made.copies)
        if progress is not None:
            progress("resizing images", len(done), len(todo))

    done: list[Job] = []
    lasting = True
    if workers < 2 or len(todo) < PARALLEL_THRESHOLD:
        for job in todo:
            done.append(job)
            take(job, resize_one(root, job))
    else:
        lasting = _in_pool(root, todo, workers, done, take)
    return Outcome(failed, lasting, len(todo), tuple(copies))


def _in_pool(root: Path, todo: list[Job], workers: int, done: list[Job], take: Callable[[Job, Made], None]) -> bool:
    """Resize in worker processes, largest images first, while the memory their decoding takes stays
    within ``MEMORY_BUDGET``; False when a worker died (its images, and those not yet started, are
    then reported as not resized this time)."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    pending = list(todo)
    running: dict[Future[Made], tuple[Job, int]] = {}
    held = 0
    broken = Made(failed="the resizing process stopped (out of memory?)")
    intact = True
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=_context()) as pool:
        while pending or running:
            i = 0
            while intact and i < len(pending) and len(running) < workers:
                cost = decode_cost(pending[i].info, pending[i].variants)
                if running and held + cost > MEMORY_BUDGET:
                    i += 1  # a smaller image further on may fit
                    continue
                job = pending.pop(i)
                running[pool.submit(_resize_in_worker, root, job)] = (job, cost)
                held += cost
            if not intact:  # a broken pool takes no more work
                for job in pending:
                    done.append(job)
                    take(job, broken)
                pending.clear()
                if not running:
                    break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                job, cost = running.pop(future)
                held -= cost
                done.append(job)
                try:
                    take(job, future.result())
                except BrokenProcessPool:
                    intact = False
                    take(job, broken)
    return intact


def _context() -> BaseContext:
    """Fresh interpreters, not forks of the build: they share no pages with the model (so each holds
    little more than the image it is resizing), cannot inherit a lock another thread held at the
    fork, and are the build's own children, so their CPU time counts in its ``time``."""
    import multiprocessing

    return multiprocessing.get_context("spawn")
