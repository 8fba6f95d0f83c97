"""bench/: the report a reader gets from `bench/run.py` (and `--from-json` on an older run), and the
Hugo sites it lays out. The measuring itself needs the peers installed and is run by hand."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load_run() -> ModuleType:
    """bench/run.py as a module (it imports its neighbours, layout.py among them, from its own folder)."""
    saved = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = saved


run = _load_run()
layout = run.layout


def _series(wall: float, written: int = 0) -> dict[str, list[Any]]:
    return {"wall": [wall], "cpu": [wall * 1.5], "maxrss_kib": [100 * 1024], "written": [written], "removed": [0],
            "tree_rss_kib": [120 * 1024], "tree_pss_kib": [110 * 1024]}


def _tool(index: int, name: str, cold_wall: float) -> dict[str, Any]:
    ours = name == "blogen"
    return {"output_files": 1000 + index, "cold": _series(cold_wall), "mem": _series(cold_wall),
            "noop": _series(0.1, 0) if ours else _series(cold_wall, 1500),
            "edit": _series(0.3 if ours else cold_wall),
            "memfull": _series(cold_wall) if ours else {key: [] for key in _series(0)}}


def _results(cold: dict[str, float]) -> dict[str, Any]:
    """A run at 1,000 posts with these cold-build walls, shaped as bench/run.py writes latest.json."""
    tools = {name: {"version": "1", "note": f"{name} 1", "command": [name]} for name in cold}
    size_tools = {name: _tool(i, name, wall) for i, (name, wall) in enumerate(cold.items())}
    return {
        "date": "2026-12-05 12:00 UTC", "search": False, "rounds": 1, "mem_rounds": 1, "version_runs": 1,
        "machine": {"nproc": 2, "cpu": "test CPU", "memory_gib": 4.0, "platform": "Linux", "python": "3.11",
                    "git": "abc1234", "blogen_uncommitted_files": 0, "load_start": [0.5, 0.5, 0.5], "source_start": "x"},
        "tools": tools,
        "sizes": [{"posts": 1000, "load_before": [0.5, 0.5, 0.5], "load_after": [0.7, 0.6, 0.5], "tools": size_tools}],
        "version": {"wall": [0.05]},
        "serve": {"available": False, "note": "not measured in this run (--no-serve)"},
    }


def _table_rows(text: str) -> tuple[list[str], dict[str, list[str]]]:
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.setdefault(cells[0], cells)
    return head, rows


def test_from_json_of_an_older_run_without_hugo_light(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "latest.json"
    old.write_text(json.dumps(_results({"blogen": 3.0, "hugo": 2.5, "pelican": 10.0})), encoding="utf-8")
    assert run.main(["--from-json", str(old)]) == 0
    head, rows = _table_rows(capsys.readouterr().out)
    assert head == ["Measure", "Posts", "blogen", "Hugo", "Pelican", "blogen / Hugo", "blogen / Pelican", "Target", "Met"]
    assert rows["cold build, wall"][2:] == ["3.00 s", "2.50 s", "10.0 s", "1.20×", "0.30×", "≤ 1.25× Hugo, ≤ ⅓ Pelican", "yes"]


def test_hugo_light_has_its_own_columns_and_the_target_stays_on_hugo(capsys: pytest.CaptureFixture[str]) -> None:
    """blogen 1.2× Hugo meets the cold-build target even though it is 2× Hugo (light)."""
    text = run.render(_results({"blogen": 3.0, "hugo": 2.5, "hugo-light": 1.5}))
    head, rows = _table_rows(text)
    assert head == ["Measure", "Posts", "blogen", "Hugo", "Hugo (light)", "blogen / Hugo", "blogen / Hugo (light)",
                    "Target", "Met"]
    assert rows["cold build, wall"][2:] == ["3.00 s", "2.50 s", "1.50 s", "1.20×", "2.00×", "≤ 1.25× Hugo", "yes"]
    assert "files in each output: blogen 1000, hugo 1001, hugo-light 1002" in text

    slow = _table_rows(run.render(_results({"blogen": 3.0, "hugo": 2.0, "hugo-light": 2.9})))[1]
    assert slow["cold build, wall"][-2:] == ["≤ 1.25× Hugo", "**no**"]  # 1.5× Hugo misses, though under Hugo (light)


def test_tools_option_refuses_unknown_tools_and_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run.main(["--tools", "blogen,hugo-lite"])
    assert "unknown tool(s): hugo-lite (known: blogen, hugo, hugo-light, pelican, eleventy, floor)" in capsys.readouterr().err


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "posts").mkdir(parents=True)
    (corpus / "images").mkdir()
    (corpus / "posts" / "a-post-00001.md").write_text("---\ntitle: \"A post\"\n---\n\nBody.\n", encoding="utf-8")
    return corpus


def test_hugo_light_site_is_two_templates_and_html_only(tmp_path: Path) -> None:
    site = layout.lay_out("hugo-light", _corpus(tmp_path), tmp_path / "light")
    assert site.tool == "hugo-light" and site.output == tmp_path / "light" / "public"
    templates = sorted(p.relative_to(site.root / "layouts").as_posix() for p in (site.root / "layouts").rglob("*"))
    assert templates == ["_default", "_default/list.html", "_default/single.html"]
    for name in ("single.html", "list.html"):  # whole pages of their own, no base template, no feed link
        text = (site.root / "layouts" / "_default" / name).read_text(encoding="utf-8")
        assert text.startswith("<!doctype html>") and "define" not in text and "rss" not in text.lower()
    light = tomllib.loads((site.root / "hugo.toml").read_text(encoding="utf-8"))
    assert light["outputs"] == {"home": ["html"], "section": ["html"], "taxonomy": ["html"], "term": ["html"]}

    full = tomllib.loads((layout.lay_out("hugo", _corpus(tmp_path / "b"), tmp_path / "full").root / "hugo.toml")
                         .read_text(encoding="utf-8"))
    assert "rss" in full["outputs"]["term"]
    assert {k: v for k, v in light.items() if k != "outputs"} == {k: v for k, v in full.items() if k != "outputs"}


def test_python_floor_builds_the_posts_their_tags_and_a_feed_from_a_blogen_site(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "posts" / "b-post-00002.md").write_text(
        "---\ntitle: \"B & post\"\ndate: 2024-02-01T10:00:00\ntags:\n  - rust\n---\n\nSee *this*:\n\n"
        "```rust\nfn main() {}\n```\n", encoding="utf-8")
    site = layout.lay_out("floor", corpus, tmp_path / "floor")
    assert site.caches == () and site.output == site.root / "output"
    subprocess.run([sys.executable, str(BENCH / "floor.py")], cwd=site.root, check=True)
    page = site.post_output("b-post-00002").read_text(encoding="utf-8")
    assert "<p>See <em>this</em>:</p>" in page  # the body's HTML, not escaped
    assert '<div class="highlight">' in page and "<title>B &amp; post</title>" in page  # Pygments, Jinja2 escaping
    assert site.post_output("a-post-00001").is_file()
    assert 'href="/posts/b-post-00002/"' in (site.output / "tags" / "rust" / "index.html").read_text(encoding="utf-8")
    assert (site.output / "feed.xml").read_text(encoding="utf-8").count("<entry>") == 2


def test_a_post_page_must_hold_the_posts_opening_words() -> None:
    source = "---\ntitle: x\n---\n\n## Heading\n\nIt first on tune bisect from **bold** text.\n"
    words = run.opening_words(source)
    assert words == "It first on tune bisect"
    assert words in run.page_words("<article><p>It first\non <em></em>tune bisect from</p></article>")
    assert words not in run.page_words("<article><p>It first on tune</p></article>")
