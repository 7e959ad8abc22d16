"""Attach effective temperature, absolute G magnitude and period to every light curve.

PELS-VAE conditions its generator on (period, Teff, M_G). The paper takes Teff and M_G from Gaia
DR2 (Apsis-Priam ``teff_val``; G with Bailer-Jones et al. 2018 distances) for the OGLE-III stars
it could cross-match. This module keeps that option and adds values derived from each survey's own
photometry with published relations (:mod:`varsynth.physics.relations`), so that every star of
every survey gets a :class:`~varsynth.lightcurve.PhysParam` with a value, an error and its
provenance, or an explicit "missing" with the reason in its note.

All bands of one star (same ``survey:star_id``) receive identical parameters, computed from the
metadata of all its bands together.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from varsynth.lightcurve import PROVENANCES, LightCurve, PhysParam
from varsynth.physics import relations as rel
from varsynth.physics.luminosity import class_luminosity
from varsynth.physics.relations import NAN_ESTIMATE, Estimate

__all__ = ["assign_physics", "physics_summary", "PRIORITY_SOURCES"]

#: Sources that can be ranked in ``abs_mag_priority`` / ``teff_priority``.
PRIORITY_SOURCES: tuple[str, ...] = ("gaia", "derived")

# Step (mag or dex) of the finite differences that propagate input errors through relations.
_STEP = 1e-4

# Error (mag) assumed for a survey mean magnitude of a variable star (zero point, and the
# difference between an error-weighted or catalogue mean and the intensity mean).
_MEAN_MAG_ERR = 0.02


@dataclass
class _Star:
    """Everything known about one star, merged over its bands."""

    survey: str
    star_id: str
    vclass: str
    period: float
    meta: dict[str, Any]
    mean_mag: dict[str, float] = field(default_factory=dict)
    subtype: str = ""

    @classmethod
    def from_group(cls, group: Sequence[LightCurve]) -> _Star:
        """Merge the light curves of one star: first non-None value of each metadata key wins."""
        first = group[0]
        meta: dict[str, Any] = {}
        mean_mag: dict[str, float] = {}
        for lc in group:
            for key, value in lc.meta.items():
                if value is not None and key not in meta:
                    meta[key] = value
            for band, mag in (lc.meta.get("mean_mag") or {}).items():
                if _finite(mag) and band not in mean_mag:
                    mean_mag[band] = float(mag)
        period = next((lc.period for lc in group if _finite(lc.period)), math.nan)
        return cls(first.survey, first.star_id, first.vclass, period, meta, mean_mag, first.subtype)

    @property
    def host(self) -> str | None:
        """``"LMC"`` for LMC stars, else None."""
        return self.meta.get("host")

    def mag(self, band: str) -> float:
        """Mean magnitude in ``band``, NaN when unknown."""
        return self.mean_mag.get(band, math.nan)

    def meta_float(self, key: str) -> float:
        """A numeric metadata value, NaN when absent or not finite."""
        value: Any = self.meta.get(key)
        return float(value) if _finite(value) else math.nan


def _finite(value: Any) -> bool:
    """True for a finite real number."""
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _propagate(func: Callable[..., Estimate], inputs: dict[str, Estimate]) -> Estimate:
    """Evaluate ``func`` at the input values and propagate their errors linearly.

    The result's error is the relation's own error plus, in quadrature, each input error times
    the numerical partial derivative (central difference, one-sided at a validity edge).
    """
    values = {name: est.value for name, est in inputs.items()}
    base = func(**values)
    if not _finite(base.value):
        return NAN_ESTIMATE
    var = base.err**2 if _finite(base.err) else 0.0
    for name, est in inputs.items():
        if not (_finite(est.err) and est.err > 0):
            continue
        up = func(**{**values, name: est.value + _STEP}).value
        down = func(**{**values, name: est.value - _STEP}).value
        if _finite(up) and _finite(down):
            slope = (up - down) / (2 * _STEP)
        elif _finite(up):
            slope = (up - base.value) / _STEP
        elif _finite(down):
            slope = (base.value - down) / _STEP
        else:
            slope = 0.0
        var += (slope * est.err) ** 2
    return Estimate(base.value, math.sqrt(var))


def _param(est: Estimate, source: str, note: str, why_missing: str) -> PhysParam:
    """A PhysParam from an estimate, or a missing one explaining why."""
    if _finite(est.value):
        return PhysParam(float(est.value), float(est.err), source, note)
    return PhysParam(note=why_missing)


# ---------------------------------------------------------------- photometry -> intrinsic colour


def _johnson_cousins(star: _Star) -> tuple[Estimate, Estimate, str]:
    """Observed V and V - I of a star (survey photometry), with a note on their origin."""
    if star.survey == "eros1":
        v, vi = rel.eros1_to_johnson_cousins(star.mag("B"), star.mag("R"))
        return v, vi, "V, V-I from EROS-1 B_E, R_E (calibrated on OGLE-III here)"
    v_mag, i_mag = star.mag("V"), star.mag("I")
    return Estimate(v_mag, _MEAN_MAG_ERR), Estimate(v_mag - i_mag, math.sqrt(2) * _MEAN_MAG_ERR), "OGLE V, I"


def _lmc_photometry(star: _Star) -> tuple[dict[str, Estimate], str, str]:
    """Inputs ``v``, ``v_minus_i``, ``e_v_minus_i`` of an LMC star, a note, and why-missing."""
    if star.host != "LMC":
        return {}, "", "reddening unknown outside the LMC"
    v, vi, origin = _johnson_cousins(star)
    if not (_finite(v.value) and _finite(vi.value)):
        return {}, "", f"no usable V-I colour (mean mags {sorted(star.mean_mag)})"
    inputs = {"v": v, "v_minus_i": vi, "e_v_minus_i": rel.LMC_E_V_MINUS_I}
    return inputs, f"{origin}; E(V-I)=0.09+-0.07 (Haschke+2011)", ""


def _lmc_abs_g(v: float, v_minus_i: float, e_v_minus_i: float) -> Estimate:
    """M_G of an LMC star: dereddened V plus G - V at (V - I)_0, minus the LMC modulus.

    The reddening enters both V_0 and (V - I)_0, so it is one input here (correlated errors).
    """
    a_v = rel.a_v_from_e_v_minus_i(Estimate(e_v_minus_i, 0.0)).value
    g_minus_v = rel.gaia_g_minus_v(v_minus_i - e_v_minus_i)
    mu = rel.LMC_DISTANCE_MODULUS
    return Estimate(v - a_v + g_minus_v.value - mu.value, math.hypot(g_minus_v.err, mu.err))


def _sdss_g_minus_r_0(star: _Star) -> Estimate:
    """Stripe 82 (g - r)_0 with the adopted mean E(B-V) and SFD98 coefficients."""
    ebv = rel.STRIPE82_E_B_MINUS_V
    r_gr = rel.SFD98_A_OVER_EBV["g"] - rel.SFD98_A_OVER_EBV["r"]
    value = star.mag("g") - star.mag("r") - r_gr * ebv.value
    return Estimate(value, math.hypot(math.sqrt(2) * _MEAN_MAG_ERR, r_gr * ebv.err))


def _sdss_v_minus_i_0(star: _Star) -> Estimate:
    """Stripe 82 (V - I)_0 from dereddened g, r, i (Lupton 2005), reddening error propagated."""

    def v_minus_i(ebv: float) -> Estimate:
        g, r, i = (star.mag(b) - rel.SFD98_A_OVER_EBV[b] * ebv for b in ("g", "r", "i"))
        return rel.sdss_to_johnson_cousins(g, r, i)[1]

    est = _propagate(v_minus_i, {"ebv": rel.STRIPE82_E_B_MINUS_V})
    return Estimate(est.value, math.hypot(est.err, math.sqrt(2) * _MEAN_MAG_ERR))


# -------------------------------------------------------------------------- derived Teff


def _derived_teff(star: _Star) -> PhysParam:
    """Teff from the survey's own dereddened colour, or missing with the reason."""
    feh = rel.assumed_feh(star.vclass, star.host)
    feh_note = f"[Fe/H]={feh.value:+.2f}+-{feh.err:.2f} assumed"
    if star.survey in {"ogle3", "eros1"}:
        inputs, note, why = _lmc_photometry(star)
        if why:
            return PhysParam(note=f"derived Teff: {why}")

        def teff(v: float, v_minus_i: float, e_v_minus_i: float, feh: float) -> Estimate:
            return rel.teff_from_v_minus_i(v_minus_i - e_v_minus_i, feh)

        est = _propagate(teff, {**inputs, "feh": feh})
        vi0 = inputs["v_minus_i"].value - inputs["e_v_minus_i"].value
        return _param(
            est,
            "derived",
            f"Casagrande+2010 (V-Ic)_0-Teff; {note}; {feh_note}",
            f"derived Teff: (V-I)_0={vi0:.3f} outside Casagrande+2010 range 0.46-1.47",
        )
    if star.survey == "sdss-s82":
        if not all(_finite(star.mag(b)) for b in "gri"):
            return PhysParam(note=f"derived Teff: no g, r, i mean magnitudes ({sorted(star.mean_mag)})")
        gr0 = _sdss_g_minus_r_0(star)
        est = _propagate(rel.teff_from_g_minus_r, {"g_minus_r_0": gr0})
        return _param(
            est,
            "derived",
            "Ivezic+2008 eq.3 (g-r)_0-Teff; Stripe 82 E(B-V)=0.06+-0.04 (measured here)",
            f"derived Teff: (g-r)_0={gr0.value:.3f} unusable (Ivezic+2008 range -0.3..1.3)",
        )
    if star.survey == "gaia-dr3":
        ebr = rel.GAIA_DR3_E_BP_MINUS_RP
        bprp = star.meta_float("bp_rp")
        if not _finite(bprp):
            return PhysParam(note="derived Teff: no BP-RP")
        c0 = Estimate(bprp - ebr.value, math.hypot(_MEAN_MAG_ERR, ebr.err))
        giant = star.vclass in rel.GIANT_CLASSES

        def teff_bp_rp(bp_minus_rp_0: float, feh: float) -> Estimate:
            return rel.teff_from_bp_minus_rp(bp_minus_rp_0, feh, giant=giant)

        kind = "giant" if giant else "dwarf"
        est = _propagate(teff_bp_rp, {"bp_minus_rp_0": c0, "feh": feh})
        return _param(
            est,
            "derived",
            f"Mucciarelli&Bellazzini (BP-RP)_0-Teff ({kind}); E(BP-RP)=0+-0.15 assumed; {feh_note}",
            f"derived Teff: BP-RP={bprp:.3f} outside the Mucciarelli {kind} range",
        )
    return PhysParam(note=f"derived Teff: survey {star.survey} has no colour")


