"""OGLE per-star photometry files: ``phot/<band>/<ID>.dat`` with ``HJD-2450000  mag  err`` rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from varsynth.surveys.ogle.layout import SURVEY
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.surveys.validate import clean_points

__all__ = ["read_ogle_photometry"]


def read_ogle_photometry(
    path: str | Path,
    *,
    skips: SkipLog,
    survey: str = SURVEY,
    where: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read one OGLE photometry file (``HJD-2450000  mag  err``, whitespace separated).

    Blank lines carry no observation and are ignored. A line without exactly three columns or
    with a non-numeric value is skipped and counted (level ``line``, example ``file:line``).
    The parsed points then go through :func:`~varsynth.surveys.validate.clean_points` (NaN,
    error <= 0 and repeated times are dropped and counted at level ``point``).

    Arguments:
        path: the ``.dat`` file.
        skips: the log that receives the counts.
        survey: survey name used as the skip-log key.
        where: how the file is named in skip-log examples (default: ``path``), e.g. the path
            relative to the survey root.

    Returns:
        ``(time, mag, err)``: times in days (HJD-2450000) sorted ascending, magnitudes and
        1-sigma errors in magnitudes; may be empty when every parsed point was invalid.

    Raises:
        ReaderError: the file cannot be read, is not text, or has no valid observation line.
    """
    path = Path(path)
    label = str(path) if where is None else where
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ReaderError(path, None, f"cannot read file: {err}") from err
    rows: list[tuple[float, float, float]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3:
            skips.add(survey, "line", "malformed line: expected 3 columns", f"{label}:{lineno}")
            continue
        try:
            rows.append((float(parts[0]), float(parts[1]), float(parts[2])))
        except ValueError:
            skips.add(survey, "line", "malformed line: non-numeric value", f"{label}:{lineno}")
    if not rows:
        raise ReaderError(path, None, "no valid observation line (empty or all lines malformed)")
    data = np.array(rows, dtype=np.float64)
    return clean_points(data[:, 0], data[:, 1], data[:, 2], survey=survey, where=label, skips=skips)
