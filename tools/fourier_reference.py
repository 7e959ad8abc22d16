"""Write the explorer's reference Fourier parameters of real stars (``varsynth serve``).

Reads the OGLE-III Catalog of Variable Stars (``../shared/data/ogle3-catalog``) and keeps, per
class, at most ``--per-class`` stars (a seeded random subset) with their log10 period (days),
I-band peak-to-peak amplitude A_1 (mag), R21 and phi21 (radians), rounded to 3 decimals, as
``src/varsynth/server/reference.json`` (the Bailey diagram and Hertzsprung progression the
explorer draws the generated stars on). Run once after the catalog changes::

    python tools/fourier_reference.py --catalog ../shared/data/ogle3-catalog/ogle3_catalog.txt.bz2
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from varsynth.surveys.ogle import read_ogle3_catalog

OUT = Path(__file__).resolve().parents[1] / "src" / "varsynth" / "server" / "reference.json"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--catalog", type=Path, default=Path("../shared/data/ogle3-catalog/ogle3_catalog.txt.bz2"))
    p.add_argument("--per-class", type=int, default=1500)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()
    cat = read_ogle3_catalog(args.catalog)
    rng = np.random.default_rng(0)
    out: dict[str, object] = {
        "source": "OGLE-III Catalog of Variable Stars (Soszynski et al. 2008-2009), LMC; "
        "I-band Fourier parameters of the first period",
        "columns": ["log10_period", "amplitude", "R21", "phi21"],
        "classes": {},
    }
    for vclass, rows in cat.groupby("vclass"):
        values = rows[["P_1", "A_1", "R21_1", "phi21_1"]].to_numpy(dtype=float)
        values = values[np.isfinite(values).all(axis=1) & (values[:, 0] > 0)]
        if len(values) < 20:
            continue
        values = values[rng.permutation(len(values))[: args.per_class]]
        values[:, 0] = np.log10(values[:, 0])
        out["classes"][str(vclass)] = np.round(values, 3).tolist()  # type: ignore[index]
        print(vclass, len(values))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"{args.out}: {args.out.stat().st_size / 1024:.0f} kB")


if __name__ == "__main__":
    main()