# --------------------------------------------------------------------- derived absolute mag


def _derived_abs_mag(star: _Star) -> PhysParam:
    """M_G from the survey's photometry and a known distance or a class relation."""
    if star.survey in {"ogle3", "eros1"}:
        inputs, note, why = _lmc_photometry(star)
        if why:
            return PhysParam(note=f"derived M_G: {why}")
        return _param(
            _propagate(_lmc_abs_g, inputs),
            "derived",
            f"G_0 - mu_LMC; mu=18.477+-0.026 (Pietrzynski+2019); G-V(V-I) Riello+2021; {note}",
            "derived M_G: (V-I)_0 outside the Riello+2021 range",
        )
    if star.survey == "sdss-s82" and star.vclass == "RRLYR":
        if not all(_finite(star.mag(b)) for b in "gri"):
            return PhysParam(note=f"derived M_G: no g, r, i mean magnitudes ({sorted(star.mean_mag)})")
        feh = rel.assumed_feh(star.vclass, star.host)
        vi0 = _sdss_v_minus_i_0(star)
        m_v = rel.rrlyrae_abs_v(feh)
        g_minus_v = _propagate(rel.gaia_g_minus_v, {"v_minus_i": vi0})
        est = Estimate(m_v.value + g_minus_v.value, math.hypot(m_v.err, g_minus_v.err))
        return _param(
            est,
            "derived",
            f"RR Lyrae M_V=0.23([Fe/H]+1.6)+0.56 (Chaboyer 1999), [Fe/H]={feh.value:+.1f}+-"
            f"{feh.err:.1f} assumed; G-V(V-I) Riello+2021, V-I from Lupton 2005 on dereddened g,r,i",
            f"derived M_G: (V-I)_0={vi0.value:.3f} unusable",
        )
    return PhysParam(note=f"derived M_G: no distance or luminosity relation for {star.survey}")


