"""The issue's bars read from crafted report numbers, and the training budget of a bundle."""

from __future__ import annotations

import math

import pytest

from varsynth.evaluation.budget import budget_sentence, training_budget
from varsynth.evaluation.targets import issue_targets, targets_frame, targets_tally


def _sections() -> dict:
    """One model's section numbers, shaped as in report.json, with known answers."""
    return {
        "reconstruction": {
            "medians": {"model_chi2": 2.5, "fourier_chi2": 2.0},
            "per_class": [
                {"vclass": "CEP", "model_chi2": 3.0, "fourier_chi2": 2.0, "n": 60},
                {"vclass": "DSCT", "model_chi2": 9.0, "fourier_chi2": 1.0, "n": 49},
                {"vclass": "all", "model_chi2": 2.5, "fourier_chi2": 2.0, "n": 109},
            ],
        },
        "classifier": {
            "discriminator": {"auc": 0.7, "auc_se": 0.01},
            "trained_on_real": {"macro_f1": 0.8},
            "trained_on_generated": {"macro_f1": 0.6, "per_class": {"CEP": {"f1": 0.9}, "ELL": {"f1": 0.0}}},
        },
        "shapes": {
            "heldout": {
                "median_ratio": 1.4,
                "ideal_median_ratio": 0.71,
                "groups": {
                    "LPV Mira": {"amplitude": {"median_gen": 0.9, "median_real": 1.0, "median_relative_se": 0.03}},
                    "CEP F": {"amplitude": {"median_gen": 0.1, "median_real": 1.0}},
                },
            },
            "catalog": {"skipped": "OGLE-III catalog not found"},
        },
        "physics": {
            "hertzsprung": {
                "R21_min_log_p_generated": 0.9,
                "R21_min_log_p_real": 1.075,
                "R21_dip_depth_generated": 0.30,
                "R21_dip_depth_real": 0.33,
                "dip_se": {"R21_min_log_p": 0.04, "R21_dip_depth": float("nan")},
            },
            "rr_lyrae": {
                "generated": {"phi31_slope_rad_per_day": 4.5, "RRab_amplitude_slope_mag_per_dex": -1.0},
                "real": {"phi31_slope_rad_per_day": 5.0, "RRab_amplitude_slope_mag_per_dex": -2.0},
                "relative_se": {"phi31_slope_rad_per_day": 0.04, "RRab_amplitude_slope_mag_per_dex": float("nan")},
            },
        },
        "latent": {
            "active_dimensions": 4,
            "latent_dim": 6,
            "links": [
                {"link": "rf", "R2 (point, active dims)": 0.9},
                {"link": "flow", "R2 (point, active dims)": 0.55, "R2 (point, active dims) s.e.": 0.02},
            ],
        },
    }


def _by_bar(rows: list[dict]) -> dict[str, dict]:
    return {r["bar"]: r for r in rows}


def test_pass_fail_and_miss_on_crafted_numbers():
    rows = _by_bar(issue_targets(_sections()))
    expected = {  # bar: (value, passed, miss)
        "reconstruction: median chi2/pt / Fourier-4, all held-out": (1.25, True, 0.0),  # on the bar: met
        "reconstruction: median chi2/pt / Fourier-4, CEP": (1.5, False, 0.25),
        "real-vs-generated AUC": (0.7, False, 0.05),
        "macro-F1 trained on generated / trained on real": (0.75, False, 0.15),
        "classes at F1 0 trained on generated": (1, False, 1),
        "shape distance / noise floor (median), held-out": (1.4, True, 0.0),
        "LPV amplitude median |generated / real - 1|, held-out LPV Mira": (0.1, True, 0.0),
        "CEP F R21 dip: |log P generated - real|": (0.175, False, 0.125),
        "CEP F R21 dip: |depth generated - real|": (0.03, True, 0.0),
        "RRab dphi31/dP: |generated / real - 1|": (0.1, True, 0.0),
        "RRab Bailey slope: |generated / real - 1|": (0.5, False, 0.25),
        "active latent dimensions": (4, True, 0.0),
        "physics -> latent R2 of the flow (point, active dims)": (0.55, False, 0.05),
    }
    for bar, (value, passed, miss) in expected.items():
        row = rows[bar]
        assert (
            row["value"] == pytest.approx(value) and row["passed"] is passed and row["miss"] == pytest.approx(miss)
        ), bar
    # DSCT has fewer than 50 held-out light curves: no bar; CEP F is no LPV group
    assert not any("DSCT" in b or "CEP F" in b and "LPV" in b for b in rows)
    assert rows["classes at F1 0 trained on generated"]["detail"] == "ELL"
    assert rows["shape distance / noise floor (median), held-out"]["detail"] == "ideal generator 0.71"
    catalog = rows["shape distance / noise floor (median), OGLE-III catalog"]
    assert catalog["passed"] is None and catalog["value"] is None and "not found" in catalog["detail"]


