"""The model card of a generative bundle: data, recipe, measured metrics and known limits.

Written by ``varsynth card`` into the bundle as its ``card`` component, ``MODEL_CARD.md`` (and
``card.json``), from the bundle's own metadata, the dataset it was trained on and a
reconstruction of the held-out test stars, so that every number in it is measured, not expected.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import yaml

from varsynth.bundle import MANIFEST, open_component, write_component
from varsynth.data.io import read_split
from varsynth.evaluation.reconstruction import reconstruction_table, summarise_reconstruction
from varsynth.generation.model import GenerativeModel, load_model
from varsynth.generation.noise import MATCHED_ENTRIES
from varsynth.physics.luminosity import class_luminosity
from varsynth.training.config import TrainConfig

__all__ = ["model_card", "write_model_card"]

#: Classes with fewer real training stars than this are named as thin in the limits.
_FEW_STARS = 300


def _data_counts(dataset_dir: Path, cfg: TrainConfig) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Real training stars per class and survey, and training samples per class (with augmentation)."""
    table = cfg.data.apply(read_split(dataset_dir, "train"))
    samples = {k: int(v) for k, v in zip(*np.unique(table["vclass"].to_pylist(), return_counts=True))}
    real = table.filter(pc.invert(table["augmented"])).select(["vclass", "survey", "star_key"]).to_pandas()
    stars = real.drop_duplicates("star_key").groupby(["vclass", "survey"]).size()
    counts: dict[str, dict[str, int]] = {}
    for (vclass, survey), n in stars.items():
        counts.setdefault(vclass, {})[survey] = int(n)
    return counts, samples


#: Left out of the bundle size the card states: its own files and the manifest that lists them, so
#: that writing the card again gives the same card.
_NOT_COUNTED = ("card.json", "MODEL_CARD.md", MANIFEST)


def _size_kb(path: Path) -> float:
    """Size (kB) of the bundle's files in ``path`` but the card's and the manifest."""
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file() and f.name not in _NOT_COUNTED) / 1024


def _noise_summary(noise: dict[str, Any]) -> dict[str, Any]:
    """The noise record without its residual libraries (the bundle's ``noise.json`` holds them):
    the card keeps the distributions' quantiles and the fitted tails."""

    def strip(record: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in record.items() if k not in ("library", "classes")}
        if "classes" in record:
            out["classes"] = {c: strip(r) for c, r in record["classes"].items()}
        return out

    return {survey: {band: strip(rec) for band, rec in bands.items()} for survey, bands in noise.items()}


