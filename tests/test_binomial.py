"""Words for two measured fractions, held against their binomial standard error."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from varsynth.evaluation.binomial import binomial_se, compare_fractions, difference_se, within_binomial_error


def test_standard_errors_known_answers():
    assert binomial_se(0.5, 100) == pytest.approx(0.05)
    assert binomial_se(0.0, 10) == 0.0
    # 0.82 of 300 against 0.86 of 300: sqrt(0.82 * 0.18 / 300 + 0.86 * 0.14 / 300) = 0.02989
    assert difference_se(0.82, 300, 0.86, 300) == pytest.approx(0.0298887, abs=1e-6)


def test_wording_on_crafted_numbers():
    # 0.04 apart, 1-sigma 0.0299: beyond binomial error, 1.3 sigma
    assert compare_fractions(0.82, 300, 0.86, 300) == "beyond binomial error (difference -0.040 = 1.3 sigma)"
    # 0.01 apart, 1-sigma 0.0310: within
    assert compare_fractions(0.83, 300, 0.82, 300) == "within binomial error (difference +0.010, 1-sigma 0.031)"
    # the same 0.01 on 30,000 trials each (1-sigma 0.0031) is not
    assert not within_binomial_error(0.83, 30_000, 0.82, 30_000)
    # fractions of 0 and 1 have no binomial error: only equal ones are alike
    assert compare_fractions(1.0, 50, 1.0, 50).startswith("within")
    assert compare_fractions(0.0, 50, 1.0, 50) == "beyond binomial error (difference -1.000 = 1-sigma 0)"


@given(st.floats(0, 1), st.integers(1, 10_000), st.floats(0, 1), st.integers(1, 10_000))
def test_within_exactly_when_the_difference_is_at_most_one_standard_error(p1, n1, p2, n2):
    words = compare_fractions(p1, n1, p2, n2)
    expected = abs(p1 - p2) <= math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) or p1 == p2
    assert words.startswith("within") is expected and within_binomial_error(p1, n1, p2, n2) is expected


@pytest.mark.parametrize("bad", [(1.5, 10), (-0.1, 10), (0.5, 0)])
def test_bad_input_names_the_parameter(bad):
    with pytest.raises(ValueError, match="must be"):
        binomial_se(*bad)
