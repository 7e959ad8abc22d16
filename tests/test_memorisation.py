"""Memorisation check: shapes on a common phase grid, nearest training shapes, the section."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from varsynth.evaluation.context import EvalContext
from varsynth.evaluation.curves import real_curves
from varsynth.evaluation.memorisation import (
    GRID_POINTS,
    evaluate_memorisation,
    memorisation_table,
    nearest_by_class,
    nearest_distances,
    shape_matrix,
    shape_on_grid,
)


def _sine(shift: float = 0.0, n: int = 150, seed: int = 0, semi: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    phase = np.sort(np.random.default_rng(seed).uniform(0, 1, n))
    return phase, 15.0 + semi * np.sin(2 * math.pi * (phase - shift))


def test_shape_is_zero_mean_unit_peak_to_peak_and_scale_free():
    phase, mag = _sine()
    shape = shape_on_grid(phase, mag)
    assert shape.shape == (GRID_POINTS,)
    assert shape.mean() == pytest.approx(0, abs=1e-12) and np.ptp(shape) == pytest.approx(1, abs=1e-3)
    grid = np.arange(GRID_POINTS) / GRID_POINTS
    np.testing.assert_allclose(shape, 0.5 * np.sin(2 * math.pi * grid), atol=1e-9)
    np.testing.assert_allclose(shape_on_grid(phase, 3.0 * mag + 2.0), shape, atol=1e-9)  # amplitude and offset drop
    assert np.isnan(shape_on_grid(phase[:8], mag[:8])).all()  # too few points for an order-4 series
    assert np.isnan(shape_on_grid(phase, np.full(phase.size, 15.0))).all()  # flat
    with pytest.raises(ValueError, match="same shape"):
        shape_on_grid(phase, mag[:-1])


def test_distance_known_answers():
    base = shape_on_grid(*_sine())
    quarter = shape_on_grid(*_sine(shift=0.25, seed=1))
    mirror = shape_on_grid(_sine(seed=2)[0], 30.0 - _sine(seed=2)[1])
    distance, index = nearest_distances(np.vstack([quarter, mirror]), base[None, :])
    assert distance == pytest.approx([0.5, 1 / math.sqrt(2)], abs=1e-6) and index.tolist() == [0, 0]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(3, 40))
def test_a_copy_of_a_training_curve_is_at_distance_zero(seed, n_train):
    rng = np.random.default_rng(seed)
    train = np.vstack(
        [shape_on_grid(*_sine(shift=rng.uniform(), seed=seed + i, semi=rng.uniform(0.1, 1))) for i in range(n_train)]
    )
    k = int(rng.integers(n_train))
    distance, index = nearest_distances(train[k][None, :], train)
    assert distance[0] == 0.0 and (index[0] == k or np.array_equal(train[index[0]], train[k]))


def test_a_copied_light_curve_is_at_zero_and_a_new_star_is_not(tiny_dataset):
    train = real_curves(tiny_dataset, "train")
    test = real_curves(tiny_dataset, "test")
    shapes = shape_matrix(train)
    copied = train.iloc[[5]]
    distance, index = nearest_by_class(shape_matrix(copied), copied["vclass"], shapes, train["vclass"])
    assert distance[0] == 0.0 and index[0] == 5
    real, _ = nearest_by_class(shape_matrix(test), test["vclass"], shapes, train["vclass"])
    assert (real > 0.001).all()


def test_nearest_by_class_only_looks_within_the_class():
    a, b = shape_on_grid(*_sine()), shape_on_grid(*_sine(shift=0.5))
    distance, index = nearest_by_class(np.vstack([a, a]), np.array(["X", "Y"]), np.vstack([a, b]), np.array(["X", "Y"]))
    assert distance[0] == 0.0 and index.tolist() == [0, 1] and distance[1] == pytest.approx(1 / math.sqrt(2), abs=1e-6)
    distance, index = nearest_by_class(a[None, :], np.array(["Z"]), b[None, :], np.array(["Y"]))
    assert np.isnan(distance[0]) and index[0] == -1


def test_table_flags_a_copying_generator():
    rng = np.random.default_rng(3)
    real = rng.uniform(0.05, 0.2, 1000)
    honest = rng.uniform(0.05, 0.2, 1000)
    copies = np.r_[np.zeros(100), rng.uniform(0.05, 0.2, 900)]  # 10% copied training curves
    classes = np.array(["A"] * 500 + ["B"] * 500)
    fair = memorisation_table(honest, classes, real, classes).set_index("class")
    copy = memorisation_table(copies, classes, real, classes).set_index("class")
    assert fair.loc["all", "generated below real p1"] == pytest.approx(0.01, abs=0.01)
    assert copy.loc["A", "generated below real p1"] >= 0.2  # the 100 copies are all in class A
    assert copy.loc["all", "generated p5"] == 0.0 and fair.loc["all", "median ratio"] == pytest.approx(1, abs=0.1)
    assert list(copy.index) == ["A", "B", "all"] and copy.loc["A", "n generated"] == 500


def test_section_on_the_tiny_dataset(tiny_dataset, default_model, tmp_path):
    ctx = EvalContext(
        model=default_model,
        label="default",
        dataset_dir=tiny_dataset,
        data_root=tmp_path,
        report_dir=tmp_path / "report",
        quick=True,
    )
    section = evaluate_memorisation(ctx)
    assert section.name == "memorisation"
    rows = {r["class"]: r for r in section.summary["per_class"]}
    assert set(rows) == set(ctx.test_real["vclass"]) | {"all"}
    assert rows["all"]["n generated"] == len(ctx.test_twins)
    assert 0 <= rows["all"]["generated below real p1"] <= 1 and rows["all"]["real median"] > 0
    assert f"{rows['all']['generated median']:.3f}" in section.text and "binomial error" in section.text
    closest = section.summary["closest_twin"]
    assert closest["distance"] <= min(r["generated p5"] for r in rows.values()) and closest["training_sample_id"]
    assert (ctx.report_dir / section.figures[0][1]).stat().st_size > 5000
