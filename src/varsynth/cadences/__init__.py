"""Survey cadences with photometric error models, by name.

``get_cadence("lsst-wfd").draw(rng)`` gives the epochs (MJD, band, 5-sigma depth) of one star
observed by an LSST-like survey; ``cadence.errors(mag, epochs)`` the 1-sigma errors of its true
magnitudes. Every cadence documents its numbers and their sources in its module:

========== ======================= ===================================================
name       module                  what
========== ======================= ===================================================
ogle3      :mod:`.ogle`            OGLE-III LMC, I and V, 2001-2009 (measured on OGLE-III)
lsst-wfd   :mod:`.lsst`            LSST Wide-Fast-Deep-like, ugrizy, 10 years
ztf        :mod:`.ztf`             ZTF-like, g and r (i optional), 3 years
gaia       :mod:`.gaia`            Gaia DR3-like scanning law, G, 34 months (measured on DR3)
uniform    :mod:`.simple`          evenly spaced, one band
random     :mod:`.simple`          uniformly random, one band
file       :mod:`.files`           a user's CSV or ECSV table of epochs
opsim      :mod:`.opsim`           an LSST OpSim SQLite database
========== ======================= ===================================================
"""

from __future__ import annotations

import inspect
from typing import Any

from varsynth.cadences.base import Cadence, Epochs
from varsynth.cadences.errors import M5ErrorModel, m5_sigma
from varsynth.cadences.files import FileCadence
from varsynth.cadences.gaia import GaiaCadence
from varsynth.cadences.lsst import LSSTWFDCadence
from varsynth.cadences.ogle import OGLE3Cadence
from varsynth.cadences.opsim import OpSimCadence
from varsynth.cadences.simple import RandomCadence, UniformCadence
from varsynth.cadences.ztf import ZTFCadence
from varsynth.strictconfig import ConfigError

__all__ = ["CADENCES", "Cadence", "Epochs", "M5ErrorModel", "as_cadence", "cadence_options", "get_cadence", "m5_sigma"]

_REGISTRY: dict[str, type[Cadence]] = {
    "ogle3": OGLE3Cadence,
    "lsst-wfd": LSSTWFDCadence,
    "ztf": ZTFCadence,
    "gaia": GaiaCadence,
    "uniform": UniformCadence,
    "random": RandomCadence,
    "file": FileCadence,
    "opsim": OpSimCadence,
}

#: Names of the cadences :func:`get_cadence` knows.
CADENCES: tuple[str, ...] = tuple(_REGISTRY)


def cadence_options(name: str) -> dict[str, Any]:
    """Options of cadence ``name`` with their defaults (``inspect.Parameter.empty`` when required)."""
    _check_name(name)
    params = inspect.signature(_REGISTRY[name]).parameters
    return {p.name: p.default for p in params.values()}


def _check_name(name: str) -> None:
    if name not in _REGISTRY:
        raise ValueError(f"unknown cadence {name!r}; valid: {list(CADENCES)}")


def get_cadence(name: str, **options: Any) -> Cadence:
    """The cadence called ``name`` built with ``options``.

    >>> import numpy as np
    >>> from varsynth.cadences import get_cadence
    >>> cadence = get_cadence("uniform", n_epochs=5, baseline=10.0)
    >>> cadence
    <UniformCadence 'uniform': survey 'ogle3', bands ('I',)>
    >>> epochs = cadence.draw(np.random.default_rng(0))
    >>> epochs.time.tolist(), epochs.band.tolist()  # MJD, band names
    ([60000.0, 60002.5, 60005.0, 60007.5, 60010.0], ['I', 'I', 'I', 'I', 'I'])
    >>> get_cadence("ztf").bands, get_cadence("ztf").survey
    (('g', 'r'), 'ztf')
    >>> get_cadence("uniform", cadence=3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cadence 'uniform': unknown option(s) ['cadence']; valid options: [...]

    Raises:
        ValueError: unknown name (the message lists the valid ones), unknown or missing option
            (the message lists the valid options), or an option value out of range.
        FileNotFoundError: the file of a ``file`` or ``opsim`` cadence does not exist.
    """
    valid = cadence_options(name)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(f"cadence {name!r}: unknown option(s) {unknown}; valid options: {sorted(valid) or 'none'}")
    missing = [k for k, v in valid.items() if v is inspect.Parameter.empty and k not in options]
    if missing:
        raise ValueError(f"cadence {name!r}: option(s) {missing} required; valid options: {sorted(valid)}")
    return _REGISTRY[name](**options)


def as_cadence(cadence: str | Cadence, options: dict[str, Any] | None = None) -> Cadence:
    """A cadence given by name (built with ``options``) or as an instance (``options`` refused).

    >>> from varsynth.cadences import as_cadence, get_cadence
    >>> as_cadence("random", {"n_epochs": 30, "band": "V"})
    <RandomCadence 'random': survey 'ogle3', bands ('V',)>
    >>> gaia = get_cadence("gaia")
    >>> as_cadence(gaia) is gaia
    True
    """
    if isinstance(cadence, str):
        return get_cadence(cadence, **(options or {}))
    if options:
        raise ConfigError("cadence options are only for a cadence given by name")
    return cadence
