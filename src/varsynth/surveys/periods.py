"""Period search for surveys that publish no periods (CRTS, Gaia DR3, ASAS), with a result cache.

The search is a generalised (floating-mean, error-weighted) Lomb-Scargle periodogram (one
Fourier term, astropy's definition and ``standard`` normalisation; the evaluations are in
:mod:`varsynth.surveys.periodogram`) in four steps:

1. **Coarse scan.** A regular frequency grid from ``1 / max_period`` to ``1 / min_period``
   (periods 0.03-1000 d by default) with spacing ``1 / (oversampling * baseline)``, i.e.
   ``oversampling`` samples across each periodogram peak (whose width is ``1 / baseline``),
   evaluated as non-uniform FFTs by nifty-ls (to better than 1e-5 in power).
2. **Refinement.** The ``n_candidates`` highest local maxima of the coarse periodogram are
   re-evaluated with exact sums (astropy's ``cython`` method) on a lattice ``refine_factor``
   times finer than the coarse grid, over one coarse step on either side (clipped to the
   searched range). This removes the grid quantisation (a peak sampled off-centre), so the
   coarse grid can be coarse (VanderPlas 2018, ApJS 236, 16, sect. 7.1, recommends 5-10 samples
   per peak without refinement).
3. **Systematic peaks.** Ground-based photometry carries systematics with the periods of
   its sampling: the solar day (sky, twilight) and the sidereal day (airmass) with their
   harmonics, the synodic month (moonlight) and the year (seasons). A peak counts as
   *systematic* only when it clearly is one: its frequency is within half a peak width
   (``0.5 / baseline``) of such a frequency ``f_s`` **and** the light curve's own spectral
   window ``W(f) = |mean(exp(2 pi i f t))|^2`` shows that the sampling is periodic there
   (``W >= window_threshold``; random sampling gives ``W ~ 1/N``). Day harmonics count when
   ``W`` is high at the day itself or at the harmonic; when the year is periodic in the
   sampling, the yearly sidelobes ``k / day +- 1 / year`` count too. The window test makes the
   rule data-driven: it masks the 1-day region for CRTS, OGLE and SDSS (nightly sampling,
   ``W(1 d) ~ 0.6-0.9``) but not for Gaia, whose scanning law is periodic at 4 c/d (the 6-h
   spin) rather than at 1 c/d, so that only the 4 c/d harmonics are masked there. When the
   strongest peak is systematic, its sinusoid is subtracted (prewhitening, which also removes
   its aliases) and the search repeated, at most ``max_prewhiten`` times; then systematic
   candidates are skipped. If every candidate is systematic the strongest is returned with
   ``spurious=True``.
4. **Alias resolution.** Two peaks are aliases of each other when the sampling is periodic
   at their frequency difference (the spectral window reaches ``window_threshold`` there:
   ``f +- 1 c/d`` for nightly sampling, scanning-law combinations for Gaia), and noise decides
   which of them has the higher one-term power. Among the best non-spurious candidate and the
   candidates that are its aliases, the one where an ``alias_nterms``-harmonic model fits best
   wins (its multi-term power, by nifty-ls, maximised over the refinement's lattice within one
   coarse step): the harmonics of a non-sinusoidal signal line up only at the true frequency. On the
   SDSS Stripe 82 RR Lyrae (g band, ~55 epochs) this raises the fraction of periods within 1%
   of the catalog from 70% to 90%. Candidates that are not aliases of the best one (e.g. the
   orbital frequency of an eclipsing binary, whose one-term peak is at twice that) are never
   promoted, so the doubling convention below still holds.

Eclipsing and ellipsoidal variables have two nearly equal minima per orbit, so a one-term
periodogram peaks at half the orbital period; ``double=True`` returns twice the best period
(the usual convention, e.g. Drake et al. 2014, ApJS 213, 9).

The false-alarm probability is Baluev's (2008, MNRAS 385, 1279) analytic upper bound for the
searched frequency range.

:func:`period_ok` is the success criterion for a star without a catalog period (low false-alarm
probability, at least one full cycle observed, period inside the plausible range of its class,
not a systematic peak); :data:`PLAUSIBLE_PERIODS` documents the ranges and their sources.

:class:`PeriodCache` stores results as JSON files keyed by a hash of the light-curve arrays,
the search parameters and the algorithm version, so that rebuilding a dataset does not repeat the
searches. Each entry also records the numpy, astropy, nifty-ls and finufft versions it was
computed with (:func:`implementation_fingerprint`); an entry of other versions is not reused, and
a change of the algorithm bumps its version (version 1: astropy's ``fast`` coarse scan and
``chi2`` alias step; version 2: nifty-ls for both; ``docs/data.md`` compares them). A test
checks that cached and fresh results agree bit for bit on real CRTS and Gaia DR3 curves: a warm
build gives the same dataset as a cold one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, fields
from importlib import metadata
from pathlib import Path
from typing import TypeVar

import numpy as np
from astropy.timeseries import LombScargle
from tqdm import tqdm

from varsynth.atomic import atomic_write
from varsynth.lightcurve import LightCurve
from varsynth.surveys.periodogram import Lattice, exact_power, grid_power, window_maxima
from varsynth.surveys.skips import SkipLog

_T = TypeVar("_T")
_R = TypeVar("_R")

__all__ = [
    "DOUBLED_CLASSES",
    "searched_lightcurve",
    "PeriodResult",
    "SearchParams",
    "MIN_POINTS",
    "find_period",
    "map_in_order",
    "PeriodCache",
    "implementation_fingerprint",
    "SYSTEMATIC_PERIODS",
    "PLAUSIBLE_PERIODS",
    "SUCCESS_FAP",
    "plausible_range",
    "period_ok",
    "success_rates",
]

#: Fewest valid points for which readers run a period search (fewer: the star is skipped).
#: A one-term fit has 3 free parameters; 20 points keep the false-alarm probability of a real
#: signal meaningful and match the sparsest Gaia DR3 light curves (20 epochs).
MIN_POINTS: int = 20

#: Bump when the algorithm changes so that cached results are not reused. Version 2: the coarse
#: scan and the alias step on nifty-ls (non-uniform FFTs) instead of astropy.
_ALGORITHM_VERSION = "2"

#: Distributions whose versions make up :func:`implementation_fingerprint`.
_NUMERICAL_LIBRARIES = ("numpy", "astropy", "nifty-ls", "finufft")

#: Periods (days) of ground-based sampling systematics: the days are tested with their
#: harmonics, the month and the year without (see :func:`_systematic_frequencies`).
SYSTEMATIC_PERIODS: dict[str, float] = {
    "solar day": 1.0,
    "sidereal day": 0.99726957,
    "synodic month": 29.530589,
    "year": 365.25,
}
_DAYS = (SYSTEMATIC_PERIODS["solar day"], SYSTEMATIC_PERIODS["sidereal day"])
_MONTH = SYSTEMATIC_PERIODS["synodic month"]
_YEAR = SYSTEMATIC_PERIODS["year"]


@dataclass(frozen=True)
class SearchParams:
    """Parameters of the period search (all part of the cache key).

    Attributes:
        min_period: shortest period searched, days.
        max_period: longest period searched, days.
        oversampling: coarse-grid samples per periodogram peak width (``1 / baseline``).
        n_candidates: number of coarse peaks refined with the exact periodogram.
        refine_factor: the refined grid is this many times finer than the coarse one.
        window_threshold: spectral-window power above which the sampling counts as periodic
            at a systematic frequency (random sampling gives about ``1 / N``).
        reject_systematics: whether to reject candidates at systematic frequencies.
        max_prewhiten: at most this many dominant systematic peaks are subtracted before the
            search falls back to skipping systematic candidates.
        alias_nterms: Fourier terms of the model that chooses among the aliases of the best
            peak (1 disables the alias step).
        max_frequencies: largest coarse grid searched (about 20,000 d of baseline with the
            defaults); a longer baseline means a corrupt time and raises ``ValueError``
            instead of exhausting the memory.
    """

    min_period: float = 0.03
    max_period: float = 1000.0
    oversampling: float = 3.0
    n_candidates: int = 20
    refine_factor: int = 20
    window_threshold: float = 0.2
    reject_systematics: bool = True
    max_prewhiten: int = 3
    alias_nterms: int = 3
    max_frequencies: int = 2_000_000

    def __post_init__(self) -> None:
        if not 0 < self.min_period < self.max_period:
            raise ValueError(f"need 0 < min_period < max_period, got {self.min_period}, {self.max_period}")
        if self.oversampling <= 0 or min(self.n_candidates, self.refine_factor, self.alias_nterms) < 1:
            raise ValueError("oversampling, n_candidates, refine_factor and alias_nterms must be positive")
        if self.max_prewhiten < 0:
            raise ValueError("max_prewhiten must be >= 0")


@dataclass(frozen=True)
class PeriodResult:
    """Outcome of one period search.

    Attributes:
        period: best period in days (already doubled when ``doubled``).
        power: Lomb-Scargle power (standard normalisation, 0-1) of the best peak (in the
            prewhitened light curve when systematic peaks were subtracted).
        false_alarm_probability: Baluev (2008) false-alarm probability of that peak.
        doubled: whether ``period`` is twice the best Lomb-Scargle period (ECL, ELL).
        n_frequencies: number of frequencies in the coarse grid.
        baseline: time span of the light curve, days.
        spurious: the best peak sits on a systematic frequency (every candidate was rejected).
        n_rejected: number of systematic peaks subtracted or skipped before the best peak.
    """

    period: float
    power: float
    false_alarm_probability: float
    doubled: bool
    n_frequencies: int
    baseline: float = math.nan
    spurious: bool = False
    n_rejected: int = 0


def _coarse_grid(baseline: float, params: SearchParams) -> tuple[float, float, int]:
    """Start frequency, spacing (both cycles/day) and size of the regular coarse grid."""
    f_min, f_max = 1.0 / params.max_period, 1.0 / params.min_period
    step = 1.0 / (params.oversampling * baseline)
    return f_min, step, int(math.floor((f_max - f_min) / step)) + 1


def _peak_indices(power: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` highest local maxima of ``power``, strongest first (ties: lower index)."""
    padded = np.concatenate([[-np.inf], power, [-np.inf]])
    is_peak = (padded[1:-1] >= padded[:-2]) & (padded[1:-1] > padded[2:])
    peaks = np.flatnonzero(is_peak)
    if peaks.size > n:
        # Partial selection: a full sort of the ~10^5 maxima of a coarse grid costs more than the scan.
        peaks = np.sort(peaks[np.argpartition(-power[peaks], n - 1)[:n]])
    order = np.argsort(-power[peaks], kind="stable")
    return peaks[order]


