"""Write generated light curves to files: one class, or a balanced labelled training set.

Chunks from :func:`~varsynth.generation.engine.iter_generate` stream straight into a
:class:`~varsynth.generation.writers.LightCurveWriter`, so memory stays bounded by the chunk
size however many light curves are written; the file appears only when complete (atomic).
A NaN or infinite time, magnitude or error stops the run with an error naming the light curve
(:func:`~varsynth.generation.writers.check_finite`) instead of being written.
The optional plot draws the first light curves of the first chunk. Everything that can be
checked before the work is, before the model loads (:func:`~varsynth.generation.checks.check_run`):
output and plot paths, format, star count and free disk space. This module imports the model's
libraries (torch) and matplotlib only once those checks have passed, so a refused run is fast.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from varsynth import __version__
from varsynth.cadences import Cadence, as_cadence
from varsynth.config import ConfigError
from varsynth.generation.checks import check_run
from varsynth.generation.config import GenerationConfig
from varsynth.generation.request import StarRequest
from varsynth.generation.writers import FINITE_COLUMNS, LightCurveWriter
from varsynth.taxonomy import CLASSES

if TYPE_CHECKING:
    from varsynth.generation.model import GenerativeModel

__all__ = ["GenerationReport", "write_lightcurves", "write_training_set"]


def load_model(model: str | os.PathLike[str]) -> GenerativeModel:
    """:func:`~varsynth.generation.model.load_model`, importing it (and torch) only when called."""
    from varsynth.generation.model import load_model as load

    return load(model if isinstance(model, str) else Path(model))


def _loaded(model: str | os.PathLike[str] | GenerativeModel) -> GenerativeModel:
    return load_model(model) if isinstance(model, (str, os.PathLike)) else model


class GenerationReport(dict):
    """What was written: ``path``, ``stars`` (ids; one light curve per band each), ``rows``, ``plot``."""


def _write(
    path: str | Path, chunks: Iterable[pa.Table], meta: dict[str, Any], fmt: str | None, plot: str | Path | None
) -> GenerationReport:
    first: pa.Table | None = None
    ids, last = 0, None
    with LightCurveWriter(path, fmt, meta=meta, finite=FINITE_COLUMNS) as writer:
        for chunk in chunks:
            first = chunk if first is None else first
            if chunk.num_rows:  # rows come in id order; one star's may span several chunks
                ids += pc.count_distinct(chunk["id"]).as_py() - int(chunk["id"][0].as_py() == last)
                last = chunk["id"][-1].as_py()
            writer.write(chunk)
        rows = writer.rows_written
    report = GenerationReport(path=str(path), stars=ids, rows=rows, plot=None)
    if plot is not None and first is not None and first.num_rows:
        from varsynth.generation.plot import plot_lightcurves

        report["plot"] = str(plot_lightcurves(first, plot, seed=int(meta.get("seed", 0))))
    return report


def _meta(model: GenerativeModel, cadence: Cadence, seed: int, **extra: Any) -> dict[str, Any]:
    meta = {
        "generator": f"varsynth {__version__}",
        "model": model.name,
        "model_path": str(model.path),
        "cadence": cadence.name,
        "seed": seed,
        **extra,
    }
    # file metadata holds scalars: structured settings go in as JSON text
    return {k: v if isinstance(v, (str, int, float, bool)) else json.dumps(v) for k, v in meta.items()}


def write_lightcurves(
    path: str | Path,
    request: StarRequest,
    *,
    n: int,
    cadence: str | Cadence = "ogle3",
    cadence_options: dict[str, Any] | None = None,
    model: str | GenerativeModel = "default",
    seed: int = 0,
    fmt: str | None = None,
    plot: str | Path | None = None,
    **kwargs: Any,
) -> GenerationReport:
    """Generate ``n`` light curves of one request and stream them to ``path`` (format from suffix).

    Keyword arguments as :func:`~varsynth.generation.engine.iter_generate`; ``plot`` also
    draws a PNG grid of generated light curves.

    Raises:
        ConfigError: see :func:`~varsynth.generation.checks.check_run` and
            :class:`~varsynth.generation.config.GenerationConfig`, before the model loads.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from varsynth.generation import StarRequest, write_lightcurves
    >>> from varsynth.generation.writers import read_table
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     report = write_lightcurves(
    ...         Path(tmp) / "rr.ecsv", StarRequest("RRLYR", period=0.55), n=2, seed=1,
    ...         cadence="uniform", cadence_options={"n_epochs": 50},
    ...     )
    ...     table = read_table(Path(tmp) / "rr.ecsv")
    >>> report["stars"], report["rows"], len(table), table.meta["cadence"], table.meta["seed"]
    (2, 100, 100, 'uniform', 1)
    """
    cad = as_cadence(cadence, cadence_options)  # the run's one cadence, built here
    check_run(
        path,
        n_stars=n,
        cadence=cad,
        fmt=fmt,
        plot=plot,
        bands=kwargs.get("bands"),
        seed=seed,
        id_prefix=kwargs.get("id_prefix") or f"{request.vclass}-{seed}-",
        classes=(request.vclass,),
        subtype=request.subtype,
    )
    config = GenerationConfig(request, cad, n=n, seed=seed, **kwargs)
    from varsynth.generation.engine import generate_chunks  # torch: only once the checks have passed

    gm = _loaded(model)
    chunks = generate_chunks(config, gm)
    meta = _meta(gm, cad, seed, request={k: v for k, v in asdict(request).items() if v is not None}, n=n)
    return _write(path, chunks, meta, fmt, plot)


def write_training_set(
    path: str | Path,
    *,
    per_class: int,
    classes: Sequence[str] | None = None,
    cadence: str | Cadence = "ogle3",
    cadence_options: dict[str, Any] | None = None,
    model: str | GenerativeModel = "default",
    seed: int = 0,
    fmt: str | None = None,
    plot: str | Path | None = None,
    fallback_mean_mag: tuple[float, float] = (15.0, 19.0),
    **kwargs: Any,
) -> GenerationReport:
    """A balanced labelled training set: ``per_class`` light curves of every class, one file.

    Each class's physical parameters are drawn from its training distribution (at the LMC's
    distance); ids are ``<class>-<seed>-<index>``. ``classes`` defaults to every class the
    model was trained on. Stars left without an absolute magnitude (a class with neither training
    M_G nor a period relation, see :mod:`varsynth.physics.luminosity`) get an apparent mean G
    drawn uniformly in ``fallback_mean_mag`` (mag).
    """
    if per_class < 1:
        raise ConfigError(f"per_class must be >= 1, got {per_class}")
    unknown = sorted(set(classes or ()) - set(CLASSES))
    if unknown:
        raise ConfigError(f"classes {unknown} are unknown; valid: {list(CLASSES)}")
    cad = as_cadence(cadence, cadence_options)
    chosen_or_all = tuple(classes) if classes else CLASSES  # the model's classes are known once it loads
    check_run(
        path,
        n_stars=per_class * len(chosen_or_all),
        cadence=cad,
        fmt=fmt,
        plot=plot,
        bands=kwargs.get("bands"),
        seed=seed,
        id_prefix=f"{max(chosen_or_all, key=len)}-{seed}-",
        classes=chosen_or_all,
    )
    # the settings of every class's run, checked before the model loads
    base = GenerationConfig(
        StarRequest(chosen_or_all[0]), cad, n=per_class, seed=seed, fallback_mean_mag=fallback_mean_mag, **kwargs
    )
    from varsynth.generation.engine import generate_chunks  # torch: only once the checks have passed

    gm = _loaded(model)
    known = sorted(set(gm.catalog.vclass.tolist()))
    chosen = list(classes) if classes else known
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ConfigError(f"classes {unknown} are not in the model's training data; valid: {known}")

    def chunks() -> Iterable[pa.Table]:
        for k, vclass in enumerate(chosen):
            config = replace(base, request=StarRequest(vclass), seed=seed * 1000 + k, id_prefix=f"{vclass}-{seed}-")
            yield from generate_chunks(config, gm)

    meta = _meta(gm, cad, seed, classes=chosen, per_class=per_class)
    return _write(path, chunks(), meta, fmt, plot)
