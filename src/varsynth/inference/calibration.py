"""Calibration of the physics posterior: fitted on validation stars, measured on held-out test stars.

For real (not augmented) light curves, the posterior of the true class is computed in two
settings: with the period known (the usual case: a survey measures it) and with nothing known
(period, Teff and M_G all inferred from shape and amplitude). A calibrated posterior holds the
true value inside its 68% interval for 68% of the stars and inside its 95% interval for 95%.

Two settings of the posterior (:class:`~varsynth.inference.posterior.PosteriorSettings`) are
fitted on the validation split: how many catalog neighbours the candidates come from, and the
temperature of the flow's density in their weights. The grid point whose coverages lie nearest
the nominal ones (mean of |coverage - level| over both levels, both settings and every
parameter) is kept. The test split then measures the coverages, the median interval widths and
the accuracy of the most probable class, with the fitted settings and with the raw ones
(20 neighbours, temperature 1) side by side.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from varsynth.config import ConfigError
from varsynth.data.io import read_split
from varsynth.data.tensors import DataFilter, LightCurveTensors, load_split, physics_matrix
from varsynth.generation.model import GenerativeModel
from varsynth.inference.posterior import (
    QUANTILES,
    Observed,
    PosteriorSettings,
    candidates,
    class_posterior,
    posterior_settings,
    weighted_quantiles,
)
from varsynth.models.config import PHYSICS_CHOICES
from varsynth.taxonomy import CLASSES

__all__ = ["NEIGHBOUR_GRID", "TEMPERATURE_GRID", "calibrate", "coverage_error"]

#: Candidate-neighbour counts tried by the fit.
NEIGHBOUR_GRID: tuple[int, ...] = (20, 50, 100, 200, 400, 800, 1600, 3200)
#: Temperatures of the flow's density tried by the fit (0: the prior alone).
TEMPERATURE_GRID: tuple[float, ...] = (1.0, 0.7, 0.5, 0.35, 0.25, 0.15, 0.1, 0.05, 0.0)
#: The settings before any fit: the flow's density itself over 20 neighbours.
RAW = PosteriorSettings()

_NAMES = ("teff", "abs_mag", "period")
_KNOWN = ("period_known", "nothing_known")

Coverage = dict[str, dict[str, dict[str, float | None]]]  # setting -> parameter -> numbers (a width may be None)


@dataclass
class _Stars:
    """Light curves of one split drawn for calibration, with their true physics."""

    tensors: LightCurveTensors
    truth: np.ndarray  # (N, 3) transformed physics
    present: np.ndarray  # (N, 3) bool
    log_amp: np.ndarray  # (N,) log10 peak-to-peak amplitude, mag
    rows: np.ndarray  # the drawn rows


def _finite_median(values: list[float]) -> float | None:
    """Median of the finite values; ``None`` when there is none (never NaN in the JSON)."""
    finite = [v for v in values if np.isfinite(v)]
    return float(np.median(finite)) if finite else None


def _stars(dataset_dir: str | Path, split: str, n_stars: int, rng: np.random.Generator, colour: bool) -> _Stars:
    """``n_stars`` real light curves of ``split``, their wavelengths in the model's convention (``colour``)."""
    filt = DataFilter(real_only=True)
    tensors = load_split(dataset_dir, split, physics=(), data_filter=filt, colour_wavelengths=colour)
    table = filt.apply(read_split(dataset_dir, split))
    truth, present = physics_matrix(table, PHYSICS_CHOICES)
    rows = rng.choice(len(tensors), size=min(n_stars, len(tensors)), replace=False)
    amp = table["mag_max"].to_numpy() - table["mag_min"].to_numpy()
    return _Stars(tensors, truth, present, np.log10(np.maximum(amp, 1e-4)), rows)


def _sample(stars: _Stars, i: int) -> tuple[dict[str, Any], str]:
    item = stars.tensors[i]
    sample = {k: item[k][None] for k in ("phase", "mag", "mag_err", "mask")}
    sample["wave"] = item["wave"][None]
    return sample, CLASSES[int(item["class_index"])]


def _coverage(
    model: GenerativeModel,
    stars: _Stars,
    grid: list[PosteriorSettings],
    n_candidates: int,
    rng: np.random.Generator,
    progress: bool,
    desc: str,
) -> dict[PosteriorSettings, Coverage]:
    """Coverage of the 68% and 95% intervals for every settings of ``grid`` (one candidate draw
    per star, known-setting and neighbour count, shared by the temperatures)."""
    hits: dict[PosteriorSettings, dict[str, dict[str, list[tuple[bool, bool, float]]]]] = {
        s: {k: {} for k in _KNOWN} for s in grid
    }
    by_k: dict[int, list[PosteriorSettings]] = {}
    for s in grid:
        by_k.setdefault(s.neighbours, []).append(s)
    for i in tqdm(stars.rows, desc=desc, disable=not progress):
        sample, vclass = _sample(stars, int(i))
        true = stars.truth[i]
        for setting in _KNOWN:
            known = np.full(3, np.nan)
            if setting == "period_known":
                known[2] = true[2]
            for k, group in by_k.items():
                cand = candidates(model, Observed(sample, float(stars.log_amp[i]), known), vclass, rng, n_candidates, k)
                for s in group:
                    weights = s.weights(cand.log_density)
                    for j, name in enumerate(_NAMES):
                        if not stars.present[i, j] or (setting == "period_known" and name == "period"):
                            continue
                        q = weighted_quantiles(cand.theta[:, j], weights, QUANTILES)
                        lo68, hi68 = 10 ** q[[1, 3]] if name != "abs_mag" else q[[1, 3]]
                        hits[s][setting].setdefault(name, []).append(
                            (bool(q[1] <= true[j] <= q[3]), bool(q[0] <= true[j] <= q[4]), float(hi68 - lo68))
                        )
    return {
        s: {
            setting: {
                name: {
                    "n": len(v),
                    "coverage_68": float(np.mean([h[0] for h in v])),
                    "coverage_95": float(np.mean([h[1] for h in v])),
                    # an interval the candidates could not give (none of them holds the
                    # parameter) counts as a miss above and has no width
                    "median_width_68": _finite_median([h[2] for h in v]),
                }
                for name, v in per.items()
                if v
            }
            for setting, per in by_setting.items()
        }
        for s, by_setting in hits.items()
    }


