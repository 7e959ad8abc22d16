"""The period convention of pulsating stars: a period listed twice too long is halved."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import shared_dir

from varsynth.config import CleanConfig, ConfigError, DataConfig
from varsynth.data.crossmatch import stars_from_lightcurves
from varsynth.data.period_convention import amplitude_ratio_r21, halve_two_wave_periods
from varsynth.lightcurve import LightCurve
from varsynth.surveys.catalina_sss import read_catalina_sss
from varsynth.surveys.skips import SkipLog

#: A pulsator's Fourier amplitudes (mag) of harmonics 1-3: an RRab-like sawtooth, R21 = 0.5.
AMPS = (0.30, 0.15, 0.08)


def _pulsator(period: float, listed: float, *, n: int = 200, noise: float = 0.02, seed: int = 0, **kw) -> LightCurve:
    """A light curve of true ``period`` (days) listed with period ``listed``."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(55000.0, 55000.0 + 900.0, n))
    phase = t / period
    mag = 15.0 + sum(a * np.cos(2 * np.pi * (k + 1) * phase + 0.7 * k) for k, a in enumerate(AMPS))
    mag = mag + rng.normal(0.0, noise, n)
    defaults = {"vclass": "T2CEP", "star_id": "star-1", "survey": "css", "band": "V"}
    defaults.update(kw)
    return LightCurve(
        defaults.pop("star_id"),
        defaults.pop("survey"),
        defaults.pop("band"),
        t,
        mag,
        np.full(n, noise),
        period=listed,
        meta={"period_source": "catalog", "period_err": 1e-4},
        **defaults,
    )


def test_r21_of_a_known_series() -> None:
    lc = _pulsator(3.0, 3.0, noise=1e-4)
    assert amplitude_ratio_r21(lc.time, lc.mag, lc.mag_err, 3.0) == pytest.approx(0.5, abs=1e-3)
    # at twice the period the first harmonic is the old second: next to nothing, R21 large
    assert amplitude_ratio_r21(lc.time, lc.mag, lc.mag_err, 6.0) > 10
    assert math.isnan(amplitude_ratio_r21(lc.time[:10], lc.mag[:10], lc.mag_err[:10], 3.0))


def test_doubled_period_is_halved_true_period_kept() -> None:
    doubled = _pulsator(3.0, 6.0, star_id="doubled")
    right = _pulsator(3.0, 3.0, star_id="right", seed=1)
    out = halve_two_wave_periods([doubled, right], max_r21=1.0)
    assert out[1] is right
    assert out[0].period == 3.0
    assert out[0].meta["period_halved"] is True
    assert out[0].meta["period_as_read"] == 6.0
    assert out[0].meta["period_err"] == pytest.approx(5e-5)
    np.testing.assert_array_equal(out[0].mag, doubled.mag)
    assert doubled.period == 6.0 and "period_halved" not in doubled.meta  # the input is not modified


def test_alternating_minima_keep_their_period() -> None:
    """An RV Tau star with strongly alternating minima (A1 0.25, A2 0.30 mag: R21 1.2) is listed,
    by convention, with the time between two deep minima; its periodogram is not twice as high
    at half the period, so the period stays. With weak alternation (A1 0.05) it is halved."""
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(55000.0, 55900.0, 300))
    phase = t / 60.0
    out = []
    for a1 in (0.25, 0.05):
        mag = 12.0 + a1 * np.cos(2 * np.pi * phase) + 0.30 * np.cos(4 * np.pi * phase + 0.5)
        mag = mag + rng.normal(0.0, 0.01, t.size)
        lc = LightCurve(f"rv{a1}", "css", "V", t, mag, np.full(t.size, 0.01), vclass="T2CEP", period=60.0)
        assert amplitude_ratio_r21(t, mag, lc.mag_err, 60.0) > 1
        out += halve_two_wave_periods([lc], max_r21=1.0)
    assert [lc.period for lc in out] == [60.0, 30.0]


def test_cross_match_sees_the_period_as_listed() -> None:
    """Physical stars (and so the split) do not depend on the convention: the cross-match reads
    the listed period of a halved star."""
    (halved,) = halve_two_wave_periods([_pulsator(3.0, 6.0)], max_r21=1.0)
    (star,), _ = stars_from_lightcurves([halved])
    assert halved.period == 3.0 and list(star.periods) == [6.0]


def test_binaries_keep_two_minima_per_period() -> None:
    ecl = _pulsator(1.0, 2.0, vclass="ECL")
    ell = _pulsator(1.0, 2.0, vclass="ELL", star_id="ell")
    assert halve_two_wave_periods([ecl, ell], max_r21=1.0) == [ecl, ell]


def test_best_band_decides_for_every_band() -> None:
    # the V band is too noisy to show the two waves; the I band shows them: both halved
    bands = [
        _pulsator(3.0, 6.0, survey="ogle3", band="I", noise=0.01, vclass="CEP"),
        _pulsator(3.0, 6.0, survey="ogle3", band="V", noise=0.6, seed=2, vclass="CEP"),
    ]
    out = halve_two_wave_periods(bands, max_r21=1.0)
    assert [lc.period for lc in out] == [3.0, 3.0]


def test_too_few_points_or_no_period_left_alone() -> None:
    sparse = _pulsator(3.0, 6.0, n=12)
    no_period = _pulsator(3.0, math.nan, star_id="nan")
    assert halve_two_wave_periods([sparse, no_period], max_r21=1.0) == [sparse, no_period]


def test_threshold_is_checked() -> None:
    with pytest.raises(ValueError, match="max_r21"):
        halve_two_wave_periods([], max_r21=0.0)
    with pytest.raises(ConfigError, match="clean.halve_two_wave_r21"):
        CleanConfig(halve_two_wave_r21=-1.0)
    assert DataConfig.from_dict({"clean": {"halve_two_wave_r21": 1.0}}).clean.halve_two_wave_r21 == 1.0


@pytest.mark.shared_data
def test_catalina_type_ii_cepheids_listed_at_twice_their_period() -> None:
    """Drake et al. (2017) list some type II Cepheids at twice the period at which they pulsate:
    folded at the listed period their light curve holds two equal waves (R21 > 1); after halving,
    one wave (R21 < 1), as every OGLE-III LMC type II Cepheid has. Binaries are never halved, and
    RR Lyrae, whose published periods are good, almost never."""
    lcs = read_catalina_sss(shared_dir("catalina-sss"), skips=SkipLog(), limit=40)
    out = halve_two_wave_periods(lcs, max_r21=1.0)
    halved = [lc for lc in out if lc.meta.get("period_halved")]
    assert halved, "no Catalina SSS type II Cepheid among the first 40 folds into two waves"
    assert not {lc.vclass for lc in halved} & {"ECL", "ELL"}
    assert sum(lc.vclass == "T2CEP" for lc in halved) >= 10  # 17 of the first 40
    for lc in halved:
        assert lc.period == pytest.approx(lc.meta["period_as_read"] / 2)
        assert amplitude_ratio_r21(lc.time, lc.mag, lc.mag_err, lc.period) < 1.0
    rrlyr = [lc for lc in out if lc.vclass == "RRLYR"]
    assert len(rrlyr) >= 100 and sum(bool(lc.meta.get("period_halved")) for lc in rrlyr) <= 2
