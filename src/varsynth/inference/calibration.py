"""Calibration of the physics posterior on held-out test stars.

For real (not augmented) light curves of the test split, the posterior of the true class is
computed in two settings: with the period known (the usual case: a survey measures it) and with
nothing known (period, Teff and M_G all inferred from shape and amplitude). A calibrated
posterior holds the true value inside its 68% interval for 68% of the stars and inside its 95%
interval for 95%; we report these coverages per parameter, with the median interval width, and
the accuracy of the most probable class.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from varsynth.data.io import read_split
from varsynth.data.tensors import DataFilter, load_split, physics_matrix
from varsynth.generation.model import GenerativeModel
from varsynth.inference.posterior import QUANTILES, class_posterior, weighted_quantiles
from varsynth.models.config import PHYSICS_CHOICES
from varsynth.taxonomy import CLASSES

__all__ = ["calibrate"]

_NAMES = ("teff", "abs_mag", "period")


def _truth(theta: np.ndarray) -> dict[str, float]:
    return {"teff": 10 ** theta[0], "abs_mag": theta[1], "period": 10 ** theta[2]}


def calibrate(
    model: GenerativeModel,
    dataset_dir: str | Path,
    *,
    split: str = "test",
    n_stars: int = 300,
    n_candidates: int = 500,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Coverage of the 68% and 95% posterior intervals on ``n_stars`` random held-out light curves.

    Every light curve is the dataset's sample, folded on its catalog period; "nothing known"
    hides the physical parameters (period included) from the posterior, not from the fold.

    Returns:
        ``{"n_stars", "split", "n_candidates", "settings": {"period_known" | "nothing_known":
        {param: {"coverage_68", "coverage_95", "median_width_68", "n"}}},
        "class_accuracy_period_known"}``.
    """
    filt = DataFilter(real_only=True)
    tensors = load_split(dataset_dir, split, physics=(), data_filter=filt)
    table = filt.apply(read_split(dataset_dir, split))
    truth, present = physics_matrix(table, PHYSICS_CHOICES)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(tensors), size=min(n_stars, len(tensors)), replace=False)
    amp = table["mag_max"].to_numpy() - table["mag_min"].to_numpy()
    hits: dict[str, dict[str, list[tuple[bool, bool, float]]]] = {"period_known": {}, "nothing_known": {}}
    correct = 0
    for i in tqdm(rows, desc="calibration", disable=not progress):
        item = tensors[int(i)]
        sample = {k: item[k][None] for k in ("phase", "mag", "mag_err", "mask")}
        sample["wave"] = item["wave"][None]
        vclass = CLASSES[int(item["class_index"])]
        log_amp = math.log10(max(float(amp[i]), 1e-4))
        for setting in hits:
            known = np.full(3, np.nan)
            if setting == "period_known":
                known[2] = truth[i, 2]
            _, theta, weights = class_posterior(model, sample, vclass, log_amp, known, rng, n_candidates)
            true = _truth(truth[i])
            for j, name in enumerate(_NAMES):
                if not present[i, j] or (setting == "period_known" and name == "period"):
                    continue
                q = weighted_quantiles(theta[name], weights, QUANTILES)
                inside68 = q[1] <= true[name] <= q[3]
                inside95 = q[0] <= true[name] <= q[4]
                hits[setting].setdefault(name, []).append((inside68, inside95, float(q[3] - q[1])))
        scores = {}  # every class scored on this sample (folded as its true class, see the docs)
        for c in sorted(set(model.catalog.vclass.tolist())):
            known = np.array([np.nan, np.nan, truth[i, 2]])
            scores[c], _, _ = class_posterior(model, sample, c, log_amp, known, rng, max(n_candidates // 5, 20))
        correct += max(scores, key=scores.__getitem__) == vclass
    out: dict[str, Any] = {
        "n_stars": len(rows),
        "split": split,
        "n_candidates": n_candidates,
        "settings": {},
        "class_accuracy_period_known": correct / max(len(rows), 1),
    }
    for setting, per in hits.items():
        out["settings"][setting] = {
            name: {
                "n": len(v),
                "coverage_68": float(np.mean([h[0] for h in v])),
                "coverage_95": float(np.mean([h[1] for h in v])),
                "median_width_68": float(np.median([h[2] for h in v])),
            }
            for name, v in per.items()
            if v
        }
    return out
