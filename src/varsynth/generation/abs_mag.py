"""Absolute G magnitudes at generation for classes whose M_G comes from a period relation.

The catalog of training physics (:class:`~varsynth.latent.catalog.PhysicsCatalog`) holds M_G
only where the training data had one. For T2CEP, ACEP and ELL the training stars of the
embedded model have none (CRTS and Catalina: no distance), and in datasets built since
:mod:`varsynth.physics.luminosity` exists their M_G is the relation's mean at each star's period,
without the scatter. Either way the generator draws M_G (mag) from the class's relation at each
star's drawn period: mean plus Gaussian scatter. Classes whose catalog holds measured M_G (any
value off the relation) keep the catalog's joint draw; the relation only fills stars left NaN.
"""

from __future__ import annotations

import numpy as np

from varsynth.latent.catalog import PHYS_NAMES, PhysicsCatalog
from varsynth.physics.luminosity import class_luminosity

__all__ = ["ABS_MAG", "fill_abs_mag"]

#: Column of M_G in the catalog's physics vectors.
ABS_MAG = PHYS_NAMES.index("abs_mag")
_PERIOD = PHYS_NAMES.index("log10_period")
#: Largest difference (mag) between a catalog M_G and the relation's mean for it to count as
#: derived from the relation (values round-trip through float64 Parquet exactly).
_ON_RELATION = 1e-6


def fill_abs_mag(
    catalog: PhysicsCatalog,
    vclass: str,
    subtype: str | None,
    phys: np.ndarray,
    abs_mag_given: bool,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw M_G from the class's period relation where the catalog cannot supply a real one.

    Arguments:
        catalog: the model's training physics.
        vclass, subtype: the requested class and subtype.
        phys: (n, 3) drawn physics (log10 Teff [K], M_G [mag], log10 period [days]); not modified.
        abs_mag_given: the user gave M_G: nothing is drawn.
        rng: random generator (used only for classes with a relation).

    Returns:
        The physics with M_G filled, and a boolean (n,) mask of the stars whose filled M_G the
        model must not be conditioned on, because none of the class's training stars had M_G
        (the embedded model was trained with M_G masked for these classes).
    """
    out = np.array(phys, dtype=float, copy=True)
    unconditioned = np.zeros(len(out), dtype=bool)
    relation = class_luminosity(vclass, subtype)
    if relation is None or abs_mag_given:
        return out, unconditioned
    known = catalog.phys[catalog.rows(vclass, subtype)]
    has_mag = np.isfinite(known[:, ABS_MAG])
    residual = known[has_mag, ABS_MAG] - relation.mean(10.0 ** known[has_mag, _PERIOD])
    from_relation = bool(np.all(np.abs(residual) < _ON_RELATION))
    target = np.ones(len(out), bool) if from_relation else ~np.isfinite(out[:, ABS_MAG])
    if not target.any():
        return out, unconditioned
    drawn = relation.draw(10.0 ** out[target, _PERIOD], rng)
    filled = np.flatnonzero(target)[np.isfinite(drawn)]
    out[filled, ABS_MAG] = drawn[np.isfinite(drawn)]
    if not has_mag.any():
        unconditioned[filled] = True
    return out, unconditioned
