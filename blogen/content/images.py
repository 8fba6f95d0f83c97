"""Image facts and the plan of their resized copies: what pages need to know of every local image.

Probing reads each image's header (through Pillow, never hand-written parsing; SVGs through an XML
parser), so it runs in the build, before the pure model. The facts are remembered in
``.blogen-cache/images.json`` by each file's identity on disk, so a rebuild does not open
unchanged images again. Which resized copies a large raster gets (``plan_variants``) follows from
its facts and the ``[images]`` config alone; they are made, only for the images pages show, by
``blogen.content.resize``, and cached by the source's content digest.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import posixpath
import re
import shutil
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from blogen.core.config import ImageOptions
from blogen.core.errors import Severity
from blogen.core.fileid import identity, settled
from blogen.core.files import check_inside, read_regular, write_atomic

log = logging.getLogger(__name__)

RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")
IMAGE_SUFFIXES = (*RASTER, ".svg")
# Rasters no wider than this are shown as they are: the theme's column is ~46rem (736 px at 1x).
LARGE = 800
CACHE = ImageOptions().cache  # the resized copies, named by their source's digest
_META = ".blogen-cache/images.json"  # the facts of every image, by path and identity
_COPIES = ".blogen-cache/image-copies.json"  # each copy's identity and digest, for the writer
_META_VERSION = 2
# Bumped when the way copies are made changes (filter, encoder settings): old copies are then remade.
VARIANT_VERSION = 3
# The format of the fallback copy (for browsers without WebP) of each source format; None: WebP only.
_FALLBACK = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "GIF": ".png", "WEBP": None}
_PIL_FORMAT = {".jpg": "JPEG", ".png": "PNG", ".webp": "WEBP"}


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """One image file as a browser shows it (EXIF rotation applied), and whether it can be resized."""

    width: int  # 0 when unknown (unreadable, or an SVG without a size)
    height: int
    format: str = ""  # Pillow's name ("JPEG", "PNG", "GIF", "WEBP", "MPO") or "SVG"
    digest: str = ""  # of the bytes, for rasters that may get resized copies
    orientation: int = 1  # EXIF orientation: 1 as stored, 5-8 turned by 90 degrees
    animated: bool = False
    problem: str = ""  # why it is shown as it is (too big, unreadable, could not be resized); said when a page shows it
    severity: Severity = "warning"


@dataclass(frozen=True, slots=True)
class Variant:
    """One resized copy: published beside its source as ``<source name>.<width>w.<ext>``."""

    width: int
    height: int
    ext: str  # ".webp", ".jpg" or ".png"
    name: str  # the file name beside the source: "x.jpg.800w.webp", unique per source file
    cache_file: str  # where it is made, relative to the site root (absolute when the site's cache cannot be written)

    @property
    def pil_format(self) -> str:
        return _PIL_FORMAT[self.ext]


def plan_variants(source: str, info: ImageInfo, options: ImageOptions) -> tuple[Variant, ...]:
    """The resized copies of ``source`` (a site-relative path), smallest first; none for images shown as they are.

    Each width smaller than the image gets a WebP copy and one in the source's own kind (JPEG for
    photos, PNG for PNG and GIF screenshots), for the few browsers without WebP; an image no wider
    than the largest width also gets a full-size WebP, so the WebP set reaches its full width.
    Names carry the source's whole file name, so ``x.jpg`` and ``x.png`` beside each other never
    claim the same copy.
    """
    if (not options.resize or info.problem or info.animated or not info.digest
            or info.width <= LARGE or info.format not in _FALLBACK):
        return ()
    widths = [w for w in options.widths if w < info.width]
    if not widths:
        return ()
    name = posixpath.basename(source)
    fallback = _FALLBACK[info.format]
    tag = variant_tag(info.digest, options)
    out: list[Variant] = []

    def add(width: int, ext: str) -> None:
        height = max(1, round(info.height * width / info.width))
        out.append(Variant(width, height, ext, f"{name}.{width}w{ext}", f"{options.cache}/{tag}.{width}w{ext}"))

    for width in widths:
        add(width, ".webp")
        if fallback is not None:
            add(width, fallback)
    if fallback is not None and info.width <= max(options.widths):
        add(info.width, ".webp")
    return tuple(out)


def copies_folder(root: Path) -> str:
    """Where this process makes resized copies: the site's ``.blogen-cache/images`` (relative to the
    site), or, when that cannot be written (read-only, a symlink out of the site, not a folder), a
    temporary folder of this process, removed at exit: such a cache only costs speed."""
    cache = root / CACHE
    try:
        if check_inside(cache / "x", root) is not None:
            raise OSError(f"{cache} leads outside the site")  # nothing is written there
        cache.mkdir(parents=True, exist_ok=True)
        probe = cache / f".probe.{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        log.debug("image cache not writable (%s): resized copies go to a temporary folder", exc)
        return str(_unkept_folder())
    return CACHE


@lru_cache(maxsize=1)
def _unkept_folder() -> Path:
    """This process's folder for resized copies when the site's cache cannot be written; removed at exit."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="blogen-images-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def variant_tag(digest: str, options: ImageOptions) -> str:
    """The start of the cache name of every copy of one image's bytes made with these settings."""
    return f"{digest[:32]}-q{options.quality}-v{VARIANT_VERSION}"


