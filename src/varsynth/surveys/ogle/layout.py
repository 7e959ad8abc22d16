"""Names shared by the OGLE readers: the survey name, its time system and the fixed file names of a collection."""

from __future__ import annotations

from varsynth.lightcurve import TimeSystem

__all__ = ["SURVEY", "IDENT_NAME", "README_NAMES", "TIME_SYSTEM"]

#: Survey name used in LightCurve.survey and as the SkipLog key.
SURVEY = "ogle3"

#: OGLE photometry times are HJD - 2450000 (days); MJD zero point: + 49999.5 (heliocentric kept).
TIME_SYSTEM = TimeSystem("HJD-2450000", 49999.5, "utc")

#: The cross-identification table of a collection folder (not a parameter table).
IDENT_NAME = "ident.dat"

#: The README file names OGLE uses (the byte layout of every table).
README_NAMES = ("README", "README.txt")
