"""The optional parts of a site's config: search, comments, analytics and deploy.

Each is off (or empty) unless its table says otherwise, so a site loads nothing from another
host and publishes nowhere until its author asks. Their values are checked here, every problem
at once, in the words ``config`` uses for the rest of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

_Check = Callable[[Any], bool]
Known = Mapping[str, tuple[_Check, str]]
# (prefix, table, known keys) -> the keys whose values are good; the others are reported
CheckTable = Callable[[str, dict[str, Any], Known], dict[str, Any]]
Bad = Callable[[str, str], None]  # (dotted key, message)

_BOOL: tuple[_Check, str] = (lambda v: isinstance(v, bool), "true or false")
_TEXT: tuple[_Check, str] = (lambda v: isinstance(v, str) and v.strip() != "" and "\n" not in v, "a non-empty one-line string")
_STRINGS: tuple[_Check, str] = (lambda v: isinstance(v, list) and all(isinstance(x, str) and x != "" for x in v),
                                "a list of non-empty strings")
_REPO = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
_ACCOUNT = re.compile(r"@?([A-Za-z0-9_]{1,30})@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def _choice(*values: str) -> tuple[_Check, str]:
    return (lambda v: v in values, " or ".join(f'"{v}"' for v in values))


def _https(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    parts = urlsplit(v)
    return parts.scheme == "https" and bool(parts.netloc) and '"' not in v and not any(c.isspace() for c in v)


_URL: tuple[_Check, str] = (_https, "an https:// URL")


# --- search ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """The search page and index (``/search/``). Off by default, like Zola's: the index costs a
    few KB per post, which a site should choose to publish."""

    enabled: bool = False
    pages: bool = True  # index the pages (about, now) as well as the posts


_SEARCH_KEYS: Known = {"enabled": _BOOL, "pages": _BOOL}


def parse_search(data: dict[str, Any], check: CheckTable) -> SearchOptions:
    return SearchOptions(**check("search.", data, _SEARCH_KEYS))


# --- comments -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommentsOptions:
    """Comments under each post: giscus (GitHub Discussions) or utterances (GitHub issues), loaded
    from their host only when the reader asks (``load = "click"``) or scrolls to them; and/or a
    "Discuss on Mastodon" link (a post's ``mastodon:`` front matter names its toot; ``mastodon``
    here names the account every other post points to)."""

    provider: str = ""  # "", "giscus" or "utterances"
    repo: str = ""
    repo_id: str = ""  # giscus
    category: str = ""  # giscus
    category_id: str = ""  # giscus
    mapping: str = "pathname"  # how a page finds its discussion or issue
    label: str = ""  # utterances: the label of the issues it opens
    reactions: bool = True  # giscus
    theme: str = ""  # the provider's theme name; empty: follow the reader's light/dark preference
    load: str = "click"  # "click" (a button) or "scroll" (when the reader reaches the comments)
    mastodon: str = ""  # "@user@host": the account posts without their own toot link to

    @property
    def mastodon_handle(self) -> str:
        """The site-wide account as ``@user@host`` (however it was written), or ""."""
        m = _ACCOUNT.fullmatch(self.mastodon)
        return f"@{m.group(1)}@{m.group(2)}" if m else ""

    @property
    def mastodon_url(self) -> str:
        """The profile URL of the site-wide Mastodon account, or ""."""
        m = _ACCOUNT.fullmatch(self.mastodon)
        return f"https://{m.group(2)}/@{m.group(1)}" if m else ""

    @property
    def script(self) -> str:
        return {"giscus": "https://giscus.app/client.js", "utterances": "https://utteranc.es/client.js"}.get(self.provider, "")

    def attributes(self, language: str) -> tuple[tuple[str, str], ...]:
        """The attributes the provider's script reads from its own ``<script>`` element."""
        if self.provider == "giscus":
            lang = language if language.lower().startswith("zh") else language.split("-")[0].lower()
            return (("data-repo", self.repo), ("data-repo-id", self.repo_id), ("data-category", self.category),
                    ("data-category-id", self.category_id), ("data-mapping", self.mapping), ("data-strict", "0"),
                    ("data-reactions-enabled", "1" if self.reactions else "0"), ("data-emit-metadata", "0"),
                    ("data-input-position", "bottom"), ("data-theme", self.theme or "preferred_color_scheme"),
                    ("data-lang", lang), ("data-loading", "lazy"))
        if self.provider == "utterances":
            return (("repo", self.repo), ("issue-term", self.mapping), *((("label", self.label),) if self.label else ()),
                    ("theme", self.theme or "preferred-color-scheme"))
        return ()

    @property
    def home(self) -> str:
        """Where the comments live on GitHub: the link readers without JavaScript get."""
        if self.provider == "giscus":
            return f"https://github.com/{self.repo}/discussions"
        if self.provider == "utterances":
            return f"https://github.com/{self.repo}/issues"
        return ""


