"""Image facts and resized copies: sizes for every local image, and WebP/original variants for large rasters.

Probing reads image files (through Pillow, never hand-written parsing; SVGs through an XML parser),
so it runs in the build, before the pure model; results and variants are cached in
``.blogen-cache/images/`` by content digest, so a rebuild neither re-reads unchanged images nor
re-encodes their variants. ``enhance_images`` is the pure part: it rewrites ``<img>`` tags.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from blogen.core.errors import Problem
from blogen.core.fileid import identity, settled
from blogen.core.files import check_inside, read_regular, write_atomic

log = logging.getLogger(__name__)

RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")
IMAGE_SUFFIXES = (*RASTER, ".svg")
# Rasters wider than this get smaller copies; widths chosen for a ~46rem column at 1x and 2x.
LARGE = 800
VARIANT_WIDTHS = (400, 800, 1200, 1600)
SIZES = "(min-width: 48rem) 46rem, 100vw"
_FORMAT_OF = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP"}
_CACHE_VERSION = 2


@dataclass(frozen=True, slots=True)
class Variant:
    width: int
    suffix: str  # added to the file name: ".800w.webp"
    cache_file: str  # relative to the site root (absolute when the site's cache could not be written)


@dataclass(frozen=True, slots=True)
class ImageInfo:
    width: int
    height: int
    variants: tuple[Variant, ...] = ()


def _svg_size(path: Path) -> tuple[int, int] | None:
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return None

    def number(value: str | None) -> float | None:
        m = re.fullmatch(r"\s*([0-9.]+)\s*(px)?\s*", value or "")
        return float(m.group(1)) if m else None

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


def _variants(root: Path, path: Path, digest: str, width: int, height: int) -> tuple[Variant, ...]:
    """Resized copies (original format and WebP) in the cache, made once per content digest."""
    from PIL import Image

    ext = path.suffix.lower()
    widths = [w for w in VARIANT_WIDTHS if w < width]
    out: list[Variant] = []
    cache = root / ".blogen-cache" / "images"
    try:
        if check_inside(cache / "x", root) is not None:
            raise OSError(f"{cache} leads outside the site")  # nothing is written there
        cache.mkdir(parents=True, exist_ok=True)
        probe = cache / f".probe.{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:  # a cache that cannot be written only costs speed: the copies are made each time
        log.debug("image cache not writable (%s): resized copies go to a temporary folder", exc)
        cache = _unkept_folder()
    todo: list[tuple[int, str, Path]] = []

    def note(w: int, fmt_ext: str, target: Path) -> None:
        kept = target.relative_to(root).as_posix() if target.is_relative_to(root) else str(target)
        out.append(Variant(w, f".{w}w{fmt_ext}", kept))
        if not target.exists():
            todo.append((w, fmt_ext, target))

    for w in widths:
        for fmt_ext in ([ext, ".webp"] if ext != ".webp" else [".webp"]):
            note(w, fmt_ext, cache / f"{digest[:32]}.{w}{fmt_ext}")
    if ext != ".webp":
        note(width, ".webp", cache / f"{digest[:32]}.{width}.webp")
    if todo:
        with Image.open(path) as img:
            img.load()
            for w, fmt_ext, target in todo:
                h = max(1, round(height * w / width))
                small = img if w == width else img.resize((w, h), Image.Resampling.LANCZOS)
                if fmt_ext == ".webp" and small.mode not in ("RGB", "RGBA"):
                    small = small.convert("RGBA" if "A" in small.getbands() or "transparency" in img.info else "RGB")
                tmp = target.with_suffix(f".{os.getpid()}.tmp")
                small.save(tmp, format=_FORMAT_OF[fmt_ext], optimize=True, **({"quality": 80} if fmt_ext in (".webp", ".jpg", ".jpeg") else {}))
                os.replace(tmp, target)
    return tuple(out)


@lru_cache(maxsize=1)
def _unkept_folder() -> Path:
    """This process's folder for resized copies when the site's cache cannot be written; removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="blogen-images-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def probe_images(root: Path, files: Iterable[str]) -> tuple[dict[str, ImageInfo], list[Problem]]:
    """Sizes (and variants for large rasters) of every image among ``files`` (paths relative to root).

    A metadata cache keyed by each file's identity (inode, size, mtime, ctime: see ``blogen.core.fileid``)
    skips reading unchanged files at all; a file replaced by another of the same size and mtime (as
    ``cp -p`` or ``rsync -a`` leave it) has another ctime, and one changed too recently to tell is read.
    """
    meta_path = root / ".blogen-cache" / "images.json"
    try:
        meta: dict[str, Any] = json.loads(read_regular(meta_path, inside=root))
        if meta.get("version") != _CACHE_VERSION:
            meta = {}
    except (OSError, ValueError):
        meta = {}
    entries: dict[str, Any] = meta.get("entries", {}) if isinstance(meta.get("entries"), dict) else {}
    fresh: dict[str, Any] = {}
    infos: dict[str, ImageInfo] = {}
    problems: list[Problem] = []
    for rel in sorted(files):
        if not rel.lower().endswith(IMAGE_SUFFIXES):
            continue
        path = root / rel
        try:
            st = path.stat()
        except OSError as exc:
            problems.append(Problem(rel, None, f"cannot read image: {exc.strerror}"))
            continue
        stamp = ":".join(map(str, identity(st)))
        cached = entries.get(rel)
        trusted = isinstance(cached, dict) and cached.get("stamp") == stamp and settled(st)
        info = _from_entry(root, cached) if trusted and isinstance(cached, dict) else None
        if info is None:
            info = _probe(root, path, rel, problems)
            if info is None:
                continue
        infos[rel] = info
        fresh[rel] = {"stamp": stamp, "width": info.width, "height": info.height,
                      "variants": [[v.width, v.suffix, v.cache_file] for v in info.variants]}
    if fresh != entries and all(not os.path.isabs(v[2]) for e in fresh.values() for v in e["variants"]) \
            and check_inside(meta_path, root) is None:
        try:
            write_atomic(meta_path, json.dumps({"version": _CACHE_VERSION, "entries": fresh}, sort_keys=True))
        except OSError as exc:
            log.debug("cannot write image cache: %s", exc)
    return infos, problems


