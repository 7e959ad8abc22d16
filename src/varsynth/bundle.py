"""Saving and loading trained models: a JSON description beside safetensors weights.

A bundle is a folder with ``model.json`` (format version, kind, the full model config and free
metadata such as the training config and metrics) and ``model.safetensors`` (the weights).
safetensors holds tensors only, so loading a bundle never executes code from the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from varsynth.data.io import atomic_write
from varsynth.models.config import ModelConfig
from varsynth.models.cvae import CVAE

__all__ = ["BUNDLE_FORMAT_VERSION", "BundleError", "save_bundle", "load_bundle", "read_bundle_info"]

BUNDLE_FORMAT_VERSION = 1
_KIND = "pelsvae-cvae"


class BundleError(ValueError):
    """A bundle that cannot be loaded: missing, corrupted, or for another architecture."""


def save_bundle(path: str | Path, model: CVAE, **metadata: Any) -> Path:
    """Write ``model`` (config and weights) and JSON-serialisable ``metadata`` to folder ``path``."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    atomic_write(path / "model.safetensors", lambda tmp: save_file(tensors, str(tmp)))
    info = {
        "format_version": BUNDLE_FORMAT_VERSION,
        "kind": _KIND,
        "config": model.config.to_dict(),
        "metadata": metadata,
    }
    text = json.dumps(info, indent=2, sort_keys=True) + "\n"
    atomic_write(path / "model.json", lambda tmp: tmp.write_text(text))
    return path


def read_bundle_info(path: str | Path) -> dict[str, Any]:
    """The parsed ``model.json`` of a bundle, checked for format and kind."""
    file = Path(path) / "model.json"
    try:
        info = json.loads(file.read_text())
    except FileNotFoundError:
        raise BundleError(f"{path} is not a varsynth model bundle: {file} is missing") from None
    except (OSError, json.JSONDecodeError) as err:
        raise BundleError(f"{file} is corrupted: {err}") from err
    if not isinstance(info, dict) or info.get("kind") != _KIND:
        raise BundleError(f"{file}: not a {_KIND} bundle (kind {info.get('kind')!r})")
    if info.get("format_version") != BUNDLE_FORMAT_VERSION:
        raise BundleError(
            f"{file}: bundle format {info.get('format_version')!r} is not supported "
            f"(this varsynth reads format {BUNDLE_FORMAT_VERSION})"
        )
    return info


def load_bundle(path: str | Path) -> tuple[CVAE, dict[str, Any]]:
    """Rebuild the model of a bundle and load its weights (no code from the file is run).

    Returns:
        ``(model in eval mode, metadata)``.

    Raises:
        BundleError: missing or corrupted files, or weights that do not fit the described
            architecture (the message names the mismatching tensors).
    """
    info = read_bundle_info(path)
    model = CVAE(ModelConfig.from_dict(info["config"]))
    weights = Path(path) / "model.safetensors"
    try:
        state = load_file(str(weights))
    except FileNotFoundError:
        raise BundleError(f"{weights} is missing") from None
    except (SafetensorError, OSError) as err:
        raise BundleError(f"{weights} is corrupted: {err}") from err
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
    return model, info["metadata"]
