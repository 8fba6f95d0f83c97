"""Problems found in a site, carried as values so a run can report all of them at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, located as precisely as we know.

    ``path`` is relative to the site root when the problem is in a site file (so messages
    are short and stable), ``line`` is 1-based or ``None`` when no line applies.
    """

    path: str
    line: int | None
    message: str
    severity: Severity = "error"

    def format(self) -> str:
        """Render as ``path:line: message``, the form editors and CI parse."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line or 0, self.message)

    def under_strict(self) -> Problem:
        """This warning as the error ``--strict`` makes of it, saying so (``build``, ``check``, ``deploy``)."""
        return Problem(self.path, self.line, self.message + " (--strict)")


class BlogenError(Exception):
    """Raised when the site cannot be built; holds every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems), key=Problem.sort_key))
        super().__init__("\n".join(p.format() for p in self.problems))

    def __reduce__(self) -> tuple[type[BlogenError], tuple[tuple[Problem, ...]]]:
        # Worker processes send these back to the parent; the default pickling would pass the
        # joined message string where the constructor expects problems.
        return (type(self), (self.problems,))

    @classmethod
    def one(cls, path: str, line: int | None, message: str) -> BlogenError:
        """Shorthand for the common case of a single problem."""
        return cls([Problem(path, line, message)])


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The best "did you mean" candidate for a misspelt key, or ``None`` if none is close."""
    import difflib

    found = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ``" (did you mean 'x'?)"`` suffix, or an empty string."""
    guess = closest(word, choices)
    return f" (did you mean '{guess}'?)" if guess else ""
