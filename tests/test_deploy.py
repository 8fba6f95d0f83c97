"""``blogen deploy`` with the real rsync to a local folder, its refusals, and ``blogen init --ci``'s jobs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import DEFAULT_CONFIG, rewritten, snapshot, write_site

from blogen.deploy.rsync import parse_itemized, parse_target, refusal, stat_number

Cli = Callable[..., tuple[int, str, str]]

SITE = """\
-- content/posts/alpha.md --
---
title: Alpha
date: 2024-01-01
---
Alpha body.
-- content/posts/beta.md --
---
title: Beta
date: 2024-01-02
---
Beta body.
"""

needs_rsync = pytest.mark.skipif(shutil.which("rsync") is None and not os.environ.get("CI"), reason="rsync is not installed")


def _site(tmp_path: Path, deploy: str) -> Path:
    return write_site(tmp_path / "site", SITE, config=DEFAULT_CONFIG + "[deploy]\n" + deploy)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@needs_rsync
def test_deploy_twice_sends_nothing_the_second_time(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "www" / "notes"
    root = _site(tmp_path, f'rsync = "{target}"\nexclude = [".well-known/"]\n')
    target.mkdir(parents=True)
    (target / "stale.html").write_text("a page the site no longer has")
    (target / ".well-known").mkdir()
    (target / ".well-known/security.txt").write_text("kept: excluded")
    code, out, err = cli("deploy", "--root", str(root), "--dry-run")
    assert code == 0, err
    assert "dry run: would send" in out and "would delete 1" in out
    assert not (target / "index.html").exists() and (target / "stale.html").exists(), "a dry run changes nothing"

    code, out, err = cli("deploy", "--root", str(root), "-v")
    assert code == 0, err
    sent = int(out.split("\nsent ")[1].split(" file")[0])
    assert sent == len(_files(root / "output")) - 1  # all but the writer's own marker
    assert ">f+++++++++ posts/alpha/index.html" in out and "*deleting   stale.html" in out
    published = _files(target)
    assert published.pop(".well-known/security.txt") == b"kept: excluded"
    site = _files(root / "output")
    assert site.pop(".blogen-output") is not None and published == site

    code, out, err = cli("deploy", "--root", str(root), "-v")
    assert code == 0, err
    assert "sent 0 files, deleted 0 to" in out
    assert "Number of regular files transferred: 0" in out

    path = root / "content/posts/beta.md"
    path.write_text(path.read_text().replace("Beta body.", "Beta body, edited."))
    before = snapshot(root / "output")
    code, out, err = cli("deploy", "--root", str(root), "-v")
    assert code == 0, err
    sent_now = sorted(line.split()[1] for line in out.splitlines() if line.startswith("  >f"))
    # exactly the files the build rewrote (the post, the home page, the feeds that show its text;
    # not the sitemap, whose dates did not change)
    assert sent_now == sorted(rewritten(before, snapshot(root / "output")))
    assert "posts/beta/index.html" in sent_now and "sitemap.xml" not in sent_now
    assert "Beta body, edited." in (target / "posts/beta/index.html").read_text()


@needs_rsync
def test_no_build_refuses_an_output_older_than_the_sources(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "www" / "notes"
    root = _site(tmp_path, f'rsync = "{target}"\n')
    code, _, err = cli("deploy", "--root", str(root), "--no-build")
    assert code == 1 and "the output folder is missing or older than the sources" in err
    assert not target.exists()
    assert cli("build", "--root", str(root), "--drafts", "-q")[0] == 0
    code, _, err = cli("deploy", "--root", str(root), "--no-build")
    assert code == 1, "an output built with --drafts is not the site to publish"
    assert cli("build", "--root", str(root), "-q")[0] == 0
    code, _out, err = cli("deploy", "--root", str(root), "--no-build")
    assert code == 0, err
    assert (target / "posts/alpha/index.html").is_file()


def test_a_broken_site_is_not_deployed(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "www" / "notes"
    root = _site(tmp_path, f'rsync = "{target}"\n')
    (root / "content/posts/bad.md").write_text("---\ntitle: Bad\n---\nNo date.\n")
    code, _, err = cli("deploy", "--root", str(root))
    assert code == 1
    assert "content/posts/bad.md:1: post has no date" in err and "nothing sent" in err
    assert not target.exists()


@pytest.mark.parametrize(("target", "why"), [
    ("", "no deploy target"),
    ("   ", "no deploy target"),
    ("/", "is '/'"),
    ("user@host:", "names no folder"),
    ("user@host:/", "is '/', the whole disk"),
    ("user@host:~", "is the home folder '~'"),
    ("host:~robin/", "is the home folder '~robin'"),
    ("user@host:.", "is the home folder on that host"),
    ("user@host:/home/robin/", "is the home folder '/home/robin'"),
    ("user@host:/var", "is the top-level folder '/var'"),
    ("user@host:/var/www/../..", "contains '..'"),
    ("~", "is your home folder"),
    (".", "holds this site's own sources"),
    ("..", "holds this site's own sources"),
    ("content/../..", "holds this site's own sources"),
    ("output", "is the output folder itself"),
    ("content/www", "is inside the site's content/ folder"),
    ("/tmp", "is the top-level folder '/tmp'"),
])
def test_targets_that_look_wrong_are_refused(tmp_path: Path, cli: Cli, target: str, why: str) -> None:
    root = _site(tmp_path, f'rsync = "{target}"\n')
    code, _out, err = cli("deploy", "--root", str(root))
    assert code == 1
    assert why in err, err
    assert "refusing" in err or "no deploy target" in err
    assert not (root / "output").exists(), "refused before anything is built or sent"


def test_targets_that_look_right_pass() -> None:
    root, out = Path("/srv/site"), Path("/srv/site/output")
    for text in ("user@host:/var/www/notes/", "host:www/", "user@host:~/www", "rsync://host/module/notes",
                 "host::module", "/var/www/notes", "../published"):
        assert refusal(parse_target(text), root, out) is None, text
    assert parse_target("user@host:/var/www").remote and not parse_target("./a:b").remote
    assert parse_target("host::module/x").daemon and parse_target("/var/www").text == "/var/www/"


def test_rsync_output_is_read_as_rsync_writes_it() -> None:
    lines = ["cd+++++++++ posts/", ">f+++++++++ posts/a/index.html", ">f.st...... feed.xml", ".d..t...... tags/",
             "*deleting   old.html", "", "Number of regular files transferred: 2", "Total bytes sent: 12,345"]
    assert parse_itemized(lines) == (["posts/a/index.html", "feed.xml"], ["old.html"])
    assert stat_number(lines, "Total bytes sent") == 12345
    assert stat_number(lines, "Number of regular files transferred") == 2


def test_deploy_without_a_target_says_how_to_add_one(site: Callable[..., Path], cli: Cli) -> None:
    root = site(SITE)
    code, _, err = cli("deploy", "--root", str(root))
    assert code == 1
    assert 'no deploy target: add [deploy] with rsync = "user@host:/var/www/site/"' in err


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_init_ci_writes_a_pages_job_that_keeps_the_cache(tmp_path: Path, cli: Cli, kind: str) -> None:
    code, _out, err = cli("init", str(tmp_path / "new"), "--ci", kind, "--timezone", "UTC")
    assert code == 0, err
    path = tmp_path / "new" / (".github/workflows/pages.yml" if kind == "github" else ".gitlab-ci.yml")
    job = yaml.safe_load(path.read_text())
    if kind == "github":
        steps = job["jobs"]["build"]["steps"]
        uses = [s.get("uses", "").split("@")[0] for s in steps]
        assert uses[:2] == ["actions/checkout", "actions/setup-python"]
        runs = [s.get("run", "") for s in steps]
        install = next(i for i, r in enumerate(runs) if "pip install" in r and "blogen==" in r)
        cache = uses.index("actions/cache")
        build = next(i for i, r in enumerate(runs) if r.startswith("blogen build"))
        assert install < cache < build < uses.index("actions/upload-pages-artifact")
        assert steps[cache]["with"]["path"] == ".blogen-cache" and steps[cache]["with"]["restore-keys"]
        assert "--strict" in runs[build] and "steps.pages.outputs.base_url" in runs[build]
        assert steps[uses.index("actions/upload-pages-artifact")]["with"]["path"] == "output"
        assert job["jobs"]["deploy"]["needs"] == "build"
        assert job["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")
        assert job["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    else:
        pages = job["pages"]
        assert ".blogen-cache/" in pages["cache"]["paths"]
        assert any("pip install" in s and "blogen==" in s for s in pages["script"])
        assert any(s.startswith("blogen build --output public --strict") and "$CI_PAGES_URL" in s for s in pages["script"])
        assert pages["artifacts"]["paths"] == ["public"]
    # the new site itself builds as the job builds it
    assert cli("build", "--root", str(tmp_path / "new"), "--strict", "--base-url", "https://you.github.io/new/", "-q")[0] == 0


def test_init_ci_in_an_existing_site_adds_only_the_job(tmp_path: Path, cli: Cli) -> None:
    root = write_site(tmp_path / "site", SITE, config=DEFAULT_CONFIG + 'output = "public_html"\n')
    before = _files(root)
    code, _out, err = cli("init", str(root), "--ci", "github")
    assert code == 0, err
    after = _files(root)
    added = sorted(set(after) - set(before))
    assert added == [".github/workflows/pages.yml"] and all(after[k] == v for k, v in before.items())
    steps = yaml.safe_load(after[added[0]])["jobs"]["build"]["steps"]
    assert next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))["with"]["path"] == "public_html"
    code, _, err = cli("init", str(root), "--ci", "github")
    assert code == 1 and "already exists; not overwritten" in err


@needs_rsync
def test_a_relative_target_is_relative_to_the_site_not_to_where_blogen_runs(tmp_path: Path, cli: Cli,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = _site(tmp_path, 'rsync = "../published"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, _, err = cli("deploy", "--root", str(root))
    assert code == 0, err
    assert (tmp_path / "published/posts/alpha/index.html").is_file()
    assert list(elsewhere.iterdir()) == []
