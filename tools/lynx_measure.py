"""Measure the LightCurveLynx simulation of tests/test_lynx.py (the numbers of docs/lynx.md).

Runs LightCurveLynx's ``simulate_lightcurves`` of the test's varsynth RR Lyrae ab on its synthetic
OpSim database and prints the CPU time, the fraction of Lomb-Scargle periods within 0.1%, the
noise pulls and the mean-magnitude differences against varsynth, with their spread::

    PYTHONPATH=src:tests python tools/lynx_measure.py [--stars 200] [--seed 7]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import test_lynx as T
from astropy.timeseries import LombScargle
from lightcurvelynx.astro_utils.mag_flux import flux2mag
from lightcurvelynx.obstable.opsim import OpSim
from lightcurvelynx.simulate import simulate_lightcurves
from lightcurvelynx.survey_info import SurveyInfo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stars", type=int, default=T.N_STARS)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    model = T.load_model("default")
    with tempfile.TemporaryDirectory() as tmp:
        survey = SurveyInfo(OpSim.from_db(T.write_opsim(Path(tmp) / "baseline_test.db")), passbands=T.lsst_passbands())
        star = T.rr_lyrae(model)
        cpu, wall = time.process_time(), time.perf_counter()
        result = simulate_lightcurves(
            star, args.stars, survey, rng=np.random.default_rng(args.seed), progress_bar=False
        )
        print(
            f"simulate_lightcurves: {time.process_time() - cpu:.1f} s CPU, {time.perf_counter() - wall:.1f} s wall, "
            f"median {np.median(result['nobs']):.0f} visits per star"
        )
    period, teff, abs_mag, t0 = (T._param(result, star, n) for n in ("period", "teff", "abs_mag", "t0"))
    shortest, longest = (10**v for v in model.catalog.ranges("RRLYR", "RRab")["log10_period"])
    mu = T.distance_modulus(T.DISTANCE_PC)
    found, pulls, rel, fourier, plain = [], [], [], [], []
    for k, (_, row) in enumerate(result.iterrows()):
        lc = row["lightcurve"]
        flux, band, t = lc["flux"].to_numpy(), lc["filter"].to_numpy(), lc["mjd"].to_numpy()
        perfect = lc["flux_perfect"].to_numpy()
        pulls.append((flux - perfect) / lc["fluxerr"].to_numpy())
        rel.append(lc["fluxerr"].to_numpy() / perfect)
        relative = flux / np.array([np.median(flux[band == b]) for b in band])
        f, p = LombScargle(t, relative).autopower(
            minimum_frequency=1 / longest, maximum_frequency=1 / shortest, samples_per_peak=5, method="fast"
        )
        found.append(1 / f[np.argmax(p)])
        for b in "ugriz":
            sel = band == b
            mag = flux2mag(flux[sel])
            phase = 2 * np.pi * ((t[sel] - t0[k]) / period[k] % 1.0)
            harmonics = [g(h * phase) for h in range(1, 5) for g in (np.cos, np.sin)]
            design = np.column_stack([np.ones(sel.sum()), *harmonics])
            expected = T.mean_magnitude(
                "lsst", b, np.array([abs_mag[k] + mu]), np.array([teff[k]]), np.zeros(1), np.zeros(1)
            )[0]
            fourier.append(np.linalg.lstsq(design, mag, rcond=None)[0][0] - expected)
            plain.append(mag.mean() - expected)
    ok = np.abs(np.array(found) / period - 1) < 1e-3
    pulls_all, d = np.concatenate(pulls), np.abs(fourier)
    print(f"periods {period.min():.3f}-{period.max():.3f} days: {ok.sum()} of {ok.size} found within 0.1%")
    print(
        f"pulls over {pulls_all.size} visits: mean {pulls_all.mean():.4f}, std {pulls_all.std():.4f}; "
        f"median relative flux error {np.median(np.concatenate(rel)):.4f}"
    )
    print(
        f"Fourier mean magnitude - varsynth's over {d.size} star-bands: median |diff| {np.median(d):.4f}, "
        f"95th percentile {np.quantile(d, 0.95):.4f}, largest {d.max():.4f} mag; "
        f"plain average of magnitudes: median |diff| {np.median(np.abs(plain)):.4f} mag"
    )


if __name__ == "__main__":
    main()
