"""Reader for the validated Gaia DR2 cross-match of OGLE-III variables (PELS-VAE appendix).

Martinez-Palomera et al. (2022) cross-matched the OGLE-III catalog with Gaia DR2 and validated
the matches in groups, one CSV per group (``var_conf_matches`` = Gaia and OGLE classes agree,
``cmd_confirmed`` = validated by colour-magnitude position, ...). Their union gives, per OGLE
star, Gaia's effective temperature (``teff_val``, K), colour (``bp_rp``), parallax (mas) and the
Bailer-Jones et al. (2018) distance ``r_est`` (pc) from which the absolute G magnitude follows.
The physics step attaches these to the OGLE light curves by OGLE ID.

Two facts about the published files matter to users:

* In ``var_conf_matches`` and ``cmd_confirmed`` the published ``abs_Gmag`` column is a copy of
  ``abs_Imag`` (``I - 5 log10(r_est / 10 pc)``, the OGLE I magnitude), not a G-band value. This
  reader therefore recomputes ``abs_Gmag = phot_g_mean_mag - 5 log10(r_est / 10 pc)`` for every
  row (no extinction, as the other groups' published values) and keeps the published value in
  ``abs_Gmag_published``.
* ``r_est`` comes from a Galactic prior: for Magellanic-Cloud stars (parallax ~0.02 mas) it is
  prior-dominated (a few kpc instead of ~50 kpc), so ``abs_Gmag`` is far too faint for them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.surveys.validate import float_values

__all__ = ["SURVEY", "GROUP_PRIORITY", "COLUMNS", "read_gaia_dr2_xmatch"]

#: Name used as the SkipLog key.
SURVEY = "gaia-dr2"

#: Validation groups from most to least trusted; when an OGLE star appears in several groups
#: the row of the first group is kept. Class agreement between Gaia and OGLE beats
#: colour-magnitude placement, which beats a Gaia variable without class, a single source in
#: the proper-motion radius, and last the second-nearest neighbour validated by the CMD. Groups
#: not listed here rank after these, alphabetically.
GROUP_PRIORITY: tuple[str, ...] = (
    "var_conf_matches",
    "cmd_confirmed",
    "gaiaVar_noClass_confirmed",
    "one_pmrad_match",
    "cmd_secondaries_confirmed",
)

#: Columns kept (units: teff_val K, radius_val R_sun, lum_val L_sun, parallax mas, r_est/r_lo/
#: r_hi pc, angDist arcsec, magnitudes mag, Period days, RA/Dec degrees).
COLUMNS: tuple[str, ...] = (
    "source_id",
    "RA",
    "Dec",
    "angDist",
    "Type",
    "subType",
    "Period",
    "I",
    "V_I",
    "phot_g_mean_mag",
    "bp_rp",
    "parallax",
    "parallax_error",
    "r_est",
    "r_lo",
    "r_hi",
    "teff_val",
    "radius_val",
    "lum_val",
    "a_g_val",
    "e_bp_min_rp_val",
    "abs_Imag",
    "abs_Gmag",
)

# Columns holding numbers (all but the identifier and the class labels).
_NUMBERS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in ("source_id", "Type", "subType"))


def read_gaia_dr2_xmatch(root: str | Path, *, skips: SkipLog, survey: str = SURVEY) -> pd.DataFrame:
    """Read and merge the validation-group CSVs of the Gaia DR2 / OGLE-III cross-match.

    Arguments:
        root: folder holding the group CSVs (e.g. ``gaia-dr2-ogle3-xmatch``).
        skips: receives unreadable files (level ``file``), rows without an OGLE ID and values
            that are not numbers in a numeric column (read as NaN; level ``line``) and duplicated
            OGLE IDs that were dropped (level ``star``).
        survey: name used as the skip-log key.

    Returns:
        DataFrame indexed by ``OGLE-ID`` (sorted), with :data:`COLUMNS` (NaN where a group's
        file lacks a column or Gaia gives no value), ``abs_Gmag`` recomputed from
        ``phot_g_mean_mag`` and ``r_est``, ``abs_Gmag_published`` (the file's value) and
        ``group`` (the file stem). ``source_id`` is a nullable 64-bit integer. Of an OGLE ID
        found more than once, the row of the highest-priority group (:data:`GROUP_PRIORITY`)
        is kept, and within a group the Gaia source nearest to the OGLE position.

    Raises:
        ReaderError: ``root`` holds no readable CSV.
    """
    root = Path(root)
    frames = [frame for path in sorted(root.glob("*.csv")) if (frame := _read_group(path, skips, survey)) is not None]
    if not frames:
        raise ReaderError(root, None, "no readable validation-group CSV file")
    rows = pd.concat(frames, ignore_index=True)
    rows["_rank"] = rows["group"].map(_group_ranks(rows["group"].unique()))
    rows = rows.sort_values(["OGLE-ID", "_rank", "angDist", "source_id"], na_position="last", kind="stable")
    _count_duplicates(rows, skips, survey)
    rows = rows.drop_duplicates("OGLE-ID", keep="first").drop(columns="_rank")
    rows["abs_Gmag_published"] = rows["abs_Gmag"]
    rows["abs_Gmag"] = rows["phot_g_mean_mag"] - 5.0 * np.log10(rows["r_est"]) + 5.0
    return rows.set_index("OGLE-ID").sort_index()


def _read_group(path: Path, skips: SkipLog, survey: str) -> pd.DataFrame | None:
    """One group CSV reduced to :data:`COLUMNS` + ``OGLE-ID`` + ``group``; ``None`` if unusable."""
    try:
        frame = pd.read_csv(path, dtype={"source_id": "Int64", "OGLE-ID": str})
    except (OSError, ValueError, TypeError, OverflowError) as err:  # a source_id such as 1.5 or inf
        skips.add(survey, "file", "unreadable file", f"{path}: {err}")
        return None
    if not isinstance(frame.index, pd.RangeIndex):  # pandas made the extra leading fields an index
        skips.add(survey, "file", "unreadable file", f"{path}: rows with more fields than the header")
        return None
    if "OGLE-ID" not in frame.columns:
        skips.add(survey, "file", "no OGLE-ID column", str(path))
        return None
    frame["OGLE-ID"] = frame["OGLE-ID"].str.strip()
    missing = frame["OGLE-ID"].isna() | (frame["OGLE-ID"] == "")
    for row in frame.index[missing.to_numpy()]:
        # +2: one header line, and file lines count from 1.
        skips.add(survey, "line", "row without OGLE-ID", f"{path}:{row + 2}")
    frame = frame.loc[~missing, ["OGLE-ID", *[c for c in COLUMNS if c in frame.columns]]]
    frame = frame.reindex(columns=["OGLE-ID", *COLUMNS])
    frame["source_id"] = frame["source_id"].astype("Int64")
    for column in _NUMBERS:
        values = frame[column]
        numbers = float_values(values)
        for row in frame.index[(numbers.isna() & values.notna()).to_numpy()]:
            skips.add(survey, "line", f"{column} is not a number (read as missing)", f"{path}:{row + 2}")
        frame[column] = numbers
    return frame.assign(group=path.stem)


def _group_ranks(groups: np.ndarray) -> dict[str, int]:
    """Rank of each group name: :data:`GROUP_PRIORITY` order first, unknown groups after."""
    known = [g for g in GROUP_PRIORITY if g in set(groups)]
    unknown = sorted(set(groups) - set(GROUP_PRIORITY))
    return {g: rank for rank, g in enumerate([*known, *unknown])}


def _count_duplicates(rows: pd.DataFrame, skips: SkipLog, survey: str) -> None:
    """Count every row after the first of an OGLE ID (rows sorted by priority)."""
    dropped = rows[rows["OGLE-ID"].duplicated(keep="first")]
    kept = rows.drop_duplicates("OGLE-ID", keep="first").set_index("OGLE-ID")
    for ogle_id, group, source in dropped[["OGLE-ID", "group", "source_id"]].itertuples(index=False):
        where = (
            f"{ogle_id}: kept {kept.at[ogle_id, 'group']} source "
            f"{kept.at[ogle_id, 'source_id']}, dropped {group} source {source}"
        )
        skips.add(survey, "star", "duplicated OGLE-ID (lower-priority match dropped)", where)
