"""Shape statistics: circular handling, distance tables with noise floors, OGLE-III catalog, section."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers import write_tiny_dataset
from hypothesis import given, settings
from hypothesis import strategies as st

from varsynth.evaluation.context import EvalContext
from varsynth.evaluation.distances import distance, ideal_ratio_draws, noise_floor
from varsynth.evaluation.shapes import (
    catalog_comparison,
    catalog_fourier,
    center_angles,
    circular_mean,
    evaluate_shapes,
    matched_noise_floor,
    shape_distance_table,
)
from varsynth.generation.model import load_model

TWO_PI = 2 * math.pi


def _frame(values: dict[str, np.ndarray], group: str = "A") -> pd.DataFrame:
    n = len(next(iter(values.values())))
    return pd.DataFrame({"group": [group] * n, **values})


def test_circular_mean_and_centring_handle_the_wrap():
    angles = np.array([0.1, 0.2, TWO_PI - 0.1, TWO_PI - 0.2])
    mean = circular_mean(angles)
    assert min(mean, TWO_PI - mean) < 1e-12  # 0, not the arithmetic mean pi
    assert circular_mean(np.array([1.0, 1.2, np.nan])) == pytest.approx(1.1)
    centred = center_angles(angles, mean)
    np.testing.assert_allclose(np.sort(centred), [-0.2, -0.1, 0.1, 0.2], atol=1e-12)
    wide = center_angles(np.linspace(0, 20, 500), 3.0)
    assert wide.min() >= -math.pi and wide.max() < math.pi
    with pytest.raises(ValueError, match="angles"):
        circular_mean(np.array([np.nan]))


def test_identical_samples_are_at_distance_zero():
    rng = np.random.default_rng(1)
    values = {"amplitude": rng.uniform(0.1, 1, 200), "phi21": rng.uniform(0, TWO_PI, 200)}
    table = shape_distance_table(_frame(values), _frame(values), ["group"], ["amplitude", "phi21"], min_count=20)
    assert list(table["parameter"]) == ["amplitude", "phi21"]
    np.testing.assert_allclose(table["wasserstein"], 0.0, atol=1e-12)
    assert (table["floor"] > 0).all() and (table["ratio"] == 0).all()
    np.testing.assert_allclose(table["median_real"], table["median_gen"], atol=1e-12)


@pytest.mark.parametrize("kind", ["wasserstein", "energy"])
def test_a_shifted_sample_is_at_its_shift(kind):
    rng = np.random.default_rng(2)
    x = rng.normal(0.5, 0.1, 300)
    table = shape_distance_table(_frame({"R21": x}), _frame({"R21": x + 0.3}), ["group"], ["R21"], kind, 20)
    if kind == "wasserstein":
        assert table.loc[0, "wasserstein"] == pytest.approx(0.3, rel=1e-9)
    else:  # a pure shift in energy distance is sqrt(2 E|X - Y - c| - E|X - X'| - E|Y - Y'|) > 0
        assert table.loc[0, "energy"] == pytest.approx(distance(x, x + 0.3, "energy"))
    assert table.loc[0, "median_gen"] - table.loc[0, "median_real"] == pytest.approx(0.3)
    assert table.loc[0, "ratio"] > 5


def test_angles_across_zero_are_close_and_shift_by_their_angular_difference():
    rng = np.random.default_rng(3)
    below, above = rng.uniform(TWO_PI - 0.2, TWO_PI, 400), rng.uniform(0, 0.2, 400)  # 0.2 rad apart on the circle
    assert distance(below, above) > 5  # on the raw values they look 2 pi - 0.2 apart
    table = shape_distance_table(_frame({"phi21": below}), _frame({"phi21": above}), ["group"], ["phi21"])
    assert table.loc[0, "wasserstein"] == pytest.approx(0.2, abs=0.02)
    real = np.mod(rng.uniform(-0.3, 0.3, 400), TWO_PI)  # half just above 0, half just below 2 pi
    same = np.mod(rng.uniform(-0.3, 0.3, 400), TWO_PI)
    table = shape_distance_table(_frame({"phi21": real}), _frame({"phi21": same}), ["group"], ["phi21"])
    assert table.loc[0, "wasserstein"] < 0.05 and table.loc[0, "ratio"] < 2
    shifted = np.mod(real + 0.25, TWO_PI)
    table = shape_distance_table(_frame({"phi21": real}), _frame({"phi21": shifted}), ["group"], ["phi21"])
    assert table.loc[0, "wasserstein"] == pytest.approx(0.25, rel=1e-9)
    assert table.loc[0, "median_gen"] - table.loc[0, "median_real"] == pytest.approx(0.25, abs=0.02)
    assert 0 <= table.loc[0, "median_real"] < TWO_PI


@settings(max_examples=25, deadline=None)
@given(st.floats(0, TWO_PI), st.integers(0, 1000))
def test_angle_distance_does_not_depend_on_the_zero_of_phase(rotation, seed):
    rng = np.random.default_rng(seed)
    real, gen = rng.vonmises(1.0, 2.0, 60) % TWO_PI, rng.vonmises(1.8, 1.0, 50) % TWO_PI
    base = shape_distance_table(_frame({"phi31": real}), _frame({"phi31": gen}), ["group"], ["phi31"])
    turned = shape_distance_table(
        _frame({"phi31": (real + rotation) % TWO_PI}),
        _frame({"phi31": (gen + rotation) % TWO_PI}),
        ["group"],
        ["phi31"],
    )
    assert turned.loc[0, "wasserstein"] == pytest.approx(base.loc[0, "wasserstein"], abs=1e-9)
    assert turned.loc[0, "floor"] == pytest.approx(base.loc[0, "floor"], abs=1e-9)


def test_noise_floor_is_positive_shrinks_with_size_and_equals_halves_for_equal_sizes():
    rng = np.random.default_rng(4)
    small, big = rng.normal(0, 1, 100), rng.normal(0, 1, 10_000)
    f_small, f_big = matched_noise_floor(small, 100), matched_noise_floor(big, 10_000)
    assert 0 < f_big < f_small / 5  # ~ 1 / sqrt(n): 10x smaller for 100x more values
    assert matched_noise_floor(small, 100) == pytest.approx(noise_floor(small), rel=0.3)  # two random halves
    # a generated-sized part of a big sample: the floor of a 100-vs-9900 comparison, not of halves
    assert matched_noise_floor(big, 100) > 3 * matched_noise_floor(big, 10_000)
    with pytest.raises(ValueError, match="at least 4"):
        matched_noise_floor(np.array([1.0, 2.0, np.nan]), 10)


def test_groups_by_several_columns_and_skips_thin_ones():
    rng = np.random.default_rng(5)
    real = pd.DataFrame(
        {"vclass": ["CEP"] * 30 + ["RRLYR"] * 8, "subtype": ["F"] * 30 + ["RRab"] * 8, "R21": rng.uniform(0, 1, 38)}
    )
    gen = real.assign(R21=real["R21"] + 0.1)
    gen.loc[0, "R21"] = np.nan
    table = shape_distance_table(real, gen, ["vclass", "subtype"], ["R21"], min_count=20)
    assert table[["vclass", "subtype", "n_real", "n_gen"]].values.tolist() == [["CEP", "F", 30, 29]]
    with pytest.raises(ValueError, match="kind"):
        shape_distance_table(real, gen, ["vclass"], ["R21"], kind="ks")
    with pytest.raises(ValueError, match="min_count"):
        shape_distance_table(real, gen, ["vclass"], ["R21"], min_count=2)
    with pytest.raises(ValueError, match="missing"):
        shape_distance_table(real, gen, ["vclass"], ["R31"])


def _catalog(rng: np.random.Generator) -> pd.DataFrame:
    """A synthetic OGLE-III catalog: LMC CEP F, DSCT rows with swapped R21/phi21, RRc with
    unfitted harmonics, an SMC star, a subtype the model lacks (RRd) and a class-level T2CEP."""
    rows = []

    def add(n, vclass, sub, field="LMC100.1", **cols):
        for i in range(n):
            row = {
                "ID": f"{vclass}-{sub}-{field}-{i}",
                "Field": field,
                "vclass": vclass,
                "subtype_norm": sub,
                "I": rng.uniform(15, 17),
                "A_1": rng.uniform(0.2, 0.6),
                "R21_1": rng.uniform(0.3, 0.5),
                "phi21_1": rng.uniform(4.3, 4.7),
                "R31_1": rng.uniform(0.1, 0.3),
                "phi31_1": rng.uniform(2.5, 3),
            }
            row.update({k: (v[i] if isinstance(v, np.ndarray) else v) for k, v in cols.items()})
            rows.append(row)

    add(25, "CEP", "F")
    add(3, "CEP", "F", field="SMC100.1")
    add(
        15,
        "DSCT",
        "S",
        R21_1=rng.uniform(3.5, 4.5, 15),
        phi21_1=rng.uniform(0.1, 0.6, 15),
        R31_1=np.nan,
        phi31_1=np.nan,
    )
    add(
        12,
        "RRLYR",
        "RRc",
        R31_1=np.r_[np.zeros(6), rng.uniform(0.05, 0.1, 6)],
        phi31_1=np.r_[np.full(6, np.nan), rng.uniform(2, 4, 6)],
    )
    add(12, "RRLYR", "RRd")
    add(14, "T2CEP", "BLHer")
    add(3, "LPV", "Mira", R21_1=np.nan, phi21_1=np.nan, R31_1=np.nan, phi31_1=np.nan)
    return pd.DataFrame(rows)


def test_catalog_fourier_keeps_lmc_and_fixes_the_catalog_quirks():
    cat = _catalog(np.random.default_rng(6))
    stars, notes = catalog_fourier(cat)
    assert not stars["ID"].str.contains("SMC").any() and len(stars) == len(cat) - 3
    dsct = stars[stars["vclass"] == "DSCT"]
    assert dsct["R21"].max() < 1 and dsct["phi21"].min() > 3  # swapped back
    cep = stars[stars["vclass"] == "CEP"]
    assert cep["R21"].between(0.3, 0.5).all()  # untouched
    rrc = stars[stars["subtype"] == "RRc"]
    assert rrc["R31"].isna().sum() == 6 and rrc["R31"].notna().sum() == 6
    assert any("DSCT" in n for n in notes) and any("R31 = 0" in n and "6 LMC" in n for n in notes)
    with pytest.raises(ValueError, match="A_1"):
        catalog_fourier(cat.drop(columns=["A_1"]))


@pytest.fixture(scope="module")
def model():
    return load_model("default")


def test_catalog_comparison_generates_the_groups_the_model_has(model):
    cat = _catalog(np.random.default_rng(7))
    result = catalog_comparison(model, cat, n=15, min_count=10, seed=1)
    groups = set(result.table["group"])
    assert {"CEP F", "RRLYR RRc", "T2CEP (all subtypes)", "DSCT (all subtypes)"} <= groups
    assert not any("RRd" in g for g in groups)
    notes = " ".join(result.notes)
    assert "not trained on: RRLYR RRd" in notes and "LPV Mira: 3 catalog stars" in notes
    assert "without a subtype (the model was trained on none of their catalog subtypes): DSCT, T2CEP" in notes
    assert (result.generated.groupby("group").size() == 15).all()
    cep = result.table[(result.table["group"] == "CEP F") & (result.table["parameter"] == "R21")].iloc[0]
    assert cep["n_real"] == 25 and cep["n_gen"] == 15 and cep["floor"] > 0
    assert result.table.loc[result.table["group"] == "DSCT (all subtypes)", "parameter"].tolist() == [
        "amplitude",
        "R21",
        "phi21",
    ]


def test_catalog_comparison_without_enough_stars_gives_an_empty_table(model):
    cat = _catalog(np.random.default_rng(9))
    result = catalog_comparison(model, cat[cat["vclass"] == "LPV"], n=5, min_count=10)
    assert result.table.empty and result.generated.empty and "LPV Mira: 3 catalog stars" in " ".join(result.notes)


def test_section_end_to_end(model, tmp_path):
    data = write_tiny_dataset(tmp_path / "data", stars_per_class=60)
    ctx = EvalContext(
        model=model,
        label="default",
        dataset_dir=data,
        data_root=tmp_path / "nodata",
        report_dir=tmp_path / "report",
        quick=True,
    )
    ctx.ogle3_catalog = _catalog(np.random.default_rng(8))  # a small synthetic catalog instead of the real one
    section = evaluate_shapes(ctx)
    assert section.name == "shapes" and "Shape statistics" in section.title
    (_, held), (_, cat) = section.tables
    assert {"CEP (no subtype)", "RRLYR (no subtype)", "ECL (no subtype)"} <= set(held["group"])
    assert list(held.columns) == [
        "group",
        "parameter",
        "n_real",
        "n_gen",
        "median_real",
        "median_gen",
        "wasserstein",
        "floor",
        "ratio",
        "ideal generator ratio",
    ]
    ratio = section.summary["heldout"]["median_ratio"]
    assert ratio == pytest.approx(held["ratio"].median()) and f"{ratio:.2f}" in section.text
    # twins as many as the real stars: an ideal generator scores about 0.7 of the halves floor, printed beside
    ideal = section.summary["heldout"]["ideal_median_ratio"]
    assert 0.5 < ideal < 0.95 and f"an ideal generator: {ideal:.2f}" in section.text
    assert section.summary["headline_reference"]["held-out W1 / floor (median)"] == f"{ideal:.2f} (ideal generator)"
    assert "ideal_draws" not in section.summary["heldout"]["groups"]["CEP (no subtype)"]["R21"]
    assert section.summary["heldout"]["groups"]["CEP (no subtype)"]["R21"]["energy"] > 0
    assert "CEP F" in set(cat["group"]) and section.summary["catalog"]["n_generated_per_group"] == 60
    assert set(section.summary["headline"]) == {"held-out W1 / floor (median)", "OGLE-III W1 / floor (median)"}
    assert "RRLYR RRd" in section.text  # the catalog notes reach the text
    assert len(section.figures) == 3
    for _, rel in section.figures:
        assert (ctx.report_dir / rel).stat().st_size > 10_000


def test_section_without_catalog_or_large_groups(model, tmp_path):
    data = write_tiny_dataset(tmp_path / "data", stars_per_class=12)  # 2-3 held-out stars per class
    ctx = EvalContext(
        model=model,
        label="tiny",
        dataset_dir=data,
        data_root=tmp_path / "nodata",
        report_dir=tmp_path / "report",
        quick=True,
    )
    section = evaluate_shapes(ctx)
    assert section.tables[0][1].empty and not section.figures
    assert section.summary["catalog"] == {"skipped": "OGLE-III catalog not found"}
    assert "no group had enough" in section.text and "catalog comparison skipped" in section.text


def test_noise_floor_keeps_a_stars_light_curves_on_one_side():
    # every star twice (its I and V light curves with the same value): split by light curve, the halves share
    # stars and look closer than independent samples; split by star they do not
    rng = np.random.default_rng(5)
    values = rng.normal(0, 1, 200)
    twice, stars = np.repeat(values, 2), np.repeat(np.arange(200), 2)
    by_curve = matched_noise_floor(twice, 400)
    by_star = matched_noise_floor(twice, 400, groups=stars)
    assert by_star > 1.2 * by_curve
    assert by_star == pytest.approx(matched_noise_floor(values, 200), rel=0.3)


def test_catalog_like_samples_follow_the_catalog_periods():
    from varsynth.evaluation.shapes import _period_matched
    from varsynth.generation.model import load_model

    model = load_model("default")
    periods = np.array([0.5, 0.6, 0.7, 50.0])  # the last is far outside the RRab training range
    gen, clipped = _period_matched(model, "RRLYR", "RRab", periods, 40, 3, (15.0, 19.0), "RRab")
    assert len(gen) == 40 and gen["star_key"].is_unique
    lo, hi = model.catalog.ranges("RRLYR", "RRab")["log10_period"]
    logp = np.log10(gen["period"].to_numpy())
    assert ((logp >= lo) & (logp <= hi)).all()
    assert 0 < clipped < 40  # the 50-day draws, about a quarter
    assert np.isclose(gen["period"], 0.6, rtol=1e-6).any() and np.isclose(gen["period"], 0.5, rtol=1e-6).any()


@pytest.mark.parametrize("n_real, n_gen", [(300, 300), (3000, 150)])
def test_ideal_generator_ratio_matches_independent_samples_of_one_distribution(n_real, n_gen):
    # the null by brute force: fresh real and generated samples of one distribution, the model's ratio on each
    rng = np.random.default_rng(11)
    brute = []
    for i in range(150):
        real, gen = rng.gamma(2.0, size=n_real), rng.gamma(2.0, size=n_gen)
        brute.append(distance(gen, real) / matched_noise_floor(real, n_gen, seed=i))
    # the same from one real sample only, by resampling it
    ideal = np.mean([ideal_ratio_draws(rng.gamma(2.0, size=n_real), n_gen, draws=30, seed=s).mean() for s in range(4)])
    assert ideal == pytest.approx(np.mean(brute), rel=0.1)
    # not 1: about 1/sqrt(2) for equal sizes (halves floor), about 1 for a small generated sample
    assert (0.6 < ideal < 0.85) if n_real == n_gen else (0.9 < ideal < 1.2)


def test_ideal_generator_ratio_keeps_groups_together_and_refuses_tiny_samples():
    rng = np.random.default_rng(12)
    values = rng.normal(0, 1, 200)
    twice, stars = np.repeat(values, 2), np.repeat(np.arange(200), 2)
    grouped = ideal_ratio_draws(twice, 400, groups=stars, draws=40).mean()
    assert grouped == pytest.approx(ideal_ratio_draws(values, 200, draws=40).mean(), rel=0.15)
    with pytest.raises(ValueError, match="at least 4"):
        ideal_ratio_draws(np.array([1.0, 2.0, 3.0]), 3)
    with pytest.raises(ValueError, match="draws must be >= 1"):
        ideal_ratio_draws(values, 10, draws=0)


def test_table_gives_the_ideal_ratio_only_when_asked():
    rng = np.random.default_rng(13)
    real = pd.DataFrame({"group": ["A"] * 200, "R21": rng.uniform(0, 1, 200)})
    gen = pd.DataFrame({"group": ["A"] * 200, "R21": rng.uniform(0, 1, 200)})
    assert "ideal_ratio" not in shape_distance_table(real, gen, ["group"], ["R21"])
    table = shape_distance_table(real, gen, ["group"], ["R21"], ideal_draws=5)
    assert len(table["ideal_draws"].iloc[0]) == 5 and table["ideal_ratio"].iloc[0] == pytest.approx(
        np.mean(table["ideal_draws"].iloc[0])
    )
