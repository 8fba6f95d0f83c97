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

from blogen.build.pipeline import prepare_site
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
