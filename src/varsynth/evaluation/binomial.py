"""Words for the difference of two measured fractions that hold against their binomial error.

A report sentence may call two fractions (recovered periods, accuracies) alike only when their
difference is within its binomial standard error, ``sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) / n2)``
for independent samples of ``n1`` and ``n2`` trials; :func:`compare_fractions` writes the words
from the numbers so that no sentence claims more than they show.
"""

from __future__ import annotations

import math

__all__ = ["binomial_se", "difference_se", "within_binomial_error", "compare_fractions"]


def binomial_se(p: float, n: int) -> float:
    """Standard error of a fraction ``p`` (in [0, 1]) measured on ``n`` >= 1 trials."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be a fraction in [0, 1], got {p}")
    if n < 1:
        raise ValueError(f"n must be >= 1 trial, got {n}")
    return math.sqrt(p * (1.0 - p) / n)


def difference_se(p1: float, n1: int, p2: float, n2: int) -> float:
    """Binomial standard error of ``p1 - p2`` for independent samples of ``n1`` and ``n2`` trials."""
    return math.hypot(binomial_se(p1, n1), binomial_se(p2, n2))


def within_binomial_error(p1: float, n1: int, p2: float, n2: int) -> bool:
    """Whether ``|p1 - p2|`` is at most its binomial standard error (equal fractions always are)."""
    return abs(p1 - p2) <= difference_se(p1, n1, p2, n2) or p1 == p2


def compare_fractions(p1: float, n1: int, p2: float, n2: int) -> str:
    """``within binomial error (difference +0.010, 1-sigma 0.030)`` or ``beyond binomial error
    (difference -0.080 = 2.7 sigma)``: the words for ``p1 - p2`` next to its standard error."""
    diff, se = p1 - p2, difference_se(p1, n1, p2, n2)
    if within_binomial_error(p1, n1, p2, n2):
        return f"within binomial error (difference {diff:+.3f}, 1-sigma {se:.3f})"
    sigmas = f"{abs(diff) / se:.1f} sigma" if se > 0 else "1-sigma 0"
    return f"beyond binomial error (difference {diff:+.3f} = {sigmas})"
