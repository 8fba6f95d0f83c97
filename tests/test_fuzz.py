"""Property tests: random front matter, Markdown, file names and config through the whole pipeline.

Every outcome must be a site or a BlogenError whose problems name a file; never another exception.
CI runs a few thousand examples with a fixed seed; run longer by hand with BLOGEN_FUZZ_EXAMPLES=50000.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blogen.build.pipeline import build_site, prepare_site
from blogen.core.errors import BlogenError

EXAMPLES = int(os.environ.get("BLOGEN_FUZZ_EXAMPLES", "600"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NOW = datetime(2024, 6, 1, tzinfo=UTC)
CONFIG = 'title = "Fuzz"\nbase_url = "https://fuzz.example/"\n'

KEYS = ["title", "date", "updated", "tags", "summary", "draft", "slug", "aliases", "template", "toc", "image", "extra",
        "tgas", "weird key", "", "123"]
SCALARS = st.one_of(
    st.text(max_size=30), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=True),
    st.sampled_from(["2023-02-30", "2021-03-14", "2021-03-14T09:30:00+02:00", "yes", "~", "!!python/object:os.system",
                     "../../x", "[a, b", "{", "*alias", "&anchor x", "'", '"', ":", "- x", "|", ">"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                      max_leaves=8)
MARKDOWN_BITS = st.sampled_from([
    "# Title\n", "## Heading {#id}\n", "```python hl_lines=2\nx\n```\n", "```\n", "~~~c linenos\n", "> [!NOTE]\n> hi\n",
    "<!-- more -->\n", "![img](a.png \"t\")\n", "[link](other.md#frag)\n", "[x](/tags/)\n", "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "- [ ] task\n", "[^1]\n\n[^1]: note\n", "<script>x</script>\n", "*", "_", "`", "\\", "\n", " ", "&amp;", "\x00", "\u202e",
    "[", "]", "(", ")", "<", ">", "#", "|", "-", "+", "1.", "---\n",
])
MARKDOWN = st.lists(st.one_of(MARKDOWN_BITS, st.text(max_size=20)), max_size=25).map("".join)


def _yaml_value(value: object) -> str:
    import json

    return json.dumps(value, default=str) if not isinstance(value, str) else value


def _front_matter(pairs: list[tuple[str, object]]) -> str:
    lines = [f"{k}: {_yaml_value(v)}" for k, v in pairs]
    return "---\n" + "\n".join(lines) + "\n---\n"


def _run(files: dict[str, str | bytes], config: str = CONFIG) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "blogen.toml").write_text(config, encoding="utf-8", errors="surrogatepass")
        (root / "content").mkdir()
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_bytes(data.encode("utf-8", errors="surrogatepass"))
        try:
            prepare_site(root, now=NOW, jobs=1, drafts=True)
        except BlogenError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.path and problem.message
                assert problem.line is None or problem.line >= 1


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=8), MARKDOWN)
def test_random_front_matter_and_markdown(pairs: list[tuple[str, object]], body: str) -> None:
    _run({"content/posts/post.md": _front_matter(pairs) + body})


@FUZZ
@given(st.text(max_size=300), st.binary(max_size=200))
def test_random_text_and_bytes(text: str, data: bytes) -> None:
    _run({"content/posts/text.md": text, "content/pages/bytes.md": data})


NAME_CHARS = st.characters(blacklist_categories=["Cs"], blacklist_characters="/\x00")


@FUZZ
@given(st.lists(st.text(NAME_CHARS, min_size=1, max_size=20).filter(lambda n: n not in (".", "..")), min_size=1, max_size=4,
                unique=True))
def test_random_file_names(names: list[str]) -> None:
    files: dict[str, str | bytes] = {}
    for i, name in enumerate(names):
        if len(name.encode()) > 200:
            continue
        files[f"content/posts/{name}.md"] = f"---\ntitle: T{i}\ndate: 2024-01-0{1 + i}\n---\nBody {i}\n"
        files[f"content/static/{name}"] = "x"
    _run(files)


CONFIG_KEYS = ["title", "author", "description", "base_url", "language", "timezone", "permalink", "posts_per_page",
               "output", "max_source_mb", "tittle", "markdown", "highlight", "feed", "tag_names", "tag_aliases", "extra",
               "taxonomies", "backlinks"]


def _toml_value(value: object) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(CONFIG_KEYS),
                          st.one_of(st.text(max_size=20), st.integers(-5, 5000), st.booleans(),
                                    st.sampled_from(["/{year}/{slug}/", "{slug}", "/x/", "Europe/Berlin", "Mars/Base",
                                                     "https://e.org/blog", "ftp://x", "/", ".", "..", "content"]),
                                    st.dictionaries(st.sampled_from(["raw_html", "light", "dark", "enabled", "entries", "x", "json",
                                                                      "tags", "categories", "series", "authors"]),
                                                    st.one_of(st.booleans(), st.integers(-1, 50), st.text(max_size=10)),
                                                    max_size=3))),
                max_size=6, unique_by=lambda kv: kv[0]))
def test_random_config(pairs: list[tuple[str, object]]) -> None:
    config = "".join(f"{k} = {_toml_value(v)}\n" for k, v in pairs if not isinstance(v, dict)) + \
        "".join(f"[{k}]\n" + "".join(f"{kk} = {_toml_value(vv)}\n" for kk, vv in v.items())
                for k, v in pairs if isinstance(v, dict))
    _run({"content/posts/a.md": "---\ntitle: A\ndate: 2024-01-01\ntags: [x]\ncategories: y\nseries: [z]\nauthors: w\n---\n"
                               "## Hi\n\n[me](a.md#hi)\n"}, config)


# --- what Python's own parsers choke on: deep nesting, aliases, undecodable names -----------------


# A real build costs several times what ``prepare_site`` does: fewer examples, the same seed rules.
FUZZ_BUILD = settings(FUZZ, max_examples=max(20, EXAMPLES // 6))


def _build(files: dict[str, str | bytes], config: str = CONFIG) -> None:
    """``_run``, then a real build twice (the writer, the kept model and its pickle see the values too)."""
    _run(files, config)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "blogen.toml").write_text(config, encoding="utf-8")
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", errors="surrogatepass"))
        (root / "content").mkdir(exist_ok=True)
        for _ in range(2):
            try:
                build_site(root, now=NOW, jobs=1, drafts=True)
            except BlogenError as exc:
                assert all(p.path and p.message for p in exc.problems)


def _nested(shape: list[bool], leaf: str, *, toml: bool) -> str:
    """A value nested once per item of ``shape``: a list (True) or a one-key table (False)."""
    opened = "".join("[" if is_list else ("{k = " if toml else "{k: ") for is_list in shape)
    return opened + leaf + "".join("]" if is_list else "}" for is_list in reversed(shape))


SHAPES = st.lists(st.booleans(), min_size=1, max_size=600)


@FUZZ_BUILD
@given(SHAPES, st.sampled_from(["1", '"x"', "[]", "{}"]), st.sampled_from(["extra", "tags", "title", "aliases", "odd"]),
       st.booleans())
def test_nested_front_matter(shape: list[bool], leaf: str, key: str, toml: bool) -> None:
    value = _nested(shape, leaf, toml=toml)
    if toml:
        text = f'+++\ntitle = "N"\ndate = 2024-01-01\n{key} = {value}\n+++\nBody.\n'
    else:
        text = f"---\ntitle: N\ndate: 2024-01-01\n{key}: {value}\n---\nBody.\n"
    _build({"content/posts/nested.md": text})


@FUZZ_BUILD
@given(st.integers(1, 400))
def test_nested_yaml_blocks(depth: int) -> None:
    block = "".join("  " * i + "- \n" if i % 2 else "  " * i + "k:\n" for i in range(depth)) + "  " * depth + "leaf\n"
    _build({"content/posts/block.md": f"---\ntitle: B\ndate: 2024-01-01\nextra:\n{block}---\nBody.\n"})


@FUZZ_BUILD
@given(SHAPES, st.sampled_from(["extra", "markdown", "tag_names", "taxonomies"]))
def test_nested_config(shape: list[bool], table: str) -> None:
    config = CONFIG + f"\n[{table}]\nx = {_nested(shape, '1', toml=True)}\n"
    _build({"content/posts/a.md": "---\ntitle: A\ndate: 2024-01-01\n---\nx\n"}, config)


ANCHORS = st.sampled_from(["a", "b", "c"])
YAML_NODES = st.recursive(
    st.one_of(st.sampled_from(["1", "x", "''", "[]", "{}"]), ANCHORS.map(lambda n: f"*{n}")),
    lambda inner: st.one_of(
        st.tuples(ANCHORS, inner).map(lambda t: f"&{t[0]} {t[1]}"),
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.lists(st.tuples(st.sampled_from(["p", "q"]), inner), max_size=2).map(
            lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"),
    ),
    max_leaves=12,
)


@FUZZ_BUILD
@given(st.lists(st.tuples(st.sampled_from(["extra", "tags", "aliases", "title", "series", "zz"]), YAML_NODES), min_size=1,
                max_size=4, unique_by=lambda kv: kv[0]))
def test_yaml_anchors_and_aliases(pairs: list[tuple[str, str]]) -> None:
    """Anchors and aliases anywhere, recursive ones (``&a [*a]``) and undefined ones included."""
    lines = "".join(f"{k}: {v}\n" for k, v in pairs)
    _build({"content/posts/alias.md": f"---\ntitle: Y\ndate: 2024-01-01\n{lines}---\nBody.\n"})


RAW_NAMES = st.binary(min_size=1, max_size=24).filter(lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b".."))
PLACES = st.sampled_from(["content/posts", "content/pages", "content/static", "content/posts/bundle", "theme/static",
                          "theme/templates", "content"])


@FUZZ_BUILD
@given(st.lists(st.tuples(PLACES, RAW_NAMES, st.booleans()), min_size=1, max_size=4, unique_by=lambda e: (e[0], e[1])))
def test_undecodable_file_and_folder_names(entries: list[tuple[str, bytes, bool]]) -> None:
    """Names that are any bytes (most not UTF-8), as files or as folders holding one, in every folder blogen reads."""
    files: dict[str, str | bytes] = {"content/posts/bundle/index.md": "---\ntitle: B\ndate: 2024-01-02\n---\nx\n"}
    for place, raw, folder in entries:
        name = os.fsdecode(raw)
        rel = f"{place}/{name}/inner.md" if folder else f"{place}/{name}"
        files[rel] = "---\ntitle: R\ndate: 2024-01-03\n---\nRaw.\n"
    _build(files)
