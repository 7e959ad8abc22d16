"""Point-level checks shared by every reader: NaN, non-positive error, duplicate time.

Each reader parses its own format, then hands the arrays to :func:`clean_points`, which drops the
bad points and counts each under its reason, so that all surveys report skips the same way.
"""

from __future__ import annotations

import numpy as np

from varsynth.surveys.skips import SkipLog

__all__ = ["clean_points"]


def clean_points(
    time: np.ndarray,
    mag: np.ndarray,
    err: np.ndarray,
    *,
    survey: str,
    where: str,
    skips: SkipLog,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop non-finite values, errors <= 0 and repeated times; count each reason in ``skips``.

    Arguments:
        time: observation times in days, shape (N,).
        mag: magnitudes, shape (N,).
        err: 1-sigma magnitude errors, shape (N,).
        survey: survey name used as the skip-log key.
        where: the source (file name) quoted as an example in the skip log.
        skips: the log that receives the counts.

    Returns:
        ``(time, mag, err)`` sorted by time, with only valid points; of repeated times the first
        occurrence (in file order) is kept.
    """
    time = np.asarray(time, dtype=np.float64)
    mag = np.asarray(mag, dtype=np.float64)
    err = np.asarray(err, dtype=np.float64)
    finite = np.isfinite(time) & np.isfinite(mag) & np.isfinite(err)
    skips.add(survey, "point", "NaN or infinite value", where, int((~finite).sum()))
    positive = finite & (err > 0)
    skips.add(survey, "point", "error <= 0", where, int((finite & ~positive).sum()))
    time, mag, err = time[positive], mag[positive], err[positive]
    order = np.argsort(time, kind="stable")
    time, mag, err = time[order], mag[order], err[order]
    if time.size:
        first = np.concatenate([[True], np.diff(time) > 0])
        skips.add(survey, "point", "duplicate time", where, int((~first).sum()))
        time, mag, err = time[first], mag[first], err[first]
    return time, mag, err
