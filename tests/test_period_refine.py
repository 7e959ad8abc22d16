"""Each star's period refined on its own light curve: a slightly wrong period is corrected, a
right one is kept, every band of a star moves together."""

from __future__ import annotations

import numpy as np
import pytest

from varsynth.config import ConfigError, DataConfig
from varsynth.data.period_refine import refine_periods, refined_period
from varsynth.lightcurve import LightCurve

#: Fourier amplitudes (mag) of harmonics 1-4 of an RRab-like light curve.
AMPS = (0.30, 0.15, 0.10, 0.06)
SPAN = 2000.0  # days


def _star(period: float, listed: float, *, band: str = "V", seed: int = 0, n: int = 300, noise: float = 0.02):
    """A light curve of true ``period`` (days) listed with period ``listed``, over :data:`SPAN` days."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(50000.0, 50000.0 + SPAN, n))
    phase = t / period
    mag = 15.0 + sum(a * np.cos(2 * np.pi * (k + 1) * phase + 0.9 * k) for k, a in enumerate(AMPS))
    mag = mag + rng.normal(0.0, noise, n)
    return LightCurve("star-1", "crts", band, t, mag, np.full(n, noise), vclass="RRLYR", period=listed)


@pytest.mark.parametrize("drift", [0.06, -0.11, 0.2])
def test_a_smeared_period_is_corrected(drift):
    true = 0.5731
    listed = 1.0 / (1.0 / true - drift / SPAN)  # folds with `drift` cycles of phase drift over the span
    lc = _star(true, listed)
    period, found = refined_period(lc.time, lc.mag, lc.mag_err, listed, 0.25)
    assert found == pytest.approx(drift, abs=0.003)
    # the phase drift left over the span is a few thousandths of a cycle
    assert abs(SPAN * (1 / period - 1 / true)) < 0.004


@pytest.mark.parametrize("seed", range(6))
def test_a_right_period_is_kept(seed):
    lc = _star(0.5731, 0.5731, seed=seed)
    assert refined_period(lc.time, lc.mag, lc.mag_err, 0.5731, 0.25) == (0.5731, 0.0)


def test_sparse_or_instant_light_curves_are_left_alone():
    lc = _star(0.5731, 0.5741, n=10)
    assert refined_period(lc.time, lc.mag, lc.mag_err, 0.5741, 0.25) == (0.5741, 0.0)
    same_time = np.full(30, 50000.0)
    assert refined_period(same_time, np.linspace(15, 16, 30), np.full(30, 0.02), 0.5741, 0.25) == (0.5741, 0.0)


def test_every_band_of_a_star_takes_its_best_bands_period():
    true, drift = 0.5731, 0.08
    listed = 1.0 / (1.0 / true - drift / SPAN)
    good = _star(true, listed, band="V", noise=0.01)
    noisy = _star(true, listed, band="I", seed=1, noise=0.2)
    other = LightCurve("star-2", "crts", "V", good.time, good.mag, good.mag_err, vclass="RRLYR", period=true)
    out = refine_periods([good, noisy, other], 0.25)
    assert out[2] is other  # its period folds it well already
    assert out[0].period == out[1].period
    assert abs(SPAN * (1 / out[0].period - 1 / true)) < 0.004
    assert out[0].meta["period_as_read"] == listed and out[0].meta["period_refined"] == pytest.approx(drift, abs=0.003)
    with pytest.raises(ValueError, match="max_drift"):
        refine_periods([good], 0.0)


def test_config_checks_the_drift():
    assert DataConfig.from_dict({"clean": {"refine_period_drift": 0.25}}).clean.refine_period_drift == 0.25
    with pytest.raises(ConfigError, match="clean.refine_period_drift"):
        DataConfig.from_dict({"clean": {"refine_period_drift": 0.0}})
