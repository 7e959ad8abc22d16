"""An exactly periodic, continuous decoder: the light curve as a learned Fourier series.

The magnitude at phase phi is

    m(phi) = c_0 + sum_k [a_k cos(2 pi k phi) + b_k sin(2 pi k phi)],   k = 1..K,

whose coefficients ``(c_0, a_k, b_k)`` a dense network computes from the latent code and the
conditions (class, physical parameters, passband). Phase enters only through these periodic
features, so the output is exactly periodic (m(phi) = m(phi + 1)), it can be evaluated at any
number of phases with one set of weights, and the value at one phase never depends on which
other phases were asked for. The scaled error is a second, low-order Fourier series through a
softplus (errors are positive and vary with brightness along the cycle).

Because the coefficients are computed once per light curve, drawing a light curve costs one
small dense pass plus K complex multiply-adds per epoch: orders of magnitude faster than the
paper's sequence decoders, which run a TCN or RNN over every requested step.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

__all__ = ["phasor", "fourier_series", "PeriodicDecoder"]


def phasor(phase: torch.Tensor, *, drawing: bool = False) -> torch.Tensor:
    """w = exp(2 pi i phi), with phi reduced modulo 1 (phi and phi + n give the same w).

    ``drawing``: a float32 CPU ``phase`` without gradients takes numpy's cosine and sine
    (vectorised: about four times faster than torch's polar form at 100 x 300 phases; the values
    agree to float32 rounding). Training and validation keep torch's (``drawing=False``), so that
    a training run's numbers do not depend on it.
    """
    if (
        drawing
        and phase.dtype == torch.float32
        and phase.device.type == "cpu"
        and not (torch.is_grad_enabled() and phase.requires_grad)
    ):
        cycles = phase.numpy(force=True)
        angle = np.floor(cycles)  # phi - floor(phi): np.remainder is ~40 times slower
        np.subtract(cycles, angle, out=angle)
        angle *= np.float32(2.0 * math.pi)
        out = np.empty(angle.shape, np.complex64)
        parts = out.view(np.float32).reshape(*angle.shape, 2)
        np.cos(angle, out=parts[..., 0])
        np.sin(angle, out=parts[..., 1])
        return torch.from_numpy(out)
    return torch.polar(torch.ones_like(phase), (2.0 * math.pi) * torch.remainder(phase, 1.0))


def fourier_series(coef: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """c_0 + sum_k a_k cos(2 pi k phi) + b_k sin(2 pi k phi), elementwise, at w = :func:`phasor` (phi).

    ``coef`` (..., 1 + 2K) holds ``[c_0, a_1..a_K, b_1..b_K]`` and broadcasts against ``w``
    (...): e.g. (B, 1, 1 + 2K) with phases (B, T). The series is summed by Horner's rule in w:
    one complex multiply-add per harmonic and no trigonometric function per harmonic, which
    makes drawing light curves fast.
    """
    k = (coef.shape[-1] - 1) // 2
    a, b = coef[..., 1 : k + 1], coef[..., k + 1 :]
    if k == 0:
        return coef[..., 0] + torch.zeros(w.shape, dtype=coef.dtype)  # broadcast: no harmonic
    c = torch.complex(a, -b)
    acc = c[..., k - 1] * w  # the first step, from zero (torch.broadcast_shapes costs milliseconds)
    if torch.is_grad_enabled() and (coef.requires_grad or w.requires_grad):
        for j in range(k - 2, -1, -1):  # Re[(a_j - i b_j) w^j] = a_j cos + b_j sin
            acc = (acc + c[..., j]) * w
    else:  # the same operations in place (drawing light curves): no new tensor per harmonic
        for j in range(k - 2, -1, -1):
            acc.add_(c[..., j]).mul_(w)
    return coef[..., 0] + acc.real


class PeriodicDecoder(nn.Module):
    """Latent code and conditions -> Fourier coefficients -> scaled magnitudes and errors.

    Arguments:
        n_in: size of ``[z, conditions]``.
        hidden: width of the dense layers.
        harmonics: K, harmonics of the magnitude series.
        err_harmonics: harmonics of the error series.
        dropout: dropout between the dense layers.
    """

    def __init__(self, n_in: int, hidden: int, harmonics: int, err_harmonics: int, dropout: float):
        super().__init__()
        self.harmonics = harmonics
        self.err_harmonics = err_harmonics
        self.body = nn.Sequential(
            nn.Linear(n_in, hidden),
            nn.SiLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
        )
        self.mag_head = nn.Linear(hidden, 1 + 2 * harmonics)
        self.err_head = nn.Linear(hidden, 1 + 2 * err_harmonics)
        with torch.no_grad():  # start from a flat curve at mid-range with small errors
            self.mag_head.weight.mul_(0.1)
            self.mag_head.bias.zero_()
            self.mag_head.bias[0] = 0.5
            self.err_head.bias.zero_()
            self.err_head.bias[0] = -3.0

    def coefficients(self, zc: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Fourier coefficients of magnitude (B, 1 + 2K) and of pre-softplus error (B, 1 + 2K_err)."""
        if self.training:
            h = self.body(zc)
        else:  # the same layers without the modules' call overhead and the (identity) dropouts: drawing
            h = zc
            for layer in self.body:
                if isinstance(layer, nn.Linear):
                    h = nn.functional.linear(h, layer.weight, layer.bias)
                elif isinstance(layer, nn.SiLU):
                    h = nn.functional.silu(h)
        return (
            nn.functional.linear(h, self.mag_head.weight, self.mag_head.bias),
            nn.functional.linear(h, self.err_head.weight, self.err_head.bias),
        )

    @staticmethod
    def evaluate(coef: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """The series with coefficients ``coef`` (B, 1 + 2K) at phasors ``w`` (B, T) -> (B, T)."""
        return fourier_series(coef[:, None, :], w)

    def series(self, zc: torch.Tensor, phase: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Scaled magnitudes and errors (B, T) at ``phase`` (B, T), and the magnitude coefficients."""
        mag_coef, err_coef = self.coefficients(zc)
        return *self.at_phases(mag_coef, err_coef, phase), mag_coef

    def at_phases(
        self, mag_coef: torch.Tensor, err_coef: torch.Tensor, phase: torch.Tensor, *, drawing: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Scaled magnitudes and errors (B, T) at ``phase`` (B, T) from :meth:`coefficients`
        (``drawing``: see :func:`phasor`)."""
        w = phasor(phase, drawing=drawing)
        return self.evaluate(mag_coef, w), nn.functional.softplus(self.evaluate(err_coef, w))

    def forward(self, zc: torch.Tensor, phase: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Scaled magnitudes and errors (B, T) at ``phase`` (B, T) for inputs ``zc`` (B, Z + C)."""
        mag, err, _ = self.series(zc, phase)
        return mag, err