def model_card(model: GenerativeModel, dataset_dir: str | Path) -> tuple[str, dict[str, Any]]:
    """The Markdown card and its numbers (JSON-ready) for ``model`` trained on ``dataset_dir``."""
    dataset_dir = Path(dataset_dir)
    meta = model.metadata
    cfg = TrainConfig.of_model(meta)
    fit = meta.get("fit", {})
    counts, samples = _data_counts(dataset_dir, cfg)
    rec = summarise_reconstruction(reconstruction_table(model.cvae, dataset_dir, "test", data_filter=cfg.data))
    surveys = sorted({s for c in counts.values() for s in c})
    lo, hi = model.catalog.wave_range()
    missing_teff = {
        c: float(np.mean(~np.isfinite(model.catalog.phys[model.catalog.vclass == c, 0]))) for c in sorted(counts)
    }
    thin = [c for c in sorted(counts) if sum(counts[c].values()) < _FEW_STARS]
    by_relation = [c for c in sorted(counts) if class_luminosity(c) is not None]
    numbers = {
        "dataset_id": fit.get("dataset_id"),
        "stars": counts,
        "train_samples": samples,
        "fit": {**fit, "noise": _noise_summary(fit.get("noise") or {})} if "noise" in fit else fit,
        "reconstruction_test": rec.reset_index(names="group").to_dict(orient="records"),
        "wave_range_nm": [lo, hi],
        "teff_missing_fraction": missing_teff,
        "size_kb": round(_size_kb(model.path), 1),
    }
    lines = [
        f"# Model card: varsynth `{cfg.name}`",
        "",
        "A conditional VAE of variable-star light curves (PELS-VAE family, Martinez-Palomera et al. 2022)",
        f"with a `{cfg.model.arch}` encoder and a `{cfg.model.decoder}` decoder"
        + (f" ({cfg.model.harmonics} Fourier harmonics, exactly periodic)" if cfg.model.decoder == "periodic" else "")
        + f", latent dimension {cfg.model.latent_dim}, conditioned on class, physics "
        f"({', '.join(cfg.model.physics)}) and passband wavelength, with a conditional normalizing-flow prior",
        "p(z, log amplitude | class, physics, band) for generation" + _flow_words(cfg.flow) + ". "
        f"Files: {numbers['size_kb']} kB of safetensors, Parquet and JSON (no code runs on loading).",
        "",
        "## Training data",
        "",
        f"Dataset `{fit.get('dataset_id')}` (built by `varsynth data build --config configs/data/default.yaml`).",
        "Real training stars per class and survey (test and validation stars are other stars):",
        "",
        "| class | " + " | ".join(surveys) + " | stars | training samples (with augmentation) |",
        "|---|" + "---|" * (len(surveys) + 2),
    ]
    for c in sorted(counts):
        row = [str(counts[c].get(s, 0)) for s in surveys]
        lines.append(f"| {c} | " + " | ".join(row) + f" | {sum(counts[c].values())} | {samples.get(c, 0)} |")
    lines += [
        "",
        "## Training recipe",
        "",
        "```bash",
        f"varsynth train --config configs/train/{cfg.name}.yaml --data datasets/default --out runs/{cfg.name}",
        "```",
        "",
        "```yaml",
        yaml.safe_dump(cfg.to_dict(), sort_keys=False).rstrip(),
        "```",
        "",
        *(
            [
                f"The command above trained this model from scratch in {fit['train_wall_seconds'] / 60:.1f} min "
                f"wall-clock (network and flow prior) with {fit.get('torch_threads', 'unrecorded')} torch threads; "
                "the weights in this bundle are what it wrote.",
                "",
            ]
            if "train_wall_seconds" in fit
            else []
        ),
        *_generation_lines(cfg, fit),
        "## Metrics (measured)",
        "",
        f"- best validation loss (eq. 4): {fit.get('best_val_loss', float('nan')):.4f} after "
        f"{fit.get('epochs')} epochs, {fit.get('seconds_per_epoch', float('nan')):.0f} s per epoch "
        f"(on the training machine; see docs/training.md)",
        f"- flow prior: validation log-likelihood {fit.get('flow', {}).get('val_log_likelihood', float('nan')):.3f} "
        f"nats per sample after {fit.get('flow', {}).get('epochs')} epochs",
        "",
        "Reconstruction of the held-out test stars (real light curves only; medians per class; "
        "the model encodes each light curve and decodes it at its own phases; the baseline is an "
        "order-4 Fourier series fitted by weighted least squares to the same points):",
        "",
        "| class | n | model chi2/pt | model RMS (mmag) | Fourier-4 chi2/pt | Fourier-4 RMS (mmag) |",
        "|---|---|---|---|---|---|",
    ]
    for group, r in rec.iterrows():
        lines.append(
            f"| {group} | {int(r['n'])} | {r['model_chi2']:.2f} | {r['model_rms_mmag']:.1f} | "
            f"{r['fourier_chi2']:.2f} | {r['fourier_rms_mmag']:.1f} |"
        )
    calibration = open_component(model.path, "calibration")  # written by `varsynth calibrate --json`
    if calibration is not None:
        cal = calibration.json("calibration.json")
        numbers["calibration"] = cal
        lines += calibration_lines(cal)
    lines += [
        "",
        "## Known limits",
        "",
        f"- Passbands: trained on {lo:.0f}-{hi:.0f} nm (effective wavelengths: "
        + (
            "each star's temperature, or its class's typical one, through the EROS-1 channels and Gaia G; "
            "the published value in the other bands"
            if model.cvae.config.colour_wavelengths
            else "each band's published value"
        )
        + "); bands outside "
        "(e.g. LSST y) are left out or, with `--allow-extrapolation`, generated and flagged. Within "
        "that range, a band outside the wavelengths of a class's own training light curves is generated "
        "with a warning: its shape and amplitude come from what the wavelength conditioning learned on "
        "other classes. Per class (nm): "
        + ", ".join(f"{c} {_nm_range(model.catalog.wave_range(c))}" for c in sorted(counts))
        + ".",
        "- Physics outside a class's training range is refused unless `--allow-extrapolation`.",
        (f"- Classes resting on few real stars (< {_FEW_STARS}): {', '.join(thin)}.")
        if thin
        else f"- Every class has at least {_FEW_STARS} real training stars.",
        "- Teff is missing (no Gaia DR2 match) for part of each class; the fraction per class: "
        + ", ".join(f"{c} {100 * v:.0f}%" for c, v in missing_teff.items())
        + ".",
        *(
            [
                "- M_G of " + ", ".join(by_relation) + " (no distances in their surveys) comes from period "
                "relations (`varsynth.physics.luminosity`, docs/data.md): drawn with their scatter at generation, "
                "so these classes need no `--abs-mag` or `--mean-mag`."
            ]
            if by_relation
            else []
        ),
        "- Amplitudes are learned from the peak-to-peak range of the cleaned training light curves, "
        "which includes their noise: faint, noisy surveys (CRTS) inflate them slightly.",
        "- Mean magnitudes in bands other than G use black-body colours of the star's Teff "
        "(`varsynth.generation.photometry`), good to a few tenths of a magnitude.",
        "- Bands of one star share the flow's base draw, but the model does not force their shapes to "
        "agree: the phase of maximum light can differ between bands, most in u (few u-band training "
        "light curves, SDSS only).",
        (
            "- Reconstruction of held-out stars is worse than a per-star order-4 Fourier fit (table above)."
            if rec.loc["all", "model_chi2"] > rec.loc["all", "fourier_chi2"]
            else "- Reconstruction of held-out stars matches or beats a per-star order-4 Fourier fit (table above)."
        ),
        "- Multi-mode, Blazhko and semi-regular stars were removed from training (paper section 2.1): "
        "the model draws stable, strictly periodic light curves only.",
    ]
    return "\n".join(lines) + "\n", numbers


