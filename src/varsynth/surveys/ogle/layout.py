"""Names shared by the OGLE readers: the survey name and the fixed file names of a collection."""

from __future__ import annotations

__all__ = ["SURVEY", "IDENT_NAME", "README_NAMES"]

#: Survey name used in LightCurve.survey and as the SkipLog key.
SURVEY = "ogle3"

#: The cross-identification table of a collection folder (not a parameter table).
IDENT_NAME = "ident.dat"

#: The README file names OGLE uses (the byte layout of every table).
README_NAMES = ("README", "README.txt")
