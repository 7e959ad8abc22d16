"""The bars of issue #11, each with the model's value, the target, pass or fail and the miss.

:func:`issue_targets` reads every value from the numbers the report's sections already wrote
(one model's ``sections`` of ``report.json``); nothing is recomputed. A bar whose section did
not run, failed, or lacks the number (e.g. the OGLE-III catalog comparisons without the catalog)
is reported as not measured. The miss is how far the value lies beyond the bar, in the value's
own units (0 when the bar is met).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = [
    "RECONSTRUCTION_RATIO",
    "MIN_CLASS_CURVES",
    "MAX_AUC",
    "MACRO_F1_FRACTION",
    "HELDOUT_RATIO",
    "CATALOG_RATIO",
    "DIP_LOG_P_DEX",
    "DIP_DEPTH",
    "RR_LYRAE_RELATIVE",
    "LPV_AMPLITUDE_RELATIVE",
    "MIN_ACTIVE_DIMENSIONS",
    "MIN_FLOW_R2",
    "issue_targets",
    "targets_frame",
    "targets_tally",
]

#: Reconstruction: median chi^2 per point at most this times the order-4 Fourier fit's ...
RECONSTRUCTION_RATIO = 1.25
#: ... overall and for every class with at least this many held-out light curves.
MIN_CLASS_CURVES = 50
#: Real-vs-generated discriminator ROC AUC at most this.
MAX_AUC = 0.65
#: Macro-F1 trained on generated light curves at least this fraction of macro-F1 trained on real ones.
MACRO_F1_FRACTION = 0.9
#: Median Wasserstein distance / noise floor at most this against held-out stars, and the OGLE-III catalog.
HELDOUT_RATIO, CATALOG_RATIO = 1.5, 2.0
#: Cepheid R21 minimum within this many dex of the real log P (days), its depth within this of the real one.
DIP_LOG_P_DEX, DIP_DEPTH = 0.05, 0.05
#: RRab dphi31/dP and Bailey slope within this relative difference of the real values.
RR_LYRAE_RELATIVE = 0.25
#: LPV amplitude medians within this relative difference of the real ones.
LPV_AMPLITUDE_RELATIVE = 0.2
#: At least this many active latent dimensions.
MIN_ACTIVE_DIMENSIONS = 4
#: Physics -> latent R^2 of the flow (point prediction, active dimensions) at least this.
MIN_FLOW_R2 = 0.6


def _number(value: Any) -> float:
    """A float from a JSON number; NaN for ``None``, text or anything else."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def _bar(
    bar: str, target: str, value: Any, threshold: float, upper: bool, detail: str = "", se: Any = None
) -> dict[str, Any]:
    """One row: ``value`` must be at most (``upper``) or at least ``threshold``; ``se``: its
    standard error where the section measured one."""
    value, se = _number(value), _number(se)
    se_or_none = se if math.isfinite(se) and se >= 0 else None
    if not math.isfinite(value):
        return {
            "bar": bar,
            "target": target,
            "value": None,
            "se": None,
            "threshold": threshold,
            "passed": None,
            "miss": None,
            "detail": detail or "not measured",
        }
    passed = value <= threshold if upper else value >= threshold
    miss = 0.0 if passed else abs(value - threshold)
    return {
        "bar": bar,
        "target": target,
        "value": value,
        "se": se_or_none,
        "threshold": threshold,
        "passed": bool(passed),
        "miss": miss,
        "detail": detail,
    }


def _ratio(a: Any, b: Any) -> float:
    a, b = _number(a), _number(b)
    return a / b if math.isfinite(a) and math.isfinite(b) and b != 0 else math.nan


def _relative(generated: Any, real: Any) -> float:
    """``|generated / real - 1|``; NaN when either is missing or real is 0."""
    ratio = _ratio(generated, real)
    return abs(ratio - 1.0) if math.isfinite(ratio) else math.nan


def _section(sections: dict[str, Any], name: str) -> dict[str, Any]:
    """A section's numbers, empty when it did not run or failed."""
    section = sections.get(name) or {}
    return {} if "error" in section else section


def _fmt(value: Any, digits: int = 3) -> str:
    value = _number(value)
    return f"{value:.{digits}g}" if math.isfinite(value) else "n/a"


