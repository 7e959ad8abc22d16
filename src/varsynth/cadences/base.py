"""What a cadence is: the epochs of one light curve, and the interface every cadence implements.

A :class:`Cadence` draws the observation epochs (MJD, band, 5-sigma depth) of one star at a
time; different draws are different stars (another season phase, other weather losses, another
sky position), so a generator calls :meth:`Cadence.draw` once per light curve with its own
random generator. :meth:`Cadence.errors` turns true magnitudes into 1-sigma errors with the
cadence's error model (:mod:`varsynth.cadences.errors`) when the cadence knows its depths.

The helpers here are shared by the survey cadences: inverse-CDF sampling from a published or
measured quantile table, yearly observing seasons of a ground-based survey, and the MJD fraction
of local midnight at an observatory.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from varsynth.bands import BANDS
from varsynth.cadences.errors import M5ErrorModel

__all__ = [
    "MJD_RANGE",
    "YEAR",
    "Cadence",
    "Epochs",
    "check_band",
    "check_mjd",
    "finite_option",
    "from_quantiles",
    "local_midnight",
    "seasons",
]

#: Julian year in days.
YEAR = 365.25

#: Accepted times (MJD): about the years 880 BC to 4596 AD. Far outside, a float64 MJD loses the
#: precision a phase needs (at 1e12 days one unit in the last place is 1e-4 days) and no
#: survey's epochs fall there.
MJD_RANGE: tuple[float, float] = (-1e6, 1e6)


def check_mjd(values: np.ndarray | float, what: str) -> None:
    """Raise ``ValueError`` naming ``what`` unless every value is a finite MJD within :data:`MJD_RANGE`."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    bad = ~(np.isfinite(arr) & (arr >= MJD_RANGE[0]) & (arr <= MJD_RANGE[1]))
    if bad.any():
        raise ValueError(
            f"{what}: {int(bad.sum())} time(s) outside MJD {MJD_RANGE[0]:.0e} .. {MJD_RANGE[1]:.0e} "
            f"(first: {arr[bad][0]!r}); give times as MJD"
        )


@dataclass(frozen=True)
class Epochs:
    """The observation epochs of one light curve.

    Attributes:
        time: MJD (float64), sorted ascending.
        band: band name of each epoch (keys of :data:`varsynth.bands.BANDS` for the cadence's survey).
        m5: 5-sigma limiting magnitude of each visit (float64; NaN when the cadence has no depths).
    """

    time: np.ndarray
    band: np.ndarray
    m5: np.ndarray

    def __post_init__(self) -> None:
        time = np.asarray(self.time, dtype=np.float64)
        band = np.asarray(self.band, dtype=str)
        m5 = np.asarray(self.m5, dtype=np.float64)
        if time.ndim != 1 or band.shape != time.shape or m5.shape != time.shape:
            raise ValueError(
                f"time, band and m5 must be 1-D of one length; got shapes {time.shape}, {band.shape}, {m5.shape}"
            )
        if np.any(np.diff(time) < 0):
            raise ValueError("time must be sorted ascending (use Epochs.from_unsorted)")
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "band", band)
        object.__setattr__(self, "m5", m5)

    def __len__(self) -> int:
        return int(self.time.size)

    @classmethod
    def from_unsorted(cls, time: np.ndarray, band: np.ndarray | str, m5: np.ndarray | float | None = None) -> Epochs:
        """Epochs from arrays in any order (stable sort by time); scalars broadcast, ``m5=None`` -> NaN."""
        time = np.asarray(time, dtype=np.float64)
        order = np.argsort(time, kind="stable")
        band_arr = np.broadcast_to(np.asarray(band, dtype=str), time.shape)
        m5_arr = np.broadcast_to(np.asarray(np.nan if m5 is None else m5, dtype=np.float64), time.shape)
        return cls(time[order], band_arr[order], m5_arr[order])


class Cadence(ABC):
    """A survey cadence: draws one star's epochs and, given depths, its photometric errors.

    Attributes:
        name: registry name, e.g. ``"lsst-wfd"``.
        survey: photometric system for band lookup in :data:`varsynth.bands.BANDS`, e.g. ``"lsst"``.
        bands: bands the cadence can observe.
        error_model: errors from the visits' depths, or ``None`` when the cadence has no depths.
    """

    name: str
    survey: str
    bands: tuple[str, ...]
    error_model: M5ErrorModel | None

    @property
    def has_error_model(self) -> bool:
        """Whether :meth:`errors` works; if not, a generator uses the model's own predicted errors."""
        return self.error_model is not None

    @abstractmethod
    def draw(self, rng: np.random.Generator) -> Epochs:
        """The epochs of one star; successive draws are different stars."""

    def draw_many(self, rng: np.random.Generator, n: int) -> list[Epochs]:
        """``n`` draws, the same as ``n`` calls of :meth:`draw` with ``rng`` (cadences whose draws
        do not vary may return one object ``n`` times)."""
        return [self.draw(rng) for _ in range(n)]

    def errors(self, mag: np.ndarray, epochs: Epochs) -> np.ndarray:
        """1-sigma errors (mag) of true magnitudes ``mag`` observed at ``epochs``.

        Raises:
            ValueError: the cadence has no error model, or ``mag`` does not match the epochs.
        """
        if self.error_model is None:
            raise ValueError(
                f"cadence {self.name!r} has no error model (no 5-sigma depths); use the model's own errors"
            )
        return self.error_model(mag, epochs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}: survey {self.survey!r}, bands {self.bands}>"


def check_band(survey: str, band: str) -> None:
    """Raise ``ValueError`` unless ``band`` is a band of ``survey`` in :data:`BANDS` (naming the valid ones)."""
    if (survey, band) not in BANDS:
        surveys = sorted({s for s, _ in BANDS})
        if survey not in surveys:
            raise ValueError(f"survey {survey!r} is unknown; valid: {surveys}")
        valid = sorted(n for s, n in BANDS if s == survey)
        raise ValueError(f"band {band!r} is not a band of survey {survey!r}; valid: {valid}")


def finite_option(name: str, value: Any, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` as a float, or ``ValueError`` naming option ``name`` unless finite and in [low, high]."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if isinstance(value, bool) or not (math.isfinite(x) and low <= x <= high):
        raise ValueError(f"option {name} must be a finite number in [{low}, {high}]; got {value!r}")
    return x


def from_quantiles(rng: np.random.Generator, levels: Sequence[float], values: Sequence[float], size: int) -> np.ndarray:
    """``size`` draws from the distribution with quantile ``values`` at cumulative ``levels`` (linear inverse CDF)."""
    return np.interp(rng.random(size), levels, values)


def seasons(rng: np.random.Generator, nights: np.ndarray, length: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Yearly observing seasons of one sky position, at a random phase of the year.

    Arguments:
        rng: random generator.
        nights: MJD of the nights (integers as floats).
        length: range (days) from which the season length is drawn uniformly.

    Returns:
        A mask of the nights in season, and the fraction of the season elapsed on each night
        (0 when the field rises in the morning sky, 1 when it sets in the evening sky).
    """
    start = rng.uniform(0.0, YEAR)
    span = rng.uniform(*length)
    into = np.mod(nights - nights[0] - start, YEAR)
    return into < span, into / span


def local_midnight(longitude: float) -> float:
    """MJD fraction (days) of local mean midnight at an observatory of east ``longitude`` (degrees)."""
    return float(np.mod(-longitude / 360.0, 1.0))
