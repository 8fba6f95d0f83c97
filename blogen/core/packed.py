"""Text kept compressed while a build holds it: the HTML of every document.

A build holds the HTML of every post from the moment its Markdown is back until the last page and
feed that shows it is written, and a build that keeps its snapshot holds it in that too. At 5,000
posts that was over 100 MiB of strings (a post with one character past Latin-1, such as a footnote's
back-arrow, is stored at two bytes per character), most of the process's peak. Kept as LZ4 blocks it
takes about a third of that, and unpacking a post's HTML (~15 KB) costs about 20 µs, paid only by the
pages and feeds that show it.

Equal texts pack to equal bytes, so ``PackedText`` compares and hashes by its bytes, and the memos that
ask "is this the same result as last time?" never unpack anything. Two packings of one text could only
differ across LZ4 versions; such a pair then compares unequal, which costs a recomputation, never a
stale page.
"""

from __future__ import annotations

from dataclasses import dataclass

from lz4.block import LZ4BlockError, compress, decompress


@dataclass(frozen=True, slots=True, repr=False)
class PackedText:
    """One text, compressed; ``text`` gives it back."""

    data: bytes  # an LZ4 block of the UTF-8 text, its size stored in front

    @classmethod
    def of(cls, text: str) -> PackedText:
        return cls(compress(text.encode("utf-8", "surrogatepass")))

    @property
    def text(self) -> str:
        """The text; ValueError if ``data`` is not a block ``of`` made (a damaged cache entry)."""
        try:
            return decompress(self.data).decode("utf-8", "surrogatepass")  # type: ignore[no-any-return]
        except LZ4BlockError as exc:
            raise ValueError(f"not a packed text: {exc}") from None

    def __repr__(self) -> str:  # never the bytes: a model printed in a test failure stays readable
        return f"PackedText({self.text[:60]!r}{'…' if len(self.data) > 60 else ''})"
