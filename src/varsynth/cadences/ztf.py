"""ZTF-like cadence: g and r every two to three nights (i optional), three years from 2018.

Numbers and sources:

- start 2018 March 17 (MJD 58194), the start of the ZTF survey; three years (Bellm et al. 2019,
  PASP 131, 018002);
- the public survey visits the visible northern sky every third night in g and r (Bellm et al.
  2019); partnership programmes add visits: here each other night of the season is scheduled
  with probability 0.25 (an approximation that gives a median gap of 2-3 nights per band);
- weather: 70% of the nights at Palomar are usable (an approximation; losses are independent
  night to night); on a usable scheduled night each of g and r is taken with probability 0.9,
  the second 30-90 min after the first (order random); with ``i_band=True`` an i visit follows
  on 10% of the observed nights (the partnership's i-band programme, about 10% of the time);
- seasons: a northern field is observable 180-270 days a year (length drawn uniformly, random
  phase), observed late at night early in its season and early at night late in it, around local
  midnight at Palomar (longitude -116.86 deg);
- depths: median single-visit (30 s) 5-sigma limits g 20.8, r 20.6, i 19.9 (Masci et al. 2019,
  PASP 131, 018003), scattered by 0.35 mag per night (moon, seeing) and 0.15 mag per visit;
- errors: :func:`varsynth.cadences.errors.m5_sigma` with gamma 0.039 and a calibration floor of
  0.01 mag (Masci et al. 2019 report repeatability of 0.01-0.02 mag for bright stars).
"""

from __future__ import annotations

import numpy as np

from varsynth.cadences.base import YEAR, Cadence, Epochs, local_midnight, seasons
from varsynth.cadences.errors import M5ErrorModel

__all__ = ["M5", "ZTFCadence"]

START = 58194.0
YEARS = 3
#: Median single-visit 5-sigma depths (mag).
M5: dict[str, float] = {"g": 20.8, "r": 20.6, "i": 19.9}
EXTRA_NIGHT_P = 0.25
CLEAR_P = 0.7
BAND_P = 0.9
I_BAND_P = 0.1
SEASON_DAYS = (180.0, 270.0)
NIGHT_SD, VISIT_SD = 0.35, 0.15
MIDNIGHT = local_midnight(-116.86)
HOUR_ANGLE_DAYS = 0.12


class ZTFCadence(Cadence):
    """ZTF-like epochs in g and r (and optionally i); see the module docstring.

    Arguments:
        i_band: add the occasional i-band visit of the partnership survey.
    """

    def __init__(self, *, i_band: bool = False) -> None:
        if not isinstance(i_band, bool):
            raise ValueError(f"i_band must be True or False; got {i_band!r}")
        self.name, self.survey = "ztf", "ztf"
        self.bands = ("g", "r", "i") if i_band else ("g", "r")
        self.error_model = M5ErrorModel(sigma_sys=0.01)
        self._nights = START + np.arange(int(YEARS * YEAR), dtype=np.float64)
        self._step = np.arange(self._nights.size) % 3

    def draw(self, rng: np.random.Generator) -> Epochs:
        in_season, phase = seasons(rng, self._nights, SEASON_DAYS)
        size = self._nights.size
        scheduled = (self._step == rng.integers(3)) | (rng.random(size) < EXTRA_NIGHT_P)
        observed = np.flatnonzero(in_season & scheduled & (rng.random(size) < CLEAR_P))
        n = observed.size
        base = self._nights[observed] + MIDNIGHT + HOUR_ANGLE_DAYS * (1.0 - 2.0 * phase[observed])
        base = base + rng.normal(0.0, 0.02, n)
        later = base + rng.uniform(0.5, 1.5, n) / 24.0
        g_first = rng.random(n) < 0.5
        night_offset = rng.normal(0.0, NIGHT_SD, n)
        times = [np.where(g_first, base, later), np.where(g_first, later, base)]
        keep = [rng.random(n) < BAND_P, rng.random(n) < BAND_P]
        names = ["g", "r"]
        if "i" in self.bands:
            times.append(np.maximum(base, later) + rng.uniform(0.5, 1.5, n) / 24.0)
            keep.append(rng.random(n) < I_BAND_P)
            names.append("i")
        time = np.concatenate([t[k] for t, k in zip(times, keep)])
        band = np.concatenate([np.full(int(k.sum()), b) for b, k in zip(names, keep)])
        m5 = np.concatenate([M5[b] + night_offset[k] for b, k in zip(names, keep)])
        m5 = m5 + rng.normal(0.0, VISIT_SD, m5.size)
        return Epochs.from_unsorted(time, band, m5)
