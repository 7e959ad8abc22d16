"""Build one versioned training dataset from the real survey files (``varsynth data build``).

The one-way flow: survey readers -> physical parameters -> cross-survey identification of
physical stars -> cleaning and folding -> split by physical star -> real and augmented samples ->
Parquet files and a data card. The same config and seed give a
byte-identical dataset.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import yaml
from tqdm.auto import tqdm

from varsynth.config import SURVEYS, DataConfig
from varsynth.data.card import build_card, write_card
from varsynth.data.catalog_amplitudes import record_catalog_amplitudes
from varsynth.data.catalog_labels import adopt_catalog_labels
from varsynth.data.crossmatch import Identification, identify_objects, stars_from_lightcurves
from varsynth.data.io import DATASET_FORMAT_VERSION, atomic_write, json_safe, write_parquet
from varsynth.data.period_convention import halve_two_wave_periods
from varsynth.data.period_refine import refine_periods
from varsynth.data.samples import CleanCurve, Sample, augmented_sample, clean_lightcurve, real_sample
from varsynth.data.split import SPLITS, split_stars
from varsynth.lightcurve import PHYSICS_NAMES, LightCurve
from varsynth.physics import assign_physics
from varsynth.physics.typical import light_curve_wavelengths
from varsynth.surveys.gaia_dr2 import read_gaia_dr2_xmatch
from varsynth.surveys.registry import OGLE_CATALOG, XMATCH_FOLDER, read_survey
from varsynth.surveys.skips import SkipLog
from varsynth.taxonomy import CLASSES

__all__ = ["BuildResult", "build_dataset", "read_lightcurves", "identify_lightcurves", "make_samples"]

log = logging.getLogger(__name__)


@dataclass
class BuildResult:
    """What a build produced: the folder, the data card (as a dict) and samples per split."""

    out_dir: Path
    card: dict
    n_samples: dict[str, int]


def read_lightcurves(
    cfg: DataConfig, *, skips: SkipLog, progress: bool = True, cache_dir: Path | None = None
) -> list[LightCurve]:
    """Run every enabled survey reader, give stars that are OGLE-III catalog stars the catalog's
    labels when configured (``catalog_labels``), record their I-band amplitudes from the catalog when
    configured (``catalog_amplitudes``), apply the period convention of pulsating stars when
    configured (``clean.halve_two_wave_r21``), refine each star's period when configured
    (``clean.refine_period_drift``) and attach physical parameters to every light curve."""
    root = cfg.resolved_root()
    lcs: list[LightCurve] = []
    for name in SURVEYS:
        scfg = cfg.surveys[name]
        if not scfg.enabled:
            continue
        log.info("reading %s", name)
        lcs += read_survey(
            name,
            root,
            skips=skips,
            bands=scfg.bands,
            limit=cfg.limit_per_class,
            progress=progress,
            workers=cfg.period_workers,
            cache_dir=cache_dir,
        )
    catalog = root / OGLE_CATALOG
    if cfg.catalog_labels.enabled and catalog.is_file():
        relabelled = adopt_catalog_labels(lcs, catalog, cfg.catalog_labels, cfg.clean.drop_subtypes)
        log.info("%d stars relabelled from the OGLE-III catalog", relabelled)
    if cfg.catalog_amplitudes.enabled and catalog.is_file():
        verdicts = record_catalog_amplitudes(lcs, catalog, cfg.catalog_amplitudes)
        log.info("%d stars took an I-band amplitude from the OGLE-III catalog", verdicts["recorded"])
    if cfg.clean.halve_two_wave_r21 is not None:
        lcs = halve_two_wave_periods(lcs, cfg.clean.halve_two_wave_r21)
    if cfg.clean.refine_period_drift is not None:
        log.info("refining the periods of %d light curves", len(lcs))
        lcs = refine_periods(lcs, cfg.clean.refine_period_drift)
    xmatch_dir = root / XMATCH_FOLDER
    xmatch = None
    if cfg.surveys["ogle3"].enabled and xmatch_dir.is_dir():
        xmatch = read_gaia_dr2_xmatch(xmatch_dir, skips=skips)
    assign_physics(
        lcs,
        xmatch,
        abs_mag_priority=cfg.physics.abs_mag_priority,
        teff_priority=cfg.physics.teff_priority,
    )
    return lcs


def identify_lightcurves(cfg: DataConfig, lcs: Sequence[LightCurve]) -> Identification:
    """Group the light curves into physical stars (:mod:`varsynth.data.crossmatch`).

    Gaia DR3 stars are linked to OGLE-III stars through the Gaia DR2 source ids of the
    OGLE-III/Gaia DR2 cross-match when its folder is present (its skips are counted by
    :func:`read_lightcurves` already, so a private log is used here).
    """
    xmatch_dir = cfg.resolved_root() / XMATCH_FOLDER
    xmatch = None
    if cfg.crossmatch.enabled and xmatch_dir.is_dir():
        xmatch = read_gaia_dr2_xmatch(xmatch_dir, skips=SkipLog())
    stars, links = stars_from_lightcurves(lcs, xmatch)
    return identify_objects(stars, cfg.crossmatch, links)


def _has_teff(s: Sample) -> bool:
    return not s.source.lc.physics["teff"].is_missing


def _balance(pool: list[Sample], target: int, cfg: DataConfig, plan: str, skips: SkipLog) -> list[Sample]:
    """Reduce ``pool`` to ``target`` (stars with Teff first) or augment it up to ``target``."""
    rng = np.random.default_rng([cfg.seed, zlib.crc32(plan.encode())])
    if len(pool) > target:
        rank = rng.permutation(len(pool))
        order = sorted(range(len(pool)), key=lambda i: (not _has_teff(pool[i]), rank[i]))
        for i in order[target:]:
            lc = pool[i].source.lc
            skips.add(lc.survey, "lightcurve", "class above its augmentation target (reduced)", f"{lc.key}:{lc.band}")
        return [pool[i] for i in sorted(order[:target])]
    out = list(pool)
    if not pool:
        return out
    perm = rng.permutation(len(pool))
    for i in range(target - len(pool)):
        source = pool[perm[i % len(pool)]].source
        copy = augmented_sample(source, i // len(pool) + 1, length=cfg.seq_len, seed=cfg.seed)
        if copy is None:
            skips.add(source.lc.survey, "lightcurve", "augmented copy constant (not kept)")
            continue
        out.append(copy)
    return out


def make_samples(
    clean: Sequence[CleanCurve],
    split_of: dict[str, str],
    cfg: DataConfig,
    skips: SkipLog,
    *,
    progress: bool = True,
) -> dict[str, list[Sample]]:
    """Real samples for every clean curve, then per-class balancing of train and validation.

    The test split holds real light curves only. Augmentation targets (paper section 2.2) count
    train and validation together and are shared in proportion to their real light curves.
    """
    by_split: dict[str, list[Sample]] = {s: [] for s in SPLITS}
    for cc in tqdm(clean, desc="undersampling", disable=not progress):
        s = real_sample(cc, length=cfg.seq_len, seed=cfg.seed)
        if s is None:
            skips.add(cc.lc.survey, "lightcurve", "constant after undersampling", f"{cc.lc.key}:{cc.lc.band}")
            continue
        by_split[split_of[cc.lc.key]].append(s)
    if not cfg.augment.enabled:
        return by_split
    aug = cfg.augment
    for vclass in tqdm(CLASSES, desc="augmenting", disable=not progress):
        pools = {s: [x for x in by_split[s] if x.source.lc.vclass == vclass] for s in ("train", "val")}
        n_real = sum(len(p) for p in pools.values())
        if n_real == 0:
            continue
        target = aug.target_large if n_real > aug.large_class_threshold else aug.target_small
        for split, pool in pools.items():
            share = int(round(target * len(pool) / n_real))
            kept = _balance(pool, share, cfg, f"{vclass}:{split}", skips)
            others = [x for x in by_split[split] if x.source.lc.vclass != vclass]
            by_split[split] = others + kept
    return by_split


def _physics_columns(samples: Sequence[Sample]) -> dict[str, pa.Array]:
    cols: dict[str, pa.Array] = {}
    for name in PHYSICS_NAMES:
        params = [s.source.lc.physics[name] for s in samples]
        cols[name] = pa.array([p.value for p in params], pa.float64())
        cols[f"{name}_err"] = pa.array([p.err for p in params], pa.float64())
        cols[f"{name}_source"] = pa.array([p.source for p in params], pa.string())
    return cols


def _list_column(arrays: Sequence[np.ndarray], dtype: type = np.float32) -> pa.Array:
    offsets = np.concatenate([[0], np.cumsum([a.size for a in arrays])]).astype(np.int32)
    values: np.ndarray = np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values))


def _wave_column(lcs: Sequence[LightCurve], colour: bool) -> np.ndarray:
    """Each light curve's effective wavelength (nm): its band's published one, or (``colour``)
    that of its star's temperature through its band (:func:`light_curve_wavelengths`)."""
    if not lcs:
        return np.zeros(0)
    return light_curve_wavelengths(
        np.array([lc.survey for lc in lcs]),
        np.array([lc.band for lc in lcs]),
        np.array([lc.physics["teff"].value for lc in lcs], dtype=float),
        np.array([lc.vclass for lc in lcs], dtype=object),
        colour,
    )


