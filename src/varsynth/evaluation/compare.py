"""Side-by-side comparison of trained models on one dataset and split (issue: beyond PELS-VAE).

Two tables: decoders (the paper's TCN / GRU / LSTM sequence decoders and the continuous periodic
decoder), by held-out reconstruction (error-weighted chi^2 per point and RMS in mmag on the real
test light curves), validation loss, size, training time and decoding speed; and physics-to-latent
links (the paper's linear / random-forest / MLP regressors against the conditional flow), by R^2
of the held-out latent means.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from varsynth.bench import decode_seconds
from varsynth.bundle import load_bundle
from varsynth.data.io import atomic_write
from varsynth.data.tensors import DataFilter
from varsynth.evaluation.reconstruction import reconstruction_table
from varsynth.generation.model import bundle_path
from varsynth.latent.flow import evaluate_flow, flow_data, load_flow
from varsynth.latent.regressors import regress_bundle
from varsynth.training.config import TrainConfig

__all__ = ["decoder_row", "latent_link_rows", "comparison_markdown", "write_comparison"]


def decoder_row(run: str | Path, dataset_dir: str | Path) -> dict[str, Any]:
    """One model's row: its config, fit summary, held-out reconstruction and decode time."""
    bundle = bundle_path(run)
    model, meta = load_bundle(bundle)
    cfg = TrainConfig.of_model(meta)
    fit = meta.get("fit", {})
    rec = reconstruction_table(model, dataset_dir, "test", data_filter=cfg.data)
    return {
        "run": str(run),
        "name": cfg.name,
        "arch": cfg.model.arch,
        "decoder": cfg.model.decoder,
        "parameters": sum(p.numel() for p in model.parameters()),
        "epochs": fit.get("epochs"),
        "seconds_per_epoch": fit.get("seconds_per_epoch"),
        "best_val_loss": fit.get("best_val_loss"),
        "test_light_curves": len(rec),
        "test_chi2_median": float(rec["model_chi2"].median()),
        "test_rms_mmag_median": float(rec["model_rms_mmag"].median()),
        "fourier4_chi2_median": float(rec["fourier_chi2"].median()),
        "fourier4_rms_mmag_median": float(rec["fourier_rms_mmag"].median()),
        "decode_100x300_seconds": decode_seconds(model),
    }


def latent_link_rows(run: str | Path, dataset_dir: str | Path) -> list[dict[str, Any]]:
    """R^2 of the held-out latent means from physics: the paper's regressors and the flow."""
    bundle = bundle_path(run)
    _, report = regress_bundle(bundle, dataset_dir)
    rows = [
        {
            "link": name,
            "r2": m["r2"],
            "r2_mean": m["r2_mean_dummy"],
            "rmse": m["rmse"],
            "objects": report["eval"]["samples"],
        }
        for name, m in report["metrics"].items()
    ]
    model, meta = load_bundle(bundle)
    flow, _ = load_flow(bundle)
    cfg = TrainConfig.of_model(meta)
    filt = DataFilter(cfg.data.surveys, cfg.data.bands, cfg.data.classes, real_only=True)
    for split in ("val", "test"):
        data = flow_data(model, dataset_dir, split, filt)
        m = evaluate_flow(flow, data)
        rows.append(
            {
                "link": f"flow ({split})",
                "r2": m["r2"],
                "r2_mean": m["r2_median"],
                "rmse": m["rmse"],
                "objects": m["objects"],
                "log_likelihood": m["log_likelihood"],
            }
        )
    return rows


def comparison_markdown(decoders: list[dict[str, Any]], links: list[dict[str, Any]]) -> str:
    """Both tables as Markdown."""
    lines = [
        "| model | encoder | decoder | parameters | epochs | s/epoch | best val loss | test chi2/pt | "
        "test RMS (mmag) | decode 100x300 (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in decoders:
        lines.append(
            f"| {r['name']} | {r['arch']} | {r['decoder']} | {r['parameters']:,} | {r['epochs']} | "
            f"{r['seconds_per_epoch']:.0f} | {r['best_val_loss']:.2f} | {r['test_chi2_median']:.2f} | "
            f"{r['test_rms_mmag_median']:.1f} | {r['decode_100x300_seconds']:.4f} |"
        )
    if decoders:
        r = decoders[0]
        lines.append(
            f"| order-4 Fourier fit (per star) | - | - | - | - | - | - | {r['fourier4_chi2_median']:.2f} | "
            f"{r['fourier4_rms_mmag_median']:.1f} | - |"
        )
    if links:
        lines += [
            "",
            "| physics -> latent | R^2 (one draw) | R^2 (point: regressor mean over dummies, flow median) | "
            "RMSE (one draw) | objects | log-likelihood |",
            "|---|---|---|---|---|---|",
        ]
        for r in links:
            ll = f"{r['log_likelihood']:.2f}" if "log_likelihood" in r else "-"
            lines.append(
                f"| {r['link']} | {r['r2']:.3f} | {r['r2_mean']:.3f} | {r['rmse']:.3f} | {r['objects']} | {ll} |"
            )
    return "\n".join(lines) + "\n"


def write_comparison(
    runs: list[str | Path], dataset_dir: str | Path, out: str | Path, latent_run: str | Path | None = None
) -> dict[str, Any]:
    """Compute both tables and write ``out`` (Markdown) and ``out`` with ``.json``."""
    decoders = [decoder_row(r, dataset_dir) for r in runs]
    links = latent_link_rows(latent_run, dataset_dir) if latent_run else []
    out = Path(out)
    result = {"dataset": str(dataset_dir), "decoders": decoders, "latent_links": links}
    atomic_write(out, lambda tmp: tmp.write_text(comparison_markdown(decoders, links)))
    atomic_write(out.with_suffix(".json"), lambda tmp: tmp.write_text(json.dumps(result, indent=2) + "\n"))
    return result