def _window(time: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """Spectral window ``|mean(exp(2 pi i f t))|^2`` of the sampling at ``freqs`` (cycles/day)."""
    return np.abs(np.exp(2j * np.pi * np.outer(freqs, time - time[0])).mean(axis=1)) ** 2


def _systematic_frequencies(time: np.ndarray, f_max: float, threshold: float) -> np.ndarray:
    """Frequencies (cycles/day) at which the sampling of ``time`` makes systematics periodic.

    The harmonics ``k / day`` of the solar and sidereal days up to ``f_max`` count when the
    window reaches ``threshold`` at the day itself (a day-periodic systematic is not a pure
    sinusoid, so it has power at every harmonic) or at that harmonic (e.g. Gaia's 6-h spin
    at 4 c/d). The synodic month and the year count when the window reaches ``threshold``
    there; a periodic year also puts every harmonic's power into its yearly sidelobes
    ``k / day +- 1 / year``, which then count too.
    """
    harmonics = []
    for day in _DAYS:
        trial = np.arange(1, int(f_max * day) + 1) / day
        window = _window(time, trial)
        harmonics.append(trial[(window >= threshold) | (window[0] >= threshold)])
    days = np.concatenate(harmonics)
    slow = np.array([1.0 / _MONTH, 1.0 / _YEAR])
    slow = slow[_window(time, slow) >= threshold]
    if 1.0 / _YEAR in slow:
        days = np.concatenate([days - 1.0 / _YEAR, days, days + 1.0 / _YEAR])
    return np.concatenate([days, slow])


def find_period(
    time: np.ndarray,
    mag: np.ndarray,
    mag_err: np.ndarray | None = None,
    *,
    double: bool = False,
    params: SearchParams = SearchParams(),
    cache: PeriodCache | None = None,
) -> PeriodResult:
    """Best period of a light curve by a Lomb-Scargle search (see the module docstring).

    Arguments:
        time: observation times, days, shape (N,).
        mag: magnitudes, shape (N,).
        mag_err: 1-sigma magnitude errors (> 0), shape (N,); None for unweighted.
        double: return twice the best Lomb-Scargle period (eclipsing, ellipsoidal variables).
        params: search parameters.
        cache: when given, a result for the same arrays and parameters is reused, and a new
            result is stored.

    Returns:
        The best period (days) with its power and false-alarm probability.

    Raises:
        ValueError: fewer than 3 points, NaN or inf values, errors <= 0, all observations at
            one time, no periodogram peak (constant magnitudes), or a baseline too long for
            ``params.max_frequencies``.
    """
    time = np.asarray(time, dtype=np.float64)
    mag = np.asarray(mag, dtype=np.float64)
    err = None if mag_err is None else np.asarray(mag_err, dtype=np.float64)
    if cache is not None:
        key = cache.key(time, mag, err, double=double, params=params)
        hit = cache.get(key)
        if hit is not None:
            return hit
    result = _search(time, mag, err, double=double, params=params)
    if cache is not None:
        cache.put(key, result)
    return result


def _search(
    time: np.ndarray, mag: np.ndarray, err: np.ndarray | None, *, double: bool, params: SearchParams
) -> PeriodResult:
    """The uncached search behind :func:`find_period`."""
    if time.size < 3:
        raise ValueError(f"a period search needs at least 3 points, got {time.size}")
    if not (np.isfinite(time).all() and np.isfinite(mag).all()):
        raise ValueError("a period search needs finite times and magnitudes (drop NaN and inf rows first)")
    if err is not None and not (np.isfinite(err).all() and (err > 0).all()):
        raise ValueError("a period search needs finite magnitude errors > 0 (drop the other rows first)")
    baseline = float(time.max() - time.min())
    if baseline <= 0:
        raise ValueError("a period search needs observations at more than one time")
    f0, step, n_freq = _coarse_grid(baseline, params)
    if n_freq > params.max_frequencies:
        raise ValueError(
            f"a {baseline:.0f} d baseline needs {n_freq} frequencies, more than max_frequencies"
            f" = {params.max_frequencies}: check the times"
        )
    f_hi = f0 + step * (n_freq - 1)
    resolution = 1.0 / baseline
    systematic = (
        _systematic_frequencies(time, f_hi, params.window_threshold) if params.reject_systematics else np.empty(0)
    )
    residual = mag
    for n_removed in range(params.max_prewhiten + 1):
        candidates = _refined_candidates((time, residual, err), f0, step, n_freq, params)
        spurious = [bool(np.any(np.abs(systematic - f) < 0.5 * resolution)) for _, f in candidates]
        if not spurious[0] or n_removed == params.max_prewhiten:
            break
        # A systematic dominates: subtract its sinusoid, which also removes its aliases.
        ls = LombScargle(time, residual, err, nterms=1)
        residual = residual - ls.model(time, candidates[0][1]) + ls.offset()
    first = next((i for i, s in enumerate(spurious) if not s), 0)
    best = first
    if params.alias_nterms > 1 and not spurious[first]:
        lattice = _fine_lattice(f0, step, n_freq, params)
        best = _resolve_alias((time, residual, err), candidates, spurious, first, lattice, params)
    power, freq = candidates[best]
    ls = LombScargle(time, residual, err, nterms=1)
    fap = ls.false_alarm_probability(power, method="baluev", minimum_frequency=f0, maximum_frequency=f_hi)
    period = 1.0 / freq
    return PeriodResult(
        period=2.0 * period if double else period,
        power=power,
        false_alarm_probability=float(np.clip(fap, 0.0, 1.0)),
        doubled=double,
        n_frequencies=n_freq,
        baseline=baseline,
        spurious=spurious[best],
        n_rejected=n_removed + first,
    )


def _refined_candidates(
    points: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    f0: float,
    step: float,
    n_freq: int,
    params: SearchParams,
) -> list[tuple[float, float]]:
    """Coarse scan, then refinement of the highest peaks on the fine lattice (see :func:`_fine_lattice`).

    Returns:
        ``(power, frequency)`` pairs (frequency in cycles/day), strongest first.
    """
    coarse = grid_power(*points, f0, step, n_freq)
    peaks = _peak_indices(coarse, params.n_candidates)
    if peaks.size == 0:
        raise ValueError("the periodogram has no peak (e.g. constant magnitudes): no period can be found")
    # Exact sums on each peak's window of the fine lattice (clipped to the searched range).
    lattice = _fine_lattice(f0, step, n_freq, params)
    offsets = np.arange(-params.refine_factor, params.refine_factor + 1)
    index = np.clip(peaks[:, None] * params.refine_factor + offsets, 0, lattice.last)
    freqs = lattice.frequency(index)
    power = exact_power(*points, freqs)
    top = np.argmax(power, axis=1)
    rows = np.arange(peaks.size)
    refined = [(float(p), float(f)) for p, f in zip(power[rows, top], freqs[rows, top])]
    refined.sort(key=lambda pf: -pf[0])
    return refined


def _fine_lattice(f0: float, step: float, n_freq: int, params: SearchParams) -> Lattice:
    """The refinement's frequency lattice: ``refine_factor`` points per coarse step over the searched range.

    Coarse frequency ``i`` is fine frequency ``i * refine_factor``; a peak is refined, and an alias
    scored, over the fine frequencies within one coarse step of it.
    """
    return Lattice(f0, step / params.refine_factor, (n_freq - 1) * params.refine_factor)


def _resolve_alias(
    points: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    candidates: list[tuple[float, float]],
    spurious: list[bool],
    first: int,
    lattice: Lattice,
    params: SearchParams,
) -> int:
    """Index of the best member of the alias family of candidate ``first``.

    Two peaks are aliases of each other when the sampling is periodic at their frequency
    difference, i.e. the spectral window there reaches ``params.window_threshold``. The family is
    ``first`` plus every non-spurious candidate that is its alias: a one-term periodogram gives
    aliases nearly equal power, while a multi-harmonic model (``params.alias_nterms`` terms) fits
    the true frequency better because the harmonics of an alias do not line up with the signal's.
    Ties keep the stronger one-term peak.

    Arguments:
        points: ``(time, mag, err)`` of the (prewhitened) light curve.
        lattice: the refinement's lattice (:func:`_fine_lattice`), on which the candidates lie.
    """
    f_first = candidates[first][1]
    others = [i for i in range(len(candidates)) if i != first and not spurious[i]]
    gaps = np.array([abs(candidates[i][1] - f_first) for i in others])
    window = _window(points[0], gaps) if others else np.empty(0)
    family = [first] + [i for i, w in zip(others, window) if w >= params.window_threshold]
    if len(family) == 1:
        return first
    # The harmonics make the multi-term peak narrower than the one-term one, and slightly
    # displaced: score each member by its multi-term maximum within a coarse step, on either side
    # (also beyond the searched range: the lattice is widened by one coarse step at each end).
    half = params.refine_factor
    wide = Lattice(lattice.f_min - half * lattice.spacing, lattice.spacing, lattice.last + 2 * half)
    centers = np.rint([(candidates[i][1] - wide.f_min) / wide.spacing for i in family]).astype(np.int64)
    scores, _ = window_maxima(points, wide, centers, half, nterms=params.alias_nterms)
    return family[int(np.argmax(scores))]


@functools.lru_cache(maxsize=1)
def implementation_fingerprint() -> str:
    """Hex SHA-256 of the numerical libraries a search result depends on besides its inputs and
    the algorithm version: the numpy, astropy, nifty-ls and finufft versions (their FFT,
    non-uniform FFT and periodogram code). Stored in every cache entry; an entry of another
    fingerprint is not reused. (The module's own source is not part of it: an edit of a docstring
    must not throw away hours of searches; a change of the algorithm bumps ``_ALGORITHM_VERSION``,
    which is part of the key.)"""
    versions = " ".join(f"{name} {metadata.version(name)}" for name in _NUMERICAL_LIBRARIES)
    return hashlib.sha256(versions.encode()).hexdigest()


class PeriodCache:
    """Period-search results stored as one JSON file per light curve and parameter set.

    The key is a SHA-256 of the algorithm version, the search parameters, the doubling flag and
    the raw bytes of the (float64) time, magnitude and error arrays, so any change to the data,
    the parameters or the algorithm misses the cache; an entry records the
    :func:`implementation_fingerprint` it was computed with and is not reused under another one
    (entries written before the fingerprint existed carry none and are reused). Floats are stored as JSON
    numbers, which Python writes and reads back bit for bit. Files are written to a temporary
    file in the same directory and moved into place with :func:`os.replace`, so concurrent
    workers and interrupted builds never leave a half-written entry.
    """

    def __init__(self, directory: str | Path) -> None:
        """Use (and create) ``directory`` for the cache files."""
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(
        time: np.ndarray,
        mag: np.ndarray,
        mag_err: np.ndarray | None,
        *,
        double: bool,
        params: SearchParams,
    ) -> str:
        """Hex SHA-256 identifying a search of these arrays with these parameters."""
        digest = hashlib.sha256()
        header = {"version": _ALGORITHM_VERSION, "double": double, "params": asdict(params)}
        digest.update(json.dumps(header, sort_keys=True).encode())
        for array in (time, mag, mag_err):
            if array is None:
                digest.update(b"none")
            else:
                digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
                digest.update(b"|")
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> PeriodResult | None:
        """The stored result for ``key``; None when absent or unreadable (then recomputed)."""
        try:
            data = json.loads(self._path(key).read_text())
            if data.get("implementation", implementation_fingerprint()) != implementation_fingerprint():
                return None  # computed with other numpy / astropy versions
            return PeriodResult(**{f.name: data[f.name] for f in fields(PeriodResult)})
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, result: PeriodResult) -> None:
        """Store ``result`` under ``key`` atomically."""
        text = json.dumps({**asdict(result), "implementation": implementation_fingerprint()})
        atomic_write(self._path(key), lambda tmp: tmp.write_text(text), clean_stale=False)


