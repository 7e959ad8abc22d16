"""One physical star, one ``object_id``: cross-survey identification before the split.

The same star can be observed by several surveys (an LMC Cepheid by OGLE-III, EROS-1 and Gaia)
or be listed twice by one survey (CRTS lists a few stars under two ids, one of them in its
anonymised test set). A split by survey ids would put such a star on both sides of the
train/test cut. :func:`identify_objects` groups the stars:

* by sky position (``meta["ra"]``, ``meta["dec"]``, degrees J2000) with astropy's
  ``search_around_sky``: two stars closer than ``radius_arcsec`` are one object when they are
  closer than ``period_check_beyond_arcsec`` (position alone decides) or when their periods agree
  (:func:`periods_agree`; a factor 2 only when one of them is labelled a binary), so that
  unrelated neighbours in crowded fields stay apart;
* by Gaia source id: a Gaia DR3 star whose source id is a Gaia DR2 source id of the
  OGLE-III/Gaia DR2 cross-match (DR3 keeps most DR2 ids) is the OGLE-III star of that row; it
  also takes that row's position, so it can match other surveys by position;
* objects are the connected components of the accepted pairs (union-find): A~B and B~C put A, B
  and C in one object. The ``object_id`` is the smallest star key (``survey:star_id``) of the
  object, so a star matched to nothing keeps its own key, and the ids do not depend on the order
  in which stars are read. All bands of a star share its key, hence its object.

docs/data.md gives the measured separations and period agreement behind the defaults.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import astropy.units as u
import pandas as pd
from astropy.coordinates import SkyCoord, search_around_sky

from varsynth.config import CrossmatchConfig
from varsynth.lightcurve import LightCurve

__all__ = [
    "SIDEREAL_FREQUENCY",
    "PERIOD_FACTORS",
    "BINARY_CLASSES",
    "SURVEY_RADIUS_ARCSEC",
    "VERDICTS",
    "Star",
    "Pair",
    "Identification",
    "stars_from_lightcurves",
    "periods_agree",
    "identify_objects",
    "pair_radius_arcsec",
]

#: Frequency of the sidereal day (cycles/day): the spacing of daily aliases of ground surveys.
SIDEREAL_FREQUENCY = 1.0 / 0.99726957

#: Period ratios accepted as the same star: eclipsing and ellipsoidal binaries are often found
#: at half (or twice) their true period, so 2 and 1/2 count when one star is one of
#: :data:`BINARY_CLASSES`.
PERIOD_FACTORS: tuple[float, ...] = (1.0, 2.0, 0.5)

#: Classes whose period search may return half the true period.
BINARY_CLASSES: frozenset[str] = frozenset({"ECL", "ELL"})

#: Wider match radii (arcsec) for surveys with coarse catalogue positions; a pair uses the
#: largest of ``radius_arcsec`` and its two surveys' entries. ASAS positions come from the star
#: names (RA to 1 s of time, Dec to 0.1 arcmin): on the real files ASAS stars lie up to ~13
#: arcsec from their CRTS and Catalina SSS counterparts (docs/data.md).
SURVEY_RADIUS_ARCSEC: dict[str, float] = {"asas": 15.0}

#: Secondary periods of multi-mode stars in the metadata (OGLE-III ``P_2``, ``P_3``), days.
EXTRA_PERIOD_KEYS: tuple[str, ...] = ("P_2", "P_3")

#: Outcome of a candidate pair; only ``period_differs`` is rejected.
VERDICTS: tuple[str, ...] = (
    "close",  # closer than period_check_beyond_arcsec: position alone decides
    "period_agrees",  # farther, and the periods agree (daily aliases; factor 2 for binaries)
    "period_unknown",  # farther, and one star has no trusted period: merged, to be safe
    "period_differs",  # farther, and the periods disagree: rejected
    "same_gaia_source",  # Gaia DR3 source id = Gaia DR2 source id of the OGLE-III cross-match
)

_OGLE = "ogle3"
_GAIA_DR3 = "gaia-dr3"


@dataclass(frozen=True)
class Star:
    """What identification needs of one star (all its bands).

    Attributes:
        key: ``survey:star_id``.
        survey: survey name.
        ra: right ascension, degrees J2000 (NaN when unknown).
        dec: declination, degrees J2000 (NaN when unknown).
        periods: every period the star is known to have, days (empty when none is trusted).
        vclass: the star's class in its survey (one of the eight, ``""`` when unknown).
    """

    key: str
    survey: str
    ra: float = math.nan
    dec: float = math.nan
    periods: tuple[float, ...] = ()
    vclass: str = ""

    @property
    def has_position(self) -> bool:
        """True for finite coordinates inside [0, 360) x [-90, 90] degrees."""
        return math.isfinite(self.ra) and math.isfinite(self.dec) and 0 <= self.ra < 360 and -90 <= self.dec <= 90


@dataclass(frozen=True)
class Pair:
    """A candidate pair of stars (``key_a < key_b``) and its verdict (one of :data:`VERDICTS`).

    ``separation_arcsec`` is NaN for a Gaia source-id link (``link == "gaia_source_id"``).
    """

    key_a: str
    key_b: str
    link: str
    separation_arcsec: float
    verdict: str

    @property
    def accepted(self) -> bool:
        """True when the two stars are one object."""
        return self.verdict != "period_differs"


@dataclass
class Identification:
    """The result: ``object_of[star_key]`` for every star, the candidate pairs and the settings."""

    object_of: dict[str, str]
    pairs: list[Pair]
    config: CrossmatchConfig
    stars: list[Star] = field(default_factory=list)


def _finite_positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _coordinate(value: Any) -> float:
    """A coordinate from the metadata as a float, NaN when absent or not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _lc_periods(lc: LightCurve) -> list[float]:
    """Periods of one light curve: its period as the survey lists it (before the period
    convention of :mod:`varsynth.data.period_convention`, so that the physical stars, and with
    them the split, do not depend on it) unless a period search flagged it, and extras."""
    out = []
    listed = lc.meta.get("period_as_read", lc.period)
    if lc.meta.get("period_ok") is not False and (p := _finite_positive(listed)) is not None:
        out.append(p)
    out += [p for k in EXTRA_PERIOD_KEYS if (p := _finite_positive(lc.meta.get(k))) is not None]
    return out


