"""The latent-space section: KL, active dimensions, R^2, the pair plot, and a quick end-to-end run."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from varsynth.data.tensors import DataFilter
from varsynth.evaluation.context import EvalContext
from varsynth.evaluation.latent_space import (
    active_dimensions,
    encode_rows,
    evaluate_latent,
    link_scores,
    pair_plot,
    posterior_kl,
    r2_per_dimension,
)
from varsynth.evaluation.report import json_safe


def test_posterior_kl_known_values():
    mu = np.array([[0.0, 1.0, 0.0], [0.0, -1.0, 0.0]])
    sigma = np.array([[1.0, 1.0, math.exp(-1)], [1.0, 1.0, math.exp(-1)]])
    # KL(N(m, s^2) || N(0, 1)) = (m^2 + s^2 - 1) / 2 - log s
    np.testing.assert_allclose(posterior_kl(mu, sigma), [0.0, 0.5, 0.5 * (math.exp(-2) - 1) + 1])
    with pytest.raises(ValueError, match="sigma"):
        posterior_kl(mu, -sigma)
    with pytest.raises(ValueError, match="mu and sigma"):
        posterior_kl(mu, sigma[:, :2])


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (5, 3), elements=st.floats(-5, 5)), arrays(np.float64, (5, 3), elements=st.floats(0.01, 5)))
def test_posterior_kl_is_never_negative(mu, sigma):
    assert np.all(posterior_kl(mu, sigma) >= -1e-12)


def test_active_dimensions_count_on_means_of_known_variance():
    signs = np.tile([1.0, -1.0], 500)  # mean 0, variance exactly 1
    variances = np.array([1.0, 0.05, 0.011, 0.009, 0.001, 0.0])
    mu = signs[:, None] * np.sqrt(variances)[None, :] + 0.3  # an offset changes nothing
    active = active_dimensions(mu)
    assert active.tolist() == [True, True, True, False, False, False] and active.sum() == 3
    assert active_dimensions(mu, threshold=0.04).sum() == 2
    with pytest.raises(ValueError, match="N >= 2"):
        active_dimensions(mu[:1])


def test_r2_per_dimension_known_answers():
    target = np.array([[0.0, 0.0, 5.0], [1.0, 3.0, 5.0], [2.0, 6.0, 5.0]])
    overall, per = r2_per_dimension(target, target)
    assert overall == 1.0 and per[:2].tolist() == [1.0, 1.0] and math.isnan(per[2])
    mean = np.broadcast_to(target.mean(axis=0), target.shape)
    assert r2_per_dimension(target, mean)[0] == pytest.approx(0.0)
    # dimension 1 perfect, dimension 2 predicted by its mean: SST 2 and 18, SSE 0 and 18 -> 1 - 18 / 20
    pred = np.column_stack([target[:, 0], mean[:, 1], target[:, 2]])
    overall, per = r2_per_dimension(target, pred)
    assert overall == pytest.approx(0.1) and per[:2] == pytest.approx([1.0, 0.0])
    with pytest.raises(ValueError, match="target and pred"):
        r2_per_dimension(target, target[:, :2])


def test_link_scores_separate_active_and_collapsed_dimensions():
    rng = np.random.default_rng(0)
    target = np.column_stack([rng.normal(0, 1, 400), rng.normal(0, 0.01, 400)])
    one_draw = np.column_stack([target[:, 0], rng.normal(0, 1, 400)])  # right on the active one, noise on the other
    scores = link_scores(target, one_draw, target, np.array([True, False]))
    assert scores["R2 (point)"] == 1.0 and scores["R2 (one draw, active dims)"] == 1.0
    assert scores["R2 (one draw)"] < 0.2
    assert scores["RMSE (one draw)"] == pytest.approx(np.sqrt(np.mean((one_draw - target) ** 2)))
    assert math.isnan(link_scores(target, one_draw, target, np.array([False, False]))["R2 (point, active dims)"])


def _panels(fig):
    return [ax for ax in fig.axes if ax.get_label() != "colorbar"]


def test_pair_plot_has_the_lower_triangle_and_writes_a_png(tmp_path):
    rng = np.random.default_rng(1)
    mu = rng.normal(0, 1, (200, 4))
    teff = np.where(rng.uniform(size=200) < 0.2, np.nan, rng.uniform(3.6, 3.9, 200))
    fig = pair_plot(mu, teff, categorical=False, colour_label="log10 Teff (K)")
    assert len(_panels(fig)) == 10 and len(fig.axes) == 11  # 4 x 5 / 2 panels and a colour bar
    fig.savefig(tmp_path / "pairs.png")
    assert (tmp_path / "pairs.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    classes = np.array(["RRLYR", "CEP"] * 100)
    fig = pair_plot(mu, classes, categorical=True, colour_label="class")
    assert len(fig.axes) == 10 and [t.get_text() for t in fig.legends[0].get_texts()] == ["CEP", "RRLYR"]

    # more dimensions than shown: the most variable ones are kept
    wide = np.column_stack([mu, 0.01 * rng.normal(size=(200, 2))])
    fig = pair_plot(wide[:, [4, 0, 5, 1, 2, 3]], teff, categorical=False, colour_label="x", max_dims=4)
    assert len(_panels(fig)) == 10
    assert not any("mu_{1}" in ax.get_title() or "mu_{3}" in ax.get_title() for ax in fig.axes)
    with pytest.raises(ValueError, match="one colour per row"):
        pair_plot(mu, teff[:10], categorical=False, colour_label="x")


def test_encode_rows_selects_complete_training_curves(tiny_dataset, default_model):
    data, model = tiny_dataset, default_model
    enc = encode_rows(model.cvae, data, "train", DataFilter(), max_complete=5, seed=3)
    assert enc.mu.shape == (5, model.cvae.config.latent_dim) and enc.complete.all()
    assert len(enc.flow) == 5 and np.all(enc.sigma > 0)
    again = encode_rows(model.cvae, data, "train", DataFilter(), sample_ids=enc.meta["sample_id"].tolist())
    np.testing.assert_allclose(again.mu, enc.mu, atol=1e-5)


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
    section = evaluate_latent(ctx)
    assert section.name == "latent" and "latent space" in section.title
    summary = section.summary
    z = model.cvae.config.latent_dim
    assert summary["light_curves"] == len(ctx.test_real) and summary["latent_dim"] == z
    assert summary["headline"]["active latent dimensions"] == f"{summary['active_dimensions']}/{z}"
    assert {r["link"] for r in summary["links"]} == {"linear", "rf", "mlp", "flow"}
    assert math.isfinite(summary["flow_log_likelihood"]["test draws"])
    json.dumps(json_safe(summary))
    assert len(section.figures) == 2
    for _, path in section.figures:
        assert (ctx.report_dir / path).read_bytes()[:4] == b"\x89PNG"
    assert f"{summary['active_dimensions']} are active" in section.text
