"""Evaluate a trained decoder at each light curve's own epochs (ragged phases).

Generated light curves have as many epochs as their cadence gives them, different for every
star and band. The periodic decoder computes one set of Fourier coefficients per light curve and
evaluates it at a flat array of phases, never padding. The paper's sequence decoders need a
padded batch: phases are sorted per light curve (the decoder was trained on phase-sorted
sequences, section 4.3 of the paper), decoded, and put back in the epochs' order.
"""

from __future__ import annotations

import numpy as np
import torch

from varsynth.models.cvae import CVAE
from varsynth.models.periodic import PeriodicDecoder

__all__ = ["decode_epochs"]


@torch.inference_mode()
def decode_epochs(model: CVAE, z: torch.Tensor, cond: torch.Tensor, phase: np.ndarray,
                  curve: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scaled magnitude and error at every epoch, and each light curve's phase-mean magnitude.

    Arguments:
        model: a trained model in eval mode.
        z: latent codes (L, Z), one per light curve.
        cond: decoder conditions (L, C).
        phase: phases in [0, 1) of all epochs, flat (E,).
        curve: index in 0..L-1 of each epoch's light curve (E,).

    Returns:
        ``(mag (E,), err (E,), mean (L,))`` in the model's min-max scaled units; ``mean`` is the
        magnitude averaged over phase (the constant Fourier term for the periodic decoder, a
        300-point phase average otherwise).
    """
    ph = torch.from_numpy(np.asarray(phase, dtype=np.float32))
    idx = torch.from_numpy(np.asarray(curve, dtype=np.int64))
    if model.config.decoder == "periodic":
        dec = model.periodic
        mag_coef, err_coef = dec.coefficients(torch.cat([z, cond], dim=-1))
        mag = PeriodicDecoder.evaluate_rows(mag_coef, idx, ph, dec.harmonics)
        err = torch.nn.functional.softplus(PeriodicDecoder.evaluate_rows(err_coef, idx, ph, dec.err_harmonics))
        return mag.numpy(), err.numpy(), mag_coef[:, 0].numpy()
    n_curves = z.shape[0]
    counts = np.bincount(curve, minlength=n_curves)
    order = np.lexsort((phase, curve))  # by light curve, then phase
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    col = np.arange(len(phase)) - np.repeat(start, counts)
    padded = np.ones((n_curves, max(int(counts.max(initial=1)), 1)), dtype=np.float32)
    padded[curve[order], col] = phase[order]
    mag_p, err_p = model.decode(z, cond, torch.from_numpy(padded))
    mag, err = np.empty(len(phase), np.float32), np.empty(len(phase), np.float32)
    mag[order] = mag_p.numpy()[curve[order], col]
    err[order] = err_p.numpy()[curve[order], col]
    grid = torch.linspace(0, 1, 301)[:-1].expand(n_curves, -1)
    mean = model.decode(z, cond, grid)[0].mean(dim=1).numpy()
    return mag, err, mean
