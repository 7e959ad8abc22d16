"""Small datasets the tests make themselves (synthetic periodic light curves in the real layout), and
model bundles in the format of earlier varsynth versions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from varsynth.config import DataConfig
from varsynth.data.build import make_samples, samples_table
from varsynth.data.io import write_parquet
from varsynth.data.samples import clean_lightcurve
from varsynth.data.split import SPLITS, split_stars
from varsynth.lightcurve import LightCurve, PhysParam
from varsynth.surveys.skips import SkipLog

SHAPES = {"CEP": 1.0, "RRLYR": 2.0, "ECL": -1.0}


def synthetic_lightcurve(star: str, vclass: str, seed: int, n: int = 200) -> LightCurve:
    """A periodic light curve whose shape depends on its class, with Teff, M_G and period."""
    rng = np.random.default_rng(seed)
    period = float(rng.uniform(0.4, 10))
    t = np.sort(rng.uniform(0, 500, n))
    ph = 2 * np.pi * t / period
    mag = 15 + 0.4 * np.sin(ph) + 0.15 * SHAPES[vclass] * np.sin(2 * ph) + rng.normal(0, 0.01, n)
    lc = LightCurve(star, "ogle3", "I", t, mag, np.full(n, 0.01), vclass, "", period)
    lc.physics = {
        "teff": PhysParam(float(rng.uniform(5000, 7000)), 100.0, "gaia") if seed % 3 else PhysParam(),
        "abs_mag": PhysParam(float(rng.uniform(-3, 1)), 0.1, "derived"),
        "period": PhysParam(period, 1e-5, "catalog"),
    }
    return lc


def write_tiny_dataset(out: Path, *, stars_per_class: int = 12, seq_len: int = 64, seed: int = 0) -> Path:
    """Write train/val/test Parquet files of synthetic CEP, RRLYR and ECL stars into ``out``."""
    cfg = DataConfig.from_dict({"seq_len": seq_len, "seed": seed, "augment": {"enabled": False}})
    clean = []
    for c, vclass in enumerate(SHAPES):
        for i in range(stars_per_class):
            lc = synthetic_lightcurve(f"{vclass}{i}", vclass, seed=100 * c + i)
            cc = clean_lightcurve(lc, cfg.clean)
            assert not isinstance(cc, str), cc
            clean.append(cc)
    split_of = split_stars(((cc.lc.key, cc.lc.vclass) for cc in clean), (0.6, 0.2, 0.2), seed)
    by_split = make_samples(clean, split_of, cfg, SkipLog(), progress=False)
    out.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        write_parquet(samples_table(by_split[split], split), out / f"{split}.parquet")
    return out


def as_format_1(bundle: Path, *, hashes: bool = True) -> None:
    """Rewrite a bundle's ``model.json`` as varsynth wrote it before format 2 (format 1): the network
    config at the top, the training config, fit summary and noise record (``noise.json``, then
    deleted) under ``metadata``, and one flat table of file hashes (none with ``hashes=False``, as
    bundles written before the hashes existed)."""
    info = json.loads((bundle / "model.json").read_text())
    parts, training = info["components"], info["training"]
    meta = dict(info["metadata"])
    if training["config"] is not None:
        meta["train_config"] = training["config"]
    fit = training["fit"]
    if "noise" in parts:
        fit = {**(fit or {}), "noise": json.loads((bundle / "noise.json").read_text())}
        (bundle / "noise.json").unlink()
    if fit is not None:
        meta["fit"] = fit
    old = {"config": parts["network"]["config"], "format_version": 1, "kind": info["kind"], "metadata": meta}
    if hashes:
        old["files"] = {f: r for name, part in parts.items() if name != "noise" for f, r in part["files"].items()}
    (bundle / "model.json").write_text(json.dumps(old, indent=2, sort_keys=True) + "\n")


def with_library(model, **values: float):
    """A copy of a loaded model whose every residual-library entry (all surveys, bands and classes)
    has each field of ``values`` (e.g. ``jitter=0.02``) set to that value."""
    import copy

    out = copy.copy(model)
    out.metadata = copy.deepcopy(model.metadata)
    for bands in out.metadata["fit"]["noise"].values():
        for record in bands.values():
            for rec in [record, *record.get("classes", {}).values()]:
                for key, value in values.items():
                    rec["library"][key] = [value] * len(rec["library"]["scale"])
    return out
