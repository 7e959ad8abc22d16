"""Split physical stars (never light curves or augmented copies) into train / validation / test.

The split is by object and stratified by class: the objects of one class (a physical star, see
:mod:`varsynth.data.crossmatch`, with every survey's light curves of it) are shuffled with the
dataset seed and cut where the class's star counts reach the configured fractions, so the class
mix is the same in each split, and all bands, all surveys and all augmented copies of one
physical star share its split.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

import numpy as np

__all__ = ["SPLITS", "split_stars"]

SPLITS: tuple[str, ...] = ("train", "val", "test")


def _object_classes(
    class_of: Mapping[str, str], object_of: Mapping[str, str] | None
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Member stars of every object, and each object's class: its stars' most common class
    (ties: the alphabetically first)."""
    members: dict[str, list[str]] = defaultdict(list)
    for key in sorted(class_of):
        members[object_of.get(key, key) if object_of else key].append(key)
    vclass = {}
    for obj, keys in members.items():
        votes = Counter(class_of[k] for k in keys)
        vclass[obj] = min(votes, key=lambda c: (-votes[c], c))
    return members, vclass


def split_stars(
    stars: Iterable[tuple[str, str]],
    fractions: tuple[float, float, float],
    seed: int,
    *,
    object_of: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Assign every star to a split, stratified by class, keeping each physical object together.

    Arguments:
        stars: ``(star_key, class)`` pairs; a key repeated (several bands) counts once.
        fractions: train, validation and test fractions, summing to 1.
        seed: seed of the shuffle; the result does not depend on the input order.
        object_of: ``{star_key: object_id}`` (:func:`varsynth.data.crossmatch.identify_objects`);
            stars of one object share a split. ``None`` or a missing key: the star is its own
            object.

    Returns:
        ``{star_key: "train" | "val" | "test"}``. Per class the star counts are the rounded
        fractions, reached object by object (an object of several stars may overshoot by its
        size); a class with a single object goes to train, with two objects to train and test.
        With every star its own object this is the split by star of earlier versions.
    """
    class_of = {key: vclass for key, vclass in stars}
    members, object_class = _object_classes(class_of, object_of)
    by_class: dict[str, list[str]] = defaultdict(list)
    for obj in sorted(members):
        by_class[object_class[obj]].append(obj)
    out: dict[str, str] = {}
    for vclass in sorted(by_class):
        objects = by_class[vclass]
        rng = np.random.default_rng([seed, zlib.crc32(vclass.encode())])
        order = [objects[j] for j in rng.permutation(len(objects))]
        n_obj, n = len(order), sum(len(members[o]) for o in order)
        n_test = max(int(round(fractions[2] * n)), 1) if n_obj > 1 else 0
        n_val = int(round(fractions[1] * n)) if n_obj > 2 else 0
        filled = {"test": 0, "val": 0}
        for k, obj in enumerate(order):
            last = k == n_obj - 1  # the last object always trains
            split = (
                "test"
                if not last and filled["test"] < n_test
                else "val"
                if not last and filled["val"] < n_val
                else "train"
            )
            if split != "train":
                filled[split] += len(members[obj])
            for key in members[obj]:
                out[key] = split
    return out