#: Classes whose one-term Lomb-Scargle peak is at half the true period (two minima per orbit).
DOUBLED_CLASSES: frozenset[str] = frozenset({"ECL", "ELL"})

#: Largest false-alarm probability of a successful search (a 0.1% chance that noise alone
#: produces so strong a peak anywhere in the searched range).
SUCCESS_FAP: float = 1e-3

#: Plausible periods (days, inclusive) per class for :func:`period_ok`; generous bounds from
#: the literature, beyond which a found period is more likely an alias than a real period.
PLAUSIBLE_PERIODS: dict[str, tuple[float, float]] = {
    # Anomalous Cepheids 0.3-2.5 d (Soszynski et al. 2008, AcA 58, 293, LMC ACEP).
    "ACEP": (0.3, 2.5),
    # Classical Cepheids: 1O from 0.25 d, F up to ~130 d in the LMC, longer in the Galaxy
    # (Soszynski et al. 2008, AcA 58, 163).
    "CEP": (0.2, 200.0),
    # delta Scuti / SX Phe 0.02-0.3 d (Breger 2000, ASPC 210, 3); the search starts at 0.03 d.
    "DSCT": (0.02, 0.3),
    # Eclipsing binaries (after doubling): contact binaries from ~0.2 d (Rucinski 1992),
    # post-common-envelope binaries down to ~0.07 d (Drake et al. 2014), detached systems to
    # years; the upper end is the search limit.
    "ECL": (0.05, 1000.0),
    # Ellipsoidal variables (after doubling): close binaries, 0.1-100 d (Drake et al. 2014).
    "ELL": (0.1, 100.0),
    # Long-period variables: OSARGs from ~10 d, Miras and SRs to ~1000 d (Soszynski et al.
    # 2009, AcA 59, 239).
    "LPV": (10.0, 1000.0),
    # RR Lyrae: RRc from ~0.2 d, RRab to ~1 d (Catelan & Smith 2015, Pulsating Stars, ch. 5).
    "RRLYR": (0.2, 1.2),
    # Type II Cepheids: BL Her 1-4 d, W Vir 4-20 d, RV Tau 20-~100 d (Soszynski et al. 2008,
    # AcA 58, 293).
    "T2CEP": (0.8, 100.0),
}

