"""Survey readers by name, and where each survey's files live under the data root.

``read_survey("crts", root, skips=...)`` runs the reader of one survey on its folder of the
shared data layout (``ogle3-lmc-cep/``, ``eros1-lmc/``, ...), with one calling convention for all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from varsynth.lightcurve import LightCurve
from varsynth.surveys.skips import SkipLog

__all__ = ["SURVEY_FOLDERS", "XMATCH_FOLDER", "read_survey"]

#: Folder of each survey under the data root (the layout of ``../shared/data``).
SURVEY_FOLDERS: dict[str, str] = {
    "ogle3": "ogle3-lmc-cep",
    "eros1": "eros1-lmc",
    "sdss-s82": "sdss-s82-rrlyrae",
    "crts": "crts-periodic",
    "gaia-dr3": "gaia-dr3-epoch",
    "css": "catalina-sss",
    "asas": "asas",
}

#: Folder of the Gaia DR2 cross-match of OGLE-III, and of the OGLE-III catalog table.
XMATCH_FOLDER = "gaia-dr2-ogle3-xmatch"
OGLE_CATALOG = "ogle3-catalog/ogle3_catalog.txt.bz2"


def read_survey(
    name: str,
    data_root: str | Path,
    *,
    skips: SkipLog,
    bands: Sequence[str] | None = None,
    limit: int | None = None,
    progress: bool = False,
    workers: int = 1,
    cache_dir: str | Path | None = None,
) -> list[LightCurve]:
    """Read every light curve of survey ``name`` from its folder under ``data_root``.

    Arguments:
        name: one of :data:`SURVEY_FOLDERS`.
        data_root: folder holding the survey folders.
        skips: receives the count of everything skipped, with reasons.
        bands: passbands to keep (``None``: all the survey has).
        limit: at most this many stars per survey class label (quick builds, tests).
        progress: show a progress bar.
        workers: processes for the per-star work, period searches above all (CRTS, Gaia DR3,
            ASAS; Catalina SSS parses its files with them).
        cache_dir: cache of period-search results (CRTS, Gaia DR3, ASAS); ``None`` disables it.

    Raises:
        KeyError: unknown survey name (the message lists the valid ones).
        FileNotFoundError: the survey folder is absent.
    """
    if name not in SURVEY_FOLDERS:
        raise KeyError(f"unknown survey {name!r}; valid: {sorted(SURVEY_FOLDERS)}")
    root = Path(data_root) / SURVEY_FOLDERS[name]
    if not root.is_dir():
        raise FileNotFoundError(f"survey {name!r}: folder {root} does not exist")
    common = {"skips": skips, "limit": limit, "progress": progress}
    if name == "ogle3":
        from varsynth.surveys.ogle import read_ogle

        catalog = Path(data_root) / OGLE_CATALOG
        return read_ogle(root, catalog=catalog, bands=bands or ("I", "V"), **common)
    if name == "eros1":
        from varsynth.surveys.eros import read_eros1

        return read_eros1(root, bands=bands or ("B", "R"), **common)
    if name == "sdss-s82":
        from varsynth.surveys.sdss import read_sdss_s82

        return read_sdss_s82(root, bands=bands or ("u", "g", "r", "i", "z"), **common)
    if name == "crts":
        from varsynth.surveys.crts import read_crts

        return read_crts(root, cache_dir=cache_dir, workers=workers, **common)
    if name == "css":
        from varsynth.surveys.catalina_sss import read_catalina_sss

        return read_catalina_sss(root, bands=bands, workers=workers, **common)
    if name == "asas":
        from varsynth.surveys.asas import read_asas

        return read_asas(root, bands=bands, cache_dir=cache_dir, workers=workers, **common)
    from varsynth.surveys.gaia_dr3 import read_gaia_dr3

    return read_gaia_dr3(root, cache_dir=cache_dir, workers=workers, **common)
