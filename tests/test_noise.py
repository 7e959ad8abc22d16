"""Survey noise: measured on light curves, drawn for generated ones."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from varsynth.generation.noise import draw_noise, survey_noise
from varsynth.training.noise import MIN_CURVES, fit_noise, normalised_residuals


def _curves(n_curves: int, scale: float, nu: float | None, seed: int = 0, points: int = 300):
    """Folded light curves: an asymmetric two-harmonic shape plus noise err * scale * (t_nu or N(0, 1))."""
    rng = np.random.default_rng(seed)
    phases, mags, errs = [], [], []
    for _ in range(n_curves):
        ph = rng.uniform(0, 1, points)
        err = rng.uniform(0.01, 0.03, points)
        shape = 0.4 * np.cos(2 * np.pi * ph) + 0.15 * np.sin(4 * np.pi * ph + 0.3)
        base = rng.standard_normal(points) if nu is None else rng.standard_t(nu, points)
        phases.append(ph), mags.append(15 + shape + err * scale * base), errs.append(err)
    return phases, mags, errs


def test_residuals_of_honest_errors_have_unit_scatter():
    ph, m, e = _curves(1, 1.0, None, points=5000)
    r = normalised_residuals(ph[0], m[0], e[0])
    assert r.shape == (5000,)
    assert abs(np.std(r) - 1.0) < 0.03
    ph, m, e = _curves(1, 2.0, None, points=5000, seed=1)
    assert abs(np.std(normalised_residuals(ph[0], m[0], e[0])) - 2.0) < 0.06


def test_degrees_of_freedom_are_corrected_on_short_light_curves():
    # 30 points, order 3 (7 coefficients): the raw residuals are too small by sqrt((n - p) / n)
    ph, m, e = _curves(400, 1.0, None, points=30, seed=2)
    r = np.concatenate([normalised_residuals(a, b, c) for a, b, c in zip(ph, m, e)])
    assert abs(np.std(r) - 1.0) < 0.03


def test_fit_recovers_scale_and_tails():
    fit = fit_noise(*_curves(100, 1.5, 4.0, seed=3))
    assert fit is not None
    q = np.asarray(fit["scale_quantiles"])
    assert q.shape == (41,) and np.all(np.diff(q) >= 0)
    # every light curve has the same scale: the quantiles sit near it, the within-curve t holds the tails
    t_mad = stats.t.ppf(0.75, 4.0)  # median |T| of a t_4
    assert abs(q[20] - 1.5 * t_mad / 0.6745) < 0.1 and q[-1] / q[0] < 1.5
    assert 2.5 < fit["nu"] < 6.5
    gauss = fit_noise(*_curves(100, 0.7, None, seed=4))
    assert abs(gauss["scale_quantiles"][20] - 0.7) < 0.05 and gauss["nu"] > 20  # a Gaussian: nu without bound
    assert fit["curves"] == 100 and fit["points"] == 30_000 and fit["max_abs"] > 0


def test_fit_separates_the_scales_of_the_light_curves_from_their_tails():
    # Gaussian noise within each light curve, scales uniform in [0.5, 2.5] across them
    phases, mags, errs = _curves(400, 1.0, None, seed=9)
    factor = np.random.default_rng(10).uniform(0.5, 2.5, 400)
    shape = [0.4 * np.cos(2 * np.pi * ph) + 0.15 * np.sin(4 * np.pi * ph + 0.3) for ph in phases]
    mags = [15 + sh + f * (m - 15 - sh) for m, sh, f in zip(mags, shape, factor)]
    fit = fit_noise(phases, mags, errs)
    q = np.asarray(fit["scale_quantiles"])
    np.testing.assert_allclose(q[[4, 20, 36]], [0.7, 1.5, 2.3], atol=0.08)
    assert fit["nu"] > 20  # within a light curve the noise is Gaussian


def test_fit_leaves_out_unusable_points_and_refuses_too_few_curves():
    ph, m, e = _curves(MIN_CURVES, 1.0, None, seed=5)
    e[0][:10] = 0.0
    m[1][:10] = np.nan
    fit = fit_noise(ph, m, e)
    assert fit is not None and fit["points"] == MIN_CURVES * 300 - 20
    assert fit_noise(ph[:-1], m[:-1], e[:-1]) is None
    short = [x[:19] for x in ph], [x[:19] for x in m], [x[:19] for x in e]  # below MIN_POINTS each
    assert fit_noise(*short) is None


def test_draws_follow_the_recorded_distribution_per_survey_and_band():
    model = {
        "ogle3": {
            "I": {
                "scale_quantiles": [1.5] * 41,
                "nu": 4.0,
                "t_scale": 1.0,
                "max_abs": 8.0,
                "classes": {"LPV": {"scale_quantiles": [4.0] * 41, "nu": 50.0, "t_scale": 1.0, "max_abs": 6.0}},
            }
        }
    }
    rng = np.random.default_rng(6)
    n = 40_000
    band = np.where(np.arange(n) < n // 2, "I", "V")
    err = np.full(n, 0.02)
    noise = draw_noise(model, "ogle3", band, err, rng) / err
    i, v = noise[band == "I"], noise[band == "V"]
    assert np.abs(i).max() <= 1.5 * 8.0 + 1e-9  # truncated at max_abs, then scaled
    assert stats.kstest(v, "norm").pvalue > 1e-3
    bound = 8.0

    def cdf(x):
        low = stats.t.cdf(-bound, 4.0)
        return np.clip(
            (stats.t.cdf(np.clip(x / 1.5, -bound, bound), 4.0) - low) / (stats.t.cdf(bound, 4.0) - low), 0, 1
        )

    assert stats.kstest(i, cdf).pvalue > 1e-3
    lpv = draw_noise(model, "ogle3", np.full(n, "I"), err, rng, vclass="LPV") / err  # the class's own record
    assert abs(np.std(lpv) - 4.0) < 0.1
    other = draw_noise(model, "crts", np.full(1000, "V"), np.full(1000, 0.1), rng) / 0.1
    assert stats.kstest(other, "norm").pvalue > 1e-3


def test_each_light_curve_gets_one_scale():
    model = {
        "css": {
            "V": {"scale_quantiles": np.linspace(0.5, 3.0, 41).tolist(), "nu": 1e6, "t_scale": 1.0, "max_abs": 50.0}
        }
    }
    curve = np.repeat(np.arange(300), 200)
    noise = draw_noise(
        model, "css", np.full(curve.size, "V"), np.ones(curve.size), np.random.default_rng(11), curve=curve
    )
    per_curve = np.array([noise[curve == c].std() for c in range(300)])
    assert (
        0.4 < per_curve.min() and per_curve.max() < 3.5 and per_curve.max() / per_curve.min() > 4
    )  # the recorded range
    assert abs(np.median(per_curve) - 1.75) < 0.15  # the middle of the uniform quantiles
    within = np.concatenate([noise[curve == c] / noise[curve == c].std() for c in range(300)])
    assert stats.kstest(within, "norm").pvalue > 1e-3  # Gaussian within a light curve


def test_models_without_a_record_draw_gaussian_noise():
    assert survey_noise({"fit": {}}) == {} and survey_noise({}) == {}
    a = draw_noise({}, "ogle3", np.full(20_000, "I"), np.full(20_000, 0.1), np.random.default_rng(7))
    assert stats.kstest(a / 0.1, "norm").pvalue > 1e-3


def test_draws_do_not_depend_on_how_the_points_are_split():
    from varsynth.generation.noise import unit_noise

    model = {"ogle3": {"I": {"scale_quantiles": [1.0] * 41, "nu": 3.0, "t_scale": 1.2, "max_abs": 9.0}}}
    band = np.random.default_rng(12).choice(["I", "V"], 1000)
    whole = unit_noise(model, "ogle3", band, np.random.default_rng(13))
    rng = np.random.default_rng(13)
    parts = np.concatenate([unit_noise(model, "ogle3", band[a : a + 300], rng) for a in range(0, 1000, 300)])
    np.testing.assert_allclose(parts, whole, rtol=0, atol=1e-12)


@pytest.mark.parametrize("cadence, differs", [("ogle3", True), ("uniform", False)])
def test_generation_uses_the_survey_noise_on_survey_cadences_only(tmp_path, cadence, differs):
    import shutil

    from varsynth.bundle import read_manifest, record_files
    from varsynth.generation import StarRequest, generate_table
    from varsynth.generation.model import PRETRAINED_DIR

    assert "ogle3" in survey_noise(read_manifest(PRETRAINED_DIR / "default").metadata)
    plain = tmp_path / "plain"
    shutil.copytree(PRETRAINED_DIR / "default", plain)
    (plain / "noise.json").unlink()
    record_files(plain)  # the bundle without its noise component
    assert not read_manifest(plain).has("noise") and "noise" not in read_manifest(plain).metadata["fit"]
    request = StarRequest("CEP", "F", period=5.0)
    with_noise = generate_table(request, n=4, cadence=cadence, seed=3, model="default")
    without = generate_table(request, n=4, cadence=cadence, seed=3, model=str(plain))
    same = np.array_equal(np.asarray(with_noise["mag"]), np.asarray(without["mag"]))
    assert same is not differs
    np.testing.assert_array_equal(np.asarray(with_noise["time"]), np.asarray(without["time"]))


def test_base_points_shrink_the_neighbours_code_and_jitter_it():
    from types import SimpleNamespace

    from varsynth.generation.model import GenerativeModel

    base_points = GenerativeModel.base_points  # needs only the flow's bandwidth and the catalog's codes

    codes = np.arange(12, dtype=np.float32).reshape(4, 3)
    noise = np.random.default_rng(8).standard_normal((2, 3))
    flow = SimpleNamespace(config=SimpleNamespace(neighbour_bandwidth=0.6))
    model = SimpleNamespace(flow=flow, catalog=SimpleNamespace(base_code=codes))
    out = base_points(model, np.array([3, 1]), noise)
    np.testing.assert_allclose(out, 0.8 * codes[[3, 1]] + 0.6 * noise, rtol=1e-6)
    flow.config.neighbour_bandwidth = None  # the flow's own prior: the noise itself
    np.testing.assert_array_equal(out := base_points(model, np.array([3, 1]), noise), noise.astype(np.float32))
    flow.config.neighbour_bandwidth, model.catalog.base_code = 0.6, None  # a bundle without base points
    np.testing.assert_array_equal(base_points(model, np.array([3, 1]), noise), out)


def test_the_excess_over_the_errors_is_capped_by_the_real_scatter():
    from varsynth.generation.noise import noise_sigma

    err = np.array([0.001, 0.01, 0.01, 0.07])
    factor = np.array([8.0, 8.0, 1.2, 0.75])
    ceiling = np.array([0.02, 0.02, 0.007, 0.05])
    # bright Gaia-like star: 8x its error; faint one: capped at the 0.02 mag real scatter;
    # a ceiling below the error keeps the error; overestimated errors shrink by their factor
    np.testing.assert_allclose(noise_sigma(err, factor, ceiling), [0.008, 0.02, 0.01, 0.0525])


def test_fit_records_the_scatter_in_the_errors_units():
    phases, mags, errs = _curves(50, 2.0, None, seed=14)
    fit = fit_noise(phases, mags, errs)
    q, s = np.asarray(fit["scale_quantiles"]), np.asarray(fit["scatter_quantiles"])
    assert abs(q[20] - 2.0) < 0.1 and abs(s[20] - 2.0 * 0.02) < 0.004  # errors uniform in 0.01-0.03 mag


def test_fit_keeps_a_residual_library_of_real_light_curves():
    from varsynth.training.noise import LIBRARY_PROBABILITIES, LIBRARY_SIZE

    phases, mags, errs = _curves(200, 1.0, None, seed=15)
    factor = np.random.default_rng(16).uniform(0.5, 2.5, 200)
    shape = [0.4 * np.cos(2 * np.pi * ph) + 0.15 * np.sin(4 * np.pi * ph + 0.3) for ph in phases]
    mags = [15 + sh + f * (m - 15 - sh) for m, sh, f in zip(mags, shape, factor)]
    library = fit_noise(phases, mags, errs)["library"]
    assert library["probabilities"] == list(LIBRARY_PROBABILITIES)
    assert len(library["scale"]) == len(library["scatter"]) == len(library["shape"]) == LIBRARY_SIZE
    scale = np.asarray(library["scale"])
    assert 0.45 < scale.min() and scale.max() < 2.7 and scale.max() / scale.min() > 3  # the spread of the stars
    q = np.asarray(library["shape"])
    assert np.all(np.diff(q, axis=1) >= 0)  # quantiles of each light curve, in order
    p = np.asarray(LIBRARY_PROBABILITIES)
    middle = (p > 0.01) & (p < 0.99)  # Gaussian within each light curve once divided by its scale
    np.testing.assert_allclose(np.median(q[:, middle], axis=0), stats.norm.ppf(p[middle]), atol=0.08)
    few = fit_noise(*_curves(MIN_CURVES, 1.0, None, seed=17))["library"]
    assert len(few["shape"]) == MIN_CURVES  # every light curve when there are fewer


def _library_model() -> dict:
    """One survey band whose library holds two real light curves: residuals uniform on [-1, 1]
    with scale 1, and residuals on [0, 2] (all above the curve) with scale 3."""
    return {
        "ogle3": {
            "I": {
                "scale_quantiles": [1.0] * 41,
                "nu": 4.0,
                "t_scale": 1.0,
                "max_abs": 8.0,
                "library": {
                    "probabilities": [0.0, 0.5, 1.0],
                    "scale": [1.0, 3.0],
                    "scatter": [1.0, 1.0],
                    "shape": [[-1.0, 0.0, 1.0], [0.0, 1.0, 2.0]],
                },
            }
        }
    }


def test_library_quantiles_are_inverted_linearly():
    from varsynth.generation.noise import _library_quantile

    library = {"probabilities": [0.0, 0.5, 1.0], "shape": [[-1.0, 0.0, 3.0], [0.0, 0.0, 0.0]]}
    out = _library_quantile(library, np.array([0, 0, 0, 0, 1]), np.array([0.0, 0.25, 0.75, 1.0, 0.6]))
    np.testing.assert_allclose(out, [-1.0, -0.5, 1.5, 3.0, 0.0])
    # beyond the outermost kept probabilities, the outermost value: no tail stretched to a single worst point
    inner = {"probabilities": [0.1, 0.5, 0.9], "shape": [[-2.0, 0.0, 4.0]]}
    out = _library_quantile(inner, np.zeros(5, dtype=int), np.array([0.0, 0.05, 0.3, 0.95, 1.0]))
    np.testing.assert_allclose(out, [-2.0, -2.0, -1.0, 4.0, 4.0])


def test_each_light_curve_takes_the_whole_noise_of_one_library_light_curve():
    curve = np.repeat(np.arange(400), 100)
    err = np.full(curve.size, 0.01)
    noise = draw_noise(_library_model(), "ogle3", np.full(curve.size, "I"), err, np.random.default_rng(18), curve=curve)
    unit = noise / err
    first = np.array([np.all((unit[curve == c] >= -1) & (unit[curve == c] <= 1)) for c in range(400)])
    second = np.array([np.all((unit[curve == c] >= 0) & (unit[curve == c] <= 6)) for c in range(400)])
    assert np.all(first != second)  # every light curve is one of the two, never a mix
    of_second = ~first
    assert 0.4 < of_second.mean() < 0.6  # drawn at random
    a = unit[np.isin(curve, np.flatnonzero(first))]
    assert stats.kstest(a, stats.uniform(-1, 2).cdf).pvalue > 1e-3  # its own residual distribution
    b = unit[np.isin(curve, np.flatnonzero(of_second))] / 3.0  # scale 3, residuals uniform on [0, 2]
    assert stats.kstest(b, stats.uniform(0, 2).cdf).pvalue > 1e-3
    # the same numbers whatever the split, as for the Student-t
    from varsynth.generation.noise import curve_scales, unit_noise

    band = np.full(1000, "I")
    entry = np.repeat(curve_scales(_library_model(), "ogle3", np.full(10, "I"), np.random.default_rng(19))[2], 100)
    whole = unit_noise(_library_model(), "ogle3", band, np.random.default_rng(20), entry=entry)
    rng = np.random.default_rng(20)
    parts = [
        unit_noise(_library_model(), "ogle3", band[a : a + 300], rng, entry=entry[a : a + 300])
        for a in range(0, 1000, 300)
    ]
    np.testing.assert_allclose(np.concatenate(parts), whole, rtol=0, atol=1e-12)
    # without entries (a caller that gives none), the record's Student-t
    t = unit_noise(_library_model(), "ogle3", band, np.random.default_rng(21))
    assert np.abs(t).max() > 2.0


def _jittered_curves(n_curves: int, jitter: float, seed: int, points: int = 300):
    """Light curves of the module's shape observed at phases off by ``jitter * N(0, 1)`` cycles."""
    rng = np.random.default_rng(seed)
    phases, mags, errs = [], [], []
    for _ in range(n_curves):
        ph = rng.uniform(0, 1, points)
        err = rng.uniform(0.01, 0.03, points)
        true = ph + jitter * rng.standard_normal(points)
        shape = 0.4 * np.cos(2 * np.pi * true) + 0.15 * np.sin(4 * np.pi * true + 0.3)
        phases.append(ph), mags.append(15 + shape + err * rng.standard_normal(points)), errs.append(err)
    return phases, mags, errs


