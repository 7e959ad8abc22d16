"""Time systems of the surveys, and the constant offset that puts each on the MJD zero point.

Every :class:`~varsynth.lightcurve.LightCurve` holds its times in days on the MJD zero point
(JD - 2400000.5). A survey that writes its times in another system, e.g. OGLE's HJD - 2450000,
is converted by adding one constant, :attr:`TimeSystem.offset_days` (49999.5 for OGLE:
HJD - 2450000 + 49999.5 = HJD - 2400000.5). Only the zero point moves: the heliocentric or
barycentric correction of a survey is **not** undone and the time scale (UTC, TCB, ...) is
**not** converted, so OGLE times stay heliocentric (HJD on the MJD zero point) and Gaia times
barycentric in TCB. Phases and periods are unaffected; comparing epochs of different surveys to
better than about 8 minutes (the largest heliocentric correction) needs the corrections applied.

The time systems of the surveys read (:mod:`varsynth.surveys`):

=========== ================= =============== ===== ============================================
survey      as published      ``offset_days`` scale correction kept
=========== ================= =============== ===== ============================================
ogle3       HJD - 2450000     49999.5         utc   heliocentric
eros1       MJD - 47891       47891.0         utc   none stated (zero point measured, +-0.04 d)
sdss-s82    MJD               0               utc   none stated
crts        MJD               0               utc   none stated
css         MJD               0               utc   none stated
gaia-dr3    BJD - 2455197.5   55197.0         tcb   barycentric
asas        HJD - 2400000.5   0               utc   heliocentric (the file has the full HJD)
=========== ================= =============== ===== ============================================

The scale is the one the source states (Gaia: TCB); where it states none, ``utc`` is recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["TimeSystem", "MJD", "JD_MINUS_MJD", "TIME_SCALES"]

#: JD - MJD, days.
JD_MINUS_MJD: float = 2400000.5

#: Time scales :class:`TimeSystem` accepts (astropy's names).
TIME_SCALES: tuple[str, ...] = ("utc", "tai", "tt", "tcg", "tcb", "tdb", "ut1", "local")


@dataclass(frozen=True)
class TimeSystem:
    """A survey's time system and how its times move to the MJD zero point.

    Attributes:
        name: the system as the survey writes it, e.g. ``HJD-2450000``, ``BJD-2455197.5``, ``MJD``.
        offset_days: days added to a time in this system to put it on the MJD zero point:
            ``mjd = original + offset_days`` and ``original = mjd - offset_days``. Finite.
        scale: astropy time scale of the times (one of :data:`TIME_SCALES`), kept as published:
            ``tcb`` for Gaia, ``utc`` for the ground-based surveys.
    """

    name: str
    offset_days: float = 0.0
    scale: str = "utc"

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("time system name must be a non-empty string, e.g. 'HJD-2450000'")
        if not math.isfinite(self.offset_days):
            raise ValueError(f"offset_days must be a finite number of days, got {self.offset_days!r}")
        if self.scale not in TIME_SCALES:
            raise ValueError(f"scale must be one of {TIME_SCALES}, got {self.scale!r}")

    def to_mjd(self, time: np.ndarray) -> np.ndarray:
        """Times in this system (days) on the MJD zero point (days): ``time + offset_days``."""
        return np.asarray(time, dtype=np.float64) + self.offset_days

    def from_mjd(self, mjd: np.ndarray) -> np.ndarray:
        """Times on the MJD zero point (days) back in this system (days): ``mjd - offset_days``.

        Exact for times that :meth:`to_mjd` gave when the sum was exact (e.g. OGLE 5000.0 ->
        54999.5 -> 5000.0); otherwise within one rounding of the MJD value (below 1e-11 d for
        MJD < 65536). :meth:`LightCurve.survey_time` returns the array as read, bit for bit.
        """
        return np.asarray(mjd, dtype=np.float64) - self.offset_days


#: Times already in MJD (UTC): the default of a :class:`~varsynth.lightcurve.LightCurve`.
MJD = TimeSystem("MJD", 0.0, "utc")
