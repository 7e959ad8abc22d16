"""The reconstruction section: summary tables, panel choice, the grid figure, and a quick end-to-end run."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from varsynth.evaluation.context import EvalContext
from varsynth.evaluation.reconstruction import fourier_fit, reconstructed_curves, reconstruction_table
from varsynth.evaluation.reconstruction_report import (
    REFERENCE,
    evaluate_reconstruction,
    panel_choice,
    reconstruction_grid,
    reconstruction_summary,
)
from varsynth.evaluation.report import json_safe


def _rows(vclass, model_chi2, fourier_chi2, n_points=None):
    n = len(vclass)
    return pd.DataFrame(
        {
            "sample_id": [f"s:star{i}:I:0" for i in range(n)],
            "vclass": vclass,
            "n_points": n_points if n_points is not None else [100] * n,
            "model_chi2": model_chi2,
            "fourier_chi2": fourier_chi2,
            "model_rms_mmag": np.asarray(model_chi2, float) * 10,
            "fourier_rms_mmag": np.asarray(fourier_chi2, float) * 10,
        }
    )


def test_summary_counts_where_the_model_beats_the_fourier_fit():
    rows = _rows(["A", "A", "B", "B"], [1.0, 3.0, 5.0, 7.0], [2.0, 2.0, 2.0, 2.0])
    out = reconstruction_summary(rows)
    assert out.loc["A", "model_better"] == 0.5 and out.loc["B", "model_better"] == 0.0
    assert out.loc["all", "model_better"] == 0.25 and out.loc["all", "n"] == 4
    assert out.loc["A", "model_chi2"] == 2.0 and out.loc["B", "model_rms_mmag"] == 60.0
    with pytest.raises(ValueError, match="empty"):
        reconstruction_summary(rows.iloc[:0])


def test_panels_sit_at_quantiles_of_the_model_chi2_and_prefer_well_sampled_curves():
    chi2 = list(range(1, 11))
    rows = _rows(["RRLYR"] * 10 + ["CEP"] * 10, chi2 + chi2, [1.0] * 20, n_points=[100] * 10 + [100] * 8 + [5, 5])
    picks = panel_choice(rows, per_class=2)
    # taxonomy order: CEP before RRLYR; CEP's two 5-point curves (chi2 9, 10) are left out
    chosen = rows.set_index("sample_id").loc[picks]
    assert chosen["vclass"].tolist() == ["CEP", "CEP", "RRLYR", "RRLYR"]
    assert chosen["model_chi2"].tolist() == [3, 7, 3, 8]  # floor(0.25 n), floor(0.75 n) of the sorted chi2
    with pytest.raises(ValueError, match="per_class"):
        panel_choice(rows, per_class=0)


def test_fourier_fit_evaluates_the_fitted_series_at_other_phases():
    phase = np.sort(np.random.default_rng(1).uniform(0, 1, 80))
    series = lambda p: 15.0 + 0.3 * np.cos(2 * math.pi * p) + 0.05 * np.sin(8 * math.pi * p)  # noqa: E731
    grid = np.linspace(0, 1, 17)
    np.testing.assert_allclose(
        fourier_fit(phase, series(phase), np.full(80, 0.01), 4, at=grid), series(grid), atol=1e-10
    )


def test_grid_has_one_panel_per_light_curve(tmp_path):
    grid = np.linspace(0, 1, 50, endpoint=False)
    panels = pd.DataFrame(
        [
            {
                "sample_id": f"ogle3:OGLE-LMC-CEP-{i:04d}:I:0",
                "vclass": "CEP",
                "phase": grid,
                "mag": 15 + 0.1 * grid,
                "mag_err": np.full(50, 0.01),
                "grid": grid,
                "model_mag": 15 + 0.1 * grid,
                "fourier_mag": 15 + 0.1 * grid,
                "model_chi2": 1.0,
                "fourier_chi2": 0.9,
            }
            for i in range(6)
        ]
    )
    fig = reconstruction_grid(panels, ncols=4)
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(fig.axes) == 8 and len(visible) == 6
    assert all(ax.yaxis_inverted() for ax in visible)
    assert "OGLE-LMC-CEP-0000 (I)" in visible[0].get_title()
    fig.savefig(tmp_path / "grid.png")
    assert (tmp_path / "grid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="empty"):
        reconstruction_grid(panels.iloc[:0])


def test_subset_and_dense_curves_agree_with_the_full_table(tiny_dataset, default_model):
    data, model = tiny_dataset, default_model
    full = reconstruction_table(model.cvae, data, "test")
    ids = full["sample_id"].iloc[[0, 2]].tolist()
    part = reconstruction_table(model.cvae, data, "test", sample_ids=ids)
    assert part["sample_id"].tolist() == ids
    np.testing.assert_allclose(part["model_chi2"], full["model_chi2"].iloc[[0, 2]], rtol=1e-4)
    assert part["vclass"].tolist() == full["vclass"].iloc[[0, 2]].tolist()
    curves = reconstructed_curves(model.cvae, data, ids, n_phase=64)
    assert curves["sample_id"].tolist() == ids and all(len(m) == 64 for m in curves["model_mag"])
    # the Fourier curve on the grid is the same fit reconstruction_table scores: its RMS there is finite and small
    assert all(np.all(np.isfinite(m)) for m in curves["fourier_mag"])
    with pytest.raises(ValueError, match="n_phase"):
        reconstructed_curves(model.cvae, data, ids, n_phase=1)


def test_quick_section_on_the_tiny_dataset(tiny_dataset, default_model, tmp_path):
    data, model, root = tiny_dataset, default_model, tmp_path
    ctx = EvalContext(
        model=model,
        label="default",
        dataset_dir=data,
        data_root=root / "no-data",
        report_dir=root / "report",
        quick=True,
    )
    section = evaluate_reconstruction(ctx)
    assert section.name == "reconstruction" and "held-out" in section.title
    summary = section.summary
    n = len(ctx.test_real)
    assert summary["light_curves"] == n and summary["per_class"][-1]["n"] == n
    assert summary["reference"]["authors_model"] == REFERENCE["authors_model"]
    assert math.isfinite(summary["headline"]["model chi2/pt (median)"])
    json.dumps(json_safe(summary))
    [(_, path)] = section.figures
    assert (ctx.report_dir / path).read_bytes()[:4] == b"\x89PNG"
    assert f"{summary['medians']['model_chi2']:.2f}" in section.text and "16.9 mmag" in section.text
    classes = {t.index.name: t for _, t in section.tables}
    assert set(classes["class"].index) == {"CEP", "RRLYR", "ECL", "all"}