# ----------------------------------------------------------------------------- Gaia values


def _xmatch_row(star: _Star, xmatch: pd.DataFrame | None) -> pd.Series | None:
    """The Gaia DR2 cross-match row of an OGLE star, or None."""
    if xmatch is None:
        return None
    ogle_id = star.meta.get("ogle_id") or (star.star_id if star.survey == "ogle3" else None)
    if ogle_id is None or ogle_id not in xmatch.index:
        return None
    return xmatch.loc[ogle_id]


def _gaia_teff(star: _Star, row: pd.Series | None) -> PhysParam:
    """Gaia DR2 Apsis-Priam teff_val with the Andrae et al. (2018) rms as error."""
    if star.survey == "gaia-dr3":
        return PhysParam(note="Gaia Teff: the Gaia DR3 metadata has no Teff")
    if row is None:
        return PhysParam(note="Gaia Teff: no Gaia DR2 cross-match")
    teff = row.get("teff_val", math.nan)
    if not _finite(teff):
        return PhysParam(note="Gaia Teff: Gaia DR2 gives no teff_val")
    note = "Gaia DR2 teff_val (Apsis-Priam, no extinction), err = 324 K rms (Andrae+2018)"
    return PhysParam(float(teff), rel.GAIA_DR2_TEFF_RMS, "gaia", note)


