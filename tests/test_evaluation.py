"""Reconstruction metrics, model card and comparison tables on a tiny trained run."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from helpers import write_tiny_dataset

from varsynth.evaluation.card import write_model_card
from varsynth.evaluation.compare import write_comparison
from varsynth.evaluation.reconstruction import fourier_fit, summarise_reconstruction
from varsynth.training.config import load_train_config
from varsynth.training.fit import fit

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_fourier_fit_recovers_a_pure_sinusoid_exactly():
    phase = np.linspace(0, 1, 200, endpoint=False)
    mag = 15.0 + 0.3 * np.cos(2 * math.pi * phase) - 0.1 * np.sin(6 * math.pi * phase)
    fitted = fourier_fit(phase, mag, np.full(200, 0.01), order=4)
    np.testing.assert_allclose(fitted, mag, atol=1e-10)
    # an order-1 fit misses the third harmonic: residual RMS = 0.1 / sqrt(2)
    res = mag - fourier_fit(phase, mag, np.full(200, 0.01), order=1)
    assert np.sqrt(np.mean(res**2)) == pytest.approx(0.1 / math.sqrt(2), rel=1e-6)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    data = write_tiny_dataset(root / "data")
    cfg = load_train_config(ROOT / "configs" / "train" / "default.yaml")
    cfg = replace(cfg, flow=replace(cfg.flow, epochs=2, hidden=16, transforms=1))
    fit(cfg, data, root / "run", max_epochs=2, progress=False)
    return data, root / "run"


def test_fit_records_its_budget_and_the_report_reads_it(tiny_run):
    import json

    import torch

    from varsynth.bundle import read_manifest
    from varsynth.evaluation.budget import training_budget

    _, run = tiny_run
    summary = json.loads((run / "fit.json").read_text())
    assert summary["torch_threads"] == torch.get_num_threads()
    # the whole call, network and flow: more than the network's epochs alone
    assert summary["train_wall_seconds"] > summary["epochs"] * summary["seconds_per_epoch"] > 0
    budget = training_budget(read_manifest(run / "bundle").metadata)
    assert budget["train_wall_seconds"] == summary["train_wall_seconds"] and budget["epochs"] == 2
    assert budget["flow_epochs"] is not None and budget["max_epochs"] == 2


def test_model_card_has_measured_sections(tiny_run):
    data, run = tiny_run
    text = write_model_card(run, data).read_text()
    for heading in ("## Training data", "## Training recipe", "## Metrics (measured)", "## Known limits"):
        assert heading in text
    assert "| CEP |" in text and "| all |" in text and "nan" not in text.split("## Known limits")[0].lower()
    # written again over itself, the same card: the size it states leaves out its own files
    assert write_model_card(run, data).read_text() == text


def test_comparison_tables(tiny_run, tmp_path):
    data, run = tiny_run
    result = write_comparison([run], data, tmp_path / "cmp.md", latent_run=run)
    text = (tmp_path / "cmp.md").read_text()
    assert "| default | fourier | periodic |" in text and "order-4 Fourier" in text
    links = {r["link"] for r in result["latent_links"]}
    assert {"linear", "rf", "mlp", "flow (val)", "flow (test)"} <= links
    assert result["decoders"][0]["decode_100x300_seconds"] > 0


def test_summary_has_an_all_row():
    import pandas as pd

    rows = pd.DataFrame(
        {
            "vclass": ["A", "A", "B"],
            "model_chi2": [1.0, 3.0, 5.0],
            "model_rms_mmag": [1, 2, 3],
            "fourier_chi2": [1, 1, 1],
            "fourier_rms_mmag": [1, 1, 1],
        }
    )
    summary = summarise_reconstruction(rows)
    assert summary.loc["A", "model_chi2"] == 2.0 and summary.loc["all", "n"] == 3


def test_the_card_keeps_the_noise_record_without_its_residual_libraries():
    from varsynth.evaluation.card import _noise_summary

    library = {"probabilities": [0.1, 0.9], "scale": [1.0], "scatter": [0.01], "shape": [[-1.0, 1.0]]}
    record = {"scale_quantiles": [1.0, 2.0], "nu": 4.0, "library": library}
    noise = {"ogle3": {"I": {**record, "classes": {"CEP": dict(record)}}}}
    out = _noise_summary(noise)
    assert out == {
        "ogle3": {
            "I": {
                "scale_quantiles": [1.0, 2.0],
                "nu": 4.0,
                "classes": {"CEP": {"scale_quantiles": [1.0, 2.0], "nu": 4.0}},
            }
        }
    }
    assert "library" in noise["ogle3"]["I"]["classes"]["CEP"]  # the record itself is left as it was
