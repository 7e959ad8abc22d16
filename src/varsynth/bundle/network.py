"""Saving and loading the network of a bundle, and with it the bundle's manifest.

``save_bundle`` is the last step of writing a bundle (training writes the flow prior and the
catalog first): it writes the weights (``model.safetensors``), the noise record (``noise.json``)
and then ``model.json`` listing every file of the folder in its component. ``load_bundle``
verifies every file the manifest lists, then rebuilds the network from the config in the
manifest and the weights (safetensors holds tensors only, so loading runs no code from the file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from varsynth.bundle.components import open_component, write_files
from varsynth.bundle.manifest import (
    COMPONENTS,
    BundleError,
    Component,
    Manifest,
    check_component,
    folder_files,
    json_bytes,
    read_manifest,
    set_files,
    verify_bundle,
    write_manifest,
)
from varsynth.models.config import ModelConfig
from varsynth.models.cvae import CVAE

__all__ = ["WEIGHTS", "save_bundle", "load_bundle"]

#: The network's weights in a bundle.
WEIGHTS = "model.safetensors"
_NOISE = "noise.json"


def save_bundle(
    path: str | Path,
    model: CVAE,
    *,
    train_config: dict[str, Any] | None = None,
    fit: dict[str, Any] | None = None,
    **metadata: Any,
) -> Path:
    """Write ``model`` (config and weights) and its training record to bundle folder ``path``.

    Arguments:
        path: the bundle folder (created if needed).
        model: the trained network.
        train_config: the training config (``TrainConfig.to_dict()``), stored as ``training.config``.
        fit: the fit summary, stored as ``training.fit``; its ``dataset_id`` is also the
            manifest's ``training.data_id``, and its ``noise`` record (per-survey noise) is
            written as the ``noise`` component (``noise.json``).
        metadata: other JSON-serialisable keys, stored as the manifest's ``metadata``.

    ``model.json`` is written last, listing with its size and SHA-256 every file of the folder
    (the flow prior and catalog, written before the network, included).
    """
    folder = Path(path)
    fit = dict(fit) if fit is not None else None
    noise = fit.pop("noise", None) if fit is not None else None
    # sorted keys, as a format-1 bundle's migration writes the same record: one record, one byte string
    files = {WEIGHTS: model.state_dict(), **({_NOISE: json_bytes(noise, sort_keys=True)} if noise is not None else {})}
    write_files(folder, files)
    if noise is None:  # of an earlier save into this folder: no longer this model's
        (folder / _NOISE).unlink(missing_ok=True)
    spec = COMPONENTS["network"]
    manifest = Manifest(
        folder,
        {"network": Component(spec.kind, spec.format_version, config=model.config.to_dict())},
        {"config": train_config, "data_id": (fit or {}).get("dataset_id"), "fit": fit},
        metadata,
    )
    set_files(manifest, folder_files(folder))
    write_manifest(manifest)
    return folder


def load_bundle(bundle: str | Path | Manifest) -> tuple[CVAE, dict[str, Any]]:
    """Rebuild the network of a bundle and load its weights (no code from the file is run).

    Every file the manifest lists is verified first (:func:`~varsynth.bundle.verify_bundle`).

    Returns:
        ``(model in eval mode, metadata)``: the metadata as :attr:`Manifest.metadata`
        (``train_config``, ``fit`` with the noise record, other keys).

    Raises:
        BundleError: not a bundle, missing, damaged or modified files, or weights that do not fit
            the described architecture (the message names the mismatching tensors).
    """
    manifest = read_manifest(bundle)
    verify_bundle(manifest)
    check_component(manifest, "network")
    model = CVAE(ModelConfig.from_dict(manifest.network_config))
    files = open_component(manifest, "network")
    if files is None:  # check_component refused a bundle without it
        raise BundleError(f"{manifest.folder} has no network component")
    weights = files.path(WEIGHTS)
    state = files.tensors(WEIGHTS)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = sorted(k for k in set(state) & set(expected) if state[k].shape != expected[k].shape)
    if missing or unexpected or shapes:
        raise BundleError(
            f"{weights} does not fit a {model.config.arch} model as described in model.json: "
            f"missing {missing[:3]}, unexpected {unexpected[:3]}, wrong shape {shapes[:3]}"
        )
    model.load_state_dict(state)
    model.eval()
    return model, manifest.metadata
