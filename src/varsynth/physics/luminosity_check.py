"""Empirical checks of the M_G(period) relations of :mod:`varsynth.physics.luminosity` on real data.

- T2CEP and ACEP against the OGLE-III LMC stars (``ogle3-catalog``: mean V, I and period): M_G =
  V - A_V + (G - V)(V - I)_0 - mu_LMC with the relations of :mod:`varsynth.physics.relations`
  (E(V-I) = 0.09, Riello et al. 2021, mu = 18.477), and against the Gaia DR2 G of the LMC stars
  in the cross-match (``gaia-dr2-ogle3-xmatch``; A_G = 0.789 A_V).
- ELL against the OGLE ellipsoidal variables of the cross-match with a Gaia DR2 parallax at
  least 5 times its error: M_G = G + 5 log10(parallax + 0.029 mas) - 10 (Lindegren et al. 2018
  zero point), without extinction (so an upper limit: too faint by A_G), and with Gaia DR2
  ``a_g_val`` where it exists.

Each check reports the number of stars, the median offset (data - relation, mag), the robust
sigma (1.4826 x median absolute deviation, mag) and the rms (mag). Run
``python -m varsynth.physics.luminosity_check ../shared/data`` to print them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from varsynth.physics import relations as rel
from varsynth.physics.luminosity import class_luminosity

__all__ = ["residual_stats", "lmc_ogle3_abs_g", "ogle3_lmc_check", "gaia_dr2_check", "run_checks"]

#: Gaia DR2 global parallax zero point (mas), Lindegren et al. 2018 (A&A 616, A2): -0.029.
GAIA_DR2_PARALLAX_ZERO_POINT = -0.029


def residual_stats(residuals: np.ndarray) -> dict[str, float]:
    """``n``, ``offset`` (median), ``robust_sigma`` (1.4826 MAD) and ``rms`` (mag) of residuals."""
    r = np.asarray(residuals, dtype=float)
    r = r[np.isfinite(r)]
    if r.size == 0:
        return {"n": 0, "offset": float("nan"), "robust_sigma": float("nan"), "rms": float("nan")}
    med = float(np.median(r))
    return {
        "n": int(r.size),
        "offset": med,
        "robust_sigma": float(1.4826 * np.median(np.abs(r - med))),
        "rms": float(r.std()),
    }


def lmc_ogle3_abs_g(v: np.ndarray, i: np.ndarray) -> np.ndarray:
    """M_G (mag) of LMC stars from their OGLE mean V and I: dereddened, G - V of Riello et al.
    2021 at (V - I)_0, minus the LMC distance modulus (NaN outside the colour range)."""
    e_vi = rel.LMC_E_V_MINUS_I.value
    a_v = rel.a_v_from_e_v_minus_i(rel.LMC_E_V_MINUS_I).value
    g_minus_v = np.array([rel.gaia_g_minus_v(c - e_vi).value for c in np.asarray(v) - np.asarray(i)])
    return np.asarray(v) - a_v + g_minus_v - rel.LMC_DISTANCE_MODULUS.value


def _relation_mean(vclass: str, subtype: str | None, periods: np.ndarray) -> np.ndarray:
    relation = class_luminosity(vclass, subtype)
    assert relation is not None
    return relation.mean(periods)


def ogle3_lmc_check(catalog: pd.DataFrame) -> dict[str, dict[str, float]]:
    """T2CEP and ACEP relations against the OGLE-III LMC stars of :func:`read_ogle3_catalog`."""
    lmc = catalog[catalog["ID"].astype(str).str.startswith("OGLE-LMC")]
    out = {}
    t2 = lmc[lmc["Type"] == "T2Cep"]
    t2_res = lmc_ogle3_abs_g(t2["V"], t2["I"]) - _relation_mean("T2CEP", None, t2["P_1"])
    short = (t2["P_1"] < 50).to_numpy()
    out["T2CEP P<50d"] = residual_stats(t2_res[short])
    out["T2CEP BLHer+WVir"] = residual_stats(t2_res[t2["Subtype"].isin(["BLHer", "WVir"]).to_numpy()])
    out["T2CEP RVTau"] = residual_stats(t2_res[(t2["Subtype"] == "RVTau").to_numpy()])
    ac = lmc[lmc["Type"] == "aCep"]
    for mode, code in (("F", "F"), ("1O", "1")):
        sel = ac[ac["Subtype"] == code]
        out[f"ACEP {mode}"] = residual_stats(
            lmc_ogle3_abs_g(sel["V"], sel["I"]) - _relation_mean("ACEP", mode, sel["P_1"])
        )
    return out


def gaia_dr2_check(xmatch: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The relations against Gaia DR2 G of the cross-match (indexed by OGLE ID)."""
    ids = pd.Series(xmatch.index.astype(str), index=xmatch.index)
    a_g = rel.WANG_CHEN_2019_A_OVER_AV["G"] * rel.a_v_from_e_v_minus_i(rel.LMC_E_V_MINUS_I).value
    lmc = xmatch[ids.str.startswith("OGLE-LMC")]
    m_g = lmc["phot_g_mean_mag"] - a_g - rel.LMC_DISTANCE_MODULUS.value
    out = {}
    t2 = (lmc["Type"] == "T2CEP") & (lmc["Period"] < 50)
    out["T2CEP P<50d (Gaia DR2 G)"] = residual_stats(m_g[t2] - _relation_mean("T2CEP", None, lmc.loc[t2, "Period"]))
    for mode in ("F", "1O"):
        sel = (lmc["Type"] == "ACEP") & (lmc["subType"] == mode)
        out[f"ACEP {mode} (Gaia DR2 G)"] = residual_stats(
            m_g[sel] - _relation_mean("ACEP", mode, lmc.loc[sel, "Period"])
        )
    ell = xmatch[(xmatch["Type"] == "ELL") & (xmatch["parallax"] >= 5 * xmatch["parallax_error"])]
    plx = ell["parallax"] - GAIA_DR2_PARALLAX_ZERO_POINT
    m_g_ell = ell["phot_g_mean_mag"] + 5 * np.log10(plx) - 10
    res = m_g_ell - _relation_mean("ELL", None, ell["Period"])
    out["ELL parallax/err>=5, no extinction"] = residual_stats(res)
    out["ELL parallax/err>=5, minus a_g_val"] = residual_stats(res - ell["a_g_val"])
    out["ELL parallax/err>=5, no extinction"]["median_period_days"] = (
        float(np.median(ell["Period"])) if len(ell) else float("nan")
    )
    return out


def run_checks(shared_data: str | Path) -> dict[str, dict[str, float]]:
    """Every check on the real data in ``shared_data`` (the ``../shared/data`` folder)."""
    from varsynth.surveys.gaia_dr2 import read_gaia_dr2_xmatch
    from varsynth.surveys.ogle import read_ogle3_catalog
    from varsynth.surveys.skips import SkipLog

    root = Path(shared_data)
    catalog = read_ogle3_catalog(root / "ogle3-catalog" / "ogle3_catalog.txt.bz2")
    xmatch = read_gaia_dr2_xmatch(root / "gaia-dr2-ogle3-xmatch", skips=SkipLog())
    return {**ogle3_lmc_check(catalog), **gaia_dr2_check(xmatch)}


if __name__ == "__main__":  # pragma: no cover - a reporting command
    print(json.dumps(run_checks(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"), indent=1))