def samples_table(
    samples: Sequence[Sample], split: str, object_of: Mapping[str, str] | None = None, *, colour: bool = False
) -> pa.Table:
    """One row per sample: labels, physics, the scaled light curve and its magnitude scale.

    ``object_of`` maps star keys to physical objects (``object_id`` column; default: the key);
    ``colour``: ``wave_eff`` is each star's temperature through its band, not the band's published value.
    """
    samples = sorted(samples, key=lambda s: s.sample_id)
    lcs = [s.source.lc for s in samples]
    object_of = object_of or {}
    cols: dict[str, pa.Array] = {
        "sample_id": pa.array([s.sample_id for s in samples], pa.string()),
        "star_key": pa.array([lc.key for lc in lcs], pa.string()),
        "object_id": pa.array([object_of.get(lc.key, lc.key) for lc in lcs], pa.string()),
        "survey": pa.array([lc.survey for lc in lcs], pa.string()),
        "star_id": pa.array([lc.star_id for lc in lcs], pa.string()),
        "band": pa.array([lc.band for lc in lcs], pa.string()),
        "wave_eff": pa.array(_wave_column(lcs, colour), pa.float32()),
        "vclass": pa.array([lc.vclass for lc in lcs], pa.string()),
        "class_index": pa.array([CLASSES.index(lc.vclass) for lc in lcs], pa.int8()),
        "subtype": pa.array([lc.subtype for lc in lcs], pa.string()),
        "split": pa.array([split] * len(samples), pa.string()),
        "augmented": pa.array([s.aug_index > 0 for s in samples], pa.bool_()),
        "aug_index": pa.array([s.aug_index for s in samples], pa.int32()),
        "n_points": pa.array([s.phase.size for s in samples], pa.int32()),
        "phase": _list_column([s.phase for s in samples]),
        "mag": _list_column([s.mag for s in samples]),
        "mag_err": _list_column([s.mag_err for s in samples]),
        # each point's time since the epoch, days (augmented copies: that of the point copied)
        "time": _list_column([s.time for s in samples], np.float64),
        "mag_min": pa.array([s.mag_min for s in samples], pa.float64()),
        "mag_max": pa.array([s.mag_max for s in samples], pa.float64()),
        "epoch": pa.array([s.source.epoch for s in samples], pa.float64()),
        "snr": pa.array([s.source.snr for s in samples], pa.float64()),
    }
    cols.update(_physics_columns(samples))
    return pa.table(cols)


