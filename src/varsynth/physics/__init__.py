"""Physical parameters (Teff, absolute G magnitude, period) for every light curve.

:mod:`varsynth.physics.relations` holds the published relations as pure functions;
:mod:`varsynth.physics.assign` attaches :class:`~varsynth.lightcurve.PhysParam` values with
provenance to light curves and summarises them for the data card.
"""

from varsynth.physics.assign import PRIORITY_SOURCES, assign_physics, physics_summary
from varsynth.physics.relations import Estimate

__all__ = ["Estimate", "PRIORITY_SOURCES", "assign_physics", "physics_summary"]
