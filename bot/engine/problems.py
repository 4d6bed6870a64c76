"""A located problem in the knowledge files, reported by ``footbot check`` and the loader."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing a content editor must fix, with the place to fix it."""

    file: str
    line: int
    entry_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        entry = f" [{self.entry_id}]" if self.entry_id else ""
        return f"{where}:{entry} {self.message}"
