"""The loss of eq. 4 of Martinez-Palomera et al. (2022), term by term.

    L = weighted MSE(mag, mag_hat; err) + beta * KL(q(z|x) || N(0, I)) + KL(err || err_hat)

The error term compares, per light curve, the true and predicted error sequences as
distributions over the time steps (each normalised to sum to one), as the paper's "KL divergence
between the true and predicted values" of the errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["LossTerms", "weighted_mse", "kl_latent", "kl_errors", "pelsvae_loss"]

_EPS = 1e-8


@dataclass
class LossTerms:
    """The three terms and their beta-weighted sum (scalars)."""

    total: torch.Tensor
    reconstruction: torch.Tensor
    kl_latent: torch.Tensor
    kl_errors: torch.Tensor


def weighted_mse(
    mag: torch.Tensor, mag_hat: torch.Tensor, err: torch.Tensor, mask: torch.Tensor, min_err: float
) -> torch.Tensor:
    """Mean over valid points of ``(mag - mag_hat)**2 / max(err, min_err)**2``; inputs (B, T)."""
    w = mask.float() / err.clamp(min=min_err) ** 2
    return ((mag - mag_hat) ** 2 * w).sum() / mask.float().sum().clamp(min=1)


def kl_latent(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) summed over latent dimensions, mean over the batch (B, Z)."""
    return 0.5 * (logvar.exp() + mu**2 - logvar - 1).sum(dim=-1).mean()


def kl_errors(err: torch.Tensor, err_hat: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """KL between true and predicted error sequences as distributions over valid steps (B, T)."""
    m = mask.float()
    p = err.clamp(min=_EPS) * m
    q = err_hat.clamp(min=_EPS) * m
    p = p / p.sum(dim=1, keepdim=True).clamp(min=_EPS)
    q = q / q.sum(dim=1, keepdim=True).clamp(min=_EPS)
    terms = torch.where(m > 0, p * (torch.log(p.clamp(min=_EPS)) - torch.log(q.clamp(min=_EPS))), 0.0)
    return terms.sum(dim=1).mean()


def pelsvae_loss(
    mag: torch.Tensor,
    err: torch.Tensor,
    mask: torch.Tensor,
    mag_hat: torch.Tensor,
    err_hat: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    *,
    beta: float,
    min_err: float,
) -> LossTerms:
    """Eq. 4: reconstruction + beta * latent KL + error KL, each term kept for logging."""
    rec = weighted_mse(mag, mag_hat, err, mask, min_err)
    kl = kl_latent(mu, logvar)
    kle = kl_errors(err, err_hat, mask)
    return LossTerms(rec + beta * kl + kle, rec, kl, kle)
