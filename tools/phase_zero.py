"""Where phase 0 falls: the distance (cycles) of each light curve's extremum from phase 0, per class.

For every real (not augmented) light curve of a dataset split, its own weighted Fourier series
(order up to 8, at least 5 points per coefficient pair as in
:func:`varsynth.data.preprocess.epoch_of_reference`; light curves too sparse for order 2 are
skipped) is searched on 2,000 phases for maximum light (primary minimum, the faintest point, for
ECL and ELL), and its phase is wrapped to [-0.5, 0.5). Printed: per class, the number of light
curves and the median, 75th and 90th percentiles of the absolute distance. docs/data.md
(preprocessing, step 4) quotes runs of::

    python tools/phase_zero.py --data datasets/default
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from varsynth.data.preprocess import EPOCH_POINTS_PER_ORDER
from varsynth.lightcurve.folding import fourier_design

#: Highest order of the fit.
ORDER = 8
#: Phases searched for the extremum.
GRID = np.arange(2000) / 2000
#: Classes whose phase 0 is the primary minimum.
ECLIPSING = ("ECL", "ELL")


def extremum_offset(phase: np.ndarray, mag: np.ndarray, err: np.ndarray, faintest: bool) -> float:
    """Phase (cycles, in [-0.5, 0.5)) of the fit's brightest (``faintest``: faintest) point; NaN
    when the light curve is too sparse for an order-2 fit."""
    order = min(ORDER, (phase.size - 1) // EPOCH_POINTS_PER_ORDER)
    if order < 2:
        return float("nan")
    w = 1.0 / np.maximum(err, 1e-3)
    coef, *_ = np.linalg.lstsq(fourier_design(phase, order) * w[:, None], mag * w, rcond=None)
    series = fourier_design(GRID, order) @ coef
    at = GRID[np.argmax(series) if faintest else np.argmin(series)]
    return float((at + 0.5) % 1 - 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset folder (varsynth data build)")
    parser.add_argument("--split", default="train", choices=("train", "val", "test"))
    args = parser.parse_args()
    table = pq.read_table(
        Path(args.data) / f"{args.split}.parquet", columns=["vclass", "augmented", "phase", "mag", "mag_err"]
    ).to_pandas()
    table = table[~table["augmented"]]
    offsets = [
        extremum_offset(
            np.asarray(ph, np.float64), np.asarray(m, np.float64), np.asarray(e, np.float64), c in ECLIPSING
        )
        for ph, m, e, c in zip(table["phase"], table["mag"], table["mag_err"], table["vclass"])
    ]
    d = pd.DataFrame({"class": table["vclass"].to_numpy(), "offset": np.abs(offsets)}).dropna()
    summary = d.groupby("class")["offset"].agg(
        n="size",
        median="median",
        p75=lambda x: x.quantile(0.75),
        p90=lambda x: x.quantile(0.9),
    )
    print(f"{args.data} ({args.split}): |phase of the order-{ORDER} fit's extremum| (cycles)")
    print(summary.round(4).to_string())


if __name__ == "__main__":
    main()
