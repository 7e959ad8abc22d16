"""Idealised single-band cadences: evenly spaced or uniformly random epochs over a baseline.

Useful for tests and for looking at a model's light curves without survey effects. Neither has
an error model unless a 5-sigma depth ``m5`` is given (then every visit has that depth and the
errors follow :func:`varsynth.cadences.errors.m5_sigma` with the survey's gamma).
"""

from __future__ import annotations

import numpy as np

from varsynth.cadences.base import MJD_RANGE, Cadence, Epochs, check_band, check_mjd, finite_option
from varsynth.cadences.errors import SIGMA_SYS, error_model_for

__all__ = ["RandomCadence", "UniformCadence"]


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


class RandomCadence(UniformCadence):
    """``n_epochs`` epochs drawn uniformly in ``[start, start + baseline)``, sorted; each draw anew.

    Options as :class:`UniformCadence`.
    """

    name = "random"

    def draw(self, rng: np.random.Generator) -> Epochs:
        return self._epochs(np.sort(self.start + rng.uniform(0.0, self.baseline, self.n_epochs)))
