"""``blogen deploy``: the built site sent with rsync to the one target the config names.

What rsync compares: by default its "quick check", size and modification time. blogen keeps the
file (inode and mtime) of every output file whose bytes did not change, and ``--times`` gives the
copy on the target the same mtime, so the next deploy skips every unchanged file without reading
it, and sends exactly the files a build rewrote. ``checksum = true`` compares contents instead
(both sides read every file): for an output built afresh, as in a CI job, where every mtime is new.

Deletions (``delete = true``) happen only inside the target, after the new files are in place
(``--delete-delay --delay-updates``: a reader never meets a page whose stylesheet is already
gone), and never of excluded paths. A target that looks like a slip (empty, ``/``, a home folder,
a top-level system folder, ``..``, the site itself or its output) is refused before anything runs.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from blogen.core.config import Config
from blogen.core.errors import BlogenError

MARKER = ".blogen-output"  # the writer's own mark in the output folder: never published
_REMOTE = re.compile(r"^(?:(?P<user>[^@/:\s]+)@)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<path>.*)$")
_DAEMON = re.compile(r"^(?:rsync://(?:[^@/\s]+@)?[^/\s]+/|(?:[^@/:\s]+@)?[A-Za-z0-9_.-]+::)(?P<path>.*)$")


@dataclass(frozen=True, slots=True)
class Target:
    """Where the site goes: ``remote`` is ``user@host`` (ssh), ``daemon`` an rsync daemon module, else a local folder."""

    text: str  # as rsync is given it, ending in "/"
    remote: bool
    daemon: bool
    path: str  # the folder part (remote or daemon path; local: as configured)


def parse_target(text: str) -> Target:
    """How rsync reads ``text``: ``host::module/path`` or ``rsync://`` is a daemon, ``[user@]host:path``
    (a colon before any slash) an ssh target, anything else a local path."""
    text = text.strip()
    slashed = text if text.endswith("/") else text + "/"
    daemon = _DAEMON.match(text)
    if daemon is not None:
        return Target(slashed, True, True, daemon.group("path"))
    remote = _REMOTE.match(text)
    if remote is not None and "/" not in text.split(":", 1)[0]:
        return Target(slashed, True, False, remote.group("path"))
    return Target(slashed, False, False, text)


def refusal(target: Target, root: Path, output_dir: Path) -> str | None:
    """Why sending the site (and deleting what it lacks) to ``target`` could destroy something; None if it looks right."""
    path = target.path.strip()
    if not target.daemon and not path:
        return "names no folder, which rsync takes as your home folder on that host"
    if target.daemon:
        return "contains '..'" if ".." in path.split("/") else None
    if not target.remote:  # a local path may well climb out of the site folder: it is checked once resolved
        return _local_refusal(local_folder(target, root), root, output_dir)
    if ".." in path.split("/"):
        return "contains '..': name the folder itself"
    if path.startswith("~"):
        first, _, rest = path.partition("/")
        if not rest.strip("/"):
            return f"is the home folder '{first}' on that host; name a folder inside it, like '{first}/www/'"
        return None
    normal = posixpath.normpath(path)
    if normal in (".", ""):
        return "is the home folder on that host; name a folder inside it, like 'www/'"
    parts = [p for p in normal.split("/") if p]
    if normal.startswith("/"):
        if not parts:
            return "is '/', the whole disk of that host"
        if len(parts) == 1:
            return f"is the top-level folder '/{parts[0]}'; name the site's own folder, like '/var/www/notes/'"
        if parts[0] in ("home", "Users") and len(parts) == 2:
            return f"is the home folder '{normal}'; name a folder inside it"
    return None


def _local_refusal(folder: Path, root: Path, output_dir: Path) -> str | None:
    folder = folder.resolve()
    root = root.resolve()
    if folder == Path("/"):
        return "is '/'"
    if folder == Path.home().resolve():
        return "is your home folder; name a folder inside it"
    if len(folder.parts) <= 2:
        return f"is the top-level folder '{folder}'; name the site's own folder"
    if folder == root or folder in root.parents:
        return "holds this site's own sources"
    if folder == output_dir or output_dir in folder.parents:
        return "is the output folder itself (or inside it)"
    for part in ("content", "theme"):
        if folder == root / part or (root / part) in folder.parents:
            return f"is inside the site's {part}/ folder"
    return None


def checked_target(config: Config) -> Target:
    """The configured target, or BlogenError saying why there is none or why it is refused."""
    text = config.deploy.rsync
    if not text.strip():
        raise BlogenError.one(config.source, None, 'no deploy target: add [deploy] with rsync = "user@host:/var/www/site/" '
                              "(or a local folder) to the config")
    target = parse_target(text)
    why = refusal(target, config.root, config.output_dir)
    if why is not None:
        raise BlogenError.one(config.source, None, f"deploy target '{text}' {why}; refusing to send the site there")
    if not target.remote:  # relative to the site, wherever blogen runs from: rsync gets the folder it was checked as
        folder = local_folder(target, config.root)
        return Target(str(folder).rstrip("/") + "/", False, False, str(folder))
    return target


def local_folder(target: Target, root: Path) -> Path:
    """A local target's folder: ``~`` expanded, relative to the site's root, resolved."""
    path = target.path.strip()
    return (Path(os.path.expanduser(path)) if path.startswith("~") else root / path).resolve()


def rsync_command(config: Config, target: Target, *, dry_run: bool, rsync: str = "rsync") -> list[str]:
    """The rsync command line that sends ``config``'s output folder to ``target``."""
    options = config.deploy
    cmd = [rsync, "--recursive", "--links", "--times", "--omit-dir-times", "--itemize-changes", "--stats",
           "--delay-updates", f"--exclude=/{MARKER}"]
    cmd += [f"--exclude={pattern}" for pattern in options.exclude]
    if options.delete:
        cmd.append("--delete-delay")
    if options.checksum:
        cmd.append("--checksum")
    if target.remote and not target.daemon:
        cmd.append("--compress")
    if dry_run:
        cmd.append("--dry-run")
    cmd += list(options.args)
    cmd += [str(config.output_dir) + "/", target.text]
    return cmd