def _gaia_rows(gaia_dr2: pd.DataFrame | None) -> dict[str, tuple[str, float, float]]:
    """``{source_id: (OGLE-ID, RA, Dec)}`` of the Gaia DR2/OGLE-III cross-match (index OGLE-ID)."""
    if gaia_dr2 is None or gaia_dr2.empty:
        return {}
    rows = gaia_dr2.dropna(subset=["source_id"])
    return {
        str(int(sid)): (str(ogle_id), float(ra), float(dec))
        for ogle_id, sid, ra, dec in zip(rows.index, rows["source_id"], rows["RA"], rows["Dec"])
    }


def stars_from_lightcurves(
    lcs: Iterable[LightCurve], gaia_dr2: pd.DataFrame | None = None
) -> tuple[list[Star], list[tuple[str, str]]]:
    """One :class:`Star` per star key, and the Gaia source-id links between star keys.

    Arguments:
        lcs: light curves of any surveys (several bands of a star share its key).
        gaia_dr2: the OGLE-III/Gaia DR2 cross-match as read by
            :func:`varsynth.surveys.gaia_dr2.read_gaia_dr2_xmatch` (index ``OGLE-ID``, columns
            ``source_id``, ``RA``, ``Dec`` in degrees); ``None``: no source-id links.

    Returns:
        Stars sorted by key, and ``(gaia_dr3_key, ogle3_key)`` links (both keys among the stars).
        A Gaia DR3 star found in the cross-match takes its row's position when it has none.
    """
    by_key: dict[str, list[LightCurve]] = defaultdict(list)
    for lc in lcs:
        by_key[lc.key].append(lc)
    gaia = _gaia_rows(gaia_dr2)
    stars, links = [], []
    for key in sorted(by_key):
        group = by_key[key]
        first = group[0]
        ra, dec = _coordinate(first.meta.get("ra")), _coordinate(first.meta.get("dec"))
        periods = sorted({p for lc in group for p in _lc_periods(lc)})
        row = gaia.get(first.star_id) if first.survey == _GAIA_DR3 else None
        if row is not None:
            ogle_key = f"{_OGLE}:{row[0]}"
            if ogle_key in by_key:
                links.append((key, ogle_key))
            if not (math.isfinite(ra) and math.isfinite(dec)):
                ra, dec = row[1], row[2]
        stars.append(Star(key, first.survey, ra, dec, tuple(periods), first.vclass))
    return stars, links


def _one_way(fa: float, fb: float, tolerance: float, alias_orders: int, factors: Sequence[float]) -> bool:
    """True when frequency ``fa`` = +-h * ``fb`` + k * sidereal frequency within ``tolerance``
    (the minus sign: an alias reflected about ``k`` cycles per sidereal day)."""
    for factor in factors:
        for sign in (1.0, -1.0):
            for k in range(-alias_orders, alias_orders + 1):
                target = sign * factor * fb + k * SIDEREAL_FREQUENCY
                if target > 0 and abs(fa / target - 1.0) <= tolerance:
                    return True
    return False


