"""Fourier parameters and two-sample distances: known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from varsynth.evaluation.distances import distance, noise_floor
from varsynth.evaluation.fourier import fourier_parameters


def test_pure_sinusoid_parameters():
    phase = np.linspace(0, 1, 300, endpoint=False)
    mag = (
        15.0
        + 0.3 * np.cos(2 * math.pi * phase + 0.5)
        + 0.1 * np.cos(4 * math.pi * phase + 2.0)
        + 0.05 * np.cos(6 * math.pi * phase + 1.0)
    )
    p = fourier_parameters(phase, mag)
    assert p["R21"] == pytest.approx(1 / 3, abs=1e-9) and p["R31"] == pytest.approx(1 / 6, abs=1e-9)
    assert p["phi21"] == pytest.approx(2.0 - 2 * 0.5, abs=1e-9)
    assert p["phi31"] == pytest.approx(np.mod(1.0 - 3 * 0.5, 2 * math.pi), abs=1e-9)
    single = fourier_parameters(phase, 15 + 0.4 * np.sin(2 * math.pi * phase), order=3)
    assert single["amplitude"] == pytest.approx(0.8, abs=1e-4) and single["R21"] == pytest.approx(0, abs=1e-9)


def test_phase_differences_do_not_depend_on_the_epoch():
    rng = np.random.default_rng(0)
    phase = rng.uniform(0, 1, 200)

    def shape(ph):
        return (
            0.4 * np.cos(2 * math.pi * ph)
            + 0.15 * np.cos(4 * math.pi * ph + 1.2)
            + 0.07 * np.cos(6 * math.pi * ph + 2.5)
        )

    a = fourier_parameters(phase, shape(phase))
    b = fourier_parameters(phase, shape(phase + 0.37))
    for key in ("R21", "phi21", "R31", "phi31", "amplitude"):
        assert a[key] == pytest.approx(b[key], abs=1e-9)


def test_too_few_points_are_refused():
    with pytest.raises(ValueError, match="at least 9 points"):
        fourier_parameters(np.arange(5.0), np.arange(5.0))


def test_distances_known_answers():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, 5000)
    assert distance(x, x) == 0.0 and distance(x, x, "energy") == 0.0
    assert distance(x, x + 2.0) == pytest.approx(2.0)  # Wasserstein-1 of a shift is the shift
    floor = noise_floor(x)
    assert 0 < floor < 0.1 and distance(x, x + 0.5) > 5 * floor
    with pytest.raises(ValueError, match="distance must be one of"):
        distance(x, x, "kl")
