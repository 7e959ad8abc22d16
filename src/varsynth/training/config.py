"""Training configuration: the model, the optimiser and which rows of the dataset to use.

``configs/train/pelsvae-paper.yaml`` holds the paper's best model; every key is checked, and
unknown keys or out-of-range values are refused with the key named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from varsynth.bundle import BundleError
from varsynth.config import ConfigError, _check, _from_dict, to_plain
from varsynth.data.tensors import DataFilter
from varsynth.models.config import ModelConfig
from varsynth.models.flow import FlowConfig

__all__ = ["SCHEDULERS", "OptimConfig", "TrainConfig", "load_train_config"]

SCHEDULERS: tuple[str, ...] = ("none", "exponential", "cosine", "plateau")


#: Errors the reconstruction term can use (:attr:`OptimConfig.likelihood_errors`).
LIKELIHOOD_ERRORS = ("published", "survey")


@dataclass(frozen=True)
class OptimConfig:
    """Optimisation (Adam) and training-loop settings (the paper's Table 2 names in brackets).

    Attributes:
        batch_size: samples per batch [b_size].
        lr: Adam learning rate [lr].
        scheduler: ``none``, ``exponential``, ``cosine`` or ``plateau`` [lr_sch].
        gamma: per-epoch decay of the exponential scheduler.
        plateau_factor, plateau_patience: the plateau scheduler's factor and patience (epochs).
        beta: weight of the latent KL term [beta].
        max_epochs: upper bound of epochs.
        early_stopping_patience: epochs without a better validation loss before stopping.
        seed: seed of weights, shuffling and latent draws.
        logger: ``csv`` or ``tensorboard``.
        reconstruction: ``mean`` (the paper's weighted MSE per point) or ``sum`` (half the chi^2
            per light curve: the Gaussian likelihood of a whole light curve against the KL).
        free_bits: nats per latent dimension below which the KL is not minimised (0: off).
        kl_warmup_epochs: epochs over which beta rises linearly from 0 (0: off); validation
            always uses the full beta, so losses of different epochs compare.
        class_balance: exponent a of the sampling weights count(class)^-a (0: the data's own
            class mix; 1: every class equally often); ``> 0`` replaces shuffling by weighted
            sampling with replacement, as many samples per epoch as the split holds.
        augment_noise: in training, redraw the encoder's input magnitudes from N(mag, err) each
            step (the paper's Gaussian resampling, on the fly, without phase shifts).
        point_dropout: in training, hide this fraction of each light curve's points from the
            encoder (it learns to encode sparse light curves; the loss uses every point).
        likelihood_errors: the errors of the reconstruction term: ``published`` (the surveys'
            own) or ``survey`` (each survey and band's errors times the median factor by which its
            training light curves scatter beyond them, measured before training as the noise
            record measures it; a survey whose errors are 8x too small no longer outweighs one
            whose errors are honest). The encoder and the error model keep the published errors.
        gradient_clip: ``null`` (the paper): no clipping. A number: the gradients' total L2 norm
            is clipped to it before each optimizer step (Lightning's ``gradient_clip_val``), so
            that one batch whose chi^2 explodes (a light curve with errors far under its scatter,
            as Gaia DR3's G errors are) cannot throw the network off (docs/training.md).
    """

    batch_size: int = 128
    lr: float = 1e-3
    scheduler: str = "cosine"
    gamma: float = 0.95
    plateau_factor: float = 0.5
    plateau_patience: int = 3
    beta: float = 0.75
    max_epochs: int = 100
    early_stopping_patience: int = 10
    seed: int = 13
    logger: str = "csv"
    reconstruction: str = "mean"
    free_bits: float = 0.0
    kl_warmup_epochs: int = 0
    class_balance: float = 0.0
    augment_noise: bool = False
    point_dropout: float = 0.0
    likelihood_errors: str = "published"
    gradient_clip: float | None = None

    def __post_init__(self) -> None:
        _check(self.batch_size >= 1, "optim.batch_size", ">= 1", self.batch_size)
        _check(0 < self.lr < 1, "optim.lr", "in (0, 1)", self.lr)
        _check(self.scheduler in SCHEDULERS, "optim.scheduler", f"one of {list(SCHEDULERS)}", self.scheduler)
        _check(0 < self.gamma <= 1, "optim.gamma", "in (0, 1]", self.gamma)
        _check(0 < self.plateau_factor < 1, "optim.plateau_factor", "in (0, 1)", self.plateau_factor)
        _check(self.plateau_patience >= 0, "optim.plateau_patience", ">= 0", self.plateau_patience)
        _check(self.beta >= 0, "optim.beta", ">= 0", self.beta)
        _check(self.max_epochs >= 1, "optim.max_epochs", ">= 1", self.max_epochs)
        _check(self.early_stopping_patience >= 1, "optim.early_stopping_patience", ">= 1", self.early_stopping_patience)
        _check(self.logger in ("csv", "tensorboard"), "optim.logger", "'csv' or 'tensorboard'", self.logger)
        _check(self.reconstruction in ("mean", "sum"), "optim.reconstruction", "'mean' or 'sum'", self.reconstruction)
        _check(self.free_bits >= 0, "optim.free_bits", ">= 0", self.free_bits)
        _check(self.kl_warmup_epochs >= 0, "optim.kl_warmup_epochs", ">= 0", self.kl_warmup_epochs)
        _check(0 <= self.class_balance <= 1, "optim.class_balance", "in [0, 1]", self.class_balance)
        _check(0 <= self.point_dropout < 1, "optim.point_dropout", "in [0, 1)", self.point_dropout)
        _check(
            self.gradient_clip is None or self.gradient_clip > 0,
            "optim.gradient_clip",
            "null or > 0",
            self.gradient_clip,
        )
        _check(
            self.likelihood_errors in LIKELIHOOD_ERRORS,
            "optim.likelihood_errors",
            f"one of {list(LIKELIHOOD_ERRORS)}",
            self.likelihood_errors,
        )


@dataclass(frozen=True)
class TrainConfig:
    """One training run: a name, the model, the optimiser, the data filter and, optionally, the
    conditional flow prior trained on the encoder's latent codes once the model is trained."""

    name: str = "run"
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    data: DataFilter = field(default_factory=DataFilter)
    flow: FlowConfig | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from a plain dict (as read from YAML); unknown keys are refused."""
        try:
            return _from_dict(cls, data, "train config")
        except TypeError as err:
            raise ConfigError(f"train config: {err}") from err

    @classmethod
    def of_model(cls, metadata: Mapping[str, Any]) -> TrainConfig:
        """The training config a bundle records, from its metadata (``load_bundle``'s, a
        ``GenerativeModel``'s or :attr:`varsynth.bundle.Manifest.metadata`: its ``train_config``,
        the manifest's ``training.config``).

        Raises:
            BundleError: the bundle records no training config (not written by ``varsynth train``).
            ConfigError: the recorded config has unknown keys or invalid values (named).
        """
        raw = metadata.get("train_config")
        if not isinstance(raw, dict):
            raise BundleError("the model bundle records no training config (it was not written by `varsynth train`)")
        return cls.from_dict(raw)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (lists, not tuples)."""
        return to_plain(self)

    def with_overrides(self, **model_changes: Any) -> TrainConfig:
        """A copy with model fields changed (``None`` values are ignored)."""
        changes = {k: v for k, v in model_changes.items() if v is not None}
        return replace(self, model=self.model.replace(**changes)) if changes else self


def load_train_config(path: str | Path) -> TrainConfig:
    """Read a training config from YAML.

    Raises:
        ConfigError: unreadable file, unknown keys or invalid values (the key is named).
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"cannot read train config {path}: {err}") from err
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a train config must be a mapping")
    try:
        return TrainConfig.from_dict(raw)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from err
