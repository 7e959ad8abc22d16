"""The canonical light-curve record every survey reader returns.

One :class:`LightCurve` is one star in one passband: observation times in days on the MJD zero
point, magnitudes and their 1-sigma errors, the star's class on the paper's eight-class scale,
its subtype, its period (days), the survey's own time system (:class:`TimeSystem`) and free-form
metadata (coordinates, mean magnitudes, colours, the file it came from). Physical parameters
travel with the record as :class:`PhysParam` values so that each keeps its provenance and
uncertainty. The record folds and bins itself (:mod:`.folding`) and converts to astropy and
pandas tables and to a plot (:mod:`.convert`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from varsynth.lightcurve import convert
from varsynth.lightcurve.folding import BinnedCurve, bin_points, fold_phase
from varsynth.lightcurve.times import MJD, TimeSystem
from varsynth.taxonomy import CLASSES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

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

    **Times.** ``time`` is in days on the MJD zero point (JD - 2400000.5) for every survey. Each
    reader adds its survey's constant :attr:`TimeSystem.offset_days` (OGLE: HJD - 2450000 +
    49999.5) and records the system it read in ``time_system`` (name, offset, astropy time
    scale), so the times as published are ``time - time_system.offset_days``;
    :meth:`survey_time` returns them bit for bit. Only the zero point moves: heliocentric (OGLE,
    ASAS) and barycentric (Gaia) corrections are not undone and the time scale is not converted
    (Gaia stays TCB), see :mod:`varsynth.lightcurve.times` for the surveys' systems.

    Attributes:
        star_id: survey identifier of the star (unique within the survey).
        survey: survey name, e.g. ``ogle3``, ``eros1``, ``sdss-s82``, ``crts``, ``gaia-dr3``,
            ``css`` (Catalina SSS), ``asas``; for generated light curves the photometric system
            of the cadence (``lsst``, ``ztf``, ...).
        band: passband name as in :mod:`varsynth.bands`, e.g. ``I``, ``V``, ``g``, ``G``.
        time: observation times, days on the MJD zero point, shape (N,).
        mag: magnitudes, shape (N,).
        mag_err: 1-sigma magnitude errors, shape (N,), all > 0.
        vclass: one of the paper's eight classes (:data:`varsynth.taxonomy.CLASSES`), or ``""``
            when unknown (an observed light curve to classify).
        subtype: survey subtype (``F``, ``1O``, ``RRab``, ``Mira``, ...), ``""`` when none.
        period: period in days, NaN when unknown.
        meta: free-form metadata (coordinates in degrees, mean magnitudes, colours, source file).
        physics: physical parameters by name (``teff``, ``abs_mag``, ``period``).
        time_system: the survey's time system: its name (``HJD-2450000``), the offset in days
            added to put it on the MJD zero point, and the astropy time scale (default: MJD, UTC).
        original_time: the times as read, in ``time_system`` (days), shape (N,), kept when the
            offset is not 0 so that :meth:`survey_time` is exact; ``None`` otherwise.

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
    time_system: TimeSystem = MJD
    original_time: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.time = np.asarray(self.time, dtype=np.float64)
        self.mag = np.asarray(self.mag, dtype=np.float64)
        self.mag_err = np.asarray(self.mag_err, dtype=np.float64)
        if not (self.time.shape == self.mag.shape == self.mag_err.shape) or self.time.ndim != 1:
            raise ValueError(
                f"{self.star_id}: time, mag and mag_err must be 1-D of one length, got "
                f"{self.time.shape}, {self.mag.shape}, {self.mag_err.shape}"
            )
        if self.vclass and self.vclass not in CLASSES:
            raise ValueError(f"{self.star_id}: class {self.vclass!r} is not one of {CLASSES} (or '' for unknown)")
        if not isinstance(self.time_system, TimeSystem):
            raise ValueError(f"{self.star_id}: time_system must be a TimeSystem, got {self.time_system!r}")
        if self.original_time is not None:
            self.original_time = np.asarray(self.original_time, dtype=np.float64)
            if not np.array_equal(self.time_system.to_mjd(self.original_time), self.time, equal_nan=True):
                raise ValueError(
                    f"{self.star_id}: original_time must be the times as read, with time = original_time + "
                    f"{self.time_system.offset_days!r} d ({self.time_system.name})"
                )

    def __len__(self) -> int:
        return int(self.time.size)

    @property
    def key(self) -> str:
        """Identifier of the star across bands: ``survey:star_id``."""
        return f"{self.survey}:{self.star_id}"

    def with_points(self, time: np.ndarray, mag: np.ndarray, mag_err: np.ndarray) -> LightCurve:
        """A copy of this light curve with other observations (same star, band, labels and time
        system; ``time`` in days on the MJD zero point)."""
        return replace(self, time=time, mag=mag, mag_err=mag_err, meta=dict(self.meta), original_time=None)

    def with_time_system(self, system: TimeSystem) -> LightCurve:
        """For readers: this record, built with its times as read in ``system``, with the times
        moved to the MJD zero point (``time + system.offset_days``) and the array read kept as
        :attr:`original_time` (when the offset is not 0).

        Raises:
            ValueError: the record's times are on the MJD zero point already (its time system is
                not the default, or it keeps original times).
        """
        if self.time_system != MJD or self.original_time is not None:
            raise ValueError(f"{self.star_id}: times already moved from {self.time_system.name} to MJD")
        if system.offset_days == 0.0:
            return replace(self, time_system=system)
        return replace(self, time=system.to_mjd(self.time), time_system=system, original_time=self.time)

    def survey_time(self) -> np.ndarray:
        """The times in the survey's own system (days, :attr:`time_system`), as read: the kept
        :attr:`original_time`, else ``time - time_system.offset_days``."""
        if self.original_time is not None:
            return self.original_time
        return self.time if self.time_system.offset_days == 0.0 else self.time_system.from_mjd(self.time)

    def amplitude(self) -> float:
        """Peak-to-peak amplitude in magnitudes (max - min of the observed magnitudes)."""
        return float(self.mag.max() - self.mag.min()) if len(self) else math.nan

    def fold(self, period: float | None = None, epoch: float | None = None) -> np.ndarray:
        """Phase in [0, 1) of every observation: ``((time - epoch) / period) mod 1``.

        Arguments:
            period: days; default the record's :attr:`period`.
            epoch: time of phase 0, days on the MJD zero point (as :attr:`time`); default the
                first observation (astropy's ``TimeSeries.fold`` convention).

        Returns:
            Phases, shape (N,), in the order of :attr:`time` (sort them to plot a line). The same
            phases as ``to_timeseries().fold(period * u.day, Time(epoch, format="mjd"),
            wrap_phase=1, normalize_phase=True)``, as a plain array in [0, 1).

        Raises:
            ValueError: no period (NaN and none given), a period <= 0, or no observation to
                take the default epoch from.
        """
        if period is None and not (math.isfinite(self.period) and self.period > 0):
            raise ValueError(f"{self.key}: fold needs a period > 0 days (the record's is {self.period}); pass period=")
        p = self.period if period is None else float(period)
        if epoch is None:
            if not len(self):
                raise ValueError(f"{self.key}: no observation to take the epoch of phase 0 from; pass epoch=")
            epoch = float(self.time[0])
        return fold_phase(self.time, p, float(epoch))

    def bin(
        self,
        n_bins: int | None = None,
        *,
        width: float | None = None,
        folded: bool = True,
        period: float | None = None,
        epoch: float | None = None,
    ) -> BinnedCurve:
        """Inverse-variance weighted mean magnitudes in bins of phase (``folded``) or of time.

        In a bin of points m_i with errors s_i the magnitude is sum(m_i / s_i^2) / sum(1 / s_i^2)
        and its error 1 / sqrt(sum(1 / s_i^2)); empty bins are left out
        (:class:`~varsynth.lightcurve.folding.BinnedCurve`).

        Arguments:
            n_bins: number of bins of equal width over [0, 1] in phase, or from the first to the
                last observation in time; or
            width: width of a bin, phase units (folded) or days; the last bin is cut at the end.
            folded: bin in phase (:meth:`fold` with ``period`` and ``epoch``), else in time (MJD).

        Raises:
            ValueError: both or neither of ``n_bins`` and ``width``, a value out of range, no
                points, an error that is not > 0, or (folded) no period.
        """
        x = self.fold(period, epoch) if folded else self.time
        return bin_points(x, self.mag, self.mag_err, kind="phase" if folded else "time", n_bins=n_bins, width=width)

    def to_table(self) -> Any:
        """An astropy ``Table``: ``time`` (MJD, d), ``mag``, ``mag_err`` (mag); labels and the
        time system (``time_system``, ``time_offset_days``, ``time_scale``) in ``meta``
        (:func:`varsynth.lightcurve.convert.header`)."""
        return convert.to_table(self)

    def to_pandas(self) -> Any:
        """A pandas ``DataFrame`` (``time`` MJD days, ``mag``, ``mag_err``); labels in ``attrs``."""
        return convert.to_pandas(self)

    def to_timeseries(self) -> Any:
        """An astropy ``TimeSeries``: ``Time(time, format="mjd", scale=time_system.scale)``, ``mag``
        and ``mag_err`` in mag; labels in ``meta``. :meth:`from_table` reverses it exactly."""
        return convert.to_timeseries(self)

    @classmethod
    def from_table(cls, table: Any, **labels: Any) -> LightCurve:
        """A record from an astropy Table or TimeSeries or a pandas DataFrame with ``time`` (MJD
        days or an astropy ``Time``), ``mag`` and ``mag_err`` columns; labels from its metadata
        (as :meth:`to_table` writes it) or ``labels`` (:func:`varsynth.lightcurve.convert.from_table`).
        """
        return convert.from_table(cls, table, **labels)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        folded: bool = True,
        period: float | None = None,
        epoch: float | None = None,
        **errorbar: Any,
    ) -> Axes:
        """Magnitudes with error bars against phase (``folded``, :meth:`fold`) or time (MJD), bright
        up, on ``ax`` (default: a new pyplot figure); returns the axes
        (:func:`varsynth.lightcurve.convert.plot`)."""
        return convert.plot(self, ax, folded=folded, period=period, epoch=epoch, **errorbar)
