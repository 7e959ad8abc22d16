"""Report section: the latent space of held-out light curves, and how well physics predicts it.

The real light curves of the held-out ``test`` split are encoded to their latent posteriors
N(mu, sigma^2). The section reports:

* the paper's Fig. 6 (Martinez-Palomera et al. 2022): the pair plot of the latent means, coloured
  by log10 Teff (K) and, in a second figure, by class;
* per latent dimension, the variance of the means over stars, the mean posterior width and the
  mean KL divergence to the N(0, 1) prior (nats). A dimension is *active* when the variance of its
  means exceeds 0.01 (Burda, Grosse & Salakhutdinov 2016, "Importance Weighted Autoencoders");
  a collapsed one carries no information about the light curve (mu ~ 0, sigma ~ 1);
* physics-to-latent scores on held-out stars: R^2 of the latent means predicted from class,
  log10 Teff, M_G and log10 period by the paper's regressors (linear, random forest, MLP; section
  4.2) and by the model's flow prior (which is also conditioned on the passband), overall
  (variance-weighted) and per dimension;
* the flow prior's fit: the mean log-likelihood (nats per object) of held-out latent codes and
  log10 amplitudes under the flow, next to the validation value recorded at training.

The regressors are refitted here on at most :data:`FIT_OBJECTS` real training light curves with
all three physical parameters and :data:`FIT_SETTINGS` (fewer dummy copies and trees than the
paper's 100 copies x 100 trees on every training object, which takes many minutes): the scores
measure the same link at a fraction of the cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from varsynth.bundle import BundleError, open_component
from varsynth.data.io import read_split
from varsynth.data.tensors import DataFilter, load_split, physics_matrix
from varsynth.evaluation.bootstrap import standard_error
from varsynth.evaluation.context import FIGURE_DPI, EvalContext, Section
from varsynth.latent.encode import PHYS_COLUMNS
from varsynth.latent.flow import FlowData
from varsynth.latent.regressors import (
    LatentRegressors,
    RegressionSettings,
    check_disjoint,
    fit_regressors,
    predict_latent,
)
from varsynth.models.config import PHYSICS_CHOICES
from varsynth.models.cvae import CVAE
from varsynth.models.flow import LatentFlow
from varsynth.taxonomy import CLASSES

__all__ = [
    "ACTIVE_THRESHOLD",
    "FIT_OBJECTS",
    "FIT_SETTINGS",
    "SCORE_OBJECTS",
    "FLOW_DRAWS",
    "Encoded",
    "posterior_kl",
    "active_dimensions",
    "r2_per_dimension",
    "link_scores",
    "encode_rows",
    "pair_plot",
    "evaluate_latent",
]

#: Variance of the latent means above which a dimension counts as active (Burda et al. 2016).
ACTIVE_THRESHOLD = 0.01
#: Training light curves the regressors are fitted on at most (full mode, quick mode).
FIT_OBJECTS, QUICK_FIT_OBJECTS = 2000, 300
#: Regressor settings (full mode): 10 dummy copies with 10 latent draws per object, 50 trees.
FIT_SETTINGS = RegressionSettings(n_copies=10, n_draws=10, rf_trees=50)
_QUICK_SETTINGS = RegressionSettings(n_copies=10, n_draws=10, rf_trees=10, mlp_max_iter=50)
#: Held-out light curves the physics-to-latent links are scored on at most (full mode, quick mode).
SCORE_OBJECTS, QUICK_SCORE_OBJECTS = 1000, 150
#: Flow draws per object for its conditional median.
FLOW_DRAWS = 32
_MAX_PAIR_DIMS = 8  # the pair plot shows at most this many dimensions (the most active ones)


def posterior_kl(mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Mean over objects of KL(N(mu, sigma^2) || N(0, 1)) per latent dimension (Z,), in nats."""
    mu, sigma = np.asarray(mu, dtype=np.float64), np.asarray(sigma, dtype=np.float64)
    if mu.shape != sigma.shape or mu.ndim != 2 or not len(mu):
        raise ValueError(f"mu and sigma must both be (N >= 1, Z), got {mu.shape} and {sigma.shape}")
    if np.any(sigma <= 0):
        raise ValueError("sigma must be > 0")
    return np.mean(0.5 * (mu**2 + sigma**2 - 1.0) - np.log(sigma), axis=0)


