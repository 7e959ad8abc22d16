"""The physics posterior's settings: tempered weights, fitted on validation, read from the bundle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from varsynth.bundle import record_if_in_bundle
from varsynth.config import ConfigError
from varsynth.generation import load_model
from varsynth.generation.model import bundle_path
from varsynth.inference.calibration import NEIGHBOUR_GRID, TEMPERATURE_GRID, calibrate, coverage_error
from varsynth.inference.posterior import PosteriorSettings, posterior_settings


def test_tempered_weights_known_answers():
    lp = np.log(np.array([1.0, 4.0, 16.0]))
    assert PosteriorSettings(20, 1.0).weights(lp) == pytest.approx([1 / 16, 1 / 4, 1.0])
    assert PosteriorSettings(20, 0.5).weights(lp) == pytest.approx([1 / 4, 1 / 2, 1.0])
    assert PosteriorSettings(20, 0.0).weights(lp) == pytest.approx([1.0, 1.0, 1.0])  # the prior alone


@pytest.mark.parametrize(("neighbours", "temperature"), [(0, 1.0), (20, 1.5), (20, -0.1), (20, float("nan"))])
def test_invalid_settings_are_refused_naming_them(neighbours, temperature):
    with pytest.raises(ConfigError, match="neighbours|temperature"):
        PosteriorSettings(neighbours, temperature)


def test_coverage_error_known_answer():
    cov = {
        "period_known": {"teff": {"coverage_68": 0.68, "coverage_95": 0.95}},
        "nothing_known": {"teff": {"coverage_68": 0.58, "coverage_95": 0.85}},
    }
    # (0 + 0) for the first, (0.10 + 0.10) for the second: mean over 2 parameters and 2 levels
    assert coverage_error(cov) == pytest.approx(0.2 / 4)


def test_the_embedded_default_uses_settings_fitted_on_validation(default_model):
    cal = json.loads((bundle_path("default") / "calibration.json").read_text())
    assert cal["posterior"]["fitted_on"] == "val" and cal["split"] == "test"
    settings = posterior_settings(default_model)
    assert settings == PosteriorSettings(cal["posterior"]["neighbours"], cal["posterior"]["temperature"])
    grid = {(g["neighbours"], g["temperature"]): g["coverage_error"] for g in cal["posterior"]["grid"]}
    assert grid[(settings.neighbours, settings.temperature)] == min(grid.values())
    # the fit is judged on other stars (test) next to the raw density, and must not be worse there
    assert cal["posterior"]["coverage_error_test"] <= cal["raw"]["coverage_error"]


def test_settings_written_into_a_bundle_are_used(tmp_path: Path):
    bundle = Path(shutil.copytree(bundle_path("default"), tmp_path / "bundle"))
    cal = json.loads((bundle / "calibration.json").read_text())
    cal["posterior"] = {"neighbours": 77, "temperature": 0.3, "fitted_on": "val"}
    (bundle / "calibration.json").write_text(json.dumps(cal))
    assert record_if_in_bundle(bundle / "calibration.json")
    assert posterior_settings(load_model(bundle)) == PosteriorSettings(77, 0.3)
    del cal["posterior"]  # a calibration written before the fit existed: the raw density
    (bundle / "calibration.json").write_text(json.dumps(cal))
    assert record_if_in_bundle(bundle / "calibration.json")
    assert posterior_settings(load_model(bundle)) == PosteriorSettings()


def test_calibrate_fits_on_validation_and_measures_on_test(default_model, tiny_dataset):
    out = calibrate(default_model, tiny_dataset, n_stars=6, n_candidates=40, progress=False)
    post = out["posterior"]
    assert post["fitted_on"] == "val" and out["split"] == "test" and post["n_stars_fit"] == 6
    assert len(post["grid"]) == len(NEIGHBOUR_GRID) * len(TEMPERATURE_GRID)
    assert post["coverage_error"] == min(g["coverage_error"] for g in post["grid"])
    assert (post["neighbours"], post["temperature"]) in {(g["neighbours"], g["temperature"]) for g in post["grid"]}
    for result in (out, out["raw"]):
        per = result["settings"]["nothing_known"]["period"]  # every star has a period
        assert per["n"] == 6 and 0 <= per["coverage_68"] <= per["coverage_95"] <= 1 and per["median_width_68"] > 0
        assert 0 <= result["class_accuracy_period_known"] <= 1
    assert (out["raw"]["neighbours"], out["raw"]["temperature"]) == (20, 1.0)


def test_calibrate_refuses_fitting_on_the_measured_split(default_model, tiny_dataset):
    with pytest.raises(ConfigError, match="fit on another split"):
        calibrate(default_model, tiny_dataset, fit_split="test", n_stars=2, progress=False)
    with pytest.raises(ConfigError, match="n_stars"):
        calibrate(default_model, tiny_dataset, n_stars=0, progress=False)
