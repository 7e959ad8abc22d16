"""Tests of the survey cadences, their error models, the registry and file cadences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.table import Table
from astropy.time import Time
from conftest import shared_dir
from hypothesis import given, settings
from hypothesis import strategies as st

from varsynth.bands import BANDS
from varsynth.cadences import CADENCES, Epochs, M5ErrorModel, cadence_options, get_cadence, lsst, m5_sigma, ztf
from varsynth.cadences.base import YEAR, local_midnight, seasons
from varsynth.cadences.errors import error_model_for
from varsynth.cadences.lsst import VISITS, pair_weights

BUILT_IN = ("ogle3", "lsst-wfd", "ztf", "gaia", "uniform", "random")


def _draws(name: str, n: int, seed: int = 0, **options: object) -> list[Epochs]:
    cadence = get_cadence(name, **options)
    rng = np.random.default_rng(seed)
    return [cadence.draw(rng) for _ in range(n)]


# ----------------------------------------------------------------------------- error model


def test_lsst_error_at_m5_is_a_fifth_of_a_magnitude() -> None:
    # x = 1 at m = m5: sigma_rand^2 = (0.04 - gamma) + gamma = 0.04 whatever gamma
    for gamma in (0.038, 0.039):
        assert m5_sigma(24.0, 24.0, gamma, 0.005) == pytest.approx(np.sqrt(0.04 + 0.005**2), rel=1e-12)


def test_lsst_error_tends_to_the_systematic_floor_when_bright() -> None:
    assert m5_sigma(10.0, 24.5, 0.039, 0.005) == pytest.approx(0.005, abs=2e-5)
    assert m5_sigma(10.0, 24.5, 0.039, 0.0) < 1e-3


def test_lsst_error_known_value_one_magnitude_brighter_than_m5() -> None:
    x = 10 ** (-0.4)
    expected = np.sqrt(0.005**2 + 0.001 * x + 0.039 * x * x)
    assert m5_sigma(23.0, 24.0) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.0813, abs=1e-4)  # S/N ~ 13 one magnitude above the limit


@settings(max_examples=60, deadline=None)
@given(
    m5=st.floats(14.0, 28.0),
    gamma=st.floats(0.001, 0.04),
    sigma_sys=st.floats(0.0, 0.05),
    mags=st.lists(st.floats(-12.0, 5.0), min_size=1, max_size=40),
)
def test_errors_positive_finite_and_non_decreasing(
    m5: float, gamma: float, sigma_sys: float, mags: list[float]
) -> None:
    mag = np.sort(m5 + np.asarray(mags))
    sigma = m5_sigma(mag, m5, gamma, sigma_sys)
    assert np.all(np.isfinite(sigma)) and np.all(sigma > 0)
    assert np.all(np.diff(sigma) >= 0)


def test_error_model_uses_lsst_u_gamma_and_checks_input() -> None:
    epochs = Epochs(np.array([1.0, 2.0]), np.array(["u", "g"]), np.array([23.0, 23.0]))
    sigma = error_model_for("lsst")(np.array([23.5, 23.5]), epochs)
    x = 10**0.2
    assert sigma[0] == pytest.approx(np.sqrt(0.005**2 + 0.002 * x + 0.038 * x * x))
    assert sigma[1] == pytest.approx(np.sqrt(0.005**2 + 0.001 * x + 0.039 * x * x))
    with pytest.raises(ValueError, match="shape"):
        error_model_for("lsst")(np.array([20.0]), epochs)
    no_depth = Epochs(np.array([1.0]), np.array(["g"]), np.array([np.nan]))
    with pytest.raises(ValueError, match="m5"):
        M5ErrorModel()(np.array([20.0]), no_depth)
    with pytest.raises(ValueError, match="gamma"):
        M5ErrorModel(gamma=0.05)


def test_error_model_range_boundaries() -> None:
    # gamma in (0, 0.04]: at 0.04 the photon-noise term vanishes, sigma^2 = sigma_sys^2 + 0.04 x^2
    x = 10 ** (0.4 * (23.0 - 24.0))
    assert m5_sigma(23.0, 24.0, 0.04, 0.0) == pytest.approx(0.2 * x, rel=1e-12)
    assert M5ErrorModel(gamma=0.04, band_gamma={"u": 0.04}).gamma == 0.04
    for gamma in (0.0, 0.0401):
        with pytest.raises(ValueError, match=r"gamma must be in \(0, 0.04\]"):
            m5_sigma(23.0, 24.0, gamma, 0.0)
    # sigma_sys finite and >= 0, refused by the model as by the function
    assert M5ErrorModel(sigma_sys=0.0).sigma_sys == 0.0
    for sigma_sys in (-0.001, np.inf, np.nan):
        with pytest.raises(ValueError, match="sigma_sys must be finite and >= 0"):
            M5ErrorModel(sigma_sys=sigma_sys)
        with pytest.raises(ValueError, match="sigma_sys must be finite and >= 0"):
            m5_sigma(23.0, 24.0, 0.039, sigma_sys)


def test_only_lsst_has_a_per_band_gamma() -> None:
    # SDSS and ZTF u/g bands share the LSST band names but not LSST's u-band gamma (0.038)
    epochs = Epochs(np.array([1.0, 2.0]), np.array(["u", "g"]), np.array([22.0, 22.0]))
    x = 10**0.4
    expected = np.sqrt(0.01**2 + 0.001 * x + 0.039 * x * x)
    for survey in ("sdss-s82", "ztf", "ogle3"):
        model = error_model_for(survey, sigma_sys=0.01)
        assert dict(model.band_gamma) == {} and model.gamma == 0.039 and model.sigma_sys == 0.01
        assert model(np.array([23.0, 23.0]), epochs) == pytest.approx(np.full(2, expected), rel=1e-12)
    assert dict(error_model_for("lsst").band_gamma) == {"u": 0.038}


def test_epochs_validate_and_sort() -> None:
    with pytest.raises(ValueError, match="sorted"):
        Epochs(np.array([2.0, 1.0]), np.array(["I", "I"]), np.array([20.0, 20.0]))
    with pytest.raises(ValueError, match="shape"):
        Epochs(np.array([1.0, 2.0]), np.array(["I"]), np.array([20.0, 20.0]))
    e = Epochs.from_unsorted(np.array([3.0, 1.0, 2.0]), np.array(["a", "b", "c"]))
    assert e.time.tolist() == [1.0, 2.0, 3.0] and e.band.tolist() == ["b", "c", "a"]
    assert np.all(np.isnan(e.m5)) and len(e) == 3


# ----------------------------------------------------------------------------- shared helpers


def test_local_midnight_known_answers() -> None:
    # Local mean midnight at east longitude L (degrees) is 0 h UT - L / 15 h, i.e. the MJD fraction
    # -L / 360 (mod 1): Greenwich at 0, 90 deg west at 06 h UT, 90 deg east at 18 h UT.
    assert local_midnight(0.0) == 0.0
    assert local_midnight(-90.0) == pytest.approx(0.25, abs=1e-15)
    assert local_midnight(90.0) == pytest.approx(0.75, abs=1e-15)
    assert local_midnight(360.0) == 0.0 and local_midnight(-450.0) == pytest.approx(0.25, abs=1e-15)
    # the observatories of the survey cadences: Cerro Pachon (LSST) 04:43 UT, Palomar (ZTF) 07:47 UT
    assert lsst.MIDNIGHT == pytest.approx(70.74 / 360.0, abs=1e-12)
    assert ztf.MIDNIGHT == pytest.approx(116.86 / 360.0, abs=1e-12)


class _QuarterRangeRng:
    """Stands in for a generator whose uniform draws all fall a quarter of the way up their range."""

    def uniform(self, low: float = 0.0, high: float = 1.0) -> float:
        return low + 0.25 * (high - low)


def test_seasons_known_answer() -> None:
    # Quarter-range draws: the season starts a quarter year (91.3125 d) after the first night and
    # lasts 100.6875 + 0.25 * 100 = 125.6875 days, so from night 1091.3125 to 1217 (excluded: it
    # has elapsed exactly one span), then from 1456.5625 (one year later) to 1582.25.
    nights = 1000.0 + np.arange(800.0)
    in_season, elapsed = seasons(_QuarterRangeRng(), nights, (100.6875, 200.6875))  # type: ignore[arg-type]
    start, span = 1000.0 + YEAR / 4, 125.6875
    expected = ((nights > start) & (nights < start + span)) | ((nights > start + YEAR) & (nights < start + YEAR + span))
    assert np.array_equal(in_season, expected)
    assert np.flatnonzero(np.diff(in_season.astype(int))).tolist() == [91, 216, 456, 582]
    assert nights[in_season].size == 125 + 126
    assert elapsed[nights == 1092.0][0] == pytest.approx(0.6875 / span, rel=1e-12)
    assert elapsed[nights == 1217.0][0] == 1.0  # first night after the season: exactly one span in
    assert elapsed[nights == 1091.0][0] == pytest.approx((YEAR - 0.3125) / span, rel=1e-12)
    assert elapsed[0] == pytest.approx((YEAR - YEAR / 4) / span, rel=1e-12)


def test_seasons_start_at_a_uniform_phase_of_the_year() -> None:
    # With the real generator the season's start is uniform over the year: the fraction of
    # draws in which a given night is in season is span / YEAR for every night.
    rng = np.random.default_rng(11)
    nights = np.arange(0.0, 2 * YEAR)
    hits = np.zeros(nights.size)
    for _ in range(2000):
        hits += seasons(rng, nights, (180.0, 180.0))[0]
    assert np.mean(hits / 2000) == pytest.approx(180.0 / YEAR, abs=0.01)
    assert np.ptp(hits[:365] / 2000) < 0.1  # no part of the year favoured


# ----------------------------------------------------------------------------- registry


def test_registry_names_and_errors(tmp_path: Path) -> None:
    assert CADENCES == ("ogle3", "lsst-wfd", "ztf", "gaia", "uniform", "random", "file", "opsim")
    with pytest.raises(ValueError, match="lsst-wfd.*opsim"):
        get_cadence("lsst")
    with pytest.raises(ValueError, match="unknown option.*'n_visits'.*n_epochs"):
        get_cadence("uniform", n_visits=3)
    with pytest.raises(ValueError, match="'path'"):
        get_cadence("file")
    with pytest.raises(ValueError, match="n_epochs"):
        get_cadence("uniform", n_epochs=0)
    with pytest.raises(ValueError, match="baseline"):
        get_cadence("random", baseline=-1.0)
    with pytest.raises(ValueError, match=r"band 'g' is not a band of survey 'ogle3'; valid: \['I', 'V'\]"):
        get_cadence("uniform", band="g")
    with pytest.raises(ValueError, match="i_band"):
        get_cadence("ztf", i_band="yes")
    assert cadence_options("uniform")["n_epochs"] == 300


@pytest.mark.parametrize("name", BUILT_IN)
def test_draws_are_valid_and_reproducible(name: str) -> None:
    cadence = get_cadence(name)
    a, b = _draws(name, 3, seed=7), _draws(name, 3, seed=7)
    for x, y in zip(a, b):
        assert np.array_equal(x.time, y.time) and np.array_equal(x.band, y.band)
        assert np.array_equal(x.m5, y.m5, equal_nan=True)
    for e in a:
        assert len(e) > 0 and np.all(np.diff(e.time) >= 0)
        assert set(e.band) <= set(cadence.bands)
        assert all((cadence.survey, b) in BANDS for b in cadence.bands)
        if cadence.has_error_model:
            sigma = cadence.errors(np.full(len(e), 17.0), e)
            assert np.all(np.isfinite(sigma)) and np.all(sigma > 0)
        else:
            with pytest.raises(ValueError, match="no error model"):
                cadence.errors(np.full(len(e), 17.0), e)
    if name != "uniform":  # every other cadence gives each star its own epochs
        assert len(a[0]) != len(a[1]) or not np.array_equal(a[0].time, a[1].time)


# ----------------------------------------------------------------------------- LSST


def test_pair_weights_give_the_requested_band_shares() -> None:
    pairs, w = pair_weights({b: float(n) for b, n in VISITS.items()})
    share = dict.fromkeys(VISITS, 0.0)
    for (b1, b2), p in zip(pairs, w):
        share[b1] += p / 2
        share[b2] += p / 2
    total = sum(VISITS.values())
    assert all(share[b] == pytest.approx(n / total) for b, n in VISITS.items())


def test_lsst_band_fractions_baseline_seasons_and_pairs() -> None:
    draws = _draws("lsst-wfd", 150, seed=3)
    bands = np.concatenate([e.band for e in draws])
    total = sum(VISITS.values())
    for b, n in VISITS.items():
        assert np.mean(bands == b) == pytest.approx(n / total, abs=0.006)
    assert 700 < np.median([len(e) for e in draws]) < 950
    for e in draws[:30]:
        span = e.time[-1] - e.time[0]
        assert 9.0 * 365.25 < span <= 10 * 365.25
        gaps = np.diff(e.time)
        assert 8 <= np.sum(gaps > 100) <= 11  # one gap between each pair of ~6-month seasons
        short = gaps < 0.1
        assert short.sum() == len(e) // 2  # every visit has its partner the same night
        pair_minutes = gaps[short] * 1440
        assert np.all((pair_minutes > 14.99) & (pair_minutes < 60.01))
        assert np.median(pair_minutes) == pytest.approx(33, abs=3)
        k = np.flatnonzero(short)
        assert np.mean(e.band[k] != e.band[k + 1]) > 0.8  # mostly two different bands
    m5 = np.concatenate([e.m5[e.band == "r"] for e in draws])
    assert np.median(m5) == pytest.approx(24.4, abs=0.03) and np.std(m5) == pytest.approx(0.29, abs=0.03)


# ----------------------------------------------------------------------------- ZTF, Gaia, OGLE


def test_ztf_cadence_every_two_to_three_nights() -> None:
    draws = _draws("ztf", 40, seed=4)
    for b in ("g", "r"):
        nights = [np.diff(np.unique(np.floor(e.time[e.band == b] - 0.325 + 0.5))) for e in draws]
        assert 2 <= np.median(np.concatenate(nights)) <= 3
    for e in draws:
        assert 58194 <= e.time[0] and e.time[-1] < 58194 + 3 * 365.25 + 1
        assert set(e.band) == {"g", "r"}
    # each epoch lies within a few hours of local midnight of one of the survey's nights, the first
    # of them observed in some draws (a season under way when the survey starts)
    night = np.concatenate([e.time for e in draws]) - ztf.MIDNIGHT
    assert np.all(np.abs(night - np.round(night)) < 0.35)
    assert np.round(night).min() == ztf.START and np.round(night).max() <= ztf.START + int(ztf.YEARS * YEAR) - 1
    with_i = _draws("ztf", 20, seed=4, i_band=True)
    share_i = np.mean(np.concatenate([e.band for e in with_i]) == "i")
    assert 0.02 < share_i < 0.1


def test_gaia_transit_pairs_groups_and_errors() -> None:
    draws = _draws("gaia", 300, seed=5)
    gaps = np.concatenate([np.diff(e.time) for e in draws]) * 1440
    within = gaps[gaps < 1440]  # transits of one group
    assert np.median(within[within < 120]) == pytest.approx(106.5, abs=0.2)  # the two telescopes
    assert np.mean(within < 120) == pytest.approx(0.61, abs=0.05)  # DR3: 61% at 106.5 min,
    assert np.mean(np.abs(within - 253.7) < 1) == pytest.approx(0.32, abs=0.05)  # 32% at 253.7 min
    n = [len(e) for e in draws]
    assert 45 <= np.median(n) <= 60  # Gaia DR3: median 52 transits in 34 months
    assert all(56863 <= e.time[0] and e.time[-1] < 57902 for e in draws)
    gaia = get_cadence("gaia")
    one = Epochs(np.array([0.0]), np.array(["G"]), np.array([22.69]))
    sigma = {g: gaia.errors(np.array([g]), one)[0] for g in (13.0, 15.0, 19.0, 20.0)}
    assert 0.0008 < sigma[13.0] < 0.0015 and sigma[15.0] < 0.0025
    assert sigma[19.0] == pytest.approx(0.012, abs=0.003) and 0.02 < sigma[20.0] < 0.03


def test_ogle3_epochs_seasons_and_errors() -> None:
    draws = _draws("ogle3", 200, seed=6)
    n_i = [np.sum(e.band == "I") for e in draws]
    n_v = [np.sum(e.band == "V") for e in draws]
    assert 400 <= np.median(n_i) <= 600 and 40 <= np.median(n_v) <= 70
    assert 0.85 < np.sum(n_i) / (np.sum(n_i) + np.sum(n_v)) < 0.95
    t = np.concatenate([e.time for e in draws])
    month = (Time(t, format="mjd").datetime64.astype("datetime64[M]").astype(int)) % 12 + 1
    assert np.mean(month == 6) == 0 and np.mean((month >= 8) | (month <= 4)) > 0.97
    assert t.min() >= 52115 and t.max() < 54955
    ogle = get_cadence("ogle3")
    one = Epochs(np.array([0.0]), np.array(["I"]), np.array([20.34]))
    assert ogle.errors(np.array([18.0]), one)[0] == pytest.approx(0.026, abs=0.002)  # published OGLE-III errors
    assert (ogle.name, ogle.survey, ogle.bands) == ("ogle3", "ogle3", ("I", "V"))  # the name written to files
    # each band's depths scatter (0.19 mag) about its own limiting magnitude: I 20.34, V 21.20
    band, m5 = np.concatenate([e.band for e in draws]), np.concatenate([e.m5 for e in draws])
    assert np.mean(m5[band == "I"]) == pytest.approx(20.34, abs=0.02)
    assert np.mean(m5[band == "V"]) == pytest.approx(21.20, abs=0.02)
    assert np.std(m5[band == "I"]) == pytest.approx(0.19, abs=0.01)


@pytest.mark.shared_data
def test_ogle3_and_gaia_cadences_match_the_real_light_curves() -> None:
    phot = shared_dir("ogle3-lmc-cep") / "phot" / "I"
    real = []
    for f in sorted(phot.glob("*.dat"))[::25]:
        t = np.atleast_2d(np.loadtxt(f))[:, 0]
        t = t[(t > 2000) & (t < 4450)]  # OGLE-III, the full seasons 2001/02 to 2006/07
        real.append(t.size)
    synthetic = [np.sum((e.band == "I") & (e.time > 52000) & (e.time < 54450)) for e in _draws("ogle3", 200, seed=8)]
    assert np.median(synthetic) == pytest.approx(np.median(real), rel=0.12)
    import pandas as pd

    files = sorted((shared_dir("gaia-dr3-epoch") / "epoch_photometry").glob("*.parquet"))[::20]
    real_gaia = [len(pd.read_parquet(f, columns=["time"])) for f in files]
    synthetic_gaia = [len(e) for e in _draws("gaia", 300, seed=9)]
    assert np.median(synthetic_gaia) == pytest.approx(np.median(real_gaia), rel=0.12)


# ----------------------------------------------------------------------------- uniform, random


def test_uniform_and_random_cadences() -> None:
    u = get_cadence("uniform", n_epochs=5, baseline=40.0, start=100.0)
    e = u.draw(np.random.default_rng(0))
    assert e.time.tolist() == [100.0, 110.0, 120.0, 130.0, 140.0] and set(e.band) == {"I"}
    assert not u.has_error_model
    deep = get_cadence("uniform", n_epochs=3, band="r", survey="lsst", m5=24.0)
    assert deep.has_error_model
    sigma = deep.errors(np.full(3, 24.0), deep.draw(np.random.default_rng(0)))
    assert sigma == pytest.approx(np.full(3, np.sqrt(0.04 + 0.005**2)))
    r = get_cadence("random", n_epochs=1000, baseline=10.0, start=5.0)
    t = r.draw(np.random.default_rng(0)).time
    assert np.all(np.diff(t) >= 0) and t.min() >= 5.0 and t.max() < 15.0
    assert np.mean(t < 10.0) == pytest.approx(0.5, abs=0.06)


def test_uniform_cadence_defaults_and_option_limits() -> None:
    e = get_cadence("uniform").draw(np.random.default_rng(0))  # 300 epochs over 1000 days from MJD 60000
    assert len(e) == 300 and e.time[0] == 60000.0 and e.time[-1] == 61000.0
    assert get_cadence("uniform", n_epochs=1, baseline=0.5).draw(None).time.tolist() == [60000.0]
    for bad in (0, True, 2.5):
        with pytest.raises(ValueError, match="option n_epochs must be an integer >= 1"):
            get_cadence("uniform", n_epochs=bad)
    with pytest.raises(ValueError, match="option baseline must be a finite number"):
        get_cadence("uniform", baseline="long")
    with pytest.raises(ValueError, match="option baseline must be > 0 days"):
        get_cadence("uniform", baseline=0.0)
    with pytest.raises(ValueError, match="option sigma_sys must be a finite number"):
        get_cadence("uniform", m5=24.0, sigma_sys="none")
    with pytest.raises(ValueError, match="option m5 must be a finite number"):
        get_cadence("uniform", m5="deep")
    with pytest.raises(ValueError, match=r"option start \+ baseline: 1 time"):
        get_cadence("uniform", start=999_990.0, baseline=100.0)
    # the error model is that of the cadence's survey, with its sigma_sys
    u = get_cadence("uniform", n_epochs=2, band="u", survey="lsst", m5=24.0, sigma_sys=0.02)
    sigma = u.errors(np.full(2, 23.5), u.draw(None))
    x = 10**-0.2
    assert sigma == pytest.approx(np.full(2, np.sqrt(0.02**2 + 0.002 * x + 0.038 * x * x)), rel=1e-12)


# ----------------------------------------------------------------------------- file cadences


def _write_csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_file_cadence_from_csv_with_bands_and_depths(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "c.csv", "time,band,m5\n60002.5,r,24.1\n60001.0,g,24.8\n60003.0,r,24.3\n")
    cadence = get_cadence("file", path=path, survey="lsst")
    a, b = cadence.draw(np.random.default_rng(0)), cadence.draw(np.random.default_rng(1))
    assert a is b and a.time.tolist() == [60001.0, 60002.5, 60003.0] and a.band.tolist() == ["g", "r", "r"]
    assert cadence.bands == ("g", "r") and cadence.has_error_model
    assert cadence.errors(a.m5.copy(), a) == pytest.approx(np.full(3, np.sqrt(0.04 + 0.005**2)))
    with pytest.raises(ValueError):
        a.time[0] = 0.0  # shared between draws, so read-only


def test_file_cadence_from_ecsv_with_mjd_and_time_objects(tmp_path: Path) -> None:
    Table({"MJD": [58300.0, 58200.0, 58250.0], "flux": [1.0, 2.0, 3.0]}).write(tmp_path / "a.ecsv")
    cadence = get_cadence("file", path=tmp_path / "a.ecsv", band="G", survey="gaia-dr3")
    e = cadence.draw(np.random.default_rng(0))
    assert e.time.tolist() == [58200.0, 58250.0, 58300.0] and set(e.band) == {"G"}
    assert not cadence.has_error_model
    Table({"obs": Time([60000.0, 60001.5], format="mjd"), "filt": ["V", "I"]}).write(tmp_path / "b.ecsv")
    e = get_cadence("file", path=tmp_path / "b.ecsv", time_column="obs", band_column="filt").draw(None)
    assert e.time.tolist() == [60000.0, 60001.5] and e.band.tolist() == ["V", "I"]


def test_file_cadence_refuses_bad_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        get_cadence("file", path=tmp_path / "missing.csv")
    no_time = _write_csv(tmp_path / "n.csv", "date,band\n1,I\n")
    with pytest.raises(ValueError, match=r"no time column.*\['date', 'band'\]"):
        get_cadence("file", path=no_time)
    with pytest.raises(ValueError, match=r"no time column 'obs_time'.*\['date', 'band'\]"):
        get_cadence("file", path=no_time, time_column="obs_time")
    with pytest.raises(ValueError, match="band column 'filter'"):
        get_cadence("file", path=_write_csv(tmp_path / "t.csv", "time\n1.0\n"), band_column="filter")
    with pytest.raises(ValueError, match="no band column"):
        get_cadence("file", path=tmp_path / "t.csv", band=None)
    with pytest.raises(ValueError, match="non-finite time.*row 2"):
        get_cadence("file", path=_write_csv(tmp_path / "nan.csv", "time,band\n1.0,I\nnan,I\n"))
    with pytest.raises(ValueError, match="non-finite time"):
        get_cadence("file", path=_write_csv(tmp_path / "empty_cell.csv", "time,band\n1.0,I\n,I\n"))
    with pytest.raises(ValueError, match="band 'r' is not a band of survey 'ogle3'"):
        get_cadence("file", path=_write_csv(tmp_path / "r.csv", "time,band\n1.0,r\n"))
    with pytest.raises(ValueError, match="non-finite depth"):
        get_cadence("file", path=_write_csv(tmp_path / "m.csv", "time,band,m5\n1.0,I,\n2.0,I,21\n"))
    with pytest.raises(ValueError, match="format"):
        get_cadence("file", path=_write_csv(tmp_path / "x.fits", "time\n1.0\n"))
    with pytest.raises(ValueError, match="no rows"):
        get_cadence("file", path=_write_csv(tmp_path / "h.csv", "time,band\n"))


def test_phase_grid_defaults_and_draw() -> None:
    from varsynth.cadences.simple import PhaseGridCadence

    grid = PhaseGridCadence()  # 100 phases in the six LSST bands
    assert grid.phase_units and grid.error_model is None and grid.bands == ("u", "g", "r", "i", "z", "y")
    epochs = grid.draw(np.random.default_rng(0))
    np.testing.assert_array_equal(epochs.time, np.repeat(np.arange(100) / 100, 6))
    assert list(epochs.band[:6]) == list(grid.bands) and np.all(np.isnan(epochs.m5))


@pytest.mark.parametrize("name", ["uniform", "random", "ogle3"])
def test_draw_many_is_successive_draws(name):
    """``draw_many`` gives what as many ``draw`` calls give, and leaves the random stream where they leave it."""
    from varsynth.cadences import as_cadence

    cad = as_cadence(name, {"n_epochs": 40} if name != "ogle3" else None)
    one, many = np.random.default_rng(4), np.random.default_rng(4)
    expected = [cad.draw(one) for _ in range(5)]
    got = cad.draw_many(many, 5)
    assert len(got) == 5
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(e.time, g.time)
        np.testing.assert_array_equal(e.band, g.band)
        np.testing.assert_array_equal(e.m5, g.m5)
    assert one.random() == many.random()
