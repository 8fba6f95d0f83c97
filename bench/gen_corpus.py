#!/usr/bin/env python3
"""Deterministic corpus generator for static-site-generator benchmarks.

    python gen_corpus.py OUTDIR --posts N --seed S

Writes N Markdown posts shaped like a personal tech-notes blog to
OUTDIR/posts/<slug>.md, plus a small pool of placeholder images in
OUTDIR/images/ that posts reference as /images/<name>.png.

Each post has YAML front matter:

    ---
    title: "..."
    date: 2019-03-14T08:21:00
    tags:
      - linux
      - systemd
    summary: "..."        # ~60% of posts
    draft: true           # ~2% of posts
    ---

and a body of ~600-1500 prose words: h2/h3 headings, paragraphs with inline
code / links / emphasis, bullet lists, one table in ~30% of posts, 1-3 fenced
code blocks (bash, python, c, ini, yaml, diff, console, json; 10-40 lines),
occasional blockquotes and images, footnotes in ~20% of posts.

Determinism: post i is generated from its own RNG seeded with "S:i" (string
seeds are hashed with SHA-512 by `random`, independent of PYTHONHASHSEED), so
the corpus for N=100 is exactly the first 100 posts of the corpus for N=5000.
Stdlib only.

(Copied from shared/bench/gen_corpus.py so that bench/run.py needs nothing
outside this repository; kept byte-for-byte the same generator, so corpora
made by either copy are identical.)
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import random
import re
import struct
import zlib

TAGS = [
    "linux", "debian", "systemd", "networking", "dns", "tls", "ssh", "git",
    "python", "rust", "go", "c", "shell", "bash", "docker", "kubernetes",
    "postgres", "sqlite", "redis", "nginx", "performance", "profiling",
    "debugging", "testing", "ci", "security", "backup", "zfs", "btrfs",
    "filesystems", "kernel", "embedded", "raspberry-pi", "homelab", "vim",
    "emacs", "tooling", "packaging", "monitoring", "notes",
]

# tags are not uniformly popular: the first ones are used more often
TAG_WEIGHTS = [max(1.0, 12.0 - i * 0.3) for i in range(len(TAGS))]

NOUNS = [
    "kernel", "socket", "buffer", "cache", "daemon", "service", "container",
    "volume", "snapshot", "index", "query", "schema", "replica", "cluster",
    "node", "pod", "namespace", "cgroup", "interface", "route", "firewall",
    "certificate", "handshake", "resolver", "zone", "record", "package",
    "repository", "branch", "commit", "rebase", "merge", "pipeline", "runner",
    "artifact", "build", "toolchain", "compiler", "linker", "binary",
    "library", "module", "function", "closure", "iterator", "generator",
    "thread", "process", "scheduler", "allocator", "page", "mapping", "inode",
    "journal", "partition", "pool", "dataset", "backup", "archive", "log",
    "metric", "alert", "dashboard", "probe", "timer", "unit", "target",
    "config", "option", "flag", "variable", "script", "prompt", "terminal",
    "editor", "plugin", "keymap", "macro", "benchmark", "profile", "trace",
    "regression", "fixture", "mock", "assertion", "parser", "lexer", "token",
    "tree", "graph", "queue", "stack", "heap", "lock", "mutex", "channel",
    "future", "promise", "callback", "request", "response", "header",
    "payload", "endpoint", "proxy", "upstream", "backend", "frontend",
    "server", "client", "session", "token", "key", "secret", "hash",
    "checksum", "signature", "mirror", "tarball", "wheel", "crate",
]

VERBS = [
    "configure", "restart", "inspect", "measure", "profile", "rebuild",
    "migrate", "deploy", "rotate", "compress", "decompress", "mount",
    "unmount", "resize", "patch", "bisect", "trace", "debug", "replace",
    "tune", "cache", "invalidate", "serialize", "parse", "render", "compile",
    "link", "strip", "package", "sign", "verify", "mirror", "sync",
    "replicate", "snapshot", "restore", "benchmark", "refactor", "split",
    "merge", "pin", "upgrade", "downgrade", "vendor", "isolate", "sandbox",
    "throttle", "schedule", "monitor", "alert", "log", "grep", "filter",
]

ADJS = [
    "slow", "fast", "flaky", "stale", "broken", "minimal", "reproducible",
    "deterministic", "noisy", "quiet", "hidden", "obvious", "subtle",
    "expensive", "cheap", "large", "tiny", "nested", "recursive", "lazy",
    "eager", "concurrent", "parallel", "blocking", "async", "static",
    "dynamic", "portable", "legacy", "modern", "default", "custom", "local",
    "remote", "temporary", "persistent", "read-only", "writable", "encrypted",
    "compressed", "sparse", "dirty", "clean", "idle", "busy",
]

FILLER = [
    "the", "a", "this", "that", "it", "we", "you", "I", "and", "but", "so",
    "because", "when", "while", "after", "before", "then", "with", "without",
    "for", "from", "into", "on", "in", "at", "by", "of", "to", "is", "was",
    "turns out", "which", "every", "some", "most", "only", "also", "still",
    "again", "not", "never", "usually", "sometimes", "first", "finally",
]

TITLE_TEMPLATES = [
    "How I {verb} the {adj} {noun}",
    "Notes on {verb}ing a {noun}",
    "Why my {noun} was {adj}",
    "A {adj} {noun} in {tagname}",
    "{Verb} {noun}s without pain",
    "Debugging a {adj} {noun}",
    "Today I learned: {noun} {noun2}",
    "The {adj} {noun} problem",
    "{Tagname} tip: {verb} the {noun}",
    "Moving from {noun} to {noun2}",
    "Quick {noun} {noun2} cheatsheet",
    "When the {noun} is {adj}",
    "Setting up a {adj} {noun} with {tagname}",
    "Lessons from a {adj} {noun2}",
]

HEADING_TEMPLATES = [
    "Background", "The problem", "What I tried", "The fix", "Results",
    "Setup", "Configuration", "Measuring it", "A closer look", "Caveats",
    "Going further", "Summary", "Why this happens", "Reproducing it",
    "Cleaning up", "Next steps", "{Verb} the {noun}", "The {adj} {noun}",
    "About the {noun}", "{Noun} vs {noun2}", "Step {n}: {verb} the {noun}",
]

DOMAINS = [
    "example.com", "docs.example.org", "wiki.example.net", "blog.example.io",
    "man.example.org", "lists.example.com",
]

LANGS = ["bash", "python", "c", "ini", "yaml", "diff", "console", "json"]
LANG_WEIGHTS = [16, 18, 8, 8, 10, 8, 20, 12]

# ---------------------------------------------------------------------------
# prose


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _ident(r: random.Random) -> str:
    a, b = r.choice(NOUNS), r.choice(NOUNS)
    style = r.random()
    if style < 0.5:
        return f"{a}_{b}"
    if style < 0.8:
        return f"{r.choice(VERBS)}_{a}"
    return a


def _inline(r: random.Random) -> str:
    x = r.random()
    if x < 0.35:
        c = r.random()
        if c < 0.4:
            return f"`{_ident(r)}()`"
        if c < 0.7:
            return f"`--{r.choice(VERBS)}-{r.choice(NOUNS)}`"
        return f"`/etc/{r.choice(NOUNS)}/{r.choice(NOUNS)}.conf`"
    if x < 0.6:
        text = f"{r.choice(ADJS)} {r.choice(NOUNS)}"
        url = f"https://{r.choice(DOMAINS)}/{r.choice(NOUNS)}/{r.choice(VERBS)}-{r.randint(1, 999)}"
        return f"[{text}]({url})"
    if x < 0.85:
        return f"*{r.choice(ADJS)}*"
    return f"**{r.choice(NOUNS)} {r.choice(VERBS)}**"


def _sentence(r: random.Random, inline_p: float = 0.25) -> tuple[str, int]:
    n = r.randint(8, 22)
    words = []
    for _ in range(n):
        k = r.random()
        if k < 0.42:
            words.append(r.choice(FILLER))
        elif k < 0.70:
            words.append(r.choice(NOUNS))
        elif k < 0.85:
            words.append(r.choice(VERBS))
        else:
            words.append(r.choice(ADJS))
    if r.random() < inline_p:
        words.insert(r.randrange(1, len(words)), _inline(r))
    if r.random() < inline_p / 3:
        words.insert(r.randrange(1, len(words)), _inline(r))
    if n > 12 and r.random() < 0.3:
        words[n // 2] += ","
    s = _cap(" ".join(words))
    s += r.choice([".", ".", ".", ".", "?", "!", ":"]) if r.random() < 0.15 else "."
    return s, n


def _paragraph(r: random.Random, footnotes: list[str] | None = None) -> tuple[str, int]:
    total = 0
    sents = []
    for _ in range(r.randint(2, 6)):
        s, n = _sentence(r)
        total += n
        sents.append(s)
    text = " ".join(sents)
    if footnotes is not None and r.random() < 0.25 and len(footnotes) < 3:
        k = len(footnotes) + 1
        note, _ = _sentence(r, 0.4)
        footnotes.append(note)
        text = text[:-1] + f"[^{k}]" + text[-1:]
    # hard-wrap like many hand-written markdown files
    return _wrap(text, 78 if r.random() < 0.6 else 10_000), total


def _wrap(text: str, width: int) -> str:
    out, line = [], ""
    for w in text.split(" "):
        if line and len(line) + 1 + len(w) > width:
            out.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    out.append(line)
    return "\n".join(out)


def _fill(r: random.Random, tpl: str, tagname: str = "") -> str:
    noun, noun2 = r.choice(NOUNS), r.choice(NOUNS)
    verb = r.choice(VERBS)
    return tpl.format(
        noun=noun, noun2=noun2, Noun=_cap(noun), verb=verb, Verb=_cap(verb),
        adj=r.choice(ADJS), tagname=tagname, Tagname=_cap(tagname),
        n=r.randint(1, 5),
    )


def _bullets(r: random.Random) -> tuple[str, int]:
    items, words = [], 0
    ordered = r.random() < 0.25
    for i in range(r.randint(3, 7)):
        n = r.randint(3, 12)
        ws = [r.choice(NOUNS if j % 2 else VERBS) for j in range(n)]
        if r.random() < 0.3:
            ws.insert(1, _inline(r))
        words += n
        marker = f"{i + 1}." if ordered else "-"
        items.append(f"{marker} {_cap(' '.join(ws))}")
        if not ordered and r.random() < 0.1:
            items.append(f"  - {r.choice(ADJS)} {r.choice(NOUNS)}")
    return "\n".join(items), words


def _table(r: random.Random) -> str:
    cols = r.randint(3, 5)
    rows = r.randint(3, 8)
    head = [_cap(r.choice(NOUNS)) for _ in range(cols)]
    lines = ["| " + " | ".join(head) + " |"]
    aligns = [r.choice(["---", ":---", "---:", ":---:"]) for _ in range(cols)]
    lines.append("| " + " | ".join(aligns) + " |")
    for _ in range(rows):
        cells = []
        for c in range(cols):
            k = r.random()
            if c == 0:
                cells.append(f"`{_ident(r)}`" if k < 0.4 else r.choice(NOUNS))
            elif k < 0.5:
                cells.append(f"{r.uniform(0, 1000):.1f}")
            elif k < 0.7:
                cells.append(f"{r.randint(1, 65535)}")
            else:
                cells.append(f"{r.choice(ADJS)} {r.choice(NOUNS)}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _blockquote(r: random.Random) -> tuple[str, int]:
    s1, n1 = _sentence(r, 0.1)
    s2, n2 = _sentence(r, 0.1)
    text = _wrap(f"{s1} {s2}", 70)
    lines = ["> " + ln for ln in text.split("\n")]
    if r.random() < 0.4:
        lines.append(">")
        lines.append(f"> -- {_cap(r.choice(NOUNS))} {_cap(r.choice(NOUNS))} manual")
    return "\n".join(lines), n1 + n2


# ---------------------------------------------------------------------------
# code blocks: each generator returns exactly `n` lines, built from small
# coherent units (a function, a loop, a section, a hunk) so lexers see
# realistic nesting.


def _fit(head, units, n, tail=()):
    out = list(head)
    while len(out) < n - len(tail):
        out.extend(units())
    out = out[: n - len(tail)]
    out.extend(tail)
    return out


def _code_bash(r, n):
    def unit():
        k = r.random()
        if k < 0.25:
            v = r.choice(NOUNS)
            return [f"for {v} in /etc/{r.choice(NOUNS)}/*.conf; do",
                    f'    echo "checking ${v}" >&2',
                    f"    grep -qE '^{r.choice(NOUNS)}[0-9]+' \"${v}\" || continue",
                    "done"]
        if k < 0.45:
            f = f"{r.choice(VERBS)}_{r.choice(NOUNS)}"
            return [f"{f}() {{",
                    f'    local {r.choice(NOUNS)}="$1"',
                    f"    awk '{{print ${r.randint(1, 9)}}}' \"$1\" | sort -u | head -n {r.randint(5, 50)}",
                    "}", ""]
        if k < 0.6:
            return [f'if [[ -f "${{HOME}}/.{r.choice(NOUNS)}rc" ]]; then',
                    f'    source "${{HOME}}/.{r.choice(NOUNS)}rc"',
                    "else",
                    f'    {_ident(r).upper()}="${{{_ident(r).upper()}:-/var/lib/{r.choice(NOUNS)}}}"',
                    "fi"]
        return [r.choice([
            f"sudo systemctl restart {r.choice(NOUNS)}.service",
            f"curl -fsSL https://{r.choice(DOMAINS)}/{r.choice(NOUNS)}.tar.gz | tar -xz -C /opt",
            f"find . -name '*.{r.choice(['log', 'tmp', 'o', 'pyc'])}' -mtime +{r.randint(1, 30)} -delete",
            f"# {_sentence(r, 0)[0]}",
            f'export PATH="/opt/{r.choice(NOUNS)}/bin:$PATH"',
            f"rsync -avz --delete ./{r.choice(NOUNS)}/ {r.choice(NOUNS)}@host:/srv/{r.choice(NOUNS)}/",
            f"count=$(( count + {r.randint(1, 9)} ))",
        ])]
    return _fit(["#!/usr/bin/env bash", "set -euo pipefail", ""], unit, n)


def _code_python(r, n):
    def unit():
        k = r.random()
        if k < 0.4:
            a, b = r.choice(NOUNS), r.choice(NOUNS)
            return [f"def {_ident(r)}({a}, {b}=None):",
                    f'    """{_cap(r.choice(VERBS))} the {r.choice(NOUNS)}."""',
                    "    result = {}",
                    f"    for item in {a}:",
                    "        if item is None:",
                    "            continue",
                    f"        result[{r.choice(NOUNS)!r}] = item.{r.choice(VERBS)}({b})",
                    f"    return {{k: v for k, v in result.items() if v > {r.randint(0, 100)}}}",
                    ""]
        if k < 0.6:
            return [f"class {_cap(r.choice(NOUNS))}{_cap(r.choice(NOUNS))}:",
                    f"    {r.choice(NOUNS)}: int = {r.randint(0, 4096)}",
                    "",
                    "    def __init__(self, path: str) -> None:",
                    f"        self.path = os.path.join(path, {r.choice(NOUNS)!r})",
                    f"        self.{r.choice(NOUNS)} = [x ** {r.randint(2, 4)} for x in range({r.randint(10, 10000)})]",
                    ""]
        if k < 0.75:
            return [f"with open({r.choice(NOUNS)!r} + '.json', encoding='utf-8') as fh:",
                    "    data = json.load(fh)",
                    f'print(f"{{len(data)}} {r.choice(NOUNS)}s took {{elapsed:.3f}}s")']
        return [r.choice([
            f"# {_sentence(r, 0)[0]}",
            f'raise ValueError("{r.choice(ADJS)} {r.choice(NOUNS)}: %r" % ({r.choice(NOUNS)},))',
            f"{r.choice(NOUNS)} = sorted({r.choice(NOUNS)}, key=lambda x: x[{r.randint(0, 3)}])",
        ])]
    head = ["import os", f"import {r.choice(['sys', 'json', 're', 'time', 'pathlib', 'subprocess'])}", ""]
    return _fit(head, unit, n)


def _code_c(r, n):
    def unit():
        k = r.random()
        if k < 0.6:
            return [f"static int {_ident(r)}(const char *{r.choice(NOUNS)}, size_t len)",
                    "{",
                    f"    struct {r.choice(NOUNS)} *p = malloc(sizeof(*p) * {r.randint(1, 64)});",
                    "    if (p == NULL) {",
                    '        perror("malloc");',
                    "        return -1;",
                    "    }",
                    "    for (size_t i = 0; i < len; i++) {",
                    f"        sum += buf[i] * {r.randint(2, 31)};",
                    "    }",
                    f'    printf("%s: %d\\n", {r.choice(NOUNS)}, {r.randint(0, 100)});',
                    "    free(p);",
                    "    return 0;",
                    "}", ""]
        return [r.choice([
            f"/* {_sentence(r, 0)[0]} */",
            f"#define {r.choice(NOUNS).upper()}_MAX {r.randint(16, 65536)}",
            f"typedef struct {{ int {r.choice(NOUNS)}; char *{r.choice(NOUNS)}; }} {r.choice(NOUNS)}_t;",
        ])]
    return _fit(["#include <stdio.h>", "#include <stdlib.h>", "#include <string.h>", ""], unit, n)


def _code_ini(r, n):
    def unit():
        lines = ["", f"[{r.choice(NOUNS)}{'.' + r.choice(NOUNS) if r.random() < 0.3 else ''}]"]
        for _ in range(r.randint(2, 6)):
            lines.append(r.choice([
                f"{r.choice(NOUNS)} = {r.randint(0, 10000)}",
                f"{r.choice(NOUNS)}_{r.choice(NOUNS)} = {r.choice(['true', 'false', 'yes', 'no'])}",
                f"{r.choice(NOUNS)}_path = /var/lib/{r.choice(NOUNS)}/{r.choice(NOUNS)}",
                f"# {_sentence(r, 0)[0]}",
                f"{r.choice(VERBS)} = {r.choice(ADJS)}",
            ]))
        return lines
    return _fit([f"; {r.choice(NOUNS)} configuration"], unit, n)


def _code_yaml(r, n):
    def unit():
        lines = [f"{r.choice(NOUNS)}:"]
        for _ in range(r.randint(1, 4)):
            k = r.random()
            if k < 0.3:
                lines += [f"  {r.choice(NOUNS)}:", f"    - name: {r.choice(NOUNS)}",
                          f"      {r.choice(NOUNS)}: {r.choice(['true', 'false', 'null', '~'])}",
                          f"    - {r.choice(NOUNS)}"]
            elif k < 0.6:
                lines.append(f"  {r.choice(NOUNS)}: {r.randint(0, 1000)}")
            elif k < 0.8:
                lines.append(f'  {r.choice(NOUNS)}: "{r.choice(ADJS)}-{r.choice(NOUNS)}"')
            elif k < 0.9:
                lines.append(f"  image: {r.choice(NOUNS)}:{r.randint(1, 9)}.{r.randint(0, 20)}")
            else:
                lines.append(f"  # {_sentence(r, 0)[0]}")
        return lines
    return _fit([], unit, n)


def _code_diff(r, n):
    f = f"src/{r.choice(NOUNS)}/{r.choice(NOUNS)}.{r.choice(['c', 'py', 'rs', 'go'])}"
    head = [f"diff --git a/{f} b/{f}", f"index {r.getrandbits(28):07x}..{r.getrandbits(28):07x} 100644",
            f"--- a/{f}", f"+++ b/{f}"]
    line = [r.randint(1, 400)]

    def unit():
        ctx = r.randint(2, 3)
        minus, plus = r.randint(0, 3), r.randint(1, 4)
        hunk = [f"@@ -{line[0]},{ctx * 2 + minus} +{line[0]},{ctx * 2 + plus} @@ {_ident(r)}"]
        line[0] += r.randint(20, 120)
        hunk += [f"     {r.choice(NOUNS)}.{r.choice(VERBS)}()" for _ in range(ctx)]
        hunk += [f"-    {_ident(r)} = {r.choice(NOUNS)}({r.randint(0, 99)})" for _ in range(minus)]
        hunk += [f"+    {_ident(r)} = {r.choice(NOUNS)}({r.randint(0, 99)}, {r.choice(NOUNS)})" for _ in range(plus)]
        hunk += [f"     return {r.choice(NOUNS)}" for _ in range(ctx)]
        return hunk
    return _fit(head, unit, n)


def _code_console(r, n):
    def unit():
        cmd = r.choice(["ls -la", "journalctl -u", "git log --oneline", "df -h", "dig +short", "systemctl status"])
        lines = [f"$ {r.choice(['sudo ', ''])}{cmd} {r.choice(NOUNS)}"]
        for _ in range(r.randint(1, 6)):
            if cmd == "ls -la":
                lines.append(f"{r.choice(['drwxr-xr-x', '-rw-r--r--', '-rwxr-xr-x'])} {r.randint(1, 9)} root root {r.randint(100, 99999):>6} Mar {r.randint(1, 28):>2} {r.randint(0, 23):02}:{r.randint(0, 59):02} {r.choice(NOUNS)}")
            elif cmd in ("journalctl -u", "systemctl status"):
                lines.append(f"{r.choice(['Mar', 'Apr', 'Oct'])} {r.randint(1, 28):02} {r.randint(0, 23):02}:{r.randint(0, 59):02}:{r.randint(0, 59):02} host {r.choice(NOUNS)}[{r.randint(100, 40000)}]: {_sentence(r, 0)[0]}")
            elif cmd == "git log --oneline":
                lines.append(f"{r.getrandbits(28):07x} {_cap(r.choice(VERBS))} {r.choice(ADJS)} {r.choice(NOUNS)}")
            elif cmd == "df -h":
                lines.append(f"/dev/vd{r.choice('abc')}{r.randint(1, 4)}  {r.randint(1, 500)}G  {r.randint(1, 400)}G  {r.randint(1, 100)}G  {r.randint(1, 99)}% /{r.choice(NOUNS)}")
            else:
                lines.append(f"{r.randint(1, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}")
        return lines
    return _fit([], unit, n)


def _code_json(r, n):
    out = ["{"]
    depth = 1
    while len(out) < n - depth:
        ind = "  " * depth
        k = r.random()
        if k < 0.15 and depth < 4:
            out.append(f'{ind}"{r.choice(NOUNS)}": {{')
            depth += 1
        elif k < 0.25 and depth > 1:
            if out[-1].endswith(","):
                out[-1] = out[-1][:-1]
            out.append(f"{ind[:-2]}}},")
            depth -= 1
        elif k < 0.5:
            out.append(f'{ind}"{r.choice(NOUNS)}": {r.randint(0, 100000)},')
        elif k < 0.7:
            out.append(f'{ind}"{r.choice(NOUNS)}": "{r.choice(ADJS)} {r.choice(NOUNS)}",')
        elif k < 0.85:
            out.append(f'{ind}"{r.choice(NOUNS)}": [{", ".join(str(r.randint(0, 99)) for _ in range(r.randint(1, 6)))}],')
        else:
            out.append(f'{ind}"{r.choice(NOUNS)}": {r.choice(["true", "false", "null"])},')
    # close the objects still open, without trailing commas
    while depth > 0:
        if out[-1].endswith(","):
            out[-1] = out[-1][:-1]
        depth -= 1
        out.append("  " * depth + "}" + ("," if depth > 0 else ""))
    return out


CODE_GENS = {
    "bash": _code_bash, "python": _code_python, "c": _code_c, "ini": _code_ini,
    "yaml": _code_yaml, "diff": _code_diff, "console": _code_console,
    "json": _code_json,
}


def _code_block(r: random.Random) -> str:
    lang = r.choices(LANGS, LANG_WEIGHTS)[0]
    lines = CODE_GENS[lang](r, r.randint(10, 40))
    fence = "```" if r.random() < 0.9 else "~~~"
    return f"{fence}{lang}\n" + "\n".join(lines) + f"\n{fence}"


# ---------------------------------------------------------------------------
# posts

EPOCH = _dt.datetime(2015, 1, 1, 0, 0, 0)
SPAN_S = int((_dt.datetime(2025, 1, 1) - EPOCH).total_seconds())
N_IMAGES = 60


def _slugify(s: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    return s[:60].rstrip("-")


def _yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_post(seed: int, i: int) -> tuple[str, str]:
    """Return (slug, markdown text) for post number i."""
    r = random.Random(f"{seed}:{i}")
    tags = []
    for t in r.choices(TAGS, TAG_WEIGHTS, k=r.choice([1, 2, 2, 3, 3, 4])):
        if t not in tags:
            tags.append(t)
    title = _fill(r, r.choice(TITLE_TEMPLATES), tags[0])
    title = _cap(title)
    slug = f"{_slugify(title)}-{i:05d}"
    date = EPOCH + _dt.timedelta(seconds=r.randrange(SPAN_S))
    date = date.replace(second=0)

    fm = ["---", f"title: {_yaml_str(title)}", f"date: {date.isoformat()}", "tags:"]
    fm += [f"  - {t}" for t in tags]
    if r.random() < 0.6:
        fm.append(f"summary: {_yaml_str(_sentence(r, 0)[0])}")
    if r.random() < 0.02:
        fm.append("draft: true")
    fm.append("---")

    # prose words in [600, 1500]: sections overshoot their share a little
    target = int(r.randint(600, 1500) * 0.8)
    n_code = r.choice([1, 1, 2, 2, 2, 3])
    want_table = r.random() < 0.30
    want_quote = r.random() < 0.20
    n_img = r.choice([0, 0, 0, 1, 1, 2])
    footnotes: list[str] | None = [] if r.random() < 0.20 else None

    blocks: list[str] = []
    words = 0
    for _ in range(r.randint(1, 2)):
        p, w = _paragraph(r, footnotes)
        blocks.append(p)
        words += w
    # lay out the non-prose elements over 3..6 sections
    n_sec = r.randint(3, 6)
    extras: list[list[str]] = [[] for _ in range(n_sec)]
    for _ in range(n_code):
        extras[r.randrange(n_sec)].append("code")
    if want_table:
        extras[r.randrange(n_sec)].append("table")
    if want_quote:
        extras[r.randrange(n_sec)].append("quote")
    for _ in range(n_img):
        extras[r.randrange(n_sec)].append("img")
    per_sec = max(40, (target - words) // n_sec)
    for s in range(n_sec):
        blocks.append("## " + _fill(r, r.choice(HEADING_TEMPLATES)))
        sec_words = 0
        todo = list(extras[s])
        r.shuffle(todo)
        sub_done = False
        while sec_words < per_sec or todo:
            if not sub_done and sec_words > per_sec // 2 and r.random() < 0.35:
                blocks.append("### " + _fill(r, r.choice(HEADING_TEMPLATES)))
                sub_done = True
            k = r.random()
            if k < 0.12 and sec_words < per_sec:
                b, w = _bullets(r)
                blocks.append(b)
                sec_words += w
            elif sec_words < per_sec:
                p, w = _paragraph(r, footnotes)
                blocks.append(p)
                sec_words += w
            if todo and (sec_words >= per_sec or r.random() < 0.4):
                what = todo.pop()
                if what == "code":
                    blocks.append(_code_block(r))
                elif what == "table":
                    blocks.append(_table(r))
                elif what == "quote":
                    b, w = _blockquote(r)
                    blocks.append(b)
                    sec_words += w
                else:
                    img = r.randrange(N_IMAGES)
                    blocks.append(f"![{r.choice(ADJS)} {r.choice(NOUNS)} diagram](/images/figure-{img:02d}.png)")
        words += sec_words
    if footnotes:
        blocks.append("\n".join(f"[^{k}]: {t}" for k, t in enumerate(footnotes, 1)))
    text = "\n".join(fm) + "\n\n" + "\n\n".join(blocks) + "\n"
    return slug, text


def _png(r: random.Random, w: int = 8, h: int = 8) -> bytes:
    """A tiny valid grayscale PNG."""
    raw = b"".join(b"\x00" + bytes(r.randrange(256) for _ in range(w)) for _ in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--posts", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    pdir = os.path.join(a.outdir, "posts")
    idir = os.path.join(a.outdir, "images")
    os.makedirs(pdir, exist_ok=True)
    os.makedirs(idir, exist_ok=True)
    ir = random.Random(f"{a.seed}:images")
    for k in range(N_IMAGES):
        with open(os.path.join(idir, f"figure-{k:02d}.png"), "wb") as fh:
            fh.write(_png(ir))
    total = 0
    for i in range(a.posts):
        slug, text = make_post(a.seed, i)
        with open(os.path.join(pdir, slug + ".md"), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        total += len(text)
    print(f"wrote {a.posts} posts ({total / 1e6:.1f} MB) and {N_IMAGES} images to {a.outdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
