"""Evaluate a trained decoder at each light curve's own epochs (ragged phases).

Generated light curves have as many epochs as their cadence gives them, different for every
star and band. The epochs are laid out as a padded (light curve x epoch) batch, decoded, and put
back in their order. The periodic decoder computes one set of Fourier coefficients per light
curve and evaluates it at the phases (padding costs nothing but memory: the value at a phase
does not depend on the others); the paper's sequence decoders get the phases sorted per light
curve, as they were trained (section 4.3 of the paper). The periodic decoder's operations run on
one intra-op thread (:func:`~varsynth.models.threads.one_thread`): a second thread for its
coefficient network's products made the draw of 100 light curves no faster and the stream of
``varsynth bench`` 30% slower (its Parquet writer's thread needs the other core).
"""

from __future__ import annotations

import numpy as np
import torch

from varsynth.models.cvae import CVAE
from varsynth.models.threads import one_thread

__all__ = ["decode_epochs"]


def _padded(
    phase: np.ndarray, curve: np.ndarray, n_curves: int, sort_phase: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flat epochs as a zero-padded (L, T_max) phase array, and where each epoch went."""
    order = np.lexsort((phase, curve)) if sort_phase else np.argsort(curve, kind="stable")
    counts = np.bincount(curve, minlength=n_curves)
    start = np.cumsum(counts) - counts
    col = np.arange(len(phase)) - np.repeat(start, counts)
    rows = curve[order]
    padded = np.zeros((n_curves, max(int(counts.max(initial=0)), 1)), dtype=np.float32)
    padded[rows, col] = phase[order]
    return padded, order, rows, col


@torch.inference_mode()
def decode_epochs(
    model: CVAE, z: torch.Tensor, cond: torch.Tensor, phase: np.ndarray, curve: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    phase = np.asarray(phase, dtype=np.float32)
    curve = np.asarray(curve, dtype=np.int64)
    periodic = model.config.decoder == "periodic"
    n_curves = z.shape[0]
    counts = np.bincount(curve, minlength=n_curves)
    # fast path: epochs already grouped by light curve, all of one length (e.g. single-band cadences)
    rectangular = periodic and counts.size and (counts == counts[0]).all() and (np.diff(curve) >= 0).all()
    if rectangular:
        ph = torch.from_numpy(phase.reshape(n_curves, -1))
    else:
        padded, order, rows, col = _padded(phase, curve, n_curves, sort_phase=not periodic)
        ph = torch.from_numpy(padded)
    if periodic:
        with one_thread():  # small operations: a second thread costs more than it saves
            mag_coef, err_coef = model.periodic.coefficients(torch.cat([z, cond], dim=-1))
            mag_p, err_p = model.periodic.at_phases(mag_coef, err_coef, ph, drawing=True)
        mean = mag_coef[:, 0].numpy()
    else:
        mag_p, err_p = model.decode(z, cond, ph)
        grid = torch.linspace(0, 1, 301)[:-1].expand(n_curves, -1)
        mean = model.decode(z, cond, grid)[0].mean(dim=1).numpy()
    if rectangular:
        return mag_p.numpy().ravel(), err_p.numpy().ravel(), mean
    mag, err = np.empty(len(phase), np.float32), np.empty(len(phase), np.float32)
    mag[order] = mag_p.numpy()[rows, col]
    err[order] = err_p.numpy()[rows, col]
    return mag, err, mean
