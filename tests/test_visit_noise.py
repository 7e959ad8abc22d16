"""Noise shared by the points of one visit: measured on real light curves, drawn for generated ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import with_library

from varsynth.generation import StarRequest, generate_table, load_model
from varsynth.generation.noise import curve_visit, draw_noise, epoch_visits
from varsynth.training.noise import LIBRARY_SIZE, fit_noise, visit_fraction, visit_groups


def _visit_times(n_visits: int, per_visit: int, rng: np.random.Generator) -> np.ndarray:
    """Times (days): ``n_visits`` nights 1-5 days apart, ``per_visit`` exposures within 30 minutes each."""
    nights = np.cumsum(rng.uniform(1.0, 5.0, n_visits))
    return (nights[:, None] + rng.uniform(0.0, 0.02, (n_visits, per_visit))).ravel()


def _shared(times: np.ndarray, rho: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance residuals of which a share ``rho`` of the variance is common to a visit."""
    v = visit_groups(times)
    return np.sqrt(rho) * rng.standard_normal(v.max() + 1)[v] + np.sqrt(1 - rho) * rng.standard_normal(times.size)


def test_visits_are_runs_of_close_times_in_any_order():
    t = np.array([10.0, 0.0, 0.1, 0.25, 3.0, 10.05, 3.4])
    np.testing.assert_array_equal(visit_groups(t), [3, 0, 0, 0, 1, 3, 2])
    assert visit_groups(np.zeros(0)).size == 0


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.6, 0.9])
def test_visit_fraction_is_recovered(rho):
    rng = np.random.default_rng(int(rho * 10))
    found = []
    for _ in range(100):
        t = _visit_times(60, 4, rng)
        found.append(visit_fraction(_shared(t, rho, rng), visit_groups(t)))
    assert abs(np.mean(found) - rho) < 0.04  # 0 is a floor, so a small upward bias there
    assert np.all((np.asarray(found) >= 0) & (np.asarray(found) <= 1))


def test_one_point_a_night_tells_nothing_and_one_bad_exposure_is_not_a_bad_night():
    rng = np.random.default_rng(3)
    t = np.arange(200) * 1.1
    assert visit_fraction(rng.standard_normal(200), visit_groups(t)) == 0.0
    t = _visit_times(60, 4, rng)
    r = rng.standard_normal(t.size)
    r[5] = 200.0  # an outlier moves its visit's mean by 50 standard deviations unless clipped
    assert visit_fraction(r, visit_groups(t)) < 0.1


def test_the_library_keeps_each_light_curves_visit_fraction():
    rng = np.random.default_rng(4)
    phases, mags, errs, times = [], [], [], []
    for i in range(2 * LIBRARY_SIZE):
        t = _visit_times(50, 4, rng)
        ph = rng.uniform(0, 1, t.size)
        err = np.full(t.size, 0.02)
        shape = 0.4 * np.cos(2 * np.pi * ph) + 0.15 * np.sin(4 * np.pi * ph + 0.3)
        rho = 0.7 if i % 2 else 0.0
        phases.append(ph), mags.append(15 + shape + err * _shared(t, rho, rng)), errs.append(err), times.append(t)
    library = fit_noise(phases, mags, errs, times=times)["library"]
    visit = np.asarray(library["visit"])
    assert visit.shape == (LIBRARY_SIZE,) and ((visit >= 0) & (visit <= 1)).all()
    assert 0.3 < (visit > 0.4).mean() < 0.7  # about half from each set
    assert abs(np.median(visit[visit > 0.4]) - 0.7) < 0.06
    assert np.median(visit[visit <= 0.4]) < 0.05
    assert "visit" not in fit_noise(phases, mags, errs)["library"]  # no times: no visit fractions


