"""The light-curve record every survey reader returns, and its times, folding and conversions.

:class:`LightCurve` (:mod:`.record`) is one star in one passband with times on the MJD zero
point; :class:`TimeSystem` (:mod:`.times`) says which system a survey published its times in and
the constant that moves them to MJD; :mod:`.folding` folds and bins; :mod:`.convert` makes astropy
Tables and TimeSeries, pandas frames and plots. ``PHYSICS_NAMES`` are the physical parameters
every dataset star carries.
"""

from varsynth.lightcurve.folding import BinnedCurve
from varsynth.lightcurve.record import PHYSICS_NAMES, PROVENANCES, LightCurve, PhysParam
from varsynth.lightcurve.times import JD_MINUS_MJD, MJD, TimeSystem

__all__ = [
    "BinnedCurve",
    "JD_MINUS_MJD",
    "LightCurve",
    "MJD",
    "PHYSICS_NAMES",
    "PROVENANCES",
    "PhysParam",
    "TimeSystem",
]
