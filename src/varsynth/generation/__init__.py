"""Generation of synthetic light curves in real units and their output (files, plots).

``generate`` / ``generate_table`` / ``iter_generate`` draw light curves from a trained model
(:func:`load_model`: the embedded ``default`` or any bundle) for a class, physical parameters
and a cadence; ``write_lightcurves`` and ``write_training_set`` stream them to Parquet, CSV,
ECSV, FITS or HDF5 files.
"""

from varsynth.generation.generate import (
    ExtrapolationError,
    StarRequest,
    generate,
    generate_table,
    iter_generate,
)
from varsynth.generation.model import GenerativeModel, load_model
from varsynth.generation.output import write_lightcurves, write_training_set

__all__ = [
    "ExtrapolationError",
    "GenerativeModel",
    "StarRequest",
    "generate",
    "generate_table",
    "iter_generate",
    "load_model",
    "write_lightcurves",
    "write_training_set",
]
