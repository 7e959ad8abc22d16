"""Checks of a generation run before the work, and before the model loads.

:func:`check_run` refuses, with the reason, what would otherwise fail after minutes of work or
fill the disk: an output path that cannot be written (a folder, a path under a file, a folder
where no file can be created), a format that contradicts the output's suffix, a plot path that
cannot be written or is not a PNG, a star count below 1, and an output larger than the free
space of its folder (:func:`estimate_output_bytes`). :func:`resolve_cadence` refuses cadence
settings that contradict each other instead of ignoring one of them.

The size estimate (bytes) is the number of stars times the mean epochs per star of a few probe
draws of the cadence (every band it observes, or those asked for) times the bytes per epoch of
the format. FITS rows have a fixed width, computed from the columns; the other formats' bytes
per epoch were measured on real runs (:data:`BYTES_PER_EPOCH`), rounded up.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from varsynth.cadences import Cadence
from varsynth.config import ConfigError
from varsynth.data.io import check_writable, remove_stale_temporaries
from varsynth.generation.writers import resolve_format
from varsynth.taxonomy import CLASSES

__all__ = ["BYTES_PER_EPOCH", "RunEstimate", "check_run", "estimate_output_bytes", "probe_epochs", "resolve_cadence"]

log = logging.getLogger(__name__)

#: Bytes per epoch (row) of the long format on disk, measured on ``write_lightcurves`` runs of
#: 200 stars at the lsst-wfd, ogle3, ztf and gaia cadences (18.8-20.7 Parquet with byte-stream-split
#: floats, 177-188 CSV, 173-184 ECSV, 19.1-21.8 HDF5, 18.5-20.9 nested Parquet bytes per epoch),
#: rounded up by ~10%. FITS is computed instead. HDF5 (like FITS) is built from a Parquet spool of
#: the same rows, counted in the estimate too.
BYTES_PER_EPOCH: dict[str, int] = {"parquet": 23, "csv": 205, "ecsv": 200, "hdf5": 24, "nested": 23}
#: FITS bytes per epoch besides the strings: 9 float64 columns and a logical.
_FITS_FIXED_BYTES = 9 * 8 + 1
#: Probe draws of the cadence that estimate its epochs per star.
_PROBE_DRAWS = 16
#: Digits of the light-curve number in an id (``<prefix>0000123``).
_ID_DIGITS = 7


@dataclass(frozen=True)
class RunEstimate:
    """What :func:`check_run` found: the output ``format``, stars, epochs per star and bytes."""

    format: str
    stars: int
    epochs_per_star: float
    bytes: int
    free_bytes: int


def resolve_cadence(
    cadence: str | None = None,
    options: dict[str, Any] | None = None,
    *,
    cadence_file: str | Path | None = None,
    opsim: str | Path | None = None,
    ra: float | None = None,
    dec: float | None = None,
) -> tuple[str, dict[str, Any]]:
    """The cadence name and options from a name, a cadence file or an OpSim database.

    >>> from varsynth.generation.checks import resolve_cadence
    >>> resolve_cadence(), resolve_cadence("ztf", {"bands": "gri"})
    (('ogle3', {}), ('ztf', {'bands': 'gri'}))
    >>> resolve_cadence(opsim="baseline.db", ra=10.0, dec=-30.0)
    ('opsim', {'path': 'baseline.db', 'ra': 10.0, 'dec': -30.0})
    >>> resolve_cadence("ztf", cadence_file="times.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    varsynth.strictconfig.ConfigError: cadence ztf and cadence_file (--cadence-file) times.csv name two cadences; ...

    Raises:
        ConfigError: two cadences given (a name and a file, a file and a database, a ``path``
            option beside either), or ``ra``/``dec`` without an OpSim database.
    """
    options = dict(options or {})
    given = [
        f"{what} {value}"
        for what, value in (
            ("cadence", cadence),
            ("cadence_file (--cadence-file)", cadence_file),
            ("opsim (--opsim)", opsim),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise ConfigError(f"{' and '.join(given)} name two cadences; give one")
    if "path" in options and (cadence_file is not None or opsim is not None):
        raise ConfigError("cadence option path and a cadence file or OpSim database name two files; give one")
    if (ra is not None or dec is not None) and opsim is None:
        name = "file" if cadence_file is not None else cadence or "ogle3"
        raise ConfigError(
            f"ra and dec (--ra/--dec) place the star in an OpSim database (--opsim); cadence {name!r} would ignore them"
        )
    if cadence_file is not None:
        return "file", {**options, "path": str(cadence_file)}
    if opsim is not None:
        coords = {k: v for k, v in (("ra", ra), ("dec", dec)) if v is not None}
        return "opsim", {**options, "path": str(opsim), **coords}
    return cadence or "ogle3", options


def probe_epochs(cadence: Cadence, bands: tuple[str, ...] | None = None, seed: int = 0) -> np.ndarray:
    """Epochs per star (in ``bands``, default all) of a few draws of ``cadence`` (one when every
    draw is the same), from a random stream no generated chunk uses."""
    rng = np.random.default_rng([seed, 2**32 - 1])
    counts = []
    for _ in range(1 if cadence.name in ("file", "uniform") else _PROBE_DRAWS):
        e = cadence.draw(rng)
        counts.append(int(np.isin(e.band, bands).sum()) if bands else len(e))
    return np.asarray(counts)


def estimate_output_bytes(
    fmt: str,
    epochs: float,
    *,
    id_chars: int,
    band_chars: int,
    vclass_chars: int,
    subtype_chars: int,
    cadence_chars: int,
) -> int:
    """Bytes on disk of ``epochs`` rows of the long format in ``fmt``, while it is written.

    FITS: the table's fixed-width rows (strings as wide as their longest value) plus the Parquet
    spool it is built from, which exists until the table is complete. HDF5: its measured bytes
    per epoch plus the same spool. Other formats: :data:`BYTES_PER_EPOCH`.
    """
    if fmt == "fits":
        strings = id_chars + band_chars + vclass_chars + max(subtype_chars, 1) + cadence_chars
        per_epoch = _FITS_FIXED_BYTES + strings + BYTES_PER_EPOCH["parquet"]
    elif fmt == "hdf5":
        per_epoch = BYTES_PER_EPOCH["hdf5"] + BYTES_PER_EPOCH["parquet"]
    else:
        per_epoch = BYTES_PER_EPOCH[fmt]
    return int(np.ceil(epochs * per_epoch))


def _free_bytes(path: Path) -> int:
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return shutil.disk_usage(folder).free


def _check_plot(plot: str | Path, out: Path) -> None:
    plot = Path(plot)
    if plot.suffix.lower() != ".png":
        raise ConfigError(f"plot {plot}: the plot is a PNG image; give a path ending in .png")
    if plot.resolve() == out.resolve():
        raise ConfigError(f"plot {plot} is the output file too; give another path")
    check_writable(plot, "plot")


def check_run(
    path: str | Path,
    *,
    n_stars: int,
    cadence: Cadence,
    fmt: str | None = None,
    plot: str | Path | None = None,
    bands: tuple[str, ...] | None = None,
    seed: int = 0,
    id_prefix: str = "",
    classes: tuple[str, ...] = CLASSES,
    subtype: str | None = None,
) -> RunEstimate:
    """Check a run writing ``n_stars`` light curves of ``cadence`` to ``path`` before any work.

    Temporary files of ``path`` left by killed runs are removed first (they count as free space).

    Raises:
        ConfigError: ``n_stars`` < 1, an unwritable output or plot path, a format contradicting
            the suffix, or an estimated output larger than the free space (the message gives the
            estimate and how it was made).
    """
    path = Path(path)
    if n_stars < 1:
        raise ConfigError(f"the number of stars must be >= 1, got {n_stars}")
    try:
        out_format = resolve_format(path, fmt)
        check_writable(path, "output")
        if plot is not None:
            _check_plot(plot, path)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    remove_stale_temporaries(path)
    per_star = float(probe_epochs(cadence, bands, seed).mean())
    chosen = bands or cadence.bands
    needed = estimate_output_bytes(
        out_format,
        n_stars * per_star,
        id_chars=len(id_prefix) + max(_ID_DIGITS, len(str(n_stars - 1))),
        band_chars=max(map(len, chosen)),
        vclass_chars=max(map(len, classes)),
        subtype_chars=len(subtype or ""),
        cadence_chars=len(cadence.name),
    )
    free = _free_bytes(path)
    if needed > free:
        raise ConfigError(
            f"output {path} would take about {tqdm.format_sizeof(needed, 'B', 1024)} ({n_stars} stars x "
            f"~{per_star:.0f} epochs x {needed / max(n_stars * per_star, 1):.0f} bytes per epoch of {out_format}), "
            f"but {tqdm.format_sizeof(free, 'B', 1024)} are free there; write fewer stars or elsewhere"
        )
    log.info(
        "output %s: about %s (%d stars x ~%.0f epochs)", path, tqdm.format_sizeof(needed, "B", 1024), n_stars, per_star
    )
    return RunEstimate(out_format, n_stars, per_star, needed, free)
