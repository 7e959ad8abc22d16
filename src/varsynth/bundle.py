"""Saving and loading trained models: a JSON description beside safetensors weights.

A bundle is a folder with ``model.json`` (format version, kind, the full model config and free
metadata such as the training config and metrics) and ``model.safetensors`` (the weights).
safetensors holds tensors only, so loading a bundle never executes code from the file.

Integrity: ``model.json`` records, under ``files``, the size (bytes) and SHA-256 of every other
file of the bundle (weights, flow prior, catalog, calibration, model card, regressors). Every
writer of a bundle file updates its entry (:func:`record_files`), and loading checks them
(:func:`verify_bundle`): a missing file, or one whose bytes changed after it was written
(a flipped bit, a truncated copy, a hand edit), is refused with a message naming the file.
Bundles written before the hashes existed load unchecked; :func:`record_files` with no names
adds the hashes of every file present (``python -m varsynth.bundle FOLDER``), which is also the
way to accept a deliberate edit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from varsynth.data.io import atomic_write
from varsynth.models.config import ModelConfig
from varsynth.models.cvae import CVAE

__all__ = [
    "BUNDLE_FORMAT_VERSION",
    "BundleError",
    "save_bundle",
    "load_bundle",
    "read_bundle_info",
    "file_sha256",
    "record_files",
    "record_if_in_bundle",
    "verify_bundle",
    "bundle_lists",
    "FILES_KEY",
]

log = logging.getLogger(__name__)

BUNDLE_FORMAT_VERSION = 1
_KIND = "pelsvae-cvae"
_MANIFEST = "model.json"
#: Key of ``model.json`` holding ``{file name: {"bytes": size, "sha256": hex digest}}``.
FILES_KEY = "files"


class BundleError(ValueError):
    """A bundle that cannot be loaded: missing, corrupted, or for another architecture."""


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry(file: Path) -> dict[str, Any]:
    return {"bytes": file.stat().st_size, "sha256": file_sha256(file)}


def _bundle_files(path: Path) -> list[str]:
    """Names of the files of a bundle folder besides ``model.json`` (hidden and temporary files excluded)."""
    return sorted(f.name for f in path.iterdir() if f.is_file() and f.name != _MANIFEST and not f.name.startswith("."))


def _write_info(path: Path, info: dict[str, Any]) -> None:
    text = json.dumps(info, indent=2, sort_keys=True) + "\n"
    atomic_write(path / _MANIFEST, lambda tmp: tmp.write_text(text))


def save_bundle(path: str | Path, model: CVAE, **metadata: Any) -> Path:
    """Write ``model`` (config and weights) and JSON-serialisable ``metadata`` to folder ``path``.

    ``model.json`` records the size and SHA-256 of the weights and of every other file already
    in the folder (the flow prior and catalog are written before the network's bundle).
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    atomic_write(path / "model.safetensors", lambda tmp: save_file(tensors, str(tmp)))
    info = {
        "format_version": BUNDLE_FORMAT_VERSION,
        "kind": _KIND,
        "config": model.config.to_dict(),
        "metadata": metadata,
        FILES_KEY: {name: _entry(path / name) for name in _bundle_files(path)},
    }
    _write_info(path, info)
    return path


def record_files(path: str | Path, names: Iterable[str] | None = None, *, removed: Iterable[str] = ()) -> bool:
    """Record the size and SHA-256 of bundle files in ``model.json`` (called by every bundle writer).

    Arguments:
        path: the bundle folder.
        names: files (names inside ``path``) just written; ``None``: every file of the folder,
            with entries of files no longer present dropped (migrating a bundle written before
            the hashes existed, or accepting a deliberate edit).
        removed: files just deleted, whose entries are dropped.

    Returns:
        ``False`` (and nothing written) when the folder has no ``model.json`` yet: then
        :func:`save_bundle` records the files when it writes it.
    """
    path = Path(path)
    if not (path / _MANIFEST).is_file():
        return False
    info = read_bundle_info(path)
    files = dict(info.get(FILES_KEY) or {})
    if names is None:
        files = {}
        names = _bundle_files(path)
    for name in removed:
        files.pop(name, None)
    for name in names:
        files[name] = _entry(path / name)
    info[FILES_KEY] = dict(sorted(files.items()))
    _write_info(path, info)
    return True


def record_if_in_bundle(file: str | Path) -> bool:
    """Record ``file`` in the ``model.json`` of its folder when that folder is a bundle (e.g. a
    ``calibration.json`` written there by ``varsynth calibrate --json``); ``False`` otherwise."""
    file = Path(file)
    return (file.parent / _MANIFEST).is_file() and record_files(file.parent, [file.name])


def bundle_lists(path: str | Path, name: str) -> bool:
    """Whether the ``model.json`` of bundle ``path`` records file ``name`` (False without hashes)."""
    try:
        return name in (read_bundle_info(path).get(FILES_KEY) or {})
    except BundleError:
        return False


def verify_bundle(path: str | Path, names: Sequence[str] | None = None) -> None:
    """Check bundle files against the sizes and SHA-256 recorded in ``model.json``.

    Arguments:
        path: the bundle folder.
        names: only these files (those ``model.json`` records); ``None``: every recorded file.

    Raises:
        BundleError: a recorded file is missing, or its bytes differ from those recorded
            (the message names the file). Bundles without recorded hashes pass unchecked.
    """
    path = Path(path)
    files = read_bundle_info(path).get(FILES_KEY)
    if files is None:
        log.debug("%s records no file hashes (written before they existed): not verified", path)
        return
    if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
        raise BundleError(f"{path / _MANIFEST} is corrupted: its {FILES_KEY!r} entry is not a table of file hashes")
    for name in sorted(files if names is None else set(names) & set(files)):
        file, want = path / name, files[name]
        if not file.is_file():
            raise BundleError(
                f"{file} is missing: {path / _MANIFEST} lists it as part of the bundle, so "
                "the bundle is incomplete (copy the whole bundle folder again)"
            )
        size = file.stat().st_size
        if size != want.get("bytes"):
            problem = f"it has {size} bytes where {want.get('bytes')} were written (truncated or replaced)"
        elif file_sha256(file) != want.get("sha256"):
            problem = "its SHA-256 differs from the one recorded when it was written"
        else:
            continue
        raise BundleError(
            f"{file} is damaged (corrupted, or modified after the bundle was written): {problem}. Restore "
            f"it from the original bundle; to accept a deliberate change, run `python -m varsynth.bundle {path}`"
        )


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
        kind = info.get("kind") if isinstance(info, dict) else type(info).__name__
        raise BundleError(f"{file}: not a {_KIND} bundle (kind {kind!r})")
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

    Every file recorded in ``model.json`` is verified first (:func:`verify_bundle`).

    Raises:
        BundleError: missing, damaged or modified files, or weights that do not fit the
            described architecture (the message names the mismatching tensors).
    """
    info = read_bundle_info(path)
    verify_bundle(path)
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


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m varsynth.bundle FOLDER ...``: record the hashes of every file of each bundle.

    Run once on a bundle written before the hashes existed (the embedded ``default`` was migrated
    this way), or after changing a bundle file on purpose.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or any(a.startswith("-") for a in args):
        print("usage: python -m varsynth.bundle BUNDLE_FOLDER [...]", file=sys.stderr)
        return 2
    for folder in args:
        try:
            if not record_files(folder):
                raise BundleError(f"{folder} is not a varsynth model bundle: it has no {_MANIFEST}")
        except BundleError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        files = read_bundle_info(folder)[FILES_KEY]
        print(f"{folder}: recorded {len(files)} files ({', '.join(files)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