def _from_entry(root: Path, entry: Mapping[str, Any]) -> ImageInfo | None:
    try:
        variants = tuple(Variant(int(w), str(s), str(f)) for w, s, f in entry["variants"])
        if any(not (root / v.cache_file).is_file() for v in variants):
            return None  # the cache folder was cleaned: make them again
        return ImageInfo(int(entry["width"]), int(entry["height"]), variants)
    except (KeyError, TypeError, ValueError):
        return None


def _probe(root: Path, path: Path, rel: str, problems: list[Problem]) -> ImageInfo | None:
    if path.suffix.lower() == ".svg":
        size = _svg_size(path)
        return ImageInfo(*size) if size else None  # an SVG without a size is fine: it scales
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Past Pillow's bound against decompression bombs (~89 million pixels, a few hundred MB
            # once decoded) an image is refused rather than decoded for its resized copies.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        problems.append(Problem(rel, None, f"image is too large to process (over {Image.MAX_IMAGE_PIXELS:,} pixels, "
                                           "Pillow's bound against decompression bombs); make it smaller"))
        return None
    except (UnidentifiedImageError, OSError) as exc:
        problems.append(Problem(rel, None, f"not a readable image ({exc})"))
        return None
    variants: tuple[Variant, ...] = ()
    if width > LARGE:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        try:
            variants = _variants(root, path, digest, width, height)
        except (OSError, ValueError) as exc:
            problems.append(Problem(rel, None, f"cannot make resized copies: {exc}", "warning"))
    return ImageInfo(width, height, variants)


_IMG = re.compile(r"<img\s([^>]*?)src=\"([^\"]*)\"([^>]*)>")


def enhance_images(html: str, images: Mapping[str, ImageInfo], decode: Callable[[str], str]) -> str:
    """Give each known ``<img>`` its size, lazy loading after the first, and responsive sources.

    ``images`` maps a src as the author wrote it (see ``decode``) to its facts.
    """
    if not images:
        return html
    count = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal count
        src = m.group(2)
        info = images.get(decode(src))
        if info is None:
            return m.group(0)
        count += 1
        attrs = f'{m.group(1)}src="{src}"{m.group(3)}'.rstrip()
        if "width=" not in attrs:
            attrs += f' width="{info.width}" height="{info.height}"'
        if count > 1 and "loading=" not in attrs:
            attrs += ' loading="lazy" decoding="async"'
        if not info.variants:
            return f"<img {attrs}>"
        ext = "." + src.rsplit(".", 1)[-1].lower()
        stem = src.rsplit(".", 1)[0]
        own = [f"{stem}{v.suffix} {v.width}w" for v in info.variants if v.suffix.endswith(ext)] + [f"{src} {info.width}w"]
        webp = [f"{stem}{v.suffix} {v.width}w" for v in info.variants if v.suffix.endswith(".webp")]
        img = f'<img {attrs} srcset="{", ".join(own)}" sizes="{SIZES}">'
        if ext == ".webp" or not webp:
            return img
        return f'<picture><source type="image/webp" srcset="{", ".join(webp)}" sizes="{SIZES}">{img}</picture>'

    return _IMG.sub(fix, html)
