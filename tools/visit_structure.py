"""How much of the scatter of held-out light curves the points of one visit share: real against twins.

For every held-out light curve of a dataset that records each point's time, and for each model's
generated twin of it (the report's twins), the visit fraction: the share of the residual variance
around its own order-8 Fourier fit common to the points of a visit
(:func:`varsynth.evaluation.visits.visit_structure`, which the report's classifier section runs
for one model). Printed: the medians per survey and class, real and per model, for the surveys
with several points a visit. docs/training.md, "Noise shared within a visit", quotes a run of::

    python tools/visit_structure.py --data datasets/default --model default --model <previous bundle>
"""

from __future__ import annotations

import argparse

from varsynth.evaluation.curves import real_curves, twin_curves
from varsynth.evaluation.visits import visit_structure
from varsynth.generation.model import load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset folder (varsynth data build, with times)")
    parser.add_argument("--model", action="append", required=True, help="model bundle or run folder (repeatable)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the twins")
    args = parser.parse_args()
    real = real_curves(args.data, "test")
    if "time" not in real.columns:
        parser.error(f"{args.data} records no times: rebuild it with this version of varsynth data build")
    for name in args.model:
        result = visit_structure(real, twin_curves(load_model(name), real, seed=args.seed))
        if result is None:
            parser.error("no survey of the held-out light curves has several points a visit")
        table, summary = result
        print(
            f"model {name}: all {summary['light_curves']} light curves of {', '.join(summary['surveys'])}: "
            f"real {summary['real']:.2f}, generated {summary['generated']:.2f}"
        )
        print(table.round(2).to_string(index=False))


if __name__ == "__main__":
    main()
