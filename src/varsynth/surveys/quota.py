"""The per-label limit of every reader: at most ``limit`` stars per survey class label.

Quick builds and tests read a few stars of each label (``limit_per_class`` of the data config);
the readers take them in their own deterministic order (sorted IDs or paths) through
:class:`LabelQuota`, and the catalog-period readers through :func:`first_per_label` (OGLE keeps
its own count: a star counts only when it has a light curve in the bands asked).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

__all__ = ["LabelQuota", "first_per_label"]


class LabelQuota:
    """At most ``limit`` stars per survey class label, in the order they are offered."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.taken: dict[Hashable, int] = {}

    def take(self, label: Hashable) -> bool:
        """Whether one more star of ``label`` fits (and count it when it does)."""
        if self.limit is not None and self.taken.get(label, 0) >= self.limit:
            return False
        self.taken[label] = self.taken.get(label, 0) + 1
        return True


def first_per_label(keys: Iterable[str], label_of: Callable[[str], Hashable], limit: int | None) -> list[str]:
    """The first ``limit`` keys of each label, in the order of ``keys`` (all when ``limit`` is None)."""
    quota = LabelQuota(limit)
    return [key for key in keys if quota.take(label_of(key))]
