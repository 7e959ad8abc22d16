"""varsynth: realistic light curves of periodic variable stars.

Data flows one way: survey readers (:mod:`varsynth.surveys`) -> physical parameters
(:mod:`varsynth.physics`) -> preprocessing and the training dataset (:mod:`varsynth.data`).
"""

from varsynth.lightcurve import LightCurve, PhysParam
from varsynth.taxonomy import CLASSES

__all__ = ["CLASSES", "LightCurve", "PhysParam", "__version__"]

__version__ = "0.1.0"
