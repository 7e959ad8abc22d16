"""An encoder input that reads the irregular folded points directly: a weighted Fourier fit.

The paper's encoders run a TCN or RNN over the 300 resampled steps of a folded light curve. A
periodic light curve is described far more compactly by its Fourier coefficients, and these
can be computed exactly from any number of irregular (phase, magnitude, error) points by
weighted least squares. :func:`fourier_features` solves, for every light curve of a batch at
once, the ridge-regularised normal equations

    (A^T W A + lambda N diag(0, 1, 4, ..., K^2, 1, 4, ..., K^2)) c = A^T W y,

with A the design matrix [1, cos 2 pi k phi, sin 2 pi k phi] (k = 1..K), W = mask / err^2
(normalised to mean 1 over a light curve's valid points) and N its number of valid points. The
penalty grows as k^2 (a smoothness prior), so a sparse light curve (20 Gaia epochs) gets stable
low-order coefficients instead of an ill-posed fit. The features are the coefficients, the log
of the weighted residual RMS (how noisy the curve is around its fit) and the log of the number
of points: the cost is one small linear solve per light curve, independent of the order in
which the points come, and the same for 20 or 3,000 points.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["fourier_design", "fourier_features", "FourierEncoderInput"]


def fourier_design(phase: torch.Tensor, harmonics: int) -> torch.Tensor:
    """Design matrix (..., T, 1 + 2K): ``[1, cos(2 pi k phi) for k, sin(2 pi k phi) for k]``."""
    k = torch.arange(1, harmonics + 1, dtype=phase.dtype, device=phase.device)
    arg = (2.0 * math.pi) * phase.unsqueeze(-1) * k  # (..., T, K)
    return torch.cat([torch.ones_like(phase).unsqueeze(-1), torch.cos(arg), torch.sin(arg)], dim=-1)


def fourier_features(
    phase: torch.Tensor,
    mag: torch.Tensor,
    err: torch.Tensor,
    mask: torch.Tensor,
    *,
    harmonics: int,
    ridge: float,
    min_err: float,
) -> torch.Tensor:
    """Weighted ridge Fourier fit of every light curve of a batch, as a feature vector.

    Arguments:
        phase, mag, err, mask: (B, T) phases in [0, 1), scaled magnitudes, their errors and the
            validity mask (padding steps are 0).
        harmonics: K, the fit's order.
        ridge: lambda of the k^2 smoothness penalty, per valid point.
        min_err: floor of the errors in the weights (avoids 1/0).

    Returns:
        (B, 1 + 2K + 2): the coefficients ``[c_0, a_1..a_K, b_1..b_K]``, log10 of the weighted
        residual RMS and log10 of the number of valid points.
    """
    m = mask.to(mag.dtype)
    a = fourier_design(phase, harmonics)  # (B, T, F)
    w = m / err.clamp(min=min_err) ** 2
    n = m.sum(dim=1).clamp(min=1.0)  # (B,)
    w = w * (n / w.sum(dim=1).clamp(min=1e-12)).unsqueeze(-1)  # mean weight 1 over valid points
    aw = a * w.unsqueeze(-1)  # (B, T, F)
    lhs = aw.transpose(1, 2) @ a  # (B, F, F)
    rhs = (aw.transpose(1, 2) @ mag.unsqueeze(-1)).squeeze(-1)  # (B, F)
    k2 = torch.arange(1, harmonics + 1, dtype=mag.dtype, device=mag.device) ** 2
    penalty = torch.cat([torch.full((1,), 1e-6, dtype=mag.dtype, device=mag.device), k2, k2])
    lhs = lhs + torch.diag_embed(ridge * n.unsqueeze(-1) * penalty + 1e-6)
    coef = torch.linalg.solve(lhs, rhs)  # (B, F)
    resid = ((mag - (a @ coef.unsqueeze(-1)).squeeze(-1)) ** 2 * w).sum(dim=1) / n
    return torch.cat(
        [coef, torch.log10(resid.clamp(min=1e-8)).unsqueeze(-1) / 2.0, torch.log10(n).unsqueeze(-1)], dim=-1
    )


class FourierEncoderInput(nn.Module):
    """The encoder's light-curve summary: :func:`fourier_features` with fixed settings.

    Arguments:
        harmonics: order K of the fit.
        ridge: smoothness penalty per valid point.
        min_err: floor of the scaled errors in the weights.
    """

    def __init__(self, harmonics: int, ridge: float, min_err: float):
        super().__init__()
        self.harmonics, self.ridge, self.min_err = harmonics, ridge, min_err

    @property
    def n_features(self) -> int:
        """Size of the feature vector: 1 + 2K coefficients, residual RMS, point count."""
        return 1 + 2 * self.harmonics + 2

    def forward(self, phase: torch.Tensor, mag: torch.Tensor, err: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, T) inputs -> (B, n_features)."""
        return fourier_features(phase, mag, err, mask, harmonics=self.harmonics, ridge=self.ridge, min_err=self.min_err)
