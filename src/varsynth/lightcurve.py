"""The canonical light-curve record every survey reader returns.

One :class:`LightCurve` is one star in one passband: observation times in days, magnitudes and
their 1-sigma errors, the star's class on the paper's eight-class scale, its subtype, its period
(days) and free-form metadata (coordinates, mean magnitudes, colours, the file it came from).
Physical parameters travel with the record as :class:`PhysParam` values so that each keeps its
provenance and uncertainty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from varsynth.taxonomy import CLASSES

__all__ = ["LightCurve", "PhysParam", "PROVENANCES", "PHYSICS_NAMES"]

#: Where a physical-parameter value comes from.
PROVENANCES: tuple[str, ...] = ("gaia", "derived", "catalog", "missing")

#: Physical parameters the dataset carries for every star (units: K, mag, days).
PHYSICS_NAMES: tuple[str, ...] = ("teff", "abs_mag", "period")


@dataclass(frozen=True)
class PhysParam:
    """One physical-parameter value with its 1-sigma uncertainty and provenance.

    Attributes:
        value: the value (Kelvin for ``teff``, magnitudes for ``abs_mag``, days for ``period``),
            NaN when missing.
        err: 1-sigma uncertainty in the same unit, NaN when unknown.
        source: one of ``gaia``, ``derived``, ``catalog``, ``missing``.
        note: how it was obtained (relation and reference), for the data card.
    """

    value: float = math.nan
    err: float = math.nan
    source: str = "missing"
    note: str = ""

    def __post_init__(self) -> None:
        if self.source not in PROVENANCES:
            raise ValueError(f"source must be one of {PROVENANCES}, got {self.source!r}")
        if self.source == "missing" and not math.isnan(self.value):
            raise ValueError("a missing parameter must have value NaN")
        if self.source != "missing" and not math.isfinite(self.value):
            raise ValueError(f"a {self.source} parameter needs a finite value, got {self.value}")

    @property
    def is_missing(self) -> bool:
        """True when no value is known."""
        return self.source == "missing"


@dataclass
class LightCurve:
    """One star observed in one passband.

    Attributes:
        star_id: survey identifier of the star (unique within the survey).
        survey: survey name, e.g. ``ogle3``, ``eros1``, ``sdss-s82``, ``crts``, ``gaia-dr3``,
            ``css`` (Catalina SSS), ``asas``.
        band: passband name as in :mod:`varsynth.bands`, e.g. ``I``, ``V``, ``g``, ``G``.
        time: observation times in days, shape (N,), in the survey's time system
            (HJD-2450000 for OGLE, MJD for SDSS, CRTS and Catalina SSS, BJD-2455197.5 for Gaia
            DR3, HJD-2400000.5 for ASAS).
        mag: magnitudes, shape (N,).
        mag_err: 1-sigma magnitude errors, shape (N,), all > 0.
        vclass: one of the paper's eight classes (:data:`varsynth.taxonomy.CLASSES`).
        subtype: survey subtype (``F``, ``1O``, ``RRab``, ``Mira``, ...), ``""`` when none.
        period: period in days, NaN when unknown.
        meta: free-form metadata (coordinates in degrees, mean magnitudes, colours, source file).
        physics: physical parameters by name (``teff``, ``abs_mag``, ``period``).

    >>> from varsynth import LightCurve, PhysParam
    >>> lc = LightCurve(
    ...     "OGLE-LMC-RRLYR-00001", "ogle3", "I", time=[2100.5, 2101.5, 2103.0],
    ...     mag=[18.9, 19.4, 19.1], mag_err=[0.02, 0.03, 0.02], vclass="RRLYR", subtype="RRab", period=0.56,
    ...     physics={"period": PhysParam(0.56, 1e-6, "catalog")},
    ... )
    >>> len(lc), lc.key, round(lc.amplitude(), 3), lc.time.dtype
    (3, 'ogle3:OGLE-LMC-RRLYR-00001', 0.5, dtype('float64'))
    >>> lc.physics["period"].is_missing, PhysParam().is_missing
    (False, True)
    >>> LightCurve("x", "ogle3", "I", [1.0], [18.0], [0.1], vclass="MIRA")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: x: class 'MIRA' is not one of (...)
    """

    star_id: str
    survey: str
    band: str
    time: np.ndarray
    mag: np.ndarray
    mag_err: np.ndarray
    vclass: str
    subtype: str = ""
    period: float = math.nan
    meta: dict[str, Any] = field(default_factory=dict)
    physics: dict[str, PhysParam] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.time = np.asarray(self.time, dtype=np.float64)
        self.mag = np.asarray(self.mag, dtype=np.float64)
        self.mag_err = np.asarray(self.mag_err, dtype=np.float64)
        if not (self.time.shape == self.mag.shape == self.mag_err.shape) or self.time.ndim != 1:
            raise ValueError(
                f"{self.star_id}: time, mag and mag_err must be 1-D of one length, got "
                f"{self.time.shape}, {self.mag.shape}, {self.mag_err.shape}"
            )
        if self.vclass not in CLASSES:
            raise ValueError(f"{self.star_id}: class {self.vclass!r} is not one of {CLASSES}")

    def __len__(self) -> int:
        return int(self.time.size)

    @property
    def key(self) -> str:
        """Identifier of the star across bands: ``survey:star_id``."""
        return f"{self.survey}:{self.star_id}"

    def with_points(self, time: np.ndarray, mag: np.ndarray, mag_err: np.ndarray) -> LightCurve:
        """A copy of this light curve with other observations (same star, band and labels)."""
        return replace(self, time=time, mag=mag, mag_err=mag_err, meta=dict(self.meta))

    def amplitude(self) -> float:
        """Peak-to-peak amplitude in magnitudes (max - min of the observed magnitudes)."""
        return float(self.mag.max() - self.mag.min()) if len(self) else math.nan