def test_missing_or_failed_sections_are_not_measured():
    sections = _sections()
    sections["physics"] = {"error": "ValueError: boom"}
    del sections["latent"]
    rows = issue_targets(sections)
    unmeasured = {r["bar"] for r in rows if r["passed"] is None}
    assert {
        "CEP F R21 dip: |depth generated - real|",
        "RRab Bailey slope: |generated / real - 1|",
        "active latent dimensions",
        "physics -> latent R2 of the flow (point, active dims)",
    } <= unmeasured
    assert all(r["value"] is None and r["miss"] is None for r in rows if r["passed"] is None)
    everything_missing = issue_targets({})
    assert all(r["passed"] is None for r in everything_missing) and len(everything_missing) >= 12


def test_table_and_tally():
    rows = issue_targets(_sections())
    frame = targets_frame(rows)
    assert list(frame.columns) == ["bar", "target", "value", "s.e.", "detail", "result", "miss", "miss / s.e."]
    assert set(frame["result"]) == {"pass", "FAIL", "not measured"}
    assert frame.loc[frame["result"] == "pass", ["miss", "miss / s.e."]].isna().all().all()
    by_bar = frame.set_index("bar")
    # the miss in standard errors where the section measured one: AUC 0.05 / 0.01, R2 0.05 / 0.02
    assert by_bar.loc["real-vs-generated AUC", "miss / s.e."] == pytest.approx(5.0)
    assert by_bar.loc["physics -> latent R2 of the flow (point, active dims)", "miss / s.e."] == pytest.approx(2.5)
    # the dip's bootstrap error: its miss of 0.125 dex is 3.1 of them; no error for the depth
    assert by_bar.loc["CEP F R21 dip: |log P generated - real|", "miss / s.e."] == pytest.approx(0.125 / 0.04)
    assert math.isnan(by_bar.loc["CEP F R21 dip: |depth generated - real|", "s.e."])
    # a NaN standard error is no standard error; a bar met has one but no miss
    bailey = by_bar.loc["RRab Bailey slope: |generated / real - 1|"]
    assert bailey["result"] == "FAIL" and bailey[["s.e.", "miss / s.e."]].isna().all()
    assert by_bar.loc["RRab dphi31/dP: |generated / real - 1|", "s.e."] == pytest.approx(0.04)
    assert by_bar.loc["LPV amplitude median |generated / real - 1|, held-out LPV Mira", "s.e."] == pytest.approx(0.03)
    assert by_bar.loc["reconstruction: median chi2/pt / Fourier-4, CEP", ["s.e.", "miss / s.e."]].isna().all()
    met, missed = sum(r["passed"] is True for r in rows), sum(r["passed"] is False for r in rows)
    assert targets_tally(rows) == f"{met} of {len(rows)} bars met, {missed} missed, 1 not measured."


def test_budget_of_a_bundle_says_what_it_did_not_record(default_model):
    budget = training_budget(default_model.metadata)  # the embedded model records its whole budget
    fit = default_model.metadata["fit"]
    assert budget["epochs"] == fit["epochs"] and budget["dataset_id"] == fit["dataset_id"]
    assert budget["train_wall_seconds"] == fit["train_wall_seconds"] and budget["torch_threads"] == fit["torch_threads"]
    old = {"fit": {"epochs": 14, "seconds_per_epoch": 69.6, "dataset_id": "77d63cb91bd3ab4c"}}  # a bundle before them
    line = budget_sentence("default", training_budget(old), "0123456789abcdef")
    assert "training wall time not recorded (69.6 s per network epoch recorded)" in line
    assert "torch threads not recorded" in line and "(not this report's `0123456789abcdef`)" in line
    assert training_budget({}) == dict.fromkeys(budget)  # nothing recorded, nothing invented
    full = {
        "fit": {
            "epochs": 30,
            "train_wall_seconds": 1234.4,
            "torch_threads": 2,
            "dataset_id": "abc",
            "flow": {"epochs": 60},
        },
        "train_config": {"optim": {"max_epochs": 40}},
    }
    line = budget_sentence("new", training_budget(full), "abc")
    assert line == (
        "`new`: 30 epochs (network; config maximum 40; flow 60), training wall time 1234 s, "
        "torch threads 2, trained on dataset `abc`."
    )


@pytest.mark.parametrize("generated, real", [(1.13, 1.08), (1.03, 1.08), (1.08 + 2 * 0.05, 1.08)])
def test_dip_one_bin_away_is_on_the_bar_whatever_the_float_rounding(generated, real):
    """The dip's log P is a bin centre on a 0.05-dex grid for both sides: one bin apart (0.05 dex in
    decimal, 0.050000000000000266 or 0.04999999999999982 in floats) meets the bar either way; two do not."""
    sections = _sections()
    sections["physics"]["hertzsprung"].update({"R21_min_log_p_generated": generated, "R21_min_log_p_real": real})
    row = _by_bar(issue_targets(sections))["CEP F R21 dip: |log P generated - real|"]
    one_bin = abs(generated - real) < 0.075
    assert row["passed"] is one_bin
    assert row["value"] == pytest.approx(0.05 if one_bin else 0.1)
