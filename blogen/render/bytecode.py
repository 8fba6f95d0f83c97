"""Compiled templates kept between processes, in the site's content-addressed cache
(``.blogen-cache/templates/``), so a build loads each template's code instead of compiling it
again (some 60 ms of a one-post rebuild from the command line went to compiling two dozen templates).

A compiled template is a marshalled Python code object, and loading one runs it: an entry is used
only if this user signed it (``blogen.core.signing``). One that does not verify (another user's, a
damaged or edited one, one signed with another key) is ignored, never loaded, and the template is
compiled from its source and stored again. Without a key, nothing is kept.

An entry's key is everything that decides the code: the template's source (Jinja's checksum of it),
its name and file (the code names its file, and errors are reported by it), the Jinja and Python
versions, and the environment's settings that change what compiling makes. So an edited template
leaves the entry of its old text behind: ``prune_compiled`` removes those once no build can be
using them (``blogen.core.cachestore.prune``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import marshal
import sys
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from blogen.core.cachestore import prune, read_entry, write_entry
from blogen.core.signing import SIGNATURE_BYTES, secret, sign, verify

log = logging.getLogger(__name__)

KIND = "templates"
_FORMAT = 1  # of an entry: the signature, then the marshalled code
_PURPOSE = b"blogen compiled template"  # signed with the entry, so no other signed thing passes for one


def compile_settings(env: jinja2.Environment) -> str:
    """What besides a template's source decides the code Jinja compiles it to, as one string: the
    environment's class and syntax, whitespace, escaping and finalize settings, its undefined type,
    the names of its filters and tests (a filter it does not know fails the compile), and the Jinja
    and Python versions (marshalled code is only good for the Python that wrote it)."""
    def name(value: Any) -> str:  # a class or function by its name (its repr may hold an address)
        qualname = getattr(value, "__qualname__", None)
        return f"{getattr(value, '__module__', '?')}.{qualname}" if isinstance(qualname, str) else repr(value)

    autoescape = env.autoescape
    settings = [
        f"format={_FORMAT}", f"jinja={jinja2.__version__}", f"python={sys.version}",
        f"magic={importlib.util.MAGIC_NUMBER.hex()}", f"class={name(type(env))}",
        f"autoescape={autoescape if isinstance(autoescape, bool) else name(autoescape)}",
        f"undefined={name(env.undefined)}", f"code_generator={name(env.code_generator_class)}",
        f"context={name(env.context_class)}", f"optimized={env.optimized}", f"async={env.is_async}",
        f"finalize={name(env.finalize)}",
        f"extensions={sorted(env.extensions)}", f"filters={sorted(env.filters)}", f"tests={sorted(env.tests)}",
    ]
    for attribute in ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
                      "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
                      "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline"):
        settings.append(f"{attribute}={getattr(env, attribute)!r}")
    return "\n".join(settings)


def keep_compiled(env: jinja2.Environment, root: Path) -> None:
    """Give ``env`` a bytecode cache in ``root``'s cache folder, signed with this user's key (none
    without a key). Called once ``env`` is set up: its settings, filters and tests are read now."""
    key = secret()
    if key is not None:
        env.bytecode_cache = SignedBytecodeCache(root, key, hashlib.sha256(compile_settings(env).encode()).hexdigest())


class SignedBytecodeCache(jinja2.BytecodeCache):
    """Jinja's bytecode cache over the site's content-addressed cache, every entry signed with ``secret``;
    ``settings`` is the digest of the environment's ``compile_settings``."""

    def __init__(self, root: Path, secret: bytes, settings: str) -> None:
        self.root = root
        self._secret = secret
        self._settings = settings

    def entry_key(self, bucket: Bucket) -> str:
        """The entry's key: Jinja's key for the template (a digest of its name and file) and checksum of
        its source, with the environment's compile settings."""
        return self.key_for(bucket.key, bucket.checksum)

    def key_for(self, template_key: str, checksum: str) -> str:
        """``entry_key`` from Jinja's key for a template and the checksum of its source."""
        return hashlib.sha256(f"{self._settings}|{template_key}|{checksum}".encode()).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        key = self.entry_key(bucket)
        data = read_entry(self.root, KIND, key)
        code = None if data is None else entry_code(self._secret, key, data)
        if code is None:
            return
        try:
            loaded = marshal.loads(code)
        except (EOFError, ValueError, TypeError) as exc:  # signed by this user, yet unreadable: a last guard
            log.debug("compiled template %s unreadable: %s", key, exc)
            return
        if isinstance(loaded, CodeType):
            bucket.code = loaded

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            key = self.entry_key(bucket)
            write_entry(self.root, KIND, key, signed_entry(self._secret, key, marshal.dumps(bucket.code)))


def prune_compiled(env: jinja2.Environment) -> int:
    """Remove the compiled templates none of ``env``'s templates compiles to now (an edited template's
    earlier texts, removed templates, those of another Jinja or Python), once they are older than the
    cache keeps such entries (``blogen.core.cachestore.STALE_AFTER``); returns how many went.

    The keys are worked out from the templates' sources, as Jinja asks for them when it loads one,
    without compiling or loading anything. Without a key nothing is kept, so nothing is pruned.
    """
    cache, loader = env.bytecode_cache, env.loader
    if not isinstance(cache, SignedBytecodeCache) or loader is None:
        return 0
    keep: set[str] = set()
    for name in loader.list_templates():
        try:
            source, filename, _uptodate = loader.get_source(env, name)
        except jinja2.TemplateError:  # unreadable: any entry it had ages out like the others
            continue
        keep.add(cache.key_for(cache.get_cache_key(name, filename), cache.get_source_checksum(source)))
    return prune(cache.root, KIND, keep)


def signed_entry(secret: bytes, key: str, code: bytes) -> bytes:
    """An entry's bytes: the signature of the marshalled ``code`` for ``key`` (so a signed entry moved
    to another key does not verify), then the code."""
    return sign(secret, _PURPOSE, key.encode(), code) + code


def entry_code(secret: bytes, key: str, data: bytes) -> bytes | None:
    """The marshalled code of an entry stored for ``key``, if ``secret`` signed it for that key; else None
    (logged), and the bytes are never unmarshalled, let alone run."""
    signature, code = data[:SIGNATURE_BYTES], data[SIGNATURE_BYTES:]
    if len(signature) == SIGNATURE_BYTES and verify(secret, signature, _PURPOSE, key.encode(), code):
        return code
    log.debug("compiled template %s: not signed by this user's key, compiled again", key)
    return None
