"""The loss of eq. 4 of Martinez-Palomera et al. (2022), term by term.

    L = weighted MSE(mag, mag_hat; err) + beta * KL(q(z|x) || N(0, I)) + KL(err || err_hat)

varsynth's default trains with ``reduction="sum"``: the reconstruction term is then half the chi^2
summed over a light curve's points (its Gaussian negative log-likelihood, in nats), so that the
latent KL is weighed against a whole light curve, as in a proper evidence lower bound, rather
than against one point (the paper's mean makes the KL ~300x heavier and collapses the latent
space); the error term is scaled by the mean number of points to keep its share. ``free_bits``
(nats per latent dimension, Kingma et al. 2016) stops the KL from pushing any dimension to
the prior below that amount.

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
    mag: torch.Tensor,
    mag_hat: torch.Tensor,
    err: torch.Tensor,
    mask: torch.Tensor,
    min_err: float,
    reduction: str = "mean",
) -> torch.Tensor:
    """``(mag - mag_hat)**2 / max(err, min_err)**2`` over valid points; inputs (B, T).

    ``reduction="mean"``: the mean over all valid points of the batch (the paper's).
    ``reduction="sum"``: half the sum over each light curve's points, mean over light curves
    (the Gaussian negative log-likelihood per light curve, without its constant).
    """
    w = mask.float() / err.clamp(min=min_err) ** 2
    chi2 = (mag - mag_hat) ** 2 * w
    if reduction == "sum":
        return 0.5 * chi2.sum() / mag.shape[0]
    return chi2.sum() / mask.float().sum().clamp(min=1)


def kl_latent(
    mu: torch.Tensor,
    logvar: torch.Tensor,
    free_bits: float = 0.0,
    prior: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> torch.Tensor:
    """KL(N(mu, sigma^2) || prior) summed over latent dimensions, mean over the batch (B, Z).

    ``prior``: the prior's mean and log-variance (B, Z) of a conditional prior; ``None``: N(0, I).
    With ``free_bits`` > 0, each dimension's batch-mean KL counts as at least ``free_bits`` nats.
    """
    if prior is None:
        per_dim = 0.5 * (logvar.exp() + mu**2 - logvar - 1).mean(dim=0)  # (Z,)
    else:
        p_mu, p_logvar = prior
        per_dim = 0.5 * ((logvar.exp() + (mu - p_mu) ** 2) / p_logvar.exp() + p_logvar - logvar - 1).mean(dim=0)
    if free_bits > 0:
        per_dim = per_dim.clamp(min=free_bits)
    return per_dim.sum()


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
    reduction: str = "mean",
    free_bits: float = 0.0,
    prior: tuple[torch.Tensor, torch.Tensor] | None = None,
    rec_err: torch.Tensor | None = None,
) -> LossTerms:
    """Eq. 4: reconstruction + beta * latent KL + error KL, each term kept for logging.

    ``reduction`` and ``free_bits``: see :func:`weighted_mse` and :func:`kl_latent`; with
    ``reduction="sum"`` the error KL is scaled by the mean number of valid points; ``prior``: see
    :func:`kl_latent`; ``rec_err``: errors (B, T) of the reconstruction term only (``None``: ``err``,
    which the error KL always uses).
    """
    rec = weighted_mse(mag, mag_hat, err if rec_err is None else rec_err, mask, min_err, reduction)
    kl = kl_latent(mu, logvar, free_bits, prior)
    kle = kl_errors(err, err_hat, mask)
    if reduction == "sum":
        kle = kle * mask.float().sum(dim=1).mean()
    return LossTerms(rec + beta * kl + kle, rec, kl, kle)