def _gaia_dr2_abs_mag(star: _Star, row: pd.Series | None) -> PhysParam:
    """M_G from Gaia DR2 G and the Bailer-Jones et al. (2018) distance, as in the paper."""
    if row is None:
        return PhysParam(note="Gaia M_G: no Gaia DR2 cross-match")
    # Measured on the OGLE-III LMC Cepheids: r_est of a few kpc makes M_G ~4.5 mag too faint.
    lmc = " (prior-dominated r_est for LMC stars: M_G several mag too faint)" if star.host == "LMC" else ""
    g, r_est = row.get("phot_g_mean_mag", math.nan), row.get("r_est", math.nan)
    if _finite(g) and _finite(r_est) and r_est > 0:
        r_lo, r_hi = row.get("r_lo", math.nan), row.get("r_hi", math.nan)
        err = 5 / math.log(10) * (r_hi - r_lo) / (2 * r_est) if _finite(r_lo) and _finite(r_hi) else math.nan
        value = float(g - 5 * math.log10(r_est) + 5)
        return PhysParam(value, float(err), "gaia", f"Gaia DR2 G - 5log10(r_est/10pc), no extinction{lmc}")
    abs_g = row.get("abs_Gmag", math.nan)
    if _finite(abs_g):
        note = f"cross-match abs_Gmag column (I-band based in some files!), no extinction{lmc}"
        return PhysParam(float(abs_g), math.nan, "gaia", note)
    return PhysParam(note="Gaia M_G: no Bailer-Jones distance in the cross-match")


