"""This user's signing key, and the signatures made with it: what blogen stores that would run code
when read back (the pickled model snapshot, compiled templates) is trusted only if this user signed it.

The key is 32 random bytes in the user's own cache folder (``~/.cache/blogen/key``, or under
``$XDG_CACHE_HOME``), outside every site, made private (0600) on first use. A site's
``.blogen-cache/`` may come from anywhere (an archive, a CI cache, another user): what it holds that
this user did not sign is ignored without being loaded. Signatures are HMAC-SHA256.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from pathlib import Path

from blogen.core.files import read_regular, write_atomic
from blogen.core.install import user_cache_dir

log = logging.getLogger(__name__)

KEY_BYTES = 32
SIGNATURE_BYTES = hashlib.sha256().digest_size


def key_file() -> Path:
    return user_cache_dir() / "key"


def secret() -> bytes | None:
    """This user's signing key, made on first use; None where it cannot be kept (then nothing signed is
    kept or trusted: the snapshot and compiled templates only cost time to make again)."""
    path = key_file()
    try:  # only a regular file: a FIFO there would block the build, a device would be read forever
        data = read_regular(path)
        if len(data) >= KEY_BYTES:
            return data
    except OSError:
        pass
    import secrets

    try:  # made whole in one step, never written through a symlink; if two builds race, one key wins
        write_atomic(path, secrets.token_bytes(KEY_BYTES), mode=0o600, exclusive=True)
        return read_regular(path)
    except FileExistsError:  # made by another build a moment ago (or something else stands there)
        try:
            data = read_regular(path)
        except OSError:
            return None
        return data if len(data) >= KEY_BYTES else None
    except OSError as exc:
        log.debug("no signing key (%s): nothing that runs code is kept between builds", exc)
        return None


def new_mac(key: bytes) -> hmac.HMAC:
    """A signature to feed piece by piece (a snapshot is signed as it is written, never held whole)."""
    return hmac.new(key, digestmod=hashlib.sha256)


def sign(key: bytes, *parts: bytes) -> bytes:
    """The signature of ``parts`` taken together; each goes in with its length, so no two different
    lists of parts (``b"ab", b"c"`` and ``b"a", b"bc"``) share a signature."""
    mac = new_mac(key)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.digest()


def verify(key: bytes, signature: bytes, *parts: bytes) -> bool:
    """Whether ``signature`` is this key's ``sign`` of ``parts`` (compared in constant time)."""
    return hmac.compare_digest(signature, sign(key, *parts))