def active_dimensions(mu: np.ndarray, threshold: float = ACTIVE_THRESHOLD) -> np.ndarray:
    """Which latent dimensions are active (Z,): variance of the means over objects > ``threshold``."""
    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 2 or len(mu) < 2:
        raise ValueError(f"mu must be (N >= 2, Z), got shape {mu.shape}")
    return mu.var(axis=0) > threshold


def r2_per_dimension(target: np.ndarray, pred: np.ndarray) -> tuple[float, np.ndarray]:
    """Coefficient of determination of ``pred`` for ``target`` (N, Z): overall (1 - SSE / SST summed
    over dimensions, i.e. variance-weighted) and per dimension (NaN where the target is constant)."""
    target, pred = np.asarray(target, dtype=np.float64), np.asarray(pred, dtype=np.float64)
    if target.shape != pred.shape or target.ndim != 2 or len(target) < 2:
        raise ValueError(f"target and pred must both be (N >= 2, Z), got {target.shape} and {pred.shape}")
    sse = ((target - pred) ** 2).sum(axis=0)
    sst = ((target - target.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_dim = np.where(sst > 0, 1.0 - sse / sst, np.nan)
    overall = 1.0 - sse.sum() / sst.sum() if sst.sum() > 0 else math.nan
    return float(overall), per_dim


@dataclass
class Encoded:
    """Latent posteriors of chosen real light curves of a split, with what the flow and the regressors need.

    Attributes:
        mu, sigma: latent means and standard deviations (N, Z).
        meta: one row per light curve: ``sample_id, star_key, survey, band, vclass, class_index``
            and the :data:`~varsynth.latent.encode.PHYS_COLUMNS` (NaN where missing).
        flow: the flow's inputs (:class:`~varsynth.latent.flow.FlowData`), row-aligned.
    """

    mu: np.ndarray
    sigma: np.ndarray
    meta: pd.DataFrame
    flow: FlowData

    @property
    def complete(self) -> np.ndarray:
        """Light curves with all three physical parameters (N,)."""
        return np.all(np.isfinite(self.meta[list(PHYS_COLUMNS)].to_numpy(dtype=np.float64)), axis=1)


@torch.inference_mode()
def encode_rows(
    model: CVAE,
    dataset_dir: str | Path,
    split: str,
    data_filter: DataFilter,
    *,
    sample_ids: list[str] | None = None,
    max_complete: int | None = None,
    seed: int = 0,
    batch_size: int = 512,
) -> Encoded:
    """Encode real light curves of ``split`` passing ``data_filter`` to their latent posteriors.

    Arguments:
        sample_ids: encode only these (``None``: all).
        max_complete: encode at most this many light curves with all physical parameters, drawn
            at random with ``seed``, and no others (``None``: no such selection).
    """
    cfg = model.config
    filt = replace(data_filter, real_only=True)
    tensors = load_split(
        dataset_dir,
        split,
        physics=cfg.physics,
        phys_mean=cfg.phys_mean or None,
        phys_std=cfg.phys_std or None,
        data_filter=filt,
        colour_wavelengths=bool(cfg.colour_wavelengths),
    )
    table = filt.apply(read_split(dataset_dir, split))
    meta = table.select(["sample_id", "star_key", "survey", "band", "vclass", "class_index"]).to_pandas()
    values, _ = physics_matrix(table, PHYSICS_CHOICES)
    for j, column in enumerate(PHYS_COLUMNS):
        meta[column] = values[:, j]
    rows = np.arange(len(meta))
    if sample_ids is not None:
        rows = rows[meta["sample_id"].isin(set(sample_ids)).to_numpy()]
    if max_complete is not None:
        complete = rows[np.all(np.isfinite(values[rows]), axis=1)]
        rows = np.sort(np.random.default_rng(seed).permutation(complete)[:max_complete])
    model.eval()
    mus, logvars = [np.zeros((0, cfg.latent_dim))], [np.zeros((0, cfg.latent_dim))]
    for start in range(0, len(rows), batch_size):
        mu_batch, logvar_batch = model.encode(tensors[torch.from_numpy(rows[start : start + batch_size])])
        mus.append(mu_batch.double().numpy())
        logvars.append(logvar_batch.double().numpy())
    mu, sigma = np.concatenate(mus), np.exp(0.5 * np.concatenate(logvars))
    span = table["mag_max"].to_numpy()[rows] - table["mag_min"].to_numpy()[rows]
    index = torch.from_numpy(rows)
    flow = FlowData(
        mu=torch.from_numpy(mu).float(),
        sigma=torch.from_numpy(sigma).float(),
        log_amp=torch.from_numpy(np.log10(np.maximum(span, 1e-4))).float(),
        class_index=tensors.class_index[index],
        phys=tensors.phys[index],
        phys_mask=tensors.phys_mask[index],
        wave=tensors.wave[index],
    )
    return Encoded(mu, sigma, meta.iloc[rows].reset_index(drop=True), flow)


def _pair_dims(mu: np.ndarray, max_dims: int) -> np.ndarray:
    """The dimensions the pair plot shows: all, or the ``max_dims`` with the largest variance of the means."""
    z = mu.shape[1]
    return np.arange(z) if z <= max_dims else np.sort(np.argsort(-mu.var(axis=0), kind="stable")[:max_dims])


def pair_plot(
    mu: np.ndarray, colour: np.ndarray, *, categorical: bool, colour_label: str, max_dims: int = _MAX_PAIR_DIMS
) -> Figure:
    """Lower-triangle pair plot of the latent means (the paper's Fig. 6): mu_i against mu_j below the
    diagonal, the histogram of mu_i on it (titled with the variance of the means).

    Arguments:
        mu: latent means (N, Z); at most ``max_dims`` dimensions (the most variable) are shown.
        colour: per object, a number (``categorical=False``; NaN drawn grey, behind) or a class label.
        colour_label: colour bar or legend title (with units).

    Returns:
        The figure: k (k + 1) / 2 panels for k shown dimensions, and a colour bar when not categorical.
    """
    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 2 or not len(mu) or len(colour) != len(mu):
        raise ValueError(f"mu must be (N >= 1, Z) with one colour per row, got {mu.shape} and {len(colour)} colours")
    dims = _pair_dims(mu, max_dims)
    k = len(dims)
    fig = Figure(figsize=(1.7 * k + 1.6, 1.7 * k + 0.5), dpi=FIGURE_DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.1, right=0.86, bottom=0.08, top=0.92, wspace=0.08, hspace=0.08)
    var = mu.var(axis=0)
    lo, hi = np.percentile(mu, 0.2, axis=0), np.percentile(mu, 99.8, axis=0)
    pad = np.maximum(0.05 * (hi - lo), 1e-3)
    limits = np.column_stack([lo - pad, hi + pad])
    style: dict[str, Any] = dict(s=3, linewidths=0, alpha=0.6, rasterized=True)
    if categorical:
        labels = np.asarray(colour).astype(str)
        groups = [c for c in CLASSES if c in set(labels)] + sorted(set(labels) - set(CLASSES))
    else:
        values = np.asarray(colour, dtype=np.float64)
        known = np.isfinite(values)
        vmin, vmax = (np.nanmin(values), np.nanmax(values)) if known.any() else (0.0, 1.0)
    mappable = None
    for a, i in enumerate(dims):
        for b, j in enumerate(dims[: a + 1]):
            ax = fig.add_subplot(k, k, a * k + b + 1)
            if i == j:
                ax.hist(mu[:, i], bins=40, range=tuple(limits[i]), color="0.45", histtype="stepfilled")
                ax.set_title(
                    f"$\\mu_{{{i + 1}}}$: var {var[i]:.2g}" + ("" if var[i] > ACTIVE_THRESHOLD else " (collapsed)"),
                    fontsize=7,
                )
                ax.set_yticks([])
            else:
                if categorical:
                    for n, g in enumerate(groups):
                        sel = labels == g
                        ax.scatter(mu[sel, j], mu[sel, i], color=f"C{n % 10}", label=g, **style)
                else:
                    ax.scatter(mu[~known, j], mu[~known, i], color="0.8", label="no Teff", **style)
                    mappable = ax.scatter(
                        mu[known, j], mu[known, i], c=values[known], cmap="RdYlBu", vmin=vmin, vmax=vmax, **style
                    )
                ax.set_ylim(*limits[i])
            ax.set_xlim(*limits[j])
            ax.tick_params(labelsize=6)
            if a == k - 1:
                ax.set_xlabel(f"$\\mu_{{{j + 1}}}$", fontsize=8)
            else:
                ax.tick_params(labelbottom=False)
            if b == 0 and i != j:
                ax.set_ylabel(f"$\\mu_{{{i + 1}}}$", fontsize=8)
            elif i != j:
                ax.tick_params(labelleft=False)
    if categorical and k > 1:
        handles, names = fig.axes[1].get_legend_handles_labels()
        fig.legend(
            handles,
            names,
            title=colour_label,
            loc="upper right",
            bbox_to_anchor=(0.86, 0.92),
            fontsize=7,
            title_fontsize=7,
            markerscale=3,
        )
    elif mappable is not None:
        fig.colorbar(mappable, cax=fig.add_axes((0.89, 0.3, 0.02, 0.4), label="colorbar"), label=colour_label)
    fig.suptitle("Latent means of held-out real light curves (encoder means; dimensionless)", fontsize=9)
    return fig


def link_scores(target: np.ndarray, one_draw: np.ndarray, point: np.ndarray, active: np.ndarray) -> dict[str, float]:
    """Scores of one physics-to-latent link on held-out latent means ``target`` (N, Z).

    ``R2 (point)``: of the link's point prediction (regressor averaged over its dummy coordinate,
    flow median); ``R2 (one draw)``: of one prediction per object, as in generation. Each over all
    dimensions and over the ``active`` ones only (a flow draws collapsed dimensions with the
    posterior's width ~1 around means ~0). ``RMSE (one draw)``: over all entries. R^2 is
    variance-weighted (1 - SSE / SST summed over the dimensions). ``R2 (point, active dims) s.e.``:
    its bootstrap standard error over the objects.
    """
    active = np.asarray(active, dtype=bool)
    target, one_draw, point = (np.asarray(a, dtype=np.float64) for a in (target, one_draw, point))

    def on_active(pred: np.ndarray) -> float:
        return r2_per_dimension(target[:, active], pred[:, active])[0] if active.any() else math.nan

    return {
        "R2 (point)": r2_per_dimension(target, point)[0],
        "R2 (point, active dims)": on_active(point),
        "R2 (point, active dims) s.e.": standard_error(
            lambda rows: r2_per_dimension(target[rows][:, active], point[rows][:, active])[0], (len(target),)
        )
        if active.any()
        else math.nan,
        "R2 (one draw)": r2_per_dimension(target, one_draw)[0],
        "R2 (one draw, active dims)": on_active(one_draw),
        "RMSE (one draw)": float(np.sqrt(np.mean((one_draw - target) ** 2))),
    }


def _regressor_predictions(
    reg: LatentRegressors, name: str, meta: pd.DataFrame, seed: int, n_dummy: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """One prediction per object (one dummy draw) and the prediction averaged over ``n_dummy`` draws (N, Z)."""
    logs = meta[list(PHYS_COLUMNS)].to_numpy(dtype=np.float64)
    physics = np.column_stack([10 ** logs[:, 0], logs[:, 1], 10 ** logs[:, 2]])  # Teff K, M_G mag, period d
    classes = meta["class_index"].to_numpy()
    rng = np.random.default_rng(seed)
    draws = [predict_latent(reg, name, physics, classes, rng) for _ in range(n_dummy)]
    return draws[0], np.mean(draws, axis=0)


@torch.no_grad()
def _flow_predictions(flow: LatentFlow, data: FlowData, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One flow draw per object and the median of :data:`FLOW_DRAWS` draws (N, Z), sampled in one batch."""
    ctx = flow.context(data.class_index, data.phys, data.phys_mask, data.wave)
    n, z = data.mu.shape
    noise = torch.randn(FLOW_DRAWS * n, z + 1, generator=torch.Generator().manual_seed(seed))
    draws = flow.sample(ctx.repeat(FLOW_DRAWS, 1), noise)[0].reshape(FLOW_DRAWS, n, z).double()
    return draws[0].numpy(), draws.median(dim=0).values.numpy()


@torch.no_grad()
def _flow_log_likelihood(flow: LatentFlow, data: FlowData, seed: int) -> dict[str, float]:
    """Mean log p(z, log10 A | context) (nats per object) of the latent means and of one posterior draw."""
    ctx = flow.context(data.class_index, data.phys, data.phys_mask, data.wave)
    noise = torch.randn(data.mu.shape, generator=torch.Generator().manual_seed(seed))
    return {
        "means": float(flow.log_prob(data.mu, data.log_amp, ctx).mean()),
        "draws": float(flow.log_prob(data.mu + noise * data.sigma, data.log_amp, ctx).mean()),
    }


def _training_filter(ctx: EvalContext) -> DataFilter:
    """The model's training data filter (surveys, bands, classes)."""
    meta = ctx.model.metadata
    return DataFilter.of_model(meta)


def _recorded_flow_metrics(ctx: EvalContext) -> dict[str, Any]:
    """The flow's training metrics of the bundle (``flow.json``), empty when unreadable."""
    try:
        flow = open_component(ctx.model.path, "flow")
        info = flow.json("flow.json") if flow is not None else {}
    except BundleError:
        return {}
    return dict(info.get("metrics", {})) if isinstance(info, dict) else {}


def _links(
    ctx: EvalContext, test: Encoded, filt: DataFilter, active: np.ndarray
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, Any]]:
    """Physics-to-latent scores on held-out light curves with all physics (at most :data:`SCORE_OBJECTS`):
    one row per link, each link's per-dimension R^2 of its point prediction, and the fitting details."""
    fit = encode_rows(
        ctx.model.cvae,
        ctx.dataset_dir,
        "train",
        filt,
        seed=ctx.seed,
        max_complete=QUICK_FIT_OBJECTS if ctx.quick else FIT_OBJECTS,
    )
    settings = _QUICK_SETTINGS if ctx.quick else FIT_SETTINGS
    settings = replace(settings, seed=settings.seed + ctx.seed)
    reg, info = fit_regressors(
        fit.meta[list(PHYS_COLUMNS)].to_numpy(dtype=np.float64),
        fit.meta["class_index"].to_numpy(),
        fit.mu,
        fit.sigma,
        n_classes=ctx.model.cvae.config.n_classes,
        settings=settings,
    )
    scored = np.flatnonzero(test.complete & np.isin(test.meta["class_index"].to_numpy(), reg.fit_classes))
    limit = QUICK_SCORE_OBJECTS if ctx.quick else SCORE_OBJECTS
    scored = np.sort(np.random.default_rng(ctx.seed).permutation(scored)[:limit])
    if len(scored) < 2:
        raise ValueError(
            f"{ctx.dataset_dir}: fewer than 2 held-out light curves with all physical parameters "
            "of a class the regressors were fitted on"
        )
    check_disjoint(fit.meta["star_key"].tolist(), test.meta["star_key"].iloc[scored].tolist())
    target, meta = test.mu[scored], test.meta.iloc[scored]
    predictions = {name: _regressor_predictions(reg, name, meta, ctx.seed + 1) for name in reg.models}
    index = torch.from_numpy(scored)
    subset = FlowData(**{f.name: getattr(test.flow, f.name)[index] for f in fields(FlowData)})
    predictions["flow"] = _flow_predictions(ctx.model.flow, subset, ctx.seed)
    rows = [
        {"link": name, **link_scores(target, one, point, active), "objects": len(scored)}
        for name, (one, point) in predictions.items()
    ]
    per_dim = {name: r2_per_dimension(target, point)[1] for name, (_, point) in predictions.items()}
    details = {
        "fit_objects": len(fit.mu),
        "settings": settings.to_dict(),
        "flow_draws": FLOW_DRAWS,
        "fit_seconds": {name: i["fit_seconds"] for name, i in info.items()},
    }
    return pd.DataFrame(rows), per_dim, details


def _text(n: int, dims: pd.DataFrame, links: pd.DataFrame, ll: dict[str, Any]) -> str:
    """Findings in plain words from the measured numbers."""
    active = dims[dims["active"]]
    z = len(dims)
    names = ", ".join(f"mu_{d}" for d in active["dimension"]) or "none"
    out = [
        f"Of {z} latent dimensions, {len(active)} are active on {n} held-out real light curves (variance of the "
        f"means > {ACTIVE_THRESHOLD}, Burda et al. 2016): {names}; they hold "
        f"{active['mean KL (nats)'].sum():.2f} of the {dims['mean KL (nats)'].sum():.2f} nats of mean posterior KL "
        "per light curve."
    ]
    collapsed = dims[~dims["active"]]
    if len(collapsed):
        out.append(
            f"The {len(collapsed)} collapsed dimensions have variance of the means at most "
            f"{collapsed['variance of means'].max():.2g} and mean posterior sigma "
            f"{collapsed['mean sigma'].min():.2f}-{collapsed['mean sigma'].max():.2f} (the prior's 1)."
        )
    if not len(active):
        out.append(
            "No dimension is active: the latent means carry almost no information about the light curves, "
            "and there is nothing for physics to predict."
        )
    else:
        table = links.set_index("link")
        point = table["R2 (point, active dims)"]
        best = point.drop(index="flow").idxmax()
        out.append(
            f"On the active dimensions, physics (class, Teff, M_G, period) predicts the held-out latent means "
            f"with R^2 {point['flow']:.2f} for the flow prior's conditional median (which also sees the "
            f"passband) and {point[best]:.2f} for the best regressor ({best}; linear "
            f"{point.get('linear', math.nan):.2f}); over all dimensions the flow median scores "
            f"{table.loc['flow', 'R2 (point)']:.2f}. One flow draw per star, as in "
            f"generation, scores R^2 {table.loc['flow', 'R2 (one draw, active dims)']:.2f} on the active "
            f"dimensions (draws from the true conditional distribution would score about 2 R^2 - 1 = "
            f"{2 * point.max() - 1:.2f} with the best point R^2)"
            + (
                f" and {table.loc['flow', 'R2 (one draw)']:.2f} over all (the flow draws the collapsed "
                "dimensions with their posterior width around means near 0)."
                if len(collapsed)
                else "."
            )
        )
        per = ", ".join(f"mu_{r['dimension']} {r['R2 flow (point)']:.2f}" for _, r in active.iterrows())
        out.append(f"Per active dimension (flow median): {per}.")
    recorded = ll.get("validation draws at training")
    text = (
        f"The flow's mean log-likelihood of held-out codes with their log amplitudes is {ll['test draws']:.2f} "
        f"nats per light curve for one posterior draw each"
    )
    if recorded is not None:
        text += f" (validation at training: {recorded:.2f})"
    out.append(text + f" and {ll['test means']:.2f} for the latent means.")
    return " ".join(out)


def evaluate_latent(ctx: EvalContext) -> Section:
    """The latent-space section of the fidelity report for ``ctx.model``.

    Full mode encodes every real held-out light curve (within the model's training filter) and fits
    the regressors on :data:`FIT_OBJECTS` training light curves; quick mode uses the light curves of
    ``ctx.test_real`` and fewer fitting objects, copies and trees.
    """
    filt = _training_filter(ctx)
    ids = ctx.test_real["sample_id"].tolist() if ctx.quick else None
    test = encode_rows(ctx.model.cvae, ctx.dataset_dir, "test", filt, sample_ids=ids)
    if len(test.mu) < 2:
        raise ValueError(f"{ctx.dataset_dir}: the test split has fewer than 2 real light curves to encode")
    var, active = test.mu.var(axis=0), active_dimensions(test.mu)
    links, per_dim, details = _links(ctx, test, filt, active)
    dims = pd.DataFrame(
        {
            "dimension": np.arange(1, test.mu.shape[1] + 1),
            "variance of means": var,
            "mean sigma": test.sigma.mean(axis=0),
            "mean KL (nats)": posterior_kl(test.mu, test.sigma),
            "active": active,
        }
    )
    for name, r2 in per_dim.items():  # a collapsed dimension has no variance for physics to explain
        dims[f"R2 {name} (point)"] = np.where(active, r2, np.nan)
    recorded = _recorded_flow_metrics(ctx).get("val_log_likelihood")
    lls = _flow_log_likelihood(ctx.model.flow, test.flow, ctx.seed)
    ll = {"test draws": lls["draws"], "test means": lls["means"], "validation draws at training": recorded}

    log_teff = test.meta["log10_teff"].to_numpy(dtype=np.float64)
    figures = [
        (
            "Latent means of held-out real light curves, coloured by log10 Teff (grey: no Teff), as the paper's Fig. 6 "
            f"({ctx.label})",
            ctx.save_figure(
                pair_plot(test.mu, log_teff, categorical=False, colour_label="log10 Teff (K)"), "latent_pairs_teff"
            ),
        ),
        (
            f"The same, coloured by class ({ctx.label})",
            ctx.save_figure(
                pair_plot(test.mu, test.meta["vclass"].to_numpy(), categorical=True, colour_label="class"),
                "latent_pairs_class",
            ),
        ),
    ]
    flow_row = links.set_index("link").loc["flow"]
    summary: dict[str, Any] = {
        "headline": {
            "active latent dimensions": f"{int(active.sum())}/{len(active)}",
            "R2 physics->latent, active dims (flow median)": float(flow_row["R2 (point, active dims)"]),
            "flow log-likelihood, held-out draws (nats)": ll["test draws"],
        },
        "light_curves": len(test.mu),
        "latent_dim": len(active),
        "active_dimensions": int(active.sum()),
        "active_threshold": ACTIVE_THRESHOLD,
        "dimensions": dims.to_dict(orient="records"),
        "links": links.to_dict(orient="records"),
        "link_fit": details,
        "flow_log_likelihood": ll,
    }
    ll_table = pd.DataFrame(
        {
            "quantity": [
                "held-out: one posterior draw per light curve",
                "held-out: latent means",
                "validation at training: one draw per light curve",
            ],
            "mean log-likelihood (nats)": [
                ll["test draws"],
                ll["test means"],
                math.nan if recorded is None else recorded,
            ],
        }
    )
    return Section(
        name="latent",
        title="The latent space",
        summary=summary,
        tables=[
            (
                f"Per latent dimension: variance of the means, mean posterior sigma and KL to N(0, 1), active "
                f"(variance > {ACTIVE_THRESHOLD}), R2 of its held-out means from physics (active dimensions)",
                dims,
            ),
            (
                f"Physics -> latent on held-out light curves with all physical parameters (R2 variance-weighted; "
                f"point: regressor averaged over its dummy coordinate, flow median of {FLOW_DRAWS} draws; regressors "
                f"refitted on {details['fit_objects']} training light curves)",
                links,
            ),
            ("Flow prior: mean log p(z, log10 amplitude | class, physics, band)", ll_table),
        ],
        figures=figures,
        text=_text(len(test.mu), dims, links, ll),
    )
