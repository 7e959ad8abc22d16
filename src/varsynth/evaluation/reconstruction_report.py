"""Report section: reconstruction of held-out real light curves, next to an order-4 Fourier fit.

Every real light curve of the held-out ``test`` split (stars the model never saw) is encoded to
its latent mean, decoded at its own phases and put back in magnitudes
(:func:`~varsynth.evaluation.reconstruction.reconstruction_table`). Per light curve: the
error-weighted chi^2 per point and the RMS residual (mmag), for the model and for a weighted
least-squares Fourier series of order 4 fitted to the same points (9 free parameters per star, a
flexible in-sample baseline). The section tabulates medians per class and per survey/band, the
fraction of light curves the model fits better than the Fourier series (lower chi^2), and draws
the paper-style grid of reconstructions (Martinez-Palomera et al. 2022, Figs. 5 and 7).

For scale, :data:`REFERENCE` quotes numbers measured outside this section: the authors' released
model on OGLE-III LMC Cepheids that were in its own training set, and an order-4 Fourier fit to
them. The held-out OGLE-III I-band Cepheids of our test split (LMC stars) are the like-for-like
subset.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from varsynth.data.tensors import DataFilter
from varsynth.evaluation.context import FIGURE_DPI, EvalContext, Section
from varsynth.evaluation.reconstruction import reconstructed_curves, reconstruction_table, summarise_reconstruction
from varsynth.taxonomy import CLASSES

__all__ = [
    "REFERENCE",
    "LIKE_FOR_LIKE",
    "reconstruction_summary",
    "panel_choice",
    "reconstruction_grid",
    "evaluate_reconstruction",
]

#: Quoted, not measured here: the authors' released PELS-VAE model run on OGLE-III LMC Cepheids
#: (I band) that were in its own training set, and an order-4 Fourier fit to the same light curves
#: (medians; RMS in mmag, chi^2 per point).
REFERENCE: dict[str, Any] = {
    "population": "OGLE-III LMC Cepheids (I band) from its own training set",
    "authors_model": {"rms_mmag": 16.9, "chi2": 7.9},
    "fourier4": {"rms_mmag": 9.2, "chi2": 2.2},
}
#: (survey, band, class) of the held-out light curves comparable with :data:`REFERENCE`.
LIKE_FOR_LIKE: tuple[str, str, str] = ("ogle3", "I", "CEP")
_MIN_POINTS = 30  # panels show light curves with at least this many points when the class has them


def reconstruction_summary(rows: pd.DataFrame, by: str = "vclass") -> pd.DataFrame:
    """Medians per group (and ``all``) of :func:`summarise_reconstruction`, with the fraction of
    light curves where the model's chi^2 per point is below the Fourier fit's (``model_better``)."""
    if not len(rows):
        raise ValueError("rows is empty: no held-out light curves to summarise")
    out = summarise_reconstruction(rows, by)
    better = rows["model_chi2"] < rows["fourier_chi2"]
    out["model_better"] = pd.concat([better.groupby(rows[by]).mean(), pd.Series({"all": better.mean()})]).round(3)
    out["n"] = out["n"].astype(int)
    return out


def panel_choice(rows: pd.DataFrame, per_class: int, min_points: int = _MIN_POINTS) -> list[str]:
    """Sample ids of the light curves to draw: per class (taxonomy order), the ones at the quantiles
    (k + 1/2) / ``per_class`` of the model's chi^2, among those with ``min_points`` points or more
    when the class has ``per_class`` of them (else among all of the class)."""
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    chosen: list[str] = []
    order = [c for c in CLASSES if c in set(rows["vclass"])] + sorted(set(rows["vclass"]) - set(CLASSES))
    for vclass in order:
        part = rows[rows["vclass"] == vclass]
        rich = part[part["n_points"] >= min_points]
        part = (rich if len(rich) >= per_class else part).sort_values("model_chi2", kind="stable")
        picks = np.unique(np.floor((np.arange(per_class) + 0.5) / per_class * len(part)).astype(int))
        chosen += part["sample_id"].iloc[picks].tolist()
    return chosen


def _label(sample_id: str) -> str:
    """``survey:star:band:0`` -> ``star (band)``."""
    parts = sample_id.split(":")
    return f"{parts[1]} ({parts[2]})" if len(parts) >= 3 else sample_id


def reconstruction_grid(panels: pd.DataFrame, ncols: int = 4) -> Figure:
    """The paper-style grid: each panel one held-out light curve folded on its period (points with
    error bars, magnitudes inverted), the model's reconstruction (line) and the Fourier fit (dashed).

    Arguments:
        panels: one row per panel with ``sample_id, vclass, phase, mag, mag_err`` (real points),
            ``grid, model_mag, fourier_mag`` (:func:`reconstructed_curves`) and ``model_chi2,
            fourier_chi2``.
        ncols: panels per row.
    """
    if not len(panels):
        raise ValueError("panels is empty: nothing to draw")
    nrows = math.ceil(len(panels) / ncols)
    fig = Figure(figsize=(3.1 * ncols, 2.4 * nrows + 0.3), dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (_, p) in zip(axes, panels.iterrows()):
        ax.errorbar(
            p["phase"],
            p["mag"],
            yerr=p["mag_err"],
            fmt="o",
            ms=2,
            color="0.55",
            elinewidth=0.5,
            capsize=0,
            label="real (held out)",
            zorder=1,
        )
        ax.plot(p["grid"], p["fourier_mag"], "--", color="tab:orange", lw=1.1, label="Fourier fit, order 4", zorder=2)
        ax.plot(p["grid"], p["model_mag"], "-", color="tab:blue", lw=1.4, label="model reconstruction", zorder=3)
        ax.set_title(
            f"{p['vclass']}  {_label(p['sample_id'])}\n"
            f"$\\chi^2$/pt model {p['model_chi2']:.2f}, Fourier {p['fourier_chi2']:.2f}",
            fontsize=7,
        )
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.tick_params(labelsize=7)
        ax.set_xlabel("phase", fontsize=7)
        ax.set_ylabel("magnitude (mag)", fontsize=7)
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    axes[0].legend(fontsize=6, loc="best")
    return fig


def _training_filter(ctx: EvalContext) -> DataFilter:
    """The model's training data filter (surveys, bands, classes): held-out light curves outside it are not scored."""
    meta = ctx.model.metadata
    return DataFilter.of_model(meta)


