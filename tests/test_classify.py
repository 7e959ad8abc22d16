"""Train on synthetic, test on real: features, scores and the real-vs-generated discriminator."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from helpers import write_tiny_dataset
from hypothesis import given, settings
from hypothesis import strategies as st

from varsynth.evaluation.classify import (
    BASELINES,
    FEATURE_NAMES,
    classification_scores,
    conditioning_features,
    discriminator_auc,
    evaluate_classifier,
    feature_auc,
    light_curve_features,
    own_fit_curves,
)
from varsynth.evaluation.context import EvalContext
from varsynth.evaluation.report import json_safe
from varsynth.generation.model import load_model


def _curves(shapes: list[tuple[float, np.ndarray, np.ndarray]], vclass: str = "X") -> pd.DataFrame:
    """A curve set from (period days, phase, mag) triples with 0.001 mag errors."""
    return pd.DataFrame(
        {
            "sample_id": [f"{vclass}{i}" for i in range(len(shapes))],
            "vclass": vclass,
            "period": [p for p, _, _ in shapes],
            "phase": [ph for _, ph, _ in shapes],
            "mag": [m for _, _, m in shapes],
            "mag_err": [np.full(ph.size, 1e-3) for _, ph, _ in shapes],
        }
    )


def _sinusoid(n: int = 200, semi: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced phases in random order, and 15 + semi * sin(2 pi phase) mag."""
    phase = np.random.default_rng(seed).permutation(np.arange(n) / n)
    return phase, 15.0 + semi * np.sin(2 * math.pi * phase)


def _sawtooth_star(rng: np.random.Generator) -> tuple[float, np.ndarray, np.ndarray]:
    """A long-period (10-30 d) star with a slow rise and a sharp fall, 0.8-1.2 mag."""
    phase = np.sort(rng.uniform(0, 1, 120))
    mag = 16 + rng.uniform(0.8, 1.2) * (np.mod(phase * 1.25, 1.0) - 0.5) + rng.normal(0, 0.01, phase.size)
    return rng.uniform(10, 30), phase, mag


def _sine_star(rng: np.random.Generator) -> tuple[float, np.ndarray, np.ndarray]:
    """A short-period (0.2-0.6 d) sinusoid of 0.1-0.2 mag semi-amplitude."""
    phase = np.sort(rng.uniform(0, 1, 120))
    mag = 15 + rng.uniform(0.1, 0.2) * np.sin(2 * math.pi * phase) + rng.normal(0, 0.01, phase.size)
    return rng.uniform(0.2, 0.6), phase, mag


def test_features_of_a_pure_sinusoid():
    phase, mag = _sinusoid()
    f = light_curve_features(_curves([(0.5, phase, mag)])).iloc[0]
    assert list(f.index) == list(FEATURE_NAMES)
    assert f["log10_period"] == pytest.approx(math.log10(0.5))
    assert f["amplitude"] == pytest.approx(0.6, abs=1e-4)  # peak to peak: 2 x the semi-amplitude
    assert f["R21"] == pytest.approx(0.0, abs=1e-6) and f["R31"] == pytest.approx(0.0, abs=1e-6)
    assert f["skew"] == pytest.approx(0.0, abs=1e-6)
    assert f["kurtosis"] == pytest.approx(-1.5, abs=0.05)  # excess kurtosis of the arcsine law
    assert f["half_range_ratio"] == pytest.approx(0.5, abs=1e-3)
    assert f["std_ratio"] == pytest.approx(1 / (2 * math.sqrt(2)), abs=2e-3)
    assert f["stetson_k"] == pytest.approx(2 * math.sqrt(2) / math.pi, abs=2e-3)
    assert f["beyond_1std"] == pytest.approx(0.5, abs=0.02)
    # phase-sorted: a smooth curve has a tiny string length although the input was in random order
    assert f["lafler_kinman"] < 0.01


@settings(max_examples=15, deadline=None)
@given(shift=st.floats(0.0, 1.0, exclude_max=True), scale=st.floats(0.05, 5.0), offset=st.floats(-5, 5))
def test_features_do_not_depend_on_phase_origin_and_only_amplitude_on_scale(shift, scale, offset):
    rng = np.random.default_rng(1)
    period, phase, mag = _sawtooth_star(rng)
    err = np.full(phase.size, 1e-3)
    base = light_curve_features(_curves([(period, phase, mag)])).iloc[0]
    moved = _curves([(period, np.mod(phase + shift, 1.0), offset + scale * (mag - 16))])
    moved["mag_err"] = [scale * err]
    other = light_curve_features(moved).iloc[0]
    # the Fourier amplitude is the range of the fitted series on a grid of 1000 phases: 1e-4 relative
    assert other["amplitude"] == pytest.approx(scale * base["amplitude"], rel=1e-4)
    rest = [n for n in FEATURE_NAMES if n != "amplitude"]
    np.testing.assert_allclose(other[rest].to_numpy(float), base[rest].to_numpy(float), rtol=1e-4, atol=1e-6)


