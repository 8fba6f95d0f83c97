"""What Python's cyclic garbage collector need not walk: objects made to last as long as the process.

The collector walks every container object it tracks, again and again as more are made. A command
first imports blogen and its libraries (about 100,000 functions, classes and dicts) and may then
read a snapshot of the last build's model (as many again); none of them is ever garbage, yet
walking them cost a one-post rebuild ~15 ms and the main process of a cold build of 1,000 posts
~75 ms. Made with the collector paused and then frozen out of it (``gc.freeze``), they are
never walked; everything made later is collected as usual, so a long build's garbage still goes.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def kept_for_good(*modules: str) -> Iterator[None]:
    """Pause the collector while the block makes objects that last as long as the process, then freeze
    every object alive out of its later walks (the collector is left as it was found).

    With ``modules``: for a block that imports them, and does nothing special when all are imported
    already (a second command in one process, as in tests, freezes nothing more).
    """
    if modules and all(name in sys.modules for name in modules):
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
