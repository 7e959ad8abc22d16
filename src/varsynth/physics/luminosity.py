"""Absolute G magnitude from the period, for classes whose training stars have no distance.

The type II Cepheids (T2CEP), anomalous Cepheids (ACEP) and ellipsoidal variables (ELL) of the
training set come from CRTS and Catalina SSS, which give neither a colour nor a distance, so
neither route of :mod:`varsynth.physics.assign` (survey photometry at a known distance, Gaia
parallax) yields their M_G. Their periods do: each class here has a relation M_G(P) with a
1-sigma scatter, from which :func:`varsynth.physics.assign.assign_physics` takes the mean (as a
"derived" value whose error is the scatter) and the generator draws (mean plus Gaussian scatter).

- T2CEP: Groenewegen & Jurkovic 2017, A&A 604, A29 (abstract; OGLE-III T2Cep of the LMC and
  SMC, SED-fitted luminosities): M_bol = 0.12 - 1.78 log10 P for P < 50 d (dusty RV Tau
  excluded), turned into M_G with the Gaia bolometric correction of Andrae et al. 2018 at an
  assumed Teff.
- ACEP: fitted in this project on the 81 OGLE-III LMC anomalous Cepheids (no published Gaia-band
  relation could be read from the sources at hand); see :data:`ACEP_RELATIONS`.
- ELL: Roche geometry. A star filling a fraction f of its Roche lobe in a binary of orbital
  period P has a mean density fixed by P (Kepler's third law with the Paczynski 1971 lobe
  radius), so an assumed mass and Teff give its radius and luminosity; see :func:`ell_abs_g`.

Units: periods in days, magnitudes in mag, temperatures in K, masses and radii solar.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from varsynth.physics.relations import NAN_ESTIMATE, Estimate

__all__ = [
    "M_BOL_SUN",
    "SOLAR_TEFF",
    "ClassLuminosity",
    "bolometric_correction_g",
    "t2cep_abs_g",
    "acep_abs_g",
    "ell_abs_g",
    "class_luminosity",
    "LUMINOSITY_CLASSES",
]

#: Absolute bolometric magnitude of the Sun (mag), IAU 2015 Resolution B2.
M_BOL_SUN = 4.74
#: Nominal solar effective temperature (K), IAU 2015 Resolution B3.
SOLAR_TEFF = 5772.0

#: Andrae et al. 2018, A&A 616, A8, eq. 7 and Table 8: BC_G = sum a_i (Teff - 5772 K)^i.
_BC_G_HOT = (6.000e-02, 6.731e-05, -6.647e-08, 2.859e-11, -7.197e-15)  # 4000-8000 K
_BC_G_COOL = (1.749e00, 1.977e-03, 3.737e-07, -8.966e-11, -4.183e-14)  # 3300-4000 K


def bolometric_correction_g(teff: float) -> float:
    """Bolometric correction BC_G = M_bol - M_G (mag) at ``teff`` (K).

    Andrae et al. 2018 (A&A 616, A8), eq. 7, Table 8 (the Gaia DR2 FLAME calibration on MARCS
    spectra; coefficients cross-checked in several public codes): 0.060 mag at 5772 K. Valid
    3300-8000 K; NaN outside.
    """
    if not (math.isfinite(teff) and 3300.0 <= teff <= 8000.0):
        return math.nan
    coeffs = _BC_G_HOT if teff >= 4000.0 else _BC_G_COOL
    x = teff - SOLAR_TEFF
    return float(sum(a * x**i for i, a in enumerate(coeffs)))


# ---------------------------------------------------------------------------------- T2CEP

#: Groenewegen & Jurkovic 2017 (A&A 604, A29), abstract: M_bol = a + b log10 P, P < 50 d.
T2CEP_MBOL = (0.12, -1.78)
#: Teff (K) assumed for the bolometric correction: the middle of the instability strip at these
#: luminosities, +-600 K covering BL Her to W Vir (assumption of this project). BC_G changes by
#: only 0.07 mag over 5300-6500 K.
T2CEP_TEFF = Estimate(5900.0, 600.0)
#: Scatter (mag) about the relation, measured in this project (the abstract quotes none): robust
#: sigma (1.4826 x median absolute deviation) of M_G - relation for the 196 OGLE-III LMC T2Cep
#: with P < 50 d, M_G from V, I via :func:`varsynth.physics.relations.gaia_g_minus_v`, E(V-I) =
#: 0.09 and mu = 18.477 (docs/data.md gives the command). BL Her + W Vir alone: 0.21 mag.
T2CEP_SCATTER = 0.30
#: Beyond P = 50 d (RV Tau; outside the calibration) the relation is extrapolated with this
#: error (mag): the 42 LMC RV Tau of OGLE-III lie 0.66 mag above it with a robust sigma of 0.56.
T2CEP_SCATTER_RV_TAU = 0.70
_T2CEP_PERIODS = (0.5, 150.0)


def t2cep_abs_g(period: float) -> Estimate:
    """M_G (mag) of a type II Cepheid of period ``period`` (days) and its 1-sigma scatter.

    M_G = 0.12 - 1.78 log10 P - BC_G(5900 K) = 0.052 - 1.78 log10 P (Groenewegen & Jurkovic
    2017, A&A 604, A29, abstract; BC_G of Andrae et al. 2018). Error: the measured scatter
    :data:`T2CEP_SCATTER` and the BC_G spread over Teff = 5900 +- 600 K in quadrature (0.30 mag),
    0.70 mag beyond 50 d. NaN outside 0.5-150 d.
    """
    if not (math.isfinite(period) and _T2CEP_PERIODS[0] <= period <= _T2CEP_PERIODS[1]):
        return NAN_ESTIMATE
    teff, dteff = T2CEP_TEFF
    bc = bolometric_correction_g(teff)
    bc_err = abs(bolometric_correction_g(teff + dteff) - bolometric_correction_g(teff - dteff)) / 2
    a, b = T2CEP_MBOL
    scatter = T2CEP_SCATTER if period <= 50.0 else T2CEP_SCATTER_RV_TAU
    return Estimate(a + b * math.log10(period) - bc, math.hypot(scatter, bc_err))


# ----------------------------------------------------------------------------------- ACEP

#: M_G = a + b log10 P with scatter (mag) and period range (days) per pulsation mode. Fitted in
#: this project on OGLE-III LMC anomalous Cepheids (Soszynski et al. 2008, AcA 58, 293; catalog
#: in ../shared/data/ogle3-catalog): M_G from mean V, I via Riello et al. 2021 G - V(V - I),
#: E(V-I) = 0.09 (Haschke et al. 2011), mu = 18.477 (Pietrzynski et al. 2019); least squares
#: with 3-sigma clipping (61 of 62 F stars kept, 20 of 20 first overtone). Scatter: rms of the
#: kept stars. Not a published relation; the published fact it is tested against: anomalous
#: Cepheids are 0.7-1 mag brighter than BL Her stars of the same period (A&A 699, A370, 2025,
#: section 1).
ACEP_RELATIONS: dict[str, tuple[float, float, float, tuple[float, float]]] = {
    "F": (-0.638, -2.956, 0.24, (0.4, 3.0)),
    "1O": (-1.313, -2.945, 0.20, (0.3, 1.5)),
}


def acep_abs_g(period: float, mode: str = "F") -> Estimate:
    """M_G (mag) of an anomalous Cepheid of period ``period`` (days) pulsating in ``mode``.

    ``mode`` is ``"F"`` (fundamental; also used when the mode is unknown, as 75% of the LMC
    ACEP are F) or ``"1O"`` (first overtone); coefficients in :data:`ACEP_RELATIONS`. NaN
    outside the mode's period range.

    Raises:
        ValueError: for a mode other than ``F`` or ``1O``.
    """
    if mode not in ACEP_RELATIONS:
        raise ValueError(f"mode must be one of {sorted(ACEP_RELATIONS)}, got {mode!r}")
    a, b, scatter, (lo, hi) = ACEP_RELATIONS[mode]
    if not (math.isfinite(period) and lo <= period <= hi):
        return NAN_ESTIMATE
    return Estimate(a + b * math.log10(period), scatter)


# ------------------------------------------------------------------------------------ ELL

#: Mean density (g cm^-3) of the Sun: 1.41 (IAU 2015 nominal mass and radius).
_SUN_DENSITY = 1.41
#: Paczynski 1971 (ARA&A 9, 183), eq. 4: Roche-lobe radius R_L / a = 0.462 (q / (1 + q))^(1/3),
#: q = M_star / M_companion < 0.8. With Kepler's third law the lobe-filling mean density is
#: 3 pi / (0.462^3 G P^2) = 110 g cm^-3 / (P / hour)^2, independent of the masses (the
#: period-density relation of e.g. Warner 1995, Cataclysmic Variable Stars, eq. 2.3b).
_ROCHE_COEFF = 0.462
_G_CGS = 6.674e-8
#: Assumptions of this project for the distorted star (documented in docs/data.md): mass
#: 1.0 Msun with 0.15 dex spread (F-K dwarfs to low-mass giants), Roche-lobe filling factor
#: R / R_L = 0.85 +- 0.10 (ellipsoidal amplitudes scale as (R/a)^3: only near-filling stars show
#: them), Teff = 5800 +- 700 K.
ELL_LOG_MASS = Estimate(0.0, 0.15)
ELL_FILL = Estimate(0.85, 0.10)
ELL_TEFF = Estimate(5800.0, 700.0)
_ELL_PERIODS = (0.1, 100.0)


def roche_density(orbital_period: float) -> float:
    """Mean density (g cm^-3) of a star filling its Roche lobe at ``orbital_period`` (days)."""
    seconds = orbital_period * 86400.0
    return 3.0 * math.pi / (_ROCHE_COEFF**3 * _G_CGS * seconds**2)


def _ell_mag(orbital_period: float, log_mass: float, fill: float, teff: float) -> float:
    density = roche_density(orbital_period) / _SUN_DENSITY
    radius = fill * (10.0**log_mass / density) ** (1.0 / 3.0)
    m_bol = M_BOL_SUN - 5.0 * math.log10(radius) - 10.0 * math.log10(teff / SOLAR_TEFF)
    return m_bol - bolometric_correction_g(teff)


def ell_abs_g(orbital_period: float) -> Estimate:
    """M_G (mag) of an ellipsoidal variable of orbital period ``orbital_period`` (days).

    The distorted star fills a fraction f of its Roche lobe, whose mean density is set by the
    period (:func:`roche_density`), so R = f (M / rho_L)^(1/3) and M_G = 4.74 - 5 log10 R -
    10 log10(Teff / 5772 K) - BC_G(Teff), with the assumed M, f and Teff of :data:`ELL_LOG_MASS`,
    :data:`ELL_FILL`, :data:`ELL_TEFF`; their spreads, propagated linearly, give the error
    (0.67 mag). At 0.4 d: M_G = 4.9 (a solar-type dwarf); at 30 d: -1.3 (a giant). NaN outside
    0.1-100 d. Below ~0.25 d real systems hold K and M dwarfs of lower mass and Teff than
    assumed, up to 2-3 mag fainter than this.
    """
    if not (math.isfinite(orbital_period) and _ELL_PERIODS[0] <= orbital_period <= _ELL_PERIODS[1]):
        return NAN_ESTIMATE
    inputs = {"log_mass": ELL_LOG_MASS, "fill": ELL_FILL, "teff": ELL_TEFF}
    values = {name: est.value for name, est in inputs.items()}
    base = _ell_mag(orbital_period, **values)
    var = 0.0
    for name, est in inputs.items():
        step = est.err * 1e-3
        up = _ell_mag(orbital_period, **{**values, name: est.value + step})
        down = _ell_mag(orbital_period, **{**values, name: est.value - step})
        var += ((up - down) / (2 * step) * est.err) ** 2
    return Estimate(base, math.sqrt(var))


# ------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class ClassLuminosity:
    """A class's M_G(period) relation, with the note recorded as the value's provenance."""

    vclass: str
    note: str
    relation: Callable[[float], Estimate]

    def estimate(self, period: float) -> Estimate:
        """Mean M_G (mag) and 1-sigma scatter at ``period`` (days); NaN outside the range."""
        return self.relation(float(period))

    def draw(self, periods: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One M_G (mag) per period (days): the mean plus Gaussian scatter; NaN outside the range."""
        est = np.array([self.estimate(p) for p in np.asarray(periods, dtype=float).ravel()], dtype=float)
        est = est.reshape(-1, 2)
        return est[:, 0] + rng.standard_normal(len(est)) * np.nan_to_num(est[:, 1])

    def mean(self, periods: np.ndarray) -> np.ndarray:
        """Mean M_G (mag) per period (days); NaN outside the range."""
        return np.array([self.estimate(p).value for p in np.asarray(periods, dtype=float).ravel()])


