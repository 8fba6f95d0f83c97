"""The dev server under abuse: random good and bad saves, a crowd of requests during rebuilds, SIGTERM mid-build."""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import write_site
from test_server import SITE, builds, make_server, request, serve_process, wait_until

from blogen.serve.server import DevServer

__all__ = ["make_server"]  # the fixture, imported so pytest finds it here
Make = Callable[..., tuple[DevServer, list[str]]]

GOOD = "---\ntitle: Alpha\ndate: 2024-01-10\ntags: [one]\n---\nAlpha save {n}.\n"
BAD = [
    "---\ntitle: Alpha\ndate: 2024-01-10\ntags: [one\n---\nbroken yaml {n}\n",
    "---\ntitle: Alpha\ndate: 2023-02-30\n---\nimpossible date {n}\n",
    "---\ntitle: Alpha\ndate: 2024-01-10\n\nnever closed {n}\n",
    "---\ntitle: Alpha\ndate: 2024-01-10\n---\n```c hl_lines=99\nx\n```\n{n}\n",
]


def test_fifty_random_saves_leave_the_server_alive_and_right(make_server: Make) -> None:
    dev, _ = make_server()
    post = dev.root / "content/posts/alpha.md"
    rng = random.Random(7)
    for n in range(50):
        text = GOOD if rng.random() < 0.5 else rng.choice(BAD)
        post.write_text(text.format(n=n))
        time.sleep(rng.random() * 0.05)
        resp = request(dev.port, "/posts/alpha/")
        assert resp.status == 200 and resp.text.rstrip().endswith("</html>")
    post.write_text(BAD[0].format(n="last-bad"))
    wait_until(lambda: "content/posts/alpha.md:5: YAML syntax error" in request(dev.port, "/posts/alpha/").text,
               "the overlay for the last, broken save")
    post.write_text(GOOD.format(n="final"))
    wait_until(lambda: "Alpha save final." in request(dev.port, "/posts/alpha/").text, "the final good save")
    page = request(dev.port, "/posts/alpha/").text
    assert '"problems": []' in page
    assert request(dev.port, "/posts/beta/").status == 200


def test_crowd_of_requests_during_rebuilds(make_server: Make) -> None:
    dev, _ = make_server()
    post = dev.root / "content/posts/beta.md"
    stop = threading.Event()
    start_builds = builds(dev)

    def keep_saving() -> None:
        n = 0
        while not stop.is_set():
            post.write_text(f"---\ntitle: Beta\ndate: 2024-02-10\ntags: [two]\n---\nBeta version {n}.\n")
            n += 1
            time.sleep(0.15)

    saver = threading.Thread(target=keep_saving, daemon=True)
    saver.start()
    pages = ["/", "/posts/alpha/", "/posts/beta/", "/tags/", "/archive/", "/feed.xml", "/tags/one/"]

    def fetch(i: int) -> tuple[str, int, float, bool]:
        path = pages[i % len(pages)]
        t0 = time.monotonic()
        resp = request(dev.port, path)
        elapsed = time.monotonic() - t0
        complete = len(resp.body) == int(resp.headers.get("content-length", "-1"))
        complete = complete and (resp.text.rstrip().endswith(("</html>", "</feed>")))
        return path, resp.status, elapsed, complete

    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(fetch, range(200)))
    finally:
        stop.set()
        saver.join(5)
    assert builds(dev) > start_builds + 1, "the requests must really have overlapped rebuilds"
    for path, status, elapsed, complete in results:
        assert status == 200, (path, status)
        assert complete, f"truncated response for {path}"
        assert elapsed < 2.0, (path, elapsed)  # no request hangs over two seconds


def test_sigterm_during_a_build_exits_cleanly(tmp_path: Path) -> None:
    body = "\n\n".join(f"Paragraph {i} with `code`." for i in range(200))
    spec = SITE + "".join(f"-- content/posts/p{i}.md --\n---\ntitle: P{i}\ndate: 2024-01-01\n---\n{body}\n" for i in range(120))
    root = write_site(tmp_path / "site", spec)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with serve_process(root, tmp) as proc:
        for i in range(120):  # every page changes: a long rebuild
            (root / f"content/posts/p{i}.md").write_text(f"---\ntitle: P{i} again\ndate: 2024-01-01\n---\n{body}\n")
        time.sleep(0.4)  # past the debounce: the rebuild is running now
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - t0 < 2.5
    wait_until(lambda: list(tmp.iterdir()) == [], "the temporary folder to be removed", 10)
