"""The split is by star and stratified; augmentation follows the paper's three steps."""

from __future__ import annotations

from collections import Counter

import numpy as np

from varsynth.data.augment import augmentation_counts, gaussian_resample, phase_shift
from varsynth.data.split import split_stars


def test_split_by_star_is_stratified_and_order_independent():
    stars = [(f"s{i}", "CEP") for i in range(100)] + [(f"r{i}", "RRLYR") for i in range(50)]
    a = split_stars(stars, (0.6, 0.2, 0.2), seed=7)
    b = split_stars(list(reversed(stars)) + stars[:10], (0.6, 0.2, 0.2), seed=7)
    assert a == b
    for prefix, n in (("s", 100), ("r", 50)):
        counts = Counter(v for k, v in a.items() if k.startswith(prefix))
        assert counts == {"train": 0.6 * n, "val": 0.2 * n, "test": 0.2 * n}
    assert split_stars(stars, (0.6, 0.2, 0.2), seed=8) != a


def test_split_of_tiny_classes():
    out = split_stars([("a", "ACEP"), ("b", "T2CEP"), ("c", "T2CEP")], (0.6, 0.2, 0.2), seed=0)
    assert out["a"] == "train"
    assert sorted(v for k, v in out.items() if k != "a") == ["test", "train"]


def test_gaussian_resample_scatters_by_the_error():
    rng = np.random.default_rng(0)
    mag = np.full(20000, 15.0)
    err = np.full(20000, 0.1)
    new = gaussian_resample(mag, err, rng)
    assert abs(new.mean() - 15.0) < 0.005 and abs(new.std() - 0.1) < 0.005


def test_phase_shift_is_one_uniform_shift_wrapped():
    rng = np.random.default_rng(0)
    phase = np.linspace(0, 0.99, 100)
    shifted = phase_shift(phase, rng)
    assert np.all((shifted >= 0) & (shifted < 1))
    delta = np.mod(shifted - phase, 1.0)
    np.testing.assert_allclose(delta, delta[0], atol=1e-12)


def test_augmentation_counts():
    assert augmentation_counts(70, 5000) == 4930
    assert augmentation_counts(12000, 10000) == 0