def periods_agree(
    periods_a: Sequence[float],
    periods_b: Sequence[float],
    *,
    tolerance: float,
    alias_orders: int,
    allow_double: bool = True,
) -> bool:
    """True when one period of each star agrees (symmetric in the two stars).

    Two periods (days) agree when their frequencies satisfy ``f_a = +-h f_b + k f_sid`` within a
    relative ``tolerance``, for ``h`` in :data:`PERIOD_FACTORS` (only 1 unless
    ``allow_double``) and ``|k| <= alias_orders`` (``f_sid``: :data:`SIDEREAL_FREQUENCY`), or
    the same with the stars swapped.

    Raises:
        ValueError: a period that is not finite and > 0, ``tolerance`` outside (0, 1) or
            ``alias_orders`` < 0 (the message names the parameter).
    """
    for name, periods in (("periods_a", periods_a), ("periods_b", periods_b)):
        bad = [p for p in periods if not (math.isfinite(p) and p > 0)]
        if bad:
            raise ValueError(f"{name}: periods must be finite and > 0 days, got {bad[:3]}")
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be in (0, 1), got {tolerance!r}")
    if alias_orders < 0:
        raise ValueError(f"alias_orders must be >= 0, got {alias_orders!r}")
    factors = PERIOD_FACTORS if allow_double else (1.0,)
    for pa in periods_a:
        for pb in periods_b:
            fa, fb = 1.0 / pa, 1.0 / pb
            if _one_way(fa, fb, tolerance, alias_orders, factors) or _one_way(fb, fa, tolerance, alias_orders, factors):
                return True
    return False


def pair_radius_arcsec(survey_a: str, survey_b: str, cfg: CrossmatchConfig) -> float:
    """Largest separation (arcsec) at which stars of these two surveys can be one star."""
    return max(cfg.radius_arcsec, SURVEY_RADIUS_ARCSEC.get(survey_a, 0.0), SURVEY_RADIUS_ARCSEC.get(survey_b, 0.0))


def _position_pairs(stars: Sequence[Star], cfg: CrossmatchConfig) -> list[tuple[int, int, float]]:
    """Index pairs ``(i < j)`` of positioned stars closer than their pair radius, with separations."""
    placed = [i for i, s in enumerate(stars) if s.has_position]
    if len(placed) < 2:
        return []
    coords = SkyCoord([stars[i].ra for i in placed] * u.deg, [stars[i].dec for i in placed] * u.deg)
    widest = max(pair_radius_arcsec(stars[i].survey, stars[i].survey, cfg) for i in placed)
    left, right, sep, _ = search_around_sky(coords, coords, widest * u.arcsec)
    out = []
    for a, b, separation in zip(left, right, sep.to_value(u.arcsec)):
        i, j = placed[a], placed[b]
        if i < j and separation <= pair_radius_arcsec(stars[i].survey, stars[j].survey, cfg):
            out.append((i, j, float(separation)))
    return out


def _verdict(a: Star, b: Star, separation: float, cfg: CrossmatchConfig) -> str:
    if separation <= cfg.period_check_beyond_arcsec:
        return "close"
    if not a.periods or not b.periods:
        return "period_unknown"
    agree = periods_agree(
        a.periods,
        b.periods,
        tolerance=cfg.period_tolerance,
        alias_orders=cfg.alias_orders,
        allow_double=bool(BINARY_CLASSES & {a.vclass, b.vclass}),
    )
    return "period_agrees" if agree else "period_differs"


def _components(keys: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Union-find: every key mapped to the smallest key of its connected component."""
    parent = {k: k for k in keys}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {k: root(k) for k in keys}


def identify_objects(
    stars: Sequence[Star], cfg: CrossmatchConfig, gaia_links: Iterable[tuple[str, str]] = ()
) -> Identification:
    """Group stars into physical objects by position, period and Gaia source id.

    Arguments:
        stars: one entry per star key (duplicate keys are refused).
        cfg: radius, period-check distance, period tolerance and alias orders.
        gaia_links: pairs of star keys known to be one source (:func:`stars_from_lightcurves`).

    Returns:
        The :class:`Identification`; with ``cfg.enabled`` false every star is its own object and
        no pair is examined. The result does not depend on the order of ``stars``.

    Raises:
        ValueError: a star key appears twice, or a link names an unknown key.
    """
    stars = sorted(stars, key=lambda s: s.key)
    keys = [s.key for s in stars]
    duplicated = sorted(k for k, n in Counter(keys).items() if n > 1)
    if duplicated:
        raise ValueError(f"stars: each star key must appear once, repeated: {duplicated[:5]}")
    if not cfg.enabled:
        return Identification({k: k for k in keys}, [], cfg, list(stars))
    known = set(keys)
    pairs: dict[tuple[str, str], Pair] = {}
    for a, b in gaia_links:
        if a not in known or b not in known:
            raise ValueError(f"gaia_links: {a!r} ~ {b!r} names a star that is not in stars")
        lo, hi = sorted((a, b))
        pairs[(lo, hi)] = Pair(lo, hi, "gaia_source_id", math.nan, "same_gaia_source")
    for i, j, separation in _position_pairs(stars, cfg):
        star_a, star_b = stars[i], stars[j]
        if (star_a.key, star_b.key) not in pairs:
            pairs[(star_a.key, star_b.key)] = Pair(
                star_a.key, star_b.key, "position", separation, _verdict(star_a, star_b, separation, cfg)
            )
    ordered = [pairs[k] for k in sorted(pairs)]
    edges = ((p.key_a, p.key_b) for p in ordered if p.accepted)
    return Identification(_components(keys, edges), ordered, cfg, list(stars))
