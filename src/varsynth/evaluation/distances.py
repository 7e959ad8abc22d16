"""Two-sample distances between generated and real distributions, with their noise floor.

A distance between a generated and a real sample means little alone: two halves of the same real
sample are not at distance 0 either. :func:`noise_floor` measures that distance between random
halves of the real sample, :func:`matched_noise_floor` between a part of it as large as the
generated sample and the rest. The ratio distance / floor of a perfect generator is not 1: it
depends on the sizes compared (about 0.7 when the generated sample is as large as the real one
and the floor compares halves). :func:`ideal_ratio_draws` measures that ratio under the null
hypothesis (generated and real values follow one distribution), so that a model's ratio can be
read against it. The distances are scipy's one-dimensional Wasserstein-1 and energy distances
(per parameter).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["DISTANCES", "IDEAL_DRAWS", "distance", "noise_floor", "matched_noise_floor", "ideal_ratio_draws"]

#: Draws of :func:`ideal_ratio_draws` per compared sample (their mean is the ideal-generator ratio).
IDEAL_DRAWS = 10

#: Distances by name.
DISTANCES = {"wasserstein": stats.wasserstein_distance, "energy": stats.energy_distance}


def distance(x: np.ndarray, y: np.ndarray, kind: str = "wasserstein") -> float:
    """Distance between two 1-D samples (NaN values are dropped)."""
    if kind not in DISTANCES:
        raise ValueError(f"distance must be one of {sorted(DISTANCES)}, got {kind!r}")
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if x.size == 0 or y.size == 0:
        raise ValueError(f"both samples need finite values, got {x.size} and {y.size}")
    return float(DISTANCES[kind](x, y))


def noise_floor(real: np.ndarray, kind: str = "wasserstein", *, repeats: int = 20, seed: int = 0) -> float:
    """Median distance between two random halves of ``real`` over ``repeats`` splits."""
    real = np.asarray(real, dtype=float)
    real = real[np.isfinite(real)]
    if real.size < 4:
        raise ValueError(f"need at least 4 finite values for a noise floor, got {real.size}")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(repeats):
        perm = rng.permutation(real.size)
        half = real.size // 2
        values.append(distance(real[perm[:half]], real[perm[half : 2 * half]], kind))
    return float(np.median(values))


def matched_noise_floor(
    real: np.ndarray,
    n_other: int,
    kind: str = "wasserstein",
    *,
    repeats: int = 20,
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> float:
    """Median distance between a random part of ``real`` and the rest of it, over ``repeats`` draws.

    The part has ``min(n_other, n // 2)`` values, the size of the sample compared with ``real``
    (at most half): two random halves when that sample is as large as ``real`` (the held-out
    twins), a generated-sized subsample against the rest when ``real`` is much larger (the
    catalog), so that the floor carries the sampling noise of the comparison it is set against.
    With ``groups`` (e.g. each value's star, whose I and V light curves are not independent), whole
    groups go to one side: random groups fill the part up to ``k`` values.
    """
    real = np.asarray(real, dtype=float)
    finite = np.isfinite(real)
    groups = None if groups is None else np.asarray(groups)[finite]
    real = real[finite]
    if real.size < 4:
        raise ValueError(f"real needs at least 4 finite values for a noise floor, got {real.size}")
    if n_other < 1:
        raise ValueError(f"n_other must be >= 1, got {n_other}")
    k = min(int(n_other), real.size // 2)
    rng = np.random.default_rng(seed)
    values = []
    codes = np.unique(groups, return_inverse=True)[1] if groups is not None else np.arange(real.size)
    for _ in range(repeats):
        order = np.argsort(rng.permutation(codes.max() + 1)[codes], kind="stable")  # values of random groups first
        in_part = np.zeros(real.size, bool)
        in_part[order[:k]] = True
        in_part |= np.isin(codes, codes[order[:k]])  # a group's values stay together
        if in_part.all():
            in_part[order[-1]] = False
        values.append(distance(real[in_part], real[~in_part], kind))
    return float(np.median(values))


def _group_codes(size: int, groups: np.ndarray | None) -> np.ndarray:
    """Group index (0 .. G-1) of each value; every value its own group without ``groups``."""
    return np.arange(size) if groups is None else np.unique(np.asarray(groups), return_inverse=True)[1].ravel()


def _group_resample(
    values: np.ndarray, codes: np.ndarray, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``size`` values drawn group by group with replacement (a drawn group brings all its values,
    the last one cut to fit), and a new group label per drawn group."""
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes)
    members = np.split(values[order], np.cumsum(counts)[:-1])
    picks = rng.integers(0, counts.size, size)  # every group holds >= 1 value: never more than size needed
    taken = int(np.searchsorted(np.cumsum(counts[picks]), size)) + 1
    out = np.concatenate([members[g] for g in picks[:taken]])[:size]
    labels = np.repeat(np.arange(taken), counts[picks[:taken]])[:size]
    return out, labels


def ideal_ratio_draws(
    real: np.ndarray,
    n_other: int,
    kind: str = "wasserstein",
    *,
    draws: int = IDEAL_DRAWS,
    repeats: int = 20,
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """Ratios distance / noise floor that an ideal generator scores against ``real``, one per draw.

    An ideal generator draws from the distribution of the real values. Each draw takes two
    independent resamples (with replacement) of ``real``: one as large as ``real`` stands for the
    reference sample, one of ``n_other`` values for the generated sample; the ratio is computed as
    for the model, ``distance(generated, reference) / matched_noise_floor(reference, n_other)``.
    Both come from the empirical distribution of ``real``, so the mean of the draws estimates the
    expected ratio under the null hypothesis for these sample sizes (about 0.7 when ``n_other``
    equals the real size, about 1 when it is much smaller). With ``groups`` (e.g. each value's
    star), whole groups are resampled, and kept together in the floor, as in the real sample.

    Returns:
        ``draws`` ratios (NaN where the resampled floor is 0).
    """
    real = np.asarray(real, dtype=float)
    finite = np.isfinite(real)
    groups = None if groups is None else np.asarray(groups)[finite]
    real = real[finite]
    if real.size < 4:
        raise ValueError(f"real needs at least 4 finite values for an ideal-generator ratio, got {real.size}")
    if n_other < 1 or draws < 1:
        raise ValueError(f"n_other and draws must be >= 1, got {n_other} and {draws}")
    codes = _group_codes(real.size, groups)
    rng = np.random.default_rng(seed)
    out = np.full(draws, np.nan)
    for i in range(draws):
        reference, labels = _group_resample(real, codes, real.size, rng)
        generated, _ = _group_resample(real, codes, int(n_other), rng)
        floor = matched_noise_floor(
            reference, int(n_other), kind, repeats=repeats, seed=seed + i + 1, groups=None if groups is None else labels
        )
        if floor > 0:
            out[i] = distance(generated, reference, kind) / floor
    return out
