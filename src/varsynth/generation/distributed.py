"""Generate light curves on a Dask cluster into a partitioned Parquet dataset (a folder).

The stars of each class are cut into partitions of ``partition_size`` stars; partition ``i`` of
class ``C`` is generated on whichever worker is free by the public engine
(:func:`~varsynth.generation.engine.iter_generate`) and written to ``class=C/part-0000i.parquet``
(hive style), so pandas, ``pyarrow.dataset`` and ``dask.dataframe`` read the folder as one table
with a ``class`` column. Beside the partitions: ``_common_metadata`` (the schema and settings),
``_metadata`` (also every row group of every partition, written when all are done) and
``_manifest.json`` (the settings and, for every finished partition, its rows, stars, bytes and
SHA-256). Readers skip names starting with ``_`` or ``.``.

Determinism: partition ``i`` of class ``C`` draws everything from the seed
``SeedSequence(seed, spawn_key=(class number, i))`` (:func:`partition_seed`) and numbers its
stars ``<C>-<seed>-<start + j>``, so every partition file has the same bytes whatever the number
of workers, the cluster, or the order in which partitions finish (Parquet files here hold no
timestamps). The dataset is a function of the seed and the settings (partition size, chunk size,
cadence, bands, ...), not the same rows as the single-file output of the same seed.

Resume: a partition is written to a hidden temporary name and renamed when complete, then
recorded in the manifest. A rerun with the same settings verifies every recorded partition
(size and SHA-256), keeps those that match and generates the rest; a rerun with other settings
is refused. A killed run therefore loses at most the partitions it was writing.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import logging
import resource
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from varsynth import __version__
from varsynth.cadences import Cadence, as_cadence
from varsynth.config import ConfigError
from varsynth.data.io import OutputPathError, atomic_write, check_writable
from varsynth.generation.checks import (
    _check_plot,
    _free_bytes,
    estimate_output_bytes,
    probe_epochs,
)
from varsynth.generation.config import GenerationConfig
from varsynth.generation.request import StarRequest
from varsynth.generation.writers import (
    FINITE_COLUMNS,
    FORMATS,
    LONG_SCHEMA,
    LightCurveWriter,
)
from varsynth.taxonomy import CLASSES

if TYPE_CHECKING:
    from distributed import Client

    from varsynth.generation.model import GenerativeModel

__all__ = [
    "DEFAULT_PARTITION_SIZE",
    "MANIFEST",
    "DatasetReport",
    "Partition",
    "check_dataset_path",
    "check_dataset_run",
    "dask_client",
    "dataset_id_chars",
    "partition_seed",
    "plan_partitions",
    "write_dataset",
    "write_lightcurves_dataset",
    "write_training_set_dataset",
]

log = logging.getLogger(__name__)

#: Stars per partition file unless told otherwise (~0.5 M epochs at the ogle3 cadence's ~540).
DEFAULT_PARTITION_SIZE = 1000
#: The run's settings and its finished partitions (path -> rows, stars, bytes, sha256).
MANIFEST = "_manifest.json"
_LAYOUT = "varsynth partitioned dataset 1"
_INSTALL_HINT = "distributed generation needs Dask: pip install 'varsynth[dask]'"
_CONNECT_SECONDS = 20
#: Least seconds between two rewrites of the manifest while partitions finish (a killed run
#: loses at most the records of this long: those partitions are generated again).
_MANIFEST_SECONDS = 1.0
#: Options of :func:`iter_generate` a dataset run passes on (the rest it sets itself).
_ENGINE_OPTIONS = ("bands", "allow_extrapolation", "noise", "chunk_size", "fallback_mean_mag")


@dataclass(frozen=True)
class Partition:
    """Stars ``start .. start + stars - 1`` of one request, written to :attr:`path`."""

    request: StarRequest
    index: int
    start: int
    stars: int
    seed: int

    @property
    def path(self) -> str:
        """Path inside the dataset folder, hive style: ``class=<C>/part-<index>.parquet``."""
        return f"class={self.request.vclass}/part-{self.index:05d}.parquet"


class DatasetReport(dict):
    """What was written: ``path``, ``stars``, ``rows``, ``partitions``, ``generated`` and ``kept``
    (partitions of this run and verified ones of an earlier run), ``bytes``, ``plot`` and
    ``worker_peak_rss`` (bytes per worker address)."""


def partition_seed(seed: int, vclass: str, index: int) -> int:
    """The engine seed of partition ``index`` of class ``vclass``: 63 bits of
    ``SeedSequence(seed, spawn_key=(class number, index))``, the ``index``-th child that
    ``SeedSequence(seed).spawn`` would give in the class's stream (independent of the other
    partitions, of how many there are and of which worker draws it)."""
    state = np.random.SeedSequence(seed, spawn_key=(CLASSES.index(vclass), index)).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))


def plan_partitions(jobs: Sequence[tuple[StarRequest, int]], partition_size: int, seed: int) -> list[Partition]:
    """The partitions of ``jobs`` (request, stars), ``partition_size`` stars each (the last of a
    class fewer), in class then index order."""
    if partition_size < 1:
        raise ConfigError(f"partition_size (--partition-size) must be >= 1, got {partition_size}")
    classes = [request.vclass for request, _ in jobs]
    if len(set(classes)) != len(classes):
        raise ConfigError(f"each class may appear once in a dataset, got {classes}")
    parts = []
    for request, n in jobs:
        if n < 1:
            raise ConfigError(f"the number of stars must be >= 1, got {n}")
        for index, start in enumerate(range(0, n, partition_size)):
            parts.append(
                Partition(
                    request, index, start, min(partition_size, n - start), partition_seed(seed, request.vclass, index)
                )
            )
    return parts


def check_dataset_path(path: str | Path, fmt: str | None = None) -> Path:
    """Refuse an output that cannot hold a partitioned dataset, before any work: a format other
    than Parquet, a single-file suffix (``.csv``, ``.fits``, ...), an existing file, a folder that
    holds other files than an earlier varsynth dataset, or a place where nothing can be written.

    Raises:
        ConfigError: naming the output and the reason.
    """
    path = Path(path)
    if fmt is not None and fmt.lower() != "parquet":
        raise ConfigError(
            f"format {fmt!r}: distributed generation (--workers/--scheduler) writes a partitioned "
            "Parquet dataset; drop --format or give parquet"
        )
    if FORMATS.get(path.suffix.lower(), "parquet") != "parquet":
        raise ConfigError(
            f"output {path}: distributed generation (--workers/--scheduler) writes a partitioned Parquet "
            f"dataset (a folder), not a {FORMATS[path.suffix.lower()]} file; give a folder path or "
            "drop --workers/--scheduler"
        )
    if path.exists() and not path.is_dir():
        raise ConfigError(
            f"output {path} is a file; distributed generation writes a folder: give a new or empty "
            "folder, or an earlier run's dataset to resume"
        )
    if path.is_dir() and any(path.iterdir()) and not (path / MANIFEST).is_file():
        raise ConfigError(
            f"output {path} is a folder holding other files (no {MANIFEST} of an earlier run); give "
            "a new or empty folder, or an earlier run's dataset to resume"
        )
    try:
        check_writable(path / MANIFEST)
    except OutputPathError as err:
        raise ConfigError(str(err)) from None
    return path


def check_dataset_run(
    path: str | Path,
    *,
    n_stars: int,
    cadence: Cadence,
    fmt: str | None = None,
    plot: str | Path | None = None,
    bands: tuple[str, ...] | None = None,
    seed: int = 0,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    id_chars: int = 20,
) -> Path:
    """Every check of a dataset run that needs no model and no cluster: the output
    (:func:`check_dataset_path`), the plot path, the counts, and the estimated size against the
    free space (``id_chars``: characters of the longest light-curve id).

    Raises:
        ConfigError: naming the parameter and the reason.
    """
    root = check_dataset_path(path, fmt)
    if seed < 0:
        raise ConfigError(f"seed must be >= 0, got {seed}")
    if n_stars < 1:
        raise ConfigError(f"the number of stars must be >= 1, got {n_stars}")
    if partition_size < 1:
        raise ConfigError(f"partition_size (--partition-size) must be >= 1, got {partition_size}")
    if plot is not None:
        try:
            _check_plot(plot, root)
        except ValueError as err:
            raise ConfigError(str(err)) from None
    per_star = float(probe_epochs(cadence, bands, seed).mean())
    chosen = bands or cadence.bands
    needed = estimate_output_bytes(
        "parquet",
        n_stars * per_star,
        id_chars=id_chars,
        band_chars=max(map(len, chosen)),
        vclass_chars=5,
        subtype_chars=0,
        cadence_chars=len(cadence.name),
    )
    free = _free_bytes(root / MANIFEST)
    if needed > free:
        raise ConfigError(
            f"output {root} would take about {tqdm.format_sizeof(needed, 'B', 1024)} ({n_stars} stars x "
            f"~{per_star:.0f} epochs), but {tqdm.format_sizeof(free, 'B', 1024)} are free there; write "
            "fewer stars or elsewhere"
        )
    return root


def dataset_id_chars(classes: Sequence[str], seed: int, n_stars: int) -> int:
    """Characters of the longest light-curve id, ``<class>-<seed>-<number>``."""
    return max(len(f"{c}-{seed}-") for c in classes) + max(7, len(str(n_stars - 1)))


def _require_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ConfigError(_INSTALL_HINT) from None


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Client]:
    """A Dask client: of a new local cluster of ``workers`` processes (one thread each), or
    connected to the running cluster at ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``).

    Raises:
        ConfigError: both or neither given, ``workers`` < 1, Dask missing, or no scheduler
            answering at ``scheduler`` within 20 s.
    """
    if (workers is None) == (scheduler is None):
        raise ConfigError("give one of workers (--workers) and scheduler (--scheduler)")
    if workers is not None and workers < 1:
        raise ConfigError(f"workers (--workers) must be >= 1, got {workers}")
    _require_dask()
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=_CONNECT_SECONDS)
        except (OSError, TimeoutError) as err:
            raise ConfigError(
                f"scheduler (--scheduler) {scheduler}: no Dask scheduler answered within "
                f"{_CONNECT_SECONDS} s ({type(err).__name__})"
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        log.info("local Dask cluster of %d workers; dashboard %s", workers, client.dashboard_link)
        yield client


_models: dict[str, GenerativeModel] = {}
_models_lock = threading.Lock()


def _model(name: str) -> GenerativeModel:
    """The model ``name``, loaded once per worker process (threads of a worker share it)."""
    with _models_lock:
        if name not in _models:
            from varsynth.generation.model import load_model

            _models[name] = load_model(name)
        return _models[name]


def _global_ids(chunk: pa.Table, prefix: str, start: int) -> pa.Table:
    """The chunk with ids ``<prefix><start + local number>`` (7 digits at least), the numbering
    of the single-file output, from the engine's prefix-less local numbers."""
    local = pc.cast(chunk["id"], pa.int64())
    number = pc.utf8_lpad(pc.cast(pc.add(local, start), pa.string()), 7, "0")
    ids = pc.binary_join_element_wise(pa.scalar(prefix), number, "")
    return chunk.set_column(chunk.schema.get_field_index("id"), LONG_SCHEMA.field("id"), ids)


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def write_partition(root: str, part: Partition, engine: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """Generate one partition and write it atomically under ``root``; run on a Dask worker.

    ``engine``: keyword arguments of :func:`iter_generate` besides the request, count, seed and
    ids (``model`` a name or path, loaded once per worker; ``cadence`` a name built here, with
    ``cadence_options``, or a :class:`Cadence`), made into the partition's
    :class:`~varsynth.generation.config.GenerationConfig`. Returns the partition's manifest
    entry: ``path``, ``rows``, ``stars``, ``bytes``, ``sha256``.
    """
    from varsynth.generation.engine import generate_chunks

    settings = {k: v for k, v in engine.items() if k != "model"}
    config = GenerationConfig.build(part.request, n=part.stars, seed=part.seed, id_prefix="", **settings)
    prefix = f"{part.request.vclass}-{meta['seed']}-"
    target = Path(root) / part.path
    target.parent.mkdir(parents=True, exist_ok=True)
    stars, last = 0, None
    with LightCurveWriter(target, "parquet", meta=meta, schema=LONG_SCHEMA, finite=FINITE_COLUMNS) as writer:
        for chunk in generate_chunks(config, _model(engine["model"])):
            if chunk.num_rows:  # rows come in id order; one star's may span several chunks
                stars += pc.count_distinct(chunk["id"]).as_py() - int(chunk["id"][0].as_py() == last)
                last = chunk["id"][-1].as_py()
            writer.write(_global_ids(chunk, prefix, part.start))
        rows = writer.rows_written
    return {"path": part.path, "rows": rows, "stars": stars, "bytes": target.stat().st_size, "sha256": _sha256(target)}


def _peak_rss() -> int:
    """Peak resident memory of this process (bytes; Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _kept_partitions(root: Path, settings: dict[str, Any], planned: set[str]) -> dict[str, dict[str, Any]]:
    """The finished partitions of an earlier run of the same settings that are intact."""
    manifest = root / MANIFEST
    if not manifest.is_file():
        return {}
    try:
        earlier = json.loads(manifest.read_text())
    except ValueError:
        raise ConfigError(
            f"output {root}: {MANIFEST} is not valid JSON; remove the folder or write elsewhere"
        ) from None
    if earlier.get("layout") != _LAYOUT or earlier.get("settings") != settings:
        old = earlier.get("settings") or {}
        differ = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k)) or ["layout"]
        raise ConfigError(
            f"output {root} holds a dataset of other settings (differing: {', '.join(differ)}); "
            "give the same settings to resume it, or write elsewhere"
        )
    kept = {}
    for rel, entry in sorted(earlier.get("partitions", {}).items()):
        file = root / rel
        if (
            rel in planned
            and file.is_file()
            and file.stat().st_size == entry["bytes"]
            and _sha256(file) == entry["sha256"]
        ):
            kept[rel] = entry
        else:
            log.warning("%s: missing or not as recorded; generated again", file)
    return kept


def _write_manifest(root: Path, settings: dict[str, Any], done: dict[str, dict[str, Any]]) -> None:
    text = (
        json.dumps(
            {"layout": _LAYOUT, "settings": settings, "partitions": dict(sorted(done.items()))},
            indent=1,
            sort_keys=True,
        )
        + "\n"
    )

    def write(tmp: Path) -> None:
        tmp.write_text(text)

    atomic_write(root / MANIFEST, write)


def _write_metadata(root: Path, paths: Sequence[str], schema: pa.Schema) -> None:
    """``_common_metadata`` (schema) and ``_metadata`` (schema and every partition's row groups)."""
    collected = []
    for rel in paths:
        meta = pq.read_metadata(root / rel)
        meta.set_file_path(rel)
        collected.append(meta)
    atomic_write(root / "_common_metadata", lambda tmp: pq.write_metadata(schema, tmp))
    atomic_write(root / "_metadata", lambda tmp: pq.write_metadata(schema, tmp, metadata_collector=collected))


def write_dataset(
    path: str | Path,
    jobs: Sequence[tuple[StarRequest, int]],
    *,
    client: Client,
    cadence: str | Cadence = "ogle3",
    cadence_options: dict[str, Any] | None = None,
    model: str = "default",
    seed: int = 0,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    plot: str | Path | None = None,
    progress: bool = False,
    extra_meta: dict[str, Any] | None = None,
    **kwargs: Any,
) -> DatasetReport:
    """Generate ``jobs`` (request, stars) on the Dask ``client``'s cluster into the dataset folder
    ``path`` (module notes: layout, determinism, resume).

    ``model`` is a name or a path every worker can read; ``cadence`` a name (workers build it
    from ``cadence_options``) or a picklable :class:`Cadence`. Other keywords as
    :func:`~varsynth.generation.engine.iter_generate` (``bands``, ``allow_extrapolation``,
    ``noise``, ``chunk_size``, ``fallback_mean_mag``).

    Raises:
        ConfigError: a bad output path, settings or request (before any partition is generated),
            or an output folder of an earlier run with other settings.
    """
    if not isinstance(model, (str, Path)):
        raise ConfigError("model must be a name or a path (each worker loads it), got a loaded model")
    cad = as_cadence(cadence, cadence_options)
    n_total = sum(n for _, n in jobs)
    root = check_dataset_run(
        path,
        n_stars=n_total,
        cadence=cad,
        plot=plot,
        bands=kwargs.get("bands"),
        seed=seed,
        partition_size=partition_size,
        id_chars=dataset_id_chars([r.vclass for r, _ in jobs], seed, n_total),
    )
    parts = plan_partitions(jobs, partition_size, seed)
    from varsynth.generation.engine import check_config, iter_generate

    defaults = {k: v.default for k, v in inspect.signature(iter_generate).parameters.items() if k in _ENGINE_OPTIONS}
    kwargs = {**defaults, **kwargs}  # settings with the defaults spelled out compare equal on resume
    unknown = sorted(set(kwargs) - set(_ENGINE_OPTIONS))
    if unknown:
        raise ConfigError(f"unknown options {unknown}; valid: {list(_ENGINE_OPTIONS)}")
    gm = _model(str(model))
    for request, n in jobs:  # refuse a request or a setting before any worker starts on it
        check_config(gm, GenerationConfig(request, cad, n=n, seed=seed, **kwargs))
    engine = {"cadence": cadence, "cadence_options": cadence_options, "model": str(model), **kwargs}
    settings = json.loads(
        json.dumps(
            {
                "varsynth": __version__,
                "model": str(model),
                "cadence": cad.name,
                "cadence_options": cadence_options or {},
                "seed": seed,
                "partition_size": partition_size,
                "jobs": [{"n": n, **{k: v for k, v in asdict(r).items() if v is not None}} for r, n in jobs],
                **kwargs,
            },
            default=str,
        )
    )
    meta = {
        "generator": f"varsynth {__version__}",
        "model": gm.name,
        "cadence": cad.name,
        "seed": seed,
        "partition_size": partition_size,
        **(extra_meta or {}),
    }
    meta = {k: v if isinstance(v, (str, int, float, bool)) else json.dumps(v) for k, v in meta.items()}
    root.mkdir(parents=True, exist_ok=True)
    done = _kept_partitions(root, settings, {p.path for p in parts})
    _write_manifest(root, settings, done)
    todo = [p for p in parts if p.path not in done]
    kept = len(done)
    log.info("%s: %d partitions, %d kept from an earlier run, %d to generate", root, len(parts), kept, len(todo))
    from distributed import as_completed

    futures = [client.submit(write_partition, str(root.resolve()), p, engine, meta, pure=False) for p in todo]
    written = time.monotonic()
    try:
        with tqdm(total=len(parts), initial=kept, desc="partitions", unit="part", disable=not progress) as bar:
            for future in as_completed(futures):
                entry = future.result()
                done[entry.pop("path")] = entry
                if time.monotonic() - written >= _MANIFEST_SECONDS:
                    _write_manifest(root, settings, done)
                    written = time.monotonic()
                bar.update(1)
    finally:
        client.cancel([f for f in futures if not f.done()])
        _write_manifest(root, settings, done)  # also on an error or Ctrl-C: what is done stays done
    order = [p.path for p in parts]
    _write_metadata(root, order, pq.read_schema(root / order[0]))
    report = DatasetReport(
        path=str(root),
        stars=sum(done[p]["stars"] for p in order),
        rows=sum(done[p]["rows"] for p in order),
        bytes=sum(done[p]["bytes"] for p in order),
        partitions=len(parts),
        generated=len(todo),
        kept=kept,
        plot=None,
        worker_peak_rss=client.run(_peak_rss),
    )
    if plot is not None:
        from varsynth.generation.plot import plot_lightcurves

        first = pq.ParquetFile(root / order[0])
        if first.metadata.num_rows:
            report["plot"] = str(plot_lightcurves(first.read_row_group(0), plot, seed=seed))
    return report


def write_lightcurves_dataset(
    path: str | Path, request: StarRequest, *, n: int, client: Client, **kwargs: Any
) -> DatasetReport:
    """``n`` light curves of one request as a partitioned dataset (:func:`write_dataset`);
    the distributed counterpart of :func:`~varsynth.generation.output.write_lightcurves`."""
    extra = {"request": {k: v for k, v in asdict(request).items() if v is not None}, "n": n}
    return write_dataset(path, [(request, n)], client=client, extra_meta=extra, **kwargs)


def write_training_set_dataset(
    path: str | Path,
    *,
    per_class: int,
    client: Client,
    classes: Sequence[str] | None = None,
    model: str = "default",
    fallback_mean_mag: tuple[float, float] = (15.0, 19.0),
    **kwargs: Any,
) -> DatasetReport:
    """A balanced labelled training set, ``per_class`` light curves of every class (default:
    every class the model was trained on), as a partitioned dataset (:func:`write_dataset`);
    the distributed counterpart of :func:`~varsynth.generation.output.write_training_set`."""
    if per_class < 1:
        raise ConfigError(f"per_class must be >= 1, got {per_class}")
    unknown = sorted(set(classes or ()) - set(CLASSES))
    if unknown:
        raise ConfigError(f"classes {unknown} are unknown; valid: {list(CLASSES)}")
    check_dataset_path(path)  # before the model loads
    known = sorted(set(_model(str(model)).catalog.vclass.tolist()))
    chosen = list(classes) if classes else known
    if sorted(set(chosen) - set(known)):
        raise ConfigError(
            f"classes {sorted(set(chosen) - set(known))} are not in the model's training data; valid: {known}"
        )
    return write_dataset(
        path,
        [(StarRequest(c), per_class) for c in chosen],
        client=client,
        model=model,
        fallback_mean_mag=fallback_mean_mag,
        extra_meta={"classes": chosen, "per_class": per_class},
        **kwargs,
    )
