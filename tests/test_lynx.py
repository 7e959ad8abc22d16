"""varsynth stars in a LightCurveLynx simulation (varsynth.integrations.lynx, extra ``lynx``).

A synthetic LSST OpSim database (one field, three years of ugriz visits) is read both by
LightCurveLynx (``OpSim.from_db``) and by varsynth's ``opsim`` cadence; LightCurveLynx's
``simulate_lightcurves`` draws RR Lyrae ab stars of the embedded model around the field, and
the output is checked against varsynth: noise-free fluxes equal varsynth's noiseless magnitudes
at the same visits, periods come back from a Lomb-Scargle of the noisy fluxes, and mean
magnitudes match varsynth's for each star's physics and distance.
"""

from __future__ import annotations

import math
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import in_ci

try:
    import lightcurvelynx  # noqa: F401
except ImportError:  # the extra is part of `.[test]`: CI must have it
    if in_ci():
        raise
    pytest.skip("needs LightCurveLynx: pip install -e '.[lynx]'", allow_module_level=True)

from astropy.timeseries import LombScargle
from lightcurvelynx.astro_utils.mag_flux import flux2mag
from lightcurvelynx.math_nodes.np_random import NumpyRandomFunc
from lightcurvelynx.obstable.opsim import OpSim
from lightcurvelynx.simulate import simulate_lightcurves
from lightcurvelynx.survey_info import SurveyInfo

from varsynth.config import ConfigError
from varsynth.generation import ExtrapolationError, StarRequest, generate_table, load_model
from varsynth.generation.photometry import mean_magnitude
from varsynth.integrations.lynx import VarsynthPhysics, VarsynthVariableStar, distance_modulus, lsst_passbands

FIELD = (150.0, -30.0)  # RA, Dec (deg) of the one pointing
#: Typical LSST dark-sky brightness (mag / arcsec^2) and single-visit 5-sigma depth (mag) per band.
SKY = {"u": 22.9, "g": 22.3, "r": 21.2, "i": 20.5, "z": 19.6, "y": 18.6}
DEPTH = {"u": 23.9, "g": 25.0, "r": 24.7, "i": 24.0, "z": 23.3, "y": 22.1}
N_STARS = 200
DISTANCE_PC = 25_000.0  # RR Lyrae (M_G ~ 0.6) at g ~ 18: LSST noise of ~1%


def write_opsim(path: Path, bands: str = "ugriz", n_visits: int = 400, seed: int = 0) -> Path:
    """An OpSim-like SQLite database: ``n_visits`` visits of one field over three years, at night."""
    rng = np.random.default_rng(seed)
    nights = np.sort(rng.choice(np.arange(60000, 60000 + 3 * 365), n_visits, replace=False))
    mjd = nights + 0.1 + rng.uniform(0, 0.3, n_visits)
    band = rng.choice(list(bands), n_visits)
    rows = [
        (
            i,
            FIELD[0],
            FIELD[1],
            float(t),
            b,
            float(DEPTH[b] + rng.normal(0, 0.2)),
            float(rng.uniform(1.0, 1.5)),
            30.0,
            1,
            float(rng.uniform(0.6, 1.1)),
            float(SKY[b] + rng.normal(0, 0.2)),
        )
        for i, (t, b) in enumerate(zip(mjd, band, strict=True))
    ]
    with sqlite3.connect(path) as con:
        con.execute(
            "CREATE TABLE observations (observationId INTEGER PRIMARY KEY, fieldRA REAL, fieldDec REAL, "
            "observationStartMJD REAL, filter TEXT, fiveSigmaDepth REAL, airmass REAL, "
            "visitExposureTime REAL, numExposures INTEGER, seeingFwhmEff REAL, skyBrightness REAL)"
        )
        con.executemany(f"INSERT INTO observations VALUES ({', '.join('?' * len(rows[0]))})", rows)
    con.close()
    return path


@pytest.fixture(scope="module")
def model():
    return load_model("default")


@pytest.fixture(scope="module")
def opsim_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_opsim(tmp_path_factory.mktemp("opsim") / "baseline_test.db")


