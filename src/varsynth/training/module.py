"""The Lightning module of the PELS-VAE family: loss, optimiser, scheduler, logging.

Training can augment on the fly (``optim.augment_noise``, ``optim.point_dropout``): the encoder
sees a noisy, thinned copy of each light curve while the loss scores the decoder against every
real point, and beta can warm up over the first epochs (``optim.kl_warmup_epochs``).

Every term of eq. 4 is logged separately per epoch for training and validation
(``train/loss``, ``train/reconstruction``, ``train/kl_latent``, ``train/kl_errors``, ...).
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch

from varsynth.models.config import ModelConfig
from varsynth.models.cvae import CVAE, Batch
from varsynth.models.loss import pelsvae_loss
from varsynth.training.config import OptimConfig

__all__ = ["PELSVAEModule"]


class PELSVAEModule(L.LightningModule):
    """Wraps :class:`~varsynth.models.cvae.CVAE` for training with Lightning."""

    def __init__(self, model: dict[str, Any], optim: dict[str, Any]):
        super().__init__()
        self.save_hyperparameters()  # plain dicts: checkpoints load with weights_only=True
        self.model = CVAE(ModelConfig.from_dict(model))
        self.optim = OptimConfig(**optim)

    def _beta(self, stage: str) -> float:
        """beta of this epoch: warmed up linearly in training, always the full value in validation."""
        warm = self.optim.kl_warmup_epochs
        if stage != "train" or warm <= 0:
            return self.optim.beta
        return self.optim.beta * min(1.0, (self.current_epoch + 1) / (warm + 1))

    def _encoder_view(self, batch: Batch) -> Batch:
        """The batch the encoder sees in training: magnitudes redrawn from N(mag, err) and a
        fraction of points hidden (at least 3 kept per light curve), per the optim settings."""
        o = self.optim
        if not (o.augment_noise or o.point_dropout > 0):
            return batch
        view = dict(batch)
        mask = batch["mask"].bool()
        if o.augment_noise:
            view["mag"] = batch["mag"] + torch.randn_like(batch["mag"]) * batch["mag_err"] * mask
        if o.point_dropout > 0:
            keep = (torch.rand(mask.shape, device=mask.device) >= o.point_dropout) & mask
            few = keep.sum(dim=1) < 3
            view["mask"] = torch.where(few.unsqueeze(-1), mask, keep)
        return view

    def _step(self, batch: Batch, stage: str) -> torch.Tensor:
        if stage == "train":
            mu, logvar = self.model.encode(self._encoder_view(batch))
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            mag_hat, err_hat = self.model.decode(z, self.model.condition(batch, decoder=True), batch["phase"])
        else:
            mag_hat, err_hat, mu, logvar = self.model(batch)
        terms = pelsvae_loss(
            batch["mag"],
            batch["mag_err"],
            batch["mask"],
            mag_hat,
            err_hat,
            mu,
            logvar,
            beta=self._beta(stage),
            min_err=self.model.config.min_err,
            reduction=self.optim.reconstruction,
            free_bits=self.optim.free_bits,
            prior=self.model.prior(batch),
            rec_err=batch["mag_err"] * batch["err_scale"].unsqueeze(-1)
            if self.optim.likelihood_errors == "survey"
            else None,
        )
        n = batch["mag"].shape[0]
        self.log(f"{stage}/loss", terms.total, prog_bar=True, on_step=False, on_epoch=True, batch_size=n)
        for name in ("reconstruction", "kl_latent", "kl_errors"):
            self.log(f"{stage}/{name}", getattr(terms, name), on_step=False, on_epoch=True, batch_size=n)
        return terms.total

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "val")

    def configure_optimizers(self) -> Any:
        opt = torch.optim.Adam(self.parameters(), lr=self.optim.lr)
        kind = self.optim.scheduler
        if kind == "none":
            return opt
        sched: torch.optim.lr_scheduler.LRScheduler
        if kind == "exponential":
            sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=self.optim.gamma)
        elif kind == "cosine":
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.optim.max_epochs)
        else:
            plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
                opt, factor=self.optim.plateau_factor, patience=self.optim.plateau_patience
            )
            return {"optimizer": opt, "lr_scheduler": {"scheduler": plateau, "monitor": "val/loss"}}
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "epoch"}}
