"""``blogen check``: everything a build validates, without writing, plus optional external-link checks.

External links are checked concurrently with a timeout and remembered in ``.blogen-cache/external.json``
(good answers for a day), so re-running ``check --external`` does not hammer other people's sites.
A link is *dead* when the server says so (404, 410) or its host does not exist; timeouts, 5xx
answers and refused connections are *flaky*: worth a warning, not a failed check, unless ``--strict``.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from blogen import __version__
from blogen.build.pipeline import Prepared, prepare_site
from blogen.core.errors import Problem
from blogen.core.files import check_inside, read_regular, write_atomic
from blogen.incremental.cache import CACHE_DIR

log = logging.getLogger(__name__)

Verdict = Literal["ok", "dead", "flaky"]
GOOD_FOR = 24 * 3600  # seconds a good answer is trusted
_DEAD_STATUS = {404, 410}


@dataclass(frozen=True, slots=True)
class LinkResult:
    url: str
    verdict: Verdict
    detail: str  # "404 Not Found", "timed out", ...


@dataclass(frozen=True, slots=True)
class CheckReport:
    prepared: Prepared
    problems: tuple[Problem, ...]  # warnings of the build, unreferenced files, external-link findings
    links: int  # local and external links seen
    external: int  # external URLs checked (0 without --external)


def probe_url(url: str, timeout: float) -> LinkResult:
    """Ask the server for ``url`` (HEAD, then GET where HEAD is refused) and classify the answer."""
    headers = {"User-Agent": f"blogen-check/{__version__} (link checker)"}
    for method in ("HEAD", "GET"):
        req = urllib.request.Request(url, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return LinkResult(url, "ok", f"{resp.status}")
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (405, 501, 403):
                continue  # some servers refuse HEAD; ask properly before judging
            verdict: Verdict = "dead" if exc.code in _DEAD_STATUS else ("ok" if exc.code < 400 else "flaky")
            return LinkResult(url, verdict, f"{exc.code} {exc.reason}")
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, socket.gaierror):
                return LinkResult(url, "dead", f"host not found ({reason.strerror})")
            if isinstance(reason, TimeoutError | socket.timeout):
                return LinkResult(url, "flaky", f"timed out after {timeout:g} s")
            return LinkResult(url, "flaky", f"cannot connect ({reason})")
        except TimeoutError:
            return LinkResult(url, "flaky", f"timed out after {timeout:g} s")
        except (OSError, ValueError) as exc:
            return LinkResult(url, "flaky", f"cannot connect ({exc})")
    return LinkResult(url, "flaky", "no answer")


def check_external(root: Path, urls: Iterable[str], *, timeout: float, workers: int = 8,
                   probe: Callable[[str, float], LinkResult] = probe_url, now: float | None = None) -> dict[str, LinkResult]:
    """Verdicts for every URL, from the cache where a good answer is recent enough."""
    path = root / CACHE_DIR / "external.json"
    stamp = time.time() if now is None else now
    try:
        cache: dict[str, Any] = json.loads(read_regular(path, inside=root))
        if not isinstance(cache, dict):
            cache = {}
    except (OSError, ValueError):
        cache = {}
    results: dict[str, LinkResult] = {}
    todo: list[str] = []
    for url in sorted(set(urls)):
        entry = cache.get(url)
        if isinstance(entry, dict) and entry.get("verdict") == "ok" and stamp - float(entry.get("at", 0)) < GOOD_FOR:
            results[url] = LinkResult(url, "ok", str(entry.get("detail", "")))
        else:
            todo.append(url)
    if todo:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
            for result in pool.map(lambda u: probe(u, timeout), todo):
                results[result.url] = result
                cache[result.url] = {"verdict": result.verdict, "detail": result.detail, "at": stamp}
        try:
            if (why := check_inside(path, root)) is not None:
                raise OSError(why)  # a cache folder symlinked out of the site: nothing is written there
            write_atomic(path, json.dumps(cache, sort_keys=True, indent=0))
        except OSError as exc:
            log.debug("cannot write %s: %s", path, exc)
    return results


def check_site(root: Path, *, drafts: bool = False, base_url: str | None = None, external: bool = False,
               strict: bool = False, timeout: float = 10.0,
               probe: Callable[[str, float], LinkResult] = probe_url) -> CheckReport:
    """Validate the site as a build would, writing nothing; raises BlogenError for build errors."""
    prepared = prepare_site(root.resolve(), drafts=drafts, base_url=base_url, reuse=False, keep_pages=False)
    site = prepared.site
    problems: list[Problem] = list(site.warnings)
    problems += [Problem(f, None, "not linked from its post or page (it is still published)", "warning") for f in site.unreferenced]
    seen: dict[str, list[tuple[str, int]]] = {}
    links = 0
    for source, rendered in sorted(prepared.rendered.items()):
        for link in rendered.links:
            links += 1
            if link.target.startswith(("http://", "https://")):
                seen.setdefault(link.target.split("#", 1)[0], []).append((source, link.line))
    if external and seen:
        for url, result in sorted(check_external(site.config.root, seen, timeout=timeout, probe=probe).items()):
            if result.verdict == "ok":
                continue
            severity: Literal["error", "warning"] = "error" if result.verdict == "dead" or strict else "warning"
            word = "dead" if result.verdict == "dead" else "unreachable"
            for source, line in seen[url]:
                problems.append(Problem(source, line, f"{word} external link {url} ({result.detail})", severity))
    if strict:
        problems = [Problem(p.path, p.line, p.message, "error") for p in problems]
    return CheckReport(prepared, tuple(sorted(problems, key=Problem.sort_key)), links, len(seen) if external else 0)
