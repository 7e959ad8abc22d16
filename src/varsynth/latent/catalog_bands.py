"""OGLE-III catalog I-band amplitudes as one more passband of training stars, for generation.

A dataset built with ``data.catalog_amplitudes`` records, for stars of other surveys that are
OGLE-III catalog stars without an OGLE-III light curve (e.g. EROS-1 RR Lyrae and Miras), the
catalog's I-band peak-to-peak amplitude (:mod:`varsynth.data.catalog_amplitudes`). With
``flow.catalog_amplitudes`` (a list of classes), each such star of those classes becomes one more
row of the model's physics catalog: the shape code and physics of its reddest light curve, OGLE-III's
I passband and the amplitude that decodes to the catalog's (:func:`varsynth.latent.flow.catalog_amplitude_data`),
with its base point under the fitted flow. Generation in I then draws near these stars when it
weighs the passband (:attr:`varsynth.models.flow.FlowConfig.neighbour_passband_dex`), and the
flow carries their base points back to their shape codes and I-band amplitudes: the amplitude of
a class in a band that none of its training light curves covers (long-period variables in I)
comes from real stars' measurements instead of the flow's extrapolation.

The shape code is the one of a light curve in another band (the catalog gives no light curve):
only the amplitude is the star's own in I. The rows do not widen the wavelengths the class's light
curves cover (:meth:`varsynth.latent.catalog.PhysicsCatalog.wave_range`).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from varsynth.physics.typical import light_curve_wavelengths

__all__ = ["CATALOG_BAND", "CatalogBandRows", "catalog_band_rows"]

#: The survey and band of the catalog's amplitudes (OGLE-III ``A_1``: I-band peak-to-peak).
CATALOG_BAND: tuple[str, str] = ("ogle3", "I")


@dataclass(frozen=True)
class CatalogBandRows:
    """One row per training star with a catalog I-band amplitude."""

    rows: np.ndarray  # (M,) int: index of the star's reddest light curve in the given table
    amplitude: np.ndarray  # (M,) I-band peak-to-peak amplitude [mag]
    wave_eff: np.ndarray  # (M,) effective wavelength of the I band for the star [nm]

    def __len__(self) -> int:
        return int(self.rows.shape[0])


def _star_amplitudes(dataset_dir: Path) -> dict[str, float]:
    """``star_key -> A_1`` [mag] of the dataset's stars that recorded a catalog amplitude."""
    path = dataset_dir / "stars.parquet"
    if not path.is_file():
        return {}
    stars = pq.read_table(path, columns=["star_key", "meta_json"]).to_pylist()
    out: dict[str, float] = {}
    for star in stars:
        meta = json.loads(star["meta_json"] or "{}")
        amplitude = meta.get("ogle3_amplitude_I")
        if isinstance(amplitude, (int, float)) and np.isfinite(amplitude) and amplitude > 0:
            out[str(star["star_key"])] = float(amplitude)
    return out


def catalog_band_rows(
    dataset_dir: str | Path, table: pa.Table, classes: Collection[str], *, colour: bool
) -> CatalogBandRows:
    """The catalog I-band rows of the stars of ``classes`` in ``table`` (real light curves of one
    split, as the flow and the physics catalog read them: columns ``star_key``, ``wave_eff``,
    ``teff``, ``vclass``).

    Arguments:
        dataset_dir: the built dataset (its ``stars.parquet`` holds the recorded amplitudes).
        table: the light curves the rows index.
        classes: the classes whose stars take their catalog amplitude.
        colour: the I band's effective wavelength through each star's temperature (the colour
            convention) instead of its published value.

    A dataset built without ``data.catalog_amplitudes`` records none: no rows.
    """
    amplitudes = _star_amplitudes(Path(dataset_dir))
    keys = np.asarray(table["star_key"].to_pylist(), dtype=object)
    wanted = np.isin(np.asarray(table["vclass"].to_pylist(), dtype=object), list(classes))
    wave = table["wave_eff"].to_numpy().astype(np.float64)
    reddest: dict[str, int] = {}
    for i, key in enumerate(keys):
        if wanted[i] and key in amplitudes and (key not in reddest or wave[i] > wave[reddest[key]]):
            reddest[key] = i
    rows = np.asarray([reddest[k] for k in sorted(reddest)], dtype=np.int64)
    teff = table["teff"].to_numpy(zero_copy_only=False).astype(np.float64)[rows]
    vclass = np.asarray(table["vclass"].to_pylist(), dtype=object)[rows]
    survey, band = CATALOG_BAND
    wave_i = light_curve_wavelengths(survey, np.full(len(rows), band, dtype=object), teff, vclass, colour)
    return CatalogBandRows(
        rows=rows,
        amplitude=np.asarray([amplitudes[k] for k in sorted(reddest)], dtype=np.float64),
        wave_eff=np.asarray(wave_i, dtype=np.float64).reshape(len(rows)),
    )