@pytest.mark.parametrize(("jitter", "scale_tolerance"), [(0.01, 0.05), (0.02, 0.2)])
def test_phase_jitter_is_recovered_and_removed_from_the_photometric_scatter(jitter, scale_tolerance):
    from varsynth.training.noise import phase_jitter, residuals_and_slopes

    curves = list(zip(*_jittered_curves(40, jitter, seed=21)))
    found, scales = [], []
    for ph, m, e in curves:
        j, photometric = phase_jitter(*residuals_and_slopes(ph, m, e))
        found.append(j)
        scales.append(1.4826 * np.median(np.abs(photometric)))
    # slopes up to ~3 mag/cycle, errors 0.01-0.03 mag: 0.01 cycles move a point by up to ~2 of its errors
    assert np.mean(np.asarray(found) > 0) >= 0.9
    assert abs(np.median(found) / jitter - 1) < 0.1
    # the errors are honest once the jitter's share is out (up to the second-order term
    # s''(phi) delta^2 / 2 of larger jitters, which the linear model leaves in the photometric part)
    assert abs(np.median(scales) - 1.0) < scale_tolerance
    raw = [1.4826 * np.median(np.abs(normalised_residuals(*c))) for c in curves]
    assert np.median(raw) > np.median(scales) + 0.05  # without it the jitter passes for underestimated errors


