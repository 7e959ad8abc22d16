"""Folded light curves of real held-out stars and their generated twins, in magnitudes.

The fidelity metrics compare real and generated light curves that differ in one thing only:
where the shape comes from. :func:`real_curves` reads the real (not augmented) light curves of a
dataset split, folded on their periods, in magnitudes. :func:`twin_curves` gives every one of
them a generated twin with the same class, physics (Teff K, M_G mag, period days), passband
and phases, whose latent code and amplitude are drawn from the model's flow prior as generation
draws them (near the base point of a training star of nearby physics, for a model with a
``neighbour_bandwidth``) and whose
noise is that of the real star's errors, scaled and tailed as the model measured for the star's
survey and band (:mod:`varsynth.generation.noise`; Gaussian where it measured none). No
information about the real star's shape
reaches its twin.

A curve set is a :class:`pandas.DataFrame` with one row per light curve: ``sample_id,
star_key, survey, band, wave_eff`` (nm) ``, vclass, class_index, subtype, teff`` (K) ``,
abs_mag`` (mag) ``, period`` (days), each parameter's ``*_source`` (``missing`` when unknown)
and the arrays ``phase`` (in [0, 1)), ``mag`` and
``mag_err`` (mag); real light curves of a dataset that records each point's time also carry
``time`` (days since the epoch of phase 0), with which their twins' noise is grouped in visits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import torch
from astropy.table import Table

from varsynth.data.io import read_split
from varsynth.data.tensors import DataFilter, physics_matrix
from varsynth.evaluation.fourier import FOURIER_NAMES, fourier_parameters
from varsynth.generation.decode import decode_epochs
from varsynth.generation.model import GenerativeModel
from varsynth.generation.noise import curve_jitter, curve_scales, draw_noise, epoch_visits, survey_noise
from varsynth.latent.catalog import PhysicsCatalog
from varsynth.models.config import PHYSICS_CHOICES

__all__ = ["real_curves", "twin_curves", "folded_curves", "fourier_table"]

_META = [
    "sample_id",
    "star_key",
    "survey",
    "band",
    "wave_eff",
    "vclass",
    "class_index",
    "subtype",
    "teff",
    "abs_mag",
    "period",
    "teff_source",
    "abs_mag_source",
    "period_source",
]


def real_curves(
    dataset_dir: str | Path,
    split: str = "test",
    *,
    classes: tuple[str, ...] | None = None,
    max_per_class: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The real (not augmented) light curves of ``split`` as a curve set, in magnitudes.

    Arguments:
        dataset_dir: folder written by ``varsynth data build``.
        split: ``train``, ``val`` or ``test``.
        classes: keep these classes only (``None``: all).
        max_per_class: keep at most this many light curves per class, drawn at random with
            ``seed`` (``None``: all).
    """
    if max_per_class is not None and max_per_class < 1:
        raise ValueError(f"max_per_class must be >= 1 or None, got {max_per_class}")
    table = DataFilter(classes=classes, real_only=True).apply(read_split(dataset_dir, split))
    frame = table.select(_META).to_pandas()
    if max_per_class is not None:
        rng = np.random.default_rng(seed)
        keep = [
            rng.permutation(np.flatnonzero(frame["vclass"].to_numpy() == c))[:max_per_class]
            for c in frame["vclass"].unique()
        ]
        rows = np.sort(np.concatenate(keep)) if keep else np.zeros(0, int)
    else:
        rows = np.arange(len(frame))
    lo, hi = table["mag_min"].to_numpy(), table["mag_max"].to_numpy()
    span = hi - lo
    phase, mag, err = (table[c].to_pylist() for c in ("phase", "mag", "mag_err"))
    out = frame.iloc[rows].reset_index(drop=True)
    out["phase"] = [np.asarray(phase[i], float) for i in rows]
    out["mag"] = [np.asarray(mag[i], float) * span[i] + lo[i] for i in rows]
    out["mag_err"] = [np.asarray(err[i], float) * span[i] for i in rows]
    if "time" in table.column_names:  # datasets built before times were kept have none
        time = table["time"].to_pylist()
        out["time"] = [np.asarray(time[i], float) for i in rows]
    return out


