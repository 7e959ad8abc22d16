"""Bootstrap standard errors of the report's bar values, against known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from varsynth.evaluation.bootstrap import grouped_auc_se, standard_error
from varsynth.evaluation.shapes import shape_distance_table


def test_standard_error_of_a_mean_is_sigma_over_root_n():
    x = np.random.default_rng(0).normal(0.0, 2.0, 400)
    se = standard_error(lambda rows: x[rows].mean(), (400,), seed=1)
    assert se == pytest.approx(2.0 / 20.0, rel=0.15)
    assert standard_error(lambda rows: x[rows].mean(), (400,), seed=1) == se  # seeded
    assert standard_error(lambda rows: x[rows].mean(), (400,), seed=2) != se


def test_two_samples_add_in_quadrature_and_nan_resamples_are_left_out():
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, 300), rng.normal(0, 3, 900)
    se = standard_error(lambda i, j: a[i].mean() - b[j].mean(), (300, 900), seed=0)
    assert se == pytest.approx(math.hypot(1 / math.sqrt(300), 3 / math.sqrt(900)), rel=0.15)
    flaky = standard_error(lambda i: a[i].mean() if i[0] % 2 else math.nan, (300,), seed=0)
    assert flaky == pytest.approx(1 / math.sqrt(300), rel=0.25)
    assert math.isnan(standard_error(lambda i: math.nan, (300,)))
    assert math.isnan(standard_error(lambda i: 0.0, (1,)))
    with pytest.raises(ValueError, match="n_boot must be >= 2"):
        standard_error(lambda i: 0.0, (10,), n_boot=1)


def _scores(n: int, shift: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.r_[np.zeros(n, int), np.ones(n, int)], np.r_[rng.normal(0, 1, n), rng.normal(shift, 1, n)]


def test_auc_error_matches_hanley_mcneil():
    n, shift = 1500, 0.5
    labels, scores = _scores(n, shift, 0)
    groups = np.r_[np.arange(n), np.arange(n)]  # a star: one real light curve and its twin
    # Hanley & McNeil (1982) for AUC A with n positives and n negatives
    a = 0.638  # Phi(0.5 / sqrt(2)), the AUC of two unit normals 0.5 apart
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    hanley = math.sqrt((a * (1 - a) + (n - 1) * (q1 - a * a) + (n - 1) * (q2 - a * a)) / (n * n))
    assert grouped_auc_se(labels, scores, groups, seed=1) == pytest.approx(hanley, rel=0.25)


def test_auc_error_resamples_a_stars_light_curves_together():
    """Four identical copies of every row: resampled by star the error is that of the original rows;
    taken as independent rows it would be half of it."""
    labels, scores = _scores(400, 0.5, 4)
    stars = np.r_[np.arange(400), np.arange(400)]
    once = grouped_auc_se(labels, scores, stars, seed=2)
    copies = grouped_auc_se(np.tile(labels, 4), np.tile(scores, 4), np.tile(stars, 4), seed=2)
    as_rows = grouped_auc_se(np.tile(labels, 4), np.tile(scores, 4), np.arange(3200), seed=2)
    assert copies == pytest.approx(once, rel=0.2)
    assert as_rows == pytest.approx(once / 2, rel=0.25)
    with pytest.raises(ValueError, match="differ in length"):
        grouped_auc_se(labels, scores[:-1], stars)


def test_median_amplitude_error_in_the_shape_table():
    """Medians of n normal values scatter by 1.2533 sigma / sqrt(n); the relative difference of two
    medians near 1.0 and 1.1 then has about that error from each sample in quadrature."""
    rng = np.random.default_rng(5)
    real = pd.DataFrame({"group": "LPV Mira", "amplitude": rng.normal(1.0, 0.2, 1000), "R21": rng.uniform(0, 1, 1000)})
    gen = pd.DataFrame({"group": "LPV Mira", "amplitude": rng.normal(1.1, 0.2, 500), "R21": rng.uniform(0, 1, 500)})
    table = shape_distance_table(real, gen, ["group"], ("amplitude", "R21"), angles=(), repeats=4).set_index(
        "parameter"
    )
    expected = 1.2533 * 0.2 * math.hypot(1 / math.sqrt(500) / 1.0, 1.1 / math.sqrt(1000) / 1.0)
    assert table.loc["amplitude", "median_relative_se"] == pytest.approx(expected, rel=0.25)
    assert math.isnan(table.loc["R21", "median_relative_se"])  # only the named parameters
