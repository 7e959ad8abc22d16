"""Physics-to-latent regressors: known answers, the dummy dimension, the split, storage, end to end."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import skops.io as sio

from varsynth.bundle import load_bundle, read_manifest
from varsynth.cli import main
from varsynth.config import DataConfig
from varsynth.data.build import make_samples, samples_table
from varsynth.data.io import read_split, write_parquet
from varsynth.data.samples import clean_lightcurve
from varsynth.data.split import SPLITS, split_stars
from varsynth.data.tensors import physics_matrix
from varsynth.latent.encode import PHYS_COLUMNS, encode_split
from varsynth.latent.regressors import (
    RegressionSettings,
    RegressorError,
    augment_dummy,
    check_disjoint,
    evaluate_regressors,
    fit_regressors,
    load_regressors,
    predict_latent,
    regress_bundle,
    save_regressors,
    transform_physics,
    usable_mask,
)
from varsynth.lightcurve import LightCurve, PhysParam
from varsynth.models.config import ModelConfig
from varsynth.surveys.skips import SkipLog
from varsynth.taxonomy import CLASSES
from varsynth.training.config import OptimConfig, TrainConfig
from varsynth.training.fit import fit

FAST = RegressionSettings(n_copies=10, n_draws=5, rf_trees=10, mlp_hidden=(16,), mlp_max_iter=50)
N_CLASSES = len(CLASSES)


def _objects(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Transformed physics (log10 Teff, M_G, log10 P) and classes of ``n`` random objects."""
    rng = np.random.default_rng(seed)
    phys = np.column_stack([rng.uniform(3.6, 3.9, n), rng.uniform(-3, 2, n), rng.uniform(-0.5, 1.5, n)])
    return phys, rng.choice([1, 3, 6], n)


