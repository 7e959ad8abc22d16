"""Inverse inference: class and physical parameters of an observed light curve, and calibration."""

from varsynth.inference.observations import InputError, Observations, read_observations
from varsynth.inference.posterior import Posterior, infer

__all__ = ["InputError", "Observations", "Posterior", "infer", "read_observations"]
