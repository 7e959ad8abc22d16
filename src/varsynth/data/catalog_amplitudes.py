"""I-band amplitudes from the OGLE-III catalog for stars seen only in other surveys' bands.

The OGLE-III Catalog of Variable Stars gives each star's I-band peak-to-peak amplitude ``A_1``
(mag), measured on its own multi-year light curve. The shared data hold OGLE-III light curves of
the LMC Cepheids only, so no RR Lyrae or long-period variable is seen in I in training, and a
model has to guess how their amplitudes change from EROS-1's broad B_E and R_E bands (or V, or
white light) to I: for the same OGLE-III Miras, EROS-1's R_E amplitudes are 1.35 times the I-band
ones (docs/training.md). Many EROS-1 stars are OGLE-III catalog stars, so the catalog measures
that change star by star.

:func:`record_catalog_amplitudes` gives a light curve of another survey the catalog's ``A_1``
(``meta["ogle3_amplitude_I"]``, mag, with ``meta["ogle3_amplitude_id"]``, the OGLE-III id) when
its star lies within ``radius_arcsec`` of an OGLE-III catalog star that

- has the same period (any of ``P_1``, ``P_2``, ``P_3`` within the relative ``period_tolerance``),
- is of the same class, and of the same subtype where both give one (an EROS-1 "Mira" that
  OGLE-III calls semi-regular does not teach a Mira's I-band amplitude),
- has no OGLE-III light curve among the light curves read (its I band is then seen already),
- has a finite, positive ``A_1``.

The model's flow prior can then train on the star's I-band amplitude as one more passband of the
star (:mod:`varsynth.latent.catalog_bands`). Evaluation leaves these OGLE-III ids of training
stars out of the catalog it compares with (:func:`varsynth.data.catalog_labels.catalog_ids`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from varsynth.config import CatalogAmplitudesConfig
from varsynth.data.catalog_labels import CATALOG_SURVEY, nearest_catalog_stars, same_period
from varsynth.lightcurve import LightCurve
from varsynth.surveys.ogle.catalog import read_ogle3_catalog
from varsynth.taxonomy import UnknownClassError, ogle_class

__all__ = ["AMPLITUDE_VERDICTS", "record_catalog_amplitudes", "amplitude_counts", "amplitude_verdict"]

#: Why a star within the radius did or did not take the catalog's amplitude (the data card counts them).
AMPLITUDE_VERDICTS: tuple[str, ...] = (
    "recorded",
    "period_differs",
    "class_differs",
    "subtype_differs",
    "has_ogle3_light_curve",
    "no_amplitude",
)


def amplitude_verdict(lc: LightCurve, row: pd.Series, tolerance: float, ogle_stars: set[str]) -> str:
    """One of :data:`AMPLITUDE_VERDICTS` for light curve ``lc`` and its nearest catalog ``row``."""
    if not same_period(float(lc.period), row, tolerance):
        return "period_differs"
    try:
        vclass, subtype = ogle_class(str(row["Type"]), str(row["Subtype"]))
    except UnknownClassError:
        return "class_differs"
    if vclass != lc.vclass:
        return "class_differs"
    if subtype and lc.subtype and subtype != lc.subtype:
        return "subtype_differs"
    if str(row["ID"]) in ogle_stars:
        return "has_ogle3_light_curve"
    amplitude = float(row.get("A_1", math.nan))
    if not (math.isfinite(amplitude) and amplitude > 0):
        return "no_amplitude"
    return "recorded"


def record_catalog_amplitudes(
    lcs: Sequence[LightCurve], catalog: pd.DataFrame | str | Path, cfg: CatalogAmplitudesConfig
) -> Counter[str]:
    """Record OGLE-III's I-band amplitude in the ``meta`` of the light curves of every star that
    qualifies (module docstring), in place; every star within the radius gets
    ``meta["ogle3_amplitude_match"]``, the verdict. Returns the count of each verdict (stars).

    Arguments:
        lcs: light curves of every survey as read (positions in ``meta["ra"]``, ``meta["dec"]``,
            degrees J2000; OGLE-III's own light curves mark their stars as seen in I).
        catalog: the OGLE-III catalog (:func:`~varsynth.surveys.ogle.read_ogle3_catalog`) or its path.
        cfg: match radius (arcsec) and relative period tolerance.
    """
    table = read_ogle3_catalog(catalog) if isinstance(catalog, (str, Path)) else catalog
    ogle_stars = {lc.star_id for lc in lcs if lc.survey == CATALOG_SURVEY}
    counts: Counter[str] = Counter()
    for group, row, _sep in nearest_catalog_stars(lcs, table, cfg.radius_arcsec):
        verdict = amplitude_verdict(group[0], row, cfg.period_tolerance, ogle_stars)
        counts[verdict] += 1
        for lc in group:
            lc.meta["ogle3_amplitude_match"] = verdict
            if verdict == "recorded":
                lc.meta.update(ogle3_amplitude_I=round(float(row["A_1"]), 4), ogle3_amplitude_id=str(row["ID"]))
    return counts


def amplitude_counts(lcs: Sequence[LightCurve]) -> list[dict[str, object]]:
    """Stars per survey, class and verdict of the catalog-amplitude match, for the data card."""
    counts: Counter[tuple[str, str, str]] = Counter()
    seen: set[str] = set()
    for lc in lcs:
        verdict = lc.meta.get("ogle3_amplitude_match")
        if verdict is None or lc.key in seen:
            continue
        seen.add(lc.key)
        label = f"{lc.vclass}/{lc.subtype}" if lc.subtype else lc.vclass
        counts[(lc.survey, label, str(verdict))] += 1
    return [{"survey": s, "label": c, "verdict": v, "stars": int(n)} for (s, c, v), n in sorted(counts.items())]