def coverage_error(coverage: Coverage) -> float:
    """Mean |coverage - level| over the 68% and 95% levels, the settings and the parameters."""
    errors = [
        abs(float(m["coverage_68"] or 0.0) - 0.68) + abs(float(m["coverage_95"] or 0.0) - 0.95)
        for per in coverage.values()
        for m in per.values()
    ]
    return float(np.mean(errors)) / 2 if errors else math.nan


def _class_accuracy(
    model: GenerativeModel, stars: _Stars, settings: PosteriorSettings, n_candidates: int, rng: np.random.Generator
) -> float:
    """Share of the stars whose most probable class (period known) is their true class."""
    classes = sorted(set(model.catalog.vclass.tolist()))
    correct = 0
    for i in stars.rows:
        sample, vclass = _sample(stars, int(i))
        observed = Observed(sample, float(stars.log_amp[i]), np.array([np.nan, np.nan, stars.truth[i, 2]]))
        scores = {
            c: class_posterior(model, observed, c, rng, n_candidates, settings)[0] for c in classes
        }  # every class scored on this sample (folded as its true class, see the docs)
        correct += max(scores, key=scores.__getitem__) == vclass
    return correct / max(len(stars.rows), 1)


def calibrate(
    model: GenerativeModel,
    dataset_dir: str | Path,
    *,
    split: str = "test",
    fit_split: str = "val",
    fit: bool = True,
    n_stars: int = 300,
    n_candidates: int = 500,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Fit the posterior settings on ``fit_split`` and measure coverage on ``n_stars`` of ``split``.

    Every light curve is the dataset's sample, folded on its catalog period; "nothing known"
    hides the physical parameters (period included) from the posterior, not from the fold.
    Interval widths are in K (Teff), mag (M_G) and days (period).

    Arguments:
        model: the generative model.
        dataset_dir: the dataset the model was trained on.
        split: the held-out split measured.
        fit_split: the split the settings are fitted on (never the measured one).
        fit: fit the settings (``False``: measure the model's current ones,
            :func:`~varsynth.inference.posterior.posterior_settings`).
        n_stars: light curves drawn from each split.
        n_candidates: candidate physics per posterior.
        seed: seed of the star choice and the candidate draws.

    Returns:
        ``{"n_stars", "split", "n_candidates", "posterior": {"neighbours", "temperature",
        "fitted_on", "n_stars_fit", "coverage_error", "grid"}, "settings": {"period_known" |
        "nothing_known": {param: {"coverage_68", "coverage_95", "median_width_68", "n"}}},
        "class_accuracy_period_known", "raw": {the same for 20 neighbours at temperature 1}}``.
        Write it into the bundle as ``calibration.json`` for :func:`~varsynth.inference.infer`
        to use the fitted settings.
    """
    if n_stars < 1 or n_candidates < 1:
        raise ConfigError(f"n_stars and n_candidates must be >= 1, got {n_stars} and {n_candidates}")
    if fit and fit_split == split:
        raise ConfigError(f"fit_split and split are both {split!r}: fit on another split than the one measured")
    posterior: dict[str, Any]
    colour = bool(model.cvae.config.colour_wavelengths)
    if fit:
        fit_stars = _stars(dataset_dir, fit_split, n_stars, np.random.default_rng([seed, 1]), colour)
        grid = [PosteriorSettings(k, t) for k in NEIGHBOUR_GRID for t in TEMPERATURE_GRID]
        fitted = _coverage(model, fit_stars, grid, n_candidates, np.random.default_rng([seed, 2]), progress, "fit")
        errors = {s: coverage_error(c) for s, c in fitted.items()}
        chosen = min(grid, key=lambda s: (errors[s], -s.temperature, s.neighbours))
        posterior = {
            **asdict(chosen),
            "fitted_on": fit_split,
            "n_stars_fit": len(fit_stars.rows),
            "coverage_error": errors[chosen],
            "grid": [{**asdict(s), "coverage_error": errors[s]} for s in grid],
        }
    else:
        chosen = posterior_settings(model)
        posterior = {**asdict(chosen), "fitted_on": None}
    rng = np.random.default_rng(seed)
    stars = _stars(dataset_dir, split, n_stars, rng, colour)
    measured = _coverage(model, stars, list(dict.fromkeys([chosen, RAW])), n_candidates, rng, progress, split)
    posterior["coverage_error_" + split] = coverage_error(measured[chosen])
    accuracy = {
        s: _class_accuracy(model, stars, s, max(n_candidates // 5, 20), rng) for s in dict.fromkeys([chosen, RAW])
    }
    return {
        "n_stars": len(stars.rows),
        "split": split,
        "n_candidates": n_candidates,
        "posterior": posterior,
        "settings": measured[chosen],
        "class_accuracy_period_known": accuracy[chosen],
        "raw": {
            **asdict(RAW),
            "coverage_error": coverage_error(measured[RAW]),
            "settings": measured[RAW],
            "class_accuracy_period_known": accuracy[RAW],
        },
    }
