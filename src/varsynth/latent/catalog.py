"""The physics a model was trained on: per-class catalog, valid ranges and passbands.

Generation needs three facts about the training data that the network weights do not hold:
which physical parameters each class really has (to draw the ones a user leaves out from the
class's own distribution, conditioned on the ones given), the range of each parameter per class
(to refuse an RR Lyrae with a 30-day period instead of extrapolating silently; the central 99%
of the class's values where there are enough of them), and the range of
effective wavelengths seen in training (to refuse or flag a passband outside it). The catalog
holds one row per real (not augmented) training star and band: class, subtype, log10 Teff [K],
M_G [mag], log10 period [days] (NaN where missing) and the band's effective wavelength [nm]. It
is saved in a model bundle as ``catalog.parquet`` (a few hundred kB).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from varsynth.bundle import BundleError, Manifest, has_component, open_component, write_component
from varsynth.config import ConfigError
from varsynth.data.io import dataset_wavelengths, read_split
from varsynth.data.tensors import PHYS_COLUMNS, DataFilter, physics_matrix
from varsynth.latent.catalog_bands import catalog_band_rows
from varsynth.models.config import PHYSICS_CHOICES
from varsynth.physics.typical import light_curve_wavelengths

__all__ = ["PHYS_NAMES", "PhysicsCatalog", "build_catalog", "save_catalog", "load_catalog"]

#: Transformed physics columns, in the order of :data:`PHYSICS_CHOICES`.
PHYS_NAMES: tuple[str, ...] = PHYS_COLUMNS  # the transformed physics, under the name generation imports

_FILE = "catalog.parquet"
#: Stars with a parameter from which its range is taken as the central 99% instead of [min, max].
_ROBUST_MIN = 200


#: A parameter that at least this fraction of a class's (or subtype's) training stars have is drawn
#: together with the others from one training star having all such parameters. 0.5 until
#: 2026-12-04: RR Lyrae ab (49% with a Teff) then took Teff and M_G from a random star instead of
#: the shape neighbour, and their period trends washed out (docs/training.md, item 6).
CORE_FRACTION = 0.25


@dataclass
class PhysicsCatalog:
    """Real training stars' physics per class (transformed units; NaN where missing)."""

    vclass: np.ndarray  # (N,) str
    subtype: np.ndarray  # (N,) str
    phys: np.ndarray  # (N, 3) log10 Teff [K], M_G [mag], log10 period [days]
    wave_eff: np.ndarray  # (N,) nm
    #: (N,) median error of each light curve over its min-max magnitude range; ``None`` in
    #: bundles written before it was stored.
    scaled_err: np.ndarray | None = None
    #: (N, Z + 1) the flow prior's base point of each light curve (:func:`~varsynth.latent.flow.base_codes`);
    #: ``None`` in bundles written before it was stored.
    base_code: np.ndarray | None = None
    #: (N,) bool: the row is a light curve, not an OGLE-III catalog amplitude in I
    #: (:mod:`varsynth.latent.catalog_bands`); ``None``: every row is a light curve.
    light_curve: np.ndarray | None = None
    #: Whether the model's network was trained on each star's temperature through its band
    #: (:attr:`varsynth.models.config.ModelConfig.colour_wavelengths`) rather than the band's
    #: published value; set from the network's config when a bundle is loaded.
    colour_wavelengths: bool = False

    def wavelengths(self, survey: str, band: str, teff: float | np.ndarray, vclass: str) -> np.ndarray:
        """The effective wavelength (nm) a light curve in ``band`` of ``survey`` is given to this
        model, for stars of temperature ``teff`` (K; NaN: the class's typical one): the star
        through the band when the model was trained so (:attr:`colour_wavelengths`), else the
        band's published value."""
        t = np.atleast_1d(np.asarray(teff, dtype=float))
        return light_curve_wavelengths(survey, np.full(t.shape, band), t, vclass, self.colour_wavelengths)

    def rows(self, vclass: str, subtype: str | None = None) -> np.ndarray:
        """Indices of the stars of a class (and subtype); refuses unknown ones, naming the valid."""
        rows = np.flatnonzero(self.vclass == vclass)
        if rows.size == 0:
            raise ConfigError(
                f"class {vclass!r} is not in this model's training data; valid: {sorted(set(self.vclass.tolist()))}"
            )
        if subtype:
            sub = rows[self.subtype[rows] == subtype]
            if sub.size == 0:
                valid = sorted({s for s in self.subtype[rows].tolist() if s})
                raise ConfigError(
                    f"subtype {subtype!r} of {vclass} is not in this model's training data; valid: {valid}"
                )
            rows = sub
        return rows

    def error_scale(self, vclass: str, subtype: str | None = None) -> float:
        """Median over the class's training light curves of their median error divided by their
        min-max magnitude range (NaN when the bundle does not store it).

        The paper's error term (eq. 4) compares error sequences normalised to sum to one, so a
        decoder's predicted errors have the right shape along the cycle but no absolute scale;
        generation without a survey error model scales them to this typical value."""
        if self.scaled_err is None:
            return float("nan")
        return float(np.nanmedian(self.scaled_err[self.rows(vclass, subtype)]))

    def ranges(self, vclass: str, subtype: str | None = None) -> dict[str, tuple[float, float]]:
        """Per physical parameter, the range of the class's training stars (transformed units).

        The central 99% (0.5th to 99.5th percentile) where at least :data:`_ROBUST_MIN` stars have
        the parameter, so that a few mislabelled or aliased stars (e.g. 3-day "RR Lyrae") do not
        stretch it; the full [min, max] for thinner samples; NaN where no star has it.
        """
        phys = self.phys[self.rows(vclass, subtype)]
        out = {}
        for j, name in enumerate(PHYS_NAMES):
            v = phys[:, j][np.isfinite(phys[:, j])]
            if v.size >= _ROBUST_MIN:
                lo, hi = np.quantile(v, [0.005, 0.995])
            elif v.size:
                lo, hi = v.min(), v.max()
            else:
                lo = hi = np.nan
            out[name] = (float(lo), float(hi))
        return out

    def wave_range(self, vclass: str | None = None) -> tuple[float, float]:
        """Smallest and largest effective wavelength (nm) of the training light curves (of class
        ``vclass``'s when given; catalog amplitudes without a light curve do not count)."""
        rows = np.arange(len(self.vclass)) if vclass is None else self.rows(vclass)
        if self.light_curve is not None:
            rows = rows[self.light_curve[rows]]
        wave = self.wave_eff[rows]
        return float(wave.min()), float(wave.max())

    def measured_rows(self, vclass: str, subtype: str | None, wave_nm: float, dex: float = 0.01) -> int:
        """How many rows of the class (and subtype) are catalog amplitudes without a light curve
        (:mod:`varsynth.latent.catalog_bands`) measured within ``dex`` of ``wave_nm`` (nm): real
        stars' amplitudes in that passband, which generation there draws near."""
        if self.light_curve is None:
            return 0
        rows = self.rows(vclass, subtype)
        rows = rows[~self.light_curve[rows]]
        return int(np.count_nonzero(np.abs(np.log10(self.wave_eff[rows] / wave_nm)) <= dex))

    def log_density(self, vclass: str, given: np.ndarray) -> float:
        """log p(given | class): the density of the given physics among the class's training stars.

        ``given`` (3,) holds transformed values (log10 Teff/K, M_G mag, log10 P/days) with NaN for
        unknown ones. A Gaussian kernel density estimate (product kernel, Silverman's bandwidth per
        parameter, at least 0.01 in transformed units) over the class stars that have every given
        parameter the class has; given parameters that no star of the class has (e.g. Teff of the
        CRTS-only classes) are left out, as are all when nothing is given (0.0: uninformative).
        Inference adds it to each class's evidence, so that e.g. a 5-day period counts against
        delta Scuti (periods below 0.3 d) however the light curve's shape scores.
        """
        phys = self.phys[self.rows(vclass)]
        given = np.asarray(given, dtype=float)
        dims = np.flatnonzero(np.isfinite(given) & np.isfinite(phys).any(axis=0))
        if dims.size == 0:
            return 0.0
        values = phys[:, dims]
        values = values[np.isfinite(values).all(axis=1)]
        n = len(values)
        if n == 0:
            return 0.0
        spread = values.std(axis=0) if n > 1 else np.zeros(dims.size)
        h = np.maximum(1.06 * spread * n ** (-1 / 5), 0.01)
        z = (given[dims] - values) / h
        log_kernel = -0.5 * (z**2).sum(axis=1) - np.log(h * np.sqrt(2 * np.pi)).sum()
        top = log_kernel.max()
        return float(top + np.log(np.exp(log_kernel - top).mean()))

    def draw(
        self,
        vclass: str,
        subtype: str | None,
        given: np.ndarray,
        n: int,
        rng: np.random.Generator,
        k: int = 20,
        *,
        wave_nm: float | None = None,
        wave_dex: float | None = None,
        outside_only: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` physics vectors (n, 3), the given values kept and the missing ones drawn, and the
        catalog row (n,) of the training light curve each draw was taken from.

        ``given`` (3,) holds transformed values with NaN for parameters to draw. Each draw picks a
        random one of the ``k`` class stars nearest to the given values (in units of the class's
        standard deviation; any class star when none is given) among those having the parameters
        that many of the class's stars have (>= :data:`CORE_FRACTION`), and copies the missing ones of these from
        it: they follow the class's joint distribution conditioned on the given ones (e.g. a long
        Cepheid period brings a bright M_G). A parameter that few class stars have (e.g. Teff of
        LPVs) is copied from a random class star having it; one that none has (e.g. Teff of the
        CRTS-only classes) stays NaN.

        ``wave_nm`` and ``wave_dex``: the requested passband's effective wavelength (nm) and the
        weight of the distance to it: a star observed ``d`` dex from ``wave_nm`` counts ``d /
        wave_dex`` more (``None``: passbands ignored). Stars tied with the ``k``-th nearest are
        all kept, so that stars of one passband, equally near when no physics is given, are
        drawn at random rather than in catalog order. ``outside_only``: weigh the passband only
        when ``wave_nm`` lies outside the wavelengths of the class's training light curves
        (:meth:`wave_range`), where the flow would extrapolate; inside, passbands are ignored.
        """
        rows = self.rows(vclass, subtype)
        phys = self.phys[rows]
        given = np.asarray(given, dtype=float)
        out = np.repeat(given[None, :], n, axis=0)
        free = ~np.isfinite(given)
        have = np.isfinite(phys)
        core = free & (have.mean(axis=0) >= CORE_FRACTION)
        fixed = ~free
        pool = np.flatnonzero(have[:, core].all(axis=1))
        if pool.size == 0:
            pool = np.arange(len(phys))
        nearest = pool
        by_wave = wave_nm is not None and wave_dex is not None
        if (
            wave_nm is not None
            and wave_dex is not None
            and not (math.isfinite(wave_nm) and wave_nm > 0 and wave_dex > 0)
        ):
            raise ConfigError(f"wave_nm and wave_dex must be > 0, got {wave_nm} and {wave_dex}")
        if by_wave and outside_only:
            lo, hi = self.wave_range(vclass)
            by_wave = not lo <= float(wave_nm) <= hi  # type: ignore[arg-type]
        if fixed.any() or by_wave:
            dist = np.zeros(pool.size)
            if fixed.any():
                scale = np.nanstd(phys[:, fixed], axis=0)
                with np.errstate(invalid="ignore"):
                    dist = np.abs((phys[pool][:, fixed] - given[fixed]) / np.where(scale > 0, scale, 1.0)).sum(axis=1)
            if by_wave:
                dist = dist + np.abs(np.log10(self.wave_eff[rows][pool] / wave_nm)) / wave_dex
            dist = np.where(np.isfinite(dist), dist, np.inf)
            order = np.argsort(dist, kind="stable")[: max(1, min(k, int(np.isfinite(dist).sum())))]
            nearest = pool[order] if not by_wave else pool[dist <= dist[order[-1]]]
        pick = rng.choice(nearest, size=n)
        out[:, core] = phys[pick][:, core]
        for j in np.flatnonzero(free & ~core):
            values = phys[have[:, j], j]
            if values.size:
                out[:, j] = rng.choice(values, size=n)
        return out, rows[pick]


def build_catalog(
    dataset_dir: str | Path,
    data_filter: DataFilter | None = None,
    base_code: np.ndarray | None = None,
    *,
    catalog_amplitudes: Sequence[str] = (),
) -> PhysicsCatalog:
    """The catalog of the real training stars of a built dataset (one row per star and band).

    ``base_code`` (N, Z + 1): the flow's base point of each of these light curves, in the same
    order (:func:`~varsynth.latent.flow.base_codes` of the real training split).
    ``catalog_amplitudes``: classes whose OGLE-III catalog I-band samples follow the light curves,
    one row per star, in the order :func:`~varsynth.latent.flow.flow_data` appends them (their
    scaled error is unknown: NaN).
    """
    table = read_split(dataset_dir, "train")
    if data_filter is not None:
        table = data_filter.apply(table)
    table = table.filter(pc.invert(table["augmented"]))
    phys, _ = physics_matrix(table, PHYSICS_CHOICES)
    vclass = np.asarray(table["vclass"].to_pylist(), dtype=object)
    subtype = np.asarray([s or "" for s in table["subtype"].to_pylist()], dtype=object)
    wave = table["wave_eff"].to_numpy().astype(np.float64)
    scaled_err = np.array(
        [np.median(e) if len(e) else np.nan for e in table["mag_err"].to_numpy(zero_copy_only=False)],
        dtype=np.float64,
    )
    if catalog_amplitudes:
        colour = dataset_wavelengths(dataset_dir) == "colour"
        extra = catalog_band_rows(dataset_dir, table, catalog_amplitudes, colour=colour)
        vclass, subtype = np.concatenate([vclass, vclass[extra.rows]]), np.concatenate([subtype, subtype[extra.rows]])
        phys = np.concatenate([phys, phys[extra.rows]])
        wave = np.concatenate([wave, extra.wave_eff])
        scaled_err = np.concatenate([scaled_err, np.full(len(extra), np.nan)])
    light_curve = np.arange(len(vclass)) < table.num_rows
    return PhysicsCatalog(
        vclass=vclass,
        subtype=subtype,
        phys=phys,
        wave_eff=wave,
        scaled_err=scaled_err,
        base_code=None if base_code is None else _rows_checked(np.asarray(base_code, np.float32), len(vclass)),
        light_curve=light_curve if len(catalog_amplitudes) else None,
    )


def _rows_checked(base_code: np.ndarray, rows: int) -> np.ndarray:
    if base_code.ndim != 2 or base_code.shape[0] != rows:
        raise ValueError(f"base_code has shape {base_code.shape}; the catalog has {rows} light curves")
    return base_code


def save_catalog(bundle_dir: str | Path, catalog: PhysicsCatalog) -> Path:
    """Write the bundle's ``catalog`` component (``catalog.parquet``, atomically)."""
    columns = {
        "vclass": pa.array(catalog.vclass.tolist(), pa.string()),
        "subtype": pa.array(catalog.subtype.tolist(), pa.string()),
    }
    for j, name in enumerate(PHYS_NAMES):
        columns[name] = pa.array(catalog.phys[:, j], pa.float64())
    columns["wave_eff"] = pa.array(catalog.wave_eff, pa.float64())
    if catalog.scaled_err is not None:
        columns["scaled_err"] = pa.array(catalog.scaled_err, pa.float64())
    if catalog.light_curve is not None:
        columns["light_curve"] = pa.array(catalog.light_curve, pa.bool_())
    if catalog.base_code is not None:
        for j in range(catalog.base_code.shape[1]):
            columns[f"base_{j}"] = pa.array(catalog.base_code[:, j], pa.float32())
    write_component(bundle_dir, "catalog", {_FILE: pa.table(columns)})
    return Path(bundle_dir) / _FILE


def load_catalog(bundle: str | Path | Manifest) -> PhysicsCatalog:
    """Read a bundle's ``catalog.parquet``.

    Arguments:
        bundle: the bundle folder or its manifest (:func:`varsynth.bundle.read_manifest`).

    Raises:
        ConfigError: the bundle was trained without a flow prior (no catalog and no flow).
        BundleError: the catalog is missing from a bundle that has a flow prior, or it is
            damaged, modified or lacks a column.
    """
    files = open_component(bundle, "catalog")
    folder = Path(bundle.folder if isinstance(bundle, Manifest) else bundle)
    if files is None:
        if has_component(bundle, "flow"):
            raise BundleError(
                f"{folder / _FILE} is missing: the bundle has a flow prior, which needs its catalog "
                "component, so the bundle is incomplete (copy the whole bundle folder again)"
            )
        raise ConfigError(f"{folder} has no physics catalog ({_FILE}); it was trained without a flow prior")
    t = files.table(_FILE)
    try:
        return PhysicsCatalog(
            vclass=np.asarray(t["vclass"].to_pylist(), dtype=object),
            subtype=np.asarray(t["subtype"].to_pylist(), dtype=object),
            phys=np.stack([t[name].to_numpy() for name in PHYS_NAMES], axis=1),
            wave_eff=t["wave_eff"].to_numpy(),
            scaled_err=t["scaled_err"].to_numpy() if "scaled_err" in t.column_names else None,
            base_code=_read_base_code(t),
            light_curve=t["light_curve"].to_numpy(zero_copy_only=False).astype(bool)
            if "light_curve" in t.column_names
            else None,
        )
    except (pa.ArrowException, KeyError) as err:
        raise BundleError(f"{files.path(_FILE)} is corrupted: {err}") from err


def _read_base_code(table: pa.Table) -> np.ndarray | None:
    """The ``base_0``, ``base_1``, ... columns as an (N, Z + 1) array, or ``None`` without them."""
    names = [f"base_{j}" for j in range(table.num_columns) if f"base_{j}" in table.column_names]
    if not names:
        return None
    return np.stack([table[name].to_numpy() for name in names], axis=1).astype(np.float32)
