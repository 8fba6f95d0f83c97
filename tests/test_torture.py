"""Faults and hostile input: killed builds, full disks, vanishing files, concurrent runs, nasty content."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import read, snapshot, write_site

from blogen.build.pipeline import BuildReport
from blogen.core.errors import BlogenError
from blogen.output.folders import output_lock

Site = Callable[..., Path]
Build = Callable[..., BuildReport]
Cli = Callable[..., tuple[int, str, str]]


def _digests(folder: Path) -> dict[str, str]:
    return {k: v[0] for k, v in snapshot(folder).items()}


def _many_posts(n: int, word: str) -> str:
    body = "\n\n".join(f"Paragraph {i} about {word} with `code` and **bold** text." for i in range(30))
    return "".join(f"-- content/posts/p{i:04d}.md --\n---\ntitle: Post {i} {word}\ndate: 2020-01-{1 + i % 28:02d}\n"
                   f"tags: [t{i % 7}, {word}]\n---\n{body}\n\n```python\nprint({i})\n```\n" for i in range(n))


def test_killed_build_leaves_old_or_new_site_and_next_build_recovers(tmp_path: Path) -> None:
    old_site = write_site(tmp_path / "site", _many_posts(200, "old"))
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    cmd = [sys.executable, "-m", "blogen", "build", "--root", str(old_site), "-q", "--jobs", "1"]
    subprocess.run(cmd, check=True, env=env)
    old = _digests(old_site / "output")
    # The expected new site, built from an identical copy of the changed sources elsewhere.
    new_site = write_site(tmp_path / "copy", _many_posts(200, "new"))
    subprocess.run([*cmd[:5], str(new_site), "-q", "--jobs", "1"], check=True, env=env)
    new = _digests(new_site / "output")
    write_site(old_site, _many_posts(200, "new"))
    subprocess.run(cmd, check=True, env=env)  # now both versions' Markdown is cached, as in every build below
    assert _digests(old_site / "output") == new
    write_site(old_site, _many_posts(200, "old"))
    subprocess.run(cmd, check=True, env=env)
    write_site(old_site, _many_posts(200, "new"))
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)  # time one such build to spread the kills over it
    duration = time.perf_counter() - start
    write_site(old_site, _many_posts(200, "old"))
    subprocess.run(cmd, check=True, env=env)
    write_site(old_site, _many_posts(200, "new"))
    seen = set()
    for i in range(8):
        proc = subprocess.Popen(cmd, env=env)
        time.sleep(duration * (0.15 + 0.12 * i))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = _digests(old_site / "output")
        odd = sorted(k for k in set(now) | set(old) | set(new) if now.get(k) not in (old.get(k), new.get(k)))
        assert now in (old, new), f"kill {i}: output is neither the old nor the new site: {odd[:10]}, {len(now)} files"
        seen.add("old" if now == old else "new")
        if now == new:  # the kill came after the swap: put the old site back for the next round
            write_site(old_site, _many_posts(200, "old"))
            subprocess.run(cmd, check=True, env=env)
            write_site(old_site, _many_posts(200, "new"))
    subprocess.run(cmd, check=True, env=env)
    assert _digests(old_site / "output") == new
    assert sorted(p.name for p in old_site.iterdir() if p.name.endswith((".blogen-new", ".blogen-old"))) == []
    assert not list((old_site / "output").rglob("*.blogen-tmp"))
    assert "old" in seen  # at least one kill landed mid-build


GOOD = """\
-- content/posts/a.md --
---
title: A
date: 2024-01-01
---
Alpha.
"""


def test_disk_full_while_writing_leaves_output_as_it_was(site: Site, build: Build, cli: Cli,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = site(GOOD)
    build(root)
    before = snapshot(root / "output")
    (root / "content/posts/b.md").write_text("---\ntitle: B\ndate: 2024-01-02\n---\nBeta.\n")
    real = Path.write_bytes
    calls = {"n": 0}

    def full(self: Path, data: bytes) -> int:  # type: ignore[override]
        if ".blogen-spare" in str(self):
            calls["n"] += 1
            if calls["n"] > 2:
                raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    code, _, err = cli("build", "--root", str(root))
    assert code == 1 and "Traceback" not in err
    assert "cannot write the new site: No space left on device" in err
    assert snapshot(root / "output") == before
    assert not list((root / "output").glob("**/*.blogen-tmp"))
    monkeypatch.setattr(Path, "write_bytes", real)
    code, _, err = cli("build", "--root", str(root), "-q")
    assert code == 0, err
    assert (root / "output/posts/b/index.html").is_file()


def test_file_vanishing_between_scan_and_read(site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = site(GOOD + "-- content/posts/gone.md --\n---\ntitle: G\ndate: 2024-01-01\n---\ng\n")
    code, _, _ = cli("build", "--root", str(root), "-q")
    assert code == 0
    before = snapshot(root / "output")
    # A full build to do (a patch of a.md alone would never read gone.md again).
    (root / "blogen.toml").write_text((root / "blogen.toml").read_text().replace("Test Notes", "Changed Notes"))
    real = Path.read_bytes

    def vanish(self: Path) -> bytes:
        if self.name == "gone.md":
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", vanish)
    code, _, err = cli("build", "--root", str(root))
    assert code == 1 and "content/posts/gone.md: cannot read file: No such file or directory" in err
    assert snapshot(root / "output") == before


def test_concurrent_build_is_refused_with_a_clear_message(site: Site, cli: Cli) -> None:
    root = site(GOOD)
    assert cli("build", "--root", str(root), "-q")[0] == 0
    (root / "content/posts/a.md").write_text(GOOD.split("--\n", 1)[1].replace("Alpha", "Changed"))
    before = snapshot(root / "output")
    with output_lock(root / "output"):
        code, _, err = cli("build", "--root", str(root))
    assert code == 1
    assert f"another blogen process (pid {os.getpid()}) is writing this output folder" in err
    assert snapshot(root / "output") == before
    assert cli("build", "--root", str(root), "-q")[0] == 0
    assert "Changed" in read(root, "posts/a/index.html")


HOSTILE = """\
-- content/posts/evil.md --
---
title: "<script>alert(1)</script> \\"q\\" & ]]> \\x07bell"
date: 2024-01-01
tags: ["<b>tag</b>", "a&b", "x]]>"]
summary: "</script><script>alert(2)</script> & 'single'"
extra:
  note: "<img src=x onerror=alert(3)>"
