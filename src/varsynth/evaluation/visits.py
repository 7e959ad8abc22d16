"""Noise shared by the points of one visit: held-out real light curves against their twins.

Surveys that take several exposures a night (Catalina: four within about 30 minutes; Gaia: two
fields of view 106 minutes apart) give light curves whose points of one visit scatter together
around the star's light curve: the night's calibration, and for slow variables the star's
brightness at that time. The report's discriminator reads folded light curves and barely sees
it, so it is measured apart: the **visit fraction** of a light curve is the share of its residual
variance, around its own order-8 weighted Fourier fit, that the points of a visit have in common
(:func:`varsynth.training.noise.visit_fraction`; points less than 0.3 d apart are one visit).
Real light curves and their twins are compared per survey and class, for the surveys whose held-out
light curves have more than :data:`MIN_POINTS_PER_VISIT` points a visit in the median, on curve
sets that carry each point's ``time`` (datasets built since 2026-12-05).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from varsynth.evaluation.reconstruction import fourier_fit
from varsynth.training.noise import visit_fraction, visit_groups

__all__ = ["MIN_POINTS_PER_VISIT", "visit_fractions", "visit_structure"]

#: Median points per visit above which a survey's light curves are compared.
MIN_POINTS_PER_VISIT = 1.2
#: Highest order of each light curve's own Fourier fit, and the points it needs per order: those of
#: the own-fit reference (``classify.REFERENCE_ORDER``, ``REFERENCE_POINTS_PER_ORDER``; classify
#: imports this module, so they are repeated here and a test keeps them equal).
FIT_ORDER, POINTS_PER_ORDER = 8, 5


def visit_fractions(curves: pd.DataFrame) -> np.ndarray:
    """The visit fraction (0-1) of each light curve of a curve set with ``phase``, ``mag``,
    ``mag_err`` and ``time`` (days), around its own weighted Fourier fit of order at most 8
    (fewer for short light curves, as the own-fit reference)."""
    out = np.zeros(len(curves))
    for i, (ph, m, e, t) in enumerate(zip(curves["phase"], curves["mag"], curves["mag_err"], curves["time"])):
        ph, m, e = (np.asarray(x, np.float64) for x in (ph, m, e))
        order = max(1, min(FIT_ORDER, (ph.size - 1) // POINTS_PER_ORDER))
        out[i] = visit_fraction(m - fourier_fit(ph, m, e, order), visit_groups(np.asarray(t, np.float64)))
    return out


def visit_structure(real: pd.DataFrame, twins: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """Median visit fractions of ``real`` light curves and of their ``twins`` (row for row), per
    survey and class, for the surveys with several points a visit; ``None`` when the curve sets
    carry no times or no survey has several points a visit.

    Returns:
        ``(table, summary)``: columns ``survey, class, light curves, real, generated`` (medians),
        and ``{"real": ..., "generated": ..., "light_curves": ..., "surveys": [...]}`` over all
        compared light curves.
    """
    if "time" not in real.columns or "time" not in twins.columns or len(real) != len(twins):
        return None
    per_visit = np.array([t.size / (visit_groups(np.asarray(t)).max() + 1) if t.size else 0.0 for t in real["time"]])
    frame = pd.DataFrame({"survey": real["survey"].to_numpy(), "per_visit": per_visit})
    several = frame.groupby("survey")["per_visit"].median()
    surveys = sorted(several[several > MIN_POINTS_PER_VISIT].index)
    keep = real["survey"].isin(surveys).to_numpy()
    if not keep.any():
        return None
    rows = pd.DataFrame(
        {
            "survey": real["survey"].to_numpy()[keep],
            "class": real["vclass"].to_numpy()[keep],
            "real": visit_fractions(real[keep]),
            "generated": visit_fractions(twins[keep]),
        }
    )
    grouped = rows.groupby(["survey", "class"])
    table = grouped[["real", "generated"]].median().reset_index()
    table.insert(2, "light curves", grouped.size().to_numpy())
    summary = {
        "real": float(rows["real"].median()),
        "generated": float(rows["generated"].median()),
        "light_curves": int(len(rows)),
        "surveys": surveys,
    }
    return table, summary