_T2CEP = ClassLuminosity(
    "T2CEP",
    "T2CEP PL: M_bol=0.12-1.78logP (Groenewegen&Jurkovic 2017) - BC_G(5900+-600 K) (Andrae+2018); "
    "scatter 0.30 mag measured on OGLE-III LMC",
    t2cep_abs_g,
)
_ACEP = {
    mode: ClassLuminosity(
        "ACEP",
        f"ACEP {mode} PL fitted here on OGLE-III LMC: M_G={a:.3f}{b:+.3f}logP, scatter {s:.2f} mag",
        partial(acep_abs_g, mode=mode),
    )
    for mode, (a, b, s, _) in ACEP_RELATIONS.items()
}
_ELL = ClassLuminosity(
    "ELL",
    "ELL Roche geometry: lobe density(P_orb) (Paczynski 1971) with M=1.0 Msun (0.15 dex), "
    "R/R_L=0.85+-0.10, Teff=5800+-700 K assumed; BC_G Andrae+2018",
    ell_abs_g,
)

#: Classes with an M_G(period) relation here.
LUMINOSITY_CLASSES: frozenset[str] = frozenset({"T2CEP", "ACEP", "ELL"})


def class_luminosity(vclass: str, subtype: str | None = None) -> ClassLuminosity | None:
    """The M_G(period) relation of a class (and subtype), or None for classes without one.

    ACEP subtype ``1O`` uses the first-overtone relation, any other subtype the fundamental one.
    """
    if vclass == "T2CEP":
        return _T2CEP
    if vclass == "ACEP":
        return _ACEP["1O" if subtype == "1O" else "F"]
    if vclass == "ELL":
        return _ELL
    return None
