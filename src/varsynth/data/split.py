"""Split stars (never light curves or augmented copies) into train / validation / test.

The split is by object and stratified by class: every star of one class is shuffled with the
dataset seed and cut at the configured fractions, so the class mix is the same in each split and
all bands and augmented copies of one star share its split.
"""

from __future__ import annotations

from collections import defaultdict
import zlib
from collections.abc import Iterable

import numpy as np

__all__ = ["SPLITS", "split_stars"]

SPLITS: tuple[str, ...] = ("train", "val", "test")


def split_stars(
    stars: Iterable[tuple[str, str]], fractions: tuple[float, float, float], seed: int
) -> dict[str, str]:
    """Assign every star to a split, stratified by class.

    Arguments:
        stars: ``(star_key, class)`` pairs; a key repeated (several bands) counts once.
        fractions: train, validation and test fractions, summing to 1.
        seed: seed of the shuffle; the result does not depend on the input order.

    Returns:
        ``{star_key: "train" | "val" | "test"}``. Per class the counts are the rounded fractions;
        a class with a single star goes to train, with two stars to train and test.
    """
    by_class: dict[str, set[str]] = defaultdict(set)
    for key, vclass in stars:
        by_class[vclass].add(key)
    out: dict[str, str] = {}
    for vclass in sorted(by_class):
        keys = sorted(by_class[vclass])
        rng = np.random.default_rng([seed, zlib.crc32(vclass.encode())])
        order = [keys[j] for j in rng.permutation(len(keys))]
        n = len(order)
        n_test = int(round(fractions[2] * n)) if n > 1 else 0
        n_val = int(round(fractions[1] * n)) if n > 2 else 0
        n_test = max(n_test, 1) if n > 1 else 0
        for k, key in enumerate(order):
            out[key] = "test" if k < n_test else "val" if k < n_test + n_val else "train"
    return out
