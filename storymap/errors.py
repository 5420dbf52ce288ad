"""The project's own error and warning types.

Every problem names the file it was found in and, where known, the place inside it
(a line, a key path, a feature number), so that a message alone is enough to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Problem", "StoryError"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a story, with where it is."""

    message: str
    file: Path | None = None
    place: str | None = None
    level: str = "error"

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.place:
                where += f":{self.place}" if self.place.isdigit() else f" ({self.place})"
            where += ": "
        elif self.place:
            where = f"{self.place}: "
        return f"{where}{self.message}"


class StoryError(ValueError):
    """A story cannot be built; carries its problems: at least one error, and any warnings found
    on the way (so that one run reports everything). A ValueError, so that Python callers of
    `storymap.Story` can catch it as bad input."""

    def __init__(self, problems: Problem | list[Problem]):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level != "error"]

    @classmethod
    def at(cls, message: str, file: Path | None = None, place: str | None = None) -> "StoryError":
        """Shorthand for an error with a single problem."""
        return cls(Problem(message, file, place))
