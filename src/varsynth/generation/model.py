"""Loading a generative model: the embedded pretrained default or any trained bundle.

A generative model is a trained bundle (``varsynth train`` with a ``flow:`` section) holding
the conditional VAE, the flow prior p(z, amplitude | class, physics, band) and the catalog of
the training physics. The default model ships inside the package (``varsynth/pretrained/
default``, a few hundred kB of safetensors, Parquet and JSON; no code runs on loading) so that
generation works offline right after ``pip install``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from varsynth.bundle import BundleError, find_bundle, load_bundle, open_component, read_manifest
from varsynth.latent.catalog import PhysicsCatalog, load_catalog
from varsynth.latent.flow import load_flow
from varsynth.models.config import PHYSICS_CHOICES
from varsynth.models.cvae import CVAE
from varsynth.models.flow import LatentFlow
from varsynth.models.threads import one_thread

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

    def card(self) -> dict[str, Any]:
        """The numbers of the bundle's model card (``card.json`` of ``varsynth card``), empty when
        the bundle has none.

        Raises:
            BundleError: the card's files are damaged.
        """
        card = open_component(self.path, "card")
        return dict(card.json("card.json")) if card is not None else {}

    # The sampling sequence, shared by generation (generation.engine), the report's generated
    # twins (evaluation.curves) and anything else that draws light curves: physics -> network
    # conditions -> base point -> flow (latent code, amplitude) -> decoder at phases.

    def conditions(self, class_index: np.ndarray, physics: np.ndarray, wave_um: np.ndarray) -> dict[str, torch.Tensor]:
        """The network's and the flow's inputs for light curves of classes ``class_index`` (n,)
        with ``physics`` (n, 3: log10 Teff [K], M_G [mag], log10 period [days]; NaN where unknown,
        masked as in training) in passbands of effective wavelength ``wave_um`` (n,) (micron)."""
        cfg = self.cvae.config
        idx = [PHYSICS_CHOICES.index(p) for p in cfg.physics]
        std_phys = (np.asarray(physics, dtype=np.float64)[:, idx] - np.asarray(cfg.phys_mean)) / np.asarray(
            cfg.phys_std
        )
        present = np.isfinite(std_phys)
        return {
            "class_index": torch.from_numpy(np.asarray(class_index, dtype=np.int64)),
            "phys": torch.from_numpy(np.where(present, std_phys, 0.0).astype(np.float32)),
            "phys_mask": torch.from_numpy(present.astype(np.float32)),
            "wave": torch.from_numpy(np.asarray(wave_um, dtype=np.float32)),
        }

    def base_points(self, neighbour: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """The flow's base point of each star (m, Z + 1): the standard normal ``noise`` itself, or,
        with the flow's ``neighbour_bandwidth`` h and the catalog's base points, the base point of
        the star's physics neighbour (a catalog row) shrunk and jittered, ``sqrt(1 - h^2) u + h noise``."""
        h = self.flow.config.neighbour_bandwidth
        codes = self.catalog.base_code
        if h is None or codes is None or codes.shape[1] != noise.shape[1]:
            return noise.astype(np.float32)
        return (math.sqrt(1.0 - h * h) * codes[neighbour].astype(np.float64) + h * noise).astype(np.float32)

    @torch.inference_mode()
    def draw_latent(
        self, conditions: dict[str, torch.Tensor], base: np.ndarray
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The flow's latent code (n, Z) and log10 amplitude (n,) [mag] of each light curve from its
        base point ``base`` (n, Z + 1) and :meth:`conditions`, and the decoder's condition vector."""
        c = conditions
        with one_thread():  # small operations (models.threads)
            ctx = self.flow.context(c["class_index"], c["phys"], c["phys_mask"], c["wave"])
            z, log_amp = self.flow.sample(ctx, torch.from_numpy(np.asarray(base, dtype=np.float32)))
            return z, log_amp, self.cvae.condition(c, decoder=True)


def bundle_path(model: str | Path) -> Path:
    """The bundle folder of a pretrained name, a bundle folder or a run folder (its ``bundle/``)."""
    if isinstance(model, str) and model in PRETRAINED:
        return PRETRAINED_DIR / model
    try:
        return find_bundle(model)
    except BundleError:
        raise BundleError(
            f"model {str(model)!r} is neither a pretrained name {list(PRETRAINED)} "
            "nor a bundle or run folder (no model.json)"
        ) from None


def load_model(model: str | Path = "default") -> GenerativeModel:
    """Load the pretrained model ``default``, a bundle folder or a run folder (its ``bundle/``):
    its manifest, then the network, flow prior and catalog components it lists.

    >>> from varsynth.generation import load_model
    >>> model = load_model("default")
    >>> model.name, sorted(set(model.catalog.vclass.tolist()))
    ('default', ['ACEP', 'CEP', 'DSCT', 'ECL', 'ELL', 'LPV', 'RRLYR', 'T2CEP'])
    >>> [round(nm) for nm in model.catalog.wave_range()]  # trained passbands: effective wavelengths, nm
    [355, 893]

    Raises:
        BundleError: the folder is not a bundle, its files are corrupted, or it lacks the
            catalog that its flow prior needs (the component named).
        ConfigError: the bundle was trained without a flow prior (it cannot generate).
    """
    path = bundle_path(model)
    manifest = read_manifest(path)
    cvae, metadata = load_bundle(manifest)
    flow, _ = load_flow(manifest)
    catalog = load_catalog(manifest)
    catalog.colour_wavelengths = bool(cvae.config.colour_wavelengths)  # the wavelengths the network was trained on
    return GenerativeModel(cvae, flow, catalog, metadata, path)
