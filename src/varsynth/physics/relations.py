"""Published (and a few measured) relations that turn photometry into physical parameters.

Every relation is a small pure function returning an :class:`Estimate` (value and 1-sigma
uncertainty). Outside its published validity range a relation returns NaN (value and error); the
caller records why. Each docstring names the reference (author, year, journal, table or equation),
the validity range and where the numbers were cross-checked. Constants that this project measured
itself on the real data (not published) say so, with the procedure, so that a reader can redo it.

Units: magnitudes, Kelvin, milliarcseconds (mas), dex for [Fe/H].
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = [
    "Estimate",
    "NAN_ESTIMATE",
    "LMC_DISTANCE_MODULUS",
    "LMC_E_V_MINUS_I",
    "STRIPE82_E_B_MINUS_V",
    "GAIA_DR3_E_BP_MINUS_RP",
    "GAIA_DR2_TEFF_RMS",
    "GAIA_EDR3_PARALLAX_ZERO_POINT",
    "MIN_PARALLAX_OVER_ERROR",
    "SFD98_A_OVER_EBV",
    "WANG_CHEN_2019_A_OVER_AV",
    "GIANT_CLASSES",
    "a_v_from_e_v_minus_i",
    "gaia_g_minus_v",
    "eros1_to_johnson_cousins",
    "sdss_to_johnson_cousins",
    "teff_from_v_minus_i",
    "teff_from_g_minus_r",
    "teff_from_bp_minus_rp",
    "rrlyrae_abs_v",
    "gaia_edr3_parallax_error",
    "abs_mag_from_parallax",
    "assumed_feh",
]


class Estimate(NamedTuple):
    """A value with its 1-sigma uncertainty (same unit); both NaN when undefined."""

    value: float
    err: float


#: Returned by a relation outside its validity range.
NAN_ESTIMATE = Estimate(math.nan, math.nan)

#: LMC distance modulus (mag): Pietrzynski et al. 2019, Nature 567, 200 (20 detached eclipsing
#: binaries): 18.477 +- 0.004 (stat) +- 0.026 (sys); the error here is both in quadrature.
LMC_DISTANCE_MODULUS = Estimate(18.477, math.hypot(0.004, 0.026))

#: Mean LMC reddening E(V-I) (mag) from red clump stars: Haschke, Grebel & Duffau 2011, AJ 141,
#: 158 (OGLE-III fields): 0.09 +- 0.07, the +-0.07 being the field-to-field scatter, used here as
#: the uncertainty of one star's reddening (their RR Lyrae give 0.11 +- 0.06, consistent).
LMC_E_V_MINUS_I = Estimate(0.09, 0.07)

#: Mean Galactic reddening E(B-V) (mag) of the 483 Sesar et al. (2010) Stripe 82 RR Lyrae.
#: Measured in this project, not published: Sesar et al. 2010 (ApJ 708, 717) Table 2 gives
#: extinction-corrected template maxima in g, r, i while the light curves are not corrected, so
#: (2nd percentile of a star's magnitudes) - (template maximum) estimates A_band; divided by the
#: SFD98 coefficients it gives E(B-V) with median 0.061 (g), 0.056 (r), 0.056 (i) and a 16-84 %
#: spread of 0.025-0.10. Adopted: 0.06 +- 0.04 (the error covers the star-to-star spread).
STRIPE82_E_B_MINUS_V = Estimate(0.06, 0.04)

#: E(BP-RP) (mag) adopted for Gaia DR3 stars, whose reddening is unknown here (the metadata has
#: no sky position). Assumption of this project, not a published value: no correction (as Gaia
#: DR2 Apsis-Priam, Andrae et al. 2018, also ignored extinction) with 0.15 mag of uncertainty.
#: Reddening is >= 0, so derived Teff are biased cool and M_G faint where the star is reddened.
GAIA_DR3_E_BP_MINUS_RP = Estimate(0.0, 0.15)

#: Gaia DR2 Apsis-Priam teff_val uncertainty (K): Andrae et al. 2018, A&A 616, A8, abstract: the
#: rms difference to literature temperatures is 324 K (the cross-match csv has no
#: teff_percentile columns, so no per-star interval is available).
GAIA_DR2_TEFF_RMS = 324.0

#: Global Gaia EDR3/DR3 parallax zero point (mas), Lindegren et al. 2021, A&A 649, A4 (median
#: quasar parallax -17 microarcsec); a corrected parallax is parallax - (-0.017).
GAIA_EDR3_PARALLAX_ZERO_POINT = -0.017

#: Minimum parallax over error for a parallax-based absolute magnitude (a 20 % distance error).
MIN_PARALLAX_OVER_ERROR = 5.0

#: A_band / E(B-V) for R_V = 3.1: Schlegel, Finkbeiner & Davis 1998, ApJ 500, 525, Table 6
#: (Landolt V, I and SDSS ugriz). The SDSS values are also hard-coded in the SDSS pipeline code
#: (idlspec2d ``reddening()``); V = 3.315 appears in public copies of SFD's filter.txt.
SFD98_A_OVER_EBV: dict[str, float] = {
    "V": 3.315,
    "I": 1.940,
    "u": 5.155,
    "g": 3.793,
    "r": 2.751,
    "i": 2.086,
    "z": 1.479,
}

#: A_band / A_V for the Gaia DR2 passbands: Wang & Chen 2019, ApJ 877, 116, Table 3
#: (0.789 +- 0.005, 1.002 +- 0.007, 0.589 +- 0.004); A_G/E(BP-RP) = 0.789/0.413 = 1.91 agrees with
#: their quoted A_G = 1.890 E(BP-RP).
WANG_CHEN_2019_A_OVER_AV: dict[str, float] = {"G": 0.789, "BP": 1.002, "RP": 0.589}

#: Classes whose stars are giants or supergiants (use giant colour-Teff calibrations).
GIANT_CLASSES: frozenset[str] = frozenset({"ACEP", "CEP", "LPV", "RRLYR", "T2CEP"})


def _in_range(x: float, lo: float, hi: float) -> bool:
    """True when ``x`` is finite and within ``[lo, hi]``."""
    return math.isfinite(x) and lo <= x <= hi


def a_v_from_e_v_minus_i(e_v_minus_i: Estimate) -> Estimate:
    """V-band extinction from a colour excess E(V-I), for R_V = 3.1.

    A_V = E(V-I) * A_V / (A_V - A_I) with the SFD98 Table 6 Landolt coefficients
    (3.315 / (3.315 - 1.940) = 2.411). Cross-check: Cardelli, Clayton & Mathis 1989 (ApJ 345,
    245, eqs. 2-3) at the Cousins I effective wavelength (806 nm) gives A_I/A_V = 0.60 against
    SFD's 0.585 (see tests).

    Arguments:
        e_v_minus_i: colour excess E(V-I) and its error (mag).

    Returns:
        A_V and its error (mag).
    """
    ratio = SFD98_A_OVER_EBV["V"] / (SFD98_A_OVER_EBV["V"] - SFD98_A_OVER_EBV["I"])
    return Estimate(ratio * e_v_minus_i.value, ratio * e_v_minus_i.err)


def gaia_g_minus_v(v_minus_i: float) -> Estimate:
    """Gaia G - V from Johnson-Cousins V - I_C (EDR3/DR3 G passband).

    Riello et al. 2021, A&A 649, A3, Table C.2 (also Gaia DR3 documentation section 5.5.1):
    G - V = -0.01597 - 0.02809 x - 0.2483 x^2 + 0.03656 x^3 - 0.002939 x^4, x = V - I_C, valid
    -0.4 <= x <= 5.0 (their Table C.1). Coefficients cross-checked in PyGaia
    (``gbrminv_from_vminic``); the range in the A&A online Table C.1. The scatter 0.027 mag is
    quoted from memory of Table C.2 and could not be cross-checked.

    Why not Evans et al. 2018 (DR2) Table A2: the often quoted ``-0.01760 - 0.006860 x - 0.1732
    x^2`` is G - V as a function of G_BP - G_RP, not of V - I (checked in the NStars code that
    implements the DR2 table), and the DR2 V - I coefficients could not be verified. The DR2 and
    EDR3 G scales differ by ~0.01 mag, below every other uncertainty here.

    Arguments:
        v_minus_i: V - I_C colour (mag).

    Returns:
        G - V and the relation's scatter (mag); NaN outside -0.4..5.0.
    """
    if not _in_range(v_minus_i, -0.4, 5.0):
        return NAN_ESTIMATE
    coeffs = (-0.01597, -0.02809, -0.2483, 0.03656, -0.002939)
    return Estimate(float(np.polynomial.polynomial.polyval(v_minus_i, coeffs)), 0.027)


#: EROS-1 calibration fitted in this project (see :func:`eros1_to_johnson_cousins`).
_EROS1_V_MINUS_B = (0.1010, -0.3925, 0.295)
_EROS1_V_MINUS_I = (0.5039, 0.1680, 0.106)


def eros1_to_johnson_cousins(b_e: float, r_e: float) -> tuple[Estimate, Estimate]:
    """Johnson V and V - I_C from EROS-1 mean B_E, R_E magnitudes (LMC plates).

    Fitted in this project, not published. Tisserand et al. 2007 (A&A 469, 387) give, for the
    EROS-2 passbands, R_E = I_C and B_E = V_J - 0.4 (V_J - I_C); on the EROS-1 stars of
    ``eros1-lmc`` that transformation is off by +0.42 mag in V - I (median, robust scatter 0.44)
    against OGLE-III. Instead, 1806 EROS-1 eclipsing binaries, Cepheids and RR Lyrae matched to
    the OGLE-III catalogue (3 arcsec, periods agreeing to 2 %, -0.1 <= B_E - R_E <= 1.3) give the
    robust (Siegel) fits, c = B_E - R_E:

        V - B_E = 0.1010 - 0.3925 c   (robust scatter 0.295 mag)
        V - I_C = 0.5039 + 0.1680 c   (robust scatter 0.106 mag)

    The shallow colour slope means EROS-1 colours carry little information (photographic
    photometry in crowded fields): the derived colour is close to a sample mean, and its error
    says so. Miras (B_E - R_E > 1.8) are outside the range. Colours are observed (reddened).

    Arguments:
        b_e: EROS-1 mean blue magnitude.
        r_e: EROS-1 mean red magnitude.

    Returns:
        (V, V - I_C) estimates (mag); NaN outside the fitted colour range.
    """
    colour = b_e - r_e
    if not (math.isfinite(b_e) and _in_range(colour, -0.1, 1.3)):
        return NAN_ESTIMATE, NAN_ESTIMATE
    a_v, b_v, s_v = _EROS1_V_MINUS_B
    a_vi, b_vi, s_vi = _EROS1_V_MINUS_I
    return Estimate(b_e + a_v + b_v * colour, s_v), Estimate(a_vi + b_vi * colour, s_vi)


def sdss_to_johnson_cousins(g: float, r: float, i: float) -> tuple[Estimate, Estimate]:
    """Johnson V and V - I_C from SDSS g, r, i (stars).

    Lupton (2005), SDSS DR12 "Transformations between SDSS magnitudes and UBVRcIc":
    V = g - 0.5784 (g - r) - 0.0038 (sigma 0.0054); I = r - 1.2444 (r - i) - 0.3820 (sigma
    0.0078). Derived from Stetson standards; no colour range is published (applied here to RR
    Lyrae, -0.2 < g - r < 0.6). Linear, so it holds for dereddened magnitudes too.

    Arguments:
        g, r, i: SDSS magnitudes (mag).

    Returns:
        (V, V - I_C) estimates (mag).
    """
    v = g - 0.5784 * (g - r) - 0.0038
    i_c = r - 1.2444 * (r - i) - 0.3820
    return Estimate(v, 0.0054), Estimate(v - i_c, math.hypot(0.0054, 0.0078))


def teff_from_v_minus_i(v_minus_i_0: float, feh: float) -> Estimate:
    """Effective temperature from the dereddened (V - I_C)_0 colour.

    Casagrande et al. 2010, A&A 512, A54, Table 4 (IRFM): theta = 5040/Teff = a0 + a1 X + a2 X^2
    + a3 X [Fe/H] + a4 [Fe/H] + a5 [Fe/H]^2 with (0.4033, 0.8171, -0.1987, -0.0409, 0.0319,
    0.0012), valid 0.46 <= X <= 1.47 and -5.0 <= [Fe/H] <= 0.3, scatter 59 K. Coefficients
    cross-checked in StellarLab (stella/parameter/teff.py) and several public codes.

    Why this one: IRFM-based, metallicity-aware, covers the colours of Cepheids; V - I is only
    weakly gravity-sensitive, so a dwarf/subgiant calibration is acceptable for the supergiant
    Cepheids (on LMC Cepheids it is compared with Gaia DR2 teff_val in the tests).

    Arguments:
        v_minus_i_0: dereddened V - I_C (mag).
        feh: metallicity [Fe/H] (dex).

    Returns:
        Teff and the calibration scatter (K); NaN outside the validity range.
    """
    if not (_in_range(v_minus_i_0, 0.46, 1.47) and _in_range(feh, -5.0, 0.3)):
        return NAN_ESTIMATE
    x = v_minus_i_0
    theta = 0.4033 + 0.8171 * x - 0.1987 * x**2 - 0.0409 * x * feh + 0.0319 * feh + 0.0012 * feh**2
    return Estimate(5040.0 / theta, 59.0)


def teff_from_g_minus_r(g_minus_r_0: float) -> Estimate:
    """Effective temperature from the dereddened SDSS (g - r)_0 colour.

    Ivezic et al. 2008, ApJ 684, 287, eq. 3: log10(Teff/K) = 3.882 - 0.316 x + 0.0488 x^2 +
    0.0283 x^3, x = (g - r)_0, valid -0.3 < x < 1.3 (fit to SDSS spectroscopic temperatures of
    F/G stars). The coefficients are from the paper as recalled; no public copy could be found
    to cross-check them, so the tests compare them with Casagrande et al. 2010 through the Lupton
    transformation. The error 0.01 dex (~2.3 %) is an assumption of this project (no scatter is
    quoted with the equation).

    Arguments:
        g_minus_r_0: dereddened g - r (mag).

    Returns:
        Teff and its error (K); NaN outside the validity range.
    """
    if not _in_range(g_minus_r_0, -0.3, 1.3):
        return NAN_ESTIMATE
    x = g_minus_r_0
    teff = 10.0 ** (3.882 - 0.316 * x + 0.0488 * x**2 + 0.0283 * x**3)
    return Estimate(teff, teff * math.log(10.0) * 0.01)


#: Mucciarelli & Bellazzini colour-Teff coefficients for (G_BP - G_RP)_0: (b0..b5, lo, hi, rms).
_MUCCIARELLI = {
    "dwarf": ((0.4929, 0.5092, -0.0353, 0.0192, -0.0020, -0.0395), 0.39, 1.50, 61.0),
    "giant": ((0.5323, 0.4775, -0.0344, -0.0110, -0.0020, -0.0009), 0.33, 1.81, 83.0),
}


def teff_from_bp_minus_rp(bp_minus_rp_0: float, feh: float, *, giant: bool) -> Estimate:
    """Effective temperature from the dereddened Gaia (G_BP - G_RP)_0 colour.

    Mucciarelli & Bellazzini 2020, RNAAS 4, 52 / Mucciarelli, Bellazzini & Massari 2021, A&A 653,
    A90, Table 1 (IRFM, Gonzalez Hernandez & Bonifacio 2009 scale): theta = b0 + b1 C + b2 C^2 +
    b3 [Fe/H] + b4 [Fe/H]^2 + b5 [Fe/H] C. Dwarfs (0.4929, 0.5092, -0.0353, 0.0192, -0.0020,
    -0.0395), 0.39 <= C <= 1.50, 61 K; giants (0.5323, 0.4775, -0.0344, -0.0110, -0.0020,
    -0.0009), 0.33 <= C <= 1.81, 83 K. The same numbers appear in several independent public
    codes, attributed to one or the other paper; which of the two tables they come from could not
    be settled from the sources at hand.

    Arguments:
        bp_minus_rp_0: dereddened BP - RP (mag).
        feh: metallicity [Fe/H] (dex).
        giant: use the giant calibration (else dwarf).

    Returns:
        Teff and the calibration scatter (K); NaN outside the colour range.
    """
    coeffs, lo, hi, rms = _MUCCIARELLI["giant" if giant else "dwarf"]
    if not (_in_range(bp_minus_rp_0, lo, hi) and math.isfinite(feh)):
        return NAN_ESTIMATE
    b0, b1, b2, b3, b4, b5 = coeffs
    c = bp_minus_rp_0
    theta = b0 + b1 * c + b2 * c**2 + b3 * feh + b4 * feh**2 + b5 * feh * c
    return Estimate(5040.0 / theta, rms)


def rrlyrae_abs_v(feh: Estimate) -> Estimate:
    """RR Lyrae absolute V magnitude from metallicity.

    Chaboyer 1999, in "Post-Hipparcos Cosmic Candles" (ASSL 237, 111): M_V = (0.23 +- 0.04)
    ([Fe/H] + 1.6) + (0.56 +- 0.12), i.e. 0.23 [Fe/H] + 0.93. Calibrated on [Fe/H] of about -2.3
    to -0.5; the error adds the zero point, the slope and the [Fe/H] error in quadrature.

    Arguments:
        feh: metallicity [Fe/H] and its error (dex).

    Returns:
        M_V and its error (mag); NaN for [Fe/H] outside -2.5..0.0.
    """
    if not _in_range(feh.value, -2.5, 0.0):
        return NAN_ESTIMATE
    dfeh = feh.value + 1.6
    err = math.sqrt(0.12**2 + (0.04 * dfeh) ** 2 + (0.23 * feh.err) ** 2)
    return Estimate(0.23 * dfeh + 0.56, err)


#: Gaia EDR3 parallax uncertainty versus G (mag -> mas): Gaia Collaboration, Brown et al. 2021,
#: A&A 649, A1, abstract: 0.02-0.03 mas for G < 15, 0.07 at G = 17, 0.5 at G = 20, 1.3 at G = 21.
_EDR3_PLX_ERR_G = (15.0, 17.0, 20.0, 21.0)
_EDR3_PLX_ERR_MAS = (0.025, 0.07, 0.5, 1.3)


def gaia_edr3_parallax_error(g: float) -> float:
    """Typical Gaia (E)DR3 parallax uncertainty (mas) at magnitude G.

    Log-linear interpolation of the Brown et al. 2021 (A&A 649, A1) values (0.025 mas for
    G <= 15, 0.07 at 17, 0.5 at 20, 1.3 at 21). Within 25 % of the Gaia science-performance
    formula sqrt(40 + 800 z + 30 z^2) microarcsec, z = 10^(0.4 (max(G, 13) - 15)) (as in PyGaia).
    Used because the Gaia DR3 metadata here has no parallax_error column.

    Arguments:
        g: Gaia G magnitude.

    Returns:
        Parallax uncertainty (mas); NaN for G > 21 or non-finite G.
    """
    if not math.isfinite(g) or g > _EDR3_PLX_ERR_G[-1]:
        return math.nan
    return float(10.0 ** np.interp(g, _EDR3_PLX_ERR_G, np.log10(_EDR3_PLX_ERR_MAS)))


def abs_mag_from_parallax(g: float, parallax_mas: float) -> Estimate:
    """Absolute G magnitude (not corrected for extinction) from a Gaia (E)DR3 parallax.

    M_G = G + 5 log10(parallax / mas) - 10 after subtracting the global zero point
    (Lindegren et al. 2021: -0.017 mas). Only when the corrected parallax over its typical
    uncertainty (:func:`gaia_edr3_parallax_error`) is >= 5, where 1/parallax is an acceptable
    distance estimate (Bailer-Jones 2015; Luri et al. 2018, A&A 616, A9). Error: 5/ln10 *
    sigma/parallax.

    Arguments:
        g: Gaia G magnitude.
        parallax_mas: parallax (mas).

    Returns:
        M_G and its error (mag); NaN when the parallax is not significant.
    """
    sigma = gaia_edr3_parallax_error(g)
    plx = parallax_mas - GAIA_EDR3_PARALLAX_ZERO_POINT
    if not (math.isfinite(sigma) and math.isfinite(plx) and plx / sigma >= MIN_PARALLAX_OVER_ERROR):
        return NAN_ESTIMATE
    return Estimate(g + 5.0 * math.log10(plx) - 10.0, 5.0 / math.log(10.0) * sigma / plx)


def assumed_feh(vclass: str, host: str | None) -> Estimate:
    """Metallicity assumed for a star without a measurement ([Fe/H] in dex).

    - RR Lyrae, type II and anomalous Cepheids (old populations, halo or LMC): -1.5 +- 0.5, the
      typical halo value (e.g. Layden 1994; LMC RR Lyrae -1.48, Gratton et al. 2004).
    - Other LMC stars (young: classical Cepheids): -0.33 +- 0.13, the mean of LMC Cepheids
      (Romaniello et al. 2008, A&A 488, 731).
    - Other Galactic stars: 0.0 +- 0.3 (solar neighbourhood; assumption of this project).

    Arguments:
        vclass: one of the eight classes.
        host: ``"LMC"`` for LMC stars, else None.

    Returns:
        [Fe/H] and its assumed spread (dex).
    """
    if vclass in {"RRLYR", "T2CEP", "ACEP"}:
        return Estimate(-1.5, 0.5)
    if host == "LMC":
        return Estimate(-0.33, 0.13)
    return Estimate(0.0, 0.3)
