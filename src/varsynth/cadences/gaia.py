"""Gaia DR3-like G-band cadence: a stochastic model of the scanning law, measured on Gaia DR3.

Gaia spins every 6 h and sees a star through its two telescopes (fields of view, FoV), whose
lines of sight are 106.5 deg apart: a transit in the preceding FoV is followed 106.5 min later
by one in the following FoV, then 253.5 min later by the next rotation's preceding FoV. The
precessing spin axis brings a star back into the scans in groups of transits every few weeks,
at irregular intervals that depend on the sky position. This module replaces the exact scanning
law by independent draws from the distributions measured on the 2,500 Gaia DR3 epoch light
curves of the shared data folder (Gaia Collaboration 2023; Eyer et al. 2023, A&A 674, A13):

- DR3 interval: MJD 56863-57901 (2014 July 25 - 2017 May 28, 34 months);
- groups: transits closer than one day; intervals between group starts follow the quantiles
  :data:`GROUP_GAP` (median 34 d, mean 40 d, 5-95% 11-116 d; 26 groups per star in the median);
  the first group starts a uniform fraction of one interval after the DR3 start;
- transits per group: :data:`GROUP_SIZE` (35% single, 49% pairs, the rest 3-10);
- within a group: consecutive transits alternate 106.57 min (preceding -> following FoV) and
  253.72 min (following -> preceding, the rest of the 6-h spin), measured; 73% of the groups
  start in the preceding FoV; 7% of the intervals skip one transit (360.29 min);
- resulting transits per star: median 52 (5-95%: 34-80), as in DR3 (the nominal ~70 transits
  in 34 months before the DR3 filtering of epochs are not reached; the model follows what DR3
  published);
- errors: :func:`varsynth.cadences.errors.m5_sigma` fitted to the median DR3 per-transit G
  errors (1.0 mmag at G = 12.75, 1.4 at 14.25, 2.0 at 15.25, 4.1 at 16.75, 7.9 at 18.25) and
  to the documented faint-end values (about 10 mmag at G = 19 and 25 mmag at G = 20): depth
  m5 = 22.69, gamma = 0.0368, floor 0.0008 mag (the model gives 1.0, 1.4, 2.0, 3.8, 8.0, 12
  and 23 mmag there). The depth is formal (the magnitude where the error would reach 0.2 mag),
  fainter than Gaia's G ~ 20.7 detection limit because Gaia's per-transit errors are
  source-photon limited down to G ~ 19. The per-transit depth scatters by 0.6 mag (robust
  scatter of the depths implied by a star's per-transit errors: window class, crowding, scan
  direction).

Correlations of the real scanning law between successive group intervals, and its dependence
on ecliptic latitude, are not modelled.
"""

from __future__ import annotations

import numpy as np

from varsynth.cadences.base import Cadence, Epochs, from_quantiles
from varsynth.cadences.errors import M5ErrorModel

__all__ = ["GROUP_GAP", "GROUP_SIZE", "GaiaCadence"]

START, END = 56863.44, 57901.34
#: Quantiles (levels, days) of the interval between the starts of successive transit groups.
GROUP_GAP = (
    (0.0, 0.01, 0.02, 0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80, 0.90, 0.95, 0.98, 0.99, 1.0),
    (1.7, 5.7, 7.5, 11.0, 15.0, 21.1, 26.0, 30.2, 33.8, 36.5, 40.5, 47.0, 78.4, 115.7, 134.8, 141.1, 227.2),
)
#: Probability of 1, 2, ..., 10 transits in a group.
GROUP_SIZE = (0.3476, 0.4916, 0.0581, 0.0521, 0.0134, 0.0125, 0.0059, 0.0048, 0.0032, 0.0017)
PRECEDING_TO_FOLLOWING, FOLLOWING_TO_PRECEDING = 106.57 / 1440.0, 253.72 / 1440.0  # days
START_PRECEDING = 0.73
SKIP = 0.07
M5, GAMMA, SIGMA_SYS, M5_SCATTER = 22.69, 0.0368, 0.0008, 0.6


class GaiaCadence(Cadence):
    """Gaia DR3-like G-band transits; see the module docstring for the model and its numbers."""

    def __init__(self) -> None:
        self.name, self.survey, self.bands = "gaia", "gaia-dr3", ("G",)
        self.error_model = M5ErrorModel(sigma_sys=SIGMA_SYS, gamma=GAMMA)
        p = np.asarray(GROUP_SIZE)
        self._size_p = p / p.sum()
        self._rotation = PRECEDING_TO_FOLLOWING + FOLLOWING_TO_PRECEDING

    def _group_starts(self, rng: np.random.Generator) -> np.ndarray:
        """Start times (MJD) of the transit groups inside the DR3 interval."""
        gaps = from_quantiles(rng, *GROUP_GAP, 64)
        while gaps.sum() < 2 * (END - START):
            gaps = np.concatenate([gaps, from_quantiles(rng, *GROUP_GAP, 64)])
        starts = START + rng.random() * gaps[0] + np.concatenate([[0.0], np.cumsum(gaps[1:])])
        return starts[starts < END]

    def _slot_time(self, slot: np.ndarray) -> np.ndarray:
        """Time (days) of transit slot ``slot`` after slot 0 (a preceding-FoV transit)."""
        return (slot // 2) * self._rotation + (slot % 2) * PRECEDING_TO_FOLLOWING

    def draw(self, rng: np.random.Generator) -> Epochs:
        starts = self._group_starts(rng)
        size = rng.choice(self._size_p.size, size=starts.size, p=self._size_p) + 1
        group = np.repeat(np.arange(starts.size), size)
        first = np.concatenate([[0], np.cumsum(size)[:-1]])
        step = np.where(rng.random(group.size) < SKIP, 2, 1)
        step[first] = 0
        cumulative = np.cumsum(step)
        slot = cumulative - cumulative[first][group]
        start_slot = (rng.random(starts.size) >= START_PRECEDING).astype(np.int64)[group]
        offset = self._slot_time(slot + start_slot) - self._slot_time(start_slot)
        time = starts[group] + offset
        m5 = M5 + rng.normal(0.0, M5_SCATTER, time.size)
        return Epochs.from_unsorted(time, "G", m5)