@dataclass(frozen=True, slots=True)
class DeployReport:
    target: str
    sent: tuple[str, ...]  # files sent (new or changed)
    deleted: tuple[str, ...]
    bytes_sent: int  # what rsync put on the wire (file data, deltas and its own protocol)
    dry_run: bool
    command: tuple[str, ...]


def parse_itemized(lines: list[str]) -> tuple[list[str], list[str]]:
    """Files sent and files deleted, from rsync's ``--itemize-changes`` lines (``>f+++++++++ a.html``, ``*deleting b``)."""
    sent: list[str] = []
    deleted: list[str] = []
    for line in lines:
        if line.startswith("*deleting "):
            deleted.append(line.split(" ", 1)[1].strip())
        elif len(line) > 12 and line[0] in "<>" and line[1] == "f" and line[11] == " ":
            sent.append(line[12:])
    return sent, deleted


def stat_number(lines: list[str], label: str) -> int:
    """A number from rsync's ``--stats`` (``Total bytes sent: 1,234``); 0 when rsync did not print it."""
    for line in lines:
        if line.startswith(label + ":"):
            m = re.match(r"[\d,.]+", line.split(":", 1)[1].strip())
            if m:
                return int(m.group(0).replace(",", "").replace(".", ""))
    return 0


def deploy(config: Config, *, dry_run: bool = False, echo: Callable[[str], None] | None = None) -> DeployReport:
    """Send the built output folder to the configured target; raise BlogenError when it cannot or rsync fails.

    ``echo`` hears each line rsync prints (its itemized changes and statistics) as it comes.
    """
    source = config.source
    target = checked_target(config)
    if not (config.output_dir / MARKER).is_file():
        raise BlogenError.one(source, None, f"no built site in '{config.output}': run blogen build first")
    rsync = shutil.which("rsync")
    if rsync is None:
        raise BlogenError.one(source, None, "rsync is not installed (on Debian or Ubuntu: apt install rsync)")
    if not target.remote:  # rsync makes the folder itself, not the folders above it
        folder = Path(target.path)
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BlogenError.one(source, None, f"cannot make the deploy target's folder '{folder.parent}': {exc.strerror}") from None
    cmd = rsync_command(config, target, dry_run=dry_run, rsync=rsync)
    lines: list[str] = []
    errors: list[str] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace") as proc:
        assert proc.stdout is not None and proc.stderr is not None
        # Its complaints are read beside its output, so neither pipe can fill up and stall rsync.
        reader = threading.Thread(target=lambda: errors.extend(proc.stderr.read().strip().splitlines()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if echo is not None:
                echo(lines[-1])
        reader.join()
    if proc.returncode != 0:
        detail = errors[-1] if errors else "no message"
        raise BlogenError.one(source, None, f"rsync to '{target.text}' failed with exit code {proc.returncode}: {detail}")
    sent, deleted = parse_itemized(lines)
    return DeployReport(target.text, tuple(sent), tuple(deleted), stat_number(lines, "Total bytes sent"), dry_run, tuple(cmd))
