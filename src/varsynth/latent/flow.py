"""A conditional normalizing-flow prior p(z, log10 amplitude | class, physics, passband).

PELS-VAE links physics to the latent space with regressors fitted after training, which the
paper names as its weak point and for which it proposes normalizing flows as future work. The
flow (:class:`varsynth.models.flow.LatentFlow`) is a neural spline flow (zuko's ``NSF``) over the
encoder's latent code and the
light curve's log10 peak-to-peak amplitude (mag), conditioned on the one-hot class, the
standardised physical parameters with their presence mask and the passband's effective
wavelength (micrometres). Sampling it gives diverse but consistent latent codes and amplitudes
for one set of physical parameters (what the paper's dummy dimension approximates); its density
scores how plausible a latent code is for given physics, which inference inverts.

The amplitude is part of the flow because the decoder works on min-max scaled magnitudes: to
return real magnitudes the generator needs an amplitude for the star and band, drawn jointly
with the shape.

It is fitted on the real (not augmented) training light curves: augmented copies are
phase-shifted, and generation relies on phase 0 being maximum light (primary minimum for
binaries). Training draws the latent code from each sample's encoder posterior N(mu, sigma) every epoch
(the aggregate posterior the decoder was trained on) and keeps the weights of the epoch with the
best validation log-likelihood (on one fixed draw per validation sample).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch
from tqdm.auto import tqdm

from varsynth.bundle import BundleError, Manifest, open_component, write_component
from varsynth.config import ConfigError
from varsynth.data.io import read_split
from varsynth.data.tensors import DataFilter, load_split
from varsynth.latent.catalog_bands import catalog_band_rows
from varsynth.latent.encode import encode_split
from varsynth.models.cvae import CVAE
from varsynth.models.flow import FlowConfig, LatentFlow

__all__ = [
    "MIN_DECODED_RANGE",
    "FlowData",
    "flow_data",
    "catalog_amplitude_data",
    "decoded_ranges",
    "fit_flow",
    "evaluate_flow",
    "base_codes",
    "save_flow",
    "load_flow",
]

log = logging.getLogger(__name__)

#: The smallest peak-to-peak of a decoded scaled curve a catalog amplitude is divided by (a nearly
#: flat decoded curve would otherwise ask the flow for an amplitude many times the catalog's).
MIN_DECODED_RANGE = 0.5

#: Files of the flow prior (the bundle's ``flow`` component).
_INFO, _WEIGHTS = "flow.json", "flow.safetensors"


@dataclass
class FlowData:
    """Flow inputs of one split: encoder posteriors, log amplitudes and contexts."""

    mu: torch.Tensor  # (N, Z)
    sigma: torch.Tensor  # (N, Z)
    log_amp: torch.Tensor  # (N,)
    class_index: torch.Tensor  # (N,)
    phys: torch.Tensor  # (N, P) standardised, 0 where missing
    phys_mask: torch.Tensor  # (N, P)
    wave: torch.Tensor  # (N,) micrometres

    def __len__(self) -> int:
        return int(self.mu.shape[0])

    def subset(self, rows: np.ndarray) -> FlowData:
        """The samples at ``rows`` (in that order)."""
        idx = torch.from_numpy(np.asarray(rows, dtype=np.int64))
        return FlowData(*(getattr(self, f.name)[idx] for f in fields(self)))

    def joined(self, other: FlowData) -> FlowData:
        """These samples followed by ``other``'s."""
        return FlowData(*(torch.cat([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self)))


def flow_data(model: CVAE, dataset_dir: str | Path, split: str, data_filter: DataFilter | None = None) -> FlowData:
    """Encode ``split`` with ``model`` and collect what the flow needs, row-aligned."""
    cfg = model.config
    enc = encode_split(model, dataset_dir, split, data_filter=data_filter)
    tensors = load_split(
        dataset_dir,
        split,
        physics=cfg.physics,
        phys_mean=cfg.phys_mean or None,
        phys_std=cfg.phys_std or None,
        data_filter=data_filter,
        colour_wavelengths=bool(cfg.colour_wavelengths),
    )
    table = _split_table(dataset_dir, split, data_filter)
    amp = table["mag_max"].to_numpy() - table["mag_min"].to_numpy()
    return FlowData(
        mu=torch.from_numpy(enc.mu).float(),
        sigma=torch.from_numpy(enc.sigma).float(),
        log_amp=torch.from_numpy(np.log10(np.maximum(amp, 1e-4))).float(),
        class_index=tensors.class_index,
        phys=tensors.phys,
        phys_mask=tensors.phys_mask,
        wave=tensors.wave,
    )


def _split_table(dataset_dir: str | Path, split: str, data_filter: DataFilter | None) -> pa.Table:
    table = read_split(dataset_dir, split)
    return table if data_filter is None else data_filter.apply(table)


def catalog_amplitude_data(
    model: CVAE,
    data: FlowData,
    dataset_dir: str | Path,
    split: str,
    data_filter: DataFilter | None,
    classes: Sequence[str],
) -> FlowData:
    """One flow sample per star of ``classes`` in ``data`` (:func:`flow_data` of the same split
    and filter) that has an OGLE-III catalog I-band amplitude (:mod:`varsynth.latent.catalog_bands`):
    the shape code and physics of its reddest light curve, the I band's wavelength and the
    amplitude the flow must give for the decoded curve to span the catalog's peak-to-peak
    amplitude.

    A light curve's flow amplitude is the range of its points, noise and cycle-to-cycle changes
    included, over which the decoder's noise-free curve spans less than the unit range (EROS-1
    Miras: about three quarters), so the catalog's ``A_1`` (a Fourier fit's peak-to-peak) is
    divided by the peak-to-peak of the decoded curve at I, clipped to [:data:`MIN_DECODED_RANGE`, 1].
    """
    table = _split_table(dataset_dir, split, data_filter)
    extra = catalog_band_rows(dataset_dir, table, classes, colour=bool(model.config.colour_wavelengths))
    if not len(extra):
        log.warning(
            "%s records no OGLE-III catalog amplitude of a %s star (data.catalog_amplitudes): no catalog rows",
            dataset_dir,
            "/".join(classes),
        )
    rows = data.subset(extra.rows)
    rows.wave = torch.from_numpy(extra.wave_eff / 1000.0).float()
    span = np.clip(decoded_ranges(model, rows), MIN_DECODED_RANGE, 1.0)
    rows.log_amp = torch.from_numpy(np.log10(extra.amplitude / span)).float()
    return rows


def decoded_ranges(model: CVAE, data: FlowData, *, n_phases: int = 200) -> np.ndarray:
    """Peak-to-peak (N,) of the decoder's scaled curve at the latent means and contexts of ``data``."""
    batch = {"class_index": data.class_index, "phys": data.phys, "phys_mask": data.phys_mask, "wave": data.wave}
    phase = torch.linspace(0.0, 1.0, n_phases + 1)[:-1].expand(len(data), n_phases)
    with torch.no_grad():
        mag, _ = model.decode(data.mu, model.condition(batch, decoder=True), phase.contiguous())
    return (mag.max(dim=1).values - mag.min(dim=1).values).numpy().astype(np.float64)


def _nll(flow: LatentFlow, data: FlowData, index: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of the latent draws mu + sigma * noise of rows ``index``."""
    z = data.mu[index] + noise * data.sigma[index]
    ctx = flow.context(data.class_index[index], data.phys[index], data.phys_mask[index], data.wave[index])
    return -flow.log_prob(z, data.log_amp[index], ctx).mean()


def fit_flow(
    model: CVAE, train: FlowData, val: FlowData, config: FlowConfig, *, progress: bool = True
) -> tuple[LatentFlow, dict[str, Any]]:
    """Train the flow on ``train`` (fresh latent draws each epoch), keep the best epoch on ``val``
    (one fixed latent draw per sample).

    Returns:
        ``(flow in eval mode, metrics)``; metrics hold the best validation log-likelihood per
        sample (nats), the epochs run and the training sizes.
    """
    torch.manual_seed(config.seed)
    flow = LatentFlow(model.config.latent_dim, model.config.n_classes, model.config.n_physics, config)
    # standardise with the spread of the draws the flow is trained on: var(mu) + mean(sigma^2), so
    # that collapsed latent dimensions (mu ~ 0, sigma ~ 1) do not enter 40x inflated
    x = torch.cat([train.mu, train.log_amp[:, None]], dim=-1)
    spread = torch.cat([train.mu.var(dim=0) + (train.sigma**2).mean(dim=0), train.log_amp.var()[None]])
    flow.x_mean.copy_(x.mean(dim=0))
    flow.x_std.copy_(spread.sqrt().clamp(min=1e-6))
    opt = torch.optim.Adam(flow.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.epochs)
    gen = torch.Generator().manual_seed(config.seed)
    best, best_state, stale, epochs_run = float("inf"), None, 0, 0
    val_index = torch.arange(len(val))
    val_noise = torch.randn(len(val), val.mu.shape[1], generator=torch.Generator().manual_seed(config.seed + 1))
    bar = tqdm(range(config.epochs), desc="flow prior", disable=not progress)
    for epoch in bar:
        epochs_run = epoch + 1
        flow.train()
        for index in torch.randperm(len(train), generator=gen).split(config.batch_size):
            loss = _nll(flow, train, index, torch.randn(len(index), train.mu.shape[1], generator=gen))
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        flow.eval()
        with torch.no_grad():
            val_nll = float(sum(_nll(flow, val, i, val_noise[i]) * len(i) for i in val_index.split(4096)) / len(val))
        bar.set_postfix(val_nll=f"{val_nll:.3f}")
        if val_nll < best:
            best, stale = val_nll, 0
            best_state = {k: v.detach().clone() for k, v in flow.state_dict().items()}
        else:
            stale += 1
            if stale >= config.patience:
                break
    if best_state is not None:
        flow.load_state_dict(best_state)
    flow.eval()
    metrics = {"val_log_likelihood": -best, "epochs": epochs_run, "train_samples": len(train), "val_samples": len(val)}
    return flow, metrics


def base_codes(flow: LatentFlow, data: FlowData, *, seed: int = 0, batch: int = 4096) -> np.ndarray:
    """The flow's base points (N, Z + 1) of one posterior draw per light curve and its log10 amplitude.

    The latent code is one draw ``mu + sigma * e`` of the light curve's encoder posterior (seeded),
    as the flow was trained on. Where the flow has learned p(z, amplitude | physics) exactly, the
    base points are standard normal and independent of the physics; generation with
    ``neighbour_bandwidth`` draws near them.
    """
    noise = torch.randn(data.mu.shape, generator=torch.Generator().manual_seed(seed))
    out = []
    with torch.inference_mode():
        for start in range(0, len(data), batch):
            sl = slice(start, start + batch)
            ctx = flow.context(data.class_index[sl], data.phys[sl], data.phys_mask[sl], data.wave[sl])
            z = data.mu[sl] + noise[sl] * data.sigma[sl]
            out.append(flow.base_code(z, data.log_amp[sl], ctx).numpy())
    return np.concatenate(out) if out else np.zeros((0, flow.latent_dim + 1), np.float32)


def save_flow(bundle_dir: str | Path, flow: LatentFlow, metrics: dict[str, Any]) -> Path:
    """Write the bundle's ``flow`` component: ``flow.safetensors`` (weights) and ``flow.json``
    (config, sizes, metrics)."""
    info = {
        "config": flow.config.to_dict(),
        "latent_dim": flow.latent_dim,
        "n_classes": flow.n_classes,
        "n_physics": flow.n_physics,
        "metrics": metrics,
    }
    return write_component(bundle_dir, "flow", {_WEIGHTS: flow.state_dict(), _INFO: info})


def load_flow(bundle: str | Path | Manifest) -> tuple[LatentFlow, dict[str, Any]]:
    """The flow prior of a bundle (weights from safetensors: no code runs) and its metrics.

    Arguments:
        bundle: the bundle folder or its manifest (:func:`varsynth.bundle.read_manifest`).

    Raises:
        ConfigError: the bundle has no flow prior (trained without one).
        BundleError: ``flow.json`` or ``flow.safetensors`` is missing, damaged or modified, or
            the two do not describe one flow.
    """
    files = open_component(bundle, "flow")
    if files is None:
        folder = bundle.folder if isinstance(bundle, Manifest) else bundle
        raise ConfigError(
            f"{folder} has no flow prior ({_INFO}); train one with `varsynth train` and a config with a `flow:` section"
        )
    info, state = files.json(_INFO), files.tensors(_WEIGHTS)
    try:
        flow = LatentFlow(
            info["latent_dim"], info["n_classes"], info["n_physics"], FlowConfig.from_dict(info["config"])
        )
        flow.load_state_dict(state)
        metrics = info["metrics"]
    except (KeyError, TypeError, RuntimeError) as err:
        raise BundleError(
            f"{files.path(_INFO)} and {files.path(_WEIGHTS)} do not describe one flow: {str(err).splitlines()[0]}"
        ) from err
    flow.eval()
    return flow, metrics


@torch.no_grad()
def evaluate_flow(flow: LatentFlow, data: FlowData, *, n_draws: int = 64, seed: int = 0) -> dict[str, Any]:
    """How well the flow predicts held-out latent means from physics, on the regressors' terms.

    Only objects with all physical parameters are scored (as for the regressors). ``r2``: one
    flow draw per object against its latent mean (as in generation); ``r2_median``: the flow's
    conditional median (of ``n_draws`` draws, robust to the spline flow's rare far draws) against
    it; ``log_likelihood``: mean log p(z, log A | context) in nats per object.
    """
    from sklearn.metrics import r2_score

    keep = data.phys_mask.bool().all(dim=1)
    mu = data.mu[keep]
    ctx = flow.context(data.class_index[keep], data.phys[keep], data.phys_mask[keep], data.wave[keep])
    torch.manual_seed(seed)
    draws = torch.stack([flow.sample(ctx)[0] for _ in range(n_draws)])  # (D, N, Z)
    target = mu.numpy()
    return {
        "objects": int(keep.sum()),
        "r2": float(r2_score(target, draws[0].numpy(), multioutput="variance_weighted")),
        "r2_median": float(r2_score(target, draws.median(dim=0).values.numpy(), multioutput="variance_weighted")),
        "rmse": float(torch.sqrt(((draws[0] - mu) ** 2).mean())),
        "log_likelihood": float(flow.log_prob(mu, data.log_amp[keep], ctx).mean()),
    }