def _flow_words(flow: Any) -> str:
    """`` (a masked autoregressive flow of 4 spline transforms of 256 units)`` for a flow config, or ``""``."""
    if flow is None:
        return ""
    kind = "an inverse autoregressive" if getattr(flow, "inverse_autoregressive", False) else "a masked autoregressive"
    uni = getattr(flow, "univariate", "spline")
    return f" ({kind} flow of {flow.transforms} {uni} transforms of {flow.hidden} units)"


def write_model_card(model: str | Path | GenerativeModel, dataset_dir: str | Path) -> Path:
    """Write ``MODEL_CARD.md`` and ``card.json`` into the model's bundle folder."""
    gm = model if isinstance(model, GenerativeModel) else load_model(model)
    text, numbers = model_card(gm, dataset_dir)
    write_component(gm.path, "card", {"card.json": numbers, "MODEL_CARD.md": text})
    return gm.path / "MODEL_CARD.md"


def _generation_lines(cfg: Any, fit: dict[str, Any]) -> list[str]:
    """How the bundle draws shapes and noise, from its flow config and its recorded noise."""
    lines = ["## How it generates", ""]
    h = getattr(cfg.flow, "neighbour_bandwidth", None) if cfg.flow is not None else None
    lines.append(
        f"- Shape and amplitude: the flow's base point is drawn near that of the training light curve whose "
        f"physics the star takes (kernel bandwidth {h} in the standard-normal base space; "
        "`flow.neighbour_bandwidth`), then mapped by the flow at the star's own physics and passband."
        if h is not None
        else "- Shape and amplitude: a standard-normal draw through the flow prior."
    )
    dex = getattr(cfg.flow, "neighbour_passband_dex", None) if cfg.flow is not None else None
    if h is not None and dex is not None:
        lines.append(
            f"- Neighbours near the passband: that training light curve is chosen among those nearest in physics "
            f"and in passband, a passband {dex} dex away in effective wavelength counting as one standard "
            "deviation of a physical parameter (`flow.neighbour_passband_dex`), so that the flow carries its "
            "base point across as little wavelength as the training data allows"
            + (
                "; only for a passband outside the wavelengths of the class's training light curves "
                "(`flow.neighbour_passband_outside`), by physics alone inside them."
                if getattr(cfg.flow, "neighbour_passband_outside", False)
                else "."
            )
        )
    classes = getattr(cfg.flow, "catalog_amplitudes", ()) if cfg.flow is not None else ()
    if classes:
        lines.append(
            f"- I-band amplitudes from the OGLE-III catalog ({', '.join(classes)}): training stars of these classes "
            "seen only in other surveys' bands that are OGLE-III catalog stars of the same class and period are "
            "also neighbours in I, with their own shape code and the catalog's I-band amplitude "
            "(`flow.catalog_amplitudes`; the shape in I is the decoder's, from the other band's code)."
        )
    lines.append(
        "- Conditioning: a drawn physical parameter that the training star it was drawn near did not have "
        "(e.g. Teff of most LPVs) is masked for the network and the flow, as it was in training; the drawn "
        "value is kept in the output and the photometry."
    )
    noise = fit.get("noise") or {}
    if noise:
        parts = [
            f"{survey} {band} {rec['scale_quantiles'][len(rec['scale_quantiles']) // 2]:.2f}"
            for survey, bands in sorted(noise.items())
            for band, rec in sorted(bands.items())
        ]
        library = any("library" in rec for bands in noise.values() for rec in bands.values())
        how = (
            "the noise of one real training light curve of that survey, band and class, drawn from its "
            f"residual library among the {MATCHED_ENTRIES} whose median errors are nearest the generated "
            "light curve's (among all where its errors lie outside the library's range or the cadence has "
            "no error model): that light curve's scale factor over the errors, scatter ceiling and own "
            "residual distribution"
            if library
            else "each light curve's errors times a scale factor drawn from that survey's, band's and "
            "class's measured distribution, with Student-t tails"
        )
        jitter = [
            (survey, band, np.asarray(rec["library"]["jitter"], dtype=float))
            for survey, bands in sorted(noise.items())
            for band, rec in sorted(bands.items())
            if (rec.get("library") or {}).get("jitter")
        ]
        if jitter:
            how += (
                " and phase jitter (its shape evaluated at each epoch's phase plus N(0, j) cycles; "
                "share of the library's light curves with a jitter, and their median j, per survey "
                "and band: "
                + ", ".join(
                    f"{survey} {band} {np.mean(j > 0):.0%}" + (f" {np.median(j[j > 0]):.4f}" if np.any(j > 0) else "")
                    for survey, band, j in jitter
                )
                + ")"
            )
        visit = [
            (survey, band, np.asarray(rec["library"]["visit"], dtype=float))
            for survey, bands in sorted(noise.items())
            for band, rec in sorted(bands.items())
            if any((rec.get("library") or {}).get("visit") or [])
        ]
        if visit:
            how += (
                " and visit fraction rho (a share rho of its residual variance drawn once per visit, "
                "epochs less than 0.3 d apart; median rho of the library's light curves per survey and "
                "band where any is above 0: "
                + ", ".join(f"{survey} {band} {np.median(v):.2f}" for survey, band, v in visit)
                + ")"
            )
        lines.append(
            f"- Noise on a training survey's own cadence: {how} "
            "(`varsynth.training.noise`); median scale factors per survey and band: "
            + ", ".join(parts)
            + ". Other cadences: Gaussian noise of the errors."
        )
    else:
        lines.append("- Noise: Gaussian of the errors (this bundle records no survey noise).")
    return lines + [""]