_GISCUS_ONLY = ("repo_id", "category", "category_id", "reactions")
_COMMENT_KEYS: Known = {
    "provider": _choice("giscus", "utterances"),
    "repo": (lambda v: isinstance(v, str) and _REPO.fullmatch(v) is not None, 'a GitHub repository as "owner/name"'),
    "repo_id": _TEXT, "category": _TEXT, "category_id": _TEXT,
    "mapping": _choice("pathname", "url", "title", "og:title"),
    "label": _TEXT, "reactions": _BOOL,
    "theme": (lambda v: isinstance(v, str) and v.strip() != "" and '"' not in v and "<" not in v, "a theme name or URL"),
    "load": _choice("click", "scroll"),
    "mastodon": (lambda v: isinstance(v, str) and _ACCOUNT.fullmatch(v) is not None, 'a Mastodon account as "@user@host"'),
}


def parse_comments(data: dict[str, Any], check: CheckTable, bad: Bad) -> CommentsOptions:
    good = check("comments.", data, _COMMENT_KEYS)
    provider = good.get("provider", "")
    if provider == "giscus":
        missing = [k for k in ("repo", "repo_id", "category", "category_id") if k not in good and k not in data]
    elif provider == "utterances":
        missing = [k for k in ("repo",) if k not in good and k not in data]
        for key in _GISCUS_ONLY:
            if key in good:
                bad(f"comments.{key}", f"config key 'comments.{key}' is for giscus, not utterances")
    else:
        missing = []
        for key in ("repo", *_GISCUS_ONLY, "mapping", "label", "theme"):
            if key in good:
                bad(f"comments.{key}", f"config key 'comments.{key}' needs provider = \"giscus\" or \"utterances\" in [comments]")
    if provider == "giscus" and "label" in good:
        bad("comments.label", "config key 'comments.label' is for utterances, not giscus")
    for key in missing:
        bad("comments.provider", f"[comments] with provider = \"{provider}\" needs '{key}' (giscus.app shows the values for your repository)"
            if provider == "giscus" else f"[comments] with provider = \"{provider}\" needs '{key}'")
    return CommentsOptions(**good)


# --- analytics ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnalyticsOptions:
    """Page-view counting by Plausible or GoatCounter: both count without cookies, so no consent
    banner is needed. Off by default; the script loads from the configured host only."""

    provider: str = ""  # "", "plausible" or "goatcounter"
    domain: str = ""  # plausible: the site's domain as registered there (default: base_url's host)
    script: str = ""  # the script's URL (a self-hosted instance); default: the provider's own
    code: str = ""  # goatcounter: the site code, as in https://CODE.goatcounter.com
    endpoint: str = ""  # goatcounter: the count URL of a self-hosted instance

    def script_url(self) -> str:
        if self.script:
            return self.script
        return {"plausible": "https://plausible.io/js/script.js", "goatcounter": "https://gc.zgo.at/count.js"}.get(self.provider, "")

    def count_url(self) -> str:
        """GoatCounter's endpoint: the configured one, else the hosted one of ``code``."""
        return self.endpoint or (f"https://{self.code}.goatcounter.com/count" if self.code else "")