def stars_table(
    clean: Sequence[CleanCurve], split_of: dict[str, str], object_of: Mapping[str, str] | None = None
) -> pa.Table:
    """One row per clean star: object, labels, split, bands, physics and its metadata as JSON."""
    first: dict[str, CleanCurve] = {}
    bands: dict[str, list[str]] = defaultdict(list)
    for cc in clean:
        first.setdefault(cc.lc.key, cc)
        bands[cc.lc.key].append(cc.lc.band)
    keys = sorted(first)
    lcs = [first[k].lc for k in keys]
    object_of = object_of or {}
    cols: dict[str, pa.Array] = {
        "star_key": pa.array(keys, pa.string()),
        "object_id": pa.array([object_of.get(k, k) for k in keys], pa.string()),
        "survey": pa.array([lc.survey for lc in lcs], pa.string()),
        "star_id": pa.array([lc.star_id for lc in lcs], pa.string()),
        "vclass": pa.array([lc.vclass for lc in lcs], pa.string()),
        "subtype": pa.array([lc.subtype for lc in lcs], pa.string()),
        "split": pa.array([split_of[k] for k in keys], pa.string()),
        "bands": pa.array([sorted(bands[k]) for k in keys], pa.list_(pa.string())),
    }
    for name in PHYSICS_NAMES:
        params = [lc.physics[name] for lc in lcs]
        cols[name] = pa.array([p.value for p in params], pa.float64())
        cols[f"{name}_err"] = pa.array([p.err for p in params], pa.float64())
        cols[f"{name}_source"] = pa.array([p.source for p in params], pa.string())
        cols[f"{name}_note"] = pa.array([p.note for p in params], pa.string())
    cols["meta_json"] = pa.array([json.dumps(json_safe(lc.meta), sort_keys=True) for lc in lcs], pa.string())
    return pa.table(cols)