def test_noise_alone_is_not_taken_for_phase_jitter():
    from varsynth.training.noise import phase_jitter, residuals_and_slopes

    for scale, nu in ((1.0, None), (1.5, 4.0)):  # Gaussian and heavy-tailed noise, no jitter
        curves = zip(*_curves(200, scale, nu, seed=22))
        found = np.array([phase_jitter(*residuals_and_slopes(*c))[0] for c in curves])
        assert (found > 0).mean() <= 0.02
    # too few points to tell: none
    ph, m, e = (x[0][:29] for x in _jittered_curves(1, 0.05, seed=23))
    j, r = phase_jitter(*residuals_and_slopes(ph, m, e))
    assert j == 0.0 and r.shape == (29,)


def test_the_library_keeps_each_light_curves_phase_jitter():
    from varsynth.training.noise import LIBRARY_SIZE

    phases, mags, errs = _jittered_curves(100, 0.01, seed=24)
    quiet = _curves(100, 1.0, None, seed=25)
    library = fit_noise(phases + quiet[0], mags + quiet[1], errs + quiet[2])["library"]
    jitter = np.asarray(library["jitter"])
    assert jitter.shape == (LIBRARY_SIZE,) and (jitter >= 0).all()
    # about half the library comes from each set: jittered ones near 0.01 cycles, the others 0
    assert 0.3 < (jitter > 0).mean() < 0.7
    assert abs(np.median(jitter[jitter > 0]) - 0.01) < 0.001


