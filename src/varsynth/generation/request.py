"""What to generate: a class and any subset of its physical parameters (:class:`StarRequest`).

Kept apart from :mod:`.engine` (which imports torch) so that a request is checked, and a bad
one refused, without loading the model's libraries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from varsynth.cadences.base import MJD_RANGE
from varsynth.config import ConfigError
from varsynth.models.config import PHYSICS_CHOICES
from varsynth.taxonomy import CLASSES

__all__ = ["MAX_PERIOD", "StarRequest"]

#: Longest period accepted (days), before the model's training range is known: 1e5 days (~270
#: years) is far beyond any periodic variable a survey can phase.
MAX_PERIOD = 1e5


@dataclass(frozen=True)
class StarRequest:
    """What to generate: a class and any subset of its physical parameters.

    Attributes:
        vclass: variability class (one of :data:`varsynth.taxonomy.CLASSES`).
        subtype: subtype (e.g. ``RRab``, ``F``); restricts the drawn physics to that subtype.
        teff: effective temperature (K); ``None``: drawn.
        abs_mag: absolute Gaia G magnitude (mag); ``None``: drawn.
        period: period (days); ``None``: drawn.
        distance_modulus: distance modulus (mag); default the LMC's, unless ``mean_mag`` is given.
        mean_mag: apparent mean G magnitude (mag) before extinction, an alternative to
            ``distance_modulus``.
        extinction: V-band extinction A_V (mag).
        epoch: MJD of phase 0 (within :data:`~varsynth.cadences.base.MJD_RANGE`); ``None``:
            uniform within one period of the first epoch.

    Checked when made, without the model:

    >>> from varsynth.generation import StarRequest
    >>> StarRequest("RRLYR", subtype="RRab", period=0.55, distance_modulus=16.0)  # doctest: +NORMALIZE_WHITESPACE
    StarRequest(vclass='RRLYR', subtype='RRab', teff=None, abs_mag=None, period=0.55,
                distance_modulus=16.0, mean_mag=None, extinction=0.0, epoch=None)
    >>> StarRequest("RRLYR", period=-1.0)
    Traceback (most recent call last):
    ...
    varsynth.strictconfig.ConfigError: period must be in (0, 1e+05] days, got -1.0
    >>> StarRequest("MIRA")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    varsynth.strictconfig.ConfigError: class must be one of ['ACEP', 'CEP', ..., 'T2CEP'], got 'MIRA'
    """

    vclass: str
    subtype: str | None = None
    teff: float | None = None
    abs_mag: float | None = None
    period: float | None = None
    distance_modulus: float | None = None
    mean_mag: float | None = None
    extinction: float = 0.0
    epoch: float | None = None

    def __post_init__(self) -> None:
        if self.vclass not in CLASSES:
            raise ConfigError(f"class must be one of {list(CLASSES)}, got {self.vclass!r}")
        checks = [
            ("teff", self.teff, lambda v: v > 0, "> 0 K"),
            ("period", self.period, lambda v: 0 < v <= MAX_PERIOD, f"in (0, {MAX_PERIOD:.0e}] days"),
            ("abs_mag", self.abs_mag, lambda v: -15 < v < 20, "in (-15, 20) mag"),
            ("distance_modulus", self.distance_modulus, lambda v: -5 < v < 40, "in (-5, 40) mag"),
            ("mean_mag", self.mean_mag, lambda v: -5 < v < 35, "in (-5, 35) mag"),
            ("extinction", self.extinction, lambda v: 0 <= v < 30, "in [0, 30) mag"),
            (
                "epoch",
                self.epoch,
                lambda v: MJD_RANGE[0] <= v <= MJD_RANGE[1],
                f"an MJD in [{MJD_RANGE[0]:.0e}, {MJD_RANGE[1]:.0e}]",
            ),
        ]
        for name, value, ok, rule in checks:
            if value is not None and not (math.isfinite(value) and ok(value)):
                raise ConfigError(f"{name} must be {rule}, got {value!r}")
        if self.distance_modulus is not None and self.mean_mag is not None:
            raise ConfigError("give distance_modulus or mean_mag, not both")

    def given_physics(self) -> np.ndarray:
        """The given parameters in the catalog's transformed units (NaN: to draw): log10 Teff [K],
        M_G [mag], log10 period [days].

        >>> StarRequest("CEP", teff=6000, period=10.0).given_physics().round(4).tolist()
        [3.7782, nan, 1.0]
        """
        values = {"teff": self.teff, "abs_mag": self.abs_mag, "period": self.period}
        out = np.full(len(PHYSICS_CHOICES), np.nan)
        for j, name in enumerate(PHYSICS_CHOICES):
            v = values[name]
            if v is not None:
                out[j] = math.log10(v) if name in ("teff", "period") else v
        return out