#: Subtype-specific ranges that replace the class range: Gaia DR3 lumps gamma Doradus
#: stars (0.3-3 d, Kaye et al. 1999, PASP 111, 840) with delta Scuti and SX Phe.
_SUBTYPE_PERIODS: dict[tuple[str, str], tuple[float, float]] = {
    ("DSCT", "DSCT|GDOR|SXPHE"): (0.02, 3.0),
}


def plausible_range(vclass: str, subtype: str = "") -> tuple[float, float]:
    """Plausible period range (days) of a class, or of a subtype that has its own range."""
    return _SUBTYPE_PERIODS.get((vclass, subtype), PLAUSIBLE_PERIODS[vclass])


def period_ok(result: PeriodResult, vclass: str, subtype: str = "") -> bool:
    """Success criterion for a period found without a catalog period.

    A search succeeds when (1) the false-alarm probability is below :data:`SUCCESS_FAP`,
    (2) the peak is not at a systematic frequency of the sampling, (3) the period is at most
    the baseline (at least one full cycle observed) and (4) the period lies inside the
    plausible range of the class (:func:`plausible_range`, :data:`PLAUSIBLE_PERIODS`).

    Arguments:
        result: the search outcome (period in days, doubled where the class requires it).
        vclass: one of the eight classes.
        subtype: survey subtype (selects a subtype-specific range where one exists).
    """
    lo, hi = plausible_range(vclass, subtype)
    return bool(
        result.false_alarm_probability < SUCCESS_FAP
        and not result.spurious
        and result.period <= result.baseline
        and lo <= result.period <= hi
    )


