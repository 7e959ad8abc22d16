"""LSST Wide-Fast-Deep-like cadence in ugrizy, with per-visit depths.

Numbers and sources:

- 10-year survey from MJD 60980 (2025 November 1);
- visits per band in ten years (a typical WFD field of the baseline simulations; Bianco et al.
  2022, ApJS 258, 1; LSST Science Requirements Document, LPM-17): u 56, g 80, r 184, i 184,
  z 160, y 160 (824 in all). A star's total varies: Poisson around 824 times a log-normal
  field factor of sigma 0.1 (dithering and field overlaps; an approximation);
- visits come in pairs on the same night, about 33 min apart (N(33, 6) min, within 15-60 min),
  mostly in two different bands (the baseline's filter pairs g+r, r+i, i+z, z+y, u+g). The pair
  types are chosen so that each band's expected share equals its requested one: neighbouring
  bands are paired as far as their shares allow, what is left is a same-band pair
  (:func:`pair_weights`);
- seasons: a field is observable about six months a year (length drawn uniformly in
  150-210 days, at a random phase of the year); the pairs fall on nights drawn uniformly among
  the season's nights (no weather model: the requested counts are delivered visits). A field
  is observed late in the night at the start of its season and early at its end (hour angle
  moving with the season), around local midnight at Cerro Pachon (longitude -70.74 deg);
- depths: single-visit median m5 u 23.7, g 24.9, r 24.4, i 23.9, z 23.3, y 22.5 (Bianco et al.
  2022; Ivezic et al. 2019, ApJ 873, 111, Table 2), scattered by 0.25 mag per night (sky,
  seeing, airmass, shared by a pair) and 0.15 mag per visit (about 0.3 mag in all);
- errors: Ivezic et al. (2019) eqs. 4-5, gamma 0.038 (u) / 0.039 (grizy), sigma_sys 0.005 mag.

Rolling cadence (alternating dense and sparse seasons in the current baselines) and
deep-drilling fields are not modelled; use the ``opsim`` cadence for a real simulation.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from varsynth.cadences.base import YEAR, Cadence, Epochs, local_midnight, seasons
from varsynth.cadences.errors import error_model_for

__all__ = ["LSSTWFDCadence", "M5", "VISITS", "pair_weights"]

START = 60980.0
YEARS = 10
#: Visits per band in ten years of WFD.
VISITS: dict[str, int] = {"u": 56, "g": 80, "r": 184, "i": 184, "z": 160, "y": 160}
#: Single-visit median 5-sigma depths (mag).
M5: dict[str, float] = {"u": 23.7, "g": 24.9, "r": 24.4, "i": 23.9, "z": 23.3, "y": 22.5}
FIELD_SIGMA = 0.1
SEASON_DAYS = (150.0, 210.0)
PAIR_GAP_MIN = (33.0, 6.0, 15.0, 60.0)  # mean, sd, lowest, highest (minutes)
NIGHT_SD, VISIT_SD = 0.25, 0.15
MIDNIGHT = local_midnight(-70.74)
HOUR_ANGLE_DAYS = 0.12  # half-range of the observing time around midnight over a season (days)


def pair_weights(fractions: Mapping[str, float]) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Pair types (band, band) and their probabilities for bands in wavelength order.

    Neighbouring bands are paired as far as both have share left, then the remainder of each
    band becomes a same-band pair; each band's expected share of visits is then its fraction.
    """
    names = list(fractions)
    left = np.array([fractions[b] for b in names], dtype=np.float64)
    left = left / left.sum()
    pairs, weights = [], []
    for k in range(len(names) - 1):
        share = min(left[k], left[k + 1])
        left[k] -= share
        left[k + 1] -= share
        pairs.append((names[k], names[k + 1]))
        weights.append(2 * share)
    for k, b in enumerate(names):
        pairs.append((b, b))
        weights.append(left[k])
    w = np.clip(np.array(weights), 0.0, None)
    return pairs, w / w.sum()


class LSSTWFDCadence(Cadence):
    """LSST Wide-Fast-Deep-like epochs; see the module docstring for every number used."""

    def __init__(self) -> None:
        self.name, self.survey, self.bands = "lsst-wfd", "lsst", tuple(VISITS)
        self.error_model = error_model_for("lsst")
        self._nights = START + np.arange(int(YEARS * YEAR), dtype=np.float64)
        pairs, self._weights = pair_weights({b: float(n) for b, n in VISITS.items()})
        self._first = np.array([self.bands.index(p[0]) for p in pairs])
        self._second = np.array([self.bands.index(p[1]) for p in pairs])
        self._names = np.array(self.bands)
        self._m5 = np.array([M5[b] for b in self.bands])
        self._pairs_mean = sum(VISITS.values()) / 2

    def draw(self, rng: np.random.Generator) -> Epochs:
        in_season, phase = seasons(rng, self._nights, SEASON_DAYS)
        candidates = np.flatnonzero(in_season)
        field = np.exp(rng.normal(-0.5 * FIELD_SIGMA**2, FIELD_SIGMA))
        n = min(int(rng.poisson(self._pairs_mean * field)), candidates.size)
        chosen = rng.choice(candidates, size=n, replace=False)
        hour_angle = HOUR_ANGLE_DAYS * (1.0 - 2.0 * phase[chosen])
        first = self._nights[chosen] + MIDNIGHT + hour_angle + rng.normal(0.0, 0.02, n)
        mean, sd, lo, hi = PAIR_GAP_MIN
        second = first + np.clip(rng.normal(mean, sd, n), lo, hi) / 1440.0
        kind = rng.choice(self._weights.size, size=n, p=self._weights)
        swap = rng.random(n) < 0.5
        b1 = np.where(swap, self._second[kind], self._first[kind])
        b2 = np.where(swap, self._first[kind], self._second[kind])
        band = np.column_stack([b1, b2]).ravel()
        m5 = self._m5[band] + np.repeat(rng.normal(0.0, NIGHT_SD, n), 2) + rng.normal(0.0, VISIT_SD, 2 * n)
        return Epochs.from_unsorted(np.column_stack([first, second]).ravel(), self._names[band], m5)