_ANALYTICS_KEYS: Known = {
    "provider": _choice("plausible", "goatcounter"),
    "domain": (lambda v: isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9.-]+(?:,[A-Za-z0-9.-]+)*", v) is not None,
               "a domain name like 'notes.example.org'"),
    "script": _URL,
    "code": (lambda v: isinstance(v, str) and re.fullmatch(r"[a-z0-9-]{1,50}", v) is not None, "a GoatCounter site code (letters, digits, '-')"),
    "endpoint": _URL,
}


def parse_analytics(data: dict[str, Any], check: CheckTable, bad: Bad, base_url: str) -> AnalyticsOptions:
    good = check("analytics.", data, _ANALYTICS_KEYS)
    provider = good.get("provider", "")
    own = {"plausible": ("domain", "script"), "goatcounter": ("code", "endpoint", "script")}
    for key in ("domain", "script", "code", "endpoint"):
        if key in good and key not in own.get(provider, ()):
            needs = "provider = \"plausible\" or \"goatcounter\"" if not provider else f"another provider than \"{provider}\""
            bad(f"analytics.{key}", f"config key 'analytics.{key}' needs {needs}")
            del good[key]
    if provider == "plausible" and "domain" not in good and "domain" not in data:
        host = urlsplit(base_url).hostname or ""
        if not host:
            bad("analytics.provider", "[analytics] with provider = \"plausible\" needs 'domain' (or a base_url to take it from)")
        good["domain"] = host
    if provider == "goatcounter" and not ({"code", "endpoint"} & good.keys()) and not ({"code", "endpoint"} & data.keys()):
        bad("analytics.provider", "[analytics] with provider = \"goatcounter\" needs 'code' (as in https://CODE.goatcounter.com) or 'endpoint'")
    return AnalyticsOptions(**good)


# --- deploy ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeployOptions:
    """Where ``blogen deploy`` sends the built site with rsync, and how."""

    rsync: str = ""  # "user@host:/path/" or a local folder
    delete: bool = True  # remove files in the target that the site no longer has (only inside the target)
    exclude: tuple[str, ...] = ()  # rsync patterns neither sent nor deleted (e.g. ".well-known/")
    checksum: bool = False  # compare contents instead of size and time (for outputs built afresh, e.g. in CI)
    args: tuple[str, ...] = ()  # more rsync arguments, e.g. ["-e", "ssh -p 2222"]


_DEPLOY_KEYS: Known = {
    "rsync": (lambda v: isinstance(v, str), "a string like \"user@host:/var/www/site/\""),
    "delete": _BOOL, "checksum": _BOOL, "exclude": _STRINGS, "args": _STRINGS,
}


def parse_deploy(data: dict[str, Any], check: CheckTable) -> DeployOptions:
    good = check("deploy.", data, _DEPLOY_KEYS)
    for key in ("exclude", "args"):
        if key in good:
            good[key] = tuple(good[key])
    return DeployOptions(**good)


# --- front matter that these read -----------------------------------------------------------------


def check_front_matter(extra: Mapping[str, Any], lines: Mapping[str, int]) -> list[tuple[int | None, str]]:
    """Problems with the front-matter keys read here (they arrive in ``extra``): (line, message)."""
    problems: list[tuple[int | None, str]] = []
    toot = extra.get("mastodon")
    if toot is not None and not _https(toot):
        problems.append((lines.get("mastodon"), "front matter 'mastodon' must be the https:// URL of the post's toot"))
    for key in ("comments", "search"):
        if key in extra and not isinstance(extra[key], bool):
            problems.append((lines.get(key), f"front matter '{key}' must be true or false"))
    return problems