def test_features_are_nan_where_they_cannot_be_computed():
    few = np.arange(5) / 5
    flat = np.arange(50) / 50
    f = light_curve_features(_curves([(1.0, few, 15 + np.sin(2 * math.pi * few)), (1.0, flat, np.full(50, 15.0))]))
    assert np.isnan(f.loc[0, "R21"]) and np.isnan(f.loc[0, "ipr25_ratio"])  # 5 points: no order-4 fit
    assert np.isfinite(f.loc[0, "skew"])
    assert np.isnan(f.loc[1, "skew"]) and np.isnan(f.loc[1, "mad_ratio"])  # constant: no shape
    with pytest.raises(ValueError, match="period"):
        light_curve_features(_curves([(0.0, flat, 15 + np.sin(2 * math.pi * flat))]))


def test_classification_scores_known_answer():
    true = np.array(["A", "A", "B", "B", "B"])
    predicted = np.array(["A", "B", "B", "B", "C"])
    scores, table, confusion = classification_scores(
        true, predicted, groups=np.array([1, 1, 2, 3, 4]), labels=["A", "B", "C", "D"]
    )
    assert scores["accuracy"] == pytest.approx(3 / 5)
    f1_a, f1_b = 2 / 3, 2 * (2 / 3) * (2 / 3) / (4 / 3)
    assert scores["macro_f1"] == pytest.approx((f1_a + f1_b) / 2)  # over the true classes A, B only
    assert table["f1"].tolist() == pytest.approx([f1_a, f1_b])
    assert table["light_curves"].tolist() == [2, 3] and table["stars"].tolist() == [1, 3]
    assert list(confusion.index) == ["A", "B"] and list(confusion.columns) == ["A", "B", "C", "D"]
    assert confusion.to_numpy().tolist() == [[1, 1, 0, 0], [0, 2, 1, 0]]
    assert np.isnan(scores["macro_f1_judged"])  # no class has 5 stars
    scores, _, _ = classification_scores(np.array(["A"] * 5 + ["B"] * 2), np.array(["A"] * 7))
    assert scores["macro_f1"] == pytest.approx((10 / 12 + 0) / 2)
    assert scores["macro_f1_judged"] == pytest.approx(10 / 12)  # B has 2 stars: not judged


def test_classifier_separates_trivially_separable_classes():
    from varsynth.evaluation.classify import make_classifier

    rng = np.random.default_rng(0)
    short = np.arange(6) / 6  # too few points for a Fourier fit: NaN features the forest must take
    train = pd.concat(
        [
            _curves([_sine_star(rng) for _ in range(30)] + [(0.4, short, 15 + 0.1 * np.sin(6 * short))], "SINE"),
            _curves([_sawtooth_star(rng) for _ in range(30)], "SAW"),
        ],
        ignore_index=True,
    )
    test = pd.concat(
        [
            _curves([_sine_star(rng) for _ in range(10)], "SINE"),
            _curves([_sawtooth_star(rng) for _ in range(10)], "SAW"),
        ],
        ignore_index=True,
    )
    features = light_curve_features(train)
    assert features.isna().any().any()
    model = make_classifier(0).fit(features, train["vclass"])
    scores, table, _ = classification_scores(test["vclass"], model.predict(light_curve_features(test)))
    assert scores["accuracy"] == 1.0 and scores["macro_f1"] == 1.0
    assert (table["f1"] == 1.0).all()


def test_discriminator_auc_is_one_half_on_identical_samples_and_one_on_separable_ones():
    rng = np.random.default_rng(0)
    real = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    classes = np.repeat(["P", "Q"], 100)
    stars = np.arange(200) // 2  # two light curves per star
    auc, per_class, scores = discriminator_auc(real, real.copy(), classes, stars, seed=0)
    assert auc == pytest.approx(0.5, abs=0.05)
    assert per_class["auc"].to_numpy() == pytest.approx([0.5, 0.5], abs=0.1)
    assert per_class["light_curves"].tolist() == [100, 100] and per_class["stars"].tolist() == [50, 50]
    assert scores.shape == (400,) and np.isfinite(scores).all()
    shifted = real + np.array([3.0, 0.0, 0.0])
    auc, per_class, _ = discriminator_auc(real, shifted, classes, stars, seed=0)
    assert auc > 0.95 and (per_class["auc"] > 0.95).all()
    with pytest.raises(ValueError, match="same rows"):
        discriminator_auc(real, real.iloc[:10], classes, stars)
    with pytest.raises(ValueError, match="at least 2 stars"):
        discriminator_auc(real, real, classes, np.zeros(200))


def test_feature_auc_known_answer():
    real = pd.DataFrame({"x": np.arange(10.0), "y": np.arange(10.0), "z": np.full(10, 1.0)})
    generated = pd.DataFrame({"x": np.arange(10.0) + 10, "y": np.arange(10.0), "z": np.full(10, 1.0)})
    auc = feature_auc(real, generated)
    assert auc["x"] == 1.0 and auc["y"] == 0.5 and np.isnan(auc["z"])


