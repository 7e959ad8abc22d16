"""The conditional VAE of Martinez-Palomera et al. (2022), section 3.1 (cVAE and cVAE-P).

Encoder: a sequence stack (TCN, GRU or LSTM) over the folded, scaled light curve, or
(``arch: fourier``, varsynth's) a weighted Fourier fit of its irregular points
(:mod:`varsynth.models.fourier_encoder`); the stack's last valid time step (or the fit's
coefficients) is concatenated with the one-hot class (and, for cVAE-P, the physical parameters and
their presence mask), then dense ReLU + dropout layers and two heads for the latent mean and
log-variance. Decoder (``decoder: sequence``, the paper's): the latent code and the conditions
repeated at every time step, tagged with that step's phase difference (or phase), the same
sequence stack, and a dense sigmoid head giving the scaled magnitude and its error. Decoder
``periodic`` (varsynth's): a continuous Fourier-series decoder, :mod:`varsynth.models.periodic`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from varsynth.models.config import ModelConfig
from varsynth.models.fourier_encoder import FourierEncoderInput
from varsynth.models.layers import sequence_layers
from varsynth.models.periodic import PeriodicDecoder

__all__ = ["CVAE", "Batch"]

#: A batch is a dict of tensors: ``phase``, ``mag``, ``mag_err``, ``mask`` (B, T); ``class_index``
#: (B,); ``phys``, ``phys_mask`` (B, P); ``wave`` (B,) effective wavelength in micrometres.
Batch = dict[str, torch.Tensor]

# log-variance bounds: early epochs can overflow exp() otherwise
_LOGVAR_MIN, _LOGVAR_MAX = -12.0, 8.0


class CVAE(nn.Module):
    """PELS-VAE: ``x_hat, err_hat, mu, logvar = model(batch)``."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        h = config.hidden
        seq: dict[str, Any] = {
            "blocks": config.tcn_blocks,
            "kernel_size": config.kernel_size,
            "layers": config.rnn_layers,
            "dropout": config.dropout,
        }
        n_cond = self._n_encoder_condition()
        if config.arch == "fourier":
            self.encoder_fourier = FourierEncoderInput(config.encoder_harmonics, config.encoder_ridge, config.min_err)
            n_summary = self.encoder_fourier.n_features
            self.encoder_dense = nn.Sequential(
                nn.Linear(n_summary + n_cond, h),
                nn.SiLU(),
                nn.Dropout(config.dropout),
                nn.Linear(h, h),
                nn.SiLU(),
                nn.Dropout(config.dropout),
                nn.Linear(h, h),
                nn.SiLU(),
            )
        else:
            self.encoder_seq = sequence_layers(config.arch, 3, h, **seq)
            self.encoder_dense = nn.Sequential(
                nn.Linear(h + n_cond, h),
                nn.ReLU(),
                nn.Dropout(config.dropout),
                nn.Linear(h, h),
                nn.ReLU(),
                nn.Dropout(config.dropout),
            )
        self.mu_head = nn.Linear(h, config.latent_dim)
        self.logvar_head = nn.Linear(h, config.latent_dim)
        if config.prior == "conditional":
            self.prior_net = nn.Sequential(
                nn.Linear(n_cond, h), nn.SiLU(), nn.Linear(h, h), nn.SiLU(), nn.Linear(h, 2 * config.latent_dim)
            )
        dec_in = config.latent_dim + self._n_decoder_condition()
        if config.decoder == "periodic":
            self.periodic = PeriodicDecoder(
                dec_in, config.decoder_hidden or h, config.harmonics, config.err_harmonics, config.dropout
            )
        else:
            self.decoder_seq = sequence_layers(config.arch, dec_in + 1, h, **seq)
            self.decoder_head = nn.Linear(h, 2)

    def _n_encoder_condition(self) -> int:
        c = self.config
        return c.n_classes + 2 * c.n_physics + int(c.condition_wavelength)

    def _n_decoder_condition(self) -> int:
        c = self.config
        return c.n_classes + 2 * c.n_physics * int(c.decoder_physics) + int(c.condition_wavelength)

    def condition(self, batch: Batch, *, decoder: bool) -> torch.Tensor:
        """The condition vector (B, C): one-hot class, physics and mask, wavelength."""
        c = self.config
        parts = [nn.functional.one_hot(batch["class_index"].long(), c.n_classes).float()]
        if c.n_physics and (not decoder or c.decoder_physics):
            mask = batch["phys_mask"].float()
            if not decoder and self.training and c.phys_dropout > 0:
                mask = mask * (torch.rand_like(mask) >= c.phys_dropout).float()
            parts += [batch["phys"].float() * mask, mask]  # missing values enter as 0, flagged
        if c.condition_wavelength:
            parts.append(batch["wave"].float().unsqueeze(-1))
        return torch.cat(parts, dim=-1)

    def time_tags(self, phase: torch.Tensor) -> torch.Tensor:
        """Decoder step tags (B, T, 1): phase differences (first step: its phase) or phases."""
        if self.config.time_tag == "phase":
            return phase.unsqueeze(-1)
        delta = torch.diff(phase, dim=1, prepend=torch.zeros_like(phase[:, :1]))  # (B, T)
        return delta.unsqueeze(-1)

    def summary(self, batch: Batch) -> torch.Tensor:
        """The encoder's summary of the light curve alone (B, H or n_features), before conditions."""
        phase, mask = batch["phase"], batch["mask"].float()
        if self.config.arch == "fourier":
            return self.encoder_fourier(phase.float(), batch["mag"].float(), batch["mag_err"].float(), mask)
        delta = torch.diff(phase, dim=1, prepend=torch.zeros_like(phase[:, :1]))
        x = torch.stack([delta, batch["mag"], batch["mag_err"]], dim=-1) * mask.unsqueeze(-1)  # (B, T, 3)
        h = self.encoder_seq(x)  # (B, T, H)
        last = (mask.sum(dim=1).long() - 1).clamp(min=0)  # index of the last valid step, (B,)
        return h[torch.arange(h.shape[0]), last]  # (B, H)

    def encode(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Latent mean and log-variance, each (B, Z)."""
        e = self.encoder_dense(torch.cat([self.summary(batch), self.condition(batch, decoder=False)], dim=-1))
        logvar = self.logvar_head(e).clamp(_LOGVAR_MIN, _LOGVAR_MAX)
        return self.mu_head(e), logvar

    def prior(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The latent prior's mean and log-variance (B, Z) of each light curve from its class,
        physics (with the true presence mask, no dropout) and wavelength; ``None`` for the
        standard prior N(0, I)."""
        if self.config.prior != "conditional":
            return None
        c = self.config
        parts = [nn.functional.one_hot(batch["class_index"].long(), c.n_classes).float()]
        if c.n_physics:
            mask = batch["phys_mask"].float()
            parts += [batch["phys"].float() * mask, mask]
        if c.condition_wavelength:
            parts.append(batch["wave"].float().unsqueeze(-1))
        mean, logvar = self.prior_net(torch.cat(parts, dim=-1)).chunk(2, dim=-1)
        return mean, logvar.clamp(_LOGVAR_MIN, _LOGVAR_MAX)

    def decode(self, z: torch.Tensor, cond: torch.Tensor, phase: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Scaled magnitudes and errors (B, T) at ``phase`` (B, T) for latent codes ``z`` (B, Z)."""
        if self.config.decoder == "periodic":
            return self.periodic(torch.cat([z, cond], dim=-1), phase)
        steps = phase.shape[1]
        rep = torch.cat([z, cond], dim=-1).unsqueeze(1).expand(-1, steps, -1)  # (B, T, Z + C)
        h = self.decoder_seq(torch.cat([rep, self.time_tags(phase)], dim=-1))  # (B, T, H)
        out = torch.sigmoid(self.decoder_head(h))  # (B, T, 2)
        return out[..., 0], out[..., 1]

    def forward(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Reconstruct a batch: ``(mag_hat, err_hat, mu, logvar)``; z is drawn in training only."""
        mu, logvar = self.encode(batch)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        mag_hat, err_hat = self.decode(z, self.condition(batch, decoder=True), batch["phase"])
        return mag_hat, err_hat, mu, logvar
