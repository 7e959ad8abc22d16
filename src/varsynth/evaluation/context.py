"""What every fidelity check receives (:class:`EvalContext`) and returns (:class:`Section`).

``varsynth evaluate`` builds one context per model and runs each check on it; a check returns a
section of the report: numbers for the JSON file, tables and figures for the Markdown page. The
context caches the expensive shared inputs (real held-out light curves, their generated twins,
their Fourier parameters) so that each is computed once per model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from matplotlib.figure import Figure

from varsynth.data.catalog_labels import catalog_ids
from varsynth.data.io import atomic_write
from varsynth.evaluation.curves import fourier_table, real_curves, twin_curves
from varsynth.generation.model import GenerativeModel
from varsynth.surveys.ogle import read_ogle3_catalog

__all__ = ["EvalContext", "Section", "DEFAULT_DATA_ROOT"]

#: Resolution of the report's figures (dots per inch).
FIGURE_DPI = 110
#: Where the shared survey data (OGLE-III catalog, ...) lives relative to a repository checkout.
DEFAULT_DATA_ROOT = Path("../shared/data")


@dataclass
class Section:
    """One part of the fidelity report.

    Attributes:
        name: short key (``shapes``, ``physics``, ...), the key of its numbers in the JSON file.
        title: heading of the section in the report.
        summary: JSON-serialisable numbers (floats, ints, strings, lists, dicts); its
            ``headline`` dict (metric -> value) goes into the report's summary table, next to
            ``headline_reference`` (metric -> the real data's or a baseline's value) where given.
        tables: (caption, table) pairs shown as Markdown tables.
        figures: (caption, PNG path relative to the report folder) pairs.
        text: findings in plain words, written from the measured numbers.
    """

    name: str
    title: str
    summary: dict[str, Any] = field(default_factory=dict)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""


@dataclass
class EvalContext:
    """Inputs shared by the fidelity checks of one model.

    Attributes:
        model: the generative model under test.
        label: its name in the report (e.g. ``default``, ``pelsvae-paper-flow``).
        dataset_dir: dataset folder (``varsynth data build``) whose ``test`` split was held out.
        data_root: folder of the shared survey data (``ogle3-catalog/`` ...).
        report_dir: folder the report and its figures are written to.
        quick: small samples for CI (a few minutes in all) instead of the full evaluation.
        seed: seed of every random draw.
    """

    model: GenerativeModel
    label: str
    dataset_dir: Path
    data_root: Path
    report_dir: Path
    quick: bool = False
    seed: int = 0

    @property
    def figure_dir(self) -> Path:
        """Folder of this model's figures (created on first use)."""
        path = self.report_dir / "figures" / self.label
        path.mkdir(parents=True, exist_ok=True)
        return path

    def save_figure(self, fig: Figure, name: str) -> str:
        """Write ``fig`` as this model's figure ``name`` (PNG at :data:`FIGURE_DPI`, atomically) and
        return its path relative to the report folder, for :attr:`Section.figures`."""
        path = self.figure_dir / f"{name}.png"
        atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=FIGURE_DPI))
        return str(path.relative_to(self.report_dir))

    @property
    def per_class(self) -> int | None:
        """Light curves per class used from each real split (``None``: all)."""
        return 60 if self.quick else None

    @cached_property
    def ogle3_catalog(self) -> pd.DataFrame | None:
        """The OGLE-III catalog of variable stars (:func:`~varsynth.surveys.ogle.read_ogle3_catalog`)
        without the stars whose light curves the model trained on (the dataset's ``train`` and
        ``val`` OGLE-III stars), so that it is a reference the model has not seen; ``None`` when
        ``data_root`` does not hold it (the sections then say so). ``attrs["dropped_training_stars"]``
        counts the stars left out."""
        path = self.data_root / "ogle3-catalog" / "ogle3_catalog.txt.bz2"
        if not path.exists():
            return None
        catalog = read_ogle3_catalog(path)
        seen = self.training_star_ids
        keep = ~catalog["ID"].isin(seen)
        out = catalog[keep].reset_index(drop=True)
        out.attrs["dropped_training_stars"] = int((~keep).sum())
        return out

    @cached_property
    def training_star_ids(self) -> set[str]:
        """Survey identifiers of the stars in the dataset's ``train`` and ``val`` splits, and the
        OGLE-III ids of those of other surveys that took an OGLE-III catalog star's label
        (:mod:`varsynth.data.catalog_labels`): the same stars, seen in another survey's light curve."""
        path = self.dataset_dir / "stars.parquet"
        if not path.exists():
            return set()
        stars = pq.read_table(path, columns=["star_id", "split", "meta_json"]).to_pandas()
        seen = stars[stars["split"].isin(["train", "val"])]
        return set(seen["star_id"].astype(str)) | set(catalog_ids(seen["meta_json"].map(json.loads)).tolist())

    @cached_property
    def test_real(self) -> pd.DataFrame:
        """Real held-out light curves (the ``test`` split), in magnitudes."""
        return real_curves(self.dataset_dir, "test", max_per_class=self.per_class, seed=self.seed)

    @cached_property
    def test_twins(self) -> pd.DataFrame:
        """A generated twin of each held-out light curve (same class, physics, band, phases)."""
        return twin_curves(self.model, self.test_real, seed=self.seed)

    @cached_property
    def test_real_fourier(self) -> pd.DataFrame:
        """Fourier parameters of the held-out light curves."""
        return fourier_table(self.test_real)

    @cached_property
    def test_twin_fourier(self) -> pd.DataFrame:
        """Fourier parameters of their generated twins."""
        return fourier_table(self.test_twins)
