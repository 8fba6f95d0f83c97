"""A package's public face, loaded on first use.

Each package's ``__init__`` names the few things other code should use, and where they live. They
are imported only when first asked for: importing any module of a package runs its
``__init__``, and an eager one would load, say, Jinja2 and the model into a no-op build that only
needs the input walk. (Type checkers see the names through the ``__init__``'s TYPE_CHECKING imports.)
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def public_face(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports each public name from its module in ``homes``
    (name -> submodule) the first time it is asked for, and keeps it on the package."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