def rr_lyrae(model, **kwargs) -> VarsynthVariableStar:
    """RR Lyrae ab with physics from the class's training stars, within 1 deg of the field."""
    physics = VarsynthPhysics("RRLYR", subtype="RRab", model=model)
    defaults = {
        "ra": NumpyRandomFunc("uniform", low=FIELD[0] - 1.0, high=FIELD[0] + 1.0),
        "dec": NumpyRandomFunc("uniform", low=FIELD[1] - 0.8, high=FIELD[1] + 0.8),
        "distance": DISTANCE_PC,
    }
    return VarsynthVariableStar(
        "RRLYR",
        subtype="RRab",
        model=model,
        teff=physics.teff,
        abs_mag=physics.abs_mag,
        period=physics.period,
        **{**defaults, **kwargs},
    )


@pytest.fixture(scope="module")
def simulation(model, opsim_db: Path):
    """LightCurveLynx's simulation of :data:`N_STARS` varsynth RR Lyrae on the synthetic OpSim."""
    survey = SurveyInfo(OpSim.from_db(opsim_db), passbands=lsst_passbands())
    star = rr_lyrae(model)
    result = simulate_lightcurves(star, N_STARS, survey, rng=np.random.default_rng(7), progress_bar=False)
    return star, result


def _param(result, star, name: str) -> np.ndarray:
    return np.array([row[f"{star}.{name}"] for row in result["params"]], dtype=float)


def test_simulation_flux_perfect_is_varsynth_noiseless_magnitudes_at_the_same_visits(model, opsim_db, simulation):
    """Known answer: for a few stars, the noise-free fluxes equal varsynth's own noiseless light
    curve of the same star (physics, distance, epoch, seed) on its OpSim cadence at the star's
    position (varsynth's reader and LightCurveLynx's range search pick the same visits)."""
    star, result = simulation
    assert len(result) == N_STARS and (result["nobs"] > 300).all()
    for k in range(5):
        row = result.iloc[k]
        p = {name: row["params"][f"{star}.{name}"] for name in ("teff", "abs_mag", "period", "t0", "star_seed")}
        request = StarRequest(
            "RRLYR",
            "RRab",
            teff=p["teff"],
            abs_mag=p["abs_mag"],
            period=p["period"],
            distance_modulus=distance_modulus(DISTANCE_PC),
            epoch=p["t0"],
        )
        ours = generate_table(
            request,
            n=1,
            cadence="opsim",
            model=model,
            seed=int(p["star_seed"]),
            noise=False,
            cadence_options={"path": str(opsim_db), "ra": float(row["ra"]), "dec": float(row["dec"])},
        )
        lc = row["lightcurve"]
        assert len(lc) == len(ours)
        order = np.lexsort((np.asarray(ours["band"]), np.asarray(ours["time"])))
        np.testing.assert_allclose(lc["mjd"].to_numpy(), np.asarray(ours["time"])[order], rtol=0, atol=1e-9)
        assert (lc["filter"].to_numpy() == np.asarray(ours["band"])[order]).all()
        np.testing.assert_allclose(
            flux2mag(lc["flux_perfect"].to_numpy()), np.asarray(ours["mag"])[order], rtol=0, atol=1e-4
        )


def test_simulation_noise_is_lightcurvelynx_survey_noise(simulation):
    """The model's fluxes are noiseless: the scatter of the fluxes about them is LightCurveLynx's
    reported error (pulls of unit standard deviation), and the errors are LSST-like (0.05-2% at g ~ 18)."""
    _, result = simulation
    flux = np.concatenate([r["lightcurve"]["flux"].to_numpy() for _, r in result.iterrows()])
    perfect = np.concatenate([r["lightcurve"]["flux_perfect"].to_numpy() for _, r in result.iterrows()])
    err = np.concatenate([r["lightcurve"]["fluxerr"].to_numpy() for _, r in result.iterrows()])
    pull = (flux - perfect) / err
    assert abs(np.mean(pull)) < 0.02 and 0.97 < np.std(pull) < 1.03
    assert 0.0005 < np.median(err / perfect) < 0.02


