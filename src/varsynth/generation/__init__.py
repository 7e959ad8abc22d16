"""Generation of synthetic light curves in real units and their output (files, plots).

``generate`` / ``generate_table`` / ``iter_generate`` draw light curves from a trained model
(:func:`load_model`: the embedded ``default`` or any bundle) for a class, physical parameters
and a cadence, with times in MJD; a run described once as a :class:`GenerationConfig` (request,
cadence, bands, seed, chunking, flags; checked when made) is drawn by ``generate_chunks``;
``to_lightcurves`` turns their tables into :class:`~varsynth.lightcurve.LightCurve` records
(``generate(..., as_lightcurves=True)`` returns them directly); ``write_lightcurves`` and
``write_training_set`` stream light curves to Parquet (long, or nested: one row per star,
:mod:`.nested`), CSV, ECSV, FITS or HDF5 files; ``write_lclib`` / ``read_lclib`` /
``check_lclib`` write, read and check SNANA LCLIB libraries of noiseless one-cycle templates
(:mod:`.lclib`). The names are imported on first use, so that the
writers, plots, the LCLIB reader, ``to_lightcurves`` and :class:`GenerationConfig`
(:mod:`.writers`, :mod:`.plot`, :mod:`.lclib`, :mod:`.lightcurves`, :mod:`.config`) load without
torch.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "ExtrapolationError": "engine",
    "GenerationConfig": "config",
    "StarRequest": "request",
    "generate": "engine",
    "generate_chunks": "engine",
    "generate_table": "engine",
    "iter_generate": "engine",
    "GenerativeModel": "model",
    "load_model": "model",
    "write_lightcurves": "output",
    "write_training_set": "output",
    "write_lclib": "lclib",
    "read_lclib": "lclib",
    "check_lclib": "lclib",
    "to_lightcurves": "lightcurves",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"varsynth.generation.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'varsynth.generation' has no attribute {name!r}")