def _record(visit: list[float] | None) -> dict:
    """One survey band whose library holds two light curves of Gaussian-like residuals (scale 1)."""
    library = {
        "probabilities": [0.0013, 0.0228, 0.1587, 0.5, 0.8413, 0.9772, 0.9987],
        "scale": [1.0, 1.0],
        "scatter": [1.0, 1.0],
        "shape": [[-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]] * 2,
    }
    if visit is not None:
        library["visit"] = visit
    return {
        "css": {"V": {"scale_quantiles": [1.0] * 41, "nu": 30.0, "t_scale": 1.0, "max_abs": 8.0, "library": library}}
    }


def test_epoch_visits_group_each_light_curves_close_epochs():
    time = np.array([0.0, 0.0, 0.01, 5.0, 0.02, 5.1])
    curve = np.array([0, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(epoch_visits(time, curve), [0, 2, 0, 1, 2, 1])


def test_points_of_a_visit_share_the_visit_fraction_of_their_noise():
    rng = np.random.default_rng(5)
    t = np.concatenate([_visit_times(100, 4, rng) for _ in range(50)])
    curve = np.repeat(np.arange(50), 400)
    err = np.full(t.size, 0.01)
    band = np.full(t.size, "V")
    spread = []
    for rho in (0.0, 0.8):
        noise = draw_noise(_record([rho, rho]), "css", band, err, np.random.default_rng(6), curve=curve, time=t)
        u = noise / err
        spread.append(u.std())
        assert abs(visit_fraction(u, epoch_visits(t, curve)) - rho) < 0.05
    assert abs(spread[1] / spread[0] - 1.0) < 0.05  # the total scatter is the library light curve's
    # records without visit fractions, and callers without times: the same draws as before
    old = draw_noise(_record(None), "css", band, err, np.random.default_rng(7), curve=curve)
    np.testing.assert_array_equal(
        old, draw_noise(_record(None), "css", band, err, np.random.default_rng(7), curve=curve, time=t)
    )
    np.testing.assert_array_equal(
        old, draw_noise(_record([0.8, 0.8]), "css", band, err, np.random.default_rng(7), curve=curve)
    )


def test_curve_visit_is_the_library_entrys():
    band = np.array(["V", "V", "V", "I"])
    entry = np.array([0, 1, -1, 0])
    np.testing.assert_array_equal(curve_visit(_record(None), "css", band, entry), 0.0)
    np.testing.assert_array_equal(curve_visit(_record([0.1, 0.9]), "css", band, entry), [0.1, 0.9, 0.0, 0.0])


@pytest.fixture(scope="module")
def model():
    return load_model("default")


def _with_visit(model, value: float):
    """A copy of ``model`` whose every residual-library entry has visit fraction ``value`` and no
    phase jitter (the visit fraction alone)."""
    return with_library(model, visit=value, jitter=0.0)


def test_generated_catalina_nights_share_their_noise(model, tmp_path):
    # the same seed with visit fractions 0 and 0.9 on a Catalina SSS-like cadence file (four
    # exposures within 30 minutes a night): the same stars and epochs, and the points of a night
    # much closer together
    rng = np.random.default_rng(8)
    path = tmp_path / "css.csv"
    pd.DataFrame({"time": 53500.0 + _visit_times(80, 4, rng)}).to_csv(path, index=False)
    request = StarRequest("LPV", period=300.0)
    kw = dict(n=12, cadence="file", cadence_options={"path": str(path), "survey": "css", "band": "V"}, seed=9)
    apart = generate_table(request, model=_with_visit(model, 0.0), **kw).to_pandas()
    shared = generate_table(request, model=_with_visit(model, 0.9), **kw).to_pandas()
    for column in ("id", "time", "band", "period", "epoch", "mag_err"):
        np.testing.assert_array_equal(apart[column], shared[column])

    def within_night(table: pd.DataFrame) -> float:
        # a 300-day LPV barely changes within 30 minutes: the spread of a night's points is noise
        night = epoch_visits(table["time"].to_numpy(), pd.factorize(table["id"])[0])
        spread = table.groupby(night)["mag"].agg(["var", "size"])
        return float((spread["var"] * (spread["size"] - 1)).sum() / (spread["size"] - 1).sum())

    assert within_night(shared) < 0.2 * within_night(apart)  # 1 - 0.9 of the variance, up to the errors' spread
    assert abs(shared["mag"].std() / apart["mag"].std() - 1) < 0.2  # not more or less noise in all


def test_a_visits_exposures_share_their_phase_shift():
    from varsynth.generation.engine import phase_shifts

    curve = np.repeat([0, 1], 400)
    visit = epoch_visits(np.tile(_visit_times(100, 4, np.random.default_rng(10)), 2), curve)
    shift = phase_shifts(np.array([0.0, 0.02]), curve, np.random.default_rng(11), visit)
    assert np.all(shift[curve == 0] == 0.0)
    by_visit = pd.Series(shift[curve == 1]).groupby(visit[curve == 1])
    assert by_visit.nunique().max() == 1  # one shift per visit
    assert abs(by_visit.first().std() / 0.02 - 1) < 0.2


def test_the_report_compares_the_visit_structure_of_real_light_curves_and_twins():
    from varsynth.evaluation import classify
    from varsynth.evaluation.visits import FIT_ORDER, POINTS_PER_ORDER, visit_structure

    assert (FIT_ORDER, POINTS_PER_ORDER) == (classify.REFERENCE_ORDER, classify.REFERENCE_POINTS_PER_ORDER)
    rng = np.random.default_rng(12)
    rows = []
    for i in range(40):
        survey = "css" if i % 2 else "ogle3"
        t = _visit_times(60, 4 if survey == "css" else 1, rng)
        ph = np.mod(t / 0.7, 1.0)
        shape = 15 + 0.4 * np.cos(2 * np.pi * ph)
        rows.append(
            {
                "survey": survey,
                "vclass": "RRLYR",
                "phase": ph,
                "time": t,
                "mag_err": np.full(t.size, 0.02),
                "shared": shape + 0.02 * _shared(t, 0.7, rng),
                "apart": shape + 0.02 * rng.standard_normal(t.size),
            }
        )
    frame = pd.DataFrame(rows)
    real, twins = frame.assign(mag=frame["shared"]), frame.assign(mag=frame["apart"])
    table, summary = visit_structure(real, twins)
    assert summary["surveys"] == ["css"] and summary["light_curves"] == 20  # one exposure a night: not compared
    assert abs(summary["real"] - 0.7) < 0.1 and summary["generated"] < 0.1
    assert table[["survey", "class", "light curves"]].values.tolist() == [["css", "RRLYR", 20]]
    assert visit_structure(real.drop(columns="time"), twins) is None  # curve sets without times


def test_generated_light_curves_take_the_noise_of_real_ones_of_like_errors(model, monkeypatch):
    # the engine gives the library draw each light curve's median error at its mean magnitude:
    # fainter stars, larger errors, and close to the errors the light curves come out with
    import varsynth.generation.engine as engine

    seen: list[np.ndarray] = []

    def spy(*args, **kwargs):
        seen.append(np.asarray(args[5]))
        return engine_scales(*args, **kwargs)

    engine_scales = engine.curve_scales
    monkeypatch.setattr(engine, "curve_scales", spy)
    medians = []
    for mean_mag in (15.5, 19.0):
        table = generate_table(
            StarRequest("CEP", period=5.0, mean_mag=mean_mag), n=6, cadence="ogle3", bands=("I",), seed=4, model=model
        ).to_pandas()
        medians.append(table.groupby("id", sort=True)["mag_err"].median().to_numpy())
    bright, faint = seen
    assert np.isfinite(bright).all() and np.isfinite(faint).all() and bright.size == faint.size == 6
    assert faint.min() > 2 * bright.max()
    for typical, real in zip(seen, medians):
        np.testing.assert_allclose(typical, real, rtol=0.5)