@torch.inference_mode()
def twin_curves(
    model: GenerativeModel, real: pd.DataFrame, *, seed: int = 0, noise: bool = True, batch_size: int = 2048
) -> pd.DataFrame:
    """A generated twin of every light curve of ``real`` (same class, physics, band, phases).

    The twin's magnitude is ``mean + A * (s(phase) - <s>)`` with the decoder's scaled shape
    ``s``, the flow prior's amplitude ``A`` (mag) and the real light curve's phase-averaged
    magnitude as ``mean``; with ``noise``, the shape is evaluated at the phases jittered by the
    phase jitter of the twin's residual-library entry and noise of the real errors (the survey's
    measured distribution, :func:`~varsynth.generation.noise.draw_noise`, of real light curves of
    errors like the real one's median) is added, as generation does (grouped in the real light
    curve's visits where ``real`` has each point's ``time``).
    """
    cvae = model.cvae
    cvae.eval()
    cfg = cvae.config
    rng = np.random.default_rng(seed)
    survey_model = survey_noise(model.metadata)
    out = real[_META].copy()
    mags: list[np.ndarray] = []
    for start in range(0, len(real), batch_size):
        part = real.iloc[start : start + batch_size]
        batch = model.conditions(
            part["class_index"].to_numpy(),
            _physics(part),
            _waves(model, part).astype(np.float32) / 1000.0,
        )
        base = model.base_points(_neighbours(model, part, rng), rng.standard_normal((len(part), cfg.latent_dim + 1)))
        z, log_amp, cond = model.draw_latent(batch, base)
        phases = part["phase"].to_list()
        curve = np.repeat(np.arange(len(part)), [len(p) for p in phases])
        phase = np.concatenate(phases).astype(np.float64)
        keys = list(zip(part["survey"], part["band"], part["vclass"]))
        # each twin takes the noise of real light curves of its real one's median error
        scales = (
            [
                curve_scales(survey_model, sv, np.array([b]), rng, vc, np.array([np.median(e)]))
                for (sv, b, vc), e in zip(keys, part["mag_err"])
            ]
            if noise
            else []
        )
        # each twin's shape at its library entry's jittered phases, as generation (one shift per
        # visit where the real light curves have times); the normals are drawn even where no twin
        # has a jitter (engine.phase_shifts draws none), so that the report's twins of bundles
        # without jitter stay what they were
        if noise:
            jitter = np.array(
                [curve_jitter(survey_model, sv, np.array([b]), sc[2], vc)[0] for (sv, b, vc), sc in zip(keys, scales)]
            )
            if "time" in part.columns:
                visit = epoch_visits(np.concatenate(part["time"].to_list()), curve)
                normal = rng.standard_normal(int(visit.max()) + 1 if visit.size else 0)[visit]
            else:
                normal = rng.standard_normal(phase.size)
            phase = np.mod(phase + jitter[curve] * normal, 1.0)
        s, _, s_mean = decode_epochs(cvae, z, cond, phase, curve)
        amp = 10 ** log_amp.numpy().astype(np.float64)
        shape = amp[curve] * (s.astype(np.float64) - s_mean[curve])
        bounds = np.cumsum([0] + [len(p) for p in phases])
        times = part["time"].to_list() if "time" in part.columns else [None] * len(part)
        for i, (m_real, e_real, (survey, band, vclass)) in enumerate(zip(part["mag"], part["mag_err"], keys)):
            m = np.mean(m_real) + shape[bounds[i] : bounds[i + 1]]
            if noise:
                m = m + draw_noise(
                    survey_model, survey, np.full(m.size, band), e_real, rng, vclass, scales=scales[i], time=times[i]
                )
            mags.append(m)
    out["phase"] = real["phase"].to_list()
    out["mag"] = mags
    out["mag_err"] = real["mag_err"].to_list()
    if "time" in real.columns:
        out["time"] = real["time"].to_list()
    return out


