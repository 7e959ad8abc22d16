"""Phase jitter in generation: each light curve's shape at phases off by its library entry's jitter."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import with_library

from varsynth.generation import StarRequest, generate_table, load_model
from varsynth.generation.engine import _decode_in_slices, phase_shifts


@pytest.fixture(scope="module")
def model():
    return load_model("default")


def test_phase_shifts_are_gaussian_with_each_light_curves_jitter():
    jitter = np.array([0.0, 0.01, 0.03])
    curve = np.repeat(np.arange(3), 20_000)
    shift = phase_shifts(jitter, curve, np.random.default_rng(1))
    assert shift.shape == curve.shape
    assert np.all(shift[curve == 0] == 0.0)
    np.testing.assert_allclose([shift[curve == c].std() for c in (1, 2)], [0.01, 0.03], rtol=0.02)
    assert abs(shift[curve == 2].mean()) < 0.001
    assert phase_shifts(np.zeros(3), curve, np.random.default_rng(1)) is None  # nothing to draw


def test_a_constant_shift_is_an_earlier_epoch_of_phase_zero(model):
    # shifting every phase of a star by d cycles is the same as moving its epoch back by d periods
    n, per = 3, 40
    torch.manual_seed(0)
    z = torch.randn(n, model.cvae.config.latent_dim)
    batch = model.conditions(np.zeros(n, dtype=int), np.zeros((n, 3), dtype=np.float32), np.full(n, 0.8, np.float32))
    cond = model.cvae.condition(batch, decoder=True)
    time = np.sort(np.random.default_rng(2).uniform(0, 100, n * per))
    star = np.repeat(np.arange(n), per)
    period, epoch0, d = np.array([0.5, 3.0, 11.0]), np.array([1.0, 2.0, 3.0]), np.array([0.1, -0.3, 0.05])
    shifted = _decode_in_slices(model, z, cond, time, star, star, epoch0, period, d[star])
    moved = _decode_in_slices(model, z, cond, time, star, star, epoch0 - d * period, period)
    np.testing.assert_allclose(shifted[0], moved[0], atol=2e-6)
    np.testing.assert_allclose(shifted[1], moved[1], atol=2e-6)


def _with_jitter(model, value: float):
    """A copy of ``model`` whose every residual-library entry has phase jitter ``value`` cycles."""
    return with_library(model, jitter=value)


def test_jitter_moves_points_along_the_light_curve_and_nothing_else(model):
    # the same seed with and without jitter: the same stars, epochs, errors draws and noise; the
    # magnitudes differ by the shape's change over the phase shift, most where it is steep
    request = StarRequest("RRLYR", period=0.6)
    kw = dict(n=20, cadence="ogle3", seed=5)
    none = generate_table(request, model=_with_jitter(model, 0.0), **kw).to_pandas()
    tiny = generate_table(request, model=_with_jitter(model, 1e-7), **kw).to_pandas()
    some = generate_table(request, model=_with_jitter(model, 0.02), **kw).to_pandas()
    for other in (tiny, some):
        for column in ("id", "time", "band", "period", "epoch", "teff", "abs_mag"):
            np.testing.assert_array_equal(none[column], other[column])
    np.testing.assert_allclose(tiny["mag"], none["mag"], atol=1e-4)  # 1e-7 cycles move nothing
    diff = (some["mag"] - none["mag"]).to_numpy()
    assert 0.005 < np.std(diff) < 0.2  # mag: RR Lyrae slopes of ~1-5 mag per cycle times 0.02 cycles
    # the change follows the light curve's slope: large on the rising branch, small at the extremes
    phase = np.mod((none["time"] - none["epoch"]) / none["period"], 1.0).to_numpy()
    for key, group in none.assign(diff=np.abs(diff), phase=phase).groupby(["id", "band"]):
        order = np.argsort(group["phase"].to_numpy())
        mag = group["mag"].to_numpy()[order]
        if len(mag) < 100:
            continue
        slope = np.abs(np.gradient(np.convolve(mag, np.ones(9) / 9, mode="same")))
        steep = slope > np.quantile(slope, 0.75)
        flat = slope < np.quantile(slope, 0.25)
        assert group["diff"].to_numpy()[order][steep].mean() > group["diff"].to_numpy()[order][flat].mean(), key
