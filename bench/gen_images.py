#!/usr/bin/env python3
"""Deterministic image-heavy blog for the image benchmark: bundle posts full of photos and screenshots.

    python bench/gen_images.py OUTDIR --posts 500 --images 2000

Writes OUTDIR/posts/<slug>/index.md with its images beside it, and OUTDIR/manifest.json. Every
image is made with Pillow from a seeded RNG, so the corpus is the same on every machine:

* photos (JPEG, quality 88, ~0.2 bytes a pixel like a camera's): a smooth colour field with
  coarse and fine noise on top, 1-12 megapixels, landscape or portrait;
* screenshots (PNG): flat window areas, rows of "text", a title bar and an embedded photo, 1-12
  megapixels at 16:9, compressing like real ones (~0.1 bytes a pixel);
* in one post in ten, a diagram saved under one name in three formats (``diagram.png``,
  ``diagram.jpg``, ``diagram.webp``, all shown): the case that used to collide;
* about 3 % of the files are in a bundle but shown by no page.

Post bodies are prose from bench/gen_corpus.py with the images between paragraphs. Images are
generated in parallel (one process per core); an existing corpus made by the same version is reused.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_corpus

VERSION = 1


@dataclass(frozen=True)
class Picture:
    path: str  # relative to OUTDIR
    kind: str  # photo | shot | diagram
    width: int
    height: int
    shown: bool
    seed: int


def _photo(w: int, h: int, seed: int) -> Image.Image:
    rnd = random.Random(seed)
    field = Image.new("RGB", (8, 6))
    field.putdata([tuple(rnd.randrange(256) for _ in range(3)) for _ in range(48)])  # type: ignore[misc]
    base = field.resize((w, h), Image.Resampling.BICUBIC)
    coarse = Image.effect_noise((w // 3 + 1, h // 3 + 1), 50).resize((w, h), Image.Resampling.BILINEAR)
    detail = Image.blend(coarse, Image.effect_noise((w, h), 12), 0.35)
    return Image.merge("RGB", [Image.blend(band, detail, 0.35) for band in base.split()])


def _screenshot(w: int, h: int, seed: int) -> Image.Image:
    rnd = random.Random(seed)
    img = Image.new("RGB", (w, h), (245, 245, 245))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, h // 18), fill=(40, 44, 52))
    img.paste(_photo(w // 4, h // 5, seed), (w - w // 4 - w // 20, h // 10))
    line = max(4, h // 300)
    for _ in range(rnd.randrange(3, 8)):
        x0, y0 = rnd.randrange(w // 2), rnd.randrange(h // 2)
        x1, y1 = x0 + rnd.randrange(w // 4, w // 2), y0 + rnd.randrange(h // 4, h // 2)
        draw.rectangle((x0, y0, x1, y1), fill=tuple(rnd.randrange(180, 256) for _ in range(3)), outline=(120, 120, 120))
        for y in range(y0 + 20, y1 - 10, max(14, h // 120)):
            x = x0 + 10
            while x < x1 - 30:
                word = rnd.randrange(8, 40)
                draw.rectangle((x, y, x + word, y + line), fill=(rnd.randrange(30, 90),) * 3)
                x += word + rnd.randrange(4, 10)
    return img


def _size(rnd: random.Random, megapixels: float, aspect: float) -> tuple[int, int]:
    w = int((megapixels * 1e6 * aspect) ** 0.5)
    return w, max(1, int(w / aspect))


def plan(posts: int, images: int, seed: int) -> list[tuple[str, str, list[Picture]]]:
    """(slug, title, pictures) per post: which images each post has, their kinds and sizes."""
    rnd = random.Random(f"{seed}:images")
    out: list[tuple[str, str, list[Picture]]] = []
    left = images
    for i in range(posts):
        title = gen_corpus._fill(random.Random(f"{seed}:{i}"), rnd.choice(gen_corpus.TITLE_TEMPLATES))
        slug = f"post-{i:04d}"
        pictures: list[Picture] = []
        count = round(left / (posts - i))
        if i % 10 == 3 and count >= 3:
            w, h = _size(rnd, rnd.uniform(1, 4), 4 / 3)
            for ext in ("png", "jpg", "webp"):
                pictures.append(Picture(f"posts/{slug}/diagram.{ext}", "diagram", w, h, True, rnd.randrange(1 << 30)))
        while len(pictures) < count:
            n = len(pictures)
            if rnd.random() < 0.32:
                w, h = _size(rnd, rnd.uniform(1, 12), 16 / 9)
                pictures.append(Picture(f"posts/{slug}/screenshot-{n}.png", "shot", w, h, rnd.random() > 0.03,
                                        rnd.randrange(1 << 30)))
            else:
                aspect = rnd.choice((4 / 3, 3 / 2, 16 / 9))
                w, h = _size(rnd, rnd.uniform(1, 12), aspect if rnd.random() > 0.2 else 1 / aspect)
                pictures.append(Picture(f"posts/{slug}/photo-{n}.jpg", "photo", w, h, rnd.random() > 0.03,
                                        rnd.randrange(1 << 30)))
        left -= len(pictures)
        out.append((slug, title, pictures))
    return out


def _make(args: tuple[Path, Picture]) -> int:
    root, p = args
    target = root / p.path
    if target.exists():
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    if p.kind == "photo":
        _photo(p.width, p.height, p.seed).save(tmp, format="JPEG", quality=88)
    elif p.kind == "shot":
        _screenshot(p.width, p.height, p.seed).save(tmp, format="PNG")
    else:
        img = _screenshot(p.width, p.height, p.seed)
        fmt = {".png": "PNG", ".jpg": "JPEG", ".webp": "WEBP"}[target.suffix]
        img.save(tmp, format=fmt, **({"quality": 88} if fmt != "PNG" else {}))
    os.replace(tmp, target)
    return 1


def _body(rnd: random.Random, pictures: list[Picture]) -> str:
    parts: list[str] = []
    shown = [p for p in pictures if p.shown]
    for j, picture in enumerate(shown):
        parts.append(gen_corpus._paragraph(rnd)[0])
        if j % 3 == 1:
            parts.append(f"## {gen_corpus._fill(rnd, rnd.choice(gen_corpus.HEADING_TEMPLATES))}")
        name = picture.path.rsplit("/", 1)[-1]
        parts.append(f"![{picture.kind} {j + 1} of the post]({name})")
    parts.append(gen_corpus._paragraph(rnd)[0])
    return "\n\n".join(parts) + "\n"


def generate(out: Path, posts: int, images: int, seed: int = 1, workers: int | None = None) -> dict[str, object]:
    """Write (or reuse) the corpus; returns its manifest."""
    stamp = out / "manifest.json"
    want = {"version": VERSION, "posts": posts, "images": images, "seed": seed}
    if stamp.exists():
        manifest: dict[str, object] = json.loads(stamp.read_text())
        if all(manifest.get(k) == v for k, v in want.items()):
            return manifest
    planned = plan(posts, images, seed)
    jobs = [(out, p) for _slug, _title, pictures in planned for p in pictures]
    jobs.sort(key=lambda j: -j[1].width * j[1].height)  # largest first: the pool ends together
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        made = sum(pool.map(_make, jobs, chunksize=4))
    for i, (slug, title, pictures) in enumerate(planned):
        rnd = random.Random(f"{seed}:body:{i}")
        day = f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}"
        text = f"---\ntitle: \"{title}\"\ndate: {day}\ntags: [photos]\n---\n{_body(rnd, pictures)}"
        (out / "posts" / slug).mkdir(parents=True, exist_ok=True)
        (out / "posts" / slug / "index.md").write_text(text)
    sizes = [(out / p.path).stat().st_size for _s, _t, ps in planned for p in ps]
    manifest = {**want, "made": made, "bytes": sum(sizes), "pictures": [asdict(p) for _s, _t, ps in planned for p in ps]}
    stamp.write_text(json.dumps(manifest))
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--posts", type=int, default=500)
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    manifest = generate(args.out, args.posts, args.images, args.seed)
    print(f"{args.posts} posts, {args.images} images, {int(manifest['bytes']) / 1e9:.2f} GB in {args.out}")  # type: ignore[call-overload]


if __name__ == "__main__":
    main()