def folded_curves(table: Table | pa.Table) -> pd.DataFrame:
    """A curve set from generated long-format light curves (:func:`varsynth.generation.generate_table`
    or :func:`~varsynth.generation.iter_generate` chunks): one row per (id, band), folded on each
    star's period and epoch of phase 0, with its class, subtype and physics (``*_source`` is
    ``generated``)."""
    frame = (
        table.to_pandas()
        if isinstance(table, pa.Table)
        else pd.DataFrame({c: np.asarray(table[c]) for c in table.colnames})
    )
    rows = []
    for (star, band), part in frame.groupby(["id", "band"], sort=False):
        first = part.iloc[0]
        rows.append(
            {
                "sample_id": f"{star}:{band}",
                "star_key": star,
                "survey": first["cadence"],
                "band": band,
                "vclass": first["vclass"],
                "subtype": first["subtype"],
                "teff": first["teff"],
                "abs_mag": first["abs_mag"],
                "period": first["period"],
                "phase": np.mod((part["time"].to_numpy() - first["epoch"]) / first["period"], 1.0),
                "mag": part["mag"].to_numpy(float),
                "mag_err": part["mag_err"].to_numpy(float),
            }
        )
    out = pd.DataFrame(rows)
    for name in PHYSICS_CHOICES:
        out[f"{name}_source"] = "generated"
    return out


def _waves(model: GenerativeModel, part: pd.DataFrame) -> np.ndarray:
    """Each real light curve's effective wavelength (nm) in the convention the model was trained with."""
    out = np.empty(len(part))
    teff = part["teff"].to_numpy(float)
    for (survey, band, vclass), rows in part.groupby(["survey", "band", "vclass"], sort=False).indices.items():
        out[rows] = model.catalog.wavelengths(survey, band, teff[rows], vclass)
    return out


def _neighbours(model: GenerativeModel, part: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """The catalog row of a training light curve near each star's physics (as generation picks them);
    zeros, drawing nothing, for a model that samples its flow's own prior."""
    if model.flow.config.neighbour_bandwidth is None or model.catalog.base_code is None:
        return np.zeros(len(part), dtype=int)
    given = _physics(part)
    dex = model.flow.config.neighbour_passband_dex
    waves = _waves(model, part) if dex is not None else [None] * len(part)
    outside = model.flow.config.neighbour_passband_outside
    return np.array(
        [
            _neighbour(model.catalog, c, s, g, rng, w, dex, outside)
            for c, s, g, w in zip(part["vclass"], part["subtype"], given, waves)
        ],
        dtype=int,
    )


def _neighbour(
    catalog: PhysicsCatalog,
    vclass: str,
    subtype: str | None,
    given: np.ndarray,
    rng: np.random.Generator,
    wave_nm: float | None = None,
    wave_dex: float | None = None,
    outside_only: bool = False,
) -> int:
    """The catalog row of one training light curve near ``given`` physics (and near the passband
    ``wave_nm``, nm, weighed by ``wave_dex``, outside the class's light curves' wavelengths only
    with ``outside_only``, as generation draws for that band), of the real star's
    subtype where the training data has that subtype (as ``varsynth generate --subtype`` draws),
    else of its class: a detached EA binary's twin is not drawn from contact EW binaries of the
    same period, nor a Mira's from semiregulars."""
    known = (
        isinstance(subtype, str)
        and bool(subtype)
        and bool(np.any((catalog.vclass == vclass) & (catalog.subtype == subtype)))
    )
    return int(
        catalog.draw(
            vclass,
            subtype if known else None,
            given,
            1,
            rng,
            wave_nm=wave_nm,
            wave_dex=wave_dex,
            outside_only=outside_only,
        )[1][0]
    )


def _physics(part: pd.DataFrame) -> np.ndarray:
    """The curves' transformed physics (N, 3: log10 Teff [K], M_G [mag], log10 period [days]), NaN
    where unknown (``*_source`` is ``missing``)."""
    columns = [c for p in PHYSICS_CHOICES for c in (p, f"{p}_source")]
    values, present = physics_matrix(pa.Table.from_pandas(part[columns], preserve_index=False), PHYSICS_CHOICES)
    return np.where(present > 0, values, np.nan)


def fourier_table(curves: pd.DataFrame, order: int = 4) -> pd.DataFrame:
    """The curve set's metadata with the Fourier parameters of each light curve (NaN when the
    light curve has too few points for an order-``order`` fit)."""
    out = curves.drop(columns=["phase", "mag", "mag_err"]).copy()
    params = {name: np.full(len(curves), np.nan) for name in FOURIER_NAMES}
    for i, (ph, m, e) in enumerate(zip(curves["phase"], curves["mag"], curves["mag_err"])):
        if len(ph) >= 2 * order + 1:
            for name, value in fourier_parameters(ph, m, e, order).items():
                params[name][i] = value
    for name in FOURIER_NAMES:
        out[name] = params[name]
    return out
