"""Two-sample distances between generated and real distributions, with their noise floor.

A distance between a generated and a real sample means little alone: two halves of the same real
sample are not at distance 0 either. :func:`noise_floor` measures that distance between random
halves of the real sample; a generated sample is as good as the metric can tell when its
distance to the real one is near the floor. The distances are scipy's one-dimensional
Wasserstein-1 and energy distances (per parameter).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["DISTANCES", "distance", "noise_floor"]

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
