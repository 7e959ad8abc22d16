"""The engine's vectorised functions give exactly what the numpy calls they replace give."""

from __future__ import annotations

import numpy as np
import pytest

from varsynth.generation.engine import _factorize_strings, _medians


@pytest.mark.parametrize(
    "pool",
    [
        ["I"],
        ["g", "r", "i", "u", "z", "y"],
        ["G", "BP", "RP"],
        ["B", "BP", "A", "AB"],
        ["long", "x", "lon"],
        ["é", "e", "ü"],
    ],
)
def test_factorize_strings_is_np_unique(pool):
    values = np.array(pool)[np.random.default_rng(len(pool)).integers(0, len(pool), 500)]
    names, codes = _factorize_strings(values)
    expected_names, expected_codes = np.unique(values, return_inverse=True)
    np.testing.assert_array_equal(names, expected_names)
    np.testing.assert_array_equal(codes, expected_codes)
    assert names.dtype.kind == "U"


def test_factorize_strings_of_nothing():
    names, codes = _factorize_strings(np.zeros(0, dtype="<U1"))
    assert names.size == 0 and codes.size == 0


@pytest.mark.parametrize("equal_lengths", [False, True])
def test_medians_are_np_median_bit_for_bit(equal_lengths):
    rng = np.random.default_rng(7)
    for _ in range(100):
        groups = int(rng.integers(1, 25))
        counts = np.full(groups, int(rng.integers(1, 9))) if equal_lengths else rng.integers(0, 8, groups)
        group = np.repeat(np.arange(groups), counts)
        rng.shuffle(group)
        values = rng.normal(size=group.size)
        values[rng.random(values.size) < 0.2] = 0.5  # ties
        expected = np.array([np.median(values[group == g]) if c else 1.0 for g, c in enumerate(counts)])
        np.testing.assert_array_equal(_medians(values, group, counts), expected)
