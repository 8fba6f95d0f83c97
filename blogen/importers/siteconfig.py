"""The settings an import carries into the new site's ``blogen.toml``, and the careful edit that writes them.

Only what ``blogen init`` left at its placeholder is replaced (``base_url``, the title made from
the folder's name, the sample description, an empty author), so a site the user already set up
keeps its settings. The permalink and the time zone are set only in a site with no posts of its
own yet. Besides those: ``broken_links = "warning"`` (links already dead in the old blog must not
stop the first build) and the heading-id style of the old generator (so old ``#fragment`` links
land). Each changed line gets a comment saying why. The file is edited as text, so the user's
comments stay, and replaced atomically; a symlinked or ``pyproject.toml`` config is not edited:
the settings are printed instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from blogen.authoring.scaffold import readable_name
from blogen.core.config import MarkdownOptions
from blogen.core.sitefolder import find_config_file
from blogen.core.urls import check_permalink
from blogen.importers.placing import NewSite
from blogen.importers.values import OldSite

_INIT_BASE_URL = "https://example.org/"
_INIT_DESCRIPTION = "Notes I want to find again."
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")


@dataclass(frozen=True, slots=True)
class Setting:
    key: str  # 'base_url', or 'markdown.heading_ids' for a key in a table
    value: str
    why: str
    known: bool = True  # False: this blogen does not know the key yet; written commented out
    table: bool = False  # an empty table to declare ([taxonomies.authors]); ``value`` is unused

    def line(self) -> str:
        name = self.key.rsplit(".", 1)[-1]
        text = f"{name} = {json.dumps(self.value, ensure_ascii=False)}"
        return text if self.known else f"# {text}  (needs a blogen that knows {self.key})"


def heading_ids_known() -> bool:
    """Whether this blogen reads ``markdown.heading_ids`` (added with GitHub and kramdown styles)."""
    return "heading_ids" in getattr(MarkdownOptions, "__dataclass_fields__", {})


def settings_for(old: OldSite, site: NewSite, permalink: str | None, *, keep_link_errors: bool, source: str) -> list[Setting]:
    """What to set in the new site's config (see the module's note)."""
    config = site.config
    s = old.settings
    out: list[Setting] = []
    if s.base_url and config.base_url == _INIT_BASE_URL:
        out.append(Setting("base_url", s.base_url, f"the old site's address ({source})"))
    if s.title and config.title in (readable_name(site.root.resolve().name), "Notes") and s.title != config.title:
        out.append(Setting("title", s.title, "the old site's title"))
    if s.description and config.description in (_INIT_DESCRIPTION, ""):
        out.append(Setting("description", s.description, "the old site's description"))
    if s.author and not config.author:
        out.append(Setting("author", s.author, "the old site's author"))
    if s.language and _LANGUAGE.fullmatch(s.language) and config.language == "en" and s.language.lower() not in ("en", "en-us"):
        out.append(Setting("language", s.language, "the old site's language"))
    if site.fresh and s.timezone and s.timezone != config.timezone:
        try:
            ZoneInfo(s.timezone)
            out.append(Setting("timezone", s.timezone, "the old site's time zone, in which its dates were written"))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if permalink and check_permalink(permalink) is None and permalink != config.permalink:
        out.append(Setting("permalink", permalink, "the old posts' URLs, so they stay where they were"))
    if not keep_link_errors and config.broken_links != "warning":
        out.append(Setting("broken_links", "warning", "links that were already dead in the old blog are reported by "
                           "`blogen check` but do not stop the build; set it back to \"error\" once they are fixed"))
    have = {t.key for t in config.taxonomies}
    for key in s.taxonomies:
        if key not in have:
            out.append(Setting(f"taxonomies.{key}", "", f"the old site's '{key}' taxonomy, with its pages at /{key}/",
                               table=True))
    out.append(Setting("markdown.heading_ids", s.heading_ids, s.heading_ids_reason + ", so old #fragment links still land",
                       heading_ids_known()))
    return out


def _set_top(lines: list[str], setting: Setting) -> None:
    first_table = next((i for i, line in enumerate(lines) if re.match(r"\s*\[", line)), len(lines))
    pattern = re.compile(rf"\s*{re.escape(setting.key)}\s*=")
    at = next((i for i in range(first_table) if pattern.match(lines[i])), None)
    new = [f"# Set by blogen import: {setting.why}.", setting.line()]
    if at is None:
        lines[first_table:first_table] = [*new, ""]
    else:
        lines[at:at + 1] = new


def _set_in_table(lines: list[str], setting: Setting) -> None:
    table, key = setting.key.rsplit(".", 1)
    header = next((i for i, line in enumerate(lines) if re.fullmatch(rf"\s*\[\s*{re.escape(table)}\s*\]\s*(#.*)?", line)), None)
    new = [f"# Set by blogen import: {setting.why}.", setting.line()]
    if header is None:
        lines.extend(["", f"[{table}]", *new])
        return
    end = next((i for i in range(header + 1, len(lines)) if re.match(r"\s*\[", lines[i])), len(lines))
    pattern = re.compile(rf"\s*#?\s*{re.escape(key)}\s*=")
    at = next((i for i in range(header + 1, end) if pattern.match(lines[i])), None)
    if at is None:
        lines[header + 1:header + 1] = new
    else:
        lines[at:at + 1] = new


def edit_config(text: str, settings: list[Setting]) -> str:
    """``text`` (a blogen.toml) with ``settings`` set; raises ValueError if the result would not be valid TOML."""
    lines = text.split("\n")
    for setting in settings:
        if setting.table:
            lines.extend(["", f"# Set by blogen import: {setting.why}.", f"[{setting.key}]"])
        else:
            (_set_in_table if "." in setting.key else _set_top)(lines, setting)
    result = "\n".join(lines)
    tomllib.loads(result)  # the edit must leave a file blogen can read
    return result


def config_target(root: Path) -> Path | None:
    """The config file the import may edit: a ``blogen.toml`` that is a regular file (not a symlink)."""
    path = find_config_file(root)
    if path is None or path.name != "blogen.toml" or path.is_symlink() or not path.is_file():
        return None
    return path


def write_config(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (a new file beside it, then a rename)."""
    tmp = path.with_name(f".{path.name}.blogen-import")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    fd = os.open(tmp, flags, 0o644)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