def _reconstruction(sections: dict[str, Any]) -> list[dict[str, Any]]:
    rec = _section(sections, "reconstruction")
    target = f"<= {RECONSTRUCTION_RATIO} x Fourier-4 median chi2/pt"
    medians = rec.get("medians", {})
    rows = [
        _bar(
            "reconstruction: median chi2/pt / Fourier-4, all held-out",
            target,
            _ratio(medians.get("model_chi2"), medians.get("fourier_chi2")),
            RECONSTRUCTION_RATIO,
            True,
            f"model {_fmt(medians.get('model_chi2'))} vs Fourier-4 {_fmt(medians.get('fourier_chi2'))}"
            if medians
            else "",
        )
    ]
    for row in rec.get("per_class", []):
        if row.get("vclass") == "all" or _number(row.get("n")) < MIN_CLASS_CURVES:
            continue
        rows.append(
            _bar(
                f"reconstruction: median chi2/pt / Fourier-4, {row['vclass']}",
                target,
                _ratio(row.get("model_chi2"), row.get("fourier_chi2")),
                RECONSTRUCTION_RATIO,
                True,
                f"model {_fmt(row.get('model_chi2'))} vs Fourier-4 {_fmt(row.get('fourier_chi2'))}, "
                f"n = {int(row['n'])}",
            )
        )
    return rows


def _classifier(sections: dict[str, Any]) -> list[dict[str, Any]]:
    cls = _section(sections, "classifier")
    real, gen = cls.get("trained_on_real", {}), cls.get("trained_on_generated", {})
    zero = sorted(c for c, v in gen.get("per_class", {}).items() if _number(v.get("f1")) == 0)
    per_class = gen.get("per_class")
    disc = cls.get("discriminator", {})
    return [
        _bar(
            "real-vs-generated AUC",
            f"<= {MAX_AUC}",
            disc.get("auc"),
            MAX_AUC,
            True,
            f"own-fit reference {_fmt(disc['own_fit_reference_auc'])}" if "own_fit_reference_auc" in disc else "",
            disc.get("auc_se"),
        ),
        _bar(
            "macro-F1 trained on generated / trained on real",
            f">= {MACRO_F1_FRACTION}",
            _ratio(gen.get("macro_f1"), real.get("macro_f1")),
            MACRO_F1_FRACTION,
            False,
            f"{_fmt(gen.get('macro_f1'))} vs {_fmt(real.get('macro_f1'))}" if gen else "",
        ),
        _bar(
            "classes at F1 0 trained on generated",
            "0",
            len(zero) if per_class else None,
            0,
            True,
            ", ".join(zero) if zero else ("none" if per_class else ""),
        ),
    ]


def _shapes(sections: dict[str, Any]) -> list[dict[str, Any]]:
    shapes = _section(sections, "shapes")
    rows = []
    for key, name, limit in (("heldout", "held-out", HELDOUT_RATIO), ("catalog", "OGLE-III catalog", CATALOG_RATIO)):
        part = shapes.get(key, {})
        ideal = _number(part.get("ideal_median_ratio"))
        detail = part.get("skipped", "") or (f"ideal generator {ideal:.2f}" if math.isfinite(ideal) else "")
        rows.append(
            _bar(
                f"shape distance / noise floor (median), {name}",
                f"<= {limit}",
                part.get("median_ratio"),
                limit,
                True,
                detail,
            )
        )
    for key, name in (("heldout", "held-out"), ("catalog", "OGLE-III")):
        for group, params in sorted(shapes.get(key, {}).get("groups", {}).items()):
            amp = params.get("amplitude")
            if group.startswith("LPV ") and amp:
                rows.append(
                    _bar(
                        f"LPV amplitude median |generated / real - 1|, {name} {group}",
                        f"<= {LPV_AMPLITUDE_RELATIVE}",
                        _relative(amp.get("median_gen"), amp.get("median_real")),
                        LPV_AMPLITUDE_RELATIVE,
                        True,
                        f"{_fmt(amp.get('median_gen'))} vs {_fmt(amp.get('median_real'))} mag",
                        amp.get("median_relative_se"),
                    )
                )
    if not any(r["bar"].startswith("LPV") for r in rows):
        rows.append(
            _bar(
                "LPV amplitude median |generated / real - 1|",
                f"<= {LPV_AMPLITUDE_RELATIVE}",
                None,
                LPV_AMPLITUDE_RELATIVE,
                True,
                "no LPV group compared",
            )
        )
    return rows