def _linear_latent(phys: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """A latent space (N, 4) that is an exact linear function of the physics and the class."""
    a = np.array([[10.0, -2.0, 0.5, 1.0], [0.3, 1.0, -0.7, 0.0], [1.0, 0.5, 2.0, -1.5]])
    return phys @ a + np.eye(N_CLASSES)[classes][:, :4] * 0.8


# --- the dummy dimension ----------------------------------------------------------------------


def test_augment_dummy_shapes_and_pairing():
    n, z, copies, draws = 3, 2, 6, 3
    x = np.arange(n * 2, dtype=float).reshape(n, 2)
    mu = np.array([[0.0, 0.0], [10.0, 10.0], [-5.0, 5.0]])
    inputs, targets, owner = augment_dummy(
        x, mu, np.ones((n, z)), n_copies=copies, n_draws=draws, rng=np.random.default_rng(0)
    )
    assert inputs.shape == (n * copies, 3) and targets.shape == (n * copies, z)
    np.testing.assert_array_equal(owner, np.repeat(np.arange(n), copies))
    np.testing.assert_array_equal(inputs[:, :2], np.repeat(x, copies, axis=0))
    u = inputs[:, 2]
    assert np.all((u >= 0) & (u < 1)) and np.unique(u).size == u.size  # every copy its own u
    for i in range(n):
        t = targets[owner == i]
        # copy k carries draw k mod n_draws: each draw used n_copies / n_draws times
        np.testing.assert_array_equal(t[:draws], t[draws:])
        assert np.unique(t, axis=0).shape[0] == draws
    # draws come from the object's own N(mu, sigma)
    assert np.all(np.abs(targets - mu[owner]) < 6)


def test_augment_dummy_without_spread_gives_the_mean():
    mu = np.random.default_rng(1).normal(size=(5, 4))
    _, targets, owner = augment_dummy(
        np.zeros((5, 1)), mu, np.zeros((5, 4)), n_copies=4, n_draws=2, rng=np.random.default_rng(0)
    )
    np.testing.assert_array_equal(targets, mu[owner])


def test_settings_refuse_copies_not_a_multiple_of_draws():
    with pytest.raises(RegressorError, match="multiple"):
        RegressionSettings(n_copies=15, n_draws=10)


# --- known answers ----------------------------------------------------------------------------


def test_linear_latent_gives_r2_one_and_random_latent_r2_zero():
    phys, classes = _objects(300, seed=0)
    test_phys, test_classes = _objects(200, seed=1)
    mu = _linear_latent(phys, classes)
    reg, info = fit_regressors(phys, classes, mu, np.full_like(mu, 1e-6), n_classes=N_CLASSES, settings=FAST)
    assert set(reg.models) == {"linear", "rf", "mlp"} and info["linear"]["rows"] == 300 * 10
    m = evaluate_regressors(reg, test_phys, test_classes, _linear_latent(test_phys, test_classes), seed=0)
    assert m["linear"]["r2"] > 0.9999 and m["linear"]["rmse"] < 1e-3
    assert min(m["linear"]["r2_per_dim"]) > 0.9999
    assert m["rf"]["r2"] > 0.9  # a smooth function is learnt by the others too
    assert m["linear"]["r2_mean_dummy"] > 0.9999
    assert len(m["rf"]["rmse_per_dim"]) == 4

    rng = np.random.default_rng(2)
    noise = rng.normal(size=mu.shape)
    reg, _ = fit_regressors(
        phys, classes, noise, np.full_like(mu, 0.5), n_classes=N_CLASSES, names=["linear"], settings=FAST
    )
    m = evaluate_regressors(reg, test_phys, test_classes, rng.normal(size=(200, 4)), seed=0)
    assert abs(m["linear"]["r2"]) < 0.1 and abs(m["linear"]["r2_mean_dummy"]) < 0.1
    assert m["linear"]["rmse"] == pytest.approx(1.0, abs=0.15)


def test_transform_matches_physics_matrix():
    natural = np.array([[6000.0, -1.5, 0.55], [7500.0, 0.3, 12.0]])
    table = pa.table(
        {
            "teff": natural[:, 0],
            "teff_source": ["gaia"] * 2,
            "abs_mag": natural[:, 1],
            "abs_mag_source": ["derived"] * 2,
            "period": natural[:, 2],
            "period_source": ["catalog"] * 2,
        }
    )
    values, _ = physics_matrix(table, ("teff", "abs_mag", "period"))
    np.testing.assert_allclose(transform_physics(natural), values)
    with pytest.raises(RegressorError):
        transform_physics([[-10.0, 1.0, 1.0]])


def test_predict_latent_dummy_gives_diversity_and_refuses_unseen_classes():
    phys, classes = _objects(60, seed=3)
    mu = _linear_latent(phys, classes)
    reg, _ = fit_regressors(
        phys, classes, mu, np.ones_like(mu), n_classes=N_CLASSES, names=["rf", "linear"], settings=FAST
    )
    star = [6500.0, -1.0, 2.0]
    a = predict_latent(reg, "rf", star, 6, np.random.default_rng(0))
    b = predict_latent(reg, "rf", star, 6, np.random.default_rng(1))
    assert a.shape == (1, 4) and not np.allclose(a, b)
    many = predict_latent(reg, "linear", np.tile(star, (5, 1)), [6] * 5, np.random.default_rng(0))
    assert many.shape == (5, 4)
    with pytest.raises(RegressorError, match="no fitting objects"):
        predict_latent(reg, "rf", star, 0, np.random.default_rng(0))
    with pytest.raises(RegressorError, match="no 'mlp'"):
        predict_latent(reg, "mlp", star, 6, np.random.default_rng(0))


def test_check_disjoint_refuses_a_shared_star():
    check_disjoint(["a", "b"], ["c"])
    with pytest.raises(RegressorError, match="both"):
        check_disjoint(["a", "b"], ["b", "c"])


# --- storage ----------------------------------------------------------------------------------


class Untrusted:
    """A type skops does not trust."""


def _fake_bundle(path: Path) -> Path:
    path.mkdir()
    (path / "model.safetensors").write_bytes(b"weights")
    return path


def test_save_load_round_trip_gives_identical_predictions(tmp_path):
    bundle = _fake_bundle(tmp_path / "bundle")
    phys, classes = _objects(80, seed=4)
    mu = _linear_latent(phys, classes)
    reg, _ = fit_regressors(phys, classes, mu, np.full_like(mu, 0.3), n_classes=N_CLASSES, settings=FAST)
    report = {"metrics": {"linear": {"rmse": 0.1}}}
    save_regressors(bundle, reg, report)
    loaded, loaded_report = load_regressors(bundle)
    assert loaded_report == report and loaded.fit_classes == (1, 3, 6)
    test_phys = np.column_stack([10 ** phys[:, 0], phys[:, 1], 10 ** phys[:, 2]])
    for name in ("linear", "rf", "mlp"):
        np.testing.assert_array_equal(
            predict_latent(reg, name, test_phys, classes, np.random.default_rng(5)),
            predict_latent(loaded, name, test_phys, classes, np.random.default_rng(5)),
        )

    # a file with a type outside the trusted list is refused, even with a matching checksum
    info = json.loads((bundle / "regressors.json").read_text())
    sio.dump({"x": Untrusted()}, bundle / "regressor-linear.skops")
    import hashlib

    info["files"]["linear"]["sha256"] = hashlib.sha256((bundle / "regressor-linear.skops").read_bytes()).hexdigest()
    (bundle / "regressors.json").write_text(json.dumps(info))
    with pytest.raises(RegressorError, match="not trusted"):
        load_regressors(bundle)

    # regressors of other weights than the bundle's are stale
    (bundle / "model.safetensors").write_bytes(b"retrained")
    with pytest.raises(RegressorError, match="other weights"):
        load_regressors(bundle)


def test_load_without_regressors_says_what_to_do(tmp_path):
    with pytest.raises(RegressorError, match="varsynth regress"):
        load_regressors(_fake_bundle(tmp_path / "b"))


# --- end to end on a tiny dataset and a tiny model --------------------------------------------


def _lightcurve(star: str, vclass: str, band: str, seed: int) -> LightCurve:
    rng = np.random.default_rng(seed)
    period = float(rng.uniform(0.4, 10))
    t = np.sort(rng.uniform(0, 500, 200))
    mag = 15 + 0.4 * np.sin(2 * np.pi * t / period) + rng.normal(0, 0.01, t.size)
    lc = LightCurve(star, "ogle3", band, t, mag, np.full(t.size, 0.01), vclass, "", period)
    lc.physics = {
        # every third star lacks Teff: not usable for the regressors
        "teff": PhysParam(float(rng.uniform(5000, 7000)), 100.0, "gaia") if int(star[-2:]) % 3 else PhysParam(),
        "abs_mag": PhysParam(float(rng.uniform(-3, 1)), 0.1, "derived"),
        "period": PhysParam(period, 1e-5, "catalog"),
    }
    return lc


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A dataset of 3 classes x 12 stars in two bands (train and val augmented) and a tiny cVAE-P."""
    root = tmp_path_factory.mktemp("regress")
    data = root / "data"
    cfg = DataConfig.from_dict({"seq_len": 48, "seed": 0, "augment": {"target_small": 60}})
    clean = [
        clean_lightcurve(_lightcurve(f"{vclass}{i:02d}", vclass, band, seed=100 * c + i), cfg.clean)
        for c, vclass in enumerate(("CEP", "RRLYR", "ECL"))
        for i in range(12)
        for band in ("I", "V")
    ]
    assert not any(isinstance(cc, str) for cc in clean)
    split_of = split_stars(((cc.lc.key, cc.lc.vclass) for cc in clean), (0.6, 0.2, 0.2), cfg.seed)
    by_split = make_samples(clean, split_of, cfg, SkipLog(), progress=False)
    for split in SPLITS:
        write_parquet(samples_table(by_split[split], split), data / f"{split}.parquet")
    train_cfg = TrainConfig(
        model=ModelConfig(arch="gru", hidden=8, latent_dim=3, physics=("teff", "abs_mag", "period")),
        optim=OptimConfig(batch_size=32, max_epochs=1),
    )
    result = fit(train_cfg, data, root / "run", progress=False, max_epochs=1, limit_train_batches=2)
    return data, root / "run", result.bundle_dir


def test_encode_split_aligns_samples_and_physics(tiny_run):
    data, _, bundle = tiny_run
    model, _ = load_bundle(bundle)
    enc = encode_split(model, data, "train", batch_size=7)
    table = read_split(data, "train")
    assert enc.mu.shape == enc.sigma.shape == (table.num_rows, 3) and np.all(enc.sigma > 0)
    assert enc.table["sample_id"].tolist() == table["sample_id"].to_pylist()
    values, _ = physics_matrix(table, ("teff", "abs_mag", "period"))
    np.testing.assert_array_equal(enc.table[list(PHYS_COLUMNS)].to_numpy(), values)
    # the class-only cVAE encodes without physics, but the table still carries them
    cvae, _ = load_bundle(bundle)
    cvae_cfg = replace(model.config, physics=(), phys_mean=(), phys_std=())
    from varsynth.models.cvae import CVAE

    enc0 = encode_split(CVAE(cvae_cfg), data, "val")
    assert np.isfinite(enc0.table["abs_mag"]).all() and enc0.mu.shape[1] == 3


def test_regress_bundle_end_to_end(tiny_run):
    data, _, bundle = tiny_run
    reg, report = regress_bundle(bundle, data, settings=FAST)
    train = read_split(data, "train").to_pandas()
    real = train[~train["augmented"]]
    assert train["augmented"].any()  # augmented copies exist and are left out
    usable = real[real["teff_source"] != "missing"]
    assert report["fit"]["samples"] == len(usable) and report["fit"]["stars"] == usable["star_key"].nunique()
    assert sum(c["usable_samples"] for c in report["fit"]["per_class"].values()) == len(usable)
    assert sum(c["real_samples"] for c in report["fit"]["per_class"].values()) == len(real)
    held = [read_split(data, s).to_pandas() for s in ("val", "test")]
    held_keys = {k for h in held for k in h.loc[~h["augmented"], "star_key"]}
    assert not held_keys & set(usable["star_key"])  # by object: no star on both sides
    for name in ("linear", "rf", "mlp"):
        m = report["metrics"][name]
        assert np.isfinite(m["rmse"]) and np.isfinite(m["rmse_draw"]) and len(m["r2_per_dim"]) == 3
    # fixed seeds: the same numbers again (all but the timings)
    again = regress_bundle(bundle, data, settings=FAST)[1]["metrics"]
    for name, m in report["metrics"].items():
        assert {k: v for k, v in again[name].items() if k != "fit_seconds"} == {
            k: v for k, v in m.items() if k != "fit_seconds"
        }
    save_regressors(bundle, reg, report)
    loaded, rep = load_regressors(bundle)
    z = predict_latent(loaded, "mlp", [6000.0, -1.0, 1.0], 1, np.random.default_rng(0))
    assert z.shape == (1, 3) and rep["bundle"]["model"] == "cVAE-P"
    assert np.allclose(
        usable_mask(encode_split(load_bundle(bundle)[0], data, "test").table),
        ~read_split(data, "test").to_pandas()["teff_source"].eq("missing"),
    )


def test_cli_regress_prints_table_3_and_saves(tiny_run, capsys):
    data, run, bundle = tiny_run
    assert main(["regress", "--run", str(run), "--data", str(data), "--regressors", "linear"]) == 0
    out = capsys.readouterr().out
    assert "linear" in out and "RMSE" in out and "R^2" in out
    info = json.loads((bundle / "regressors.json").read_text())
    assert list(info["files"]) == ["linear"] and "rmse" in info["report"]["metrics"]["linear"]
    assert sorted(f.name for f in bundle.glob("*.skops")) == ["regressor-linear.skops"]
    # model.json records the regressor files now in the bundle, and no longer the removed ones
    recorded = read_manifest(bundle).components["regressors"].files
    assert sorted(recorded) == ["regressor-linear.skops", "regressors.json"]
    load_bundle(bundle)
    load_regressors(bundle)
    with pytest.raises(SystemExit):
        main(["regress", "--run", str(run), "--data", str(data), "--regressors", "nope"])
    assert main(["regress", "--run", str(run / "nowhere"), "--data", str(data)]) == 2
