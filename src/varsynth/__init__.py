"""varsynth: realistic light curves of periodic variable stars.

Data flows one way through the package. Its layers, top to bottom (a module imports only from its
own layer and the layers below; ``a | b`` are siblings that do not import each other; the
import-linter contracts in ``pyproject.toml`` enforce this map and ``docs/architecture.md`` draws it)::

    __main__                               ``python -m varsynth``: the command line
    cli                                    the command line (a face over the API)
    server | integrations                  ``varsynth serve`` (HTTP API, explorer); models for other simulators
    evaluation                             the fidelity report (``varsynth evaluate``)
    bench | inference                      benchmarks; physics and latent posteriors of real stars
    generation                             requests -> light curves -> tables and files
    training                               fitting a model (Lightning), noise model, sweeps
    latent                                 flow prior, physics catalog, regressors on latent codes
    bundle                                 a trained model on disk: one versioned manifest, verified files
    data                                   the versioned training dataset and its tensors
    physics | config                       Teff, absolute magnitudes, relations; the data configs
    surveys                                readers of the real survey files, by name
    cadences | models                      observing cadences; networks
    lightcurve                             the light-curve record (MJD times, folding, tables) and physics names
    bands | strictconfig | taxonomy | signals | atomic  passbands, config checks, classes, signals, file writes

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