def success_rates(light_curves: Iterable[LightCurve]) -> dict[str, dict[str, float]]:
    """Per-class success of the period searches recorded in ``meta["period_ok"]``.

    Arguments:
        light_curves: light curves; those without a ``period_ok`` entry (catalog periods)
            are ignored.

    Returns:
        ``{class: {"n": searched, "ok": successful, "rate": ok / n}}``, classes sorted.
    """
    counts: dict[str, list[int]] = {}
    for lc in light_curves:
        ok = lc.meta.get("period_ok")
        if ok is None:
            continue
        tally = counts.setdefault(lc.vclass, [0, 0])
        tally[0] += 1
        tally[1] += int(bool(ok))
    return {c: {"n": n, "ok": ok, "rate": ok / n} for c, (n, ok) in sorted(counts.items())}


def map_in_order(
    fn: Callable[[_T], _R], items: Sequence[_T], *, workers: int = 1, progress: bool = False, desc: str = ""
) -> list[_R]:
    """Apply ``fn`` to every item, in worker processes when ``workers > 1``.

    Readers use this for their per-star work, which the period search dominates. Results come
    back in the order of ``items`` whatever the number of workers, so output is deterministic.

    Arguments:
        fn: a picklable (module-level) function.
        items: its arguments, one per call.
        workers: number of processes; 1 runs in this process.
        progress: show a tqdm progress bar.
        desc: label of the progress bar.
    """
    with ExitStack() as stack:
        if workers > 1:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers))
            results = pool.map(fn, items, chunksize=max(1, min(32, len(items) // (8 * workers))))
        else:
            results = map(fn, items)
        return list(tqdm(results, total=len(items), desc=desc, disable=not progress))


def searched_lightcurve(
    *,
    survey: str,
    band: str,
    star_id: str,
    vclass: str,
    subtype: str,
    points: tuple[np.ndarray, np.ndarray, np.ndarray],
    meta: dict,
    params: SearchParams,
    cache_dir: str | None,
    where: str,
    skips: SkipLog,
) -> LightCurve | None:
    """A light curve of a survey without published periods, with its period searched.

    Shared by the CRTS and Gaia DR3 readers: checks the number of valid points, runs
    :func:`find_period` (doubled for ECL and ELL) and records the search in the metadata
    (``period_source``, ``ls_power``, ``ls_fap``, ``ls_doubled``, ``period_ok``).

    Arguments:
        points: cleaned ``(time, mag, mag_err)``, days and magnitudes.
        meta: the survey's own metadata, extended here.
        where: the source file, quoted in the skip log.

    Returns:
        The light curve, or ``None`` (counted in ``skips``) with too few points or a failed search.
    """
    time, mag, err = points
    if time.size < MIN_POINTS:
        skips.add(survey, "star", f"fewer than {MIN_POINTS} valid points", where)
        return None
    cache = PeriodCache(cache_dir) if cache_dir else None
    try:
        result = find_period(time, mag, err, double=vclass in DOUBLED_CLASSES, params=params, cache=cache)
    except ValueError as exc:
        skips.add(survey, "star", "period search failed", f"{where}: {exc}")
        return None
    meta = {
        **meta,
        "source_file": where,
        "period_source": "lomb-scargle",
        "ls_power": result.power,
        "ls_fap": result.false_alarm_probability,
        "ls_doubled": result.doubled,
        "period_ok": period_ok(result, vclass, subtype),
    }
    return LightCurve(star_id, survey, band, time, mag, err, vclass, subtype, result.period, meta)