def _nm_range(lo_hi: tuple[float, float]) -> str:
    lo, hi = lo_hi
    return f"{lo:.0f}" if round(lo) == round(hi) else f"{lo:.0f}-{hi:.0f}"


def _width(value: Any) -> str:
    """A median interval width, or a dash where no interval could be given (``None``)."""
    return f"{value:.3g}" if isinstance(value, (int, float)) and math.isfinite(value) else "–"


def calibration_lines(cal: dict[str, Any]) -> list[str]:
    """The model card's Markdown of a ``calibration.json`` (:func:`varsynth.inference.calibration.calibrate`):
    coverages with the fitted posterior settings, next to the raw ones when the fit is recorded."""
    post: dict[str, Any] = cal.get("posterior") or {}
    raw: dict[str, Any] = cal.get("raw") or {}
    fitted = bool(post.get("fitted_on") and raw)
    extra = " raw: 68% | raw: 95% | raw: 68% width |" if fitted else ""
    lines = [
        "",
        f"Inference calibration (`varsynth calibrate`, {cal['n_stars']} held-out {cal['split']} light curves, "
        f"{cal['n_candidates']} candidates per class; see docs/inference.md): coverage of the 68% and 95% "
        "posterior intervals, and the median width of the 68% interval (K, mag, days). Each light curve is "
        "folded on its catalog period; 'nothing known' hides the period from the posterior, not from the fold.",
        "",
        "| setting | parameter | n | 68% coverage | 95% coverage | 68% width |" + extra,
        "|---|---|---|---|---|---|" + ("---|" * 3 if fitted else ""),
    ]
    for setting, per in cal["settings"].items():
        for name, m in per.items():
            row = (
                f"| {setting.replace('_', ' ')} | {name} | {m['n']} | {m['coverage_68']:.2f} | "
                f"{m['coverage_95']:.2f} | {_width(m['median_width_68'])} |"
            )
            if fitted:
                r = raw["settings"][setting][name]
                row += f" {r['coverage_68']:.2f} | {r['coverage_95']:.2f} | {_width(r['median_width_68'])} |"
            lines.append(row)
    accuracy = f"Most probable class correct for {100 * cal['class_accuracy_period_known']:.0f}% of them"
    if fitted:
        lines += [
            "",
            f"The posterior weights each candidate by the flow's density to the power {post['temperature']:g} "
            f"and draws the candidates from the {post['neighbours']} training light curves of the class "
            f"nearest the known parameters, both fitted on {post['n_stars_fit']} {post['fitted_on']} light "
            f"curves (mean |coverage - level| {post['coverage_error']:.3f} there, "
            f"{post['coverage_error_' + cal['split']]:.3f} on these); 'raw' is the density itself over "
            f"{raw['neighbours']} neighbours ({raw['coverage_error']:.3f} on these).",
        ]
        accuracy += f" (raw: {100 * raw['class_accuracy_period_known']:.0f}%)"
    return [*lines, "", accuracy + " with the period known (each star folded as its true class)."]