def decode_cost(info: ImageInfo, variants: Iterable[Variant]) -> int:
    """Bytes of memory decoding the image for ``variants`` takes at most (a JPEG decodes at the smallest
    power-of-two scale still as large as the largest copy; everything else at full size), with its
    working copy in RGBA: what the resizing processes schedule against their memory budget."""
    largest = max((v.width for v in variants), default=info.width)
    scale = 1
    if info.format in ("JPEG", "MPO"):
        while scale < 8 and info.width // (scale * 2) >= largest:
            scale *= 2
    pixels = (info.width // scale + 1) * (info.height // scale + 1)
    return pixels * 4 * 2  # the decoded image and its converted or resized working copy


def _svg_size(path: Path) -> tuple[int, int] | None:
    import xml.etree.ElementTree as ET  # only for SVG images

    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return None

    def number(value: str | None) -> float | None:
        m = re.fullmatch(r"\s*([0-9.]+)\s*(px)?\s*", value or "")
        try:
            return float(m.group(1)) if m else None
        except ValueError:
            return None

    w, h = number(root.get("width")), number(root.get("height"))
    if w and h:
        return round(w), round(h)
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            bw, bh = float(box[2]), float(box[3])
        except ValueError:
            return None
        if bw > 0 and bh > 0:
            return round(bw), round(bh)
    return None


def _too_big(pixels: int | None, limit: int) -> str:
    size = f"it is {pixels / 1e6:.0f} megapixels, " if pixels else ""
    return (f"image is too large to process (over {limit:,} pixels: {size}more than twice Pillow's bound against "
            "decompression bombs, so blogen does not decode it): scale it down, or link to it instead of showing it")


def _header(path: Path) -> ImageInfo:
    """The facts of one raster image from its header: the pixels are not decoded."""
    from PIL import Image, UnidentifiedImageError

    limit = Image.MAX_IMAGE_PIXELS or 0
    try:
        with warnings.catch_warnings():
            # Pillow warns above its limit; blogen says so in its own words (below) instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                fmt = str(img.format or "")
                animated = fmt in ("GIF", "PNG", "WEBP") and bool(getattr(img, "is_animated", False))
                orientation = 1
                if fmt in ("JPEG", "MPO", "WEBP") or "exif" in img.info:  # read from the header, never decoded for it
                    value = img.getexif().get(0x0112, 1)
                    orientation = value if isinstance(value, int) and 1 <= value <= 8 else 1
    except Image.DecompressionBombError as exc:
        m = re.search(r"\((\d+) pixels\)", str(exc))
        return ImageInfo(0, 0, problem=_too_big(int(m.group(1)) if m else None, limit), severity="error")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        return ImageInfo(0, 0, problem=f"not a readable image ({exc}): it is published as it is, without a size")
    if orientation >= 5:
        width, height = height, width
    info = ImageInfo(width, height, fmt, orientation=orientation, animated=animated)
    if limit and width * height > limit:
        return replace(info, problem=(
            f"image is {width}×{height} ({width * height / 1e6:.0f} megapixels), over Pillow's decompression-bomb "
            f"limit of {limit / 1e6:.0f} megapixels: it is published as it is, without resized copies"))
    return info


def _probe(path: Path) -> ImageInfo:
    if path.suffix.lower() == ".svg":
        size = _svg_size(path)  # an SVG without a size is fine: it scales
        return ImageInfo(*size, format="SVG") if size else ImageInfo(0, 0, format="SVG")
    return _header(path)


def _digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _wants_digest(info: ImageInfo, options: ImageOptions) -> bool:
    return (options.resize and not info.digest and not info.problem and not info.animated
            and info.width > LARGE and info.format in _FALLBACK)


def probe_images(root: Path, files: Iterable[str], options: ImageOptions) -> dict[str, ImageInfo]:
    """The facts of every image among ``files`` (paths relative to root), from the cache where the file is unchanged.

    Problems are kept in each image's facts, not reported here: only an image a page shows is a
    concern (see ``blogen.model.pictures``); any other file is copied as it is.
    """
    entries = _load_meta(root)
    infos: dict[str, ImageInfo] = {}
    idents: dict[str, list[int] | None] = {}
    now = time.time_ns()
    prefix = str(root) + os.sep  # strings, not Paths: this runs for every image of the site on every build
    for rel in sorted(files):
        if not rel.lower().endswith(IMAGE_SUFFIXES):
            continue
        try:
            st = os.stat(prefix + rel)
        except OSError:
            continue  # gone since the walk: the build reports the missing file where it copies it
        ident = list(identity(st))
        still = settled(st, now)  # a file changed within a tick of the clock may keep its identity: read it
        idents[rel] = ident if still else None
        cached = entries.get(rel)
        info = _from_entry(cached) if still and isinstance(cached, dict) and cached.get("id") == ident else None
        infos[rel] = info if info is not None else _probe(root / rel)
    todo = [rel for rel, info in infos.items() if _wants_digest(info, options)]
    if todo:
        infos.update(zip(todo, (replace(infos[rel], digest=d) for rel, d in zip(todo, _digests(root, todo), strict=True)),
                         strict=True))
    fresh = {rel: {"id": idents[rel], **_entry(info)} for rel, info in infos.items() if idents.get(rel) is not None}
    if fresh != entries:
        _save_meta(root, fresh)
    return infos


def _digests(root: Path, rels: list[str]) -> list[str]:
    """File digests, several files at a time: hashing releases the GIL, so threads overlap it with the reads."""
    if len(rels) < 4:
        return [_digest(root / rel) for rel in rels]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 1) + 1)) as pool:
        return list(pool.map(lambda rel: _digest(root / rel), rels))


