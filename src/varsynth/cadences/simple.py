"""Idealised cadences: evenly spaced or uniformly random single-band epochs over a baseline, and
one cycle of evenly spaced phases in several bands (:class:`PhaseGridCadence`, for templates).

Useful for tests and for looking at a model's light curves without survey effects. Neither has
an error model unless a 5-sigma depth ``m5`` is given (then every visit has that depth and the
errors follow :func:`varsynth.cadences.errors.m5_sigma` with the survey's gamma).
"""

from __future__ import annotations

import numpy as np

from varsynth.cadences.base import MJD_RANGE, Cadence, Epochs, check_band, check_mjd, finite_option
from varsynth.cadences.errors import SIGMA_SYS, error_model_for

__all__ = ["PhaseGridCadence", "RandomCadence", "UniformCadence"]


class UniformCadence(Cadence):
    """``n_epochs`` evenly spaced epochs from ``start`` to ``start + baseline``; every draw is the same.

    Arguments:
        n_epochs: number of epochs, >= 1.
        baseline: time span in days, > 0.
        start: MJD of the first epoch.
        band: the band observed (a band of ``survey``).
        survey: photometric system of ``band`` in :data:`varsynth.bands.BANDS`.
        m5: 5-sigma depth of every visit (mag), or ``None`` for no error model.
        sigma_sys: systematic error floor (mag) of the error model, >= 0.
    """

    name = "uniform"

    def __init__(
        self,
        *,
        n_epochs: int = 300,
        baseline: float = 1000.0,
        start: float = 60000.0,
        band: str = "I",
        survey: str = "ogle3",
        m5: float | None = None,
        sigma_sys: float = SIGMA_SYS,
    ) -> None:
        if isinstance(n_epochs, bool) or not isinstance(n_epochs, (int, np.integer)) or n_epochs < 1:
            raise ValueError(f"option n_epochs must be an integer >= 1; got {n_epochs!r}")
        self.baseline = finite_option("baseline", baseline)
        if self.baseline <= 0:
            raise ValueError(f"option baseline must be > 0 days; got {baseline!r}")
        self.start = finite_option("start", start, *MJD_RANGE)
        check_mjd(self.start + self.baseline, "option start + baseline")
        self.m5 = None if m5 is None else finite_option("m5", m5)
        check_band(survey, band)
        self.survey, self.bands, self.n_epochs = survey, (band,), int(n_epochs)
        self.error_model = None if m5 is None else error_model_for(survey, finite_option("sigma_sys", sigma_sys, 0.0))

    def _epochs(self, time: np.ndarray) -> Epochs:
        depth = np.nan if self.m5 is None else self.m5
        return Epochs(time, np.full(time.size, self.bands[0]), np.full(time.size, depth))

    def draw(self, rng: np.random.Generator) -> Epochs:
        return self._epochs(self.start + np.linspace(0.0, self.baseline, self.n_epochs))

    def draw_many(self, rng: np.random.Generator, n: int) -> list[Epochs]:
        """``n`` times the same epochs (built once; no random number is drawn)."""
        return [self.draw(rng)] * n if type(self).draw is UniformCadence.draw else super().draw_many(rng, n)


class RandomCadence(UniformCadence):
    """``n_epochs`` epochs drawn uniformly in ``[start, start + baseline)``, sorted; each draw anew.

    Options as :class:`UniformCadence`.
    """

    name = "random"

    def draw(self, rng: np.random.Generator) -> Epochs:
        return self._epochs(np.sort(self.start + rng.uniform(0.0, self.baseline, self.n_epochs)))


class PhaseGridCadence(Cadence):
    """One cycle of ``n_phases`` evenly spaced phases ``k / n_phases`` (k = 0 .. n_phases - 1) in
    every band of ``bands``: the noiseless templates of a light-curve library.

    Its times are phases, not MJD (``phase_units``): the generation engine multiplies them by
    each star's period, so a star is observed at days ``k * period / n_phases`` from 0, its
    epoch of phase 0 (give ``epoch=0`` in the request). Every draw is the same; no error model.

    Arguments:
        n_phases: phases per cycle, >= 2.
        bands: the bands observed, each a band of ``survey``.
        survey: photometric system of ``bands`` in :data:`varsynth.bands.BANDS`.
    """

    name = "phase-grid"
    #: Times are phases in [0, 1): the engine scales them by each star's period (days).
    phase_units = True

    def __init__(
        self, *, n_phases: int = 100, bands: tuple[str, ...] = ("u", "g", "r", "i", "z", "y"), survey: str = "lsst"
    ) -> None:
        if isinstance(n_phases, bool) or not isinstance(n_phases, (int, np.integer)) or n_phases < 2:
            raise ValueError(f"option n_phases must be an integer >= 2; got {n_phases!r}")
        if not bands or len(set(bands)) != len(bands):
            raise ValueError(f"option bands must name at least one band, each once; got {list(bands)}")
        for b in bands:
            check_band(survey, b)
        self.survey, self.bands, self.n_phases = survey, tuple(bands), int(n_phases)
        self.error_model = None

    def phases(self) -> np.ndarray:
        """The phases of the grid, ``k / n_phases`` (k = 0 .. n_phases - 1)."""
        return np.arange(self.n_phases) / self.n_phases

    def draw(self, rng: np.random.Generator) -> Epochs:
        phase = np.repeat(self.phases(), len(self.bands))
        band = np.tile(np.asarray(self.bands, dtype=str), self.n_phases)
        return Epochs(phase, band, np.full(phase.size, np.nan))
