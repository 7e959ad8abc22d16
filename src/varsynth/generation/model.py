"""Loading a generative model: the embedded pretrained default or any trained bundle.

A generative model is a trained bundle (``varsynth train`` with a ``flow:`` section) holding
the conditional VAE, the flow prior p(z, amplitude | class, physics, band) and the catalog of
the training physics. The default model ships inside the package (``varsynth/pretrained/
default``, a few hundred kB of safetensors, Parquet and JSON; no code runs on loading) so that
generation works offline right after ``pip install``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from varsynth.bundle import BundleError, load_bundle
from varsynth.latent.catalog import PhysicsCatalog, load_catalog
from varsynth.latent.flow import load_flow
from varsynth.models.cvae import CVAE
from varsynth.models.flow import LatentFlow

__all__ = ["PRETRAINED_DIR", "PRETRAINED", "GenerativeModel", "bundle_path", "load_model"]

#: Folder of the models shipped with the package.
PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"
#: Names accepted by :func:`load_model` besides a bundle path.
PRETRAINED: tuple[str, ...] = ("default",)


@dataclass
class GenerativeModel:
    """A loaded bundle: network, flow prior, training physics and metadata."""

    cvae: CVAE
    flow: LatentFlow
    catalog: PhysicsCatalog
    metadata: dict[str, Any]
    path: Path

    @property
    def name(self) -> str:
        """The training config's name (e.g. ``default``)."""
        return str(self.metadata.get("train_config", {}).get("name", self.path.name))


def bundle_path(model: str | Path) -> Path:
    """The bundle folder of a pretrained name, a bundle folder or a run folder (its ``bundle/``)."""
    if isinstance(model, str) and model in PRETRAINED:
        return PRETRAINED_DIR / model
    path = Path(model)
    if (path / "bundle" / "model.json").exists():  # a run folder
        return path / "bundle"
    if not (path / "model.json").exists():
        raise BundleError(
            f"model {str(model)!r} is neither a pretrained name {list(PRETRAINED)} "
            "nor a bundle or run folder (no model.json)"
        )
    return path


def load_model(model: str | Path = "default") -> GenerativeModel:
    """Load the pretrained model ``default``, a bundle folder or a run folder (its ``bundle/``).

    Raises:
        BundleError: the folder is not a bundle or its files are corrupted.
        ConfigError: the bundle was trained without a flow prior (it cannot generate).
    """
    path = bundle_path(model)
    cvae, metadata = load_bundle(path)
    flow, _ = load_flow(path)
    return GenerativeModel(cvae, flow, load_catalog(path), metadata, path)