def _physics(sections: dict[str, Any]) -> list[dict[str, Any]]:
    physics = _section(sections, "physics")
    hz = physics.get("hertzsprung", {})
    rr = physics.get("rr_lyrae", {})
    gen, real = rr.get("generated", {}), rr.get("real", {})
    rows = []
    for key, name, limit, unit in (
        ("R21_min_log_p", "CEP F R21 dip: |log P generated - real|", DIP_LOG_P_DEX, " dex"),
        ("R21_dip_depth", "CEP F R21 dip: |depth generated - real|", DIP_DEPTH, ""),
    ):
        g, r = _number(hz.get(f"{key}_generated")), _number(hz.get(f"{key}_real"))
        # the dip's log P is a bin centre of one grid for both: the difference is a whole number of
        # 0.05-dex steps, which float rounding alone must not put on either side of the bar
        rows.append(
            _bar(
                name,
                f"<= {limit}{unit}",
                round(abs(g - r), 9) if math.isfinite(g - r) else abs(g - r),
                limit,
                True,
                f"{_fmt(g)} vs {_fmt(r)}" if math.isfinite(r) else "",
                hz.get("dip_se", {}).get(key),
            )
        )
    for key, name in (
        ("phi31_slope_rad_per_day", "RRab dphi31/dP"),
        ("RRab_amplitude_slope_mag_per_dex", "RRab Bailey slope"),
    ):
        rows.append(
            _bar(
                f"{name}: |generated / real - 1|",
                f"<= {RR_LYRAE_RELATIVE}",
                _relative(gen.get(key), real.get(key)),
                RR_LYRAE_RELATIVE,
                True,
                f"{_fmt(gen.get(key))} vs {_fmt(real.get(key))}" if real else "",
                rr.get("relative_se", {}).get(key),
            )
        )
    return rows


def _latent(sections: dict[str, Any]) -> list[dict[str, Any]]:
    latent = _section(sections, "latent")
    flow: dict[str, Any] = next((r for r in latent.get("links", []) if r.get("link") == "flow"), {})
    return [
        _bar(
            "active latent dimensions",
            f">= {MIN_ACTIVE_DIMENSIONS}",
            latent.get("active_dimensions"),
            MIN_ACTIVE_DIMENSIONS,
            False,
            f"of {latent['latent_dim']}" if "latent_dim" in latent else "",
        ),
        _bar(
            "physics -> latent R2 of the flow (point, active dims)",
            f">= {MIN_FLOW_R2}",
            flow.get("R2 (point, active dims)"),
            MIN_FLOW_R2,
            False,
            "",
            flow.get("R2 (point, active dims) s.e."),
        ),
    ]


def issue_targets(sections: dict[str, Any]) -> list[dict[str, Any]]:
    """Every bar of issue #11 for one model, from its sections' JSON numbers.

    Arguments:
        sections: section name -> numbers, as under ``models.<label>.sections`` in ``report.json``.

    Returns:
        One dict per bar: ``bar``, ``target`` (text), ``value`` (``None`` when not measured),
        ``se`` (its bootstrap standard error, :mod:`varsynth.evaluation.bootstrap`; ``None`` where
        the section measures none), ``threshold``, ``passed`` (``None`` when not measured), ``miss``
        (distance beyond the bar in the value's units, 0 when met) and ``detail`` (the numbers behind a
        ratio, or why it is missing).
    """
    return [
        *_reconstruction(sections),
        *_classifier(sections),
        *_shapes(sections),
        *_physics(sections),
        *_latent(sections),
    ]


def targets_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows of :func:`issue_targets` as the report's table: bar, target, value, s.e., detail,
    result, miss, and the miss in standard errors."""
    result = ["not measured" if r["passed"] is None else "pass" if r["passed"] else "FAIL" for r in rows]
    return pd.DataFrame(
        {
            "bar": [r["bar"] for r in rows],
            "target": [r["target"] for r in rows],
            "value": [math.nan if r["value"] is None else r["value"] for r in rows],
            "s.e.": [math.nan if r.get("se") is None else r["se"] for r in rows],
            "detail": [r["detail"] for r in rows],
            "result": result,
            "miss": [math.nan if r["passed"] is not False else r["miss"] for r in rows],
            "miss / s.e.": [r["miss"] / r["se"] if r["passed"] is False and r.get("se") else math.nan for r in rows],
        }
    )


def targets_tally(rows: list[dict[str, Any]]) -> str:
    """One line counting the bars met, missed and not measured."""
    met = sum(r["passed"] is True for r in rows)
    missed = sum(r["passed"] is False for r in rows)
    unknown = sum(r["passed"] is None for r in rows)
    return f"{met} of {len(rows)} bars met, {missed} missed, {unknown} not measured."
