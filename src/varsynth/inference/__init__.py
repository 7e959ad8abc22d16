"""Inverse inference: class and physical parameters of an observed light curve, and calibration."""

from varsynth.inference.posterior import Posterior, infer

__all__ = ["Posterior", "infer"]