def note_failures(root: Path, infos: Mapping[str, ImageInfo], failed: Mapping[str, str],
                  lasting: bool) -> dict[str, ImageInfo]:
    """``infos`` with the images whose copies could not be made marked as shown as they are.

    ``lasting`` failures (the file cannot be decoded) are remembered with the file's identity, so
    the next build does not try again until the file changes.
    """
    out = dict(infos)
    for rel, why in failed.items():
        out[rel] = replace(infos[rel], problem=f"cannot make resized copies ({why}): it is shown as it is")
    if lasting and failed:
        entries = _load_meta(root)
        for rel in failed:
            if isinstance(entries.get(rel), dict):
                entries[rel] = {"id": entries[rel].get("id"), **_entry(out[rel])}
        _save_meta(root, entries)
    return out


def _load_meta(root: Path) -> dict[str, Any]:
    try:
        meta = json.loads(read_regular(root / _META, inside=root))
    except (OSError, ValueError):
        return {}
    if not isinstance(meta, dict) or meta.get("version") != _META_VERSION or not isinstance(meta.get("entries"), dict):
        return {}
    entries: dict[str, Any] = meta["entries"]
    return entries


def _save_meta(root: Path, entries: Mapping[str, Any]) -> None:
    _write_json(root, _META, {"version": _META_VERSION, "entries": entries})


def _write_json(root: Path, rel: str, doc: Mapping[str, Any]) -> None:
    """Write one of the cache's JSON files, never through a symlink out of the site; a cache that
    cannot be written only costs speed."""
    path = root / rel
    try:
        why = check_inside(path, root)
        if why is not None:
            raise OSError(why)
        write_atomic(path, json.dumps(doc, sort_keys=True, separators=(",", ":")))
    except OSError as exc:
        log.debug("cannot write %s: %s", path, exc)


def _entry(info: ImageInfo) -> dict[str, Any]:
    # By hand: dataclasses.asdict copies deeply, and there is one entry per image of the site.
    return {"width": info.width, "height": info.height, "format": info.format, "digest": info.digest,
            "orientation": info.orientation, "animated": info.animated, "problem": info.problem,
            "severity": info.severity}


def _from_entry(entry: Mapping[str, Any]) -> ImageInfo | None:
    try:
        return ImageInfo(int(entry["width"]), int(entry["height"]), str(entry["format"]), str(entry["digest"]),
                         int(entry["orientation"]), bool(entry["animated"]), str(entry["problem"]),
                         "error" if entry["severity"] == "error" else "warning")
    except (KeyError, TypeError, ValueError):
        return None


def note_copies(root: Path, made: Iterable[tuple[str, tuple[int, int, int, int], str]], present: Iterable[str]) -> None:
    """Remember the identity and digest of the copies just ``made`` (see ``known_copies``); entries of
    copies that are not ``present`` in the cache any more are dropped."""
    before = _load_copies(root)
    entries = dict(before)
    entries.update((name, [*ident, digest]) for name, ident, digest in made)
    keep = set(present)
    entries = {k: v for k, v in entries.items() if k in keep}
    if entries != before:
        _write_json(root, _COPIES, {"version": _META_VERSION, "copies": entries})


def known_copies(root: Path) -> list[tuple[str, tuple[int, int, int, int], str]]:
    """(path, identity when made, digest) of every cached copy: the writer then knows a copy's digest
    without reading it, for as long as the file is the one that was made."""
    folder = str((root / CACHE).resolve())
    out: list[tuple[str, tuple[int, int, int, int], str]] = []
    for name, entry in _load_copies(root).items():
        if isinstance(entry, list) and len(entry) == 5 and all(isinstance(v, int) for v in entry[:4]):
            out.append((os.path.join(folder, name), (entry[0], entry[1], entry[2], entry[3]), str(entry[4])))
    return out


def _load_copies(root: Path) -> dict[str, Any]:
    try:
        doc = json.loads(read_regular(root / _COPIES, inside=root))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("version") != _META_VERSION or not isinstance(doc.get("copies"), dict):
        return {}
    copies: dict[str, Any] = doc["copies"]
    return copies
