"""How to generate: a checked request with its cadence and run settings (:class:`GenerationConfig`).

A run is described once, by one :class:`GenerationConfig`, and that object is passed down: the
public entry points (:func:`~varsynth.generation.engine.iter_generate`, the file writers of
:mod:`.output`, the Dask workers of :mod:`.distributed`, LCLIB export, the service of
:mod:`varsynth.server` and the LightCurveLynx model) build it from their arguments, and the
engine (:func:`~varsynth.generation.engine.generate_chunks`) and its stages read what they need
from it. The cadence is built from its name here, once per run.

Every check that does not need the model is made when the object is made (:meth:`__post_init__`),
so a bad setting is refused before the model and its libraries (torch) load; this module imports
neither. The checks against the model (the class's training ranges, the trained wavelengths, a
brightness the class can have) are :func:`~varsynth.generation.engine.check_config`'s, made by
the engine before it draws anything.
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass
from typing import Any

from varsynth.cadences import Cadence, as_cadence
from varsynth.config import ConfigError
from varsynth.generation.request import StarRequest

__all__ = ["GenerationConfig"]


@dataclass(frozen=True)
class GenerationConfig:
    """One generation run: what to draw (the request, the count), how it is observed (the cadence,
    bands), the seed, the chunking and the flags; checked when made.

    Make one from a cadence name with :meth:`build`, or from a built :class:`Cadence`; run it with
    :func:`~varsynth.generation.engine.generate_chunks`. Frozen: :func:`dataclasses.replace` makes
    a changed copy, checked again.

    >>> from varsynth.generation import GenerationConfig, StarRequest
    >>> config = GenerationConfig.build(StarRequest("RRLYR", period=0.55), n=3, cadence="ztf", seed=7)
    >>> config.cadence.name, config.cadence.bands, config.prefix
    ('ztf', ('g', 'r'), 'RRLYR-7-')
    >>> GenerationConfig.build(StarRequest("RRLYR"), n=0)
    Traceback (most recent call last):
    ...
    varsynth.strictconfig.ConfigError: n (the number of stars) must be >= 1, got 0

    Attributes:
        request: the class and physics (:class:`~varsynth.generation.request.StarRequest`).
        cadence: the built cadence (its epochs, bands and error model).
        n: number of stars (each gives one light curve per band), >= 1.
        seed: seed of every random draw, >= 0; the same seed and chunk size give identical output.
        bands: keep only these bands of the cadence (``None``: all; each must be one the cadence
            observes).
        chunk_size: most stars drawn together, >= 1 (fewer when their epochs pass
            :data:`~varsynth.generation.engine.CHUNK_EPOCHS`).
        allow_extrapolation: generate physics or bands outside the training range, flagged in
            the ``extrapolated`` column, instead of refusing them.
        noise: add noise of the reported errors (``False``: noiseless model curves).
        id_prefix: light-curve id prefix (``None``: ``<class>-<seed>-``, see :attr:`prefix`).
        progress: show a progress bar over stars.
        fallback_mean_mag: for stars without an absolute magnitude and no ``abs_mag`` /
            ``mean_mag`` requested, draw the apparent mean G uniformly in this (low, high) range
            (mag) instead of refusing (``None``: refuse).

    Raises:
        ConfigError: a setting out of range (named, with its valid range), or bands the cadence
            does not observe.
    """

    request: StarRequest
    cadence: Cadence
    _: KW_ONLY
    n: int = 1
    seed: int = 0
    bands: tuple[str, ...] | None = None
    chunk_size: int = 1000
    allow_extrapolation: bool = False
    noise: bool = True
    id_prefix: str | None = None
    progress: bool = False
    fallback_mean_mag: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.request, StarRequest):
            raise ConfigError(f"request must be a StarRequest, got {type(self.request).__name__}")
        if not isinstance(self.cadence, Cadence):
            raise ConfigError(
                f"cadence must be a built Cadence (GenerationConfig.build takes a name), got {self.cadence!r}"
            )
        if self.n < 1:
            raise ConfigError(f"n (the number of stars) must be >= 1, got {self.n}")
        if self.seed < 0:
            raise ConfigError(f"seed must be >= 0, got {self.seed}")
        fallback = self.fallback_mean_mag
        if fallback is not None and not (all(math.isfinite(v) for v in fallback) and fallback[0] <= fallback[1]):
            raise ConfigError(f"fallback_mean_mag must be a finite (low, high) range of magnitudes, got {fallback!r}")
        if self.chunk_size < 1:
            raise ConfigError(f"chunk_size must be >= 1, got {self.chunk_size}")
        if self.bands is not None:
            if isinstance(self.bands, str):
                raise ConfigError(f"bands must be a sequence of band names, e.g. ({self.bands!r},), got {self.bands!r}")
            object.__setattr__(self, "bands", tuple(self.bands))
            unknown = sorted(set(self.bands) - set(self.cadence.bands))
            if unknown:
                raise ConfigError(
                    f"bands {unknown} are not observed by cadence {self.cadence.name!r}; "
                    f"valid: {list(self.cadence.bands)}"
                )

    @classmethod
    def build(
        cls,
        request: StarRequest,
        *,
        cadence: str | Cadence = "ogle3",
        cadence_options: dict[str, Any] | None = None,
        **settings: Any,
    ) -> GenerationConfig:
        """The config of ``request`` observed by ``cadence``: a name of
        :data:`varsynth.cadences.CADENCES` built with ``cadence_options`` (e.g.
        ``{"n_epochs": 300}``), or a :class:`Cadence` (then no options). Other keywords are the
        attributes (``n``, ``seed``, ``bands``, ...).

        Raises:
            ConfigError: see the class; an unknown cadence name or option (``ValueError``).
        """
        return cls(request, as_cadence(cadence, cadence_options), **settings)

    @property
    def prefix(self) -> str:
        """The light-curve id prefix: :attr:`id_prefix`, or ``<class>-<seed>-`` when it is ``None``."""
        return self.id_prefix if self.id_prefix is not None else f"{self.request.vclass}-{self.seed}-"