---
## Heading {#"onmouseover="alert(5)}

[click](javascript:alert(6)) [vb](vbscript:msgbox(7)) [data](data:text/html;base64,PHNjcmlwdD4=)

```py"><img/src=x/onerror=alert(8)>
print("fence")
```
"""


def test_hostile_content_is_escaped_in_html_attributes_feeds_and_json(site: Site, build: Build) -> None:
    root = site(HOSTILE)
    build(root)
    html = read(root, "posts/evil/index.html")
    assert "<script>alert" not in html and "<img src=x onerror" not in html
    assert 'href="javascript:' not in html and 'href="vbscript:' not in html and 'href="data:' not in html
    assert "<img/src" not in html and 'onmouseover="' not in html
    assert "\x07" not in html
    for attr in re.findall(r'content="([^"]*)"', html):
        assert "<" not in attr and '"' not in attr
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert ld is not None and json.loads(ld.group(1))["headline"] == '<script>alert(1)</script> "q" & ]]> bell'
    feed = ET.parse(root / "output/feed.xml").getroot()
    ns = "{http://www.w3.org/2005/Atom}"
    entry = feed.find(f"{ns}entry")
    assert entry is not None
    assert entry.findtext(f"{ns}title") == '<script>alert(1)</script> "q" & ]]> bell'
    assert sorted(c.get("label") or "" for c in entry.findall(f"{ns}category")) == ["<b>tag</b>", "a&b", "x]]>"]
    tags = read(root, "tags/index.html")
    assert "&lt;b&gt;tag&lt;/b&gt;" in tags and "<b>tag</b>" not in tags


def test_symlink_out_of_the_site_is_an_error_naming_it(site: Site, cli: Cli, tmp_path: Path) -> None:
    root = site(GOOD)
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    (root / "content/static").mkdir(parents=True, exist_ok=True)
    (root / "content/static/leak.txt").symlink_to(secret)
    code, _, err = cli("build", "--root", str(root))
    assert code == 1
    assert "content/static/leak.txt: symlink points outside the site" in err
    assert not (root / "output").exists()


def test_symlink_inside_the_site_is_followed(site: Site, build: Build) -> None:
    root = site(GOOD + "-- shared/logo.svg --\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n")
    (root / "content/static").mkdir(parents=True, exist_ok=True)
    (root / "content/static/logo.svg").symlink_to(root / "shared/logo.svg")
    build(root)
    assert (root / "output/logo.svg").read_text().startswith("<svg")


def test_five_megabyte_post_builds_and_the_size_cap_is_clear(site: Site, build: Build) -> None:
    para = "A long line of notes about sshd and SELinux and casks. " * 20
    body = "\n\n".join(para for _ in range(5 * 1024 * 1024 // len(para) + 1))
    root = site(f"-- content/posts/big.md --\n---\ntitle: Big\ndate: 2024-01-01\n---\n{body}\n")
    build(root)
    assert (root / "output/posts/big/index.html").stat().st_size > 5_000_000
    (root / "blogen.toml").write_text((root / "blogen.toml").read_text() + "max_source_mb = 1\n")
    with pytest.raises(BlogenError) as info:
        build(root)
    assert info.value.problems[0].format().startswith("content/posts/big.md: file is 5.0 MB, over the 1 MB limit for a source")


@pytest.mark.parametrize(("raw", "expected"), [(True, '<span class="kbd">Ctrl</span>'),
                                               (False, '&lt;span class="kbd"&gt;Ctrl&lt;/span&gt;')])
def test_raw_html_switch(site: Site, build: Build, raw: bool, expected: str) -> None:
    config = f'title = "T"\nbase_url = "https://e.org/"\n[markdown]\nraw_html = {"true" if raw else "false"}\n'
    root = site(GOOD.replace("Alpha.", 'Press <span class="kbd">Ctrl</span>.'), config=config)
    build(root)
    assert expected in read(root, "posts/a/index.html")


def test_yaml_billion_laughs_is_refused_quickly(site: Site, cli: Cli) -> None:
    lol = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    root = site(f"-- content/posts/lol.md --\n---\ntitle: L\ndate: 2024-01-01\n{lol}---\nx\n")
    start = time.perf_counter()
    code, _, err = cli("build", "--root", str(root))
    assert code == 1 and "too large or too deeply aliased" in err
    assert time.perf_counter() - start < 5


