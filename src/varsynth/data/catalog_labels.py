"""Labels from the OGLE-III catalog for light curves of other surveys that are OGLE-III stars.

EROS-1 labels its LMC variables with four types (eclipsing binary, Cepheid, RR Lyrae, Mira) and
no pulsation modes. Most of them are stars of the OGLE-III Catalog of Variable Stars, which
classifies each from its own multi-year I-band light curve into classes, modes and LPV
subclasses. Measured on the shared data (docs/data.md; stars read, before cleaning): of the 235
EROS-1 "Miras", 159 have an OGLE-III star within 3 arcsec at a period within 10%, and OGLE-III
calls 55 of them Miras, 88 semi-regular (SRV) and 16 OSARG; 29 of 493 such EROS-1 Cepheids are
type II or anomalous Cepheids; 1,216 of 1,439 such EROS-1 RR Lyrae are RRab.

:func:`adopt_catalog_labels` gives a light curve of another survey OGLE-III's class when its
star lies within ``radius_arcsec`` of an OGLE-III star whose period (any of ``P_1``, ``P_2``,
``P_3``) agrees with its own within a relative ``period_tolerance`` (no aliases, no factor 2:
the same period, measured twice). OGLE-III's subtype comes with it where the dataset's own
survey labels use that subtype for that class, or where the cleaning drops it
(``clean.drop_subtypes``: semi-regular, multi-mode); any other OGLE-III subtype (e.g. type II
Cepheids' BL Her / W Vir, which no survey of the dataset labels) leaves the subtype empty.
Stars whose match has another period, or an OGLE-III type outside the eight classes, keep their
survey's label. Each matched light curve records in ``meta`` its OGLE-III id, the verdict
(:data:`MATCH_VERDICTS`) and the separation; an adopted one also its survey's label. The data
card counts every match.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path

import astropy.units as u
import numpy as np
import pandas as pd
from astropy.coordinates import SkyCoord

from varsynth.config import CatalogLabelsConfig
from varsynth.data.preprocess import subtype_dropped
from varsynth.lightcurve import LightCurve
from varsynth.surveys.ogle.catalog import read_ogle3_catalog
from varsynth.taxonomy import UnknownClassError, ogle_class

__all__ = [
    "CATALOG_SURVEY",
    "MATCH_VERDICTS",
    "adopt_catalog_labels",
    "catalog_ids",
    "catalog_periods",
    "label_changes",
    "nearest_catalog_stars",
    "same_period",
]

#: The survey whose catalog gives the labels (its own light curves keep theirs).
CATALOG_SURVEY = "ogle3"
#: ``meta["ogle3_match"]`` of a light curve with an OGLE-III star within the radius.
MATCH_VERDICTS: tuple[str, ...] = ("adopted", "period_differs", "class_outside")
_PERIOD_COLUMNS = ("P_1", "P_2", "P_3")


def catalog_periods(row: pd.Series) -> list[float]:
    """The finite, positive periods (days) of one OGLE-III catalog row (``P_1``, ``P_2``, ``P_3``)."""
    out = []
    for column in _PERIOD_COLUMNS:
        value = row.get(column)
        if value is not None and math.isfinite(float(value)) and float(value) > 0:
            out.append(float(value))
    return out


def _same_period(period: float, periods: Sequence[float], tolerance: float) -> bool:
    """True when ``period`` (days) is one of ``periods`` within the relative ``tolerance``."""
    return math.isfinite(period) and period > 0 and any(abs(period / p - 1.0) <= tolerance for p in periods)


def adopt_catalog_labels(
    lcs: Sequence[LightCurve],
    catalog: pd.DataFrame | str | Path,
    cfg: CatalogLabelsConfig,
    drop_subtypes: Sequence[str],
    *,
    subtypes: Collection[tuple[str, str]] | None = None,
) -> int:
    """Give the light curves of stars that are OGLE-III catalog stars OGLE-III's class (and, where
    the dataset knows it, subtype), in place; returns the number of stars relabelled.

    Arguments:
        lcs: light curves of every survey as read (``meta["ra"]``, ``meta["dec"]`` in degrees
            J2000; those without a position or of the catalog's own survey are left alone).
        catalog: the OGLE-III catalog (:func:`~varsynth.surveys.ogle.read_ogle3_catalog`, RA in
            hours, Dec in degrees) or its path.
        cfg: match radius (arcsec) and relative period tolerance.
        drop_subtypes: the cleaning's subtype patterns; a subtype they drop is adopted so that
            the cleaning drops the star.
        subtypes: the (class, subtype) pairs the dataset's survey labels use; ``None``: those of
            ``lcs`` as given.
    """
    table = read_ogle3_catalog(catalog) if isinstance(catalog, (str, Path)) else catalog
    known = set(subtypes) if subtypes is not None else {(lc.vclass, lc.subtype) for lc in lcs if lc.subtype}
    changed = 0
    for group, row, sep in nearest_catalog_stars(lcs, table, cfg.radius_arcsec):
        before = (group[0].vclass, group[0].subtype)
        verdict, label = _verdict(group[0], row, cfg, known, drop_subtypes)
        for lc in group:
            lc.meta.update(ogle3_id=str(row["ID"]), ogle3_match=verdict, ogle3_separation_arcsec=round(float(sep), 3))
            if label is not None:
                lc.meta["survey_label"] = _text(*before)
                lc.vclass, lc.subtype = label
        changed += int(label is not None and label != before)
    return changed


def nearest_catalog_stars(
    lcs: Sequence[LightCurve], table: pd.DataFrame, radius_arcsec: float
) -> Iterator[tuple[list[LightCurve], pd.Series, float]]:
    """The light curves of each star of another survey than OGLE-III (``meta["ra"]``,
    ``meta["dec"]`` in degrees J2000; stars without a position are skipped), with its nearest
    OGLE-III catalog row (RA in hours, Dec in degrees) and their separation (arcsec), for the stars
    whose nearest catalog star lies within ``radius_arcsec``; in star-key order."""
    stars: dict[str, list[LightCurve]] = defaultdict(list)
    for lc in lcs:
        if lc.survey != CATALOG_SURVEY and _has_position(lc):
            stars[lc.key].append(lc)
    if not stars or table.empty:
        return
    keys = sorted(stars)
    first = [stars[k][0] for k in keys]
    here = SkyCoord([lc.meta["ra"] for lc in first] * u.deg, [lc.meta["dec"] for lc in first] * u.deg)
    there = SkyCoord(table["RA"].to_numpy(float) * 15.0 * u.deg, table["DECL"].to_numpy(float) * u.deg)
    nearest, separation, _ = here.match_to_catalog_sky(there)
    for key, row_index, sep in zip(keys, nearest, separation.arcsec):
        if sep <= radius_arcsec:
            yield stars[key], table.iloc[int(row_index)], float(sep)


def same_period(period: float, row: pd.Series, tolerance: float) -> bool:
    """True when ``period`` (days) is one of the catalog row's periods within the relative ``tolerance``."""
    return _same_period(period, catalog_periods(row), tolerance)


def _has_position(lc: LightCurve) -> bool:
    ra, dec = lc.meta.get("ra"), lc.meta.get("dec")
    return isinstance(ra, (int, float)) and isinstance(dec, (int, float)) and math.isfinite(ra) and math.isfinite(dec)


def _text(vclass: str, subtype: str) -> str:
    """A label as the card writes it: ``CEP/F``, or the class alone without a subtype."""
    return f"{vclass}/{subtype}" if subtype else vclass


def _verdict(
    lc: LightCurve,
    row: pd.Series,
    cfg: CatalogLabelsConfig,
    known: Collection[tuple[str, str]],
    drop_subtypes: Sequence[str],
) -> tuple[str, tuple[str, str] | None]:
    """The match's verdict and, when adopted, the (class, subtype) the light curve takes."""
    if not _same_period(float(lc.period), catalog_periods(row), cfg.period_tolerance):
        return "period_differs", None
    try:
        vclass, subtype = ogle_class(str(row["Type"]), str(row["Subtype"]))
    except UnknownClassError:
        return "class_outside", None
    if subtype and (vclass, subtype) not in known and not subtype_dropped(subtype, drop_subtypes):
        subtype = ""
    return "adopted", (vclass, subtype)


def label_changes(lcs: Sequence[LightCurve]) -> list[dict[str, object]]:
    """Stars per survey, survey label and OGLE-III label (adopted matches; one row per change,
    unchanged labels included), and per survey the matches that kept their label, for the card."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    seen: set[str] = set()
    for lc in lcs:
        verdict = lc.meta.get("ogle3_match")
        if verdict is None or lc.key in seen:
            continue
        seen.add(lc.key)
        now = _text(lc.vclass, lc.subtype)
        before = lc.meta.get("survey_label", now) if verdict == "adopted" else now
        counts[(lc.survey, str(before), now if verdict == "adopted" else f"kept ({verdict})")] += 1
    return [
        {"survey": s, "survey_label": b, "ogle3_label": a, "stars": int(n)} for (s, b, a), n in sorted(counts.items())
    ]


def catalog_ids(meta: pd.Series) -> np.ndarray:
    """OGLE-III ids of the stars whose ``meta`` dicts record an adopted match or an I-band
    amplitude taken from the catalog (:mod:`varsynth.data.catalog_amplitudes`), for leaving them
    out of the catalog a model is compared with."""
    ids = {str(m["ogle3_id"]) for m in meta if m.get("ogle3_match") == "adopted"}
    ids |= {str(m["ogle3_amplitude_id"]) for m in meta if m.get("ogle3_amplitude_id")}
    return np.asarray(sorted(ids), dtype=str)
