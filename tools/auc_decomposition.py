"""What the report's real-vs-generated discriminator reads: its AUC against twins built in different ways.

Each held-out light curve of a dataset's test split gets a twin made from (a) its own weighted
Fourier fit of order k plus its own residuals shuffled among its points; (a') its own order-8 fit
plus its own residuals divided by a per-star variance model (errors, phase jitter, amplitude
jitter), shuffled and multiplied back; (a'') its own order-8 fit plus its own residuals, of which
the share common to a visit (:func:`varsynth.training.noise.visit_fraction`, on datasets that
record each point's time) is redrawn once per visit and the rest shuffled; (b) its own order-8
fit plus noise drawn as a model draws it for the survey (the fit evaluated at the phases shifted
by the drawn library entry's phase jitter, one shift per visit, as generation does), or another
held-out star's residual distribution; (c) the model's reconstruction (its encoded latent mean)
plus the model's noise, drawn the same way;
and (d) a generated twin as the report draws it. The discriminator is the report's
(:func:`varsynth.evaluation.classify.discriminator_auc`: a random forest on 21 features, 5 folds
by star). docs/training.md, "Where the real-vs-generated AUC comes from" and its sixth 2026-12-05 round, quote runs of::

    python tools/auc_decomposition.py --data datasets/default --model default --seed 1
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from varsynth.evaluation.classify import (
    REFERENCE_POINTS_PER_ORDER,
    discriminator_auc,
    light_curve_features,
    own_fit_curves,
)
from varsynth.evaluation.curves import real_curves, twin_curves
from varsynth.evaluation.reconstruction import fourier_fit, reconstructed_curves
from varsynth.generation.model import load_model
from varsynth.generation.noise import curve_jitter, curve_scales, draw_noise, epoch_visits, survey_noise
from varsynth.training.noise import visit_fraction, visit_groups


def _with_noise(
    real: pd.DataFrame, shape_at: list[Callable[[np.ndarray], np.ndarray]], model, rng: np.random.Generator
) -> pd.DataFrame:
    """Each light curve's shape (``shape_at[i](phase)`` -> mag) plus noise of the real errors as
    ``model`` draws it for the survey: the scale, residual distribution and visit fraction of one
    library light curve, and the shape evaluated at phases shifted by that entry's phase jitter
    (one draw per visit), as the generator does (:func:`varsynth.generation.engine.phase_shifts`)."""
    noise = survey_noise(model.metadata)
    out = real.copy()
    times = real["time"] if "time" in real.columns else [None] * len(real)
    mags = []
    for shape, phase, err, survey, band, vclass, t in zip(
        shape_at, real["phase"], real["mag_err"], real["survey"], real["band"], real["vclass"], times
    ):
        phase, err = np.asarray(phase, np.float64), np.asarray(err, np.float64)
        bands = np.full(err.size, band)
        scales = curve_scales(noise, survey, bands[:1], rng, vclass)
        jitter = curve_jitter(noise, survey, bands[:1], scales[2], vclass)[0]
        if jitter > 0:
            visit = (
                epoch_visits(np.asarray(t, np.float64), np.zeros(err.size, np.int64))
                if t is not None
                else np.arange(err.size)
            )
            phase = phase + jitter * rng.standard_normal(int(visit.max()) + 1)[visit]
        mags.append(shape(phase) + draw_noise(noise, survey, bands, err, rng, vclass, scales=scales, time=t))
    out["mag"] = mags
    return out


def _with_other_residuals(real: pd.DataFrame, fits: list[np.ndarray], rng: np.random.Generator) -> pd.DataFrame:
    """Each light curve's own fit (``fits``) plus residuals drawn from another held-out light curve
    of the same survey, band and class (its residuals around its own fit, in units of its errors,
    times this one's errors)."""
    key = (real["survey"] + "|" + real["band"] + "|" + real["vclass"]).to_numpy()
    own = [np.sort((m - s) / e) for s, m, e in zip(fits, real["mag"], real["mag_err"])]
    out = real.copy()
    mags = []
    for i, (s, err) in enumerate(zip(fits, real["mag_err"])):
        pool = np.flatnonzero(key == key[i])
        j = rng.choice(pool[pool != i]) if pool.size > 1 else i
        mags.append(s + np.interp(rng.uniform(0, 1, err.size), np.linspace(0, 1, own[j].size), own[j]) * err)
    out["mag"] = mags
    return out


#: Phase step (cycles) of the central difference giving a fit's slope.
_SLOPE_STEP = 1e-5
#: Uniform phases on which a fit's mean is taken (exact for orders below it).
_MEAN_GRID = np.arange(64) / 64


def _own_fits(real: pd.DataFrame) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Each light curve's own order-8 (at most) weighted Fourier fit at its phases (mag), its slope
    there (mag per cycle, a central difference of the same series) and its phase-mean (mag)."""
    fits, slopes, means = [], [], []
    for ph, m, e in zip(real["phase"], real["mag"], real["mag_err"]):
        ph = np.asarray(ph, np.float64)
        at = np.concatenate([ph, ph + _SLOPE_STEP, ph - _SLOPE_STEP, _MEAN_GRID])
        values = fourier_fit(ph, np.asarray(m, np.float64), np.asarray(e, np.float64), _order(ph.size, 8), at=at)
        s, up, down = np.split(values[: 3 * ph.size], 3)
        fits.append(s)
        slopes.append((up - down) / (2 * _SLOPE_STEP))
        means.append(values[3 * ph.size :].mean())
    return fits, slopes, np.asarray(means)


def _variance_model(
    real: pd.DataFrame,
    own: tuple[list[np.ndarray], list[np.ndarray], np.ndarray],
    terms: str,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Each light curve's own fit s (``own``: :func:`_own_fits`) plus its own residuals, normalised
    by a per-star variance model ``sigma_i^2 = c^2 e_i^2 [+ sp^2 s'(phi_i)^2] [+ sa^2 (s_i - <s>)^2]``
    (non-negative least squares on the squared residuals; ``terms`` "e", "ep" (phase jitter), "ea"
    (amplitude jitter) or "epa"), shuffled among its points and multiplied back by sigma_i."""
    out = real.copy()
    mags = []
    for s, slope, mean, m, e in zip(*own, real["mag"], real["mag_err"]):
        e = np.asarray(e, np.float64)
        r = np.asarray(m, np.float64) - s
        cols = [e**2]
        if "p" in terms:
            cols.append(slope**2)
        if "a" in terms:
            cols.append((s - mean) ** 2)
        basis = np.column_stack(cols)
        x, _ = nnls(basis / e[:, None] ** 2, r**2 / e**2)
        sigma = np.sqrt(np.maximum(basis @ x, 1e-12))
        u = r / sigma
        mags.append(s + u[rng.permutation(u.size)] * sigma)
    out["mag"] = mags
    return out


def _with_visits(real: pd.DataFrame, fits: list[np.ndarray], rng: np.random.Generator) -> pd.DataFrame:
    """Each light curve's own fit plus its own residuals ``r`` with their visit structure: a
    Gaussian offset per visit of variance ``rho var(r)`` (``rho``: its visit fraction) plus its
    residuals shuffled and shrunk by ``sqrt(1 - rho)``."""
    out = real.copy()
    mags = []
    for s, m, t in zip(fits, real["mag"], real["time"]):
        r = np.asarray(m, np.float64) - s
        visit = visit_groups(np.asarray(t, np.float64))
        rho = visit_fraction(r, visit)
        common = rng.standard_normal(int(visit.max()) + 1)[visit] * np.sqrt(rho) * r.std()
        mags.append(s + common + np.sqrt(1.0 - rho) * rng.permutation(r - r.mean()) + r.mean())
    out["mag"] = mags
    return out


def _order(n: int, order: int) -> int:
    """The own-fit reference's order for a light curve of n points (as :func:`own_fit_curves` picks it)."""
    return max(1, min(order, (n - 1) // REFERENCE_POINTS_PER_ORDER))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset folder (varsynth data build)")
    parser.add_argument("--model", default="default", help="model bundle or run folder (default: the embedded one)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the twins' draws (the discriminator's is 0)")
    args = parser.parse_args()
    model = load_model(args.model)
    real = real_curves(args.data, "test")
    x_real = light_curve_features(real)
    classes, groups = real["vclass"].to_numpy(), real["star_key"].to_numpy()
    rng = np.random.default_rng(args.seed)

    def report(name: str, curves: pd.DataFrame) -> None:
        auc, per_class, _ = discriminator_auc(x_real, light_curve_features(curves), classes, groups)
        detail = " ".join(f"{r['class']} {r['auc']:.2f}" for _, r in per_class.iterrows())
        print(f"{auc:.3f}  {name}  ({detail})", flush=True)

    for order in (2, 4, 6, 8, 12):
        report(f"own order-{order} fit + own residuals shuffled", own_fit_curves(real, order=order, seed=args.seed))
    own = _own_fits(real)
    fits = own[0]
    for terms, what in (
        ("e", "errors only"),
        ("ep", "errors + phase jitter"),
        ("ea", "errors + amplitude jitter"),
        ("epa", "errors + phase and amplitude jitter"),
    ):
        twins = _variance_model(real, own, terms, rng)
        report(f"own order-8 fit + own residuals over a variance model ({what}), shuffled", twins)
    if "time" in real.columns:
        report(
            "own order-8 fit + own residuals, visit offsets redrawn, the rest shuffled", _with_visits(real, fits, rng)
        )
    own_fit_at = [
        partial(
            fourier_fit,
            np.asarray(ph, np.float64),
            np.asarray(m, np.float64),
            np.asarray(e, np.float64),
            _order(len(ph), 8),
        )
        for ph, m, e in zip(real["phase"], real["mag"], real["mag_err"])
    ]
    report(
        "own order-8 fit + the model's survey noise",
        _with_noise(real, [lambda p, f=f: f(at=p) for f in own_fit_at], model, rng),
    )
    report("own order-8 fit + another star's residual distribution", _with_other_residuals(real, fits, rng))
    rec = reconstructed_curves(model.cvae, args.data, real["sample_id"].tolist(), n_phase=1000)
    rec = rec.set_index("sample_id").loc[real["sample_id"]]
    shapes = [
        lambda p, grid=np.r_[grid, 1.0], mag=np.r_[mag, mag[0]]: np.interp(np.mod(p, 1.0), grid, mag)
        for grid, mag in zip(rec["grid"], rec["model_mag"])
    ]
    report("the model's reconstruction + the model's survey noise", _with_noise(real, shapes, model, rng))
    report("generated twins (as the report draws them)", twin_curves(model, real, seed=0))


if __name__ == "__main__":
    main()
