"""varsynth: realistic light curves of periodic variable stars.

Data flows one way: survey readers (:mod:`varsynth.surveys`) -> physical parameters
(:mod:`varsynth.physics`) -> preprocessing and the training dataset (:mod:`varsynth.data`) ->
models (:mod:`varsynth.models`) -> training (:mod:`varsynth.training`, :mod:`varsynth.latent`) ->
generation (:mod:`varsynth.generation`, with cadences from :mod:`varsynth.cadences`).

Quick start::

    import varsynth
    ts = varsynth.generate("RRLYR", period=0.55, cadence="lsst-wfd", seed=1)  # an astropy TimeSeries
"""

from typing import Any

from varsynth.lightcurve import LightCurve, PhysParam
from varsynth.taxonomy import CLASSES

__all__ = ["CLASSES", "LightCurve", "PhysParam", "__version__", "generate", "generate_table", "load_model"]

_LAZY = ("generate", "generate_table", "load_model")


def __getattr__(name: str) -> Any:
    """Generation entry points, imported on first use (they load torch)."""
    if name in _LAZY:
        from varsynth import generation

        return getattr(generation, name)
    raise AttributeError(f"module 'varsynth' has no attribute {name!r}")

__version__ = "0.1.0"