def _gaia_dr3_abs_mag(star: _Star) -> PhysParam:
    """M_G from the Gaia DR3 parallax, A_G unknown (error inflated)."""
    est = rel.abs_mag_from_parallax(star.mag("G"), star.meta_float("parallax_mas"))
    a_g_per_ebr = rel.WANG_CHEN_2019_A_OVER_AV["G"] / (
        rel.WANG_CHEN_2019_A_OVER_AV["BP"] - rel.WANG_CHEN_2019_A_OVER_AV["RP"]
    )
    sigma_ag = a_g_per_ebr * rel.GAIA_DR3_E_BP_MINUS_RP.err
    est = Estimate(est.value, math.hypot(est.err, sigma_ag))
    return _param(
        est,
        "gaia",
        "Gaia DR3 G + 5log10(parallax+0.017 mas) - 10 (Lindegren+2021 zero point), "
        "parallax error from Brown+2021 vs G; A_G unknown: +-0.29 mag added",
        "Gaia M_G: parallax/error < 5 (or no parallax)",
    )


def _gaia_abs_mag(star: _Star, row: pd.Series | None) -> PhysParam:
    """The Gaia-based M_G candidate of a star."""
    if star.survey == "gaia-dr3":
        return _gaia_dr3_abs_mag(star)
    return _gaia_dr2_abs_mag(star, row)


# ---------------------------------------------------------------------------------- period


def _period(star: _Star) -> PhysParam:
    """Period with provenance: catalogue, period search, or missing."""
    period = star.period
    source = star.meta.get("period_source")
    if not (_finite(period) and period > 0):
        return PhysParam(note="no period")
    if source == "catalog":
        err = star.meta_float("period_err")
        return PhysParam(float(period), err if err > 0 else math.nan, "catalog", "survey catalogue")
    if star.meta.get("period_ok") is False:
        return PhysParam(note=f"{source or 'period'} search failed")
    return PhysParam(float(period), math.nan, "derived", f"{source or 'period search'} period")


def _class_relation_abs_mag(star: _Star, period: PhysParam, missing: PhysParam) -> PhysParam:
    """M_G from the class's period relation (:mod:`varsynth.physics.luminosity`) for a star
    that neither Gaia nor its photometry gives one; ``missing`` (with its reasons) otherwise."""
    relation = class_luminosity(star.vclass, star.subtype or None)
    if relation is None:
        return missing
    if period.is_missing:
        return PhysParam(note=f"{missing.note}; class relation: no period")
    why = f"{missing.note}; class relation: period {period.value:.4g} d outside its range"
    return _param(relation.estimate(period.value), "derived", relation.note, why)


# ------------------------------------------------------------------------------- public API


def _choose(candidates: dict[str, PhysParam], priority: Sequence[str]) -> PhysParam:
    """The first non-missing candidate in priority order, else a missing one with all reasons."""
    for source in priority:
        if not candidates[source].is_missing:
            return candidates[source]
    return PhysParam(note="; ".join(candidates[source].note for source in priority))


def _check_priority(name: str, priority: Sequence[str]) -> tuple[str, ...]:
    """Validate a priority list (non-empty, known sources, no repeats)."""
    prio = tuple(priority)
    if not prio or len(set(prio)) != len(prio) or not set(prio) <= set(PRIORITY_SOURCES):
        raise ValueError(f"{name} must list distinct sources among {PRIORITY_SOURCES}, got {prio}")
    return prio


def _prepare_xmatch(xmatch: pd.DataFrame | None) -> pd.DataFrame | None:
    """Index the cross-match by OGLE ID with one row per ID (first kept)."""
    if xmatch is None:
        return None
    if "OGLE-ID" in xmatch.columns:
        xmatch = xmatch.set_index("OGLE-ID")
    return xmatch[~xmatch.index.duplicated(keep="first")]


def _by_star(lightcurves: Iterable[LightCurve]) -> dict[str, list[LightCurve]]:
    """Light curves grouped by ``survey:star_id`` in input order."""
    groups: dict[str, list[LightCurve]] = defaultdict(list)
    for lc in lightcurves:
        groups[lc.key].append(lc)
    return groups