def test_simulation_periods_come_back_from_lomb_scargle(model, simulation):
    """Periods: a Lomb-Scargle of each star's noisy fluxes (each band divided by its median)
    peaks at the star's period within 0.1% for nearly every star."""
    star, result = simulation
    periods = _param(result, star, "period")
    found = np.empty(len(result))
    shortest, longest = (10**v for v in model.catalog.ranges("RRLYR", "RRab")["log10_period"])
    for k, (_, row) in enumerate(result.iterrows()):
        lc = row["lightcurve"]
        flux, band = lc["flux"].to_numpy(), lc["filter"].to_numpy()
        relative = flux / np.array([np.median(flux[band == b]) for b in band])
        # over the RR Lyrae ab training range (0.4-0.9 days), 5 frequencies per peak width (1 / baseline)
        frequency, power = LombScargle(lc["mjd"].to_numpy(), relative).autopower(
            minimum_frequency=1 / longest, maximum_frequency=1 / shortest, samples_per_peak=5, method="fast"
        )
        found[k] = 1 / frequency[np.argmax(power)]
    good = np.abs(found / periods - 1) < 1e-3
    assert good.mean() >= 0.95, f"{good.sum()} of {len(good)} periods recovered"


def test_simulation_mean_magnitudes_match_varsynth(simulation):
    """Mean magnitudes: per star and band, the constant term of a 4-harmonic Fourier fit (at the
    star's period) of the noisy fluxes' magnitudes equals varsynth's mean magnitude for the star's
    M_G, Teff and distance (the phase mean of its light curve)."""
    star, result = simulation
    teff, abs_mag, period = (_param(result, star, n) for n in ("teff", "abs_mag", "period"))
    t0 = _param(result, star, "t0")
    mu = distance_modulus(DISTANCE_PC)
    diffs = []
    for k, (_, row) in enumerate(result.iterrows()):
        lc = row["lightcurve"]
        for b in "ugriz":
            sel = lc["filter"].to_numpy() == b
            mag = flux2mag(lc["flux"].to_numpy()[sel])
            phase = 2 * np.pi * ((lc["mjd"].to_numpy()[sel] - t0[k]) / period[k] % 1.0)
            harmonics = [f(h * phase) for h in range(1, 5) for f in (np.cos, np.sin)]
            design = np.column_stack([np.ones(sel.sum()), *harmonics])
            coef = np.linalg.lstsq(design, mag, rcond=None)[0]
            expected = mean_magnitude(
                "lsst", b, np.array([abs_mag[k] + mu]), np.array([teff[k]]), np.zeros(1), np.zeros(1)
            )[0]
            diffs.append(coef[0] - expected)
    diffs = np.abs(np.array(diffs))
    assert np.median(diffs) < 0.005 and np.quantile(diffs, 0.95) < 0.02, (np.median(diffs), np.quantile(diffs, 0.95))


def test_every_filter_of_a_star_comes_from_one_draw(model):
    """One filter at a time (compute_bandflux) gives the fluxes of all filters at once, and a star
    gives the same fluxes when asked again."""
    star = rr_lyrae(model, ra=FIELD[0], dec=FIELD[1])
    state = star.sample_parameters(num_samples=1, rng_info=np.random.default_rng(1))
    times = 60000 + np.sort(np.random.default_rng(2).uniform(0, 100, 60))
    filters = np.array(list("ugriz") * 12)
    together = star.evaluate_bandfluxes(lsst_passbands(), times, filters, state)
    for b in "ugriz":
        sel = filters == b
        np.testing.assert_allclose(star.compute_bandflux(times[sel], b, state), together[sel], rtol=1e-6)
    np.testing.assert_array_equal(star.evaluate_bandfluxes(lsst_passbands(), times, filters, state), together)
    g = together[filters == "g"]
    assert g.max() / g.min() > 1.5  # an RR Lyrae ab varies by more than 0.4 mag in g


