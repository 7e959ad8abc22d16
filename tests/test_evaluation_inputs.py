"""Inputs of the fidelity report: real curves in magnitudes, generated twins, folding, tables."""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest
from helpers import write_tiny_dataset

from varsynth.data.io import json_safe
from varsynth.evaluation.curves import folded_curves, fourier_table, real_curves, twin_curves
from varsynth.evaluation.report import markdown_table
from varsynth.generation import StarRequest, generate_table


def test_real_curves_are_in_magnitudes_around_the_stars_mean(tiny_dataset):
    curves = real_curves(tiny_dataset, "test")
    assert len(curves) > 0
    for ph, m, e in zip(curves["phase"], curves["mag"], curves["mag_err"]):
        assert ((0 <= ph) & (ph < 1)).all()
        # the tiny stars are 15 + 0.4 sin + 0.15 k sin(2x) mag with 0.01 mag errors
        assert abs(np.mean(m) - 15.0) < 0.1 and 0.5 < np.ptp(m) < 1.5
        np.testing.assert_allclose(e, 0.01, rtol=1e-3)


def test_max_per_class_caps_each_class(tiny_dataset):
    full = real_curves(tiny_dataset, "train")
    capped = real_curves(tiny_dataset, "train", max_per_class=2, seed=3)
    assert capped.groupby("vclass").size().max() == 2
    assert set(capped["vclass"]) == set(full["vclass"])
    with pytest.raises(ValueError, match="max_per_class"):
        real_curves(tiny_dataset, "train", max_per_class=0)


def test_twins_keep_everything_but_the_shape(tiny_dataset, default_model):
    real = real_curves(tiny_dataset, "test")
    twins = twin_curves(default_model, real, seed=1, noise=False)
    again = twin_curves(default_model, real, seed=1, noise=False)
    other = twin_curves(default_model, real, seed=2, noise=False)
    for column in ("sample_id", "vclass", "subtype", "band", "teff", "abs_mag", "period"):
        pd.testing.assert_series_equal(twins[column], real[column], check_names=False)
    for r, t, t2, t3 in zip(real.itertuples(), twins.itertuples(), again.itertuples(), other.itertuples()):
        np.testing.assert_array_equal(t.phase, r.phase)
        np.testing.assert_array_equal(t.mag, t2.mag)  # a seed reproduces
        assert not np.array_equal(t.mag, t3.mag)  # another seed draws another shape
        assert abs(np.mean(t.mag) - np.mean(r.mag)) < 0.5 * np.ptp(t.mag) + 1e-6
        assert np.ptp(t.mag) > 0


def test_twins_with_noise_scatter_by_the_real_errors(tiny_dataset, default_model, tmp_path):
    import shutil

    from varsynth.bundle import record_files
    from varsynth.generation.model import PRETRAINED_DIR, load_model

    real = real_curves(tiny_dataset, "test")
    plain = tmp_path / "plain"  # the embedded bundle without its survey noise: Gaussian of the real errors
    shutil.copytree(PRETRAINED_DIR / "default", plain)
    (plain / "noise.json").unlink()
    record_files(plain)
    gaussian = load_model(plain)
    clean = twin_curves(gaussian, real, seed=4, noise=False)
    noisy = twin_curves(gaussian, real, seed=4)
    pulls = np.concatenate([(n - c) / e for n, c, e in zip(noisy["mag"], clean["mag"], real["mag_err"])])
    assert abs(np.std(pulls) - 1) < 0.1 and abs(np.mean(pulls)) < 0.1
    # with the survey noise (the tiny light curves are OGLE-III I): each light curve's pulls have the
    # scale of one real OGLE-III light curve of its class, at most the largest the library holds
    noisy = twin_curves(default_model, real, seed=4)
    record = default_model.metadata["fit"]["noise"]["ogle3"]["I"]
    for n, c, e, vclass in zip(noisy["mag"], clean["mag"], real["mag_err"], real["vclass"]):
        library = record["classes"].get(vclass, record)["library"]
        robust = 1.4826 * np.median(np.abs((n - c) / e))
        assert 0.5 * min(library["scale"]) < robust < 1.5 * max(library["scale"])


def test_folded_generated_curves_fold_on_their_own_period_and_epoch(default_model):
    table = generate_table(
        StarRequest("RRLYR", period=0.5, epoch=60000.0),
        n=3,
        cadence="uniform",
        model=default_model,
        seed=0,
        noise=False,
    )
    curves = folded_curves(table)
    assert len(curves) == 3 * len(set(table["band"]))
    first = curves.iloc[0]
    rows = np.asarray(table["id"]) == first["star_key"]
    rows &= np.asarray(table["band"]) == first["band"]
    expected = np.mod((np.asarray(table["time"])[rows] - 60000.0) / 0.5, 1.0)
    np.testing.assert_allclose(first["phase"], expected)
    assert (curves["teff_source"] == "generated").all()
    params = fourier_table(curves)
    assert params["amplitude"].notna().all() and (params["amplitude"] > 0).all()


