"""Counting what a reader or a preprocessing step leaves out, and why.

Nothing is dropped silently: every skipped line, point, file or star is counted under a reason
in a :class:`SkipLog`, which the data card reports. A few examples per reason (file and line)
are kept so that a user can look at the offending input.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SkipLog", "ReaderError"]

_MAX_EXAMPLES = 3


class ReaderError(ValueError):
    """A file that cannot be read at all; the message names the file and the line."""

    def __init__(self, path: str | Path, line: int | None, reason: str) -> None:
        where = f"{path}" if line is None else f"{path}, line {line}"
        super().__init__(f"{where}: {reason}")
        self.path = str(path)
        self.line = line
        self.reason = reason


@dataclass
class SkipLog:
    """Counts of skipped items per ``(survey, level, reason)``.

    ``level`` is what was skipped: ``line``, ``point``, ``file``, ``star`` or ``lightcurve``.
    """

    counts: Counter = field(default_factory=Counter)
    examples: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)

    def add(self, survey: str, level: str, reason: str, where: str = "", n: int = 1) -> None:
        """Count ``n`` skipped items; ``where`` (e.g. ``file:line``) is kept as an example."""
        if n <= 0:
            return
        key = (survey, level, reason)
        self.counts[key] += n
        if where:
            ex = self.examples.setdefault(key, [])
            if len(ex) < _MAX_EXAMPLES:
                ex.append(where)

    def merge(self, other: SkipLog) -> None:
        """Add another log's counts and examples to this one."""
        for key, n in other.counts.items():
            self.counts[key] += n
            ex = self.examples.setdefault(key, [])
            for w in other.examples.get(key, []):
                if len(ex) < _MAX_EXAMPLES:
                    ex.append(w)

    def total(self, survey: str | None = None, level: str | None = None) -> int:
        """Number of skipped items, optionally for one survey and/or level."""
        return sum(
            n
            for (s, lv, _), n in self.counts.items()
            if (survey is None or s == survey) and (level is None or lv == level)
        )

    def rows(self) -> list[dict[str, object]]:
        """The log as sorted rows ``{survey, level, reason, count, examples}`` for the data card."""
        return [
            {
                "survey": s,
                "level": lv,
                "reason": r,
                "count": int(n),
                "examples": list(self.examples.get((s, lv, r), [])),
            }
            for (s, lv, r), n in sorted(self.counts.items())
        ]
