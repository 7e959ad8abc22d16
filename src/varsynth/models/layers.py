"""Sequence layers of the PELS-VAE family: a causal dilated TCN (Bai et al. 2018), GRU, LSTM.

Every layer stack maps a sequence ``(B, T, C_in)`` to ``(B, T, H)`` so encoder and decoder can
use any of them interchangeably.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

__all__ = ["TemporalBlock", "TCN", "RNN", "sequence_layers"]


class TemporalBlock(nn.Module):
    """Two causal dilated convolutions with ReLU and dropout, plus a residual connection.

    Causality: the input is padded on the left only, so step t sees steps <= t.
    """

    def __init__(self, c_in: int, c_out: int, kernel_size: int, dilation: int, dropout: float):
        super().__init__()
        self.pad = (kernel_size - 1) * dilation
        self.conv1 = weight_norm(nn.Conv1d(c_in, c_out, kernel_size, dilation=dilation))
        self.conv2 = weight_norm(nn.Conv1d(c_out, c_out, kernel_size, dilation=dilation))
        self.drop = nn.Dropout(dropout)
        self.relu = nn.ReLU()
        self.residual = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: (B, C_in, T) -> (B, C_out, T)."""
        h = self.drop(self.relu(self.conv1(nn.functional.pad(x, (self.pad, 0)))))  # (B, C, T)
        h = self.drop(self.relu(self.conv2(nn.functional.pad(h, (self.pad, 0)))))  # (B, C, T)
        return self.relu(h + self.residual(x))


class TCN(nn.Module):
    """A stack of :class:`TemporalBlock` with dilations 1, 2, 4, ... (receptive field grows 2x)."""

    def __init__(self, c_in: int, hidden: int, blocks: int, kernel_size: int, dropout: float):
        super().__init__()
        self.blocks = nn.Sequential(
            *[TemporalBlock(c_in if i == 0 else hidden, hidden, kernel_size, 2**i, dropout) for i in range(blocks)]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: (B, T, C_in) -> (B, T, H)."""
        return self.blocks(x.transpose(1, 2)).transpose(1, 2)  # (B, T, H)


class RNN(nn.Module):
    """A stacked GRU or LSTM (batch first) returning every step's output."""

    def __init__(self, kind: str, c_in: int, hidden: int, layers: int, dropout: float):
        super().__init__()
        cls = nn.GRU if kind == "gru" else nn.LSTM
        self.rnn = cls(c_in, hidden, num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: (B, T, C_in) -> (B, T, H)."""
        out, _ = self.rnn(x)
        return out


def sequence_layers(
    arch: str, c_in: int, hidden: int, *, blocks: int, kernel_size: int, layers: int, dropout: float
) -> nn.Module:
    """The sequence stack named ``arch`` (``tcn``, ``gru`` or ``lstm``)."""
    if arch == "tcn":
        return TCN(c_in, hidden, blocks, kernel_size, dropout)
    if arch in ("gru", "lstm"):
        return RNN(arch, c_in, hidden, layers, dropout)
    raise ValueError(f"model.arch must be one of ['tcn', 'gru', 'lstm'], got {arch!r}")