def test_curve_jitter_is_the_library_entrys():
    from varsynth.generation.noise import curve_jitter

    model = _library_model()
    band = np.array(["I", "I", "I", "V"])
    entry = np.array([0, 1, -1, 0])
    np.testing.assert_array_equal(curve_jitter(model, "ogle3", band, entry), 0.0)  # a record without jitter
    model["ogle3"]["I"]["library"]["jitter"] = [0.0, 0.02]
    np.testing.assert_array_equal(curve_jitter(model, "ogle3", band, entry), [0.0, 0.02, 0.0, 0.0])
    np.testing.assert_array_equal(curve_jitter(model, "gaia", band, entry), 0.0)  # no record of the survey


def test_matched_entries_pick_among_the_nearest_errors():
    from varsynth.generation.noise import matched_entries

    entry_err = np.array([0.01, 0.02, 0.04, 0.08, 0.16])
    # k = 1: the entry of the nearest median error (in log), whatever u
    np.testing.assert_array_equal(
        matched_entries(entry_err, np.array([0.039, 0.011, 0.15, 0.021]), np.array([0.0, 0.3, 0.7, 0.99]), k=1),
        [2, 0, 4, 1],
    )
    # beyond the entries' range (0.01-0.16 mag), drawn among all as without matching
    np.testing.assert_array_equal(
        matched_entries(entry_err, np.array([0.5, 0.009, 0.16, 0.01]), np.array([0.1, 0.3, 0.7, 0.99]), k=1),
        [0, 1, 4, 0],
    )
    # k = 3 around 0.04, nearest first in log: 0.04, 0.02 (a factor 2), 0.09 (2.25), chosen by u
    entry_err = np.array([0.01, 0.02, 0.04, 0.09, 0.16])
    u = np.array([0.0, 0.34, 0.67, 0.999])
    np.testing.assert_array_equal(matched_entries(entry_err, np.full(4, 0.04), u, k=3), [2, 1, 3, 3])
    # an unknown error draws among all entries, as without matching
    np.testing.assert_array_equal(
        matched_entries(entry_err, np.array([np.nan, 0.0, -1.0]), np.array([0.0, 0.5, 0.99]), k=1), [0, 2, 4]
    )
    # entries without a usable error: no matching at all
    np.testing.assert_array_equal(
        matched_entries(np.array([np.nan, 0.0]), np.array([0.02, 0.03]), np.array([0.2, 0.7]), k=1), [0, 1]
    )
    # k larger than the library: all entries
    np.testing.assert_array_equal(matched_entries(entry_err[:2], np.array([0.02]), np.array([0.0]), k=16), [1])