def _percent(fraction: float) -> str:
    """A fraction as a percentage, with a decimal below 10% (0.3%, not 0%)."""
    return f"{100 * fraction:.1f}%" if fraction < 0.1 else f"{100 * fraction:.0f}%"


def _medians(rows: pd.DataFrame) -> dict[str, float]:
    return {k: float(rows[k].median()) for k in ("model_chi2", "model_rms_mmag", "fourier_chi2", "fourier_rms_mmag")}


def _text(rows: pd.DataFrame, per_class: pd.DataFrame, per_band: pd.DataFrame, like: pd.DataFrame) -> str:
    """Findings in plain words from the measured numbers."""
    m = _medians(rows)
    better = float((rows["model_chi2"] < rows["fourier_chi2"]).mean())
    classes = per_class.drop(index="all")
    ratio = (classes["model_rms_mmag"] / classes["fourier_rms_mmag"]).sort_values()
    out = [
        f"On {len(rows)} held-out real light curves the model's median chi^2 per point is "
        f"{m['model_chi2']:.2f} (RMS {m['model_rms_mmag']:.1f} mmag), against {m['fourier_chi2']:.2f} "
        f"({m['fourier_rms_mmag']:.1f} mmag) for an order-4 Fourier series fitted to the same points; the model "
        f"fits better (lower chi^2) for {_percent(better)} of them."
    ]
    if len(ratio):
        out.append(
            f"Closest to the Fourier fit: {ratio.index[0]} (model RMS {ratio.iloc[0]:.2f}x the Fourier RMS, "
            f"n = {int(classes.loc[ratio.index[0], 'n'])}); farthest: {ratio.index[-1]} "
            f"({ratio.iloc[-1]:.2f}x, n = {int(classes.loc[ratio.index[-1], 'n'])})."
        )
    bands = per_band.drop(index="all")
    if len(bands) > 1:
        worst = bands["model_chi2"].idxmax()
        out.append(
            f"By survey and band the model's median chi^2 ranges from {bands['model_chi2'].min():.2f} "
            f"({bands['model_chi2'].idxmin()}) to {bands['model_chi2'].max():.2f} ({worst}, where the Fourier "
            f"fit reaches {bands.loc[worst, 'fourier_chi2']:.2f})."
        )
    ref, survey, band, vclass = REFERENCE, *LIKE_FOR_LIKE
    quoted = (
        f"For scale (quoted, not measured here): the authors' released model on {ref['population']} reaches "
        f"a median RMS of {ref['authors_model']['rms_mmag']} mmag (chi^2 {ref['authors_model']['chi2']} per "
        f"point), an order-4 Fourier fit {ref['fourier4']['rms_mmag']} mmag (chi^2 {ref['fourier4']['chi2']})."
    )
    if len(like):
        lm = _medians(like)
        quoted += (
            f" On the comparable held-out stars ({survey} {band}-band {vclass}, n = {len(like)}, never seen in "
            f"training) this model reaches {lm['model_rms_mmag']:.1f} mmag (chi^2 {lm['model_chi2']:.2f}) "
            f"and the Fourier fit {lm['fourier_rms_mmag']:.1f} mmag (chi^2 {lm['fourier_chi2']:.2f}); the goal "
            "is to match the Fourier fit on stars the model never saw."
        )
    out.append(quoted)
    return " ".join(out)