def test_evaluate_classifier_end_to_end_on_the_tiny_dataset(tmp_path):
    data = write_tiny_dataset(tmp_path / "data")
    ctx = EvalContext(
        model=load_model("default"),
        label="default",
        dataset_dir=data,
        data_root=tmp_path,
        report_dir=tmp_path / "report",
        quick=True,
    )
    section = evaluate_classifier(ctx)
    assert section.name == "classifier" and "synthetic" in section.title
    summary = section.summary
    for source in ("real", "generated"):
        scores = summary[f"trained_on_{source}"]
        assert 0 <= scores["accuracy"] <= 1 and 0 <= scores["macro_f1"] <= 1
        assert set(scores["per_class"]) == set(ctx.test_real["vclass"])
    assert 0 <= summary["discriminator"]["auc"] <= 1
    assert 0 <= summary["discriminator"]["own_fit_reference_auc"] <= 1
    assert "own-fit reference" in summary["headline_reference"]["real-vs-generated AUC"]
    assert "own-fit reference" in section.text
    assert summary["n_train"] > 0 and summary["features"] == list(FEATURE_NAMES)
    assert summary["accuracy_gap"] == pytest.approx(
        summary["trained_on_generated"]["accuracy"] - summary["trained_on_real"]["accuracy"]
    )
    captions = [c for c, _ in section.tables]
    per_class = section.tables[1][1]
    assert len(captions) == 3 and len(per_class) == ctx.test_real["vclass"].nunique()
    # the tiny test split has fewer than 5 stars per class: every class is marked
    assert (per_class["note"] != "").all()
    assert (ctx.report_dir / section.figures[0][1]).stat().st_size > 1000
    assert f"{summary['trained_on_generated']['accuracy']:.3f}" in section.text
    # the baselines: trained on the real stars' period (and Teff), scored like the others, per class too
    assert set(summary["baselines"]) == set(BASELINES)
    period = summary["baselines"]["period only"]
    assert period["features"] == ["log10_period"] and 0 <= period["macro_f1"] <= 1
    assert set(period["per_class"]) == set(ctx.test_real["vclass"])
    assert {"F1 period only (real)", "F1 period + Teff (real)"} <= set(per_class.columns)
    assert len(section.tables[0][1]) == 2 + len(BASELINES)
    assert f"{period['accuracy']:.3f}" in section.text and "binomial error" in section.text
    json.dumps(json_safe(summary))


def test_own_fit_reference_keeps_each_light_curves_shape_and_residuals():
    rng = np.random.default_rng(3)
    phase = rng.uniform(0, 1, 61)
    smooth = 15 + 0.3 * np.cos(2 * math.pi * phase) + 0.1 * np.sin(6 * math.pi * phase + 0.4)
    noise = rng.normal(0, 0.02, phase.size)
    curves = _curves([(1.0, phase, smooth), (2.0, phase, smooth + noise), (3.0, phase[:12], smooth[:12])])
    out = own_fit_curves(curves, seed=5)
    np.testing.assert_allclose(out["mag"][0], smooth, atol=1e-9)  # a noiseless order-3 curve is its own fit
    from varsynth.evaluation.reconstruction import fourier_fit

    fit = fourier_fit(phase, smooth + noise, np.full(phase.size, 1e-3), 8)  # 61 points: order 8 allowed
    residual = out["mag"][1] - fit
    np.testing.assert_allclose(np.sort(residual), np.sort(smooth + noise - fit), atol=1e-12)  # the same residuals
    assert not np.allclose(residual, smooth + noise - fit)  # shuffled among the points
    # 12 points: order (12 - 1) // 5 = 2, which cannot follow the third harmonic
    fit2 = fourier_fit(phase[:12], smooth[:12], np.full(12, 1e-3), 2)
    np.testing.assert_allclose(np.sort(out["mag"][2] - fit2), np.sort(smooth[:12] - fit2), atol=1e-12)
    assert list(out["phase"][2]) == list(phase[:12]) and out["period"].tolist() == [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(own_fit_curves(curves, seed=5)["mag"][1], out["mag"][1])  # seeded


def test_conditioning_features_are_log_period_and_log_teff_where_known():
    curves = pd.DataFrame(
        {"period": [0.5, 10.0, 2.0], "teff": [6000.0, 5000.0, np.nan], "teff_source": ["gaia", "missing", "gaia"]}
    )
    f = conditioning_features(curves)
    assert f["log10_period"].tolist() == pytest.approx([math.log10(0.5), 1.0, math.log10(2.0)])
    assert f["log10_teff"].iloc[0] == pytest.approx(math.log10(6000.0)) and f["log10_teff"].iloc[1:].isna().all()
    with pytest.raises(ValueError, match="period > 0"):
        conditioning_features(curves.assign(period=[0.5, 0.0, 1.0]))
