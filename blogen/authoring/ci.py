"""``blogen init --ci github|gitlab``: a CI job that builds the site and publishes it to Pages.

Both restore ``.blogen-cache/`` (rendered Markdown, resized images, keyed by content) from the
last run, so a push that changes one post renders one post; and both take the site's address
from the Pages service itself, so a project site under ``/repo/`` gets its links right.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from blogen import __version__

CI_KINDS = ("github", "gitlab")


@dataclass(frozen=True, slots=True)
class CIFile:
    path: str  # relative to the site root
    text: str


_GITHUB = """\
# Builds the site with blogen and publishes it to GitHub Pages on every push to main.
# Written by `blogen init --ci github`. Turn it on in the repository's Settings -> Pages ->
# Build and deployment -> Source: "GitHub Actions".
name: Publish the site

on:
  push:
    branches: [main]  # your default branch
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install blogen
        # blogen is not on PyPI yet: until it is, install your copy, e.g. "git+https://github.com/you/blogen"
        run: python -m pip install "blogen=={version}"
      - name: Restore blogen's cache of rendered Markdown and resized images
        uses: actions/cache@v4
        with:
          path: .blogen-cache
          key: blogen-${{{{ runner.os }}}}-${{{{ github.run_id }}}}
          restore-keys: blogen-${{{{ runner.os }}}}-
      - name: Ask Pages for the site's address
        id: pages
        uses: actions/configure-pages@v5
      - name: Build
        run: blogen build --strict --base-url "${{{{ steps.pages.outputs.base_url }}}}/"
      - uses: actions/upload-pages-artifact@v3
        with:
          path: {output}

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - name: Publish
        id: deployment
        uses: actions/deploy-pages@v4
"""

_GITLAB = """\
# Builds the site with blogen and publishes it to GitLab Pages on every push to the default branch.
# Written by `blogen init --ci gitlab`. GitLab Pages serves the job's public/ folder.
pages:
  stage: deploy
  image: python:3.12-slim
  variables:
    PIP_CACHE_DIR: "$CI_PROJECT_DIR/.cache/pip"
  cache:
    key: blogen
    paths:
      - .blogen-cache/
      - .cache/pip/
  script:
    # blogen is not on PyPI yet: until it is, install your copy, e.g. "git+https://gitlab.com/you/blogen"
    - python -m pip install "blogen=={version}"
    - blogen build --output public --strict --base-url "$CI_PAGES_URL/"
  artifacts:
    paths:
      - public
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""


def ci_file(kind: str, output: str = "output") -> CIFile:
    """The workflow file for ``kind`` (``github`` or ``gitlab``); ``output`` is the site's output folder."""
    if kind == "github":
        # The configured output folder, as a YAML string (JSON's quoting is YAML's).
        return CIFile(".github/workflows/pages.yml", _GITHUB.format(version=__version__, output=json.dumps(output)))
    if kind == "gitlab":
        return CIFile(".gitlab-ci.yml", _GITLAB.format(version=__version__))
    raise ValueError(f"unknown CI kind {kind!r} (choose from {', '.join(CI_KINDS)})")



def add_ci_file(root: Path, kind: str, output: str) -> tuple[str, bool]:
    """Write the workflow file for ``kind`` into the site at ``root``: (its path, whether it was written).

    An existing file is never overwritten: it may be the author's own job.
    """
    f = ci_file(kind, output)
    path = root / f.path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as out:
            out.write(f.text)
    except FileExistsError:
        return f.path, False
    return f.path, True
