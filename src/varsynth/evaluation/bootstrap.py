"""Bootstrap standard errors of the report's numbers that issue #11 sets bars on.

A bar's value (an AUC, a slope ratio, a median ratio, an R^2) is measured on finite samples of
real and generated light curves; its standard error says whether a miss of a few hundredths is
beyond what the samples themselves allow. Each error here is the standard deviation of the
statistic over :data:`N_BOOT` resamples (with replacement) of the rows it was computed from, by
:func:`scipy.stats.bootstrap` (percentile method, so no jackknife over large samples). It is the
error of the measurement at fixed generated light curves and a fixed discriminator: what another
evaluation seed or training seed moves comes on top (docs/training.md gives both spreads).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.stats import bootstrap
from sklearn.metrics import roc_auc_score

__all__ = ["N_BOOT", "standard_error", "grouped_auc_se"]

#: Resamples per standard error: the error of a standard error from n resamples is about
#: 1 / sqrt(2 n), 5% here.
N_BOOT = 200


def standard_error(
    statistic: Callable[..., float], sizes: tuple[int, ...], *, n_boot: int = N_BOOT, seed: int = 0
) -> float:
    """Bootstrap standard error of ``statistic(*rows)`` over independent resamples of each sample.

    Arguments:
        statistic: called with one integer array of row indices per sample (a resample of
            ``range(size)``); returns a float (NaN allowed: such resamples are left out).
        sizes: number of rows of each sample (every one >= 2).
        n_boot: resamples (>= 2).
        seed: seed of the resampling.

    Returns:
        The standard deviation of the finite resampled statistics; NaN with a sample under 2 rows
        or fewer than 2 finite resamples.
    """
    if n_boot < 2:
        raise ValueError(f"n_boot must be >= 2, got {n_boot}")
    if not sizes or min(sizes) < 2:
        return math.nan
    values: list[float] = []

    def collect(*rows: np.ndarray) -> float:
        value = float(statistic(*(np.asarray(r, dtype=np.int64) for r in rows)))
        values.append(value)
        return value if math.isfinite(value) else 0.0  # scipy needs a number; NaNs are dropped below

    data = tuple(np.arange(n) for n in sizes)
    bootstrap(data, collect, n_resamples=n_boot, vectorized=False, paired=False, method="percentile", rng=seed)
    finite = np.asarray([v for v in values[-n_boot:] if math.isfinite(v)])
    return float(np.std(finite, ddof=1)) if finite.size >= 2 else math.nan


def grouped_auc_se(
    labels: np.ndarray, scores: np.ndarray, groups: np.ndarray, *, n_boot: int = N_BOOT, seed: int = 0
) -> float:
    """Bootstrap standard error of a ROC AUC, resampling whole groups (stars) of rows.

    The rows of a star (its real light curves and their generated twins) are drawn together, as
    the discriminator's folds keep them, so the error is not understated by treating a star's
    several light curves as independent.

    Arguments:
        labels: 0/1 per row (1: generated).
        scores: the classifier's score per row.
        groups: the star of each row.
    """
    labels, scores, groups = np.asarray(labels), np.asarray(scores, dtype=np.float64), np.asarray(groups)
    if not len(labels) == len(scores) == len(groups):
        raise ValueError(f"labels ({len(labels)}), scores ({len(scores)}) and groups ({len(groups)}) differ in length")
    names, index = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(index == k) for k in range(len(names))]

    def auc(picked: np.ndarray) -> float:
        rows = np.concatenate([members[k] for k in picked])
        if np.unique(labels[rows]).size < 2:
            return math.nan
        return float(roc_auc_score(labels[rows], scores[rows]))

    return standard_error(auc, (len(names),), n_boot=n_boot, seed=seed)