def build_dataset(
    cfg: DataConfig, out_dir: str | Path, *, progress: bool = True, cache_dir: Path | None = None
) -> BuildResult:
    """Build the dataset of ``cfg`` into ``out_dir`` and write its data card.

    Arguments:
        cfg: the data configuration (surveys, cleaning, augmentation, split, seed).
        out_dir: destination folder (created; existing dataset files are replaced atomically).
        progress: show progress bars.
        cache_dir: cache of period-search results; ``None`` disables caching.

    Returns:
        The :class:`BuildResult` with the data card as a dict.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    skips = SkipLog()
    lcs = read_lightcurves(cfg, skips=skips, progress=progress, cache_dir=cache_dir)
    identity = identify_lightcurves(cfg, lcs)
    clean: list[CleanCurve] = []
    for lc in tqdm(lcs, desc="cleaning", disable=not progress):
        res = clean_lightcurve(lc, cfg.clean)
        if isinstance(res, str):
            skips.add(lc.survey, "lightcurve", res, f"{lc.key}:{lc.band}")
        else:
            clean.append(res)
    split_of = split_stars(
        ((cc.lc.key, cc.lc.vclass) for cc in clean),
        (cfg.split.train, cfg.split.val, cfg.split.test),
        cfg.seed,
        object_of=identity.object_of,
    )
    by_split = make_samples(clean, split_of, cfg, skips, progress=progress)
    files: dict[str, Path] = {}
    for split in SPLITS:
        files[split] = out / f"{split}.parquet"
        colour = cfg.wavelengths == "colour"
        write_parquet(samples_table(by_split[split], split, identity.object_of, colour=colour), files[split])
    files["stars"] = out / "stars.parquet"
    write_parquet(stars_table(clean, split_of, identity.object_of), files["stars"])
    atomic_write(
        out / "config.yaml",
        lambda tmp: tmp.write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=True)),
    )
    card = build_card(cfg, lcs, clean, split_of, by_split, skips, files, DATASET_FORMAT_VERSION, identity=identity)
    write_card(card, out)
    return BuildResult(out, card, {s: len(v) for s, v in by_split.items()})
