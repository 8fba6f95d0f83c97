#!/usr/bin/env python3
"""Profile one blogen cold build and one no-op build with cProfile; print where the time goes.

    python bench/profile_blogen.py                 # 1,000 posts
    python bench/profile_blogen.py --posts 5000 --top 40

Uses the corpus bench/run.py generates (makes it if missing) and a blogen site of its own under
bench/.cache/profile/. Three profiles, each ``python -m cProfile -o FILE -m blogen build --root SITE -q``
in a fresh process, saved in bench/results/profile-<posts>-<name>.prof:

* ``cold``     output/ and .blogen-cache/ removed first; default worker processes. cProfile sees
               only the main process: the Markdown rendered by the workers appears as time waiting
               in ``concurrent.futures`` / ``threading`` (lock acquire), not as Markdown functions.
* ``cold-j1``  the same with ``-j 1``, so the Markdown work runs (and is profiled) in-process.
* ``noop``     right after, nothing changed.
* ``edit``     a sentence appended to one post, then a build (every other Markdown file cached).

For each, pstats' top functions by cumulative and by own (tottime) time are printed.
"""

from __future__ import annotations

import argparse
import io
import pstats
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import layout  # noqa: E402
import peers  # noqa: E402
import run as bench_run  # noqa: E402


def _stats(path: Path, key: str, top: int, only_blogen: bool = False) -> str:
    """pstats' table; ``only_blogen`` keeps blogen's own functions (no click/runpy/library frames)."""
    buf = io.StringIO()
    st = pstats.Stats(str(path), stream=buf)
    if only_blogen:
        st.sort_stats(key).print_stats(r"/blogen/[a-z_]+\.py", top)
    else:
        st.strip_dirs().sort_stats(key).print_stats(top)
    text = buf.getvalue().replace(str(REPO) + "/", "")
    # drop pstats' preamble (file name, date, "List reduced ..."), keep the totals line and the table
    keep = [line for line in text.splitlines()
            if line.strip() and str(path) not in line and "List reduced" not in line and "Ordered by" not in line]
    return "\n".join(keep)


def report(prof: Path, top: int) -> None:
    print(f"\n--- by cumulative time (top {top}) ---")
    print(_stats(prof, "cumulative", top))
    print(f"\n--- blogen's own functions by cumulative time (top {top}) ---")
    print(_stats(prof, "cumulative", top, only_blogen=True))
    print(f"\n--- by own time, tottime (top {top}) ---")
    print(_stats(prof, "tottime", top))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--blogen", help="the blogen script (default: this checkout, as bench/run.py finds it)")
    ap.add_argument("--cache", type=Path, default=HERE / ".cache")
    ap.add_argument("--print-only", action="store_true", help="build nothing: print the profiles saved by an earlier run")
    a = ap.parse_args(argv)
    results = HERE / "results"
    if a.print_only:
        for name in ("cold", "cold-j1", "noop", "edit"):
            prof = results / f"profile-{a.posts}-{name}.prof"
            if prof.is_file():
                print(f"\n{'=' * 100}\n{name}: {a.posts} posts; {prof}\n{'=' * 100}")
                report(prof, a.top)
        return 0
    cache = a.cache.resolve()
    tool = peers.find_blogen(cache, a.blogen)
    python = str(Path(tool.extra["script"]).parent / "python")
    corpus = bench_run.corpus(cache, a.posts, a.seed)
    site = layout.lay_out("blogen", corpus, cache / "profile" / str(a.posts))
    results.mkdir(exist_ok=True)
    runs = [("cold", ["-q"], True), ("cold-j1", ["-q", "-j", "1"], True), ("noop", ["-q"], False),
            ("edit", ["-q"], False)]
    stem = bench_run.pick_post(corpus)
    for name, extra, cold in runs:
        if cold:
            for folder in (site.output, *site.caches):
                if folder.exists():
                    shutil.rmtree(folder)
        if name == "edit":
            with open(site.post_source(stem), "a", encoding="utf-8") as fh:
                fh.write(f"\n\nProfile edit {time.time_ns()}.\n")
        prof = results / f"profile-{a.posts}-{name}.prof"
        start = time.perf_counter()
        subprocess.run([python, "-m", "cProfile", "-o", str(prof), "-m", "blogen", "build", "--root", str(site.root),
                        *extra], check=True)
        wall = time.perf_counter() - start
        print(f"\n{'=' * 100}\n{name}: {a.posts} posts, wall {wall:.2f} s (with cProfile overhead); {prof}\n{'=' * 100}")
        report(prof, a.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
