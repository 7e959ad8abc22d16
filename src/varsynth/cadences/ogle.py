"""OGLE-III Large Magellanic Cloud cadence (I and V), measured on the real OGLE-III light curves.

Every number below was measured on the 3,344 OGLE-III LMC classical Cepheid light curves
(Soszynski et al. 2008, Acta Astron. 58, 163) of the shared data folder, OGLE-III epochs only
(HJD > 2452000; the OGLE-II points some stars carry were left out):

- span: first LMC epoch 2001 July 25 (MJD 52115); OGLE-III ended on 2009 May 3 (MJD 54954,
  Udalski et al. 2008, Acta Astron. 58, 69), about 7.8 observing seasons;
- seasons: the LMC is observed from late July to April, most in November-January; the
  probability that a star is observed on a given night, by calendar month (Jan ... Dec, averaged
  over the full seasons 2002-2007, weather losses included) is :data:`I_RATE` and
  :data:`V_RATE`: at most about one night in three in I, one in fifteen in V. I and V nights
  are independent (35% of V epochs fall on a night with an I epoch, as the rates predict);
  more than one epoch per band per night is rare (0.3%) and not modelled;
- season-to-season changes of the observing rate: a log-normal factor with sigma 0.3 per
  season (the measured scatter of a star's season counts, 0.33, less the Poisson part);
- field overlaps: 12.8% of the stars lie where two OGLE fields overlap and get 1.43 times the
  epochs; medians 370 I and 38 V epochs in 6.7 seasons (2001-2008), so about 440 I and 45 V
  epochs in the full 7.8 seasons;
- time of night: the MJD fraction of the epochs follows :data:`NIGHT_FRACTION` (quantiles;
  Las Campanas, local midnight at MJD fraction 0.2);
- errors: :func:`varsynth.cadences.errors.m5_sigma` with gamma = 0.039 fitted to the published
  per-epoch errors gives 5-sigma depths of I = 20.34 and V = 21.20 and floors of 0.0051 (I)
  and 0.0042 mag (V) (0.005 is used for both); the per-epoch depth scatters by 0.19 mag
  (robust scatter of the errors of a faint star around their median). The published errors
  are 0.006 mag at I = 15, 0.015 at I = 17 and 0.026 at I = 18.

Nominally OGLE-III reached about I = 21 (Udalski et al. 2008); the fitted depth is shallower
because the published per-epoch errors of the crowded LMC fields are larger than the nominal
photon noise, and those errors are what a realistic light curve must carry.
"""

from __future__ import annotations

import numpy as np

from varsynth.cadences.base import Cadence, Epochs, from_quantiles
from varsynth.cadences.errors import M5ErrorModel

__all__ = ["I_RATE", "NIGHT_FRACTION", "OGLE3Cadence", "V_RATE"]

#: First and last night (MJD) of the OGLE-III LMC observations.
START, END = 52115, 54954
#: Probability of an I-band epoch on a night, by calendar month January ... December.
I_RATE = (0.379, 0.240, 0.123, 0.050, 0.011, 0.0, 0.008, 0.044, 0.165, 0.226, 0.253, 0.356)
#: Probability of a V-band epoch on a night, by calendar month January ... December.
V_RATE = (0.0556, 0.0122, 0.0002, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0025, 0.009, 0.0293, 0.0707)
#: Quantiles (levels, MJD fractions) of the time of night of the epochs.
NIGHT_FRACTION = (
    (0.0, 0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 1.0),
    (0.0, 0.012, 0.046, 0.087, 0.166, 0.250, 0.315, 0.359, 0.387, 0.443, 0.46),
)
SEASON_SIGMA = 0.3
OVERLAP_FRACTION, OVERLAP_FACTOR = 0.128, 1.43
M5 = {"I": 20.34, "V": 21.20}
M5_SCATTER = 0.19


class OGLE3Cadence(Cadence):
    """OGLE-III LMC-like epochs in I (about 90%) and V, 2001-2009; see the module docstring."""

    def __init__(self) -> None:
        self.name, self.survey, self.bands = "ogle3", "ogle3", ("I", "V")
        self.error_model = M5ErrorModel(sigma_sys=0.005)
        self._nights = np.arange(START, END + 1, dtype=np.float64)
        dates = (self._nights - 40587).astype("datetime64[D]")  # MJD 40587 = 1970-01-01
        month = dates.astype("datetime64[M]").astype(np.int64) % 12
        # season k runs from July of year 2001 + k to June of the next year
        self._season = (dates - np.timedelta64(181, "D")).astype("datetime64[Y]").astype(np.int64) - 31
        self._n_seasons = int(self._season.max()) + 1
        self._rate = {"I": np.asarray(I_RATE)[month], "V": np.asarray(V_RATE)[month]}

    def draw(self, rng: np.random.Generator) -> Epochs:
        factor = np.exp(rng.normal(-0.5 * SEASON_SIGMA**2, SEASON_SIGMA, self._n_seasons))[self._season]
        if rng.random() < OVERLAP_FRACTION:
            factor = factor * OVERLAP_FACTOR
        times, bands = [], []
        for b in self.bands:
            nights = self._nights[rng.random(self._nights.size) < self._rate[b] * factor]
            times.append(nights + from_quantiles(rng, *NIGHT_FRACTION, nights.size))
            bands.append(np.full(nights.size, b))
        band = np.concatenate(bands)
        m5 = np.where(band == "I", M5["I"], M5["V"]) + rng.normal(0.0, M5_SCATTER, band.size)
        return Epochs.from_unsorted(np.concatenate(times), band, m5)
