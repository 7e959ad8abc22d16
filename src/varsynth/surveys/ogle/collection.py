"""Reading a whole OGLE collection folder into light curves (:func:`read_ogle`).

:func:`read_ogle` joins the photometry files, ``ident.dat``, the OGLE-III catalog and the
collection's parameter tables on the OGLE star ID and returns one
:class:`~varsynth.lightcurve.LightCurve` per (star, band).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from varsynth.bands import band as lookup_band
from varsynth.lightcurve import LightCurve
from varsynth.surveys.ogle.catalog import read_ogle3_catalog
from varsynth.surveys.ogle.ident import IDENT_COLUMNS, read_ogle_ident
from varsynth.surveys.ogle.layout import IDENT_NAME, SURVEY, TIME_SYSTEM
from varsynth.surveys.ogle.photometry import read_ogle_photometry
from varsynth.surveys.ogle.tables import read_ogle_param_tables
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.taxonomy import UnknownClassError, ogle_class

__all__ = ["FOURIER_KEYS", "read_ogle"]

#: Catalog Fourier parameters of the I-band light curve (first period) copied into meta.
FOURIER_KEYS: tuple[str, ...] = ("A_1", "R21_1", "phi21_1", "R31_1", "phi31_1")

# Secondary periods (days) of multi-mode stars, copied into meta when the catalog gives them.
_EXTRA_PERIODS: tuple[str, ...] = ("P_2", "P_3")


# Fields whose stars are in the Magellanic Clouds (meta["host"]).
_HOSTS = frozenset({"LMC", "SMC"})


def read_ogle(
    root: str | Path,
    *,
    catalog: pd.DataFrame | str | Path | None = None,
    skips: SkipLog,
    bands: Sequence[str] | None = ("I", "V"),
    limit: int | None = None,
    progress: bool = False,
    survey: str = SURVEY,
) -> list[LightCurve]:
    """Read an OGLE collection folder (``phot/<band>/<ID>.dat``, ``ident.dat``, tables).

    Works for any OGLE collection of this layout, from the OIII-CVS or the OCVS (Cepheids, RR
    Lyrae, type II Cepheids, LPVs, eclipsing binaries, ...). Each star needs a row in
    ``ident.dat`` (coordinates, type or mode) and a period: from the OGLE-III catalog when it
    lists the star, else from the collection's parameter tables (:func:`read_ogle_param_tables`).
    Stars are skipped and counted (level ``star``) when they are absent from ident.dat, absent
    from both period sources, of a type outside the eight classes (DPV, RCB, cataclysmic
    variables), or without a finite positive period.

    Labels: for a catalog star the class is the catalog ``Type``; otherwise it is the type in
    the star ID (``OGLE-LMC-ECL-00001`` -> ECL; an ident.dat type ``ELL`` gives ELL). The
    subtype is the collection's own ident.dat type or mode(s) (for an OCVS collection a
    revision newer than the catalog), normalised by :func:`~varsynth.taxonomy.ogle_class`
    (eclipsing binaries keep their code: ``EC`` contact, ``ED`` detached, ``ESD``
    semi-detached, ``C``/``NC`` contact/non-contact), for catalog stars falling back to the
    catalog ``Subtype``.

    Arguments:
        root: the collection folder, e.g. ``ogle3-lmc-cep``.
        catalog: the OGLE-III catalog, as returned by :func:`read_ogle3_catalog` or its path;
            ``None``: periods from the parameter tables only.
        skips: the log that receives every skipped line, point, file, light curve and star.
        bands: bands to read (``I``, ``V``); ``None`` means both.
        limit: at most this many stars per class, taken in sorted star-ID order.
        progress: show a tqdm progress bar.
        survey: survey name for LightCurve.survey and the skip log.

    Returns:
        LightCurves sorted by star ID then band. Times are days on the MJD zero point (the
        files' HJD-2450000 + 49999.5, heliocentric; :data:`~.layout.TIME_SYSTEM`), ``period`` is
        ``P_1`` (days) of the catalog or the table. ``meta``: ``ra``/``dec`` (degrees,
        ident.dat), ``host`` (``LMC``/``SMC`` for Magellanic fields), ``mean_mag``
        (intensity means ``I``/``V`` in magnitudes, finite ones only), ``source_file``
        (relative to ``root``), ``period_source`` = ``"catalog"``, ``ogle_id``, the finite
        Fourier parameters :data:`FOURIER_KEYS` and ``P_2``/``P_3`` (days) of multi-mode stars,
        and the non-empty ident.dat cross-identifications, ``field`` and ``extra_labels``.
        Catalog stars add ``catalog_subtype``; table stars add ``period_table`` (file name),
        ``period_err`` (days) and eclipse depths ``depth_1``/``depth_2`` (magnitudes) when
        the table gives them.

    Raises:
        KeyError: a band that OGLE does not have (see :mod:`varsynth.bands`).
        ReaderError: the catalog, given as a path, cannot be read.
    """
    root = Path(root)
    bands = tuple(bands) if bands is not None else ("I", "V")
    for name in bands:
        lookup_band(survey, name)
    sources = _PeriodSources(_catalog_by_id(catalog), read_ogle_param_tables(root, skips=skips, survey=survey))
    ident = _ident_or_empty(root / IDENT_NAME, skips, survey)
    files = _photometry_files(root, bands, skips, survey)
    taken: Counter[str] = Counter()
    out: list[LightCurve] = []
    for star in tqdm(sorted(files), desc=f"{survey} {root.name}", disable=not progress):
        labels = _star_labels(star, sources, ident, skips, survey)
        if labels is None or (limit is not None and taken[labels["vclass"]] >= limit):
            continue
        curves = _star_curves(star, files[star], root, labels, skips, survey)
        taken[labels["vclass"]] += bool(curves)
        out.extend(curves)
    return out


@dataclass(frozen=True)
class _PeriodSources:
    """The OGLE-III catalog and the collection's parameter tables, both indexed by star ID."""

    catalog: pd.DataFrame
    tables: pd.DataFrame


def _catalog_by_id(catalog: pd.DataFrame | str | Path | None) -> pd.DataFrame:
    """The catalog indexed by its ``ID`` column (read from disk when given a path)."""
    if catalog is None:
        return pd.DataFrame({"ID": []}, index=pd.Index([], name="ID"))
    frame = catalog if isinstance(catalog, pd.DataFrame) else read_ogle3_catalog(catalog)
    if frame.index.name != "ID":
        frame = frame.set_index("ID", drop=False)
    if frame.index.has_duplicates:
        frame = frame[~frame.index.duplicated()]
    return frame


def _ident_or_empty(path: Path, skips: SkipLog, survey: str) -> pd.DataFrame:
    """ident.dat as a DataFrame; an unreadable ident.dat is counted and read as empty."""
    try:
        return read_ogle_ident(path, skips=skips, survey=survey)
    except ReaderError as err:
        skips.add(survey, "file", "unreadable file", str(err))
        return pd.DataFrame(columns=list(IDENT_COLUMNS), index=pd.Index([], name="star_id"))


def _photometry_files(root: Path, bands: Sequence[str], skips: SkipLog, survey: str) -> dict[str, dict[str, Path]]:
    """``{star_id: {band: path}}`` of every ``phot/<band>/*.dat`` file."""
    files: dict[str, dict[str, Path]] = {}
    for name in bands:
        folder = root / "phot" / name
        if not folder.is_dir():
            skips.add(survey, "file", f"band folder phot/{name} absent", str(folder))
            continue
        for path in folder.glob("*.dat"):
            files.setdefault(path.stem, {})[name] = path
    return files


def _star_labels(
    star: str, sources: _PeriodSources, ident: pd.DataFrame, skips: SkipLog, survey: str
) -> dict[str, Any] | None:
    """Class, subtype, period and star-level meta, or ``None`` (counted) when unusable."""
    if star not in ident.index:
        skips.add(survey, "star", "not in ident.dat", star)
        return None
    ident_row = ident.loc[star]
    if star in sources.catalog.index:
        labels = _catalog_labels(star, sources.catalog.loc[star], ident_row)
        unknown = "catalog type outside the eight classes"
    elif star in sources.tables.index:
        labels = _table_labels(star, sources.tables.loc[star], ident_row)
        unknown = "collection type outside the eight classes"
    else:
        skips.add(survey, "star", "not in catalog nor parameter tables (no period)", star)
        return None
    if labels is None:
        skips.add(survey, "star", unknown, star)
        return None
    if not math.isfinite(labels["period"]) or labels["period"] <= 0:
        skips.add(survey, "star", "missing period", star)
        return None
    return labels


def _catalog_labels(star: str, row: pd.Series, ident_row: pd.Series) -> dict[str, Any] | None:
    """Labels of a star the OGLE-III catalog lists; ``None`` for a type outside the classes."""
    try:
        vclass, catalog_subtype = ogle_class(_text(row["Type"]), _text(row["Subtype"]))
        _, subtype = ogle_class(_text(row["Type"]), str(ident_row["mode"]))
    except UnknownClassError:
        return None
    meta = _star_meta(star, row, ident_row)
    meta["catalog_subtype"] = catalog_subtype
    return {"vclass": vclass, "subtype": subtype or catalog_subtype, "period": float(row["P_1"]), "meta": meta}


def _table_labels(star: str, row: pd.Series, ident_row: pd.Series) -> dict[str, Any] | None:
    """Labels of a star from its collection's parameter table and ident.dat type."""
    try:
        vclass, subtype = _collection_class(star, str(ident_row["mode"]))
    except UnknownClassError:
        return None
    meta = _star_meta(star, row, ident_row)
    meta["period_table"] = str(row["table"])
    meta.update(
        _finite(
            {
                "period_err": row.get("dP_1", math.nan),
                "depth_1": row.get("depth_1", math.nan),
                "depth_2": row.get("depth_2", math.nan),
            }
        )
    )
    return {"vclass": vclass, "subtype": subtype, "period": float(row["P_1"]), "meta": meta}


def _collection_class(star: str, label: str) -> tuple[str, str]:
    """Class of a star from the type in its ID (``OGLE-LMC-ECL-00001``) and its ident.dat label.

    Raises:
        UnknownClassError: a type outside the eight classes (DPV, RCB, cataclysmic variable).
    """
    parts = star.split("-")
    vtype = parts[2].upper() if len(parts) >= 4 else ""
    label = label.strip()
    if label.upper() == "ELL" or vtype == "ELL":
        return "ELL", ""
    if vtype == "ECL" and label.upper() == "CV":
        raise UnknownClassError(f"{star}: cataclysmic variable, not one of the eight classes")
    return ogle_class(vtype, label)


def _star_meta(star: str, row: pd.Series, ident_row: pd.Series) -> dict[str, Any]:
    """JSON-serialisable star metadata from a catalog or table row and ident.dat (NaN omitted)."""
    meta: dict[str, Any] = {
        "ra": float(ident_row["ra"]),
        "dec": float(ident_row["dec"]),
        "period_source": "catalog",
        "ogle_id": star,
        "mean_mag": _finite({name: row.get(name, math.nan) for name in ("I", "V")}),
    }
    field = star.split("-")[1] if star.count("-") >= 2 else ""
    if field in _HOSTS:
        meta["host"] = field
    meta.update(_finite({key: row.get(key, math.nan) for key in (*FOURIER_KEYS, *_EXTRA_PERIODS)}))
    meta.update({key: str(ident_row[key]) for key in IDENT_COLUMNS[3:] if str(ident_row[key])})
    return meta


def _star_curves(
    star: str,
    paths: dict[str, Path],
    root: Path,
    labels: dict[str, Any],
    skips: SkipLog,
    survey: str,
) -> list[LightCurve]:
    """One LightCurve per readable band file of a star, bands in sorted order."""
    curves = []
    for name in sorted(paths):
        rel = paths[name].relative_to(root).as_posix()
        try:
            time, mag, err = read_ogle_photometry(paths[name], skips=skips, survey=survey, where=rel)
        except ReaderError as error:
            skips.add(survey, "file", "unreadable file", str(error))
            continue
        if time.size == 0:
            skips.add(survey, "lightcurve", "no valid point", rel)
            continue
        meta = dict(labels["meta"], source_file=rel, mean_mag=dict(labels["meta"]["mean_mag"]))
        curves.append(
            LightCurve(
                star_id=star,
                survey=survey,
                band=name,
                time=time,
                mag=mag,
                mag_err=err,
                vclass=labels["vclass"],
                subtype=labels["subtype"],
                period=labels["period"],
                meta=meta,
            ).with_time_system(TIME_SYSTEM)
        )
    return curves


def _text(value: Any) -> str:
    """A catalog text cell as ``str`` (missing -> ``""``)."""
    return "" if pd.isna(value) else str(value)


def _finite(values: dict[str, Any]) -> dict[str, float]:
    """The entries with a finite numeric value, as Python floats."""
    out = {}
    for key, value in values.items():
        number = float(value)
        if math.isfinite(number):
            out[key] = number
    return out
