"""Generation of the classes whose M_G comes from a period relation (T2CEP, ACEP, ELL): the fill
rules of varsynth.generation.abs_mag and the commands a user types, with the embedded model."""

from __future__ import annotations

import math

import numpy as np
import pyarrow.parquet as pq
import pytest

from varsynth.cli import main
from varsynth.generation import StarRequest, generate_table
from varsynth.generation.abs_mag import ABS_MAG, fill_abs_mag
from varsynth.latent.catalog import PhysicsCatalog
from varsynth.physics.luminosity import class_luminosity


def _catalog(vclass: str, log_period: np.ndarray, abs_mag: np.ndarray) -> PhysicsCatalog:
    n = len(log_period)
    phys = np.column_stack([np.full(n, np.nan), abs_mag, log_period])
    return PhysicsCatalog(
        vclass=np.full(n, vclass, dtype=object),
        subtype=np.full(n, "", dtype=object),
        phys=phys,
        wave_eff=np.full(n, 800.0),
    )


def _drawn(log_period: float, n: int, abs_mag: float = np.nan) -> np.ndarray:
    return np.column_stack([np.full(n, np.nan), np.full(n, abs_mag), np.full(n, log_period)])


def test_class_without_training_abs_mag_gets_relation_draws_unconditioned() -> None:
    cat = _catalog("T2CEP", np.log10([2.0, 5.0, 9.0]), np.full(3, np.nan))
    out, uncond = fill_abs_mag(cat, "T2CEP", None, _drawn(np.log10(5.0), 4000), False, np.random.default_rng(0))
    est = class_luminosity("T2CEP").estimate(5.0)
    assert uncond.all()
    assert abs(out[:, ABS_MAG].mean() - est.value) < 4 * est.err / math.sqrt(4000)
    assert out[:, ABS_MAG].std() == pytest.approx(est.err, rel=0.05)


def test_catalog_of_relation_means_is_redrawn_with_scatter_and_conditioned() -> None:
    rel = class_luminosity("ELL")
    periods = np.array([0.3, 0.5, 1.0])
    cat = _catalog("ELL", np.log10(periods), rel.mean(periods))
    drawn = _drawn(np.log10(0.5), 3000, abs_mag=rel.estimate(0.5).value)  # as copied from the catalog
    out, uncond = fill_abs_mag(cat, "ELL", None, drawn, False, np.random.default_rng(1))
    assert not uncond.any()
    assert out[:, ABS_MAG].std() == pytest.approx(rel.estimate(0.5).err, rel=0.05)


def test_catalog_with_measured_abs_mag_keeps_it_and_fills_only_nan() -> None:
    cat = _catalog("ACEP", np.log10([1.0, 1.5]), np.array([-0.2, -1.9]))  # off the relation: measured
    drawn = np.vstack([_drawn(0.0, 2, abs_mag=-0.2), _drawn(0.0, 1)])
    out, uncond = fill_abs_mag(cat, "ACEP", None, drawn, False, np.random.default_rng(2))
    assert list(out[:2, ABS_MAG]) == [-0.2, -0.2] and math.isfinite(out[2, ABS_MAG]) and not uncond.any()


def test_other_classes_and_given_abs_mag_are_untouched_without_random_draws() -> None:
    cat = _catalog("RRLYR", np.log10([0.5]), np.array([np.nan]))
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    out, uncond = fill_abs_mag(cat, "RRLYR", None, _drawn(np.log10(0.5), 5), False, rng)
    assert np.isnan(out[:, ABS_MAG]).all() and not uncond.any()
    cat2 = _catalog("T2CEP", np.log10([5.0]), np.array([np.nan]))
    out2, _ = fill_abs_mag(cat2, "T2CEP", None, _drawn(np.log10(5.0), 5, abs_mag=-1.0), True, rng)
    assert (out2[:, ABS_MAG] == -1.0).all() and rng.bit_generator.state == state


# ------------------------------------------------------------------ with the embedded model


@pytest.mark.parametrize("vclass,period", [("T2CEP", 5.0), ("ACEP", 1.2), ("ELL", 0.4)])
def test_generated_abs_mag_has_the_relation_mean_and_scatter(default_model, vclass, period) -> None:
    n = 800
    table = generate_table(
        StarRequest(vclass, period=period),
        n=n,
        cadence="uniform",
        cadence_options={"n_epochs": 3},
        model=default_model,
        seed=5,
        chunk_size=n,
    )
    per_star = np.unique(np.asarray(table["id"]), return_index=True)[1]
    mags = np.asarray(table["abs_mag"])[per_star]
    est = class_luminosity(vclass).estimate(period)
    assert len(mags) == n and np.isfinite(mags).all()
    assert abs(mags.mean() - est.value) < 4 * est.err / math.sqrt(n)
    assert abs(mags.std(ddof=1) - est.err) < 4 * est.err / math.sqrt(2 * (n - 1))


@pytest.mark.parametrize("vclass", ["T2CEP", "ACEP", "ELL"])
def test_cli_generates_every_class_without_a_magnitude(tmp_path, capsys, vclass) -> None:
    out = tmp_path / f"{vclass}.parquet"
    assert main(["generate", "--class", vclass, "-n", "10", "-o", str(out), "--no-progress"]) == 0
    assert "10 stars" in capsys.readouterr().out
    table = pq.read_table(out).to_pandas()
    assert np.isfinite(table["mag"]).all() and np.isfinite(table["mag_err"]).all()
    stars = table.groupby("id").agg(
        abs_mag=("abs_mag", "first"), dm=("distance_modulus", "first"), period=("period", "first")
    )
    assert len(stars) == 10 and np.allclose(stars["dm"], 18.477)  # the LMC's, the documented default
    low, high = {"T2CEP": (-4.5, 1.5), "ACEP": (-2.5, 1.5), "ELL": (0.0, 9.0)}[vclass]
    assert stars["abs_mag"].between(low, high).all()
    relation = class_luminosity(vclass)
    z = (stars["abs_mag"] - relation.mean(stars["period"])) / [relation.estimate(p).err for p in stars["period"]]
    assert (np.abs(z) < 5).all()


@pytest.mark.parametrize("vclass,dm", [("T2CEP", 18.477), ("ACEP", 18.477), ("ELL", 10.0)])
def test_mean_apparent_magnitude_follows_abs_mag_and_distance(tmp_path, vclass, dm) -> None:
    # ELL are dwarfs (M_G ~ 5): at the LMC the OGLE errors swamp them, so place them at 1 kpc
    out = tmp_path / f"{vclass}.parquet"
    assert (
        main(
            [
                "generate",
                "--class",
                vclass,
                "-n",
                "10",
                "--distance-modulus",
                str(dm),
                "-o",
                str(out),
                "--no-progress",
                "--seed",
                "2",
            ]
        )
        == 0
    )
    table = pq.read_table(out).to_pandas()
    stars = table.groupby("id").agg(mag=("mag", "mean"), abs_mag=("abs_mag", "first"), n=("mag", "size"))
    # OGLE I band, no Teff for these classes (no colour term): mean I = M_G + mu within the
    # noise and the phase coverage of a few hundred epochs
    assert np.allclose(stars["mag"], stars["abs_mag"] + dm, atol=0.15)
