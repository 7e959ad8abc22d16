"""Survey readers by name: one description and one calling convention for every survey.

:data:`READERS` is the one list of the surveys the package reads, in build order: each
:class:`SurveyReader` names its folder under the data root (the layout of ``../shared/data``:
``ogle3-lmc-cep/``, ``eros1-lmc/``, ...), its default bands, whether it uses the period-search
cache and worker processes, and a ``read`` callable with the same signature for all. The data
configuration (:mod:`varsynth.config`) validates survey names against it, and
``read_survey("crts", root, skips=...)`` runs one reader on its folder.

Importing this module imports no reader: each ``read`` imports its reader module on first call,
so that a configuration check stays quick.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from varsynth.lightcurve import LightCurve
    from varsynth.surveys.skips import SkipLog

__all__ = [
    "READERS",
    "SURVEY_FOLDERS",
    "XMATCH_FOLDER",
    "OGLE_CATALOG",
    "ReadSurvey",
    "SurveyReader",
    "read_survey",
    "survey_reader",
]

#: Folder of the Gaia DR2 cross-match of OGLE-III, and the OGLE-III catalog table, under the
#: data root.
XMATCH_FOLDER = "gaia-dr2-ogle3-xmatch"
OGLE_CATALOG = "ogle3-catalog/ogle3_catalog.txt.bz2"


class ReadSurvey(Protocol):
    """The signature every survey reader is called with.

    Arguments:
        root: the survey's own folder (``<data root>/<folder>``).
        skips: receives the count of everything skipped, with reasons.
        bands: passbands to keep (``None``: the reader's default bands).
        limit: at most this many stars per survey class label (quick builds, tests).
        progress: show a progress bar.
        workers: processes for the per-star work (readers that take them; others ignore it).
        cache_dir: folder of the period-search cache (readers that search periods; ``None``
            disables it).
    """

    def __call__(
        self,
        root: Path,
        *,
        skips: SkipLog,
        bands: Sequence[str] | None,
        limit: int | None,
        progress: bool,
        workers: int,
        cache_dir: str | Path | None,
    ) -> list[LightCurve]: ...


@dataclass(frozen=True)
class SurveyReader:
    """What the package knows about one survey reader.

    Attributes:
        name: the survey's name in configs, skip logs and ``LightCurve.survey``.
        folder: its folder under the data root.
        default_bands: bands read when the caller gives none (``None``: every band the survey has).
        period_cache: whether it searches periods and uses the period-search cache.
        workers: whether it spreads its per-star work over worker processes.
        read: the reader, with the :class:`ReadSurvey` signature.
    """

    name: str
    folder: str
    default_bands: tuple[str, ...] | None
    period_cache: bool
    workers: bool
    read: ReadSurvey


def _read_ogle3(
    root: Path,
    *,
    skips: SkipLog,
    bands: Sequence[str] | None,
    limit: int | None,
    progress: bool,
    workers: int,
    cache_dir: str | Path | None,
) -> list[LightCurve]:
    """OGLE-III LMC Cepheids; periods from the OGLE-III catalog beside the folder (:data:`OGLE_CATALOG`)."""
    from varsynth.surveys.ogle import read_ogle

    catalog = root.parent / OGLE_CATALOG
    return read_ogle(root, catalog=catalog, bands=bands, skips=skips, limit=limit, progress=progress)


def _lazy(module: str, function: str, *, takes_cache: bool, takes_workers: bool) -> ReadSurvey:
    """The reader ``module.function`` behind the :class:`ReadSurvey` signature, imported on first
    use (readers stay cheap to list); ``workers`` and ``cache_dir`` are passed only to readers
    that take them (the registry's flags)."""

    def read(
        root: Path,
        *,
        skips: SkipLog,
        bands: Sequence[str] | None,
        limit: int | None,
        progress: bool,
        workers: int,
        cache_dir: str | Path | None,
    ) -> list[LightCurve]:
        reader = getattr(importlib.import_module(module), function)
        extra: dict[str, object] = {}
        if takes_workers:
            extra["workers"] = workers
        if takes_cache:
            extra["cache_dir"] = cache_dir
        return reader(root, bands=bands, skips=skips, limit=limit, progress=progress, **extra)

    return read


def _reader(
    name: str, folder: str, bands: tuple[str, ...] | None, module: str, function: str, *, cache: bool, workers: bool
) -> SurveyReader:
    read = _lazy(f"varsynth.surveys.{module}", function, takes_cache=cache, takes_workers=workers)
    return SurveyReader(name, folder, bands, period_cache=cache, workers=workers, read=read)


#: Every survey reader by name, in build order (the order of light curves in a dataset).
READERS: dict[str, SurveyReader] = {
    reader.name: reader
    for reader in (
        SurveyReader("ogle3", "ogle3-lmc-cep", ("I", "V"), period_cache=False, workers=False, read=_read_ogle3),
        _reader("eros1", "eros1-lmc", ("B", "R"), "eros", "read_eros1", cache=False, workers=False),
        _reader(
            "sdss-s82",
            "sdss-s82-rrlyrae",
            ("u", "g", "r", "i", "z"),
            "sdss",
            "read_sdss_s82",
            cache=False,
            workers=False,
        ),
        _reader("crts", "crts-periodic", None, "crts", "read_crts", cache=True, workers=True),
        _reader("gaia-dr3", "gaia-dr3-epoch", None, "gaia_dr3", "read_gaia_dr3", cache=True, workers=True),
        _reader("css", "catalina-sss", None, "catalina_sss", "read_catalina_sss", cache=False, workers=True),
        _reader("asas", "asas", None, "asas", "read_asas", cache=True, workers=True),
    )
}

#: Folder of each survey under the data root (derived from :data:`READERS`).
SURVEY_FOLDERS: dict[str, str] = {name: reader.folder for name, reader in READERS.items()}


def survey_reader(name: str) -> SurveyReader:
    """The reader of survey ``name``.

    Raises:
        KeyError: unknown survey name (the message lists the valid ones).
    """
    if name not in READERS:
        raise KeyError(f"unknown survey {name!r}; valid: {sorted(READERS)}")
    return READERS[name]


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
        name: one of :data:`READERS`.
        data_root: folder holding the survey folders.
        skips: receives the count of everything skipped, with reasons.
        bands: passbands to keep (``None`` or empty: the survey's default bands).
        limit: at most this many stars per survey class label (quick builds, tests).
        progress: show a progress bar.
        workers: processes for the per-star work, period searches above all (CRTS, Gaia DR3,
            ASAS; Catalina SSS parses its files with them).
        cache_dir: cache of period-search results (CRTS, Gaia DR3, ASAS); ``None`` disables it.

    Raises:
        KeyError: unknown survey name (the message lists the valid ones).
        FileNotFoundError: the survey folder is absent.
    """
    reader = survey_reader(name)
    root = Path(data_root) / reader.folder
    if not root.is_dir():
        raise FileNotFoundError(f"survey {name!r}: folder {root} does not exist")
    if not bands and reader.default_bands is not None:
        bands = reader.default_bands
    return reader.read(
        root, skips=skips, bands=bands, limit=limit, progress=progress, workers=workers, cache_dir=cache_dir
    )