def test_fourier_table_gives_nan_for_too_few_points():
    curves = pd.DataFrame(
        {
            "sample_id": ["a", "b"],
            "phase": [np.linspace(0, 1, 5, endpoint=False), np.linspace(0, 1, 50, endpoint=False)],
        }
    )
    curves["mag"] = [0.3 * np.cos(2 * math.pi * p) for p in curves["phase"]]
    curves["mag_err"] = [np.full(p.size, 0.01) for p in curves["phase"]]
    params = fourier_table(curves)
    assert np.isnan(params.loc[0, "R21"])
    assert params.loc[1, "amplitude"] == pytest.approx(0.6, abs=1e-3)
    assert params.loc[1, "R21"] == pytest.approx(0.0, abs=1e-6)


def test_markdown_table_and_json_safe():
    frame = pd.DataFrame({"group": ["CEP F", "a|b"], "ratio": [1.23456, float("nan")], "n": [3, 4]})
    text = markdown_table(frame)
    assert text.splitlines()[0] == "| group | ratio | n |"
    assert "| CEP F | 1.23 | 3 |" in text and "a\\|b | – | 4" in text
    safe = json_safe({"x": np.float32(0.5), "y": [np.nan, np.int64(2)], "z": np.arange(2), "f": frame})
    assert safe["x"] == 0.5 and safe["y"] == [None, 2] and safe["z"] == [0, 1]
    assert safe["f"][1]["ratio"] is None


def test_summary_table_puts_models_side_by_side_with_their_references():
    from varsynth.evaluation.context import Section
    from varsynth.evaluation.report import _headline_table

    def section(value, ref):
        return Section(
            "recovery",
            "t",
            {"headline": {"fraction": value, "auc": 0.9}, "headline_reference": {"fraction": ref, "auc": 0.5}},
        )

    table = _headline_table({"a": {"recovery": section(0.8, 0.7)}, "b": {"recovery": section(0.6, 0.75)}})
    rows = table.set_index("metric")
    assert rows.loc["fraction", "a"] == 0.8 and rows.loc["fraction", "b"] == 0.6
    assert rows.loc["fraction", "real data or baseline"] == "0.7 / 0.75"  # depends on the model: both shown
    assert rows.loc["auc", "real data or baseline"] == 0.5  # the same for both: shown once


def test_a_failing_check_is_reported_and_the_others_still_run(tmp_path, monkeypatch, default_model):
    from varsynth.evaluation import report

    data = write_tiny_dataset(tmp_path / "data", stars_per_class=6)
    monkeypatch.setitem(report.SECTIONS, "broken", ("varsynth.evaluation.no_such_module", "evaluate"))
    content = report.evaluate_models(
        [default_model], data, tmp_path / "r", quick=True, sections=["broken", "reconstruction"], progress=False
    )
    assert content["settings"]["failed"] == ["broken (default)"]
    sections = content["models"]["default"]["sections"]
    assert "ModuleNotFoundError" in sections["broken"]["error"] and sections["reconstruction"]["headline"]
    assert "Checks that failed" in (tmp_path / "r" / "report.md").read_text()
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "r" / "report.json").stat().st_mode & 0o777 == 0o666 & ~umask  # as open() would make it


def test_a_twin_is_drawn_from_training_stars_of_the_real_stars_subtype():
    """The neighbour of an EA binary's twin is an EA training star even when EW stars of the class
    sit at the very same physics; a subtype the training data lacks (or none) draws from the class."""
    from varsynth.evaluation.curves import _neighbour
    from varsynth.latent.catalog import PhysicsCatalog

    n = 40
    catalog = PhysicsCatalog(
        vclass=np.array(["ECL"] * n + ["RRLYR"] * 5),
        subtype=np.array(["EW"] * 30 + ["EA"] * 10 + ["RRab"] * 5),
        phys=np.tile([[np.nan, 3.0, -0.4]], (n + 5, 1)),
        wave_eff=np.full(n + 5, 550.0),
    )
    given = np.array([np.nan, np.nan, -0.4])
    rng = np.random.default_rng(0)
    ea = {_neighbour(catalog, "ECL", "EA", given, rng) for _ in range(200)}
    assert ea == set(range(30, 40))
    anything = np.full(3, np.nan)
    for subtype in ("EB", "", None, float("nan")):  # unknown to the training data, or none
        rows = {_neighbour(catalog, "ECL", subtype, anything, rng) for _ in range(400)}
        assert rows <= set(range(40)) and rows & set(range(30)) and rows & set(range(30, 40))