def evaluate_reconstruction(ctx: EvalContext) -> Section:
    """The reconstruction section of the fidelity report for ``ctx.model``.

    Full mode scores every real held-out light curve (within the model's training filter); quick
    mode the light curves of ``ctx.test_real`` (a random subset per class).
    """
    ids = ctx.test_real["sample_id"].tolist() if ctx.quick else None
    filt = _training_filter(ctx)
    rows = reconstruction_table(ctx.model.cvae, ctx.dataset_dir, "test", data_filter=filt, sample_ids=ids)
    if not len(rows):
        raise ValueError(
            f"{ctx.dataset_dir}: the test split has no real light curves within the model's "
            "training filter to reconstruct"
        )
    per_class = reconstruction_summary(rows)
    rows = rows.assign(survey_band=rows["survey"] + " " + rows["band"])
    per_band = reconstruction_summary(rows, "survey_band")
    survey, band, vclass = LIKE_FOR_LIKE
    like = rows[(rows["survey"] == survey) & (rows["band"] == band) & (rows["vclass"] == vclass)]

    n_classes = rows["vclass"].nunique()
    chosen = panel_choice(rows, per_class=max(1, min(3, 16 // n_classes)))
    curves = reconstructed_curves(ctx.model.cvae, ctx.dataset_dir, chosen, "test", data_filter=filt)
    real = ctx.test_real.set_index("sample_id").loc[chosen, ["phase", "mag", "mag_err"]].reset_index()
    panels = (
        pd.DataFrame({"sample_id": chosen})
        .merge(rows, on="sample_id")
        .merge(curves, on="sample_id")
        .merge(real, on="sample_id")
    )
    figure = ctx.save_figure(reconstruction_grid(panels), "reconstruction_grid")
    where = (
        "decoded on a dense phase grid"
        if ctx.model.cvae.config.decoder == "periodic"
        else "the sequence decoder at the light curve's own phases"
    )

    m = _medians(rows)
    better = float((rows["model_chi2"] < rows["fourier_chi2"]).mean())
    columns = {
        "model_chi2": "model chi2/pt",
        "model_rms_mmag": "model RMS (mmag)",
        "fourier_chi2": "Fourier-4 chi2/pt",
        "fourier_rms_mmag": "Fourier-4 RMS (mmag)",
        "model_better": "model better (fraction)",
        "n": "n",
    }
    summary: dict[str, Any] = {
        "headline": {
            "model chi2/pt (median)": m["model_chi2"],
            "model RMS mmag (median)": m["model_rms_mmag"],
            "Fourier-4 RMS mmag (median)": m["fourier_rms_mmag"],
            "model better than Fourier-4": better,
        },
        "headline_reference": {
            "model chi2/pt (median)": m["fourier_chi2"],
            "model RMS mmag (median)": m["fourier_rms_mmag"],
        },
        "light_curves": len(rows),
        "medians": m,
        "model_better_fraction": better,
        "per_class": per_class.reset_index(names="vclass").to_dict(orient="records"),
        "per_survey_band": per_band.reset_index(names="survey_band").to_dict(orient="records"),
        "like_for_like": {
            "survey": survey,
            "band": band,
            "vclass": vclass,
            "n": len(like),
            **(_medians(like) if len(like) else {}),
        },
        "reference": {
            **REFERENCE,
            "note": "quoted, not measured by this section: the authors' model on its own training stars",
        },
        "panels": chosen,
    }
    return Section(
        name="reconstruction",
        title="Reconstruction of held-out light curves",
        summary=summary,
        tables=[
            (
                "Medians per class (held-out real light curves; chi2 per point, RMS in mmag; model better: "
                "fraction with lower chi2 than the Fourier fit)",
                per_class.rename(columns=columns).rename_axis("class"),
            ),
            ("Medians per survey and band", per_band.rename(columns=columns).rename_axis("survey band")),
        ],
        figures=[
            (
                f"Held-out real light curves (grey) with the model's reconstruction from the latent mean (blue; "
                f"{where}) and an order-4 Fourier fit (dashed); per class, the light curves at evenly spaced "
                f"quantiles of the model's chi2 ({ctx.label})",
                figure,
            )
        ],
        text=_text(rows, per_class, per_band, like),
    )