def test_curve_scales_match_the_light_curves_errors():
    """With the light curves' median errors, each takes the scale and scatter of a library light
    curve of like errors: the bright take the bright's, the faint the faint's."""
    from varsynth.generation.noise import curve_scales

    errs = np.geomspace(0.005, 0.5, 40)  # the real light curves' median errors
    scale = np.where(errs < 0.05, 4.0, 1.0)  # bright: errors underestimated 4x; faint: honest
    model = {
        "css": {
            "V": {
                "library": {
                    "probabilities": [0.0, 0.5, 1.0],
                    "scale": scale.tolist(),
                    "scatter": (scale * errs).tolist(),
                    "shape": [[-1.0, 0.0, 1.0]] * 40,
                }
            }
        }
    }
    curve_err = np.concatenate([np.full(200, 0.008), np.full(200, 0.3)])  # within the entries' 0.005-0.5
    factor, ceiling, entry = curve_scales(model, "css", np.full(400, "V"), np.random.default_rng(3), None, curve_err)
    assert np.all(factor[:200] == 4.0) and np.all(factor[200:] == 1.0)
    picked = errs[entry]
    # among the 16 nearest of 40 (a factor 1.125 apart): at most 15 steps from the light curve's
    assert picked[:200].max() < 0.03 and picked[200:].min() > 0.08
    np.testing.assert_allclose(ceiling, scale[entry] * errs[entry])
    assert len(np.unique(entry[:200])) > 8  # drawn among several, not the single nearest
    # without errors, drawn over the whole library with the same uniform numbers as before
    factor, _, entry = curve_scales(model, "css", np.full(400, "V"), np.random.default_rng(3))
    u = np.random.default_rng(3).uniform(0.0, 1.0, 400)
    np.testing.assert_array_equal(entry, np.minimum((u * 40).astype(int), 39))