def assign_physics(
    lightcurves: list[LightCurve],
    xmatch: pd.DataFrame | None,
    *,
    abs_mag_priority: Sequence[str] = ("derived", "gaia"),
    teff_priority: Sequence[str] = ("gaia", "derived"),
) -> None:
    """Fill ``lc.physics`` with ``teff`` (K), ``abs_mag`` (M_G, mag) and ``period`` (days).

    For each star two candidates are computed per parameter, "gaia" (Gaia DR2 cross-match for
    OGLE stars; Gaia DR3 parallax for gaia-dr3 stars) and "derived" (survey photometry and the
    relations of :mod:`varsynth.physics.relations`); the first non-missing one in the priority
    order is kept. When none exists the parameter is missing and its note gives every reason,
    except M_G of the classes with a period relation (T2CEP, ACEP, ELL;
    :mod:`varsynth.physics.luminosity`): their M_G is then the relation's mean at the star's
    period, "derived", with the relation's scatter as error and the relation named in the note.

    Default priorities: Teff prefers Gaia DR2 ``teff_val`` (the paper's choice). M_G prefers the
    derived value because for LMC stars the Gaia DR2 Bailer-Jones distance is prior-dominated
    (r_est of 1-5 kpc instead of ~50 kpc), which makes the Gaia M_G ~10 mag too faint;
    ``abs_mag_priority=("gaia", "derived")`` reproduces the paper's choice instead.

    Period: "catalog" when ``meta["period_source"] == "catalog"`` (error from
    ``meta["period_err"]`` when given), "derived" for a period search unless
    ``meta["period_ok"]`` is False, else missing.

    Arguments:
        lightcurves: light curves of any surveys; modified in place. All bands of one star get
            identical parameters (computed from their merged metadata).
        xmatch: Gaia DR2 x OGLE-III cross-match indexed by OGLE ID (or with an ``OGLE-ID``
            column), with ``teff_val``, ``phot_g_mean_mag``, ``r_est`` (and ``r_lo``, ``r_hi``)
            or ``abs_Gmag``; None when unavailable.
        abs_mag_priority: order of preference among "derived" and "gaia" for M_G.
        teff_priority: order of preference among "gaia" and "derived" for Teff.

    Raises:
        ValueError: for a priority that is empty, repeats itself or names an unknown source.
    """
    mag_prio = _check_priority("abs_mag_priority", abs_mag_priority)
    teff_prio = _check_priority("teff_priority", teff_priority)
    table = _prepare_xmatch(xmatch)
    for group in _by_star(lightcurves).values():
        star = _Star.from_group(group)
        row = _xmatch_row(star, table)
        teff = {"gaia": _gaia_teff(star, row), "derived": _derived_teff(star)}
        abs_mag = {"gaia": _gaia_abs_mag(star, row), "derived": _derived_abs_mag(star)}
        period = _period(star)
        chosen = _choose(abs_mag, mag_prio)
        physics = {
            "teff": _choose(teff, teff_prio),
            "abs_mag": _class_relation_abs_mag(star, period, chosen) if chosen.is_missing else chosen,
            "period": period,
        }
        for lc in group:
            lc.physics = dict(physics)


def physics_summary(lightcurves: Iterable[LightCurve]) -> dict[str, dict[str, dict[str, dict[str, int]]]]:
    """Count stars (not light curves) per survey, class, parameter and provenance.

    Arguments:
        lightcurves: light curves after :func:`assign_physics` (a parameter absent from
            ``lc.physics`` counts as missing).

    Returns:
        ``{survey: {class: {"teff"|"abs_mag"|"period": {provenance: n_stars}}}}`` with every
        provenance of :data:`varsynth.lightcurve.PROVENANCES` present (zeros included).
    """
    counts: dict[str, dict[str, dict[str, Counter[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(Counter))
    )
    for group in _by_star(lightcurves).values():
        lc = group[0]
        for name in ("teff", "abs_mag", "period"):
            param = lc.physics.get(name, PhysParam())
            counts[lc.survey][lc.vclass][name][param.source] += 1
    return {
        survey: {
            vclass: {name: {p: int(c[p]) for p in PROVENANCES} for name, c in params.items()}
            for vclass, params in sorted(classes.items())
        }
        for survey, classes in sorted(counts.items())
    }