@pytest.mark.parametrize(
    "vclass, abs_mag_trained", [("RRLYR", True), ("CEP", True), ("T2CEP", True), ("T2CEP", False), ("LPV", True)]
)
def test_phase_mean_magnitude_is_varsynths_mean_magnitude(model, vclass, abs_mag_trained):
    """Known answer per class: on 256 evenly spaced phases the average magnitude (the phase mean:
    the decoder's constant Fourier term) is varsynth's mean magnitude for the star's drawn M_G,
    Teff, distance and extinction, in every band; also when the class's training stars have no
    M_G (a bundle older than the period relations), where M_G sets the brightness only."""
    physics = VarsynthPhysics(vclass, model=model)
    star = VarsynthVariableStar(
        vclass,
        model=model,
        teff=physics.teff,
        abs_mag=physics.abs_mag,
        period=physics.period,
        ra=0.0,
        dec=0.0,
        distance=5000.0,
        av=0.3,
    )
    star.abs_mag_trained = abs_mag_trained
    state = star.sample_parameters(num_samples=1, rng_info=np.random.default_rng(4))
    p = star.get_local_params(state)
    assert (star.request(state).mean_mag is None) == abs_mag_trained
    times = p["t0"] + p["period"] * np.arange(256) / 256
    for b in "ugriz":
        mag = flux2mag(star.compute_bandflux(times, b, state))
        teff = np.array([p["teff"]])
        expected = mean_magnitude(
            "lsst", b, np.array([p["abs_mag"] + distance_modulus(5000.0)]), teff, np.zeros(1), np.array([0.3])
        )[0]
        assert np.isfinite(mag).all() and np.ptp(mag) > 0.01
        assert abs(mag.mean() - expected) < 2e-3, (b, mag.mean(), expected)


def test_band_outside_training_range_is_refused_unless_extrapolating(model):
    star = rr_lyrae(model, ra=FIELD[0], dec=FIELD[1])
    state = star.sample_parameters(num_samples=1, rng_info=np.random.default_rng(1))
    times = np.array([60000.0, 60001.0])
    with pytest.raises(ExtrapolationError, match=r"\['y'\]"):
        star.compute_bandflux(times, "y", state)
    with pytest.raises(ConfigError, match="filter 'w'.*valid"):
        star.compute_bandflux(times, "w", state)
    wide = rr_lyrae(model, ra=FIELD[0], dec=FIELD[1], allow_extrapolation=True)
    flux = wide.compute_bandflux(times, "y", wide.sample_parameters(num_samples=1, rng_info=np.random.default_rng(1)))
    assert np.isfinite(flux).all() and (flux > 0).all()


def test_bad_settings_are_refused_naming_them(model):
    with pytest.raises(ConfigError, match="class must be one of"):
        VarsynthVariableStar("NOPE", period=0.5, distance=1000.0, model=model)
    with pytest.raises(ConfigError, match="distance"):
        VarsynthVariableStar("RRLYR", period=0.5, model=model)
    with pytest.raises(ConfigError, match="period is required"):
        VarsynthVariableStar("RRLYR", distance=1000.0, model=model)
    with pytest.raises(ConfigError, match="subtype 'Mira' of RRLYR"):
        VarsynthVariableStar("RRLYR", subtype="Mira", period=0.5, distance=1000.0, model=model)
    star = VarsynthVariableStar("RRLYR", period=30.0, distance=1000.0, model=model, ra=0.0, dec=0.0)
    with pytest.raises(ExtrapolationError, match="period 30 days is outside the RRLYR training range"):
        star.evaluate_bandfluxes(
            lsst_passbands(), np.array([60000.0]), np.array(["g"]), star.sample_parameters(num_samples=1)
        )
    star = VarsynthVariableStar("RRLYR", period=0.5, distance=-5.0, model=model, ra=0.0, dec=0.0)
    with pytest.raises(ConfigError, match="distance must be a finite number > 0 pc"):
        star.evaluate_bandfluxes(
            lsst_passbands(), np.array([60000.0]), np.array(["g"]), star.sample_parameters(num_samples=1)
        )


def test_physics_node_draws_inside_the_class_range(model):
    node = VarsynthPhysics("RRLYR", subtype="RRab", model=model, seed=3)
    teff, abs_mag, period = node.draw(2000, np.random.default_rng(3))
    ranges = model.catalog.ranges("RRLYR", "RRab")
    lo, hi = ranges["log10_period"]
    assert (np.log10(period) >= lo).all() and (np.log10(period) <= hi).all()
    assert 0.5 < np.median(period) < 0.65  # RRab periods: median ~0.57 day
    assert math.isfinite(np.median(teff)) and 5500 < np.median(teff) < 7500
    assert -0.5 < np.median(abs_mag) < 1.5


def test_missing_extra_names_it():
    code = (
        "import sys; sys.modules['lightcurvelynx'] = None\n"
        "try:\n    import varsynth.integrations.lynx\nexcept ImportError as e:\n    print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "pip install 'varsynth[lynx]'" in out.stdout, out.stdout + out.stderr
